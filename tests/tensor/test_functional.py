"""Tensor losses against torch.nn.functional (float64), and against the scalar library's losses."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from micrograd import Value, losses
from micrograd.tensor import Tensor, functional
from tests.tensor.tensor_oracle import torch_of

RNG = np.random.default_rng(6)
S = RNG.normal(size=7)
PM = np.where(RNG.random(7) > 0.5, 1.0, -1.0)
BIN = (PM > 0).astype(float)
LOGITS = RNG.normal(size=(7, 4)) * 3
CLASSES = RNG.integers(0, 4, size=7)

CASES = {
    "mse": (functional.mse, lambda s: F.mse_loss(s, torch.tensor(S[::-1].copy())), S[::-1].copy(), losses.mse),
    "hinge": (functional.hinge, lambda s: torch.relu(1 - torch.tensor(PM) * s).mean(), PM, losses.hinge),
    "bce": (
        functional.bce_with_logits,
        lambda s: F.binary_cross_entropy_with_logits(s, torch.tensor(BIN)),
        BIN,
        losses.bce_with_logits,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_binary_losses_match_torch_and_the_scalar_library(name: str) -> None:
    ours_fn, theirs_fn, targets, scalar_fn = CASES[name]
    x, tx = Tensor(S, requires_grad=True), torch_of(S)
    loss, tloss = ours_fn(x, targets), theirs_fn(tx)
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-15)
    vs = [Value(v) for v in S]
    scalar = scalar_fn(vs, list(targets))
    scalar.backward()
    np.testing.assert_allclose(loss.item(), scalar.data, rtol=1e-12)
    np.testing.assert_allclose(x.grad, [v.grad for v in vs], rtol=1e-10, atol=1e-15)


def test_softmax_cross_entropy_matches_torch_and_the_scalar_library() -> None:
    x, tx = Tensor(LOGITS, requires_grad=True), torch_of(LOGITS)
    loss = functional.softmax_cross_entropy(x, CLASSES)
    tloss = F.cross_entropy(tx, torch.tensor(CLASSES))
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-15)
    rows = [[Value(v) for v in row] for row in LOGITS]
    scalar = losses.softmax_cross_entropy(rows, list(CLASSES))
    np.testing.assert_allclose(loss.item(), scalar.data, rtol=1e-12)


def test_l2_is_alpha_times_the_sum_of_squares() -> None:
    a, b = Tensor(np.ones((2, 2)), requires_grad=True), Tensor(np.full(3, 2.0), requires_grad=True)
    reg = functional.l2([a, b], 0.5)
    reg.backward()
    assert reg.item() == 0.5 * (4 + 12)
    np.testing.assert_array_equal(b.grad, np.full(3, 2.0))


def test_mismatched_shapes_and_bad_classes_are_named() -> None:
    with pytest.raises(ValueError, match=r"mse: predictions have shape \(7, 1\) and targets \(7,\)"):
        functional.mse(Tensor(S.reshape(7, 1)), S)
    with pytest.raises(ValueError, match=r"needs \(N, C\) logits and N classes, got shapes \(7, 4\) and \(6,\)"):
        functional.softmax_cross_entropy(Tensor(LOGITS), CLASSES[:6])
    with pytest.raises(ValueError, match=r"classes must be integers in \[0, 4\)"):
        functional.softmax_cross_entropy(Tensor(LOGITS), CLASSES + 4)
