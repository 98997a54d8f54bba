"""The Tensor engine: a NumPy array that remembers how it was made, and the same derivative rules as Value.

A ``Tensor`` is to an array what a ``Value`` is to a number. Its elementwise ops are the scalar engine's ops
(``micrograd/ops.py``): the forward runs on the whole array, and ``backward`` applies the op's own rule to
arrays, then sums the gradient back down to each input's shape where NumPy broadcast it. Reductions, shapes,
indexing and ``@`` are in ``array_ops.py``. Like Values, nodes hold no closures, so graphs are freed by
reference counting.

This file holds the primitives: each method records one op. The PyTorch-style methods made from them
(``view``, ``unsqueeze``, ``max(dim)``, ``softmax``, ``clamp``...) are one-liners in ``methods.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from micrograd import ops
from micrograd.ops import Op
from micrograd.tensor import array_ops as A
from micrograd.tensor import autograd, mode
from micrograd.tensor.args import Axis, Size, either, index, nonempty, one_dim, reduction, spread
from micrograd.tensor.methods import TorchMethods
from micrograd.tensor.mode import is_grad_enabled, no_grad  # noqa: F401 (here since the start)

#: Every tensor gets the next number when it is made (``_seq``), so a tensor's number is larger than its inputs':
#: the backward pass visits tensors from the largest number down, as PyTorch's engine does, so that gradients
#: meeting at a tensor are added in PyTorch's order (to the last bit where they nearly cancel).
_next_seq = itertools.count().__next__

Flag = bool | None  # keepdim, keepdims, unbiased: None when not given


class Tensor(ops.Functions, TorchMethods):
    """An array and its gradient, in a graph of the operations that made it (PyTorch-like).

    ``data`` is a writable float ndarray (float64 unless it is a float32 array or ``dtype=np.float32`` is asked
    for), ``grad`` is None until a backward pass reaches the tensor, then an array of the same shape and dtype
    (``grad.zero_()`` zeroes it, as in PyTorch; set it to None to clear it). Only tensors with
    ``requires_grad=True``, and results computed from them, take part in backward. Equality and hashing are by
    identity (tensors go in sets and dicts); ``<``, ``<=``, ``>``, ``>=`` compare ``data`` and return a boolean
    ndarray.
    """

    __slots__ = ("__weakref__", "_maker", "_op", "_prev", "_seq", "data", "grad", "label", "requires_grad")
    __array_ufunc__ = None  # ndarray (op) Tensor defers to the Tensor's reflected operator
    EMPTY_GRAD = None  # a gradient cleared (zero_grad), as PyTorch's set_to_none

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str = ""):
        source = data
        if isinstance(data, Tensor):
            data = data.data
        if dtype is None:
            is_float = isinstance(data, (np.ndarray, np.generic)) and data.dtype in (np.float32, np.float64)
            dtype = data.dtype if is_float else np.float64
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise TypeError(f"Tensor holds float64 or float32, not {np.dtype(dtype)}")
        try:
            self.data: np.ndarray = np.array(data, dtype=dtype)
        except (TypeError, ValueError) as err:
            raise TypeError(f"Tensor needs real numbers (an array, nested lists, a number): {err}") from err
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._prev: tuple[Tensor, ...] = ()
        self._maker: Op | None = None
        self._op = ""
        self._seq = _next_seq()
        self.label = label
        if mode.tracer is not None:
            mode.tracer.made(self, source, copy=True)

    # ------------------------------------------------------------------------------------ inspection
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> Size:
        """The number of elements (NumPy's ``size``); call it for the shape, as PyTorch's ``size()``/``size(dim)``."""
        return Size(self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        if mode.tracer is not None:
            mode.tracer.look(self, "item()")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        if mode.tracer is not None:
            mode.tracer.look(self, "numpy()")
        return self.data

    def detach(self) -> Tensor:
        """The same data (shared, not copied), cut from the graph."""
        out = Tensor.__new__(Tensor)
        _init(out, self.data)
        if mode.tracer is not None:
            mode.tracer.made(out, self, copy=False)
        return out

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20, prefix="Tensor(")
        extra = f", op={self._op!r}" if self._op else (", requires_grad=True" if self.requires_grad else "")
        return f"Tensor({body}{extra})"

    # ------------------------------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return _binary(ops.ADD, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _binary(ops.ADD, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(ops.SUB, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _binary(ops.DIV, other, self)

    def __neg__(self) -> Tensor:
        return self._unary(ops.NEG)

    def __pow__(self, other: Any) -> Tensor:
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return self._unary(ops.PowConst(other))  # x ** n: d/dx = n x^(n-1)
        return _binary(ops.POW, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return self._unary(ops.ConstPow(other))  # c ** x: d/dx = c^x log(c)
        return _binary(ops.POW, other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul(other, self)

    def __lt__(self, other: Any) -> np.ndarray:
        if mode.tracer is not None:
            mode.tracer.look(self, "<", other)
        return self.data < _data(other)

    def __le__(self, other: Any) -> np.ndarray:
        if mode.tracer is not None:
            mode.tracer.look(self, "<=", other)
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> np.ndarray:
        if mode.tracer is not None:
            mode.tracer.look(self, ">", other)
        return self.data > _data(other)

    def __ge__(self, other: Any) -> np.ndarray:
        if mode.tracer is not None:
            mode.tracer.look(self, ">=", other)
        return self.data >= _data(other)

    __hash__ = object.__hash__

    # ------------------------------------------ elementwise functions: exp, log, tanh... (ops.Functions)
    def _unary(self, op: Op) -> Tensor:
        return _record(op.forward_array(self.data), op, (self,))

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        """x limited to [min, max] (either bound may be left out); a NaN stays a NaN."""
        real = (int, float, np.integer, np.floating)
        for bound in (min, max):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, real)):
                raise TypeError(f"op 'clamp': bounds must be numbers, not {type(bound).__name__}")
        if min is None and max is None:
            raise ValueError("op 'clamp': give min, max or both")
        return _array_op(A.Clamp(min, max), self)

    def to(self, dtype: Any) -> Tensor:
        """The tensor in ``np.float32`` or ``np.float64`` (itself if it is already); gradients flow back."""
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise TypeError(f"Tensor holds float64 or float32, not {np.dtype(dtype)}")
        return self if self.dtype == dtype else _array_op(A.Cast(dtype), self)

    def clone(self) -> Tensor:
        """A copy of the data that stays in the graph (gradients flow back), as ``torch.clone``."""
        return _array_op(A.Cast(self.dtype), self)

    # ------------------------------------------------------------------------------- reductions
    # Each takes PyTorch's dim/keepdim or NumPy's axis/keepdims (args.py); dim=None reduces every axis.
    def sum(self, dim: Axis = None, keepdim: Flag = None, *, axis: Axis = None, keepdims: Flag = None) -> Tensor:
        return _array_op(A.Sum(*reduction("sum", self.shape, dim, axis, keepdim, keepdims)), self)

    def mean(self, dim: Axis = None, keepdim: Flag = None, *, axis: Axis = None, keepdims: Flag = None) -> Tensor:
        """The mean (NaN over no elements, as PyTorch)."""
        return _array_op(A.Mean(*reduction("mean", self.shape, dim, axis, keepdim, keepdims)), self)

    def amax(self, dim: Axis = None, keepdim: Flag = None, *, axis: Axis = None, keepdims: Flag = None) -> Tensor:
        """The maxima; ties share the gradient equally, as ``torch.amax`` (``max(dim)`` gives it to one index)."""
        reduced = reduction("amax", self.shape, dim, axis, keepdim, keepdims)
        return _array_op(A.Max(*nonempty("amax", self.shape, reduced)), self)

    def amin(self, dim: Axis = None, keepdim: Flag = None, *, axis: Axis = None, keepdims: Flag = None) -> Tensor:
        """The minima; ties share the gradient equally, as ``torch.amin``."""
        reduced = reduction("amin", self.shape, dim, axis, keepdim, keepdims)
        return _array_op(A.Min(*nonempty("amin", self.shape, reduced)), self)

    def logsumexp(self, dim: Axis = None, keepdim: Flag = None, *, axis: Axis = None, keepdims: Flag = None) -> Tensor:
        """log(sum(exp(x))), without overflow; -inf over no elements."""
        return _array_op(A.LogSumExpOver(*reduction("logsumexp", self.shape, dim, axis, keepdim, keepdims)), self)

    def log_softmax(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """x - logsumexp(x) along ``dim`` (the last axis by default): log-probabilities, exact for any size of x."""
        d = one_dim("log_softmax", either("log_softmax", dim, axis, -1), self.ndim)
        return _array_op(A.LogSoftmax(d if self.ndim else None), self)

    def var(self, dim: Axis = None, unbiased: Flag = None, keepdim: Flag = None, *, correction: float | None = None,
            axis: Axis = None, keepdims: Flag = None) -> Tensor:  # fmt: skip
        """sum (x - mean)^2 / (n - correction), with PyTorch's ``correction=1`` (n - 1) by default (NumPy's ``var``
        divides by n, so with ``axis=`` say which you mean)."""
        return _array_op(A.Var(*spread("var", self.shape, dim, axis, keepdim, keepdims, unbiased, correction)), self)

    def std(self, dim: Axis = None, unbiased: Flag = None, keepdim: Flag = None, *, correction: float | None = None,
            axis: Axis = None, keepdims: Flag = None) -> Tensor:  # fmt: skip
        """sqrt(var), arguments as ``var``; its gradient is 0 where it is 0, as PyTorch's."""
        return _array_op(A.Std(*spread("std", self.shape, dim, axis, keepdim, keepdims, unbiased, correction)), self)

    def norm(self, p: float | str = "fro", dim: Axis = None, keepdim: bool = False) -> Tensor:
        """The 2-norm (``p=2`` or ``"fro"``), sqrt(sum x^2), or the 1-norm (``p=1``), sum |x|."""
        ax, keep = reduction("norm", self.shape, dim, None, keepdim, None)
        if p == 1 and not isinstance(p, bool):
            return self.abs().sum(ax, keep)
        if p not in (2, "fro") or isinstance(p, bool):
            raise ValueError(f"op 'norm': p={p!r} is not supported: use p=2 (or 'fro') or p=1")
        return _array_op(A.Norm(ax, keep), self)

    # ------------------------------------------------------------------------------------- shapes
    def reshape(self, *shape: Any) -> Tensor:
        target = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        try:
            new = np.empty(self.shape, dtype=bool).reshape(target).shape
        except (ValueError, TypeError) as err:
            raise ValueError(f"op 'reshape': cannot reshape shape {self.shape} to {target}") from err
        return _array_op(A.Reshape(new), self)

    def permute(self, *dims: int) -> Tensor:
        """The axes in the order given, ``t.permute(2, 0, 1)``: every axis once (negative ones count from the end)."""
        perm = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        if len(perm) != self.ndim:
            raise ValueError(f"op 'permute': dims {perm} are not a permutation of the axes of {self.shape}")
        found = tuple(one_dim("permute", d, self.ndim) for d in perm)
        if len(set(found)) != len(found):
            raise ValueError(f"op 'permute': dims {perm} name an axis twice")
        return _array_op(A.Transpose(found), self)

    def __getitem__(self, key: Any) -> Tensor:
        """Indexing as NumPy and PyTorch both read it (integers, slices, index arrays, masks, None, ...)."""
        return _array_op(A.GetItem(index(key, self.data)), self)

    # ------------------------------------------------------------------------------------- backward
    def backward(self, gradient: Any = None) -> None:
        """Accumulate d(self)/d(t) into ``t.grad`` for every tensor t of the graph that requires grad.

        ``self`` must hold one element unless ``gradient`` (same shape as self) is given. As with Values,
        leaves accumulate across calls (clear them with ``zero_grad``) and op results start afresh.
        """
        autograd.backward(self, gradient)

    # ------------------------------------------------ how this kind of node takes part in autodiff and ops
    _fit_gradient = autograd.fit

    def _gradient_seed(self, create_graph: bool) -> Any:
        return autograd.seed(self, None, as_tensor=create_graph)

    def _as_gradient(self, g: Any) -> Tensor:
        """What ``micrograd.grad`` returns for this tensor: its gradient as a Tensor (zeros if it got none)."""
        return g if isinstance(g, Tensor) else Tensor(np.zeros_like(self.data) if g is None else g)

    @staticmethod
    def _apply(op: Op, *args: Any) -> Tensor:
        return apply(op, *args)

    @staticmethod
    def _where(cond: Any, a: Any, b: Any) -> Tensor:
        """``ops.where`` with a Tensor among the branches: the selection is a node, so it is differentiated too."""
        return apply(A.Where(np.asarray(cond)), a, b)


