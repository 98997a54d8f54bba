"""Tensor backward and micrograd.grad: accumulation, second derivatives against torch, errors, dtypes, custom ops."""

from __future__ import annotations

import gc
import math
import weakref

import numpy as np
import pytest
import torch

import micrograd
from micrograd import Op
from micrograd.tensor import Tensor, no_grad
from tests.oracle import UNARY, Cube, OpCase
from tests.tensor.tensor_oracle import tensor_fn, torch_of

SMOOTH = [c for c in UNARY if c.name not in ("relu", "abs")]


def test_leaves_accumulate_and_op_results_start_afresh() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad, [18.0, 36.0])
    y.backward()
    np.testing.assert_array_equal(x.grad, [36.0, 72.0])
    np.testing.assert_array_equal(h.grad, [6.0, 12.0])  # this pass's gradient only
    x.grad = None
    y.backward()
    np.testing.assert_array_equal(x.grad, [18.0, 36.0])
    assert x.grad.flags.writeable


def test_grad_returns_tensors_and_leaves_dot_grad_alone() -> None:
    x, z = Tensor([1.0, -2.0], requires_grad=True), Tensor([5.0], requires_grad=True)
    gx, gz = micrograd.grad((x**2).sum(), [x, z])
    np.testing.assert_array_equal(gx.data, [2.0, -4.0])
    np.testing.assert_array_equal(gz.data, [0.0])  # z is not used: zeros, as Values give 0.0
    assert x.grad is None


@pytest.mark.parametrize("case", SMOOTH, ids=lambda c: c.name)
def test_second_derivatives_match_torch(case: OpCase) -> None:
    a = np.array([0.3, 0.7, 1.9])
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    (g,) = micrograd.grad(tensor_fn(case)(x).sum(), x, create_graph=True)
    (gg,) = micrograd.grad((g * g).sum(), x)
    (tg,) = torch.autograd.grad(case.theirs(tx).sum(), tx, create_graph=True)
    if tg.requires_grad:
        (tgg,) = torch.autograd.grad((tg * tg).sum(), tx)
    else:  # a linear op: its derivative is a constant, torch does not even record it
        tgg = torch.zeros_like(tx)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(gg.data, tgg.numpy(), rtol=1e-9, atol=1e-12)


def test_second_derivatives_through_matmul_log_softmax_and_broadcasting() -> None:
    rng = np.random.default_rng(4)
    a, w, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4,))
    x, W, B = (Tensor(v, requires_grad=True) for v in (a, w, b))
    tx, tW, tB = (torch_of(v) for v in (a, w, b))
    k = np.array([0, 3, 1, 1, 2])
    loss = -(x @ W + B).tanh().log_softmax(axis=1)[np.arange(5), k].mean()
    tloss = -torch.log_softmax(torch.tanh(tx @ tW + tB), dim=1)[torch.arange(5), torch.tensor(k)].mean()
    gW, gB = micrograd.grad(loss, [W, B], create_graph=True)
    tgW, tgB = torch.autograd.grad(tloss, [tW, tB], create_graph=True)
    penalty = (gW**2).sum() + (gB**2).sum() + x.amax(dim=1).sum()
    tpenalty = (tgW**2).sum() + (tgB**2).sum() + torch.amax(tx, dim=1).sum()
    got = micrograd.grad(penalty, [x, W, B])
    want = torch.autograd.grad(tpenalty, [tx, tW, tB])
    for g, t in zip(got, want):
        np.testing.assert_allclose(g.data, t.numpy(), rtol=1e-9, atol=1e-12)


def test_float32_stays_float32_and_agrees_with_torch_float32() -> None:
    rng = np.random.default_rng(5)
    a, w = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(3, 2)).astype(np.float32)
    x, W = Tensor(a, dtype=np.float32), Tensor(w, requires_grad=True, dtype=np.float32)
    y = ((x @ W).sigmoid() * 2.0 + 1).log().mean()
    y.backward()
    assert y.dtype == np.float32 and W.grad.dtype == np.float32
    tW = torch.tensor(w, requires_grad=True)
    ty = ((torch.tensor(a) @ tW).sigmoid() * 2.0 + 1).log().mean()
    ty.backward()
    np.testing.assert_allclose(W.grad, tW.grad.numpy(), rtol=1e-5)
    assert Tensor([1, 2]).dtype == np.float64 and Tensor(np.arange(3)).dtype == np.float64


