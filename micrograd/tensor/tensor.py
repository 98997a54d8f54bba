"""The Tensor engine: a NumPy array that remembers how it was made, and the same derivative rules as Value.

A ``Tensor`` is to an array what a ``Value`` is to a number. Its elementwise ops are the scalar engine's ops
(``micrograd/ops.py``): the forward runs on the whole array, and ``backward`` applies the op's own rule to
arrays, then sums the gradient back down to each input's shape where NumPy broadcast it. Reductions, shapes,
indexing and ``@`` are in ``array_ops.py``. Like Values, nodes hold no closures, so graphs are freed by
reference counting.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from micrograd import ops
from micrograd.ops import Op
from micrograd.tensor import array_ops as A

Axis = int | Sequence[int] | None

_grad_enabled = True

#: Every tensor gets the next number when it is made, so a tensor's number is larger than its inputs': the
#: backward pass visits tensors from the largest number down, which is a reverse topological order.
_next_seq = itertools.count().__next__


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside ``with no_grad():`` ops record no graph (evaluation, updates), as ``torch.no_grad``."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


class Tensor:
    """An array and its gradient, in a graph of the operations that made it (PyTorch-like).

    ``data`` is a writable float ndarray (float64 unless ``dtype=np.float32`` is asked for), ``grad`` is None
    until a backward pass reaches the tensor, then an array of the same shape (set it to None to clear it).
    Only tensors with ``requires_grad=True``, and results computed from them, take part in backward.
    Equality and hashing are by identity (tensors go in sets and dicts); ``<``, ``<=``, ``>``, ``>=`` compare
    ``data`` and return a boolean ndarray.
    """

    __slots__ = ("__weakref__", "_fn", "_op", "_prev", "_seq", "data", "grad", "label", "requires_grad")
    __array_ufunc__ = None  # ndarray (op) Tensor defers to the Tensor's reflected operator

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str = ""):
        if isinstance(data, Tensor):
            data = data.data
        if dtype is None:
            dtype = (
                data.dtype if isinstance(data, np.ndarray) and data.dtype in (np.float32, np.float64) else np.float64
            )
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise TypeError(f"Tensor holds float64 or float32, not {np.dtype(dtype)}")
        try:
            self.data: np.ndarray = np.array(data, dtype=dtype)
        except (TypeError, ValueError) as err:
            raise TypeError(f"Tensor needs real numbers (an array, nested lists, a number): {err}") from err
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._prev: tuple[Tensor, ...] = ()
        self._fn: Op | None = None
        self._op = ""
        self._seq = _next_seq()
        self.label = label

    # ------------------------------------------------------------------------------------ inspection
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        return self.data.item()

    def numpy(self) -> np.ndarray:
        return self.data

    def detach(self) -> Tensor:
        """The same data (shared, not copied), cut from the graph."""
        out = Tensor.__new__(Tensor)
        _init(out, self.data)
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
        return _unary(ops.NEG, self)

    def __pow__(self, other: Any) -> Tensor:
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return _unary(ops.PowConst(other), self)  # x ** n: d/dx = n x^(n-1)
        return _binary(ops.POW, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return _unary(ops.ConstPow(other), self)  # c ** x: d/dx = c^x log(c)
        return _binary(ops.POW, other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul(other, self)

    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _data(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _data(other)

    __hash__ = object.__hash__

    # ------------------------------------------------------------------------ elementwise functions
    def exp(self) -> Tensor:
        return _unary(ops.EXP, self)

    def log(self) -> Tensor:
        return _unary(ops.LOG, self)

    def tanh(self) -> Tensor:
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Tensor:
        return _unary(ops.SIGMOID, self)

    def relu(self) -> Tensor:
        return _unary(ops.RELU, self)

    def abs(self) -> Tensor:
        return _unary(ops.ABS, self)

    def sqrt(self) -> Tensor:
        return _unary(ops.SQRT, self)

    def softplus(self) -> Tensor:
        return _unary(ops.SOFTPLUS, self)

    def sin(self) -> Tensor:
        return _unary(ops.SIN, self)

    def cos(self) -> Tensor:
        return _unary(ops.COS, self)

    # ------------------------------------------------------------------------------- reductions
    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None):
        """Sum over ``axis`` (all axes by default); ``dim``/``keepdim`` are accepted as in PyTorch."""
        ax, keep = _axes(self, "sum", axis, dim), _keep(keepdims, keepdim)
        return _array_op(A.Sum(ax, keep), self)

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None):
        ax, keep = _axes(self, "mean", axis, dim), _keep(keepdims, keepdim)
        if self.size == 0 or (ax is not None and any(self.shape[i] == 0 for i in ax)):
            return self.sum(ax, keep) * np.nan  # the mean of nothing is NaN, as in PyTorch (without a warning)
        return _array_op(A.Mean(ax, keep), self)

    def max(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None):
        """The maxima over ``axis`` as a Tensor (not PyTorch's (values, indices) pair)."""
        ax, keep = _axes(self, "max", axis, dim), _keep(keepdims, keepdim)
        if self.size == 0 or (ax is not None and any(self.shape[i] == 0 for i in ax)):
            raise ValueError(f"op 'max': cannot take the maximum over an empty axis of shape {self.shape}")
        return _array_op(A.Max(ax, keep), self)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None):
        """log(sum(exp(x))) over ``axis``, without overflow."""
        ax, keep = _axes(self, "logsumexp", axis, dim), _keep(keepdims, keepdim)
        return _array_op(A.LogSumExp(ax, keep), self)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """x - logsumexp(x) along ``axis``: log-probabilities that sum (in probability) to 1."""
        return self - self.logsumexp(axis if dim is None else dim, keepdims=True)

    # ------------------------------------------------------------------------------------- shapes
    def reshape(self, *shape: Any) -> Tensor:
        target = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        try:
            new = np.empty(self.shape, dtype=bool).reshape(target).shape
        except ValueError as err:
            raise ValueError(f"op 'reshape': cannot reshape shape {self.shape} to {target}") from err
        return _array_op(A.Reshape(new), self)

    def transpose(self, *axes: int) -> Tensor:
        """Reverse the axes, or permute them as given (``t.transpose(1, 0)``)."""
        perm = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        if not perm:
            perm = tuple(reversed(range(self.ndim)))
        if sorted(a % max(self.ndim, 1) for a in perm) != list(range(self.ndim)):
            raise ValueError(
                f"op 'transpose': axes {perm} are not a permutation of the {self.ndim} axes of {self.shape}"
            )
        return _array_op(A.Transpose(tuple(a % self.ndim for a in perm)), self)

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        index = _index(index)
        try:
            self.data[index]
        except IndexError as err:
            raise IndexError(f"op '[]': index {index!r} does not fit shape {self.shape}: {err}") from err
        return _array_op(A.GetItem(index), self)

    # ------------------------------------------------------------------------------------- backward
    def backward(self, gradient: Any = None) -> None:
        """Accumulate d(self)/d(t) into ``t.grad`` for every tensor t of the graph that requires grad.

        ``self`` must hold one element unless ``gradient`` (same shape as self) is given. As with Values,
        leaves accumulate across calls (clear them with ``zero_grad``) and op results start afresh.
        """
        from micrograd.tensor.autograd import backward

        backward(self, gradient)

    @staticmethod
    def _grad(output: Tensor, inputs: Any, create_graph: bool) -> tuple[Tensor, ...]:
        from micrograd.tensor.autograd import grad

        return grad(output, inputs, create_graph)


