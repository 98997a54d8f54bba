"""The Tensor engine's side of ``micrograd.train``: one batch's loss and the predicted classes, on whole arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from micrograd.data import labels_for
from micrograd.tensor import functional as F
from micrograd.tensor.nn import MLP
from micrograd.tensor.tensor import Tensor, no_grad


def batch_loss(model: MLP, loss: str, l2: float, X: Any, y: Any) -> tuple[Tensor, float]:
    """The loss on one batch (data term plus L2) and the batch accuracy, as ``micrograd.train.batch_loss``."""
    scores = model(np.asarray(X, dtype=float))
    k = np.asarray(y)
    if loss == "ce":
        data_loss = F.softmax_cross_entropy(scores, k)
        hits = scores.data.argmax(axis=1) == k
    else:
        s = scores.reshape(-1)
        targets = np.asarray(labels_for(loss, list(k)), dtype=float)
        data_loss = {"hinge": F.hinge, "mse": F.mse, "bce": F.bce_with_logits}[loss](s, targets)
        hits = (s.data > 0) == (k == 1)
    total = data_loss + F.l2(model.parameters(), l2) if l2 else data_loss
    return total, float(hits.mean())


def predict_classes(model: MLP, loss: str, X: Any) -> list[int]:
    """The class of each row of X: the largest logit for 'ce', else whether the score is above 0."""
    with no_grad():
        scores = model(np.asarray(X, dtype=float)).data
    return (scores.argmax(axis=1) if loss == "ce" else (scores[:, 0] > 0).astype(int)).tolist()
