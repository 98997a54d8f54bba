"""Losses on Tensors, the same as ``micrograd.losses`` computes on lists of Values (with its very rules): each is
the mean over examples.

Predictions and targets must have the same shape: a (N, 1) column of scores against (N,) labels would broadcast
to an (N, N) table, a silent classic, so it is an error here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from micrograd import losses
from micrograd.tensor import array_ops as A
from micrograd.tensor.tensor import Tensor


def _targets(name: str, preds: Tensor, targets: Any) -> Any:
    t = targets.data if isinstance(targets, Tensor) else np.asarray(targets, dtype=preds.data.dtype)
    if t.shape != preds.shape:
        raise ValueError(
            f"{name}: predictions have shape {preds.shape} and targets {t.shape}; they must match "
            "(for a column of scores use scores.reshape(-1))"
        )
    return targets if isinstance(targets, Tensor) else t


def mse(preds: Tensor, targets: Any) -> Tensor:
    """mean (p - t)^2."""
    return losses.squared_error(preds, _targets("mse", preds, targets)).mean()


def hinge(scores: Tensor, labels: Any) -> Tensor:
    """SVM max-margin loss, mean relu(1 - y s), for labels y in {-1, +1}. The labels, as given (an array, a
    Tensor), are an operand of the product, so ``micrograd.compile`` replays it with each call's labels."""
    t = _targets("hinge", scores, labels)
    return losses.margin(scores, labels if isinstance(labels, (Tensor, np.ndarray)) else t).mean()


def bce_with_logits(logits: Tensor, labels: Any) -> Tensor:
    """Binary cross-entropy from logits z and labels y in {0, 1}: mean softplus(z) - y z (no overflow)."""
    return losses.logistic(logits, _targets("bce_with_logits", logits, labels)).mean()


def log_softmax(logits: Tensor, axis: int = -1) -> Tensor:
    """logits - logsumexp(logits) along ``axis``."""
    return logits.log_softmax(axis)


def softmax_cross_entropy(logits: Tensor, classes: Any) -> Tensor:
    """mean -log softmax(logits)[class], for (N, C) logits and N integer classes."""
    k = np.asarray(classes.data if isinstance(classes, Tensor) else classes)
    if logits.ndim != 2 or k.shape != (logits.shape[0],):
        raise ValueError(
            f"softmax_cross_entropy: needs (N, C) logits and N classes, got shapes {logits.shape} and {k.shape}"
        )
    if k.dtype.kind not in "iu" or (k.size and (k.min() < 0 or k.max() >= logits.shape[1])):
        raise ValueError(f"softmax_cross_entropy: classes must be integers in [0, {logits.shape[1]}), got {k!r}")
    return losses.batch_cross_entropy(logits, k)


def l2(parameters: Iterable[Tensor], alpha: float) -> Tensor:
    """alpha * (sum of every parameter squared), the squares summed in one node (``SumOfSquares``): one op for
    the whole model rather than three per parameter."""
    params = list(parameters)
    if not params:
        return alpha * 0.0  # no parameters: the number 0 (it takes the dtype of whatever it is added to)
    return alpha * A.SumOfSquares()(*params)
