"""``micrograd.compile(loss_fn, optimizer=opt)``: each call is a whole training step, and leaves the model exactly
as ``loss = loss_fn(...); opt.zero_grad(); loss.backward(); opt.step()`` leaves it (every comparison is bytes)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import micrograd
from micrograd import data as datasets
from micrograd import nn
from micrograd.compiler import CompileError, TraceWarning, tensors
from micrograd.errors import DomainError
from micrograd.ops import Op
from micrograd.optim import SGD, Adam, linear_decay
from micrograd.tensor import Tensor
from micrograd.tensor import functional as F
from micrograd.tensor import nn as tnn
from micrograd.tensor.tensor import no_grad


def state(params: list[Any]) -> list[Any]:
    """Each parameter's numbers and gradient, as bytes (None for no gradient)."""
    out = []
    for p in params:
        for a in (p.data, p.grad):
            out.append(None if a is None else (np.asarray(a).dtype.str, np.asarray(a).shape, np.asarray(a).tobytes()))
    return out


def moons() -> tuple[np.ndarray, np.ndarray]:
    d = datasets.load("moons", samples=100, noise=0.1, seed=1337)
    return np.asarray(d.X_train), np.where(np.asarray(d.y_train) == 1, 1.0, -1.0)


def w1_loss(model: Any) -> Callable[..., Tensor]:
    return lambda X, y: F.hinge(model(X).reshape(-1), y) + F.l2(model.parameters(), 1e-4)