# ------------------------------------------------------------------------------------------ recording


def _init(t: Tensor, data: np.ndarray) -> None:
    t.data, t.grad, t.requires_grad, t._prev, t._fn, t._op, t.label = data, None, False, (), None, "", ""
    t._seq = _next_seq()


def _record(data: np.ndarray, op: Op, inputs: tuple[Tensor, ...]) -> Tensor:
    out = Tensor.__new__(Tensor)
    out.data, out.grad, out.label, out._seq = data, None, "", _next_seq()
    if _grad_enabled:
        for t in inputs:
            if t.requires_grad:
                out.requires_grad, out._prev, out._fn, out._op = True, inputs, op, op.name
                return out
    out.requires_grad, out._prev, out._fn, out._op = False, (), None, ""
    return out


def _constant(x: Any, dtype: Any) -> Tensor:
    """A number or array operand as a constant leaf, in the other operand's dtype."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, bool) or not isinstance(x, (int, float, np.ndarray, np.generic, list, tuple)):
        raise TypeError(f"Tensor ops take Tensors, arrays or real numbers, not {type(x).__name__}")
    out = Tensor.__new__(Tensor)
    _init(out, np.asarray(x, dtype=dtype))
    return out


def _unary(op: Op, x: Tensor) -> Tensor:
    return _record(A.KERNELS[type(op)](op, x.data), op, (x,))


def _array_op(op: Op, x: Tensor) -> Tensor:
    return _record(op.forward(x.data), op, (x,))


def _binary(op: Op, x: Any, y: Any) -> Tensor:
    if type(x) is not Tensor:
        x = _constant(x, y.data.dtype)
    elif type(y) is not Tensor:
        y = _constant(y, x.data.dtype)
    try:
        data = A.KERNELS[type(op)](op, x.data, y.data)
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


def concatenate(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (``torch.cat``)."""
    axis = axis if dim is None else dim
    parts = list(tensors)
    if not parts:
        raise ValueError("op 'concat': needs at least one tensor")
    ndim = np.ndim(parts[0].data if isinstance(parts[0], Tensor) else parts[0])
    return apply(A.Concat(_one_axis("concat", axis, ndim)), *parts)