def test_no_grad_records_nothing() -> None:
    w = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = w * 2
    assert not y.requires_grad and y._prev == ()
    assert (w * 2).requires_grad


def test_graphs_are_freed_by_reference_counting() -> None:
    gc.disable()
    try:
        x = Tensor(np.ones(3), requires_grad=True)
        y = ((x * 2).tanh() @ Tensor(np.ones(3))).exp()
        y.backward()
        ref = weakref.ref(y)
        del y
        assert ref() is None
    finally:
        gc.enable()


class Gamma(Op):
    """Γ(x), written with the math module: on Tensors it is applied element by element."""

    name = "gamma"

    def forward(self, x):
        return math.gamma(x)

    def backward(self, g, out, x):
        return (g * out * DIGAMMA_APPROX(x),)


def DIGAMMA_APPROX(x):
    h = 1e-5
    return (np.log(np.vectorize(math.gamma)(x + h)) - np.log(np.vectorize(math.gamma)(x - h))) / (2 * h)


def test_custom_ops_work_on_tensors() -> None:
    a = np.array([0.5, -1.5, 2.0])
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    y = Cube()(x)
    (y * y).sum().backward()
    (tx**3 * tx**3).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    assert y._op == "cube"
    z = Tensor([1.5, 2.5], requires_grad=True)
    gz = Gamma()(z)
    gz.sum().backward()
    tz = torch_of(np.array([1.5, 2.5]))
    torch.exp(torch.lgamma(tz)).sum().backward()
    np.testing.assert_allclose(gz.data, [math.gamma(1.5), math.gamma(2.5)], rtol=1e-14)
    np.testing.assert_allclose(z.grad, tz.grad.numpy(), rtol=1e-6)


