"""The pictures the page draws, read off a Tensor copy of a session's network: the decision boundary, each neuron's
thumbnail, the weights, and the loss and accuracy of the training and test sets. Only finite numbers are sent: what
overflowed is null, and the frame says "diverged"."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from micrograd.losses import LOSSES
from micrograd.tensor.tensor import no_grad
from micrograd.training.engines import ENGINES

GRID = 40  # decision-boundary resolution
THUMB = 12  # neuron-thumbnail resolution
DIVERGED = (
    "the network diverged: its numbers overflow (left blank in the pictures); lower the learning rate, then reset"
)


def _as_is(X: Any) -> Any:
    return X


def _grid(bounds: list[float], n: int) -> np.ndarray:
    """n x n points spanning ``bounds`` (x0, x1, y0, y1), row by row from the top."""
    x0, x1, y0, y1 = bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def _layers(tmodel: Any, X: np.ndarray) -> list[np.ndarray]:
    """Each layer's outputs for X (the last is the scores)."""
    acts, h = [], X
    with no_grad():
        for layer in tmodel.layers:
            h = layer(h)
            acts.append(h.data)
    return acts


def _metrics(tmodel: Any, loss: str, X: list, y: list) -> tuple[float | None, float | None]:
    """Data loss (no penalty) and accuracy on X (the network's inputs), as ``micrograd train`` computes them on the
    Tensor engine."""
    if not X:
        return None, None
    with no_grad():
        total, acc = ENGINES["tensor"].batch_loss(tmodel, LOSSES[loss], {})(X, y)
    return finite_number(total.item()), acc


def pictures(tmodel: Any, loss: str, bounds: list[float], train: tuple[list, list], test: tuple[list, list],
             inputs: Callable[[Any], Any] = _as_is) -> dict:  # fmt: skip
    """The frame's pictures and metrics for the Tensor network ``tmodel`` (``diverged``: whether any was not finite).
    ``inputs`` turns points (a list, or an (N, 2) array) into what the network takes: their features (see
    ``micrograd.train.featurizer``); the grids of the pictures go through it as the data does."""
    with np.errstate(all="ignore"):  # a diverging network overflows here; the page shows what it can
        return _pictures(tmodel, loss, bounds, train, test, inputs)


def _pictures(tmodel: Any, loss: str, bounds: list[float], train: tuple[list, list], test: tuple[list, list],
              inputs: Callable[[Any], Any]) -> dict:  # fmt: skip
    scores = _layers(tmodel, inputs(_grid(bounds, GRID)))[-1]
    features = inputs(_grid(bounds, THUMB))
    acts = _layers(tmodel, features)
    metrics = {"train": _metrics(tmodel, loss, inputs(train[0]), train[1]),
               "test": _metrics(tmodel, loss, inputs(test[0]), test[1])}  # fmt: skip
    items = {
        "boundary": (LOSSES[loss].confidence(scores), 3),
        "weights": [(layer.w.data, 4) for layer in tmodel.layers],
        "biases": [(layer.b.data, 4) for layer in tmodel.layers],
        "inputs": (np.asarray(features).T, 3),  # per input (feature): THUMB^2, as the thumbs
        "thumbs": [(a.T, 3) for a in acts],  # per layer: neurons x THUMB^2
    }
    diverged = False

    def finite(item: tuple[np.ndarray, int]) -> list:
        nonlocal diverged
        values, bad = finite_list(*item)
        diverged |= bad
        return values

    boundary = finite(items["boundary"])
    network = {key: [finite(item) for item in items[key]] for key in ("weights", "biases", "thumbs")}
    network["inputs"] = finite(items["inputs"])
    return {**metrics, "boundary": boundary, "grid": GRID, "network": network, "diverged": diverged}


def finite_number(x: float) -> float | None:
    return x if math.isfinite(x) else None


def finite_list(values: np.ndarray, decimals: int) -> tuple[list, bool]:
    """``values`` rounded to ``decimals`` as nested lists, with null for what is not finite; and whether any was."""
    rounded = np.round(values, decimals)
    rounded = np.where(np.isfinite(rounded), rounded, values)  # rounding overflows near the largest floats
    ok = np.isfinite(rounded)
    if ok.all():
        return rounded.tolist(), False
    out = rounded.astype(object)
    out[~ok] = None
    return out.tolist(), True
