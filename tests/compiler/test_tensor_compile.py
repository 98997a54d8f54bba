"""``micrograd.compile`` on functions of Tensors: replays equal the eager engine to the bit, and what it refuses.

Every comparison here is exact (the bytes of each loss and each gradient): a replay calls the same NumPy functions
in the same order as the eager engine, so there is no rounding to allow for.
"""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

import micrograd
from micrograd import data as datasets
from micrograd.compiler import CompileError, TraceWarning
from micrograd.optim import SGD, Adam, linear_decay
from micrograd.tensor import Tensor
from micrograd.tensor import functional as F
from micrograd.tensor import nn as tnn
from micrograd.tensor.tensor import no_grad


def same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def twins(nin: int, nouts: list[int], dtype=np.float64) -> tuple[tnn.MLP, tnn.MLP]:
    random.seed(1337)
    a = tnn.MLP(nin, nouts, dtype=dtype)
    random.seed(1337)
    return a, tnn.MLP(nin, nouts, dtype=dtype)


def moons() -> tuple[np.ndarray, Tensor]:
    d = datasets.load("moons", samples=100, noise=0.1, seed=1337)
    return np.asarray(d.X_train, dtype=float), Tensor(np.asarray(datasets.labels_for("hinge", d.y_train), float))


def assert_grads_equal(a: tnn.MLP, b: tnn.MLP, where: str) -> None:
    for k, (p, q) in enumerate(zip(a.parameters(), b.parameters())):
        assert same(p.grad, q.grad), f"{where}: parameter {k}'s gradient differs"


# ---------------------------------------------------------------------------------------- W1 and W2


def test_w1_moons_100_sgd_steps_equal_eager_to_the_bit() -> None:
    X, y = moons()
    eager, compiled = twins(2, [16, 16, 1])

    def loss_of(model: tnn.MLP):
        return lambda X, y: F.hinge(model(X).reshape(-1), y) + F.l2(model.parameters(), 1e-4)

    step, plain = micrograd.compile(loss_of(compiled)), loss_of(eager)
    opts = [SGD(m.parameters(), lr=linear_decay(1.0, 0.1, 100)) for m in (eager, compiled)]
    for k in range(100):
        losses = [plain(X, y), step(X, y)]
        for loss, opt in zip(losses, opts):
            opt.zero_grad()
            loss.backward()
            opt.step()
        assert same(losses[0].data, losses[1].data), f"step {k}: loss {losses[0].item()} != {losses[1].item()}"
        assert_grads_equal(eager, compiled, f"step {k}")
    assert step.stats == {"traced": 1, "replayed": 99}
    assert losses[1].item() < 0.05  # it trained (the demo reaches about 0.011)


def test_w2_digits_100_adam_minibatch_steps_equal_eager_to_the_bit() -> None:
    d = datasets.load("digits", 0, 0.0, 1337, 0.2, 10)
    X, y = np.asarray(d.X_train), np.asarray(d.y_train)  # y: int classes, a new minibatch each call
    eager, compiled = twins(64, [64, 10])

    def loss_of(model: tnn.MLP):
        return lambda xb, yb: F.softmax_cross_entropy(model(xb), yb)

    step, plain = micrograd.compile(loss_of(compiled)), loss_of(eager)
    opts = [Adam(m.parameters(), lr=0.01) for m in (eager, compiled)]
    batches = datasets.minibatches(len(X), 64, 1337)
    first, shapes = None, set()
    for k in range(100):
        idx = np.asarray(next(batches))
        shapes.add(len(idx))
        xb, yb = X[idx], y[idx]
        losses = [plain(xb, yb), step(xb, yb)]
        first = first if first is not None else losses[1].item()
        for loss, opt in zip(losses, opts):
            opt.zero_grad()
            loss.backward()
            opt.step()
        assert same(losses[0].data, losses[1].data), f"step {k}: loss {losses[0].item()} != {losses[1].item()}"
        assert_grads_equal(eager, compiled, f"step {k}")
    assert step.stats == {"traced": len(shapes), "replayed": 100 - len(shapes)}  # a shape is traced once
    assert losses[1].item() < first / 4