# ------------------------------------------------------------------------------------------ recording


def _init(t: Tensor, data: np.ndarray) -> None:
    t.data, t.grad, t.requires_grad, t._prev, t._maker, t._op, t.label = data, None, False, (), None, "", ""
    t._seq = _next_seq()


def _record(data: np.ndarray, op: Op, inputs: tuple[Tensor, ...]) -> Tensor:
    if type(data) is not np.ndarray:
        data = np.asarray(data)  # NumPy gives 0-d results as scalars: keep data an array
    out = Tensor.__new__(Tensor)
    out.data, out.grad, out.label, out._seq = data, None, "", _next_seq()
    if mode.enabled:
        for t in inputs:
            if t.requires_grad:
                out.requires_grad, out._prev, out._maker, out._op = True, inputs, op, op.name
                if mode.tracer is not None:
                    mode.tracer.op(out, op, inputs)
                return out
    out.requires_grad, out._prev, out._maker, out._op = False, (), None, ""
    if mode.tracer is not None:
        mode.tracer.op(out, op, inputs)
    return out


def _constant(x: Any, dtype: Any) -> Tensor:
    """A number or array operand as a constant leaf, in the other operand's dtype."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, bool) or not isinstance(x, (int, float, np.ndarray, np.generic, list, tuple)):
        raise TypeError(f"Tensor ops take Tensors, arrays or real numbers, not {type(x).__name__}")
    out = Tensor.__new__(Tensor)
    _init(out, np.asarray(x, dtype=dtype))
    if mode.tracer is not None:
        mode.tracer.made(out, x, copy=False)
    return out


def _result_dtype(x: np.ndarray, y: np.ndarray) -> np.dtype:
    """PyTorch's rule: a 0-d operand takes the other's dtype (``x32 * Tensor(2.0)`` stays float32); else the wider."""
    if x.ndim == 0 and y.ndim:
        return y.dtype
    if y.ndim == 0 and x.ndim:
        return x.dtype
    return np.result_type(x, y)


def _array_op(op: Op, x: Tensor) -> Tensor:
    return _record(op.forward(x.data), op, (x,))


def _binary(op: Op, x: Any, y: Any) -> Tensor:
    if type(x) is not Tensor:
        x = _constant(x, y.data.dtype)
    elif type(y) is not Tensor:
        y = _constant(y, x.data.dtype)
    dtype = _result_dtype(x.data, y.data)
    x, y = x.to(dtype), y.to(dtype)  # the op (and its derivative) in one dtype; gradients are cast back
    try:
        data = op.forward_array(x.data, y.data)
    except ValueError as err:
        if x.data.shape != y.data.shape:
            raise ValueError(f"op {op.name!r}: shapes {x.data.shape} and {y.data.shape} do not broadcast") from err
        raise
    return _record(data, op, (x, y))


def apply(op: Op, *args: Any) -> Tensor:
    """Record any op (an array op, a scalar-engine op, a custom Op) on Tensors, arrays or numbers."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    dtype = tensors[0].data.dtype if tensors else np.float64
    inputs = tuple(_constant(a, dtype) for a in args)
    try:
        data = A.forward(op, *(t.data for t in inputs))
    except ValueError as err:
        shapes = " and ".join(str(t.data.shape) for t in inputs)
        raise ValueError(f"op {op.name!r}: shapes {shapes} do not fit: {err}") from err
    if not isinstance(data, np.ndarray):
        data = np.asarray(data, dtype=dtype)
    return _record(data, op, inputs)


