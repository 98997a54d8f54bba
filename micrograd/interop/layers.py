"""An MLP of any engine as plain layers: (weights of shape (nin, nout), biases, activation name) per layer."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np


def dense_layers(model: Any) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """The layers of an MLP of any engine (its ``dense_layers()``), as float64 arrays."""
    if not callable(getattr(model, "dense_layers", None)):
        raise TypeError(f"expected a micrograd.nn.MLP or micrograd.tensor.nn.MLP, got {type(model).__name__}")
    return [(np.array(w, dtype=np.float64), np.array(b, dtype=np.float64), a) for w, b, a in model.dense_layers()]


def build(layers: list[tuple[np.ndarray, np.ndarray]], activation: str, output_activation: str, engine: str) -> Any:
    """Our MLP holding exactly these weights, on ``engine`` (a name of ``ENGINES``); Python's random stream is left
    as it was."""
    from micrograd.training.engines import ENGINES

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, not {engine!r}")
    for i, (w, b) in enumerate(layers):
        if w.ndim != 2 or b.shape != (w.shape[1],) or (i and w.shape[0] != layers[i - 1][0].shape[1]):
            raise ValueError(f"layer {i}: weights {w.shape} and biases {b.shape} do not chain into an MLP")
    return ENGINES[engine].from_layers(layers, activation, output_activation)


def optional(module: str, what: str, install: str) -> Any:
    """Import an optional dependency, or say plainly what to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{what} needs the '{module}' package, which is not installed: {install}") from None
