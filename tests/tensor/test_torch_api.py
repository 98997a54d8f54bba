"""The PyTorch names a Tensor answers to, each against PyTorch 2.13 (values, gradients, dtypes); the calls whose
meaning differs between PyTorch and NumPy, refused with what to write instead; and PyTorch code run unchanged
with ``micrograd.tensor`` in place of ``torch``."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import torch

import micrograd.tensor as mt
from micrograd.tensor import Tensor, no_grad
from micrograd.tensor.nn import MLP
from tests.tensor.tensor_oracle import torch_of

A = np.random.default_rng(14).normal(size=(2, 3, 4))
TIES = np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 1.0, 2.0], [math.nan, 0.0, 5.0, 5.0]])


def agree(ours: Tensor, theirs: torch.Tensor, x: Tensor, tx: torch.Tensor, rtol: float = 1e-12) -> None:
    """Same values, dtype and shape; then the same gradient of sum(w * out), w differing per element."""
    expected = theirs.detach().numpy()
    assert ours.data.dtype == expected.dtype and ours.shape == expected.shape
    np.testing.assert_allclose(ours.data, expected, rtol=rtol, atol=1e-15, equal_nan=True)
    w = np.random.default_rng(1).uniform(-2, 2, size=ours.shape)
    x.grad = tx.grad = None
    (ours * w).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=rtol, atol=1e-15, equal_nan=True)


SAME: dict[str, tuple[Callable, Callable]] = {
    # shapes
    "view(-1)": (lambda t: t.view(-1), lambda t: t.view(-1)),
    "view(4, 6)": (lambda t: t.view(4, 6), lambda t: t.view(4, 6)),
    "flatten()": (lambda t: t.flatten(), lambda t: t.flatten()),
    "flatten(1)": (lambda t: t.flatten(1), lambda t: t.flatten(1)),
    "flatten(0, 1)": (lambda t: t.flatten(0, 1), lambda t: t.flatten(0, 1)),
    "unsqueeze(0)": (lambda t: t.unsqueeze(0), lambda t: t.unsqueeze(0)),
    "unsqueeze(-1)": (lambda t: t.unsqueeze(-1), lambda t: t.unsqueeze(-1)),
    "squeeze()": (lambda t: t.unsqueeze(1).squeeze(), lambda t: t.unsqueeze(1).squeeze()),
    "squeeze(1)": (lambda t: t.unsqueeze(1).squeeze(1), lambda t: t.unsqueeze(1).squeeze(1)),
    "squeeze(0) of size 2": (lambda t: t.squeeze(0), lambda t: t.squeeze(0)),  # not 1: left alone
    "squeeze((1, 3))": (lambda t: t[:, :1, :, None].squeeze((1, 3)), lambda t: t[:, :1, :, None].squeeze((1, 3))),
    "permute(2, 0, 1)": (lambda t: t.permute(2, 0, 1), lambda t: t.permute(2, 0, 1)),
    "permute((-1, 0, 1))": (lambda t: t.permute((-1, 0, 1)), lambda t: t.permute((-1, 0, 1))),
    "transpose(0, 1)": (lambda t: t.transpose(0, 1), lambda t: t.transpose(0, 1)),
    "transpose(-2, -1)": (lambda t: t.transpose(-2, -1), lambda t: t.transpose(-2, -1)),
    "t() of a matrix": (lambda t: t[0].t(), lambda t: t[0].t()),
    "t() of a vector": (lambda t: t[0, 0].t(), lambda t: t[0, 0].t()),
    "T of a matrix": (lambda t: t[0].T, lambda t: t[0].T),
    "mT": (lambda t: t.mT, lambda t: t.mT),
    # reductions
    "amax(1)": (lambda t: t.amax(1), lambda t: t.amax(1)),
    "amin((0, 2), keepdim=True)": (lambda t: t.amin((0, 2), keepdim=True), lambda t: t.amin((0, 2), keepdim=True)),
    "max()": (lambda t: t.max(), lambda t: t.max()),
    "min()": (lambda t: t.min(), lambda t: t.min()),
    "max(1).values": (lambda t: t.max(1).values, lambda t: t.max(1).values),
    "min(dim=-1, keepdim=True)[0]": (
        lambda t: t.min(dim=-1, keepdim=True)[0],
        lambda t: t.min(dim=-1, keepdim=True)[0],
    ),
    "var()": (lambda t: t.var(), lambda t: t.var()),
    "var(1)": (lambda t: t.var(1), lambda t: t.var(1)),
    "var(1, unbiased=False)": (lambda t: t.var(1, unbiased=False), lambda t: t.var(1, unbiased=False)),
    "var((0, 2), correction=0)": (lambda t: t.var((0, 2), correction=0), lambda t: t.var((0, 2), correction=0)),
    "std(-1, keepdim=True)": (lambda t: t.std(-1, keepdim=True), lambda t: t.std(-1, keepdim=True)),
    "std(axis=0, correction=1)": (lambda t: t.std(axis=0, correction=1), lambda t: t.std(0)),
    "norm()": (lambda t: t.norm(), lambda t: t.norm()),
    "norm(dim=1)": (lambda t: t.norm(dim=1), lambda t: t.norm(dim=1)),
    "norm(1, 2)": (lambda t: t.norm(1, 2), lambda t: t.norm(1, 2)),
    "norm(p='fro', dim=(0, 1))": (lambda t: t.norm(p="fro", dim=(0, 1)), lambda t: t.norm(p="fro", dim=(0, 1))),
    "softmax(1)": (lambda t: t.softmax(1), lambda t: t.softmax(1)),
    "softmax(dim=-1)": (lambda t: t.softmax(dim=-1), lambda t: t.softmax(dim=-1)),
    "logsumexp(2)": (lambda t: t.logsumexp(2), lambda t: t.logsumexp(2)),
    "mean(dim=[0, 1])": (lambda t: t.mean(dim=[0, 1]), lambda t: t.mean(dim=[0, 1])),
    "sum(-1, True)": (lambda t: t.sum(-1, True), lambda t: t.sum(-1, True)),
    # arithmetic by name
    "pow(3)": (lambda t: t.pow(3), lambda t: t.pow(3)),
    "pow(tensor)": (lambda t: t.abs().pow(t), lambda t: t.abs().pow(t)),
    "square()": (lambda t: t.square(), lambda t: t.square()),
    "neg()": (lambda t: t.neg(), lambda t: t.neg()),
    "abs(t)": (lambda t: abs(t), lambda t: abs(t)),
    "clamp(-0.5, 0.5)": (lambda t: t.clamp(-0.5, 0.5), lambda t: t.clamp(-0.5, 0.5)),
    "clamp(min=0)": (lambda t: t.clamp(min=0), lambda t: t.clamp(min=0)),
    "clip(max=0.1)": (lambda t: t.clip(max=0.1), lambda t: t.clip(max=0.1)),
    "clamp(NumPy numbers)": (lambda t: t.clamp(np.int64(-1), np.float64(0.5)), lambda t: t.clamp(-1, 0.5)),
    "matmul": (lambda t: t.matmul(t.mT), lambda t: t.matmul(t.mT)),
    "clone()": (lambda t: t.clone() * 2, lambda t: t.clone() * 2),
    "float() then double()": (lambda t: t.float().exp().double(), lambda t: t.float().exp().double()),
}


@pytest.mark.parametrize("name", SAME)
def test_pytorch_methods_give_pytorch_values_and_gradients(name: str) -> None:
    ours, theirs = SAME[name]
    x, tx = Tensor(A, requires_grad=True), torch_of(A)
    agree(ours(x), theirs(tx), x, tx, rtol=1e-6 if "float()" in name else 1e-12)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_along_a_dim_give_values_and_int64_indices_the_gradient_on_one(name: str, dim: int) -> None:
    x, tx = Tensor(TIES, requires_grad=True), torch_of(TIES)
    for keepdim in (False, True):
        out, tout = getattr(x, name)(dim, keepdim), getattr(tx, name)(dim, keepdim)
        values, indices = out  # a named tuple, as PyTorch's
        assert out.values is values and out.indices is indices
        assert isinstance(indices, np.ndarray) and indices.dtype == np.int64
        np.testing.assert_array_equal(indices, tout.indices.numpy())
        agree(values, tout.values, x, tx)  # ties: the whole gradient goes to the index found (NaN counts as max)


def test_amax_shares_the_gradient_among_ties_and_argmax_argmin_match() -> None:
    x, tx = Tensor(TIES, requires_grad=True), torch_of(TIES)
    agree(x.amax(1), tx.amax(1), x, tx)
    agree(x.amin(0), tx.amin(0), x, tx)
    for dim in (None, 0, 1, -1):
        for keepdim in (False, True):
            for name in ("argmax", "argmin"):
                ours, theirs = getattr(x, name)(dim, keepdim), getattr(tx, name)(dim, keepdim=keepdim)
                assert ours.dtype == np.int64
                np.testing.assert_array_equal(ours, theirs.numpy())


def test_zero_d_tensors_have_the_dims_0_and_minus_1_as_in_pytorch() -> None:
    x, tx = Tensor(2.5, requires_grad=True), torch_of(np.array(2.5))
    for ours, theirs in [
        (x.sum(0), tx.sum(0)),
        (x.unsqueeze(-1), tx.unsqueeze(-1)),
        (x.flatten(), tx.flatten()),
        (x.squeeze(0), tx.squeeze(0)),
        (x.transpose(0, -1), tx.transpose(0, -1)),
        (x.max(0).values, tx.max(0).values),
        (x.softmax(0), tx.softmax(0)),
        (x.t(), tx.t()),
    ]:
        agree(ours, theirs, x, tx)
    assert x.max(0).indices.shape == () and x.argmax().item() == 0


def test_inspection_and_conversion() -> None:
    x = Tensor(A)
    assert x.numel() == 24 and x.dim() == 3 and x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.size == 24 and x.size + 1 == 25  # NumPy's attribute: the number of elements
    assert x.tolist() == A.tolist()
    assert x.float().dtype == np.float32 and x.float().double().dtype == np.float64 and x.double() is x
    assert x.to(np.float64) is x and x.to(np.float32).dtype == np.float32
    c = x.clone()
    assert c.data is not x.data and np.array_equal(c.data, x.data)
    assert float(Tensor([2.5])) == 2.5 and Tensor(3.0).item() == 3.0


def test_bool_is_the_truth_of_one_element_and_an_error_for_more_or_none() -> None:
    assert bool(Tensor([0.0])) is False and bool(Tensor(2.0)) is True and bool(Tensor([[math.nan]])) is True
    for t in (Tensor([0.0, 0.0]), Tensor(np.zeros((0,)))):
        with pytest.raises(RuntimeError, match="is ambiguous: compare and reduce it"):
            bool(t)
        with pytest.raises(RuntimeError):
            bool(torch.tensor(t.data))  # PyTorch refuses it too


def test_requires_grad_grad_zero_and_in_place_updates_as_in_pytorch() -> None:
    w = Tensor([1.0, -2.0]).requires_grad_()
    assert w.requires_grad and w.requires_grad_(False) is w and not w.requires_grad
    w.requires_grad_()
    for _ in range(2):
        (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [4.0, -8.0])  # accumulated, as PyTorch
    assert w.grad.zero_() is w.grad and w.grad.tolist() == [0.0, 0.0]
    (w * w).sum().backward()
    same_w = w
    with no_grad():
        w -= 0.5 * w.grad  # PyTorch's manual SGD step: w itself changes
        w *= 2.0
    assert w is same_w and w.tolist() == [0.0, 0.0] and w.requires_grad
    with pytest.raises(RuntimeError, match="inside `with no_grad\\(\\):`"):
        w += 1.0
    y = w * 2
    with pytest.raises(RuntimeError, match="an op's result cannot change in place"):
        y -= 1.0
    with pytest.raises(RuntimeError, match="works on leaves only"):
        y.requires_grad_(False)
    y.sum().backward()
    with pytest.raises(ValueError, match="read-only"):
        y.grad.zero_()  # an op result's gradient may share memory with others: it is not to be written


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        # NumPy's meaning differs from PyTorch's: refused, with what to write
        (lambda t: t.transpose(), TypeError, r"transpose\(dim0, dim1\) swaps two axes.*\.permute\(\*axes\).*\.T"),
        (lambda t: t.transpose((1, 0, 2)), TypeError, r"\.permute\(\*axes\)"),
        (lambda t: t.transpose(2, 1, 0), TypeError, r"\.permute\(\*axes\)"),
        (lambda t: t.max(axis=1), TypeError, r"NumPy's spelling.*t\.amax\(dim\) for the values, t\.max\(dim\) for"),
        (lambda t: t.min(axis=0, keepdims=True), TypeError, r"t\.amin\(dim\)"),
        (lambda t: t.max(dim=(0, 1)), TypeError, r"max\(dim\) takes one dim.*amax\(dims\)"),
        (lambda t: t.sum(dim=()), ValueError, r"dim=\(\) means every axis in PyTorch and none in NumPy: write sum\(\)"),
        (lambda t: t.mean(axis=()), ValueError, r"write mean\(\) for every axis"),
        (lambda t: t.amax(dim=[]), ValueError, r"write amax\(\) for every axis"),
        (lambda t: t.var(axis=0), TypeError, r"divides by n - 1 and NumPy's by n: write var\(dim, correction=1\)"),
        (lambda t: t.std(axis=1, keepdims=True), TypeError, r"correction=0 for n"),
        (lambda t: t[0, :, [1, 2]], IndexError, r"means one thing in NumPy and another in PyTorch.*t\[0\]\[:, idx\]"),
        # plain mistakes
        (lambda t: t.sum(dim=(0, 0)), ValueError, r"op 'sum': dim \(0, 0\) names an axis twice"),
        (lambda t: t.sum(dim=(1, -2)), ValueError, r"names an axis twice"),
        (lambda t: t.sum(dim=3), ValueError, r"op 'sum': dim 3 is out of range for 3 dimensions"),
        (lambda t: t.transpose(0, 5), ValueError, r"op 'transpose': dim 5 is out of range"),
        (lambda t: t.transpose(0, -4), ValueError, r"dim -4 is out of range"),
        (lambda t: t.permute(0, 1), ValueError, r"not a permutation"),
        (lambda t: t.unsqueeze(4), ValueError, r"op 'unsqueeze': dim 4 is out of range for 4 dimensions"),
        (lambda t: t.flatten(2, 0), ValueError, r"start_dim 2 comes after end_dim 0"),
        (lambda t: t.t(), ValueError, r"op 't': needs at most 2 dimensions"),
        (lambda t: t[0, 0].mT, ValueError, r"op 'mT': needs at least 2 dimensions"),
        (lambda t: t.sum(dim=1, axis=1), TypeError, r"give dim or axis, not both"),
        (lambda t: t.sum(keepdim=True, keepdims=True), TypeError, r"give keepdim or keepdims, not both"),
        (lambda t: t.var(0, unbiased=True, correction=0), TypeError, r"give unbiased or correction, not both"),
        (lambda t: t.norm(3), ValueError, r"p=3 is not supported: use p=2 \(or 'fro'\) or p=1"),
        (lambda t: t.clamp(), ValueError, r"give min, max or both"),
        (lambda t: t.clamp(min=Tensor(0.0)), TypeError, r"bounds must be numbers"),
        (lambda t: t.size(3), ValueError, r"op 'size': dim 3 is out of range"),
        (lambda t: t.to(np.int64), TypeError, r"float64 or float32, not int64"),
        (lambda t: Tensor(np.zeros((2, 0))).amax(1), ValueError, r"op 'amax': cannot reduce over an empty axis"),
        (lambda t: Tensor(np.zeros((2, 0))).max(1), ValueError, r"op 'max': cannot reduce over an empty axis"),
        (lambda t: Tensor(np.zeros(0)).argmax(), ValueError, r"op 'argmax': cannot reduce over an empty axis"),
    ],
)
def test_ambiguous_or_wrong_calls_are_refused_with_what_to_write(call, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call(Tensor(A))


def test_the_lectures_pytorch_cell_runs_with_micrograd_tensor_as_torch(capsys: pytest.CaptureFixture[str]) -> None:
    """01:39:31 of the lecture, as typed there, with ``import micrograd.tensor as torch``."""
    outputs = {}
    for torch_module in (torch, mt):
        x1 = torch_module.Tensor([2.0]).double()
        x1.requires_grad = True
        x2 = torch_module.Tensor([0.0]).double()
        x2.requires_grad = True
        w1 = torch_module.Tensor([-3.0]).double()
        w1.requires_grad = True
        w2 = torch_module.Tensor([1.0]).double()
        w2.requires_grad = True
        b = torch_module.Tensor([6.8813735870195432]).double()
        b.requires_grad = True
        n = x1 * w1 + x2 * w2 + b
        o = torch_module.tanh(n)
        print(o.data.item())
        o.backward()
        print("x2", x2.grad.item(), "w2", w2.grad.item(), "x1", x1.grad.item(), "w1", w1.grad.item())
        outputs[torch_module.__name__] = capsys.readouterr().out
    theirs, ours = ({name: float(v) for name, v in zip(["o", *out.split()[1::2]], out.split()[::2])}
                    for out in (outputs["torch"], outputs["micrograd.tensor"]))  # fmt: skip
    assert ours.keys() == theirs.keys() == {"o", "x2", "w2", "x1", "w1"}
    # PyTorch's torch.Tensor([...]) is float32 before .double(): its bias is 6.88137388..., ours 6.88137358...
    assert ours == pytest.approx(theirs, abs=1e-6)
    assert ours["o"] == pytest.approx(math.tanh(0.8813735870195432), abs=1e-15)


def _train_by_hand(T, weights: list[np.ndarray], xs: np.ndarray, ys: np.ndarray) -> list[float]:
    """The lecture's 3-4-4-1 tanh MLP on four examples, written for PyTorch: T is ``torch`` or ``micrograd.tensor``."""
    params = [T.tensor(w, dtype=T.float64, requires_grad=True) for w in weights]
    X, Y = T.tensor(xs, dtype=T.float64), T.tensor(ys, dtype=T.float64)
    losses = []
    for step in range(20):
        h = X
        for i in range(0, len(params), 2):
            h = T.tanh(h @ params[i] + params[i + 1])
        loss = ((h.view(-1) - Y) ** 2).sum()
        for p in params:
            if p.grad is not None:
                p.grad.zero_() if step % 2 else setattr(p, "grad", None)
        loss.backward()
        with T.no_grad():
            for p in params:
                p -= 0.05 * p.grad
        losses.append(loss.item())
    return losses