def matmul(x: Any, y: Any) -> Tensor:
    """x @ y as NumPy defines it: 1-D operands are promoted to a row or column and the extra axis dropped."""
    dtype = x.data.dtype if isinstance(x, Tensor) else y.data.dtype
    x, y = _constant(x, dtype), _constant(y, dtype)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"op '@': needs at least 1-D operands, got shapes {x.shape} and {y.shape}")
    xs, ys = x.shape, y.shape
    if x.ndim == 1:
        x = x.reshape(1, xs[0])
    if y.ndim == 1:
        y = y.reshape(ys[0], 1)
    if x.shape[-1] != y.shape[-2]:
        raise ValueError(f"op '@': shapes {xs} and {ys} do not match ({x.shape[-1]} != {y.shape[-2]})")
    try:
        out = _record(np.matmul(x.data, y.data), A.MATMUL, (x, y))
    except ValueError as err:
        raise ValueError(f"op '@': batch shapes of {xs} and {ys} do not broadcast") from err
    if len(xs) == 1 or len(ys) == 1:
        keep = out.shape[:-2] + ((out.shape[-2],) if len(xs) > 1 else ()) + ((out.shape[-1],) if len(ys) > 1 else ())
        out = out.reshape(keep)
    return out


def concatenate(tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (``torch.cat``; the first by default)."""
    return _join(A.Concat, "concat", tensors, either("concat", dim, axis, 0), 0)


def stack(tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors of one shape along a new axis (``torch.stack``; the first by default)."""
    return _join(A.Stack, "stack", tensors, either("stack", dim, axis, 0), 1)


def _join(kind: type, name: str, tensors: Sequence[Any], axis: int, new_axes: int) -> Tensor:
    parts = list(tensors)
    if not parts:
        raise ValueError(f"op {name!r}: needs at least one tensor")
    ndim = np.ndim(parts[0].data if isinstance(parts[0], Tensor) else parts[0]) + new_axes
    return apply(kind(one_dim(name, axis, ndim)), *parts)


# ------------------------------------------------------------------------------------------ helpers


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


for _name in ("tolist", "max", "min", "argmax", "argmin", "__bool__"):  # the hooked methods keep their docs
    getattr(Tensor, _name).__doc__ = getattr(TorchMethods, _name).__doc__