def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors of one shape along a new axis (``torch.stack``)."""
    axis = axis if dim is None else dim
    parts = list(tensors)
    if not parts:
        raise ValueError("op 'stack': needs at least one tensor")
    ndim = np.ndim(parts[0].data if isinstance(parts[0], Tensor) else parts[0]) + 1
    return apply(A.Stack(_one_axis("stack", axis, ndim)), *parts)


# ------------------------------------------------------------------------------------------ helpers


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _one_axis(name: str, axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"op {name!r}: axis {axis} is out of range for {ndim} dimensions")
    return axis % ndim


def _axes(t: Tensor, name: str, axis: Axis, dim: Axis) -> tuple[int, ...] | None:
    """Normalise NumPy's ``axis`` or PyTorch's ``dim`` to a sorted tuple of non-negative axes (None: all)."""
    chosen = axis if dim is None else dim
    if chosen is None:
        return None
    axes = (chosen,) if isinstance(chosen, (int, np.integer)) else tuple(chosen)
    n = t.ndim
    if any(not -max(n, 1) <= a < max(n, 1) for a in axes):
        raise ValueError(f"op {name!r}: axis {chosen} is out of range for shape {t.shape}")
    return tuple(sorted({int(a) % max(n, 1) for a in axes})) if n else None


def _keep(keepdims: bool, keepdim: bool | None) -> bool:
    return bool(keepdims if keepdim is None else keepdim)


def _index(index: Any) -> Any:
    """Tensors and lists in an index become integer (or boolean) arrays, as NumPy expects."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, Tensor):
        index = index.data
    if isinstance(index, list):
        index = np.asarray(index)
    if isinstance(index, np.ndarray) and index.dtype.kind == "f":
        raise IndexError(f"op '[]': index arrays must hold integers or booleans, not {index.dtype}")
    return index


#: An op applied to plain arrays (during a backward pass): just the result.
_array_call = A.forward


def _where(cond: Any, a: Any, b: Any) -> Any:
    """ops.where on arrays: both branches computed (quietly: the unused one may divide by zero)."""
    with np.errstate(all="ignore"):
        a = a() if callable(a) else a
        b = b() if callable(b) else b
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return apply(A.Where(np.asarray(cond)), a, b)
    return np.where(cond, a, b)


ops.ENGINES[Tensor] = apply
for _t in (np.ndarray, np.float64, np.float32):
    ops.ENGINES[_t] = _array_call
ops.ARRAY_WHERE = _where
