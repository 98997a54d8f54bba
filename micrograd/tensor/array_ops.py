"""The ops only arrays have: reductions, shapes, indexing, matmul — each a forward on NumPy arrays and a backward.

Like the elementwise rules in ``micrograd/ops.py``, every backward here is written with other ops, so the same
line runs on arrays (an ordinary backward pass) and on Tensors (``micrograd.grad(..., create_graph=True)``,
which differentiates the backward pass itself). The elementwise ops' NumPy forwards are their ``forward_array``; their
derivatives are not repeated here: they are the scalar engine's rules.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from micrograd import ops
from micrograd.ops import Op

Shape = tuple[int, ...]


def forward(op: Op, *xs: np.ndarray) -> np.ndarray:
    """An op's result on arrays: ``forward_array`` (every built-in op and array op has one). A custom op whose
    ``forward`` is written for numbers only (with ``math`` functions, say) runs element by element instead."""
    if op.builtin:
        return op.forward_array(*xs)
    try:
        return np.asarray(op.forward_array(*xs))
    except TypeError:  # math.exp(array): a custom op for numbers only
        return np.vectorize(op.forward, otypes=[np.result_type(*xs)])(*xs)


class ArrayOp(Op):
    """An op whose forward works on whole arrays (shapes may change); its backward is written in ops."""


def sum_axes(x_shape: Shape, shape: Shape) -> tuple[int, ...]:
    """The axes ``sum_to`` sums over to bring an array of ``x_shape`` down to ``shape``."""
    lead = len(x_shape) - len(shape)
    return tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and x_shape[i + lead] != 1)


def sum_to(x: np.ndarray, shape: Shape) -> np.ndarray:
    """Sum ``x`` down to ``shape``: undo NumPy broadcasting (leading axes, and axes that were 1)."""
    axes = sum_axes(x.shape, shape)
    return x.sum(axis=axes, keepdims=True).reshape(shape) if axes else x.reshape(shape)


def broadcast_to(x: Any, shape: Shape) -> np.ndarray:
    """``x`` repeated along axes to reach ``shape``, as a fresh writable array: cheaper than a view for small
    arrays, and safe to hand out as a gradient."""
    out = np.empty(shape, dtype=np.result_type(x))
    out[...] = x
    return out


class SumTo(ArrayOp):
    """Sum down to a shape (the gradient of broadcasting);  its derivative broadcasts back."""

    def __init__(self, shape: Shape):
        self.shape, self.name = shape, "sum_to"

    def forward(self, x):
        return sum_to(x, self.shape)

    def backward(self, g, out, x):
        return (BroadcastTo(x.shape)(g),)


class BroadcastTo(ArrayOp):
    """Repeat along axes to reach a shape;  its derivative sums them back."""

    def __init__(self, shape: Shape):
        self.shape, self.name = shape, "broadcast"

    def forward(self, x):
        return broadcast_to(x, self.shape)

    def backward(self, g, out, x):
        return (SumTo(x.shape)(g),)


def _keep_shape(shape: Shape, axis: tuple[int, ...] | None) -> Shape:
    """``shape`` with the reduced axes kept as 1s."""
    return tuple(1 if axis is None or i in axis else n for i, n in enumerate(shape))


def _kept(g: Any, shape: Shape, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    """A reduction's gradient with the reduced axes put back as 1s, ready to broadcast over ``shape``."""
    return g if keepdims or axis is None else Reshape(_keep_shape(shape, axis))(g)


class Sum(ArrayOp):
    """Sum over axes;  d/dx_i = 1: every element receives the gradient of its sum."""

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool):
        self.axis, self.keepdims, self.name = axis, keepdims, "sum"

    def forward(self, x):
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, g, out, x):
        return (BroadcastTo(x.shape)(_kept(g, x.shape, self.axis, self.keepdims)),)


def _count(shape: Shape, axis: tuple[int, ...] | None) -> int:
    """How many elements a reduction over ``axis`` takes for each result."""
    return math.prod(shape) if axis is None else math.prod(shape[i] for i in axis)


def _mean(x: np.ndarray, axis: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # the mean of nothing is 0 / 0 = NaN, as in PyTorch (quietly)
        return np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(x.shape, axis)  # np.sum's own call


class Mean(ArrayOp):
    """Mean over axes;  d/dx_i = 1/n, n the number of elements averaged."""

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool):
        self.axis, self.keepdims, self.name = axis, keepdims, "mean"

    def forward(self, x):
        return _mean(x, self.axis, self.keepdims)

    def backward(self, g, out, x):
        n = x.size // max(out.size, 1) if x.size else 0
        return (BroadcastTo(x.shape)(_kept(g, x.shape, self.axis, self.keepdims)) * (1.0 / n if n else math.nan),)


