"""The Tensor engine: the scalar engine's math on NumPy arrays (``micrograd.tensor.Tensor``, ``micrograd.Tensor``).

Elementwise ops use the very derivative rules of ``micrograd/ops.py``; ``array_ops.py`` adds what only arrays have
(reductions, shapes, indexing, ``@``), ``tensor.py`` records them, ``methods.py`` gives them PyTorch's names,
``autograd.py`` runs the backward pass, ``functional.py`` has the losses and ``nn.py`` Linear layers and MLPs.

The module also answers to PyTorch's most common names, so code written for PyTorch (the lecture's neuron, an MLP
trained by hand) runs after ``import micrograd.tensor as torch``: ``tensor``, ``tanh``, ``cat``, ``no_grad``...
"""

from typing import Any

import numpy as np

from micrograd.tensor.autograd import Grad
from micrograd.tensor.methods import ValuesIndices
from micrograd.tensor.tensor import Tensor, apply, concatenate, matmul, no_grad, stack

float32, float64 = np.float32, np.float64
cat = concatenate
exp, log, tanh, sigmoid, relu = Tensor.exp, Tensor.log, Tensor.tanh, Tensor.sigmoid, Tensor.relu
softmax, log_softmax = Tensor.softmax, Tensor.log_softmax


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf Tensor, as ``torch.tensor`` (the numbers are copied; integers become float64)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(shape)), requires_grad=requires_grad, dtype=dtype)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape)), requires_grad=requires_grad, dtype=dtype)


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


__all__ = [
    "Grad",
    "Tensor",
    "ValuesIndices",
    "apply",
    "cat",
    "concatenate",
    "exp",
    "float32",
    "float64",
    "log",
    "log_softmax",
    "matmul",
    "no_grad",
    "ones",
    "relu",
    "sigmoid",
    "softmax",
    "stack",
    "tanh",
    "tensor",
    "zeros",
]
