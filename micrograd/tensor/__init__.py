"""The Tensor engine: the scalar engine's math on NumPy arrays (``micrograd.tensor.Tensor``, ``micrograd.Tensor``).

Elementwise ops use the very derivative rules of ``micrograd/ops.py``; ``array_ops.py`` adds what only arrays have
(reductions, shapes, indexing, ``@``), ``autograd.py`` the backward pass, ``functional.py`` the losses and
``nn.py`` Linear layers and MLPs.
"""

from micrograd.tensor.tensor import Tensor, apply, concatenate, matmul, no_grad, stack

__all__ = ["Tensor", "apply", "concatenate", "matmul", "no_grad", "stack"]
