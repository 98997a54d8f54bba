"""Reading classes from a model of any engine: one example at a time, or a whole array in one pass."""

from __future__ import annotations

from typing import Any

from micrograd.losses import LOSSES
from micrograd.training.engines import engine_for

#: How many times a run measures the accuracy of the whole training and test sets (besides before the first step):
#: enough for a curve, few enough to cost little (each is one batched forward pass over every example).
EVALUATIONS = 25


def predict_classes(model: Any, loss: str, X: list[list[float]]) -> list[int]:
    """The predicted class of each example, as the model's own engine computes its scores, read as the loss ``loss``
    reads them (the largest logit for 'ce', else whether the score is above 0)."""
    return LOSSES[loss].predict(engine_for(model).forward(model, X)).tolist()


def predict_class(model: Any, loss: str, x: list[float]) -> int:
    return predict_classes(model, loss, [x])[0]


def batch_predictor(model: Any, loss: str) -> Any:
    """A function from an array of examples, shape (N, nin), to their N predicted classes (a NumPy array), all
    in one pass: the Tensor engine's, with a scalar model's weights copied into it (a snapshot: train on, and ask
    again). The classes are ``predict_classes``'s, computed as matrix products instead of one Value per op.

    Raises ``FloatingPointError`` if a score is not a finite number (a class read from NaN would mean nothing).
    """
    import numpy as np

    from micrograd.tensor.tensor import no_grad

    net, read = engine_for(model).snapshot(model), LOSSES[loss].predict

    def predict(X: Any) -> Any:
        with no_grad(), np.errstate(all="ignore"):
            scores = net(np.asarray(X, dtype=float).reshape(-1, net.nin)).data
        if not np.isfinite(scores).all():
            raise FloatingPointError("the model's outputs are not all finite numbers")
        return read(scores)

    return predict


def accuracy(model: Any, loss: str, X: list[list[float]], y: list[int]) -> float | None:
    """The share of ``X`` whose predicted class is ``y``'s (None for no examples, and for a regression loss: real
    targets have no class to be right about), in one batched pass."""
    if not X or LOSSES[loss].regression:
        return None
    return float((batch_predictor(model, loss)(X) == y).mean())


def evaluation_steps(steps: int, count: int = EVALUATIONS) -> list[int]:
    """After how many updates a run of ``steps`` steps measures whole-set accuracy: 0, then ``count`` times at
    even intervals (every step if there are fewer), the last time after the last step."""
    return sorted({0, *(round(steps * i / count) for i in range(1, count + 1))} | {steps})


def data_loss(model: Any, loss: str, X: list[list[float]], y: list[Any]) -> float | None:
    """The mean loss ``loss`` (no penalty) of ``model`` on ``X`` (None for no examples), in one batched pass: for a
    regression run, what stands in for accuracy. NaN if the outputs are not finite numbers."""
    if not X:
        return None
    import numpy as np

    from micrograd.tensor import Tensor
    from micrograd.tensor.tensor import no_grad

    with no_grad(), np.errstate(all="ignore"):
        scores = Tensor(np.asarray(engine_for(model).forward(model, X), dtype=float))
        return float(LOSSES[loss].on_tensors(scores, y).item())
