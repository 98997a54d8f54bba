"""Every Tensor op, forward and backward, against PyTorch 2.13 in float64 on random shapes (Hypothesis):
broadcasting, zero-size and one-size axes included."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import micrograd
from micrograd.tensor import Tensor, concatenate, stack
from tests.oracle import BINARY, UNARY, OpCase
from tests.tensor.tensor_oracle import BINARY_DOMAINS, PER_OP, SHAPES, arrays, tensor_fn, torch_of


def agree(ours: np.ndarray | None, theirs: torch.Tensor | None, rel: float = 1e-10) -> None:
    theirs_np = np.zeros(0) if theirs is None else theirs.detach().numpy()
    assert ours is not None
    assert ours.shape == theirs_np.shape
    np.testing.assert_allclose(ours, theirs_np, rtol=rel, atol=1e-12, equal_nan=True)


def weights_like(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Upstream gradients that differ per element, so every element's gradient is checked on its own."""
    return np.random.default_rng(seed).uniform(-2, 2, size=shape)


def check(out: Tensor, tout: torch.Tensor, *inputs: tuple[Tensor, torch.Tensor]) -> None:
    """The forward results agree, and so do the inputs' gradients of sum(w * out) for per-element weights w."""
    agree(out.data, tout)
    w = weights_like(out.shape)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for x, tx in inputs:
        agree(x.grad, tx.grad)


@pytest.mark.parametrize("case", UNARY, ids=lambda c: c.name)
@PER_OP
@given(data=st.data())
def test_unary_op_forward_and_gradient(case: OpCase, data: st.DataObject) -> None:
    a = data.draw(SHAPES.flatmap(lambda s: arrays(s, case.domain)))
    w = weights_like(a.shape)
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    y, ty = tensor_fn(case)(x), case.theirs(tx)
    agree(y.data, ty)
    (y * w).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    agree(x.grad, tx.grad)


@pytest.mark.parametrize("case", BINARY, ids=lambda c: c.name)
@PER_OP
@given(data=st.data())
def test_binary_op_broadcasts_and_unbroadcasts_gradients(case: OpCase, data: st.DataObject) -> None:
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
    dx, dy = BINARY_DOMAINS[case.name]
    a = data.draw(arrays(shapes.input_shapes[0], dx))
    b = data.draw(arrays(shapes.input_shapes[1], dy))
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    tx, ty = torch_of(a), torch_of(b)
    out, tout = case.ours(x, y), case.theirs(tx, ty)
    check(out, tout, (x, tx), (y, ty))


@given(data=st.data())
def test_numbers_and_arrays_mix_with_tensors_on_either_side(data: st.DataObject) -> None:
    a = data.draw(arrays((3, 2)))
    c = np.arange(2.0) + 1
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    out = (2.0 - x) * c + c / (1 + x * x) - x / 4 + 3**x
    tout = (2.0 - tx) * torch.tensor(c) + torch.tensor(c) / (1 + tx * tx) - tx / 4 + 3**tx
    agree(out.data, tout)
    out.sum().backward()
    tout.sum().backward()
    agree(x.grad, tx.grad)


MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((4,), (4, 2)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((0, 4), (4, 2)),
    ((3, 0), (0, 2)),
    ((1, 1), (1, 1)),
]


@pytest.mark.parametrize(("sa", "sb"), MATMUL_SHAPES)
def test_matmul_batched_and_one_dimensional(sa: tuple, sb: tuple) -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    x, y, tx, ty = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True), torch_of(a), torch_of(b)
    out, tout = x @ y, tx @ ty
    check(out, tout, (x, tx), (y, ty))


AXES = st.one_of(st.none(), st.integers(-3, 2), st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True))


def _fits(axis, ndim: int) -> bool:
    if axis is None:
        return True
    axes = [axis] if isinstance(axis, int) else axis
    return ndim > 0 and all(-ndim <= a < ndim for a in axes)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "logsumexp"])