class Max(ArrayOp):
    """Maximum over axes;  the gradient goes to the maximal elements (shared equally by ties, as torch.amax)."""

    reduce = staticmethod(np.max)

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool):
        self.axis, self.keepdims, self.name = axis, keepdims, self.reduce.__name__

    def forward(self, x):
        return self.reduce(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g, out, x):
        keep = _keep_shape(x.shape, self.axis)
        hits = (ops.num(x) == ops.num(out).reshape(keep)).astype(ops.num(x).dtype)
        with np.errstate(invalid="ignore"):  # a NaN maximum equals nothing: 0 / 0, the NaN gradient PyTorch gives
            share = hits / hits.sum(axis=self.axis, keepdims=True)
        return (BroadcastTo(x.shape)(Reshape(keep)(g)) * share,)


class Min(Max):
    """Minimum over axes;  the gradient goes to the minimal elements (shared equally by ties, as torch.amin)."""

    reduce = staticmethod(np.min)


class LogSumExpOver(ArrayOp):
    """log(sum e^x) over axes, computed from the maximum so no exp overflows;  d/dx_i = e^(x_i - out),
    the scalar engine's LogSumExp rule."""

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool):
        self.axis, self.keepdims, self.name = axis, keepdims, "logsumexp"

    def forward(self, x):
        m = np.max(x, axis=self.axis, keepdims=True, initial=-np.inf)  # over nothing: log(0) = -inf
        m = np.where(np.isinf(m), 0.0, m)  # as PyTorch: an infinite maximum is not subtracted (inf - inf)
        with np.errstate(divide="ignore"):  # log(0) = -inf is the answer over no elements (or all -inf)
            out = m + np.log(np.sum(np.exp(x - m), axis=self.axis, keepdims=True))
        return out if self.keepdims else out.reshape(np.sum(x, axis=self.axis).shape)

    def backward(self, g, out, x):
        keep = _keep_shape(x.shape, self.axis)
        return (BroadcastTo(x.shape)(Reshape(keep)(g)) * ops.EXP(x - Reshape(keep)(out)),)


class LogSoftmax(ArrayOp):
    """x - logsumexp(x) along one axis (``None`` for a 0-d x), computed as (x - m) - log(sum e^(x - m)) with
    m = max x, so no exp overflows and no two large numbers are subtracted;  the gradient of sum_j g_j out_j is
    d/dx_i = g_i - softmax_i * sum_j g_j, with softmax = e^out."""

    def __init__(self, axis: int | None):
        self.axis, self.name = axis, "log_softmax"

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):  # a row with +inf is NaN (inf - inf), as PyTorch's
            z = x - np.maximum.reduce(x, axis=self.axis, keepdims=True, initial=-np.inf)  # np.max, minus a wrapper
            return z - np.log(np.add.reduce(np.exp(z), axis=self.axis, keepdims=True))  # np.sum, the same

    def backward(self, g, out, x):
        return (g - ops.EXP(out) * Sum(None if self.axis is None else (self.axis,), True)(g),)


class Var(ArrayOp):
    """The variance over axes, sum (x - mean)^2 / (n - correction);  d/dx_i = 2 (x_i - mean) / (n - correction)
    (PyTorch's formula: the mean's own dependence on x adds up to zero, so it is left out)."""

    name = "var"

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool, correction: float):
        self.axis, self.keepdims, self.correction = axis, keepdims, correction

    def _dof(self, x: Any) -> float:
        return max(_count(x.shape, self.axis) - self.correction, 0)  # 0 (as PyTorch): n <= correction: inf or NaN

    def forward(self, x):
        wide = x.astype(np.float64)  # as PyTorch: float32 is accumulated in float64 (tiny squares do not vanish)
        mean = _mean(wide, self.axis, True)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = mean + _mean(wide - mean, self.axis, True)  # corrected: equal numbers have spread 0 exactly
            d = wide - mean
            spread = np.sum(d * d, axis=self.axis, keepdims=self.keepdims) / np.float64(self._dof(x))
        return spread.astype(x.dtype)

    def backward(self, g, out, x):
        scale = 2.0 / self._dof(x) if self._dof(x) else math.inf
        mean = Mean(self.axis, True)(x)
        return (_kept(g, x.shape, self.axis, self.keepdims) * scale * (x - mean),)


