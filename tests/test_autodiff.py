"""backward(): order, accumulation, repeated calls, deep graphs, memory; grad(): first and higher order."""

from __future__ import annotations

import gc
import math
import weakref

import pytest
import torch

from micrograd import Value, grad
from micrograd.autodiff import topological_order
from micrograd.nn import MLP
from tests.oracle import close


def test_topological_order_lists_every_node_after_its_inputs() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert set(order) == {a, b, c, d, e} and len(order) == 5
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for child in node._prev:
            assert position[child] < position[node]


def test_reused_node_gets_the_sum_of_its_paths() -> None:
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0
    x = Value(-2.0)
    y = x * x * x  # x used three times
    y.backward()
    assert x.grad == 3 * (-2.0) ** 2


def test_second_backward_accumulates_on_leaves_like_torch_and_never_double_counts() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c.tanh() * a
    d.backward()
    first = (a.grad, b.grad, c.grad)
    d.backward()
    ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (2.0, -3.0))
    td = torch.tanh(ta * tb) * ta
    td.backward(retain_graph=True)
    td.backward()
    assert close(a.grad, ta.grad.item()) and close(b.grad, tb.grad.item())  # leaves: 2x, as torch
    assert close(a.grad, 2 * first[0]) and close(b.grad, 2 * first[1])
    assert c.grad == first[2]  # an op's output holds this call's gradient, not a running sum
    assert d.grad == 1.0


def test_zero_grad_between_calls_gives_identical_gradients() -> None:
    model = MLP(3, [4, 1])
    x = [1.0, -2.0, 0.5]
    loss = model(x) ** 2
    loss.backward()
    first = [p.grad for p in model.parameters()]
    model.zero_grad()
    loss.backward()
    assert [p.grad for p in model.parameters()] == first


def test_backward_on_a_leaf_accumulates_one() -> None:
    a = Value(5.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_a_chain_of_100000_ops_backpropagates_without_recursion() -> None:
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0  # two ops per round: 200,000 nodes deep
    y = y.tanh()
    y.backward()
    assert close(x.grad, 1 - math.tanh(0.5) ** 2)
    (g,) = grad(y, [x])
    assert close(g.data, x.grad)
    del y  # and the deep chain is freed without a crash


def test_a_finished_graph_is_freed_by_reference_counting_alone() -> None:
    gc.collect()
    gc.disable()
    try:
        model = MLP(2, [4, 1])
        x = [Value(0.3), Value(-1.2)]
        loss = (model(x) - 1.0) ** 2 + sum(p * p for p in model.parameters()).tanh()
        loss.backward()
        graph = [weakref.ref(n) for n in topological_order(loss)]
        grads = grad(loss, model.parameters(), create_graph=True)
        more = [weakref.ref(n) for g in grads for n in topological_order(g)]
        assert len(graph) > 20 and len(more) > 20
        del loss, grads
        alive = {id(r()) for r in graph + more if r() is not None}
        kept = {id(v) for v in model.parameters()} | {id(v) for v in x}
        assert alive <= kept, f"{len(alive - kept)} nodes outlived their graph without the cycle collector"
    finally:
        gc.enable()


def test_grad_does_not_touch_dot_grad_and_returns_zero_for_unused_inputs() -> None:
    a, b, unused = Value(2.0), Value(3.0), Value(7.0)
    out = a * b + a
    ga, gb, gu = grad(out, [a, b, unused])
    assert (ga.data, gb.data, gu.data) == (4.0, 2.0, 0.0)
    assert a.grad == b.grad == out.grad == 0.0
    (only,) = grad(out, a)  # a single Value is accepted too
    assert only.data == 4.0


def test_grad_rejects_non_values() -> None:
    with pytest.raises(TypeError, match="float"):
        grad(Value(1.0), [1.0])


@pytest.mark.parametrize(
    ("f", "torch_f", "x0"),
    [
        (lambda x: (x**3).tanh(), lambda x: torch.tanh(x**3), 0.4),
        (lambda x: x.exp() * x.sin(), lambda x: torch.exp(x) * torch.sin(x), 0.7),
        (lambda x: (x * x + 1).log() / x.sigmoid(), lambda x: torch.log(x * x + 1) / torch.sigmoid(x), -1.3),
        (
            lambda x: (2**x).sqrt() - x.softplus() ** 2,
            lambda x: (2**x).sqrt() - torch.nn.functional.softplus(x) ** 2,
            0.9,
        ),
        (lambda x: x.relu() * x.abs() * x.cos(), lambda x: torch.relu(x) * torch.abs(x) * torch.cos(x), 1.1),
    ],
)
def test_third_derivatives_match_torch(f, torch_f, x0: float) -> None:
    x = Value(x0)
    d1 = grad(f(x), x, create_graph=True)[0]
    d2 = grad(d1, x, create_graph=True)[0]
    d3 = grad(d2, x)[0]
    tx = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    (t1,) = torch.autograd.grad(torch_f(tx), tx, create_graph=True)
    (t2,) = torch.autograd.grad(t1, tx, create_graph=True)
    (t3,) = torch.autograd.grad(t2, tx)
    for ours, theirs in [(d1, t1), (d2, t2), (d3, t3)]:
        assert close(ours.data, theirs.item(), rel=1e-8)


def test_mixed_second_derivative_and_backward_through_a_gradient() -> None:
    x, y = Value(0.5), Value(-1.5)
    f = (x * y).tanh() + x**2 * y
    gx, gy = grad(f, [x, y], create_graph=True)
    penalty = gx**2 + gy**2  # a gradient penalty, back-propagated with .backward()
    penalty.backward()
    tx, ty = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.5, -1.5))
    tf = torch.tanh(tx * ty) + tx**2 * ty
    tgx, tgy = torch.autograd.grad(tf, [tx, ty], create_graph=True)
    (tgx**2 + tgy**2).backward()
    assert close(x.grad, tx.grad.item()) and close(y.grad, ty.grad.item())