@PER_OP
@given(data=st.data())
def test_reductions_over_axes_with_keepdims(name: str, data: st.DataObject) -> None:
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    a = data.draw(arrays(shape))
    if name == "max" and data.draw(st.booleans()):
        a = np.round(a)  # ties: the gradient is shared equally, as torch.amax
    axis = data.draw(AXES.filter(lambda ax: _fits(ax, len(shape))))
    keep = data.draw(st.booleans())
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    dims = tuple(range(len(shape))) if axis is None else axis
    theirs = {
        "sum": lambda t: t.sum(dim=dims, keepdim=keep),
        "mean": lambda t: t.mean(dim=dims, keepdim=keep),
        "max": lambda t: torch.amax(t, dim=dims, keepdim=keep),
        "logsumexp": lambda t: torch.logsumexp(t, dim=dims, keepdim=keep),
    }[name](tx)
    ours = getattr(x, "amax" if name == "max" else name)(axis=axis, keepdims=keep)
    check(ours, theirs, (x, tx))


def test_pytorch_names_dim_and_keepdim_are_accepted() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.sum(dim=1, keepdim=True).shape == (2, 1) == x.sum(axis=1, keepdims=True).shape
    assert x.mean(dim=(0, 1)).item() == 2.5 and x.amax(dim=0).data.tolist() == [3.0, 4.0, 5.0]


def test_zero_size_reductions_follow_torch() -> None:
    x, tx = Tensor(np.zeros((0, 3)), requires_grad=True), torch_of(np.zeros((0, 3)))
    agree(x.sum(axis=0).data, tx.sum(dim=0))
    with np.errstate(invalid="ignore"):
        agree(x.mean(axis=0).data, tx.mean(dim=0))
    with pytest.raises(ValueError, match=r"op 'amax': cannot reduce over an empty axis of shape \(0, 3\)"):
        x.amax(axis=0)


INDEXES = [
    (1,),
    (slice(1, None),),
    ((slice(None), 2),),
    ((Ellipsis, -1),),
    ((np.array([0, 2, 0]),),),  # a repeated index: its gradients add up
    ((np.arange(3), np.array([1, 0, 1])),),  # logp[range(n), labels]
    ((np.array([True, False, True]),),),
    ((slice(None), None, slice(0, 2)),),  # None adds an axis
]


@pytest.mark.parametrize("index", INDEXES, ids=repr)
def test_indexing_scatters_gradients_back(index: tuple) -> None:
    (idx,) = index
    a = np.random.default_rng(2).normal(size=(3, 4))
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    tidx = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in idx) if isinstance(idx, tuple) else (
        torch.tensor(idx) if isinstance(idx, np.ndarray) else idx)  # fmt: skip
    out, tout = x[idx], tx[tidx]
    check(out, tout, (x, tx))


@given(data=st.data())
def test_reshape_and_permute(data: st.DataObject) -> None:
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    a = data.draw(arrays(shape))
    perm = data.draw(st.permutations(range(len(shape))))
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    out = x.permute(*perm).reshape(-1) if a.size else x.permute(*perm).reshape(a.size)
    tout = tx.permute(*perm).reshape(-1)
    check(out, tout, (x, tx))
    assert x.T.shape == tuple(reversed(shape))


@given(data=st.data())
def test_sum_of_squares_over_several_tensors(data: st.DataObject) -> None:
    """functional.l2's one node, sum over every input of sum x^2 (an input may come twice), against PyTorch;
    its second derivative too (2 alpha, on the diagonal)."""
    from micrograd.tensor import functional

    arrays_ = [data.draw(SHAPES.flatmap(arrays)) for _ in range(data.draw(st.integers(1, 3)))]
    alpha = data.draw(st.floats(-2, 2))
    xs = [(Tensor(a, requires_grad=True), torch_of(a)) for a in arrays_]
    uses = xs + xs[:1]  # the first one twice
    out = functional.l2([x for x, _ in uses], alpha)
    tout = alpha * sum((t * t).sum() for _, t in uses)
    check(out, tout, *xs)
    x, tx = xs[0]
    (g,) = micrograd.grad(functional.l2([x], alpha), [x], create_graph=True)
    (tg,) = torch.autograd.grad(alpha * (tx * tx).sum(), [tx], create_graph=True)
    w = weights_like(x.shape, 1)
    (gg,) = micrograd.grad((g * w).sum(), [x])
    (tgg,) = torch.autograd.grad((tg * torch.tensor(w)).sum(), [tx])
    agree(gg.data, tgg)