def _unmasked(masked: Any, x: Any) -> Any:
    """x, with 1 where ``masked``: the denominator of a branch that ``where`` will not choose there. ``where`` on
    arrays computes both branches, and a second derivative would otherwise go through the unchosen one as
    0 * inf = NaN (the double-where pattern: the branch not taken contributes nothing, to any order)."""
    return ops.where(masked, 1.0, x)


class Std(Var):
    """sqrt(var) over axes;  d/dx_i = (d var/dx_i) / (2 std), and 0 where std == 0 (as PyTorch), not 0 * inf."""

    name = "std"

    def forward(self, x):
        with np.errstate(invalid="ignore"):
            return np.sqrt(super().forward(x.astype(np.float64))).astype(x.dtype)  # sqrt before rounding

    def backward(self, g, out, x):
        zero, at_0 = np.zeros_like(ops.num(out)), ops.num(out) == 0
        return super().backward(ops.where(at_0, zero, lambda: g / (2 * _unmasked(at_0, out))), out, x)


class Norm(ArrayOp):
    """The 2-norm over axes, sqrt(sum x^2) (|x| itself for one number, as PyTorch: no square to underflow);
    d/dx_i = x_i / norm, and 0 where the norm is 0 (as PyTorch; x / norm first, which is 1 at most)."""

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool):
        self.axis, self.keepdims, self.name = axis, keepdims, "norm"

    def forward(self, x):
        if x.size == np.sum(x, axis=self.axis, keepdims=self.keepdims).size:  # one number per norm
            return np.abs(np.sum(x, axis=self.axis, keepdims=self.keepdims))
        return np.sqrt(np.sum(x * x, axis=self.axis, keepdims=self.keepdims))

    def backward(self, g, out, x):
        keep = _keep_shape(x.shape, self.axis)
        norm = Reshape(keep)(out)
        at_0 = ops.num(norm) == 0
        return (Reshape(keep)(g) * ops.where(at_0, 0.0, lambda: x / _unmasked(at_0, norm)),)


class SumOfSquares(ArrayOp):
    """The sum of the squares of every element of every input, sum_k sum_i x_ki^2, in one node (a weight penalty
    over a model's parameters: ``functional.l2``);  d/dx_ki = 2 x_ki.

    The gradient is x * 2g, one rounding: PyTorch's for ``(x * x).sum()``, g x + g x, rounds twice, which differs
    only where g x is subnormal (below 2.2e-308 in float64), by one step of 5e-324; it equals ``x.pow(2)``'s."""

    name = "sum_of_squares"

    def forward(self, *xs):
        # the terms added in order, as total = total + term; an array of their dtype (float32 and float64: float64)
        return np.asarray(sum(map(_squares, xs[1:]), _squares(xs[0])))

    def backward(self, g, out, *xs):
        dtype = ops.num(g).dtype
        if all(ops.num(x).dtype == dtype for x in xs):  # one dtype, g's (the usual case)
            n = ops.num(g)
            if abs(n) <= _HALF_MAX.get(dtype, 0.0):
                twice = g + g
                return tuple(x * twice for x in xs)  # x * 2g: one product per input
        by_dtype: dict[Any, tuple[Any, Any]] = {}  # input dtype -> (g in it, 2 g or None where 2 g would overflow)
        grads = []
        for x in xs:
            dtype = ops.num(x).dtype
            if dtype not in by_dtype:  # g as each input's own sum of squares receives it: in that input's dtype
                gx = g if ops.num(g).dtype == dtype else Cast(dtype)(g)
                n = ops.num(gx)
                by_dtype[dtype] = (gx, gx + gx if abs(n) <= _HALF_MAX.get(n.dtype, 0.0) else None)
            gx, twice = by_dtype[dtype]
            # x * 2g: one product per input; where 2 g would overflow (or g is NaN), g x + g x, the product rule's
            grads.append(x * twice if twice is not None else _twice(x * gx))
        return tuple(grads)


#: Half the largest number of each float dtype: 2 g is finite (and exact) for any g up to it.
_HALF_MAX = {np.dtype(t): np.finfo(t).max / 2 for t in (np.float16, np.float32, np.float64)}


def _twice(y: Any) -> Any:
    return y + y


def _squares(x: np.ndarray) -> Any:
    """sum x^2 over every element: in float64 one BLAS dot (its rounding, at most n * 2^-53 relative, is far below
    anything a penalty is used for); in other dtypes NumPy's pairwise sum of x * x, as (x * x).sum() (a float32 dot
    adds in float32 with a few accumulators: 1e-4 relative off at ten million elements)."""
    return np.vdot(x, x) if x.dtype == np.float64 else np.add.reduce(x * x, axis=None)


