"""Backward for Tensors: the scalar engine's walk, with arrays for gradients.

Two things differ from Values, both about shapes: a gradient that arrives broadcast (because NumPy broadcast the
input in the forward pass) is summed back down to the input's shape, and the gradient of the output is an array
of ones rather than 1.0.
"""

from __future__ import annotations

from collections.abc import Iterable
from heapq import heappop, heappush
from typing import Any

import numpy as np

from micrograd.tensor.array_ops import BroadcastTo, Cast, SumTo
from micrograd.tensor.tensor import Tensor


class Grad(np.ndarray):
    """A tensor's ``.grad``: an ndarray with PyTorch's ``zero_()``."""

    def zero_(self) -> Grad:
        """Set every element to 0, in place (as ``p.grad.zero_()`` in PyTorch); returns the array."""
        self[...] = 0
        return self


def _seed(root: Tensor, gradient: Any, as_tensor: bool) -> Any:
    if gradient is None:
        if root.size != 1:
            raise ValueError(
                f"backward: the output has shape {root.shape}; gradients start implicitly only from a single "
                "number: reduce it (.sum(), .mean()) or pass gradient= with its shape"
            )
        seed = np.ones_like(root.data)
    else:
        seed = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=root.data.dtype)
        if seed.shape != root.shape:
            raise ValueError(f"backward: gradient has shape {seed.shape}, the output has shape {root.shape}")
    return Tensor(seed) if as_tensor else seed


def backprop(root: Tensor, seed: Any, create_graph: bool) -> dict[Tensor, Any]:
    """d(root)/d(t) for every t of root's graph that requires grad: arrays, or Tensors with ``create_graph``.

    Tensors are visited newest first (a heap keyed on the order they were made in), so each one is reached only
    after every tensor made from it: the order the scalar engine gets from a topological sort, found on the way.
    """
    grads: dict[Tensor, Any] = {root: seed}
    heap = [(-root._seq, root)]
    while heap:
        node = heappop(heap)[1]
        op = node._fn
        if op is None:
            continue
        g = grads[node]
        inputs = node._prev
        # with create_graph the rule runs on Tensors and so records the derivative as a graph of its own
        args = inputs if create_graph else [t.data for t in inputs]
        local = op.backward(g, node if create_graph else node.data, *args)
        if len(local) != len(inputs):
            raise TypeError(
                f"op {op.name!r}: backward() must return one gradient per input ({len(inputs)}), got {len(local)}"
            )
        for t, gt in zip(inputs, local):
            if not t.requires_grad:
                continue
            shape = t.data.shape
            if not create_graph and type(gt) is not np.ndarray:
                gt = np.asarray(gt, dtype=t.data.dtype)
            elif create_graph and not isinstance(gt, Tensor):  # a rule may give a number (a 0 it chose)
                gt = Tensor(np.asarray(gt, dtype=t.data.dtype))
            if gt.dtype != t.data.dtype:
                gt = Cast(t.data.dtype)(gt)  # a gradient has its input's dtype (a float32 leaf gets float32 grads)
            if gt.shape != shape:  # undo broadcasting (sum over the axes the forward pass repeated), or spread
                fits = np.broadcast_shapes(gt.shape, shape) == shape  # a number that a rule gave for all (a 0)
                gt = BroadcastTo(shape)(gt) if fits else SumTo(shape)(gt)
            old = grads.get(t)
            if old is None:
                grads[t] = gt
                heappush(heap, (-t._seq, t))  # first gradient for t: visit it once all its users are done
            else:
                grads[t] = old + gt
    return grads


def backward(root: Tensor, gradient: Any = None) -> None:
    """``root.backward()``: leaves accumulate into ``.grad``, op results get this pass's gradient."""
    if not root.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad (no input had requires_grad=True)")
    grads = backprop(root, _seed(root, gradient, as_tensor=False), create_graph=False)
    for t, g in grads.items():
        if t._fn is not None:
            t.grad = np.asarray(g).view(Grad)
            t.grad.flags.writeable = False  # it may share memory with other gradients of the pass
        elif t.grad is None:
            t.grad = np.array(g, dtype=t.data.dtype).view(Grad)  # a fresh, writable array of the leaf's own
        else:
            t.grad = np.asarray(np.add(t.grad, g, dtype=t.data.dtype)).view(Grad)


def grad(output: Tensor, inputs: Tensor | Iterable[Tensor], create_graph: bool = False) -> tuple[Tensor, ...]:
    """d(output)/d(input) for each input, as Tensors; ``.grad`` is left alone (as ``torch.autograd.grad``).

    With ``create_graph=True`` the results are themselves in a graph, so they can be differentiated again.
    An input the output does not depend on gets zeros (so does every input of a constant output).
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs must be Tensors, got {type(t).__name__}")
    seed = _seed(output, None, as_tensor=create_graph)
    grads = backprop(output, seed, create_graph) if output.requires_grad else {}  # a constant: all zeros
    result = []
    for t in inputs:
        g = grads.get(t)
        if g is None:
            g = np.zeros_like(t.data)
        result.append(g if isinstance(g, Tensor) else Tensor(g))
    return tuple(result)