def test_the_engine_imports_only_the_standard_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys; before = set(sys.modules); import micrograd.engine, micrograd.nn; "
        "print(sorted({m.split('.')[0] for m in set(sys.modules) - before} - set(sys.stdlib_module_names)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['micrograd']"


def test_one_nodes_backward_touches_only_its_own_inputs_and_a_leafs_does_nothing() -> None:
    a, b = Value(3.0, label="a"), Value(-2.0, label="b")
    c = a * b
    d = c + a
    d.grad = 1.0
    a._backward()  # a leaf: nothing to pass on
    assert (a.grad, b.grad, c.grad) == (0.0, 0.0, 0.0)
    d._backward()  # d = c + a: both inputs get d.grad; c's inputs are not reached yet
    assert (c.grad, a.grad, b.grad) == (1.0, 1.0, 0.0)
    c._backward()  # c = a * b: a gets b * c.grad added to what it has, b gets a * c.grad
    assert (a.grad, b.grad) == (1.0 + -2.0, 3.0)
    c._backward()  # calling it again adds again, as the lecture's closures did
    assert (a.grad, b.grad) == (1.0 - 4.0, 6.0)


def test_a_root_over_leaves_takes_the_walks_steps_and_a_failing_rule_changes_no_grad() -> None:
    """backward() of a node whose inputs are all leaves (a compiled call's result, or ``a * a``) runs its rule
    once, without the walk: the same gradients and accumulation, and when the rule fails every grad is put back,
    the root's too, and the error names the op."""
    from micrograd import Op
    from micrograd.errors import DomainError

    a, b = Value(3.0), Value(-2.0)
    out = a * a + 0.0 * b  # not over leaves: the walk
    c = a * b  # over leaves
    c.backward()
    c.backward()
    assert (a.grad, b.grad, c.grad) == (-4.0, 6.0, 1.0)
    out.backward()
    assert (a.grad, b.grad) == (2.0, 6.0)
    s = a * a  # the same leaf twice: both of its gradients add up
    a.grad = 0.0
    s.backward()
    assert a.grad == 6.0

    class Fails(Op):
        name = "fails"

        def forward(self, x, y):
            return x + y

        def backward(self, g, out, x, y):
            if y < 0:
                raise ValueError("no derivative here")
            return (g, g)

    d = Fails()(a, b)
    d.grad = 5.0
    before = (a.grad, b.grad)
    with pytest.raises(DomainError, match="backward through fails"):
        d.backward()
    assert (a.grad, b.grad, d.grad) == (*before, 5.0)
