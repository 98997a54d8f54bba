"""The lecture replayed as a learner types it, chapter by chapter, on this package's Value.

Each test is one chapter of "building micrograd" (timestamps from the lecture's chapter list). The code inside is
the notebook code the lecturer writes, with one change: where the lecture defines its own ``Value`` (and its
``draw_dot``) we import ours. Everything else -- the expressions, the manual gradients, the hand-written
topological sort, the ``Neuron``/``Layer``/``MLP`` classes and the training loop -- is the lecture's, and the
assertions check the numbers the lecture shows.

Where our package behaves differently on purpose (``_prev`` is a tuple, ``a - b`` and ``a / b`` are single ops,
a Value prints its grad too, ...), the test asserts what ours does and says so in a comment; each such difference
belongs in the README's "What differs from the original, on purpose" table.

Notebook cells that are run again and again with a small edit (which input to nudge) are written once, with the
edit as a parameter; the lecture's multi-statement lines (``e = a*b; e.label = 'e'``) are split in two by the
project's formatter.
"""

from __future__ import annotations

import math
import random
import re

import graphviz
import pytest

from micrograd import draw_dot, grad
from micrograd.engine import Value

# ------------------------------------------------------------------------------------------------------------------
# The lecture's neural-net classes (01:43:55, with parameters() from 01:57:56), exactly as the lecturer writes them,
# on top of our Value. Several chapters below use them.


class Neuron:
    def __init__(self, nin):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1, 1))

    def __call__(self, x):
        # w * x + b
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        out = act.tanh()
        return out

    def parameters(self):
        return self.w + [self.b]  # noqa: RUF005 (the lecture's list concatenation)


