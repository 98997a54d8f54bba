"""The generated replay of a compiled Tensor function: its inline op table is the ops' own rules, to the bit, and the
paths the generator takes (shapes known in advance, or decided on each call) equal the eager engine.

Every comparison is exact (bytes): an inline form is the NumPy expression the op's own rule evaluates.
"""

from __future__ import annotations

import math
import random
import warnings
from typing import Any

import numpy as np
import pytest

import micrograd
from micrograd import data as datasets
from micrograd import ops
from micrograd.compiler import tensor_codegen as codegen
from micrograd.tensor import Tensor
from micrograd.tensor import array_ops as A
from micrograd.tensor import functional as F
from micrograd.tensor import nn as tnn

EDGES = [0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e300, -1e300, 1e-300, 0.5, 2.0, -3.0]


def sample(shape: tuple[int, ...], dtype: Any, rng: np.random.Generator) -> np.ndarray:
    """Numbers in [-3, 3] with edge values mixed in."""
    with np.errstate(over="ignore"):
        x = rng.uniform(-3, 3, shape).astype(dtype)
        edges = np.asarray(EDGES, dtype=dtype)
    pick = rng.random(shape) < 0.3
    x[pick] = rng.choice(edges, size=int(pick.sum()))
    return x


def same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def replay_is_eager(step: Any, f: Any, args: tuple, params: list[Tensor]) -> bool:
    """Whether ``step(*args)`` (compiled ``f``) gives ``f(*args)``'s result and parameter gradients, to the bit."""
    for p in params:
        p.grad = None
    out = step(*args)
    out.backward()
    got = [out.data, *(p.grad for p in params)]
    for p in params:
        p.grad = None
    want = f(*args)
    want.backward()
    return all(same(a, c) for a, c in zip(got, [want.data, *(p.grad for p in params)]))


# (op, shapes of its inputs): every entry of the inline tables, with broadcasting, 0-d, empty and batched cases
CASES: list[tuple[ops.Op, list[tuple[int, ...]]]] = [
    *[(op, shapes) for op in (ops.Add(), ops.Sub(), ops.Mul(), ops.Div())
      for shapes in ([(3, 4), (3, 4)], [(3, 4), (4,)], [(1,), (2, 3)], [(), ()], [(0, 2), (2,)])],
    *[(op, [shape]) for op in (ops.Neg(), ops.Tanh(), ops.Exp(), ops.ReLU(), *map(ops.PowConst, (2, 0.5, 0, -1, 3)))
      for shape in ((3, 4), (), (0,))],
    (A.MatMul(), [(3, 4), (4, 2)]), (A.MatMul(), [(2, 3, 4), (2, 4, 5)]), (A.MatMul(), [(0, 2), (2, 3)]),
    *[(A.Sum(axis, keep), [(3, 4)]) for axis in (None, (0,), (1,), (0, 1)) for keep in (False, True)],
    *[(A.Mean(axis, keep), [shape]) for axis in (None, (0,), (1,)) for keep in (False, True)
      for shape in ((3, 4), (0, 4))],
    (A.Sum(None, False), [()]), (A.Mean(None, False), [()]),
    (A.Reshape((6,)), [(2, 3)]), (A.Reshape((1, 2, 3)), [(6,)]), (A.Reshape(()), [(1,)]),
    (A.LogSoftmax(1), [(3, 4)]), (A.LogSoftmax(0), [(5,)]), (A.LogSoftmax(None), [()]),
    (A.GetItem(np.array([0, 0, 2])), [(3, 2)]),  # a repeated index: its gradient adds up
    (A.GetItem(np.array([True, False, True])), [(3,)]),
    (A.GetItem((np.arange(3), np.array([1, 1, 0]))), [(3, 2)]),
    (A.GetItem((slice(None), 1)), [(3, 2)]),
]  # fmt: skip


