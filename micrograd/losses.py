"""Loss functions on Values: each returns one Value, the mean over the examples given.

Labels: ``hinge`` takes ±1, ``bce_with_logits`` 0/1, ``softmax_cross_entropy`` class indices,
``mse`` any numbers. ``micrograd.data`` gives labels in each of these forms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from micrograd import ops
from micrograd.engine import Value, apply


def _mean(terms: list[Value], name: str) -> Value:
    if not terms:
        raise ValueError(f"{name}: no examples given")
    return sum(terms) * (1.0 / len(terms))


def _pairs(scores: Sequence[Value], targets: Sequence[float], name: str) -> zip:
    if len(scores) != len(targets):
        raise ValueError(f"{name}: {len(scores)} predictions but {len(targets)} targets")
    return zip(scores, targets)


def mse(preds: Sequence[Value], targets: Sequence[float]) -> Value:
    """Mean squared error: mean of (pred - target)^2."""
    return _mean([(p - t) ** 2 for p, t in _pairs(preds, targets, "mse")], "mse")


def hinge(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    """SVM max-margin loss for labels ±1: mean of max(0, 1 - y * score), as in the original demo."""
    return _mean([(1 + -y * s).relu() for s, y in _pairs(scores, labels, "hinge")], "hinge")


def bce_with_logits(logits: Sequence[Value], labels: Sequence[float]) -> Value:
    """Binary cross-entropy for labels 0/1 from raw scores z: mean of softplus(z) - y * z.

    That is -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))], written so that no step overflows
    or takes the log of 0, whatever the size of z.
    """
    return _mean([z.softplus() - y * z for z, y in _pairs(logits, labels, "bce_with_logits")], "bce_with_logits")


def logsumexp(xs: Sequence[Value]) -> Value:
    """log(sum of e^x), stable for any sizes of x (one node; its derivative is the softmax)."""
    return apply(ops.LOGSUMEXP, *xs)


def softmax_cross_entropy(logits: Sequence[Sequence[Value]], classes: Sequence[int]) -> Value:
    """Cross-entropy of softmax(logits) against class indices: mean of logsumexp(z) - z[class]."""
    terms = []
    for z, k in _pairs(logits, classes, "softmax_cross_entropy"):
        if not 0 <= k < len(z):
            raise ValueError(f"softmax_cross_entropy: class {k} out of range for {len(z)} logits")
        terms.append(logsumexp(z) - z[k])
    return _mean(terms, "softmax_cross_entropy")


def l2(parameters: Iterable[Value], alpha: float) -> Value:
    """L2 regularisation: alpha * sum of p^2, as in the original demo."""
    return alpha * sum(p * p for p in parameters)