class Layer:
    def __init__(self, nin, nout):
        self.neurons = [Neuron(nin) for _ in range(nout)]

    def __call__(self, x):
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    def __init__(self, nin, nouts):
        sz = [nin] + nouts  # noqa: RUF005 (the lecture's list concatenation)
        self.layers = [Layer(sz[i], sz[i + 1]) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


# ------------------------------------------------------------------------------------------------------------------
# 00:08:08 and 00:14:12: derivatives by nudging, before any Value exists


def f(x):
    return 3 * x**2 - 4 * x + 5


def test_derivative_of_a_simple_function_with_one_input() -> None:
    """00:08:08 -- f(3) = 20, and the rise over run for a small h gives the slope: 14 at 3, -22 at -3, 0 at 2/3."""
    assert f(3.0) == 20.0

    h = 0.001
    x = 3.0
    assert f(x + h) > f(x)  # nudging right from 3 makes f go up: a positive slope
    assert (f(x + h) - f(x)) / h == pytest.approx(14.0, abs=1e-2)  # 14.003: a difference quotient is approximate
    x = -3.0
    assert (f(x + h) - f(x)) / h == pytest.approx(-22.0, abs=1e-2)
    x = 2 / 3
    assert (f(x + h) - f(x)) / h == pytest.approx(0.0, abs=1e-2)

    # a smaller h gets closer to the exact slope...
    h = 0.0001
    x = 3.0
    assert (f(x + h) - f(x)) / h == pytest.approx(14.0, abs=1e-3)
    x = 2 / 3
    assert (f(x + h) - f(x)) / h == pytest.approx(0.0, abs=1e-3)
    # ...but with too many zeros floating point rounding takes over and the answer is wrong
    h = 0.000000000000001
    x = 3.0
    assert abs((f(x + h) - f(x)) / h - 14.0) > 1.0


def test_derivative_of_a_function_with_multiple_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    """00:14:12 -- d = a*b + c at a=2, b=-3, c=10 is 4; nudging a, b, c in turn gives slopes -3, 2, 1."""
    a = 2.0
    b = -3.0
    c = 10.0
    d = a * b + c
    print(d)
    assert capsys.readouterr().out == "4.0\n"

    slopes = {}
    for bumped in "abc":  # the lecturer edits which input gets "+= h" and runs the cell again
        h = 0.0001

        # inputs
        a = 2.0
        b = -3.0
        c = 10.0

        d1 = a * b + c
        if bumped == "a":
            a += h
        if bumped == "b":
            b += h
        if bumped == "c":
            c += h
        d2 = a * b + c

        print("d1", d1)
        print("d2", d2)
        print("slope", (d2 - d1) / h)

        printed = dict(line.split(" ", 1) for line in capsys.readouterr().out.splitlines())
        assert float(printed["d1"]) == 4.0
        slopes[bumped] = float(printed["slope"])
        if bumped == "a":
            assert float(printed["d2"]) < 4.0  # a bigger a times a negative b: d goes down (3.9997)

    assert slopes == pytest.approx({"a": -3.0, "b": 2.0, "c": 1.0}, abs=1e-6)


# ------------------------------------------------------------------------------------------------------------------
# 00:19:09: the Value object and draw_dot


def test_starting_the_core_value_object_of_micrograd_and_its_visualization() -> None:
    """00:19:09 -- Values add and multiply, remember their inputs (``_prev``) and op (``_op``), carry labels, and
    ``draw_dot`` draws the expression L = (a*b + c) * f = -8."""
    a = Value(2.0)
    # ours prints the grad as well (and the label, when there is one); the lecture's Value printed Value(data=2.0)
    assert repr(a) == "Value(data=2.0, grad=0.0)"

    a = Value(2.0)
    b = Value(-3.0)
    assert (a + b).data == -1.0
    assert (a * b).data == -6.0
    c = Value(10.0)
    d = a * b + c
    assert d.data == 4.0
    assert a.__mul__(b).__add__(c).data == 4.0  # what Python calls for a*b + c

    # the children: the lecture keeps them in a set and shows {Value(data=-6.0), Value(data=10.0)}; ours is a
    # tuple, in the order the operands were written
    assert isinstance(d._prev, tuple)
    assert [v.data for v in d._prev] == [-6.0, 10.0]
    assert d._prev[1] is c
    assert d._op == "+"
    assert (a * b)._op == "*"
    assert a._op == ""  # a leaf: made by no op

    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    assert d._prev == (e, c)
    assert set(d._prev) == {e, c}  # a learner who wants the lecture's set can still have it
    f = Value(-2.0, label="f")
    L = d * f
    assert L.label == ""  # the label of an op's result has to be given explicitly, as the lecture finds
    L.label = "L"
    assert L.data == -8.0
    assert L._prev == (d, f) and L._op == "*"

    dot = draw_dot(L)  # a graphviz.Digraph; no system Graphviz is needed to build it
    assert isinstance(dot, graphviz.Digraph)
    source = dot.source
    for label, data in [("a", "2.0000"), ("b", "-3.0000"), ("c", "10.0000"), ("e", "-6.0000"), ("d", "4.0000")]:
        assert f"{{ {label} | data {data} | grad 0.0000 }}" in source
    assert "{ f | data -2.0000 | grad 0.0000 }" in source
    assert "{ L | data -8.0000 | grad 0.0000 }" in source
    assert source.count('label="*"') == 2 and source.count('label="+"') == 1  # one oval per op


# ------------------------------------------------------------------------------------------------------------------
# 00:32:10 and 00:51:10: backpropagation by hand through L = (a*b + c) * f


def lol(bump):
    """The lecture's scratch function: build L twice, the second time with one thing nudged by h, and print the
    rise over run. ``bump`` names what the lecturer nudges in that run ('L', 'a', ..., 'f')."""
    h = 0.001

    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    L1 = L.data

    a = Value(2.0, label="a")
    if bump == "a":
        a.data += h
    b = Value(-3.0, label="b")
    if bump == "b":
        b.data += h
    c = Value(10.0, label="c")
    if bump == "c":
        c.data += h
    e = a * b
    e.label = "e"
    if bump == "e":
        e.data += h
    d = e + c
    d.label = "d"
    if bump == "d":
        d.data += h
    f = Value(-2.0 + (h if bump == "f" else 0.0), label="f")
    L = d * f
    L.label = "L"
    L2 = L.data + (h if bump == "L" else 0.0)

    print((L2 - L1) / h)


def test_manual_backpropagation_example_1_simple_expression(capsys: pytest.CaptureFixture[str]) -> None:
    """00:32:10 -- the gradients of L set by hand, node by node (chain rule), checked by nudging each node in
    ``lol()`` and against our ``backward()``."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"

    # the manual backward pass, in the lecture's order
    L.grad = 1.0
    f.grad = 4.0  # dL/df = d
    d.grad = -2.0  # dL/dd = f
    c.grad = -2.0  # a plus node routes the gradient: dL/dc = dL/dd * 1
    e.grad = -2.0
    a.grad = -2.0 * -3.0  # dL/de * de/da, and de/da = b
    b.grad = -2.0 * 2.0  # dL/de * de/db, and de/db = a
    manual = {"L": L.grad, "f": f.grad, "d": d.grad, "c": c.grad, "e": e.grad, "a": a.grad, "b": b.grad}
    assert manual == {"L": 1.0, "f": 4.0, "d": -2.0, "c": -2.0, "e": -2.0, "a": 6.0, "b": -4.0}

    # the inline gradient check: each lol() run nudges one node and prints (L2 - L1)/h
    for name, claimed in manual.items():
        lol(name)
        printed = float(capsys.readouterr().out)
        assert printed == pytest.approx(claimed, abs=1e-3), name

    # the drawing shows the grads that were filled in
    source = draw_dot(L).source
    assert "{ a | data 2.0000 | grad 6.0000 }" in source and "{ L | data -8.0000 | grad 1.0000 }" in source

    # and our backward() finds the same gradients on a fresh copy of the expression
    a2, b2, c2, f2 = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    e2 = a2 * b2
    d2 = e2 + c2
    L2 = d2 * f2
    L2.backward()
    assert [L2.grad, f2.grad, d2.grad, c2.grad, e2.grad, a2.grad, b2.grad] == list(manual.values())


def test_preview_of_a_single_optimization_step() -> None:
    """00:51:10 -- one small step of every leaf along its gradient makes L go up: from -8 to about -7.29."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    # the notebook's state after the previous chapter: the grads filled in by hand
    L.grad = 1.0
    f.grad = 4.0
    d.grad = -2.0
    c.grad = -2.0
    e.grad = -2.0
    a.grad = -2.0 * -3.0
    b.grad = -2.0 * 2.0

    a.data += 0.01 * a.grad
    b.data += 0.01 * b.grad
    c.data += 0.01 * c.grad
    f.data += 0.01 * f.grad

    e = a * b
    d = e + c
    L = d * f

    print(L.data)
    assert L.data > -8.0  # less negative: the step went uphill, as the gradient promised
    assert L.data == pytest.approx(-7.286496, abs=1e-9)


# ------------------------------------------------------------------------------------------------------------------
# 00:52:52 onwards: the neuron o = tanh(x1*w1 + x2*w2 + b)


def test_manual_backpropagation_example_2_a_neuron() -> None:
    """00:52:52 -- the neuron's output is tanh(0.8814) = 0.7071; its gradients by hand are n 0.5, x1 -1.5, w1 1,
    x2 0.5, w2 0 (checked against our backward())."""
    # inputs x1,x2
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    # weights w1,w2
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    # bias of the neuron: first 8, which squashes tanh(2) to 0.96...
    b = Value(8.0, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    assert n.data == 2.0
    assert o.data == pytest.approx(0.9640, abs=1e-4)

    # ...then the number that makes the gradients come out nice
    b = Value(6.8813735870195432, label="b")
    # x1*w1 + x2*w2 + b
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    assert n.data == pytest.approx(0.8814, abs=1e-4)
    assert o.data == pytest.approx(0.7071, abs=1e-4)
    assert o._op == "tanh" and o._prev == (n,)

    # the manual backward pass
    o.grad = 1.0
    assert 1 - o.data**2 == pytest.approx(0.5)  # do/dn = 1 - tanh(n)**2 = 1 - o**2
    n.grad = 0.5
    x1w1x2w2.grad = 0.5
    b.grad = 0.5
    x1w1.grad = 0.5
    x2w2.grad = 0.5
    x2.grad = w2.data * x2w2.grad
    w2.grad = x2.data * x2w2.grad
    x1.grad = w1.data * x1w1.grad
    w1.grad = x1.data * x1w1.grad
    manual = {"x1": x1.grad, "w1": w1.grad, "x2": x2.grad, "w2": w2.grad, "b": b.grad, "n": n.grad}
    assert manual == {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5, "n": 0.5}
    assert "{ w1 | data -3.0000 | grad 1.0000 }" in draw_dot(o).source

    # our backward() on the same neuron built afresh agrees with the hand-made gradients
    leaves = {"x1": Value(2.0), "w1": Value(-3.0), "x2": Value(0.0), "w2": Value(1.0), "b": Value(6.8813735870195432)}
    n2 = leaves["x1"] * leaves["w1"] + leaves["x2"] * leaves["w2"] + leaves["b"]
    n2.tanh().backward()
    assert {k: v.grad for k, v in leaves.items()} | {"n": n2.grad} == pytest.approx(manual)


def test_implementing_the_backward_function_for_each_operation() -> None:
    """01:09:02 -- with o.grad = 1, calling ``_backward()`` on each node from the output down fills in the grads
    one step of the chain rule at a time. (Ours is a method of Value, not a closure stored on each node; calling
    it is the same.)"""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"

    nodes = [o, n, b, x1w1x2w2, x1w1, x2w2, x1, w1, x2, w2]

    def grads():
        return {v.label: v.grad for v in nodes}

    expected = dict.fromkeys(grads(), 0.0)
    assert grads() == expected  # a freshly built expression: every grad is zero

    o.grad = 1.0  # the base case: _backward multiplies by out.grad, which starts at zero
    expected["o"] = 1.0
    assert grads() == expected

    o._backward()  # through tanh: 1 - o**2
    expected["n"] = 0.5
    assert grads() == pytest.approx(expected)
    assert x1w1x2w2.grad == 0.0 and b.grad == 0.0  # nothing further yet

    n._backward()  # a plus node routes the gradient to both inputs
    expected["x1*w1 + x2*w2"] = expected["b"] = 0.5
    assert grads() == pytest.approx(expected)

    b._backward()  # a leaf: its _backward does nothing
    assert grads() == pytest.approx(expected)

    x1w1x2w2._backward()
    expected["x1*w1"] = expected["x2*w2"] = 0.5
    assert grads() == pytest.approx(expected)
    assert x2.grad == 0.0 and x1.grad == 0.0

    x2w2._backward()  # a times node: each input gets the other input's data times the grad
    expected["x2"], expected["w2"] = 0.5, 0.0
    assert grads() == pytest.approx(expected)
    assert x1.grad == 0.0 and w1.grad == 0.0

    x1w1._backward()
    expected["x1"], expected["w1"] = -1.5, 1.0
    assert grads() == pytest.approx(expected)  # e.g. x1 is -1.4999999999999993, not exactly -1.5
    assert (x1.grad, w1.grad, x2.grad, w2.grad, b.grad, n.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0, 0.5, 0.5))


def test_implementing_the_backward_function_for_a_whole_expression_graph() -> None:
    """01:17:32 -- the lecture's topological sort, then ``_backward()`` on every node in reverse order; and the
    same through ``o.backward()``."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"

    topo = []
    visited = set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(o)

    assert topo[-1] is o and topo[-2] is n  # the output last, the node under it just before
    assert len(topo) == 10
    for i, v in enumerate(topo):  # every node comes after all of its children
        assert all(topo.index(child) < i for child in v._prev)
    # with _prev a tuple in input order the order is always the same (with the lecture's sets it could vary)
    assert [v.label for v in topo] == ["x1", "w1", "x1*w1", "x2", "w2", "x2*w2", "x1*w1 + x2*w2", "b", "n", "o"]

    o.grad = 1.0
    for node in reversed(topo):
        node._backward()

    assert o.data == pytest.approx(0.7071, abs=1e-4)
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))
    assert (b.grad, n.grad) == pytest.approx((0.5, 0.5))
    by_hand = [v.grad for v in topo]

    # the same, hidden inside Value.backward(), on the neuron built afresh
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    assert x1.grad == 0.0 and o.grad == 0.0
    o.backward()
    assert [x1.grad, w1.grad, x1w1.grad, x2.grad, w2.grad, x2w2.grad, x1w1x2w2.grad, b.grad, n.grad, o.grad] == (
        pytest.approx(by_hand, abs=1e-12)
    )
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))


def test_fixing_a_backprop_bug_when_one_node_is_used_multiple_times() -> None:
    """01:22:28 -- a node used twice gets the sum of both gradients: b = a + a gives a.grad 2, and in
    f = (a*b) * (a+b) at a=-2, b=3 the grads are -3 and -8. (The lecture first shows the wrong 1 from '=' and then
    fixes it with '+='; our engine is the fixed one, so only the right numbers can be replayed.)"""
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    b.backward()
    assert b.data == 6.0
    assert b._prev == (a, a)  # both arrows are kept (a set would hold a single a)
    assert a.grad == 2.0

    a = Value(-2.0, label="a")
    b = Value(3.0, label="b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    f = d * e
    f.label = "f"

    f.backward()

    assert f.data == -6.0
    assert (d.grad, e.grad) == (1.0, -6.0)
    assert a.grad == -3.0
    assert b.grad == -8.0


def draw_dot_nodes(root):
    """Every Value in root's graph (the same walk as the lecture's trace() inside draw_dot)."""
    nodes = set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                build(child)

    build(root)
    return nodes


def test_breaking_up_a_tanh_exercising_with_more_operations() -> None:
    """01:27:05 -- Values mix with plain numbers on either side, and exp, /, - work forward and backward; tanh
    written as (e^2n - 1)/(e^2n + 1) gives the same output and the same gradients as tanh."""
    a = Value(2.0)
    assert (a + 1).data == 3.0
    assert (a * 2).data == 4.0
    assert (2 * a).data == 4.0  # __rmul__
    assert (1 + a).data == 3.0  # __radd__ (what sum() needs, starting from 0)
    assert a.exp().data == pytest.approx(math.exp(2.0))
    b = Value(4.0)
    assert (a / b).data == 0.5
    assert (a - b).data == -2.0
    # ours records a - b and a / b as one '-' and one '/' node; the lecture builds them from + and * and **-1
    assert ((a - b)._op, (a / b)._op, (a**-1)._op, (-a)._op) == ("-", "/", "**-1", "neg")

    # and the backward pass works through each of them
    a = Value(2.0)
    x = a.exp()
    x.backward()
    assert a.grad == x.data  # d/da e^a = e^a
    a, b = Value(2.0), Value(4.0)
    (a / b).backward()
    assert (a.grad, b.grad) == (0.25, -0.125)
    a, b = Value(2.0), Value(4.0)
    (a - b).backward()
    assert (a.grad, b.grad) == (1.0, -1.0)

    # the neuron, first with tanh as one op...
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    with_tanh = (o.data, x1.grad, w1.grad, x2.grad, w2.grad)

    # ...then with tanh broken up
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    # ----
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    # ----
    o.label = "o"
    o.backward()

    assert o.data == pytest.approx(0.7071, abs=1e-4)
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))
    assert (o.data, x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx(with_tanh, abs=1e-12)
    ops = {node._op for node in draw_dot_nodes(o)}
    assert ops == {"", "*", "+", "exp", "-", "/"}  # no tanh node any more; the lecture's graph has '**-1' instead
    assert len(re.findall(r'label="?exp"? ', draw_dot(o).source)) == 1  # one oval per op node


def test_doing_the_same_thing_but_in_pytorch_comparison(capsys: pytest.CaptureFixture[str]) -> None:
    """01:39:31 -- the neuron in PyTorch, with the lecture's code, gives the same output and gradients as ours."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()
    ours = {"o": o.data, "x2": x2.grad, "w2": w2.grad, "x1": x1.grad, "w1": w1.grad}

    import torch

    x1 = torch.Tensor([2.0]).double()
    x1.requires_grad = True
    x2 = torch.Tensor([0.0]).double()
    x2.requires_grad = True
    w1 = torch.Tensor([-3.0]).double()
    w1.requires_grad = True
    w2 = torch.Tensor([1.0]).double()
    w2.requires_grad = True
    b = torch.Tensor([6.8813735870195432]).double()
    b.requires_grad = True
    n = x1 * w1 + x2 * w2 + b
    o = torch.tanh(n)

    print(o.data.item())
    o.backward()

    print("---")
    print("x2", x2.grad.item())
    print("w2", w2.grad.item())
    print("x1", x1.grad.item())
    print("w1", w1.grad.item())

    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "---"
    theirs = {"o": float(lines[0])} | {name: float(value) for name, value in (line.split() for line in lines[2:])}
    assert theirs.keys() == ours.keys()
    # torch.Tensor([...]) makes float32 before .double(), so PyTorch's bias is 6.8813738... and its numbers differ
    # from ours in the 7th digit (the lecture's printout shows o = 0.7071066904050358): agreement to 1e-6
    assert theirs == pytest.approx(ours, abs=1e-6)
    assert theirs["o"] == pytest.approx(0.7071066904050358, abs=1e-12)

    # given PyTorch's own (float32-rounded) bias, ours agrees to the last digits
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(b.item())
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    same_inputs = {"o": o.data, "x2": x2.grad, "w2": w2.grad, "x1": x1.grad, "w1": w1.grad}
    assert same_inputs == pytest.approx(theirs, rel=1e-12, abs=1e-15)


