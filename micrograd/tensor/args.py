"""How the Tensor engine reads dims, keepdim and indices, spelt the PyTorch way or the NumPy way.

Both spellings are accepted where they mean the same thing (``dim``/``axis``, ``keepdim``/``keepdims``). Where
the two libraries give one call different meanings, we never pick one silently: PyTorch's meaning is followed for
PyTorch's names, and the ambiguous form is refused with an error that says what to write instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

Shape = tuple[int, ...]
Axis = int | Sequence[int] | None


class Size(int):
    """``t.size``: the number of elements, as NumPy's ``size``; ``t.size()`` is the shape and ``t.size(d)`` the
    length of axis d, as PyTorch's. (Each spelling means one thing in both libraries, so both work.)"""

    shape: Shape

    def __new__(cls, shape: Shape) -> Size:
        out = super().__new__(cls, math.prod(shape))
        out.shape = shape
        return out

    def __call__(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[one_dim("size", dim, len(self.shape))]


def one_dim(name: str, dim: Any, ndim: int) -> int:
    """One axis, counted from the end if negative (a 0-d tensor has the axes 0 and -1, as in PyTorch)."""
    n = max(ndim, 1)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"op {name!r}: dim must be an integer, not {type(dim).__name__}")
    if not -n <= dim < n:
        raise ValueError(f"op {name!r}: dim {dim} is out of range for {ndim} dimensions")
    return int(dim) % n


def either(name: str, torch_value: Any, numpy_value: Any, default: Any = None, names: str = "dim or axis") -> Any:
    """PyTorch's ``dim`` or NumPy's ``axis`` (``keepdim`` or ``keepdims``), which mean the same here; never both."""
    if torch_value is not None and numpy_value is not None:
        raise TypeError(f"op {name!r}: give {names}, not both")
    chosen = numpy_value if torch_value is None else torch_value
    return default if chosen is None else chosen


def dims(name: str, chosen: Axis, ndim: int) -> tuple[int, ...] | None:
    """``dim`` as a sorted tuple of non-negative axes (None: every axis)."""
    if chosen is None:
        return None
    axes = (chosen,) if isinstance(chosen, (int, np.integer)) else tuple(chosen)
    if not axes:  # PyTorch reduces every axis, NumPy none: refuse to guess
        raise ValueError(
            f"op {name!r}: dim=() means every axis in PyTorch and none in NumPy: write {name}() for every axis, "
            "or leave the tensor as it is"
        )
    found = [one_dim(name, a, ndim) for a in axes]
    if len(set(found)) != len(found):
        raise ValueError(f"op {name!r}: dim {chosen} names an axis twice")
    return tuple(sorted(found)) if ndim else None


def reduction(name: str, shape: Shape, dim: Axis, axis: Axis, keepdim: Any, keepdims: Any) -> tuple[Any, bool]:
    """A reduction's (axes, keepdim), from PyTorch's or NumPy's names."""
    keep = either(name, keepdim, keepdims, False, "keepdim or keepdims")
    return dims(name, either(name, dim, axis), len(shape)), bool(keep)


def nonempty(name: str, shape: Shape, reduced: tuple[Any, bool]) -> tuple[Any, bool]:
    """A maximum or minimum needs something to choose from (as in PyTorch)."""
    axes = reduced[0]
    if math.prod(shape) == 0 and (axes is None or any(shape[i] == 0 for i in axes)):
        raise ValueError(f"op {name!r}: cannot reduce over an empty axis of shape {shape}")
    return reduced


def spread(name: str, shape: Shape, dim: Axis, axis: Axis, keepdim: Any, keepdims: Any, unbiased: Any,
           correction: Any) -> tuple[Any, bool, float]:  # fmt: skip
    """``var``'s and ``std``'s (axes, keepdim, correction): n - 1 by default, as PyTorch; NumPy divides by n, so a
    call with NumPy's ``axis`` must say which it means."""
    if unbiased is not None and correction is not None:
        raise TypeError(f"op {name!r}: give unbiased or correction, not both")
    if axis is not None and unbiased is None and correction is None:
        raise TypeError(
            f"op {name!r}: PyTorch's {name} divides by n - 1 and NumPy's by n: write {name}(dim, correction=1) "
            "for n - 1, or correction=0 for n"
        )
    c = 1 if correction is None and unbiased is None else correction if unbiased is None else int(bool(unbiased))
    return (*reduction(name, shape, dim, axis, keepdim, keepdims), c)