def inline_forward(op: ops.Op, xs: list[np.ndarray]) -> Any:
    env = {**codegen.names(), "o": op, **{f"x{j}": x for j, x in enumerate(xs)}}
    if type(op) is ops.ReLU:  # written with its mask, which its backward keeps
        return eval("where(x0 <= 0, 0.0, x0)", env)
    return eval(codegen.INLINE_FORWARD[type(op)]("o", [f"x{j}" for j in range(len(xs))]), env)


def inline_backward(op: ops.Op, g: np.ndarray, out: np.ndarray, xs: list[np.ndarray]) -> list[Any]:
    env = {**codegen.names(), "o": op, "g": g, "out": out, **{f"x{j}": x for j, x in enumerate(xs)}}
    if type(op) is ops.ReLU:
        env["m"] = xs[0] <= 0
        return [eval("where(m, 0.0, g)", env)]
    names = [f"x{j}" for j in range(len(xs))]
    exprs = codegen.INLINE_BACKWARD[type(op)](op, "o", "g", "out", names, [x.ndim for x in xs], (True,) * len(xs))
    return [eval(e, env) for e in exprs]


def test_every_inline_form_is_its_ops_own_rule_to_the_bit() -> None:
    rng = np.random.default_rng(7)
    covered = set()
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for op, shapes in CASES:
            for dtype in (np.float64, np.float32):
                for _ in range(3):
                    xs = [sample(s, dtype, rng) for s in shapes]
                    want = A.forward(op, *xs)  # as the Tensor engine computes it
                    want = want if type(want) is np.ndarray else np.asarray(want, dtype=np.result_type(*xs))
                    if type(op) in codegen.INLINE_FORWARD or type(op) is ops.ReLU:
                        got = inline_forward(op, xs)
                        got = got if type(got) is np.ndarray else np.asarray(got, dtype=want.dtype)
                        assert same(got, want), f"{op.name} forward on {shapes} {np.dtype(dtype).name}"
                    if type(op) not in codegen.INLINE_BACKWARD and type(op) is not ops.ReLU:
                        continue  # its own rule runs in the replay
                    g = sample(want.shape, want.dtype, rng)
                    rule = op.backward(g, want, *xs)  # the eager engine's rule
                    for j, (a, b) in enumerate(zip(inline_backward(op, g, want, xs), rule)):
                        f = (xs[j].dtype, xs[j].shape)
                        assert same(codegen.fit(f, a), codegen.fit(f, b)), f"{op.name} backward, input {j}, {shapes}"
            covered.add(type(op))
    assert covered >= set(codegen.INLINE_FORWARD) | set(codegen.INLINE_BACKWARD)  # a new entry needs a case


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")
def test_fit_is_autograd_fit() -> None:
    """The replay's ``fit`` (decided once per shape) against ``autograd.fit`` itself."""
    from micrograd.tensor import autograd

    rng = np.random.default_rng(3)
    for gshape, dtype, shape in [((3, 4), np.float64, (4,)), ((3, 4), np.float32, (3, 1)), ((), np.float64, (2, 2)),
                                 ((2, 3), np.float64, (2, 3)), ((5, 1, 2), np.float32, (2,))]:  # fmt: skip
        for gdtype in (np.float64, np.float32):
            g = sample(gshape, gdtype, rng)
            t = Tensor(np.zeros(shape, dtype), requires_grad=True)
            assert same(codegen.fit((np.dtype(dtype), shape), g), autograd.fit(t, g, False))
    assert same(codegen.fit((np.dtype(np.float64), ()), 0.0), np.zeros(()))  # a number a rule chose