def test_an_mlp_trained_by_hand_for_pytorch_trains_the_same_with_micrograd_tensor() -> None:
    xs = np.array([[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]])
    ys = np.array([1.0, -1.0, -1.0, 1.0])
    model = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
    weights = [p.data.copy() for p in model.parameters()]
    ours, theirs = _train_by_hand(mt, weights, xs, ys), _train_by_hand(torch, weights, xs, ys)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert ours[-1] < ours[0] / 2  # it learned


def test_the_module_answers_to_pytorchs_common_names() -> None:
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    tx = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True)
    pairs = [
        (mt.cat([x, x], dim=1), torch.cat([tx, tx], dim=1)),
        (mt.stack([x, x]), torch.stack([tx, tx])),
        (mt.matmul(x, x), torch.matmul(tx, tx)),
        (mt.softmax(x, dim=0), torch.softmax(tx, dim=0)),
        (mt.log_softmax(x, 1), torch.log_softmax(tx, 1)),
        (mt.exp(x) + mt.log(x) + mt.sigmoid(x) + mt.relu(x), torch.exp(tx) + torch.log(tx) + tx.sigmoid() + tx.relu()),
    ]
    for ours, theirs in pairs:
        agree(ours, theirs, x, tx)
    assert mt.zeros(2, 3).shape == (2, 3) and mt.ones((4,), dtype=mt.float32).dtype == np.float32
    assert mt.zeros(2, requires_grad=True).requires_grad


def test_the_issues_silent_differences_now_mean_what_pytorch_means() -> None:
    """Each call the issue found silently NumPy's (or nobody's) meaning, on its own 2-D tensor."""
    a = np.arange(6.0).reshape(2, 3)
    x, tx = Tensor(a, requires_grad=True), torch_of(a)
    for dims in [(0, 1), (-2, -1), (1, 0)]:
        agree(x.transpose(*dims), tx.transpose(*dims), x, tx)  # swapped, not returned unchanged
    values, indices = x.max(dim=1)
    tvalues, tindices = tx.max(dim=1)
    agree(values, tvalues, x, tx)
    np.testing.assert_array_equal(indices, tindices.numpy())
    assert bool(Tensor([0.0])) is False and bool(torch.tensor([0.0])) is False
    for call in (lambda t: t.transpose(0, 5), lambda t: t.sum(axis=()), lambda t: t.sum(axis=(0, 0))):
        with pytest.raises(ValueError, match=r"op '(transpose|sum)'"):
            call(x)