# ------------------------------------------------------------------------------------------------------------------
# 01:43:55 onwards: the multi-layer perceptron (the classes at the top of this file)


def test_building_out_a_neural_net_library_multi_layer_perceptron_in_micrograd() -> None:
    """01:43:55 -- the lecture's Neuron, Layer and MLP work on our Value: MLP(3, [4, 4, 1]) maps 3 numbers to one
    Value in (-1, 1) and has 41 parameters."""
    random.seed(42)

    x = [2.0, 3.0]
    n = Neuron(2)
    out = n(x)
    assert isinstance(out, Value) and out._op == "tanh"
    act = n.b.data + n.w[0].data * x[0] + n.w[1].data * x[1]
    assert out.data == pytest.approx(math.tanh(act), rel=1e-12)

    n = Layer(2, 3)
    outs = n(x)
    assert isinstance(outs, list) and len(outs) == 3
    assert all(isinstance(v, Value) and -1 < v.data < 1 for v in outs)

    x = [2.0, 3.0, -1.0]
    n = MLP(3, [4, 4, 1])
    out = n(x)
    assert isinstance(out, Value)  # the last layer's single neuron comes out as a Value, not a list of one
    assert -1 < out.data < 1

    # the same forward pass in plain floats
    h = x
    for layer in n.layers:
        h = [math.tanh(neuron.b.data + sum(wi.data * xi for wi, xi in zip(neuron.w, h))) for neuron in layer.neurons]
    assert out.data == pytest.approx(h[0], rel=1e-12)

    assert len(n.parameters()) == 41
    assert len(set(n.parameters())) == 41  # all different Values (ours hash by identity)

    dot = draw_dot(n(x))
    assert isinstance(dot, graphviz.Digraph)
    assert len(re.findall(r'label="?tanh"? ', dot.source)) == 9  # 4 + 4 + 1 neurons