# ------------------------------------------------------------------------------------ retracing, reading


def test_new_shapes_and_dtypes_trace_again_and_each_replays() -> None:
    w = Tensor(np.linspace(-1, 1, 6).reshape(3, 2), requires_grad=True)
    step = micrograd.compile(lambda x: (x @ w).tanh().sum())
    rng = np.random.default_rng(0)
    for shape, dtype in [((4, 3), np.float64), ((5, 3), np.float64), ((4, 3), np.float32), ((4, 3), np.float64)]:
        x = rng.normal(size=shape).astype(dtype)
        w.grad = None
        got = step(x)
        got.backward()
        g = w.grad
        w.grad = None
        want = (x @ w).tanh().sum()
        want.backward()
        assert same(got.data, want.data) and same(g, w.grad), (shape, dtype)
    assert step.stats == {"traced": 3, "replayed": 1}
    assert len(step.tensor_calls.programs) == 3


def test_parameters_changed_in_place_or_replaced_are_read_fresh() -> None:
    w = Tensor(np.array([[1.0], [2.0]]), requires_grad=True)
    step = micrograd.compile(lambda x: ((x @ w) ** 2).mean())
    x = np.array([[1.0, -1.0], [0.5, 3.0]])
    step(x)
    with no_grad():
        w.data[...] = [[3.0], [-1.0]]  # in place, as an optimizer does
    assert step(x).item() == ((x @ w.data) ** 2).mean()
    w.data = np.array([[0.5], [0.25]])  # a new array
    loss = step(x)
    loss.backward()
    assert loss.item() == ((x @ w.data) ** 2).mean()
    assert np.array_equal(w.grad, x.T @ (2 * (x @ w.data)) / 2)


def _outcome(fn, leaves: list[Tensor], *args) -> tuple:
    """The result's bytes and each leaf's gradient (None or bytes) after ``backward()``, or the error's kind."""
    for t in leaves:
        t.grad = None
    try:
        out = fn(*args)
        out.backward()
    except Exception as err:
        return (type(err).__name__,)
    return (out.data.tobytes(), *[None if t.grad is None else t.grad.tobytes() for t in leaves])


def test_the_same_argument_twice_is_another_program_than_two_arguments() -> None:
    """f(a, a) reads one slot for both: it must not be replayed for f(a, b), nor f(a, b)'s program for f(a, a)
    (whose gradient adds the two parts in the eager order); the same for arrays and for a Tensor and its array."""

    def f(x, y):
        return (x * y + x).sum() + (Tensor(1e16) * x).sum() - (Tensor(1e16) * y).sum()

    step = micrograd.compile(f)
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([10.0, 20.0], requires_grad=True)
    for x, y in [(a, a), (a, a), (a, a), (a, b), (a, b), (b, b), (a, a), (a, b)]:
        assert _outcome(step, [a, b], x, y) == _outcome(f, [a, b], x, y)
    g = micrograd.compile(lambda x, y: (Tensor(x) * Tensor(y) + Tensor(x)).sum())
    m, n = np.array([1.0, 2.0]), np.array([100.0, 200.0])
    for x, y in [(m, m), (m, m), (m, n), (n, m), (m, m)]:
        assert g(x, y).item() == ((x * y) + x).sum()
    t = Tensor(m)
    for x, y in [(t, t.data), (t, t.data), (t, n)]:
        assert g(x, y).item() == ((x.data * y) + x.data).sum()


def test_an_argument_the_function_also_closes_over_is_told_apart_on_the_first_call_with_another() -> None:
    """f(p) with p also used by closure: the trace reads p once. The first call with another argument is traced
    too; the programs differ, so the first is kept for p itself and the new one serves the others (both ways
    round, with Tensors that take gradients and with arrays)."""
    p, q, r = (Tensor(v, requires_grad=True) for v in ([1.0, 2.0], [10.0, 20.0], [3.0, 5.0]))

    def f(x):
        return (x * p).sum() + (Tensor(1e16) * x).sum() - (Tensor(1e16) * p).sum()

    for order in ([p, p, q, q, p, r, q, p], [q, q, p, p, r, q, p]):
        step = micrograd.compile(f)
        for x in order:
            assert _outcome(step, [p, q, r], x) == _outcome(f, [p, q, r], x)
    m, n, w = np.array([1.0, 2.0]), np.array([10.0, 20.0]), Tensor([1.0, 1.0], requires_grad=True)
    g = micrograd.compile(lambda x: (Tensor(x) * Tensor(m) * w).sum())
    for x in (m, m, n, n, m):
        assert g(x).item() == (x * m).sum()