class Clamp(ArrayOp):
    """min(max(x, lo), hi);  d/dx = 1 where lo <= x <= hi, else 0 (selected, so an infinite g gives no NaN)."""

    def __init__(self, lo: float | None, hi: float | None):
        self.lo, self.hi, self.name = lo, hi, "clamp"

    def forward(self, x):
        return np.clip(x, self.lo, self.hi)

    def backward(self, g, out, x):
        x = ops.num(x)
        inside = (x >= (-np.inf if self.lo is None else self.lo)) & (x <= (np.inf if self.hi is None else self.hi))
        return (Where(inside)(g, 0.0),)


class Cast(ArrayOp):
    """The same numbers in another float dtype (``.float()``, ``.double()``);  the gradient is cast back."""

    def __init__(self, dtype: Any):
        self.dtype, self.name = np.dtype(dtype), f"to {np.dtype(dtype).name}"

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, g, out, x):
        return (Cast(ops.num(x).dtype)(g),)


class Reshape(ArrayOp):
    """The same elements in another shape;  the gradient is reshaped back."""

    def __init__(self, shape: Shape):
        self.shape, self.name = shape, "reshape"

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, g, out, x):
        return (Reshape(x.shape)(g),)


class Transpose(ArrayOp):
    """Permute axes;  the gradient is permuted back."""

    def __init__(self, axes: tuple[int, ...]):
        self.axes, self.name = axes, "transpose"

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, g, out, x):
        return (Transpose(tuple(np.argsort(self.axes)))(g),)


def swap_last(x: Any) -> Any:
    """The transpose of the last two axes (of an array or a Tensor)."""
    n = len(x.shape)
    return Transpose((*range(n - 2), n - 1, n - 2))(x)


class MatMul(ArrayOp):
    """x @ y (batched over leading axes);  d/dx = g @ y^T,  d/dy = x^T @ g."""

    name = "@"

    def forward(self, x, y):
        return np.matmul(x, y)

    def backward(self, g, out, x, y):
        return MATMUL(g, swap_last(y)), MATMUL(swap_last(x), g)


class GetItem(ArrayOp):
    """x[index];  the gradient is scattered back into zeros shaped like x (added where an index repeats)."""

    def __init__(self, index: Any):
        self.index, self.name = index, "[]"

    def forward(self, x):
        return x[self.index]

    def backward(self, g, out, x):
        return (ScatterAdd(self.index, x.shape)(g),)


def _has_array(index: Any) -> bool:
    """Whether an index (as ``Tensor.__getitem__`` normalises it) has an integer or boolean array in it."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) for p in parts)


class ScatterAdd(ArrayOp):
    """zeros(shape) with x added at ``index`` (the gradient of indexing);  its derivative indexes again."""

    def __init__(self, index: Any, shape: Shape):
        self.index, self.shape, self.name = index, shape, "scatter"

    def forward(self, x):
        out = np.zeros(self.shape, dtype=x.dtype)
        if _has_array(self.index):
            np.add.at(out, self.index, x)  # repeated indices add up
        else:
            out[self.index] = x
        return out

    def backward(self, g, out, x):
        return (GetItem(self.index)(g),)


class Concat(ArrayOp):
    """Join along an axis;  each input's gradient is its slice of g."""

    def __init__(self, axis: int):
        self.axis, self.name = axis, "concat"

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, g, out, *xs):
        grads, start = [], 0
        for x in xs:
            n = x.shape[self.axis]
            grads.append(GetItem((slice(None),) * self.axis + (slice(start, start + n),))(g))
            start += n
        return tuple(grads)


class Stack(ArrayOp):
    """Stack along a new axis;  each input's gradient is its index of g along that axis."""

    def __init__(self, axis: int):
        self.axis, self.name = axis, "stack"

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, g, out, *xs):
        return tuple(GetItem((slice(None),) * self.axis + (i,))(g) for i in range(len(xs)))


class Where(ArrayOp):
    """a where cond else b (cond fixed);  the gradient goes to whichever input was chosen."""

    def __init__(self, cond: np.ndarray):
        self.cond, self.name = cond, "where"

    def forward(self, a, b):
        return np.where(self.cond, a, b)

    def backward(self, g, out, a, b):
        return Where(self.cond)(g, 0.0), Where(self.cond)(0.0, g)  # 0, not 0 * g: an infinite g gives no NaN


MATMUL = MatMul()
