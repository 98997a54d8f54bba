"""An MLP of either engine as plain layers: (weights of shape (nin, nout), biases, activation name) per layer."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from micrograd import nn


def dense_layers(model: Any) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """The layers of a ``micrograd.nn.MLP`` or a ``micrograd.tensor.nn.MLP``, as float64 arrays."""
    from micrograd.tensor import nn as tnn

    last = len(model.layers) - 1
    acts = [model.output_activation if i == last else model.activation for i in range(len(model.layers))]
    if isinstance(model, tnn.MLP):
        return [(layer.w.data.astype(np.float64), layer.b.data.astype(np.float64), a)
                for layer, a in zip(model.layers, acts)]  # fmt: skip
    if isinstance(model, nn.MLP):
        out = []
        for layer, a in zip(model.layers, acts):
            w = np.array([[n.w[i].data for n in layer.neurons] for i in range(len(layer.neurons[0].w))])
            out.append((w, np.array([n.b.data for n in layer.neurons]), a))
        return out
    raise TypeError(f"expected a micrograd.nn.MLP or micrograd.tensor.nn.MLP, got {type(model).__name__}")


def build(layers: list[tuple[np.ndarray, np.ndarray]], activation: str, output_activation: str, engine: str) -> Any:
    """Our MLP holding exactly these weights (Python's random stream is left as it was)."""
    if engine not in ("scalar", "tensor"):
        raise ValueError(f"engine must be 'scalar' or 'tensor', not {engine!r}")
    for i, (w, b) in enumerate(layers):
        if w.ndim != 2 or b.shape != (w.shape[1],) or (i and w.shape[0] != layers[i - 1][0].shape[1]):
            raise ValueError(f"layer {i}: weights {w.shape} and biases {b.shape} do not chain into an MLP")
    model = nn.MLP.from_layers([[(w[:, j], b[j]) for j in range(w.shape[1])] for w, b in layers], activation,
                               output_activation)  # fmt: skip
    if engine == "tensor":
        from micrograd.tensor import nn as tnn

        return tnn.MLP.from_scalar(model)
    return model


def optional(module: str, what: str, install: str) -> Any:
    """Import an optional dependency, or say plainly what to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{what} needs the '{module}' package, which is not installed: {install}") from None