def test_sum_of_squares_sums_as_numpy_and_doubles_as_the_product_rule() -> None:
    """Each tensor's squares summed pairwise, as (x * x).sum() (float32 too, to the bit); the gradient x * 2g, which
    is PyTorch's g x + g x for alpha * (x * x).sum() wherever g x is not subnormal (there x * 2g rounds once, PyTorch
    twice: one step of 5e-324 apart), and finite where 2 g alone would overflow; no parameters: the number 0."""
    from micrograd.tensor import functional

    x = np.random.default_rng(0).normal(size=100_000).astype(np.float32)
    assert functional.l2([Tensor(x)], 1.0).data.tobytes() == (x * x).sum().tobytes()
    w, tw = Tensor([0.5], requires_grad=True), torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
    functional.l2([w], 1e308).backward()
    (1e308 * (tw * tw).sum()).backward()
    assert w.grad.tolist() == tw.grad.tolist() == [1e308]
    f32 = Tensor(np.ones(2, np.float32), requires_grad=True)
    assert ((f32 * f32).sum() + functional.l2([], 1e-4)).data.dtype == np.float32
    # each input receives g in its own dtype, as its own x * x would: 1e300 is inf in float32, and inf * 0 is NaN
    a, b = Tensor(0.0, requires_grad=True), Tensor(np.float32(0.0), requires_grad=True)
    ta, tb = torch.tensor(0.0, dtype=torch.float64, requires_grad=True), torch.tensor(0.0, requires_grad=True)
    with np.errstate(over="ignore", invalid="ignore"):
        functional.l2([a, b], 1e300).backward()
    (1e300 * ((ta * ta).sum() + (tb * tb).sum())).backward()
    np.testing.assert_array_equal([a.grad, b.grad], [ta.grad.item(), tb.grad.item()])  # [0, NaN]


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_stack(axis: int) -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    x, y, tx, ty = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True), torch_of(a), torch_of(b)
    for ours, theirs in [
        (concatenate([x, y, x], axis=axis), torch.cat([tx, ty, tx], dim=axis)),
        (stack([x, y], dim=axis), torch.stack([tx, ty], dim=axis)),
    ]:
        x.grad = y.grad = tx.grad = ty.grad = None
        check(ours, theirs, (x, tx), (y, ty))


@given(data=st.data())
def test_log_softmax(data: st.DataObject) -> None:
    a = data.draw(arrays(data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    out, tout = x.log_softmax(axis), torch.log_softmax(tx, dim=axis)
    check(out, tout, (x, tx))


def test_log_softmax_of_huge_logits_does_not_overflow() -> None:
    x = Tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    out = x.log_softmax(dim=1)
    assert np.isfinite(out.data).all() and out.data[0, 0] == 0.0
    out[0, 2].backward()
    assert np.isfinite(x.grad).all()


@given(data=st.data())
def test_matmul_on_random_shapes(data: st.DataObject) -> None:
    n, k, m = (data.draw(st.integers(0, 4)) for _ in range(3))
    batch = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3))
    sa = (*batch.input_shapes[0], n, k) if data.draw(st.booleans()) else (k,)
    sb = (*batch.input_shapes[1], k, m) if data.draw(st.booleans()) else (k,)
    a, b = data.draw(arrays(sa)), data.draw(arrays(sb))
    x, y, tx, ty = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True), torch_of(a), torch_of(b)
    out, tout = x @ y, tx @ ty
    check(out, tout, (x, tx), (y, ty))


@given(data=st.data())
def test_basic_indexing_on_random_shapes(data: st.DataObject) -> None:
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    parts = index if isinstance(index, tuple) else (index,)
    assume(all(not isinstance(p, slice) or (p.step or 1) > 0 for p in parts))  # torch has no negative steps
    a = data.draw(arrays(shape))
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    out, tout = x[index], tx[index]
    check(out, tout, (x, tx))