def test_freezing_or_unfreezing_a_parameter_traces_again() -> None:
    """requires_grad of a tensor the function closes over is part of the program: unfreezing gives it gradients,
    freezing everything makes the result one without grad (backward() refuses it), as eagerly."""
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0])

    def f(x):
        return (a * x + b * x * x).mean()

    step = micrograd.compile(f)
    x = np.array([0.5, -1.0])
    for frozen in [(False, True), (False, True), (False, False), (False, False), (True, True), (False, True)]:
        a.requires_grad, b.requires_grad = not frozen[0], not frozen[1]
        assert _outcome(step, [a, b], x) == _outcome(f, [a, b], x)


def test_a_mean_replays_with_eagers_warnings() -> None:
    """A mean over +inf and -inf is NaN, quietly, eagerly and replayed (so warnings as errors change nothing)."""
    p = Tensor(np.zeros(3), requires_grad=True)

    def f(x):
        return (Tensor(x) + p).mean(axis=1).sum()

    step = micrograd.compile(f)
    edges = np.array([[np.inf, -np.inf, 1.0], [1.0, 2.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(invalid="raise"):
            for _ in range(4):
                assert np.isnan(step(edges).item()) and np.isnan(f(edges).item())
    assert step.stats["traced"] == 1 and step.stats["replayed"] == 3


def test_a_tensor_argument_that_requires_grad_gets_its_gradient_each_call() -> None:
    w = Tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)
    step = micrograd.compile(lambda x: (x * w).sin().sum())
    for k in range(3):
        x = Tensor(np.array([0.1, 0.2, 0.3]) * (k + 1), requires_grad=True)
        step(x).backward()
        x2 = Tensor(x.data.copy(), requires_grad=True)
        (x2 * w).sin().sum().backward()
        assert same(x.grad, x2.grad)
    assert step.stats["replayed"] == 2


def test_backward_of_an_older_call_uses_that_calls_numbers() -> None:
    w = Tensor(np.array([0.3, -0.7]), requires_grad=True)
    step = micrograd.compile(lambda x: (x * w).exp().sum())
    a, b = np.array([1.0, 2.0]), np.array([-3.0, 0.5])
    step(a)
    first, second = step(a), step(b)
    second.backward()
    w.grad = None
    first.backward()
    want = np.exp(a * w.data) * a
    assert np.array_equal(w.grad, want)


def test_no_grad_inside_is_recomputed_each_call_and_passes_no_gradient() -> None:
    w = Tensor(np.array([2.0, -1.0]), requires_grad=True)

    def fn(x):
        with no_grad():
            scale = (x * w).abs().mean()  # a number from the data and w, as a constant of the graph
        return (x * w / scale).sum()

    step = micrograd.compile(fn)
    for x in (np.array([1.0, 3.0]), np.array([-2.0, 0.25]), np.array([5.0, 5.0])):
        w.grad = None
        got = step(x)
        got.backward()
        g = w.grad
        w.grad = None
        want = fn(x)
        want.backward()
        assert same(got.data, want.data) and same(g, w.grad)
    assert step.stats == {"traced": 1, "replayed": 2}


def test_a_returned_non_scalar_needs_gradient_as_in_eager() -> None:
    w = Tensor(np.array([1.5, -0.5]), requires_grad=True)
    step = micrograd.compile(lambda x: (x * w).tanh())
    x = np.array([0.2, 0.4])
    step(x)
    out = step(x)
    with pytest.raises(ValueError, match="gradient="):
        out.backward()
    out.backward(gradient=np.array([1.0, 2.0]))
    g = w.grad
    w.grad = None
    (x * w).tanh().backward(gradient=np.array([1.0, 2.0]))
    assert same(g, w.grad)


def test_micrograd_grad_passes_but_create_graph_is_refused() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    step = micrograd.compile(lambda x: (x * w * w).sum())
    x = np.array([3.0, -1.0])
    step(x)
    (g,) = micrograd.grad(step(x), [w])
    assert np.array_equal(g.data, 2 * x * w.data)
    with pytest.raises(CompileError, match="first derivatives only"):
        micrograd.grad(step(x), [w], create_graph=True)


def test_the_program_lists_one_line_per_op() -> None:
    w = Tensor(np.ones((2, 3)), requires_grad=True, label="w")
    step = micrograd.compile(lambda x: (x @ w).relu().mean())
    step(np.ones((4, 2)))
    text = str(step.program)
    assert "%0 = argument 0  (4, 2) float64" in text
    assert "parameter 'w'  (2, 3) float64" in text
    ops = [line for line in text.splitlines() if "(%" in line]
    assert [line.split(" = ")[1].split("(")[0] for line in ops] == ["view", "@", "ReLU", "mean"]


# ------------------------------------------------------------------------------- Python looking at values


def test_an_item_look_replays_only_while_the_number_is_the_same() -> None:
    w = Tensor(np.array([1.0]), requires_grad=True)

    def fn(x):
        s = (x * w).sum()
        return s * 2 if s.item() > 0 else s * -3  # a branch on the value

    step = micrograd.compile(fn)
    with pytest.warns(TraceWarning, match=r"item\(\)"):
        step(np.array([1.0]))
    assert step(np.array([1.0])).item() == 2.0  # the same number: replayed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TraceWarning)
        assert step(np.array([-1.0])).item() == 3.0  # the other branch: traced, not the wrong replay
        assert step(np.array([2.0])).item() == 4.0
    assert step.stats == {"traced": 3, "replayed": 1}


def test_a_comparison_with_a_number_is_guarded_by_its_outcome() -> None:
    w = Tensor(np.array([1.0, 1.0]), requires_grad=True)

    def fn(x):
        h = x * w
        return h.sum() if (h > 0).all() else -h.sum()

    step = micrograd.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TraceWarning)
        assert step(np.array([1.0, 2.0])).item() == 3.0
        assert step(np.array([5.0, 1.0])).item() == 6.0  # other numbers, same outcome: replayed
        assert step(np.array([-1.0, 2.0])).item() == -1.0  # the outcome changes: traced again
    assert step.stats == {"traced": 2, "replayed": 1}


def test_max_along_a_dim_is_guarded_so_its_index_is_never_stale() -> None:
    w = Tensor(np.eye(2), requires_grad=True)

    def fn(x):
        return (x @ w).max(dim=1).values.sum()

    step = micrograd.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TraceWarning)
        for x in (np.array([[1.0, 2.0]]), np.array([[3.0, -2.0]]), np.array([[3.0, -2.0]])):
            w.grad = None
            step(x).backward()
            g = w.grad
            w.grad = None
            fn(x).backward()
            assert same(g, w.grad)
    assert step.stats == {"traced": 2, "replayed": 1}


