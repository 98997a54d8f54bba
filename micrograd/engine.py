"""The scalar autograd engine: a Value is a number that remembers how it was made.

Each arithmetic operator and method below records one node: the result's ``data``, its inputs in
``_prev``, the op that made it in ``_maker`` (its name in ``_op``). ``backward()`` then walks the graph
from the output back to the leaves, applying each op's local derivative (see ``micrograd/ops.py``,
where every op's forward and derivative sit side by side) and summing by the chain rule.

No node holds a closure that refers back to itself, so a graph is freed by reference counting as soon
as the last name for it goes away.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from micrograd import ops
from micrograd.autodiff import backward as _backward_graph
from micrograd.autodiff import local_grads
from micrograd.errors import DomainError, describe


def _to_float(data: Any, where: str = "Value") -> float:
    """The float a Value stores: int, float, bool and NumPy real scalars are accepted, and become a Python float
    (so a float32 never sets the precision of what follows). ``where`` names the op, for the error message."""
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        try:
            return float(data)
        except OverflowError:  # an int beyond ~1.8e308
            digits = len(str(abs(int(data))))
            raise DomainError(
                f"{where}: an integer of {digits} digits is too large for a float (max ~1.8e308)"
            ) from None
    raise TypeError(
        f"Value needs a real number (int, float, bool or a NumPy real scalar), got {type(data).__name__}"
        + (": use the Value itself, or its .data" if isinstance(data, Value) else "")
    )


class Value(ops.Functions):
    """A scalar and its gradient, in a graph of the operations that made it.

    ``data`` is the number (a float), ``grad`` is d(root)/d(this node) after ``root.backward()``,
    ``_prev`` the input Values (a tuple; the original used a set), ``_op`` the op's name for display
    and ``label`` an optional name. Equality and hashing are by identity, so Values can live in sets;
    ``<``, ``<=``, ``>``, ``>=`` compare ``data`` and return a bool.
    """

    __slots__ = ("__weakref__", "_maker", "_op", "_prev", "data", "grad", "label")
    EMPTY_GRAD = 0.0  # a gradient cleared (zero_grad)

    def __init__(self, data: Any, _children: tuple[Value, ...] = (), _op: str = "", label: str = ""):
        self.data: float = data if type(data) is float else _to_float(data)
        self.grad: float = 0.0
        self._prev: tuple[Value, ...] = tuple(_children)
        self._op: str = _op
        self._maker: ops.Op | None = None  # the op whose derivative backward() applies; None for a leaf
        self.label: str = label

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return self.data

    # ------------------------------------------------------------- operators (each records one node)
    def __add__(self, other: Value | float) -> Value:
        return _binary(ops.ADD, self, other)

    def __radd__(self, other: float) -> Value:  # other + self
        return _binary(ops.ADD, other, self)

    def __sub__(self, other: Value | float) -> Value:
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other: float) -> Value:  # other - self
        return _binary(ops.SUB, other, self)

    def __mul__(self, other: Value | float) -> Value:
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other: float) -> Value:  # other * self
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other: Value | float) -> Value:
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other: float) -> Value:  # other / self
        return _binary(ops.DIV, other, self)

    def __neg__(self) -> Value:
        return self._unary(ops.NEG)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return _binary(ops.POW, self, other)  # both base and exponent get a gradient
        if not _is_number(other):
            return NotImplemented
        return self._unary(ops.PowConst(_to_float(other, "**")))

    def __rpow__(self, other: float) -> Value:  # other ** self, a constant base
        if not _is_number(other):
            return NotImplemented
        return self._unary(ops.ConstPow(_to_float(other, "**")))

    # -------------------------------------- functions of self: exp, log, tanh, relu... (ops.Functions)
    def _unary(self, op: ops.Op) -> Value:
        """Record ``op(self)``: compute the forward on the float and make the output node."""
        try:
            data = op.forward(self.data)
        except (ArithmeticError, ValueError) as err:
            data = _failed(op, (self,), err)
        out = Value(data, (self,), op.name)
        out._maker = op
        return out

    @staticmethod
    def _apply(op: ops.Op, *args: Any) -> Value:
        """``op(...)`` on Values: record it (see ``apply``)."""
        return apply(op, *args)

    # ------------------------------------------------------------------------- comparisons on data
    def __lt__(self, other: Value | float) -> bool:
        other = _data(other)
        return self.data < other if other is not None else NotImplemented

    def __le__(self, other: Value | float) -> bool:
        other = _data(other)
        return self.data <= other if other is not None else NotImplemented

    def __gt__(self, other: Value | float) -> bool:
        other = _data(other)
        return self.data > other if other is not None else NotImplemented

    def __ge__(self, other: Value | float) -> bool:
        other = _data(other)
        return self.data >= other if other is not None else NotImplemented

    __hash__ = object.__hash__  # identity: a graph keeps its nodes in sets

    # ---------------------------------------------------------------------------------- backprop
    def _backward(self) -> None:
        """One step of the chain rule, at this node only: add ``self.grad * d(self)/d(input)`` into each input's
        ``grad``. A leaf (no op made it) has nothing to pass on, so its ``_backward()`` does nothing.

        This is the lecture's per-node ``_backward``, as a method rather than a stored closure (a closure that
        refers to its own node would keep every graph alive until the cycle collector runs). Set ``o.grad = 1.0``
        and call ``_backward()`` on each node from the output down, and the grads appear one node at a time;
        ``backward()`` does exactly this for the whole graph, in reverse topological order.
        """
        if self._maker is None:
            return
        local = local_grads(self, self.grad, self.data, [p.data for p in self._prev])
        for p, gp in zip(self._prev, local):
            p.grad += gp

    def backward(self) -> None:
        """Fill in ``grad`` on every node of this Value's graph: d(self)/d(node), by the chain rule.

        Leaves (Values you made, such as parameters) *accumulate* across calls, as in PyTorch: call
        ``zero_grad()`` (or set ``p.grad = 0.0``) between steps. Nodes made by ops are reset at the start
        of each call, so they hold this call's gradient and a second call never double-counts through them.
        """
        _backward_graph(self)

    # -------------------------------------------------------------- what micrograd.grad asks of a node
    def _fit_gradient(self, g: Any, create_graph: bool) -> Any:
        return g  # a number (a Value with create_graph): every Value takes a gradient as it comes

    def _gradient_seed(self, create_graph: bool) -> Any:
        return Value(1.0) if create_graph else 1.0  # d(self)/d(self)

    def _as_gradient(self, g: Any) -> Value:
        """What ``micrograd.grad`` returns for this input: its gradient as a Value (0.0 if it got none)."""
        return g if isinstance(g, Value) else Value(0.0 if g is None else g)


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, Value)


def _data(x: Any) -> float | None:
    """The number to compare with: a Value's data, a number itself, None for anything else."""
    if isinstance(x, Value):
        return x.data
    return x if _is_number(x) else None


