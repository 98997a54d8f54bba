"""Backward for Tensors: the scalar engine's walk (``micrograd.autodiff``), with arrays for gradients.

Two things differ from Values, both about shapes: a gradient that arrives broadcast (because NumPy broadcast the
input in the forward pass) is summed back down to the input's shape, and the gradient of the output is an array
of ones rather than 1.0. This module says that (``fit``, ``seed``); the walk itself is the one in ``autodiff``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from micrograd import autodiff
from micrograd.errors import DomainError
from micrograd.tensor.array_ops import BroadcastTo, Cast, SumTo


class Grad(np.ndarray):
    """A tensor's ``.grad``: an ndarray with PyTorch's ``zero_()``."""

    def zero_(self) -> Grad:
        """Set every element to 0, in place (as ``p.grad.zero_()`` in PyTorch); returns the array."""
        self[...] = 0
        return self


def seed(root: Any, gradient: Any, as_tensor: bool) -> Any:
    """The gradient of ``root`` with respect to itself: ones (a single number), or ``gradient`` of root's shape."""
    if gradient is None:
        if root.data.size != 1:
            raise ValueError(
                f"backward: the output has shape {root.shape}; gradients start implicitly only from a single "
                "number: reduce it (.sum(), .mean()) or pass gradient= with its shape"
            )
        shape, dtype = root.data.shape, root.data.dtype
        start = np.ones(shape, dtype) if shape else np.array(1, dtype)  # (np.ones is a Python function)
    else:
        start = np.asarray(getattr(gradient, "data", gradient), dtype=root.data.dtype)
        if start.shape != root.shape:
            raise ValueError(f"backward: gradient has shape {start.shape}, the output has shape {root.shape}")
    return type(root)(start) if as_tensor else start


def fit(t: Any, g: Any, create_graph: bool) -> Any:
    """A gradient for tensor ``t`` as an op's rule gave it, made t's own: None if t does not require grad, else an
    array (a Tensor with ``create_graph``) of t's dtype and shape, summed over the axes broadcasting added."""
    if not t.requires_grad:
        return None
    data = t.data
    if not create_graph and type(g) is not np.ndarray:
        g = np.asarray(g, dtype=data.dtype)
    elif create_graph and not isinstance(g, type(t)):  # a rule may give a number (a 0 it chose)
        g = type(t)(np.asarray(g, dtype=data.dtype))
    if g.dtype != data.dtype:
        g = Cast(data.dtype)(g)  # a gradient has its input's dtype (a float32 leaf gets float32 grads)
    if g.shape != data.shape:  # undo broadcasting (sum over the axes the forward pass repeated), or spread
        fits = np.broadcast_shapes(g.shape, data.shape) == data.shape  # a number that a rule gave for all (a 0)
        g = BroadcastTo(data.shape)(g) if fits else SumTo(data.shape)(g)
    return g


def backward(root: Any, gradient: Any = None) -> None:
    """``root.backward()``: leaves accumulate into ``.grad``, op results get this pass's gradient."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad (no input had requires_grad=True, or it was cut from its "
            "graph: detach(), no_grad(), or the loss a training step returned, whose backward has already run)"
        )
    start = seed(root, gradient, as_tensor=False)
    grads = _one_op(root, start)
    if grads is None:
        grads = autodiff.gradients(root, start)
    for t, g in grads.items():
        if t._maker is not None:
            t.grad = np.asarray(g).view(Grad)
            t.grad.flags.writeable = False  # it may share memory with other gradients of the pass
        else:
            store_leaf(t, g)


def store_leaf(t: Any, g: Any, owned: bool = False) -> None:
    """A leaf's gradient from a backward pass: stored as a fresh, writable array of the leaf's own dtype (the pass
    may share ``g`` among gradients: a copy, unless ``owned``, a new array nothing else holds), or added to the one
    it holds (leaves accumulate, as in PyTorch)."""
    if t.grad is None:
        data = t.data
        if owned and type(g) is np.ndarray and g.dtype == data.dtype and g.shape == data.shape:
            t.grad = g.view(Grad)
            return
        fresh = g.astype(data.dtype) if type(g) is np.ndarray else np.array(g, dtype=data.dtype)  # (a copy)
        t.grad = fresh.view(Grad)
    else:
        t.grad = np.asarray(np.add(t.grad, g, dtype=t.data.dtype)).view(Grad)


def _one_op(root: Any, start: Any) -> dict[Any, Any] | None:
    """The gradients when the root's op gives its inputs' own gradients (``Op._fitted_gradients``, on its class)
    and every input is a leaf that requires grad, as a compiled call's result is: one call of the op's backward, no
    walk. None otherwise. An error is raised as the walk raises it (``autodiff.backward_error``)."""
    op = root._maker
    if op is None or not type(op)._fitted_gradients:
        return None
    inputs = root._prev
    for x in inputs:
        if x._maker is not None or not x.requires_grad:
            return None
    try:
        local = op.backward(start, root.data, *[x.data for x in inputs])
    except (ArithmeticError, ValueError) as err:
        if isinstance(err, DomainError):
            raise
        raise autodiff.backward_error(root, err) from err
    grads = {root: start}
    for x, g in zip(inputs, local):
        if g is not None:
            old = grads.get(x)
            grads[x] = g if old is None else old + g
    return grads