OPTIMIZERS: dict[str, Callable[[list[Any]], Any]] = {
    "sgd schedule": lambda ps: SGD(ps, lr=linear_decay(1.0, 0.1, 100)),
    "sgd momentum decay": lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "adam": lambda ps: Adam(ps, lr=0.01),
    "adam decay": lambda ps: Adam(ps, lr=0.01, weight_decay=1e-2),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_fused_step_leaves_the_model_as_the_four_lines_do(name: str, dtype: Any) -> None:
    X, y = moons()
    X, y = X.astype(dtype), y.astype(dtype)
    random.seed(1337)
    a = tnn.MLP(2, [16, 16, 1], dtype=dtype)
    random.seed(1337)
    b = tnn.MLP(2, [16, 16, 1], dtype=dtype)
    loop_opt, fused_opt = OPTIMIZERS[name](a.parameters()), OPTIMIZERS[name](b.parameters())
    step, train = micrograd.compile(w1_loss(a)), micrograd.compile(w1_loss(b), optimizer=fused_opt)
    for k in range(12):
        rows = slice(0, 100) if k % 4 else slice(0, 50)  # another batch size: another program, traced
        loss = step(X[rows], y[rows])
        loop_opt.zero_grad()
        loss.backward()
        loop_opt.step()
        got = train(X[rows], y[rows])
        assert got.data.tobytes() == loss.data.tobytes() and got.data.dtype == loss.data.dtype
        assert state(b.parameters()) == state(a.parameters()), f"step {k}"
    assert fused_opt.steps == loop_opt.steps == 12
    assert train.stats["traced"] == 2 and train.stats["replayed"] == 10


def test_the_returned_loss_is_detached() -> None:
    X, y = moons()
    random.seed(0)
    model = tnn.MLP(2, [4, 1])
    train = micrograd.compile(w1_loss(model), optimizer=SGD(model.parameters(), lr=0.1))
    for _ in range(3):  # the trace, then replays
        loss = train(X, y)
        assert isinstance(loss, Tensor) and loss.shape == () and not loss.requires_grad and loss._prev == ()
        with pytest.raises(RuntimeError, match="the loss a training step returned, whose backward has already run"):
            loss.backward()


def test_the_fast_road_runs_on_replays() -> None:
    """A replayed call over a model's parameters takes the step itself (no graph node made for the loss)."""
    X, y = moons()
    random.seed(0)
    model = tnn.MLP(2, [4, 1])
    train = micrograd.compile(w1_loss(model), optimizer=SGD(model.parameters(), lr=0.1))
    train(X, y)
    made = []
    original = tensors.Compiled.__init__

    def spy(self: Any, *args: Any) -> None:
        made.append(self)
        original(self, *args)

    tensors.Compiled.__init__ = spy  # type: ignore[method-assign]
    try:
        train(X, y)
    finally:
        tensors.Compiled.__init__ = original  # type: ignore[method-assign]
    assert made == [] and train.stats["replayed"] == 1


def test_a_tensor_outside_the_optimizer_accumulates_its_gradient() -> None:
    """zero_grad() clears the optimizer's parameters only: another tensor the loss reaches adds up, as after
    backward()."""
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    frozen = Tensor(np.array([2.0, 3.0]), requires_grad=True)  # not in the optimizer
    x = np.array([1.0, 2.0])
    fn = lambda x: ((x * w) * frozen).sum()  # noqa: E731
    train = micrograd.compile(fn, optimizer=SGD([w], lr=0.1))
    w2, frozen2 = Tensor(w.data.copy(), requires_grad=True), Tensor(frozen.data.copy(), requires_grad=True)
    opt2 = SGD([w2], lr=0.1)
    total = np.zeros(2)
    for _ in range(3):
        total += x * w.data  # this step's gradient of frozen
        train(x)
        loss = ((x * w2) * frozen2).sum()
        opt2.zero_grad()
        loss.backward()
        opt2.step()
        assert state([w, frozen]) == state([w2, frozen2])
    assert np.array_equal(frozen.grad, total)  # three steps' gradients, added up


def test_a_function_that_looks_at_values_still_trains_exactly() -> None:
    """Where the replay cannot serve (a look at a value that changes), the call runs eagerly: the same step."""
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    w2 = Tensor(w.data.copy(), requires_grad=True)

    def fn(x: np.ndarray, w: Tensor = w) -> Tensor:
        s = (x * w).sum()
        return s * s if s.item() > 0 else -s  # a branch on the value

    train = micrograd.compile(fn, optimizer=SGD([w], lr=0.1))
    opt2 = SGD([w2], lr=0.1)
    with pytest.warns(TraceWarning):
        for k in range(5):
            x = np.array([1.0, 0.5]) * (k - 2)
            got = train(x)
            loss = fn(x, w2)
            opt2.zero_grad()
            loss.backward()
            opt2.step()
            assert got.item() == loss.item() and state([w]) == state([w2])


def test_values_train_the_same_way() -> None:
    """The scalar engine: a compiled function of Values with an optimizer is the same training step."""
    random.seed(3)
    a = nn.MLP(2, [4, 1])
    random.seed(3)
    b = nn.MLP(2, [4, 1])
    X, y = [[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0]], [1.0, -1.0, 1.0]

    def loss_of(model: Any) -> Callable[..., Any]:
        return lambda X, y: sum(((model(x) - t) ** 2 for x, t in zip(X, y)), micrograd.Value(0.0))

    step = micrograd.compile(loss_of(a))
    opt = SGD(a.parameters(), lr=0.05)
    train = micrograd.compile(loss_of(b), optimizer=SGD(b.parameters(), lr=0.05))
    for _ in range(4):
        loss = step(X, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        got = train(X, y)
        assert isinstance(got, micrograd.Value) and got.data == loss.data and got._prev == ()
        assert [(p.data, p.grad) for p in b.parameters()] == [(p.data, p.grad) for p in a.parameters()]


def test_what_a_training_step_refuses() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x = np.array([3.0, 4.0])
    with pytest.raises(TypeError, match=r"optimizer=\.\.\.\): expected an optimizer with zero_grad\(\) and step\(\)"):
        micrograd.compile(lambda x: (x * w).sum(), optimizer=[w])
    opt = SGD([w], lr=0.1)
    for _ in range(2):  # traced, then replayed
        with pytest.raises(CompileError, match=r"return the loss.*a Tensor of shape \(2,\)"):
            micrograd.compile(lambda x: x * w, optimizer=opt)(x)
    with pytest.raises(CompileError, match="the loss takes no gradient"):
        micrograd.compile(lambda x: Tensor(x).sum(), optimizer=opt)(x)
    with pytest.raises(CompileError, match=r"must return the loss, .*; it returned tuple$"):
        micrograd.compile(lambda x: ((x * w).sum(),), optimizer=opt)(x)
    with pytest.raises(CompileError, match=r"it returned float \(return the Tensor itself, not loss.item\(\)\)"):
        micrograd.compile(lambda x: (x * w).sum().item(), optimizer=opt)(x)
    assert np.array_equal(w.data, [1.0, 2.0]) and opt.steps == 0  # nothing was updated


class Picky(Op):
    """Twice x, whose derivative this op refuses to give where x is 0 (a rule that raises)."""

    name = "picky"

    def forward(self, x):
        return x * 2.0

    def backward(self, g, out, x):
        if (np.asarray(x) == 0).any():
            raise ValueError("no derivative at 0")
        return (g * 2.0,)


def test_a_failing_backward_updates_nothing() -> None:
    """An error in the backward pass raises before the update: the parameters and the optimizer's step count are
    as they were, the gradients cleared (zero_grad() ran), and the error is the one backward() raises."""
    w = Tensor(np.array([1.0, 4.0]), requires_grad=True)
    opt = SGD([w], lr=0.1)
    fn = lambda x: Picky()(x * w).sum()  # noqa: E731
    train = micrograd.compile(fn, optimizer=opt)
    for k in range(3):  # traced, then replayed
        train(np.array([1.0, 1.0]))
        before = w.data.copy()
        with pytest.raises(DomainError, match=r"backward through picky.*no derivative at 0"):
            train(np.array([0.0, 1.0]))
        assert np.array_equal(w.data, before) and opt.steps == k + 1 and w.grad is None
    with pytest.raises(DomainError, match=r"backward through picky.*no derivative at 0"):
        fn(np.array([0.0, 1.0])).backward()  # the same error eagerly
    assert train.stats["replayed"] >= 4


def test_verify_checks_the_replay_before_the_update() -> None:
    """verify=3 re-runs the function eagerly on the first replays: on the parameters before this step's update."""
    X, y = moons()
    random.seed(1)
    model = tnn.MLP(2, [8, 1])
    train = micrograd.compile(w1_loss(model), optimizer=SGD(model.parameters(), lr=0.5), verify=3)
    for _ in range(5):
        train(X, y)
    assert train.stats["replayed"] == 4


def test_a_parameter_computed_outside_takes_the_general_road() -> None:
    """A tensor from outside that is itself a node (``scale * base``, made before the call): its gradient goes on
    into its own graph, as backward() would take it."""
    base = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    base2 = Tensor(base.data.copy(), requires_grad=True)
    x = np.array([0.5, -1.5])
    w, w2 = base * 3.0, base2 * 3.0
    train = micrograd.compile(lambda x: (x * w).sum() ** 2, optimizer=SGD([base], lr=0.1))
    opt2 = SGD([base2], lr=0.1)
    for _ in range(3):
        train(x)
        loss = (x * w2).sum() ** 2
        opt2.zero_grad()
        loss.backward()
        opt2.step()
        assert state([base]) == state([base2])


def test_an_optimizer_of_another_model_is_named() -> None:
    """The loss reaches none of the optimizer's parameters: the step changes nothing, and a warning says so."""
    w, other = Tensor(np.array([1.0, 2.0]), requires_grad=True), Tensor(np.array([3.0]), requires_grad=True)
    train = micrograd.compile(lambda x: (x * w).sum(), optimizer=SGD([other], lr=0.1))
    with pytest.warns(UserWarning, match="reaches none of the optimizer's parameters"):
        train(np.array([1.0, 1.0]))
    assert np.array_equal(other.data, [3.0]) and np.array_equal(w.grad, [1.0, 1.0])


def test_a_training_step_inside_another_compiled_function_is_refused() -> None:
    """Its replays would not repeat the update (found by review): refused, for Tensors and for Values."""
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = SGD([w], lr=0.1)
    inner = micrograd.compile(lambda x: (x * w).sum() ** 2, optimizer=opt)
    outer = micrograd.compile(lambda x: inner(x) * 2.0)
    with pytest.raises(CompileError, match="while another compiled function traces"):
        outer(np.array([1.0, 1.0]))
    a = micrograd.Value(0.5)
    inner_v = micrograd.compile(lambda x: (a * x) ** 2, optimizer=SGD([a], lr=0.1))
    with pytest.raises(CompileError, match="while another compiled function traces"):
        micrograd.compile(lambda x: inner_v(x) * 2)(1.5)
    assert np.array_equal(w.data, [1.0, 2.0]) and opt.steps == 0 and a.data == 0.5


def test_no_grad_is_part_of_the_signature() -> None:
    """A first call inside no_grad() (an evaluation) makes a program without backward: later calls outside it are
    another program, which trains; a replay inside no_grad() refuses to train, as the four lines do (found by
    review: the no_grad program was replayed outside, and the training one inside)."""
    w = Tensor(np.array([0.5, -0.25]), requires_grad=True)
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    opt = SGD([w], lr=0.1)
    train = micrograd.compile(lambda x: ((x @ w) ** 2).sum(), optimizer=opt)
    for _ in range(2):  # traced, then replayed
        with no_grad(), pytest.raises(CompileError, match=r"no gradient \(it was computed inside no_grad\(\)\)"):
            train(x)
    before = w.data.copy()
    for _ in range(3):
        train(x)
    assert opt.steps == 3 and not np.array_equal(w.data, before)
    with no_grad(), pytest.raises(CompileError, match="inside no_grad"):
        train(x)  # a replay of the training program's signature, inside no_grad: another program
    assert opt.steps == 3
    loss_fn = micrograd.compile(lambda x: ((x @ w) ** 2).sum())
    with no_grad():
        assert not loss_fn(x).requires_grad
    assert loss_fn(x).requires_grad and loss_fn(x).requires_grad  # traced, then replayed: with a graph
    with no_grad():
        assert not loss_fn(x).requires_grad  # replayed: without


def test_a_training_step_of_tensors_takes_no_arguments_too() -> None:
    """``compile(lambda: loss(...), optimizer=opt)()``, the lecture's loss() style, on a model of Tensors: its
    optimizer's parameters make it a function of Tensors (found by review: it was traced as one of Values)."""
    w = Tensor(np.array([0.5, -0.25]), requires_grad=True)
    w2 = Tensor(w.data.copy(), requires_grad=True)
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    train = micrograd.compile(lambda: ((x @ w) ** 2).sum(), optimizer=SGD([w], lr=0.1))
    opt2 = SGD([w2], lr=0.1)
    for _ in range(3):
        loss = train()
        want = ((x @ w2) ** 2).sum()
        opt2.zero_grad()
        want.backward()
        opt2.step()
        assert loss.item() == want.item() and state([w]) == state([w2])
    assert train.stats == {"traced": 1, "replayed": 2}
    untrained = micrograd.compile(lambda: ((x @ w) ** 2).sum())
    with pytest.raises(TypeError, match=r"got Tensor \(a function is compiled as a function of Tensors when"):
        untrained()  # without an optimizer, nothing says it is a function of Tensors: the message says what to do


def test_an_optimizer_class_is_refused() -> None:
    with pytest.raises(TypeError, match=r"got the class SGD: make one for the model's parameters, SGD\("):
        micrograd.compile(lambda x: x.sum(), optimizer=SGD)


def test_each_gradient_is_an_array_of_its_own() -> None:
    """After a fused step each parameter's .grad is a writable array that shares memory with nothing else (the
    step takes a sum it made as the .grad itself, copies anything else), so zeroing one in place changes no other
    and the next step is still the four lines' (here a bias's gradient is passed on unchanged by +, the sort a
    copy must protect)."""
    X, y = moons()
    random.seed(5)
    a = tnn.MLP(2, [4, 1])
    random.seed(5)
    b = tnn.MLP(2, [4, 1])
    opt_a, opt_b = SGD(a.parameters(), lr=0.1), SGD(b.parameters(), lr=0.1)
    step, train = micrograd.compile(w1_loss(a)), micrograd.compile(w1_loss(b), optimizer=opt_b)
    for _ in range(4):
        loss = step(X, y)
        opt_a.zero_grad()
        loss.backward()
        opt_a.step()
        train(X, y)
        grads = [p.grad for p in b.parameters()]
        assert all(g.flags.writeable for g in grads)
        arrays = grads + [p.data for p in b.parameters()] + [p.grad for p in a.parameters()]
        for i, g in enumerate(grads):
            assert not any(np.shares_memory(g, other) for j, other in enumerate(arrays) if j != i)
        assert state(b.parameters()) == state(a.parameters())
        grads[0].zero_()  # the user's business: the next step starts from zero_grad() anyway
        a.parameters()[0].grad.zero_()


def test_data_swapped_in_a_closure_is_named_on_the_checked_replay() -> None:
    """Data reached by closure is the traced array object: another array put in its place is not seen by a replay.
    The first replay is checked against the function (``verify=1``), and its error names that likely cause and says
    the step was not taken (the docs tell to pass the data as arguments)."""
    X, y = moons()
    random.seed(2)
    model = tnn.MLP(2, [4, 1])
    opt = SGD(model.parameters(), lr=0.1)
    batch = {"X": X[:50], "y": y[:50]}
    train = micrograd.compile(lambda: w1_loss(model)(batch["X"], batch["y"]), optimizer=opt)
    train()
    batch["X"], batch["y"] = X[50:], y[50:]
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(CompileError, match=r"an array reached by closure .* This training step was not taken\."):
        train()
    assert all(np.array_equal(p.data, b) for p, b in zip(model.parameters(), before)) and opt.steps == 1