def _operand(x: Any, op: ops.Op) -> Value | None:
    """A Value for an operand of ``op``: Values as they are, numbers wrapped as constant leaves, else None."""
    if isinstance(x, Value):
        return x
    if type(x) is float or type(x) is int or _is_number(x):
        return Value(_to_float(x, op.name))
    return None


def _failed(op: ops.Op, args: tuple[Value, ...], err: Exception) -> float:
    """When an op's forward raises: a NaN among the inputs gives a NaN (a NaN stays a NaN, as in IEEE arithmetic
    and PyTorch); otherwise a DomainError naming the op, the values and their labels."""
    if any(a.data != a.data for a in args):
        return math.nan
    error = DomainError(f"{op.name}: undefined or too large at {describe(args)}: {err}")
    error.op, error.operands = op.name, args  # what failed, for tools that show the graph up to it
    raise error from err


def _binary(op: ops.Op, a: Any, b: Any) -> Value:
    """Record ``op(a, b)``; a number on either side becomes a constant leaf, as in the original."""
    a, b = _operand(a, op), _operand(b, op)
    if a is None or b is None:
        return NotImplemented  # Python then raises TypeError naming both types
    try:
        data = op.forward(a.data, b.data)
    except (ArithmeticError, ValueError) as err:
        data = _failed(op, (a, b), err)
    out = Value(data, (a, b), op.name)
    out._maker = op
    return out


def apply(op: ops.Op, *args: Any) -> Value:
    """Record any op (a custom one, say) on Values or numbers: the general form of the two above."""
    values = []
    for a in args:
        v = _operand(a, op)
        if v is None:
            raise TypeError(f"op {op.name!r} takes Values or real numbers, got {type(a).__name__}")
        values.append(v)
    try:
        data = op.forward(*(v.data for v in values))
    except (ArithmeticError, ValueError) as err:
        if isinstance(err, DomainError):
            raise
        data = _failed(op, tuple(values), err)
    if not _is_number(data):
        raise TypeError(f"op {op.name!r}: forward() must return a real number, got {type(data).__name__}")
    out = Value(_to_float(data, op.name), tuple(values), op.name)
    out._maker = op
    return out


def weighted_sum(b: Value, w: list[Value], x: Any) -> Value:
    """``b + w[0]*x[0] + w[1]*x[1] + ...`` recorded as one node (op ``wx+b``) instead of 2n nodes.

    Same numbers and gradients as writing the sum out, in far less time and memory; numbers in ``x``
    become constant leaves. ``Neuron`` uses it unless made with ``fused=False``.
    """
    if len(w) != len(x):
        raise ValueError(f"weighted_sum: {len(w)} weights but {len(x)} inputs")
    xs = [xi if isinstance(xi, Value) else Value(xi) for xi in x]
    op = ops.WEIGHTED_SUM
    out = Value(op.forward(b.data, *[wi.data for wi in w], *[xi.data for xi in xs]), (b, *w, *xs), op.name)
    out._maker = op
    return out
