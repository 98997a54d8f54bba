"""Issue 14's reproductions, each a test against PyTorch 2.13 (float64 unless float32 is the point), and the
agreements the fuzzer's runs turned up on the way (``tests/tensor/random_programs.py``)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import torch

import micrograd
from micrograd.tensor import Tensor
from tests.tensor.tensor_oracle import torch_of

F32 = np.float32


def same(ours: np.ndarray, theirs: torch.Tensor, rtol: float = 1e-12, atol: float = 0.0) -> None:
    """Equal shape and dtype, NaN where PyTorch has NaN, the same infinities, numbers within rtol (and atol)."""
    expected = theirs.detach().numpy()
    assert np.asarray(ours).dtype == expected.dtype
    np.testing.assert_allclose(ours, expected, rtol=rtol, atol=atol, equal_nan=True)


# 1. Repeated indices given as a tuple inside an index add up -------------------------------------------------------


@pytest.mark.parametrize("index", [((0, 0), 1), ([0, 0], 1), ((0, 1, 0), slice(None)), (((1, 1),),)], ids=repr)
def test_1_a_tuple_inside_an_index_is_an_index_array_and_repeats_add_up(index: tuple) -> None:
    a = np.array([[1.0, 2, 3], [4, 5, 6]])
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    tindex = tuple(torch.tensor(p) if isinstance(p, (tuple, list)) else p for p in index)
    y, ty = x[index], tx[tindex]
    same(y.data, ty)
    y.sum().backward()
    ty.sum().backward()
    same(x.grad, tx.grad)
    assert x.grad.max() == 2.0  # the element picked twice


# 2. relu keeps a NaN -----------------------------------------------------------------------------------------------


def test_2_relu_of_nan_is_nan_with_gradient_1() -> None:
    a = np.array([math.nan, -1.0, 0.0, 2.0])
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    y, ty = x.relu(), torch.relu(tx)
    same(y.data, ty)
    y.sum().backward()
    ty.sum().backward()
    same(x.grad, tx.grad)
    assert x.grad[0] == 1.0


# 3. A zero local derivative selects zero: an infinite gradient times it is not NaN ---------------------------------


CHAINS = {
    "relu then sqrt": (lambda x: x.relu().sqrt(), lambda t: t.relu().sqrt()),
    "x ** 0 then sqrt": (lambda x: (x**0 - 1).sqrt(), lambda t: (t**0 - 1).sqrt()),
    "base of x ** y at y = 0": (
        lambda x: (x ** Tensor([0.0, 0.0, 0.0]) - 1).sqrt(),
        lambda t: (t ** torch_of(np.zeros(3), False) - 1).sqrt(),
    ),
    "clamp then sqrt": (lambda x: x.clamp(min=0.0).sqrt(), lambda t: t.clamp(min=0.0).sqrt()),
}


@pytest.mark.parametrize("name", CHAINS)
def test_3_a_zero_local_derivative_selects_zero(name: str) -> None:
    ours, theirs = CHAINS[name]
    a = np.array([0.0, -2.0, 4.0])
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    with np.errstate(all="ignore"):
        y = ours(x)
        y.sum().backward()
    ty = theirs(tx)
    ty.sum().backward()
    same(y.data, ty)
    same(x.grad, tx.grad)
    assert not np.isnan(x.grad).any()


def test_3_the_issues_numbers() -> None:
    x = Tensor([0.0, -2.0, 4.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        x.relu().sqrt().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.25]


# 4. 0 ** e with e < 0: the exponent's gradient is -inf -------------------------------------------------------------


@pytest.mark.parametrize("base", [0.0, -0.0])
def test_4_zero_to_a_negative_power_has_exponent_gradient_minus_inf(base: float) -> None:
    e = np.array([-1.0, -2.5, 0.0, 2.0])
    y, ty = Tensor(e, requires_grad=True), torch_of(e)
    with np.errstate(all="ignore"):
        out = Tensor(np.full(4, base)) ** y
        out.sum().backward()
    tout = torch_of(np.full(4, base), False) ** ty
    tout.sum().backward()
    same(out.data, tout)
    same(y.grad, ty.grad)
    assert y.grad[0] == math.copysign(math.inf, -base)  # g * 0^e * log(0) = -inf (times -1 for -0.0^-1 = -inf)
    with np.errstate(all="ignore"):
        (gy,) = micrograd.grad((base**y).sum(), y)  # a constant base: the same rule
    same(gy.data, ty.grad)


def test_4_the_exponents_gradient_at_a_zero_base_is_g_times_0_as_pytorchs() -> None:
    """At 0 ** y with y >= 0 the derivative 0^y * log(0) is taken as 0 (its limit) and, as in PyTorch, multiplied by
    the incoming gradient: an infinite one gives NaN there (inf * 0), a finite one 0."""
    e = np.array([0.0, 2.0, -1.0])
    y, ty = Tensor(e, requires_grad=True), torch_of(e)
    g = np.array([math.inf, 1.0, 1.0])
    with np.errstate(all="ignore"):
        (Tensor(np.zeros(3)) ** y).backward(g)
    (torch_of(np.zeros(3), False) ** ty).backward(torch.tensor(g))
    same(y.grad, ty.grad)
    assert math.isnan(y.grad[0]) and y.grad[1] == 0.0 and y.grad[2] == -math.inf


# 5. log_softmax exact at any size, NaN with an infinity in the row, and over nothing -------------------------------


@pytest.mark.parametrize("size", [1e8, 1e10, 1e16, 1e300])
def test_5_log_softmax_of_huge_rows_keeps_every_digit(size: float) -> None:
    a = np.array([[size, size, size], [size, size * (1 + 2**-40), size * (1 - 2**-40)]])
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    y, ty = x.log_softmax(1), torch.log_softmax(tx, 1)
    same(y.data, ty, rtol=1e-15)
    w = np.array([[1.0, 0.0, 0.0], [0.5, -1.0, 2.0]])
    (y * w).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    same(x.grad, tx.grad, rtol=1e-14, atol=1e-15)  # 0.5 - 1.5 softmax cancels to 1e-9 in the second row


def test_5_the_issues_numbers() -> None:
    x = Tensor([[1e16] * 3], requires_grad=True)
    y = x.log_softmax(1)
    y[0, 0].backward()
    np.testing.assert_allclose(y.data, [[-math.log(3)] * 3], rtol=1e-15)
    np.testing.assert_allclose(x.grad, [[2 / 3, -1 / 3, -1 / 3]], rtol=1e-15)


@pytest.mark.parametrize("row", [[math.inf, 1.0, 2.0], [-math.inf, 1.0, 2.0], [math.nan, 0.0, 1.0], [-math.inf] * 3])
def test_5_log_softmax_and_logsumexp_of_rows_with_infinities_and_nan(row: list[float]) -> None:
    a = np.array([row])
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    with np.errstate(all="ignore"):
        ours = [x.log_softmax(1), x.softmax(1), x.logsumexp(1)]
    theirs = [torch.log_softmax(tx, 1), torch.softmax(tx, 1), torch.logsumexp(tx, 1)]
    for y, ty in zip(ours, theirs):
        same(y.data, ty)
        x.grad = tx.grad = None
        with np.errstate(all="ignore"):
            (y * 1.5).sum().backward()
        (ty * 1.5).sum().backward()
        same(x.grad, tx.grad)


@pytest.mark.parametrize("shape", [(2, 0), (0, 3), (0,)])
def test_5_over_no_elements_logsumexp_is_minus_inf_and_log_softmax_is_empty(shape: tuple) -> None:
    x, tx = Tensor(np.zeros(shape), requires_grad=True), torch_of(np.zeros(shape))
    same(x.logsumexp(-1).data, torch.logsumexp(tx, -1))
    same(x.log_softmax(-1).data, torch.log_softmax(tx, -1))
    x.logsumexp(-1).sum().backward()
    assert x.grad.shape == shape


# 6. float32 stays float32 ------------------------------------------------------------------------------------------

FLOAT32_CASES = {
    "abs": (lambda x: x.abs(), lambda t: t.abs()),
    "x ** y": (lambda x: x ** (x * 0.5 + 2), lambda t: t ** (t * 0.5 + 2)),
    "c ** x, c <= 0": (lambda x: (-2.0) ** x + 0.0**x, lambda t: (-2.0) ** t + 0.0**t),
    "clamp, norm, std": (lambda x: x.clamp(-1, 1) * x.norm() + x.std(), lambda t: t.clamp(-1, 1) * t.norm() + t.std()),
    "times a float64 0-d tensor": (lambda x: x * Tensor(2.0), lambda t: t * torch.tensor(2.0, dtype=torch.float64)),
}


@pytest.mark.parametrize("name", FLOAT32_CASES)
def test_6_float32_values_and_gradients_stay_float32_backward_after_backward(name: str) -> None:
    ours, theirs = FLOAT32_CASES[name]
    a = np.array([1.5, -2.0, 3.0, 0.0], dtype=F32)
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    with np.errstate(all="ignore"):
        y = ours(x)
        for _ in range(2):  # the second backward() must not widen the leaf's grad
            y.sum().backward()
    ty = theirs(tx)
    for _ in range(2):
        ty.sum().backward(retain_graph=True)
    assert y.dtype == F32 and x.grad.dtype == F32
    same(y.data, ty, rtol=1e-6)
    same(x.grad, tx.grad, rtol=1e-6)
    with np.errstate(all="ignore"):
        (g,) = micrograd.grad(ours(x).sum(), x)
    assert g.dtype == F32


def test_6_a_float32_number_makes_a_float32_tensor_and_pytorch_promotion_rules() -> None:
    assert Tensor(np.float32(2.0)).dtype == F32 and Tensor(np.float64(2.0)).dtype == np.float64
    x32, x64 = Tensor([1.0, 2.0], dtype=F32), Tensor([1.0, 2.0])
    t32, t64 = torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64)
    pairs = [
        (x32 * Tensor(2.0), t32 * torch.tensor(2.0, dtype=torch.float64)),  # a 0-d tensor takes the other's dtype
        (Tensor(2.0) + x32, torch.tensor(2.0, dtype=torch.float64) + t32),
        (x32 + x64, t32 + t64),  # two tensors with dims: the wider
        (Tensor(1.0, dtype=F32) * Tensor(2.0), torch.tensor(1.0) * torch.tensor(2.0, dtype=torch.float64)),
        (x32 * 2.0, t32 * 2.0),
    ]
    for ours, theirs in pairs:
        same(ours.data, theirs)


def test_6_a_float64_leaf_mixed_into_float32_gets_float64_gradients() -> None:
    w = Tensor(0.5, requires_grad=True)  # float64, 0-d: the product is float32, as in PyTorch
    x = Tensor([1.0, 2.0, 3.0], dtype=F32, requires_grad=True)
    y = (x * w).sum()
    y.backward()
    assert y.dtype == F32 and w.grad.dtype == np.float64 and x.grad.dtype == F32
    assert w.grad == 6.0


# Found by the random programs (tests/tensor/random_programs.py) on the way ------------------------------------------


@pytest.mark.parametrize("value", [0.46659728661557054, -2.7e300, 3.0])
@pytest.mark.parametrize("name", ["var", "std"])
def test_the_spread_of_equal_numbers_is_exactly_0_and_so_is_stds_gradient(name: str, value: float) -> None:
    a = np.full((2, 9), value)
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    for dims in (None, 1):
        y, ty = getattr(x, name)(dims), getattr(tx, name)(dims)
        assert (y.data == 0).all()  # not the rounding of a mean, squared (which was inf at 1e300)
        same(y.data, ty)
        x.grad = tx.grad = None
        y.sum().backward()
        ty.sum().backward()
        same(x.grad, tx.grad)


def test_the_spread_of_equal_numbers_is_0_even_where_pytorchs_own_rounding_is_not() -> None:
    x = Tensor(np.full((2, 9), 1e-8), requires_grad=True)
    y = x.std()
    y.backward()
    assert y.item() == 0.0 and (x.grad == 0).all()  # std's gradient at 0 is 0, as PyTorch chooses
    tx = torch_of(x.data)
    ty = tx.std()
    ty.backward()
    assert 0 < ty.item() < 1e-23 and (tx.grad != 0).all()  # PyTorch: 1.7e-24, and a gradient of -0.057 from it


def test_float32_spreads_are_summed_in_float64_so_tiny_squares_do_not_vanish() -> None:
    a = np.array([4.922549946848067e-29, 0.0], dtype=F32)
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = x.std(), tx.std()
    y.backward()
    ty.backward()
    assert y.item() > 0
    same(y.data, ty, rtol=1e-6)
    same(x.grad, tx.grad, rtol=1e-6)


@pytest.mark.parametrize("value", [1e-200, 1e200, -3.0])
def test_the_norm_of_one_number_is_its_absolute_value(value: float) -> None:
    a = np.array([[value], [value]])
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    y, ty = x.norm(dim=1), tx.norm(dim=1)
    same(y.data, ty)
    y.sum().backward()
    ty.sum().backward()
    same(x.grad, tx.grad)
    assert Tensor(value).norm().item() == abs(value)


def test_a_mean_over_nothing_is_nan_and_does_not_make_second_derivatives_nan() -> None:
    e, te = Tensor(np.zeros(0), requires_grad=True), torch_of(np.zeros(0))
    w, tw = Tensor([0.5], requires_grad=True), torch_of(np.array([0.5]))
    y, ty = (w * e.mean(keepdim=True)).sum(), (tw * te.mean(dim=0, keepdim=True)).sum()
    same(y.data, ty)
    gw, ge = micrograd.grad(y, [w, e], create_graph=True)
    tgw, tge = torch.autograd.grad(ty, [tw, te], create_graph=True)
    same(gw.data, tgw)
    (second,) = micrograd.grad((ge * 2.0).sum() + (gw * 0.0).sum(), [w])
    (tsecond,) = torch.autograd.grad((tge * 2.0).sum(), [tw], allow_unused=True)
    assert tsecond is None or tsecond.item() == 0.0
    assert second.data.tolist() == [0.0]  # the empty branch adds nothing: no 0 * NaN


def test_the_gradient_of_a_divisor_is_minus_g_times_out_over_y_in_pytorchs_order() -> None:
    x, y = Tensor([1.0], requires_grad=True), Tensor([1e-300], requires_grad=True)
    tx, ty = torch_of(np.array([1.0])), torch_of(np.array([1e-300]))
    with np.errstate(over="ignore"):
        (x / y).backward(np.array([1e-300]))
    (tx / ty).backward(torch.tensor([1e-300], dtype=torch.float64))
    same(y.grad, ty.grad)  # -1e-300 * (1e300 / 1e-300) = -inf; (-1e-300 * 1e300) / 1e-300 would be -1e300
    same(x.grad, tx.grad)


def test_number_over_tensor_is_a_true_division_where_pytorch_multiplies_by_the_reciprocal() -> None:
    x = Tensor([1e-310, 3.0], requires_grad=True)
    y = 1e-10 / x
    assert y.data[0] == 1e-10 / 1e-310  # 1e300: PyTorch's x.reciprocal() * 1e-10 overflows to inf first
    same(y.data, torch.div(torch.tensor(1e-10, dtype=torch.float64), torch_of(x.data, False)))


def test_a_float32_tensor_takes_a_number_exponent_in_float32_as_numpy_does() -> None:
    x = Tensor([-0.5, 0.5], dtype=F32)
    np.testing.assert_array_equal((x ** (1 + 1e-10)).data, np.array([-0.5, 0.5], dtype=F32) ** (1 + 1e-10))
    assert (x ** (1 + 1e-10)).dtype == F32  # PyTorch keeps 1 + 1e-10 in float64 and gives NaN at -0.5


@pytest.mark.parametrize(("dtype", "huge"), [(np.float64, 3.7e299), (np.float32, 1e30)])
@pytest.mark.parametrize("exponent_is_a_tensor", [False, True])
def test_the_bases_gradient_is_n_x_to_the_n_minus_1_then_g_so_its_derivative_does_not_overflow(
    dtype: type, huge: float, exponent_is_a_tensor: bool
) -> None:
    """d/dx x^n = n x^(n-1) is computed first and then times g, as PyTorch: at a huge n, x^(n-1) underflows to 0 and
    the second derivative is g n (n-1) x^(n-2) = g * 0, not (g n)(n-1) = inf times 0 = NaN."""
    a = np.array([0.37, 0.5], dtype=dtype)
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    n = Tensor(huge, dtype=dtype) if exponent_is_a_tensor else huge
    tn = torch.tensor(huge, dtype=tx.dtype) if exponent_is_a_tensor else huge
    (gx,) = micrograd.grad(((x**n) * 1.5).sum(), x, create_graph=True)
    (tgx,) = torch.autograd.grad(((tx**tn) * 1.5).sum(), tx, create_graph=True)
    same(gx.data, tgx)
    (second,) = micrograd.grad((gx * 2.0).sum(), x)
    (tsecond,) = torch.autograd.grad((tgx * 2.0).sum(), tx)
    same(second.data, tsecond)
    assert not np.isnan(second.data).any()


@pytest.mark.parametrize(
    ("kink", "torch_kink", "slope"),
    [
        (lambda p: p.norm(1), lambda p: p.norm(p=1), np.sign),
        (lambda p: abs(p).sum(), lambda p: p.abs().sum(), np.sign),
        (lambda p: p.relu().sum(), lambda p: p.relu().sum(), lambda p: (p > 0) * 1.0),
    ],
    ids=["norm(1)", "abs", "relu"],
)
def test_a_kinks_second_derivative_is_exact_where_pytorch_sends_its_zero_through_an_inf(
    kink: Callable, torch_kink: Callable, slope: Callable
) -> None:
    """f = kink(x @ x.mT) is piecewise quadratic in x: with S the kink's constant slopes, d/dx = (S + S^T) x and the
    second derivative of sum(d/dx) is the column sums of S + S^T. PyTorch gives NaN in the column holding -inf (it
    multiplies the kink's zero derivative by that inf in the matmul's backward); the first derivatives agree."""
    a = np.array([[0.5, 3.0], [-np.inf, 2.0]])
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    with np.errstate(invalid="ignore"):
        (g,) = micrograd.grad(kink(x @ x.mT), x, create_graph=True)
        (tg,) = torch.autograd.grad(torch_kink(tx @ tx.mT), tx, create_graph=True)
        same(g.data, tg)
        (second,) = micrograd.grad(g.sum(), x)
    (tsecond,) = torch.autograd.grad(tg.sum(), tx)
    s = slope(a @ a.T)  # [[9.25, -inf], [-inf, inf]]
    exact = np.broadcast_to((s + s.T).sum(axis=0)[:, None], a.shape)
    np.testing.assert_array_equal(second.data, exact)
    assert np.isnan(tsecond.numpy()[:, 0]).all()  # PyTorch's NaN, the QUIRKS["kink"] allowance in the fuzzer