# ------------------------------------------------------------------------------------ what is refused


def test_numpy_on_an_argument_inside_the_function_runs_eagerly_with_a_warning() -> None:
    w = Tensor(np.array([0.5, -0.5]), requires_grad=True)
    f = lambda x, y: (1 + -y * (x * w)).relu().mean()  # noqa: E731  (-y: NumPy negates the labels)
    step = micrograd.compile(f)
    x = np.array([1.0, 2.0])
    with pytest.warns(TraceWarning, match="NumPy computed during the call"):
        step(x, np.array([1.0, -1.0]))
    for labels in (np.array([-1.0, 1.0]), np.array([1.0, 1.0])):
        assert same(step(x, labels).data, f(x, labels).data)
    assert step.stats == {"traced": 1, "eager": 2}


def test_a_hidden_dependency_is_caught_on_the_first_replay() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    scale = [1.0]
    step = micrograd.compile(lambda x: (x * w * scale[0]).sum())  # a number read from outside
    step(np.array([1.0, 1.0]))
    scale[0] = 2.0
    with pytest.raises(CompileError, match="differs from the function"):
        step(np.array([1.0, 1.0]))


def test_a_slice_of_an_argument_made_a_tensor_runs_eagerly() -> None:
    w = Tensor(np.array([1.0]), requires_grad=True)
    step = micrograd.compile(lambda x: (Tensor(x[:, :1]) * w).sum())  # NumPy slicing: index the Tensor instead
    with pytest.warns(TraceWarning, match="NumPy computed during the call"):
        step(np.ones((2, 2)))
    assert step(np.full((2, 2), 3.0)).item() == 6.0
    assert step.stats == {"traced": 1, "eager": 1}