@pytest.mark.filterwarnings("ignore:overflow encountered in cast", "ignore:invalid value encountered")
def test_fit_written_out_is_autograd_fit() -> None:
    """The generated backward writes fit's steps as source (when shapes are known): that text, run, against
    ``autograd.fit``, for casts, broadcasts of a number and sums over every kind of broadcast axis."""
    from micrograd.tensor import autograd

    rng = np.random.default_rng(4)
    cases = [((3, 4), (4,)), ((3, 4), (3, 1)), ((3, 4), (1, 4)), ((), (2, 2)), ((2, 3), (2, 3)), ((5, 1, 2), (2,)),
             ((5, 3, 2), (3, 1)), ((4,), ()), ((2, 1), (2, 1)), ((0, 3), (3,))]  # fmt: skip
    kinds = set()
    for gshape, shape in cases:
        for gdtype in (np.float64, np.float32):
            for dtype in (np.float64, np.float32):
                g = sample(gshape, gdtype, rng)
                steps = codegen._fitter(np.dtype(gdtype), gshape, np.dtype(dtype), shape)
                kinds.update(step[0] for step in steps)
                source = codegen._fit_source("g", steps, "D", shape)
                got = eval(source, {**codegen.names(), "g": g, "D": np.dtype(dtype)})
                want = autograd.fit(Tensor(np.zeros(shape, dtype), requires_grad=True), g, False)
                assert same(got, want), f"{source} for {gshape} {np.dtype(gdtype)} -> {shape} {np.dtype(dtype)}"
    assert kinds == {"cast", "broadcast", "sum"}


# ------------------------------------------------------------------------------------------ the two paths


def test_a_mask_argument_gives_other_shapes_each_call_and_each_replay_equals_eager() -> None:
    """A boolean mask passed as an argument is rebound each call: the shapes after it change from call to call,
    so the backward decides each gradient's fit on each call (the path without shapes known in advance)."""
    random.seed(5)
    model = tnn.MLP(3, [4, 2])

    def f(x: np.ndarray, keep: np.ndarray) -> Tensor:
        h = model(x)[keep]
        return (h * h).mean() + h.sum(0).tanh().sum()

    step = micrograd.compile(f)
    rng = np.random.default_rng(0)
    for i in range(6):
        x, keep = rng.normal(size=(5, 3)), rng.random(5) < 0.5
        keep[i % 5] = True
        assert replay_is_eager(step, f, (x, keep), model.parameters()), f"call {i}"
    assert step.stats["replayed"] == 5
    assert step.program.rebinds and "fit((D" in step.program.source  # decided on each call


def test_a_parameter_given_another_shape_is_traced_again() -> None:
    """Shapes the generated code counted on are the parameters' too: a parameter given an array of another shape
    (or dtype) makes the call trace again, so the numbers stay eager's (here the bias broadcasts otherwise)."""
    w = Tensor(np.array([[1.0, -2.0], [0.5, 1.5]]), requires_grad=True)
    b = Tensor(np.array([0.1, -0.2]), requires_grad=True)
    f = lambda x: ((x @ w + b) * (x @ w + b)).sum()  # noqa: E731
    step = micrograd.compile(f)
    x = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0]])
    step(x).backward()
    step(x)
    b.data = np.array([[0.3], [0.1], [-0.4]])  # now (3, 1): broadcast along the other axis
    assert replay_is_eager(step, f, (x,), [w, b])
    assert step.stats == {"traced": 2, "replayed": 1}


def test_float32_and_a_reused_node_replay_to_the_bit() -> None:
    random.seed(2)
    model = tnn.MLP(2, [3, 1], dtype=np.float32)

    def f(x: np.ndarray) -> Tensor:
        h = model(x).reshape(-1)
        return (h * h + h).relu().mean() - (h / 3.0).sum()

    step = micrograd.compile(f)
    rng = np.random.default_rng(1)
    for _ in range(4):
        x = rng.normal(size=(6, 2)).astype(np.float32)
        for p in model.parameters():
            p.grad = None
        step(x).backward()
        got = [p.grad for p in model.parameters()]
        for p in model.parameters():
            p.grad = None
        f(x).backward()
        assert all(same(a, p.grad) for a, p in zip(got, model.parameters()))
    assert "sq = " in step.program.source  # h * h: one product for both inputs


def test_the_generated_source_is_shown() -> None:
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    step = micrograd.compile(lambda x: (x @ w).relu().mean())
    step(np.ones((4, 2)))
    text = str(step.program)
    assert "step.program.source" in text
    source = step.program.source
    assert source.startswith("def forward(leaves, externals, ops):")
    assert "matmul(" in source and "where(" in source and "def backward(v, ops, seed):" in source