def test_creating_a_tiny_dataset_writing_the_loss_function() -> None:
    """01:51:04 -- four examples, their targets, the squared-error loss summed over them; loss.backward() gives
    every weight a gradient (checked against a nudge of the first weight)."""
    random.seed(0)
    n = MLP(3, [4, 4, 1])

    xs = [
        [2.0, 3.0, -1.0],
        [3.0, -1.0, 0.5],
        [0.5, 1.0, 1.0],
        [1.0, 1.0, -1.0],
    ]
    ys = [1.0, -1.0, -1.0, 1.0]  # desired targets
    ypred = [n(x) for x in xs]
    assert len(ypred) == 4 and all(isinstance(yp, Value) for yp in ypred)

    parts = [(yout - ygt) ** 2 for ygt, yout in zip(ys, ypred)]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    assert isinstance(loss, Value)
    assert [p.data for p in parts] == pytest.approx([(yp.data - y) ** 2 for y, yp in zip(ys, ypred)])
    assert loss.data == pytest.approx(sum(p.data for p in parts))
    assert 0 < loss.data < 16  # each term is at most (1 + 1)**2 = 4

    loss.backward()
    g = n.layers[0].neurons[0].w[0].grad
    assert isinstance(g, float) and g != 0.0
    assert all(p.grad != 0.0 for p in n.parameters())  # every weight and bias has some effect here

    # is that gradient right? nudge the weight and see how the loss moves
    h = 1e-6
    w = n.layers[0].neurons[0].w[0]
    w.data += h
    loss2 = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, [n(x) for x in xs]))
    w.data -= h
    assert (loss2.data - loss.data) / h == pytest.approx(g, rel=1e-3, abs=1e-6)

    dot = draw_dot(loss)  # the lecture's "massive graph": four forward passes and the loss on top
    assert isinstance(dot, graphviz.Digraph)
    assert f"data {loss.data:.4f}" in dot.source
    assert len(re.findall(r'label="?tanh"? ', dot.source)) == 4 * 9