def transpose_dims(dims_given: tuple[Any, ...], ndim: int) -> tuple[int, int]:
    """``transpose(dim0, dim1)`` swaps two axes, as PyTorch's (NumPy's ``transpose(axes)`` permutes): no other form."""
    if len(dims_given) != 2 or any(isinstance(d, (tuple, list)) for d in dims_given):
        raise TypeError(
            f"transpose(dim0, dim1) swaps two axes, as in PyTorch; got {dims_given}. For NumPy's meaning "
            "(a permutation) write .permute(*axes); to reverse every axis, .T"
        )
    return one_dim("transpose", dims_given[0], ndim), one_dim("transpose", dims_given[1], ndim)


def index(key: Any, data: np.ndarray) -> Any:
    """An index for ``data``, checked: Tensors, lists and tuples inside it become integer (or boolean) arrays, as
    NumPy reads them (``t[(0, 0), 1]`` is ``t[[0, 0], 1]``, element (0, 1) twice), and an index that NumPy and
    PyTorch read differently is refused."""
    key = tuple(_index_part(part) for part in key) if isinstance(key, tuple) else _index_part(key)
    try:
        data[key]
    except IndexError as err:
        raise IndexError(f"op '[]': index {key!r} does not fit shape {data.shape}: {err}") from err
    if not same_in_torch(key, data.shape):
        raise IndexError(
            f"op '[]': index {key!r} means one thing in NumPy and another in PyTorch (an integer beside an index "
            "array): index in two steps, t[0][:, idx] (PyTorch's meaning), or write the integer as an array, "
            "t[[0], :, idx] (NumPy's)"
        )
    return key


def numbers(x: Any) -> Any:
    """The array inside a Tensor; anything else as it is (an ndarray's own ``.data`` is a raw buffer)."""
    data = getattr(x, "data", None)
    return data if isinstance(data, np.ndarray) and not isinstance(x, np.ndarray) else x


def _index_part(part: Any) -> Any:
    part = numbers(part)
    if isinstance(part, (list, tuple)):
        part = np.asarray(part)
        if part.size == 0:
            part = part.astype(np.int64)  # [] selects nothing
    if isinstance(part, np.ndarray) and part.dtype.kind not in "iub":
        raise IndexError(f"op '[]': index arrays must hold integers or booleans, not {part.dtype}")
    return part


def same_in_torch(key: Any, shape: Shape) -> bool:
    """Whether NumPy and PyTorch read an index alike. They may not when an integer and an index array are both in
    it, apart: NumPy counts the integer as an array too and, as a slice separates them, puts the indexed axes
    first; PyTorch takes the integer first. ``t[0, :, [1, 2]]`` has shape (2, n) in NumPy and (n, 2) in PyTorch."""
    parts = key if isinstance(key, tuple) else (key,)
    ints = [isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in parts]
    arrays = [isinstance(p, np.ndarray) and p.ndim > 0 for p in parts]
    indexed = [i for i, (is_int, is_array) in enumerate(zip(ints, arrays)) if is_int or is_array]
    if not any(ints) or not any(arrays) or indexed[-1] - indexed[0] == len(indexed) - 1:
        return True  # side by side, the indexed axes stay in place in both
    probe = np.arange(math.prod(shape)).reshape(shape)
    first, rest = [], []  # PyTorch's reading: the integers, then the rest
    for p, is_int in zip(parts, ints):
        if is_int:
            first.append(p)
        else:
            rest.append(p)
            if p is Ellipsis:
                first.append(p)
            elif p is not None:
                first += [slice(None)] * (p.ndim if isinstance(p, np.ndarray) and p.dtype == bool else 1)
    theirs = probe[tuple(first)][tuple(rest)]
    ours = probe[key]
    return ours.shape == theirs.shape and bool((ours == theirs).all())
