"""The replay's forward kernels: every op's result on arrays, equal to the eager engine's to the last bit.

A replayed value must be the eager value exactly, not merely close: a later op can turn a last-digit difference
into a different branch (``x > 0``), a different error (``log`` of exactly 0) or a large relative error
(``1 - tanh(x)**2`` at saturation). So an op runs as one NumPy call only where NumPy computes what Python computes:
IEEE arithmetic (+, -, *, /, negation, square root, abs and selections), which is correctly rounded in both.
Everything else (exp, log, tanh, powers...) runs element by element with the same ``math`` function, or Python
operator, that the op's own ``forward`` uses; ``tests/compiler`` checks every kernel against ``forward`` bit
for bit. Ops without a kernel here (custom ops, and any new built-in op) run their own ``forward`` on each
element: always exact, and a custom op with an ``if`` in it works as it does eagerly.

A kernel raises where the eager engine would raise (a domain error, an overflow, a custom op's own error), or
gives NaN or infinity; either way the caller redoes the call eagerly, which says what happens.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any

import numpy as np

from micrograd import ops
from micrograd.engine import Value
from micrograd.ops import Op

Kernel = Callable[..., np.ndarray]


def each(f: Callable[..., Any], *columns: Any) -> np.ndarray:
    """``f`` on the Python floats of each element, as the eager engine calls it (a column is an array, or
    ``repeat(c)`` for a constant); a complex or non-numeric result (Python's ``(-4.0) ** 0.5``) raises, as does
    anything ``f`` raises."""
    size = next(len(c) for c in columns if isinstance(c, np.ndarray))
    rows = map(f, *(c.tolist() if isinstance(c, np.ndarray) else c for c in columns))
    return np.fromiter(rows, dtype=float, count=size)


def _weighted_sum(op: Op, b: np.ndarray, *wx: np.ndarray) -> np.ndarray:
    n = len(wx) // 2
    acc = b
    for w, x in zip(wx[:n], wx[n:]):  # b + w1*x1 + w2*x2 + ..., in this order, as WeightedSum.forward
        acc = acc + w * x
    return acc


def _sigmoid(op: Op, x: np.ndarray) -> np.ndarray:
    e = each(math.exp, -np.abs(x))  # Sigmoid.forward: 1/(1 + e^-x) for x >= 0, e^x/(1 + e^x) below
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(op: Op, x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0) + each(math.log1p, each(math.exp, -np.abs(x)))


#: The built-in ops' kernels, by exact type (a subclass of a built-in op is a custom op: it runs its own forward).
KERNELS: dict[type, Kernel] = {
    ops.Add: lambda op, x, y: x + y,
    ops.Sub: lambda op, x, y: x - y,
    ops.Mul: lambda op, x, y: x * y,
    ops.Div: lambda op, x, y: x / y,  # x / 0 is an error eagerly, infinite or NaN here: redone eagerly
    ops.Neg: lambda op, x: -x,
    ops.WeightedSum: _weighted_sum,
    ops.ReLU: lambda op, x: np.where(x <= 0, 0.0, x),  # 0.0 if x <= 0 else x: a NaN stays a NaN
    ops.Abs: lambda op, x: np.abs(x),
    ops.Sqrt: lambda op, x: np.sqrt(x),  # correctly rounded, as math.sqrt; NaN below 0
    ops.Exp: lambda op, x: each(math.exp, x),
    ops.Log: lambda op, x: each(math.log, x),  # math.log raises at x <= 0, as Log.forward
    ops.Tanh: lambda op, x: each(math.tanh, x),
    ops.Sin: lambda op, x: each(math.sin, x),
    ops.Cos: lambda op, x: each(math.cos, x),
    ops.Sigmoid: _sigmoid,
    ops.Softplus: _softplus,
    # power() is Python's float x ** n where that is real; where it is not, Python gives a complex, which `each`
    # refuses (and 0 ** -1 raises ZeroDivisionError, an overflow OverflowError), as power() raises.
    ops.PowConst: lambda op, x: each(operator.pow, x, repeat(op.n)),
    ops.ConstPow: lambda op, x: each(operator.pow, repeat(op.c), x),
    ops.Pow: lambda op, x, y: each(operator.pow, x, y),
}


def kernel(op: Op) -> Kernel:
    """The forward of ``op`` on arrays: its kernel, or its own ``forward`` element by element."""
    found = KERNELS.get(type(op))
    if found is not None:
        return found
    return lambda op, *xs: each(op.forward, *xs)


def each_op(node_ops: Sequence[Op], columns: list[np.ndarray]) -> np.ndarray:
    """Custom ops: each node's own op object on its own numbers, checked as ``micrograd.engine.apply`` checks."""
    out = np.empty(len(node_ops))
    for i, (op, row) in enumerate(zip(node_ops, zip(*(c.tolist() for c in columns)))):
        result = op.forward(*row)
        if not isinstance(result, numbers.Real) or isinstance(result, Value):
            raise TypeError(f"op {op.name!r}: forward() must return a real number")  # the eager call says so
        out[i] = result  # an int too large for a float raises OverflowError: redone eagerly too
    return out


def backward_each(node_ops: Sequence[Op], g: np.ndarray, out: np.ndarray, xs: list[np.ndarray]) -> list[np.ndarray]:
    """Custom ops' derivatives: each node's rule on its own floats (as ``backward()`` calls it), checked as the
    eager engine checks them (one number per input). Anything wrong raises: the call is then redone eagerly."""
    arity = len(xs)
    local = np.empty((arity, len(node_ops)))
    columns = [c.tolist() for c in (g, out, *xs)]
    for i, (op, row) in enumerate(zip(node_ops, zip(*columns))):
        grads = op.backward(*row)
        if not isinstance(grads, (tuple, list)) or len(grads) != arity:
            raise TypeError(f"op {op.name!r}: backward() must return one gradient per input")
        for k, gk in enumerate(grads):
            if not isinstance(gk, (int, float)):
                raise TypeError(f"op {op.name!r}: backward() returned a {type(gk).__name__}")
            local[k, i] = gk
    return list(local)