def test_a_custom_op_returning_the_wrong_number_of_gradients_is_named() -> None:
    class Bad(Op):
        name = "bad"

        def forward(self, x):
            return x

        def backward(self, g, out, x):
            return (g, g)

    with pytest.raises(TypeError, match=r"op 'bad': backward\(\) must return one gradient per input \(1\), got 2"):
        Bad()(Tensor([1.0], requires_grad=True)).sum().backward()


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Tensor(np.ones((2, 3))) + Tensor(np.ones(4)), ValueError, r"op '\+': shapes \(2, 3\) and \(4,\)"),
        (lambda: Tensor(np.ones((2, 3))) * np.ones((3, 2)), ValueError, r"op '\*': shapes \(2, 3\) and \(3, 2\)"),
        (
            lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))),
            ValueError,
            r"op '@': shapes \(2, 3\) and \(2, 3\)",
        ),
        (lambda: Tensor(np.ones(3)) @ Tensor(2.0), ValueError, r"op '@': needs at least 1-D operands"),
        (lambda: Tensor(np.ones((2, 3))).reshape(4), ValueError, r"op 'reshape': cannot reshape shape \(2, 3\) to"),
        (lambda: Tensor(np.ones((2, 3))).sum(axis=2), ValueError, r"op 'sum': dim 2 is out of range for 2 dim"),
        (lambda: Tensor(np.ones((2, 3)))[5], IndexError, r"op '\[\]': index 5 does not fit shape \(2, 3\)"),
        (lambda: Tensor(np.ones(3))[np.array([0.5])], IndexError, "index arrays must hold integers"),
        (lambda: Tensor(np.ones((2, 3))).permute(0, 0), ValueError, "name an axis twice"),
        (lambda: Tensor(np.ones((2, 3))).permute(0), ValueError, "not a permutation"),
        (lambda: Tensor(np.ones((2, 3))).transpose(0, 5), ValueError, r"op 'transpose': dim 5 is out of range"),
        (lambda: Tensor(np.ones(3), requires_grad=True).backward(), ValueError, r"output has shape \(3,\)"),
        (lambda: Tensor(1.0).backward(), RuntimeError, "does not require grad"),
        (lambda: Tensor("abc"), TypeError, "Tensor needs real numbers"),
        (lambda: Tensor([1], dtype=np.int64), TypeError, "float64 or float32, not int64"),
        (lambda: Tensor([1.0]) + "a", TypeError, "not str"),
    ],
)
def test_bad_input_is_a_clear_error(make, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        make()


def test_domain_edges_follow_ieee_as_pytorch_does() -> None:
    x = Tensor([-1.0, 0.0, 4.0], requires_grad=True)
    with np.errstate(all="ignore"):
        y = x.log() + x.sqrt()
        y.sum().backward()
    tx = torch_of(np.array([-1.0, 0.0, 4.0]))
    ty = torch.log(tx) + torch.sqrt(tx)
    ty.sum().backward()
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_comparisons_give_boolean_arrays_and_tensors_hash_by_identity() -> None:
    x = Tensor([1.0, 2.0])
    np.testing.assert_array_equal(x > 1.5, [False, True])
    assert len({x, Tensor([1.0, 2.0])}) == 2
    assert repr(Tensor([1.0], requires_grad=True)) == "Tensor([1.], requires_grad=True)"


class _Doubled(Op):
    """2x and 3y, whose backward gives each input its own gradient already (``fitted``): the one-op path."""

    name, _fitted_gradients = "doubled", True

    def forward_array(self, x, y):
        return 2 * x + 3 * y

    def backward(self, g, out, x, y):
        return (2 * g, 3 * g)


def test_a_fitted_op_over_leaves_takes_its_gradients_in_one_call_and_gives_the_walks_numbers(monkeypatch) -> None:
    """``Op._fitted_gradients`` (a compiled call's op): backward() calls its rule once, without the walk; the
    gradients, the accumulation into leaves and the root's own gradient are what the walk gives. An input that is
    not a leaf (or does not require grad) sends the pass through the walk."""
    from micrograd import autodiff

    walks = []
    real = autodiff.gradients
    monkeypatch.setattr(autodiff, "gradients", lambda *a, **k: walks.append(1) or real(*a, **k))
    x, y = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    out = _Doubled()(x, y)
    out.backward(np.array([1.0, 10.0]))
    out.backward(np.array([1.0, 10.0]))  # leaves accumulate
    assert walks == []
    np.testing.assert_array_equal(x.grad, [4.0, 40.0])
    np.testing.assert_array_equal(y.grad, [6.0, 60.0])
    np.testing.assert_array_equal(out.grad, [1.0, 10.0])
    assert x.grad.flags.writeable and not out.grad.flags.writeable

    x.grad = y.grad = None
    _Doubled()(x, x * 1.0).backward(np.array([1.0, 1.0]))  # an input made by an op: the walk
    assert walks == [1]
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])
    x.grad = None
    _Doubled()(x, Tensor([0.0, 0.0])).backward(np.array([1.0, 1.0]))  # an input without grad: the walk
    assert walks == [1, 1]
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_an_instance_attribute_cannot_claim_fitted_gradients() -> None:
    """Only the class says its gradients need no fitting: a custom op's own ``fitted`` or ``_fitted_gradients``
    attribute leaves the broadcast gradient summed back to the input's shape."""

    class Scaled(Op):
        name = "scaled"

        def __init__(self) -> None:
            self.fitted = self._fitted_gradients = True

        def forward_array(self, x, y):
            return x * y

        def backward(self, g, out, x, y):
            return (g * y, g * x)

    x, y = Tensor(np.ones((2, 3)), requires_grad=True), Tensor([1.0, 2.0, 3.0], requires_grad=True)
    Scaled()(x, y).backward(np.ones((2, 3)))
    np.testing.assert_array_equal(y.grad, [2.0, 2.0, 2.0])


def test_a_rule_giving_none_gives_that_input_no_gradient() -> None:
    """None from a backward rule is PyTorch's "no gradient": the input's .grad stays None (never a NaN)."""

    class FirstOnly(Op):
        name = "first_only"

        def forward_array(self, x, y):
            return x + y

        def backward(self, g, out, x, y):
            return (g, None)

    x, y = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    FirstOnly()(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    assert y.grad is None
