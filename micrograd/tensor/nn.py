"""Neural nets on Tensors: Linear and MLP, trained with micrograd.optim and saved in the scalar library's format.

``MLP(nin, nouts)`` draws its weights from Python's ``random`` in the scalar ``micrograd.nn.MLP``'s order, so after
the same ``random.seed`` both engines hold the same network; ``from_scalar``/``to_scalar`` convert either way,
and ``save``/``load`` use the same JSON file as the scalar library (a model saved by one loads in the other).
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from micrograd import nn as scalar_nn
from micrograd.activations import activation as _activation
from micrograd.tensor.tensor import Tensor


class Module:
    """Something with parameters (Tensors that require grad)."""

    def parameters(self) -> list[Tensor]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())


class Linear(Module):
    """y = x @ w + b, with ``w`` of shape (nin, nout) — one column per neuron — and ``b`` of shape (nout,).

    Weights are uniform in [-1, 1] from Python's ``random``, drawn neuron by neuron as ``micrograd.nn.Layer``
    draws them; biases start at 0. (PyTorch's ``nn.Linear`` stores the transpose, shape (nout, nin).)
    """

    def __init__(self, nin: int, nout: int, activation: str = "linear", dtype: Any = np.float64):
        if not (isinstance(nin, int) and isinstance(nout, int) and nin >= 1 and nout >= 1):
            raise ValueError(f"Linear sizes must be positive integers, got nin={nin!r}, nout={nout!r}")
        method = _activation(activation).method
        columns = [[random.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)]
        self.w = Tensor(np.array(columns).T.reshape(nin, nout), requires_grad=True, dtype=dtype)
        self.b = Tensor(np.zeros(nout), requires_grad=True, dtype=dtype)
        self.activation = activation
        self._act = getattr(Tensor, method) if method else None

    def __call__(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.w.dtype)
        if x.shape[-1:] != (self.w.shape[0],):
            raise ValueError(f"{self!r} expects inputs whose last axis has {self.w.shape[0]} numbers, got {x.shape}")
        out = x @ self.w + self.b
        return self._act(out) if self._act else out

    def parameters(self) -> list[Tensor]:
        return [self.w, self.b]

    def __repr__(self) -> str:
        return f"Linear({self.w.shape[0]} -> {self.w.shape[1]}, {self.activation})"


class MLP(Module):
    """A multi-layer perceptron on Tensors, with the scalar ``micrograd.nn.MLP``'s signature and defaults.

    Call it on an array of shape (N, nin) (a batch) or (nin,) (one example); it returns (N, nout) or (nout,).
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        dtype: Any = np.float64,
    ):
        scalar_nn.check_mlp(self, nin, nouts, activation, output_activation)
        sizes, last = [nin, *nouts], len(nouts) - 1
        self.layers = [
            Linear(sizes[i], sizes[i + 1], output_activation if i == last else activation, dtype)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Any) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"tensor MLP({scalar_nn.describe_mlp(self)})"

    def dense_layers(self) -> list[tuple[np.ndarray, np.ndarray, str]]:
        """Each layer as (weights of shape (nin, nout), biases, activation name), as ``micrograd.nn.MLP``'s."""
        return [(layer.w.data, layer.b.data, layer.activation) for layer in self.layers]

    # ------------------------------------------------------------------ the scalar library's format
    @classmethod
    def from_scalar(cls, model: Any, dtype: Any = np.float64) -> MLP:
        """The same network as ``model``, its weights copied into Tensors: a scalar ``micrograd.nn.MLP``, or any
        MLP with ``dense_layers()`` (a Tensor MLP gives a copy, a snapshot of its weights)."""
        state = random.getstate()
        try:
            out = cls(model.nin, model.nouts, model.activation, model.output_activation, dtype)
        finally:
            random.setstate(state)  # building drew random weights; leave the user's random stream alone
        for layer, (w, b, _) in zip(out.layers, model.dense_layers()):
            layer.w.data[...] = w
            layer.b.data[...] = b
        return out

    def to_scalar(self) -> scalar_nn.MLP:
        """The same network as a scalar ``micrograd.nn.MLP`` of Values."""
        layers = [[(layer.w.data[:, j], layer.b.data[j]) for j in range(layer.w.shape[1])] for layer in self.layers]
        return scalar_nn.MLP.from_layers(layers, self.activation, self.output_activation)

    def save(self, path: str | os.PathLike) -> None:
        """Write the model atomically in the scalar library's JSON format (``micrograd.nn.MLP.save``)."""
        self.to_scalar().save(path)


def load(path: str | os.PathLike, dtype: Any = np.float64) -> MLP:
    """Read a model saved by either engine (checked as ``micrograd.nn.load`` checks it) as a tensor MLP."""
    return MLP.from_scalar(scalar_nn.load(path), dtype)