def test_returning_something_else_than_a_tensor_is_refused() -> None:
    step = micrograd.compile(lambda x: (Tensor(x).sum(), 1))
    with pytest.raises(CompileError, match="must return one Tensor"):
        step(np.ones(2))


def test_an_unhashable_argument_is_refused_by_name() -> None:
    step = micrograd.compile(lambda x, opts: Tensor(x).sum())
    with pytest.raises(CompileError, match="argument 1"):
        step(np.ones(2), {"a": 1})


def test_an_op_error_on_a_replay_is_the_eager_error() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    step = micrograd.compile(lambda x, i: (x * w)[i].sum())
    step(np.ones(2), np.array([0, 1]))
    with pytest.raises(IndexError):
        step(np.ones(2), np.array([0, 7]))  # the index is an argument: out of range, as eager says


def test_value_functions_still_take_the_scalar_path() -> None:
    step = micrograd.compile(lambda a, b: a * b + a)
    out = step(2.0, 3.0)
    assert isinstance(out, micrograd.Value) and out.data == 8.0
    assert "Values" in str(step.program)


def test_an_argument_index_is_rebound_each_call_and_a_negative_class_is_the_eager_error() -> None:
    w = Tensor(np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -0.5]]), requires_grad=True)
    step = micrograd.compile(lambda x, k: F.softmax_cross_entropy(Tensor(x) @ w, k))
    x = np.array([[1.0, 2.0], [-1.0, 0.5]])
    for k in (np.array([0, 2]), np.array([1, 1]), np.array([2, 0])):
        w.grad = None
        step(x, k).backward()
        g = w.grad
        w.grad = None
        want = F.softmax_cross_entropy(Tensor(x) @ w, k)
        want.backward()
        assert same(g, w.grad)
    assert step.stats == {"traced": 1, "replayed": 2}
    with pytest.raises(ValueError, match="classes must be integers"):
        step(x, np.array([0, -1]))  # NumPy would read -1 as the last class: the replay steps aside


def test_an_array_from_outside_is_read_each_call_even_when_copied_into_a_tensor() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    mask = np.array([1.0, 0.0])
    step = micrograd.compile(lambda x: (Tensor(mask) * x * w).sum() + (w * mask).sum())
    x = np.array([3.0, 4.0])
    assert step(x).item() == 4.0
    mask[...] = [0.0, 1.0]  # changed in place between calls
    assert step(x).item() == 10.0
    assert step.stats == {"traced": 1, "replayed": 1}


def test_a_number_argument_is_a_setting_and_a_0d_array_is_an_input() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    step = micrograd.compile(lambda x, scale: (x * w * scale).sum())
    x = np.array([1.0, 1.0])
    for k in range(3):
        assert step(x, np.array(k + 1.0)).item() == 3.0 * (k + 1)  # a 0-d array: one program, replayed
    assert step.stats == {"traced": 1, "replayed": 2}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(70):
            assert step(x, float(k)).item() == 3.0 * k  # each number its own signature: 64 kept, then eagerly
    assert step.stats["traced"] == 1 + 63 and step.stats["eager"] == 7
    assert sum(issubclass(c.category, TraceWarning) for c in caught) == 1


def test_a_number_an_op_holds_read_from_outside_is_caught_on_the_first_replay() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    power = [2]
    step = micrograd.compile(lambda x: ((x * w) ** power[0]).sum())
    step(np.array([1.0, 1.0]))
    power[0] = 3
    with pytest.raises(CompileError, match="a number held by op"):
        step(np.array([1.0, 1.0]))
