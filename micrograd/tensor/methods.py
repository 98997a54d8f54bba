"""The PyTorch-style methods of Tensor, each made of the primitives in ``tensor.py`` (as micrograd makes ``-`` and
``/`` from ``+``, ``*`` and ``**``), so they record no op of their own and need no derivative of their own.

They let code written for PyTorch run on micrograd's Tensors: ``view``, ``unsqueeze``, ``max(dim)``, ``softmax``,
``x.grad.zero_()``... Where PyTorch and NumPy give one call different meanings (``transpose(0, 1)``,
``max(dim)``, ``bool(t)``), PyTorch's is followed and NumPy's spelling is refused with what to write instead.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from micrograd.tensor import mode
from micrograd.tensor.args import Axis, dims, nonempty, numbers, one_dim, transpose_dims
from micrograd.tensor.mode import is_grad_enabled

if TYPE_CHECKING:
    from micrograd.tensor.tensor import Tensor


class ValuesIndices(NamedTuple):
    """What ``max(dim)`` and ``min(dim)`` return, as PyTorch's: the values (a Tensor, in the graph) and where
    along ``dim`` they are (int64 indices, an ndarray: no gradient)."""

    values: Tensor
    indices: np.ndarray


class TorchMethods:
    """PyTorch's names for what the primitives already do (mixed into Tensor)."""

    __slots__ = ()

    # ---------------------------------------------------------------------------------- inspection
    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    def tolist(self) -> Any:
        if mode.tracer is not None:
            mode.tracer.look(self, "tolist()")
        return self.data.tolist()

    def __bool__(self) -> bool:
        """The truth of the one element; more (or none) is an error, as in PyTorch and NumPy."""
        if mode.tracer is not None:
            mode.tracer.look(self, "bool()")
        if self.data.size != 1:
            raise RuntimeError(
                f"the truth of a Tensor with {self.data.size} elements is ambiguous: compare and reduce it, "
                "(t > 0).any() or (t > 0).all(), or use t.item() for a single element"
            )
        return bool(self.data.item())

    def __float__(self) -> float:
        return float(self.item())

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Start (or stop) recording the graph from this leaf; returns the tensor itself."""
        if self._maker is not None and not requires_grad:
            raise RuntimeError("requires_grad_(False) works on leaves only; for an op's result use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    # ------------------------------------------------------------------------ arithmetic by name
    def neg(self) -> Tensor:
        return -self

    def pow(self, exponent: Any) -> Tensor:
        return self**exponent

    def square(self) -> Tensor:
        return self**2

    def matmul(self, other: Any) -> Tensor:
        return self @ other

    def __abs__(self) -> Tensor:
        return self.abs()

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        """The same as ``clamp`` (NumPy's name, and PyTorch's other name)."""
        return self.clamp(min, max)

    def softmax(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """e^x / sum e^x along ``dim`` (the last axis by default): probabilities, from ``log_softmax``."""
        return self.log_softmax(dim, axis=axis).exp()

    def float(self) -> Tensor:
        """The tensor in float32 (itself if it already is), as PyTorch's ``.float()``."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """The tensor in float64 (itself if it already is), as PyTorch's ``.double()``."""
        return self.to(np.float64)

    # ------------------------------------------------------------------ in place: parameter updates
    def __iadd__(self, other: Any) -> Tensor:
        return _in_place(self, np.add, other)

    def __isub__(self, other: Any) -> Tensor:
        """``p -= lr * p.grad`` inside ``with no_grad():`` updates p itself, as in PyTorch."""
        return _in_place(self, np.subtract, other)

    def __imul__(self, other: Any) -> Tensor:
        return _in_place(self, np.multiply, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return _in_place(self, np.divide, other)

    # ---------------------------------------------------------------------------------- max, min
    def max(self, dim: int | None = None, keepdim: bool = False, **numpy: Any) -> Any:
        """``max()``: the largest element (a 0-d Tensor); ``max(dim)``: (values, indices) along ``dim``, as
        PyTorch's (the gradient goes to the index found). For the maxima alone over any axes, use ``amax``."""
        return _pick(self, "max", dim, keepdim, numpy)

    def min(self, dim: int | None = None, keepdim: bool = False, **numpy: Any) -> Any:
        """``min()``: the smallest element; ``min(dim)``: (values, indices) along ``dim``, as PyTorch's."""
        return _pick(self, "min", dim, keepdim, numpy)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> np.ndarray:
        """Where the largest element is (the first one; a NaN counts as largest), as int64: along ``dim``, or in the
        flattened tensor."""
        return _arg(self, "argmax", dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> np.ndarray:
        return _arg(self, "argmin", dim, keepdim)

    # ------------------------------------------------------------------------------------ shapes
    def view(self, *shape: Any) -> Tensor:
        """The same as ``reshape`` (no strides here: a view can always be made)."""
        return self.reshape(*shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """The axes from ``start_dim`` to ``end_dim`` made one (all of them by default: a 1-D tensor)."""
        shape = self.shape
        start, end = one_dim("flatten", start_dim, self.ndim), one_dim("flatten", end_dim, self.ndim)
        if start > end:
            raise ValueError(f"op 'flatten': start_dim {start_dim} comes after end_dim {end_dim}")
        return self.reshape(*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])

    def unsqueeze(self, dim: int) -> Tensor:
        """A new axis of length 1 at position ``dim`` (which may be ``ndim``, or negative)."""
        d = one_dim("unsqueeze", dim, self.ndim + 1)
        return self.reshape(*self.shape[:d], 1, *self.shape[d:])

    def squeeze(self, dim: Axis = None) -> Tensor:
        """Without the axes of length 1 (only those of ``dim``, if given: others are left alone, as in PyTorch)."""
        chosen = range(self.ndim) if dim is None else dims("squeeze", dim, self.ndim) or ()
        return self.reshape(*[n for i, n in enumerate(self.shape) if n != 1 or i not in chosen])

    def transpose(self, *dims_given: int) -> Tensor:
        """Swap two axes, as PyTorch's ``transpose(dim0, dim1)`` (for NumPy's permutation write ``permute``)."""
        d0, d1 = transpose_dims(dims_given, self.ndim)
        perm = list(range(self.ndim))
        if perm:
            perm[d0], perm[d1] = perm[d1], perm[d0]
        return self.permute(*perm)

    def t(self) -> Tensor:
        """The transpose of a matrix (a 0-d or 1-d tensor is returned as it is), as PyTorch's ``t()``."""
        if self.ndim > 2:
            raise ValueError(f"op 't': needs at most 2 dimensions, got shape {self.shape}: use transpose or mT")
        return self.transpose(0, -1)

    @property
    def T(self) -> Tensor:
        """Every axis reversed (both libraries agree)."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped: a batch of matrices transposed."""
        if self.ndim < 2:
            raise ValueError(f"op 'mT': needs at least 2 dimensions, got shape {self.shape}")
        return self.transpose(-2, -1)


def _in_place(t: Tensor, fn: Any, other: Any) -> Tensor:
    """Change a leaf's numbers in place (without ``+=``, Python would quietly make a new tensor and leave the
    leaf as it was). As in PyTorch, not while recording a graph from it, and never an op's result, whose value
    the backward pass still needs."""
    if t._maker is not None:
        raise RuntimeError("an op's result cannot change in place (backward needs its value): write t = t - x")
    if t.requires_grad and is_grad_enabled():
        raise RuntimeError(
            "a leaf that requires grad cannot change in place while the graph is recorded: update it inside "
            "`with no_grad():`, as in PyTorch"
        )
    t.data[...] = fn(t.data, numbers(other))
    return t


def _pick(t: Tensor, name: str, dim: Any, keepdim: bool, numpy: dict[str, Any]) -> Any:
    """``max``/``min``: the extreme of everything, or PyTorch's (values, indices) along one axis."""
    if mode.tracer is not None and dim is not None:
        mode.tracer.look(t, f"{name}(dim)")  # the index found is held by the graph
    if numpy:
        raise TypeError(
            f"{name}({', '.join(numpy)}=...) is NumPy's spelling, whose result (the values alone) differs from "
            f"PyTorch's {name}(dim) = (values, indices): write t.a{name}(dim) for the values, t.{name}(dim) for both"
        )
    if dim is None:
        return t.amax(keepdim=keepdim) if name == "max" else t.amin(keepdim=keepdim)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(dim) takes one dim, as in PyTorch; over several write a{name}(dims)")
    d = one_dim(name, dim, t.ndim)
    nonempty(name, t.shape, ((d,) if t.ndim else None, keepdim))
    found = _arg(t, f"arg{name}", d, keepdim=True)
    values = t[_along(found, d)] if t.ndim else t.clone()
    if keepdim or not t.ndim:
        return ValuesIndices(values, found)
    return ValuesIndices(values.squeeze(d), found.squeeze(d))


def _arg(t: Tensor, name: str, dim: int | None, keepdim: bool) -> np.ndarray:
    if mode.tracer is not None:
        mode.tracer.look(t, f"{name}()")
    if dim is not None:
        dim = one_dim(name, dim, t.ndim) if t.ndim else None
    nonempty(name, t.shape, ((dim,) if dim is not None else None, keepdim))
    return np.asarray(getattr(np, name)(t.data, axis=dim, keepdims=keepdim), dtype=np.int64)


def _along(indices: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """The index that picks ``indices[...]`` along axis ``dim`` of each row (``np.take_along_axis``'s index)."""
    n = indices.ndim
    return tuple(
        indices if i == dim else np.arange(indices.shape[i]).reshape([-1 if j == i else 1 for j in range(n)])
        for i in range(n)
    )