def test_collecting_all_of_the_parameters_of_the_neural_net() -> None:
    """01:57:56 -- n.parameters() lists all 41 weights and biases; a small step against each gradient
    (p.data += -0.01 * p.grad) makes the loss go down."""
    random.seed(1)
    n = MLP(3, [4, 4, 1])
    assert len(n.parameters()) == 41
    assert n.parameters()[:4] == n.layers[0].neurons[0].w + [n.layers[0].neurons[0].b]  # noqa: RUF005

    xs = [
        [2.0, 3.0, -1.0],
        [3.0, -1.0, 0.5],
        [0.5, 1.0, 1.0],
        [1.0, 1.0, -1.0],
    ]
    ys = [1.0, -1.0, -1.0, 1.0]
    ypred = [n(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    loss.backward()

    w = n.layers[0].neurons[0].w[0]
    before_data, its_grad = w.data, w.grad

    for p in n.parameters():
        p.data += -0.01 * p.grad

    assert w.data == pytest.approx(before_data - 0.01 * its_grad)  # against the gradient: downhill
    ypred = [n(x) for x in xs]
    new_loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    assert new_loss.data < loss.data


# ------------------------------------------------------------------------------------------------------------------
# 02:01:12: the training loop


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("classes", ["lecture", "micrograd.nn"])
def test_doing_gradient_descent_optimization_manually_training_the_network(
    classes: str, seed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """02:01:12 -- 20 steps of forward pass, zero grad, backward, update (step 0.1) drive the loss toward 0 and
    every prediction to the sign of its target; the same with our MLP in place of the lecture's classes."""
    random.seed(seed)
    if classes == "lecture":
        n = MLP(3, [4, 4, 1])
    else:  # our classes replace the lecture's definitions; the rest is unchanged
        from micrograd.nn import MLP as OurMLP

        n = OurMLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
    assert len(n.parameters()) == 41

    xs = [
        [2.0, 3.0, -1.0],
        [3.0, -1.0, 0.5],
        [0.5, 1.0, 1.0],
        [1.0, 1.0, -1.0],
    ]
    ys = [1.0, -1.0, -1.0, 1.0]  # desired targets

    for k in range(20):
        # forward pass
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))

        # backward pass
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()

        # update
        for p in n.parameters():
            p.data += -0.1 * p.grad

        print(k, loss.data)

    printed = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert [int(k) for k, _ in printed] == list(range(20))
    losses = [float(value) for _, value in printed]
    # the lecture's exact numbers depend on its random start; these bounds hold for every seed we tried (0-11)
    assert losses[-1] < 0.1 * losses[0]
    assert losses[-1] < 0.05
    ypred = [n(x) for x in xs]
    assert [math.copysign(1.0, yp.data) for yp in ypred] == ys


def test_doing_gradient_descent_the_forgotten_zero_grad() -> None:
    """02:01:12 -- the lecture's bug: without resetting p.grad before backward(), each step's gradient is added on
    top of the previous ones (our leaves accumulate across backward() calls, as in PyTorch). On this tiny problem
    the loop still converges; resetting p.grad = 0.0 leaves exactly the current gradient."""
    random.seed(0)
    n = MLP(3, [4, 4, 1])
    xs = [
        [2.0, 3.0, -1.0],
        [3.0, -1.0, 0.5],
        [0.5, 1.0, 1.0],
        [1.0, 1.0, -1.0],
    ]
    ys = [1.0, -1.0, -1.0, 1.0]

    losses = []
    for k in range(20):
        # forward pass
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))

        # backward pass (no zero grad: the bug)
        before = [p.grad for p in n.parameters()]
        this_step = [g.data for g in grad(loss, n.parameters())]  # this step's gradient, read-only
        loss.backward()
        assert [p.grad for p in n.parameters()] == pytest.approx([a + g for a, g in zip(before, this_step)])
        if k > 0:
            assert [p.grad for p in n.parameters()] != pytest.approx(this_step)  # stale gradients mixed in

        # update
        for p in n.parameters():
            p.data += -0.05 * p.grad

        print(k, loss.data)
        losses.append(loss.data)

    assert losses[-1] < 0.1 * losses[0]  # it "worked", as in the lecture, only because the problem is so easy

    # the fix: zero the grads before backward()
    ypred = [n(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    for p in n.parameters():
        p.grad = 0.0
    loss.backward()
    g1 = [p.grad for p in n.parameters()]
    assert g1 == pytest.approx([g.data for g in grad(loss, n.parameters())])

    # and calling backward() a second time on the same loss adds exactly one more copy to each parameter
    loss.backward()
    assert [p.grad for p in n.parameters()] == pytest.approx([2 * g for g in g1])