# ------------------------------------------------------------------------------------------ hinge's labels


@pytest.mark.parametrize("labels", ["array", "int array", "tensor"])
def test_hinge_with_array_labels_replays_and_equals_eager(labels: str) -> None:
    """The labels are an operand of hinge's product: a compiled function replays it with each call's labels (no
    TraceWarning, no eager fallback), and the numbers are eager's."""
    random.seed(9)
    model = tnn.MLP(2, [4, 1])
    f = lambda x, y: F.hinge(model(x).reshape(-1), y)  # noqa: E731
    step = micrograd.compile(f)
    rng = np.random.default_rng(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            x = rng.normal(size=(8, 2))
            y = np.where(rng.random(8) < 0.5, 1, -1)
            y = {"array": y.astype(float), "int array": y, "tensor": Tensor(y.astype(float))}[labels]
            assert replay_is_eager(step, f, (x, y), model.parameters())
    assert step.stats == {"traced": 1, "replayed": 3}


def test_hinge_is_still_mean_relu_of_one_minus_y_s() -> None:
    import torch

    s = np.array([0.5, -2.0, 1.0, 3.0, -0.0, 0.999])
    y = np.array([1.0, -1.0, -1.0, 1.0, 1.0, 1.0])
    t = Tensor(s, requires_grad=True)
    F.hinge(t, y).backward()
    ts = torch.tensor(s, requires_grad=True)
    want = torch.relu(1 - torch.tensor(y) * ts).mean()
    want.backward()
    assert abs(F.hinge(Tensor(s), y).item() - want.item()) <= 1e-15
    np.testing.assert_allclose(t.grad, ts.grad.numpy(), rtol=0, atol=1e-15)


def test_one_tensor_fitted_two_ways_in_one_program() -> None:
    """A bias that one use broadcasts over rows and another over a 0-d number: each gradient is made the bias's own
    its own way (summed over the rows; spread from a number), both decided when the program is made."""
    b = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]]), requires_grad=True)

    def f(x: np.ndarray) -> Tensor:
        return ((x @ w + b).tanh().sum() + (b * b.sum()).sum()) * (b.float().double() + 1.0).mean()

    step = micrograd.compile(f)
    rng = np.random.default_rng(8)
    for _ in range(3):
        x = rng.normal(size=(4, 2))
        assert replay_is_eager(step, f, (x,), [w, b])
    assert step.stats["replayed"] == 2


# ------------------------------------------------------------------------------------------ sum of squares


def generated_is_reference(step: Any, args: tuple) -> bool:
    """The generated forward and backward of ``step``'s last program, run directly (a generated function that
    raised would otherwise hand over to the step-by-step reference quietly), against that reference."""
    p = step.program
    leaves = list(args)
    vals, ops = p.forward(leaves)
    loop = p.forward_loop(leaves, ops)
    seed = np.ones_like(vals[p.root])
    got, want = p._run_backward(vals, ops, seed), p.backward_loop(loop, ops, seed)
    kinds = [type(g) for g in got] == [type(g) for g in want]  # an array where the reference has one (not a number)
    return kinds and all(a is None or same(a, b) for a, b in zip(vals, loop)) and all(map(same, got, want))


@pytest.mark.parametrize("alpha", [1e-4, 3.0, 1e308, -1e308, math.inf, math.nan, 0.0])
@pytest.mark.parametrize("dtypes", [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64)])
def test_sum_of_squares_written_out_is_its_own_rule(alpha: float, dtypes: tuple[Any, Any]) -> None:
    """``F.l2`` is one SumOfSquares node: its forward is written as one ``vdot`` (float64) or pairwise sum (other
    dtypes) per input, its backward as ``x * 2g`` for inputs of g's dtype (the op's own rule where 2g would
    overflow, g is NaN, or dtypes differ). A parameter listed twice adds its two gradients."""
    rng = np.random.default_rng(11)
    a = Tensor(sample((3, 2), dtypes[0], rng), requires_grad=True)
    b = Tensor(sample((2,), dtypes[1], rng), requires_grad=True)

    def f(x: np.ndarray) -> Tensor:
        return (Tensor(x) * a).sum() + F.l2([a, b, a], alpha)

    step = micrograd.compile(f)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            x = sample((3, 2), np.float64, rng)
            assert replay_is_eager(step, f, (x,), [a, b])
            assert generated_is_reference(step, (x,))
    source = step.program.source
    assert ("vdot(" in source) == (np.float64 in dtypes)
    assert ("twice = " in source) == (dtypes[0] == dtypes[1])  # one dtype: written out


def test_the_demo_programs_run_their_generated_code() -> None:
    """W1 (hinge + l2, SGD) and W2 (softmax cross-entropy) replay through their generated functions, which raise
    nowhere (a generated line that raised would be handed to the step-by-step reference: slower, unnoticed)."""
    d = datasets.load("moons", samples=100, noise=0.1, seed=1337)
    X, y = np.asarray(d.X_train), np.where(np.asarray(d.y_train) == 1, 1.0, -1.0)
    random.seed(1337)
    model = tnn.MLP(2, [16, 16, 1])
    w1 = micrograd.compile(lambda X, y: F.hinge(model(X).reshape(-1), y) + F.l2(model.parameters(), 1e-4))
    w1(X, y)
    assert generated_is_reference(w1, (X, y))
    source = w1.program.source
    assert source.count("forward_array(") == 1  # the mean's own (its errstate); every other op written out
    assert source.count(".backward(") == 1 and "twice = " in source  # l2's own rule: only where 2g overflows
    random.seed(1337)
    net = tnn.MLP(64, [64, 10])
    w2 = micrograd.compile(lambda xb, yb: F.softmax_cross_entropy(net(xb), yb))
    xb, yb = np.random.default_rng(0).normal(size=(64, 64)), np.arange(64) % 10
    w2(xb, yb)
    assert generated_is_reference(w2, (xb, yb))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_0d_parameter_gets_arrays_from_sum_of_squares(dtype: Any) -> None:
    """On a 0-d input, ``x * 2g`` is a NumPy number, not an array: the replay makes it an array as ``fit`` does, so
    that adding it up takes eager's path (NumPy adds numbers and arrays along other paths, and where two NaN meet,
    the sign of the result differs; found by the training-step fuzzer, with a parameter gone NaN after updates)."""
    p = Tensor(np.asarray(-np.nan, dtype=dtype), requires_grad=True)  # a NaN with its sign bit set
    q = Tensor(np.asarray([1.5, -2.0], dtype=dtype), requires_grad=True)

    def f(x: np.ndarray) -> Tensor:
        return (q * Tensor(x)).sum() + F.l2([p, q], 2.5)

    step = micrograd.compile(f)
    x = np.asarray([0.75, 2.0], dtype=dtype)
    with np.errstate(all="ignore"):
        for _ in range(3):
            assert replay_is_eager(step, f, (x,), [p, q])
            assert generated_is_reference(step, (x,))  # p's gradient an array, as the reference's


def test_a_0d_gradient_added_up_is_a_number_as_in_the_reference() -> None:
    """Two 0-d gradients add up to a NumPy number (NumPy's sum of two 0-d arrays), in the replay as in
    ``autodiff``'s sums: a rule that passes it on (``+``) gives a number, which ``fit`` makes an array; the written
    backward must not count on an array there (found by the fuzzer, comparing types too)."""
    p = Tensor(np.asarray(0.5), requires_grad=True)

    def f(x: np.ndarray) -> Tensor:
        h = Tensor(x) + p
        return h * 2.0 + h * -3.0

    step = micrograd.compile(f)
    for x in (np.asarray(1.0), np.asarray(-2.0), np.asarray(4.0)):
        assert replay_is_eager(step, f, (x,), [p])
        assert generated_is_reference(step, (x,))
