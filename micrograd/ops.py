"""Every op once: its forward on numbers and its local derivative, side by side.

An op's ``backward(g, out, *xs)`` returns one gradient per input: the chain rule's ``g * d(out)/d(x_i)``,
where ``g`` is the gradient arriving at the op's output ``out``. Each rule is written in plain arithmetic
(and in other ops), so the same line runs on floats, during an ordinary backward pass, and on Values, when
``micrograd.grad(..., create_graph=True)`` differentiates a derivative again.

To add your own op, subclass :class:`Op` (see the README, "Custom ops").
"""

from __future__ import annotations

import math
import numbers
from functools import reduce
from typing import Any, Self


class Op:
    """An operation: ``forward`` computes the value, ``backward`` its local derivative.

    Subclass it and set ``name`` (shown as the node's ``_op`` and in drawings), ``forward(self, *xs)``
    (floats in, a float out) and ``backward(self, g, out, *xs)`` (a tuple with one gradient per input; on Tensors,
    None for an input that takes no gradient).
    ``forward_array(self, *xs)`` is the same function on whole arrays; a class that writes ``forward`` and no
    ``forward_array`` gets its ``forward`` for both, which is right for plain arithmetic (the Tensor engine runs a
    custom op written with ``math`` element by element instead). Calling the op on numbers gives a float, on arrays
    an array; on Values (or Tensors) it records a node that takes part in ``backward()``, ``micrograd.grad`` and
    ``draw_dot`` like any built-in op.
    """

    name: str = "op"
    #: True for micrograd's own ops, whose ``backward`` is known to return one gradient per input (so the
    #: backward pass need not check it). A custom op, even a subclass of a built-in one, is checked.
    builtin: bool = False
    #: True (on the class) when ``backward`` on arrays returns each gradient already of its input's dtype and shape
    #: (a compiled call's op): the Tensor engine then has nothing to fit. Read from the class, never an instance.
    _fitted_gradients: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.builtin = cls.__module__.partition(".")[0] == "micrograd"
        if "forward" in cls.__dict__ and "forward_array" not in cls.__dict__:
            cls.forward_array = cls.forward  # a new forward is the array forward too (never a parent's)

    def forward(self, *xs: float) -> float:
        raise NotImplementedError(f"op {self.name!r} has no forward()")

    def forward_array(self, *xs: Any) -> Any:
        return self.forward(*xs)

    def backward(self, g: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
        raise NotImplementedError(f"op {self.name!r} has no backward()")

    def __call__(self, *args: Any) -> Any:
        """Apply the op. On numbers it is just the function; on Values or Tensors it records a node, as their
        type says (its ``_apply``); on arrays it is ``forward_array``. What was imported before changes nothing."""
        for a in args:
            kind = type(a)
            if kind is not float and kind is not int:
                return self._apply_to(args)
        return self.forward(*args)

    def _apply_to(self, args: tuple[Any, ...]) -> Any:
        array = False
        for a in args:
            record = _recorder(type(a))
            if record is not None:
                return record(self, *args)
            array = array or hasattr(a, "__array_namespace__")
        if array:
            return self.forward_array(*args)
        for a in args:
            if not isinstance(a, numbers.Real):
                raise TypeError(f"op {self.name!r} takes numbers, arrays, Values or Tensors, got {type(a).__name__}")
        return self.forward(*args)

    def __repr__(self) -> str:
        return f"<op {self.name}>"


_recorders: dict[type, Any] = {}  # a type -> its _apply (or None), looked up once per type: only a memo


def _recorder(kind: type) -> Any:
    """How operands of this type record an op as a node (their ``_apply``), or None for numbers and arrays."""
    try:
        return _recorders[kind]
    except KeyError:
        record = _recorders[kind] = getattr(kind, "_apply", None)
        return record


def num(v: Any) -> Any:
    """The number inside a Value (the array inside a Tensor; a number or array itself): what rules branch on."""
    data = getattr(v, "data", v)
    return v if isinstance(data, memoryview) else data  # an ndarray's .data is its raw buffer: keep the array


def where(cond: Any, a: Any, b: Any) -> Any:
    """``a`` where ``cond`` holds, else ``b``: an if/else on numbers, elementwise on arrays and Tensors.

    ``a`` and ``b`` may be functions of no arguments, so that on numbers only the branch taken is computed
    (on arrays both are, and the one not chosen may hold anything: inf, NaN).
    """
    if isinstance(cond, bool) or not getattr(cond, "shape", ()):
        chosen = a if cond else b
        return chosen() if callable(chosen) else chosen
    a, b = (a() if callable(a) else a), (b() if callable(b) else b)
    for branch in (a, b):
        select = getattr(type(branch), "_where", None)  # a Tensor records the selection as a node
        if select is not None:
            return select(cond, a, b)
    return cond.__array_namespace__().where(cond, a, b)


def power(x: float, n: float) -> float:
    """x ** n for floats, refusing what would be complex (Python would quietly return a complex)."""
    if x < 0 and math.isfinite(x) and math.isfinite(n) and not float(n).is_integer():  # (-inf) ** n is real
        raise ValueError("a negative base needs an integer exponent (the result would be complex)")
    return float(x**n)  # raises ZeroDivisionError for 0 ** negative, OverflowError on overflow


def _shown(c: float) -> str:
    """A constant as an op's name shows it: 2 rather than 2.0, as the lecture's ``**2``."""
    return str(int(c)) if float(c).is_integer() and abs(c) < 1e16 else repr(c)


# ---------------------------------------------------------------------------------------- arithmetic
# (+, -, *, / and negation are the same expressions on numbers and on arrays: forward_array is forward)


class Add(Op):
    """x + y;  d/dx = 1, d/dy = 1: addition routes the gradient unchanged to both inputs."""

    name = "+"

    def forward(self, x, y):
        return x + y

    def backward(self, g, out, x, y):
        return g, g


ADD = Add()


class Sub(Op):
    """x - y;  d/dx = 1, d/dy = -1."""

    name = "-"

    def forward(self, x, y):
        return x - y

    def backward(self, g, out, x, y):
        return g, -g


SUB = Sub()


class Mul(Op):
    """x * y;  d/dx = y, d/dy = x: each input gets the other's value times the gradient."""

    name = "*"

    def forward(self, x, y):
        return x * y

    def backward(self, g, out, x, y):
        return g * y, g * x


MUL = Mul()


class Div(Op):
    """x / y;  d/dx = 1/y, d/dy = -x/y^2 = -(out/y) (out/y first, as PyTorch: it does not overflow before g
    scales it)."""

    name = "/"

    def forward(self, x, y):
        return x / y

    def backward(self, g, out, x, y):
        return g / y, -g * (out / y)


DIV = Div()


class Neg(Op):
    """-x;  d/dx = -1."""

    name = "neg"

    def forward(self, x):
        return -x

    def backward(self, g, out, x):
        return (-g,)


NEG = Neg()


def d_exponent(g: Any, out: Any, base: Any, exponent: Any) -> Any:
    """g * d/db a^b = g * a^b * log(a), with PyTorch's choices where log(a) is not real:
    at a == 0, 0 when b >= 0 (the limit) and -inf when b < 0 (a^b = inf times log(0) = -inf); NaN when a < 0
    (as PyTorch gives: a^b times NaN, so a second derivative is NaN there too). As PyTorch, g multiplies the
    chosen derivative (so an infinite g at a == 0, b >= 0 gives NaN: inf * 0). On arrays both sides of a
    ``where`` are computed: each is kept finite where not chosen."""
    a, b = num(base), num(exponent)
    log_a = where(
        a > 0,
        lambda: LOG(where(a > 0, base, 1.0)),  # log only where it is real
        lambda: where(a == 0, lambda: where(b >= 0, 0.0, -math.inf), math.nan),
    )
    return g * where((a == 0) & (b >= 0), 0.0, lambda: out * log_a)


class PowConst(Op):
    """x ** n for a constant n;  d/dx = n * x^(n-1)  (0 when n == 0, selected as PyTorch does)."""

    def __init__(self, n: float):
        self.n = n
        self.name = f"**{_shown(n)}"

    def forward(self, x):
        return power(x, self.n)

    def forward_array(self, x):
        return x**self.n  # a number n is taken in x's dtype (NumPy's rule); a negative base gives NaN

    def backward(self, g, out, x):
        n = self.n
        # n * x^(n-1) first, then g (as PyTorch): when it is 0 (x^(n-1) underflows), a second derivative is
        # g * 0, not (g * n) * 0 = inf * 0 = NaN when g * n overflows. At n == 0: 0 selected, not g * 0.
        return (g * (n * x ** (n - 1)) if n != 0 else 0.0,)


class ConstPow(Op):
    """c ** x for a constant base c;  d/dx = c^x * log(c) = out * log(c)."""

    def __init__(self, c: float):
        self.c = c
        self.name = f"{_shown(c)}**"

    def forward(self, x):
        return power(self.c, x)

    def forward_array(self, x):
        return x.__array_namespace__().pow(self.c, x)

    def backward(self, g, out, x):
        return (d_exponent(g, out, self.c, x),)


class Pow(Op):
    """x ** y with both Values;  d/dx = y * x^(y-1) (0 when y == 0, selected),  d/dy = x^y * log(x)."""

    name = "**"

    def forward(self, x, y):
        return power(x, y)

    def forward_array(self, x, y):
        return x**y

    def backward(self, g, out, x, y):
        # y * x^(y-1) first, then g, as PowConst; at y == 0, 0 selected, not g * 0 (NaN for g = inf)
        dx = where(num(y) != 0, lambda: g * (y * x ** (y - 1)), 0.0)
        return dx, d_exponent(g, out, x, y)


POW = Pow()


# --------------------------------------------------------------------------------- functions of one x
# (forward on a float with ``math``; forward_array on a whole array with the array's own library, ``xp``)


class Exp(Op):
    """e^x;  d/dx e^x = e^x = out."""

    name = "exp"

    def forward(self, x):
        return math.exp(x)  # OverflowError past x ~ 709.78

    def forward_array(self, x):
        return x.__array_namespace__().exp(x)

    def backward(self, g, out, x):
        return (g * out,)


EXP = Exp()


class Log(Op):
    """natural log(x), x > 0;  d/dx log(x) = 1/x."""

    name = "log"

    def forward(self, x):
        if x <= 0:
            raise ValueError("log needs x > 0")
        return math.log(x)  # log(NaN) is NaN

    def forward_array(self, x):
        return x.__array_namespace__().log(x)  # -inf at 0, NaN below

    def backward(self, g, out, x):
        return (g / x,)


LOG = Log()


class Tanh(Op):
    """tanh(x) = (e^2x - 1)/(e^2x + 1);  d/dx tanh(x) = 1 - tanh(x)^2 = 1 - out^2, computed as (1 - out)(1 + out):
    the same number, without the cancellation of 1 - out^2 near out = ±1 (at x = 10 that loses 8 digits)."""

    name = "tanh"

    def forward(self, x):
        return math.tanh(x)  # stable for any x: no exp of a large number

    def forward_array(self, x):
        return x.__array_namespace__().tanh(x)

    def backward(self, g, out, x):
        return (g * ((1 - out) * (1 + out)),)


TANH = Tanh()


class Sigmoid(Op):
    """sigmoid(x) = 1/(1 + e^-x);  d/dx sigmoid(x) = out * (1 - out)."""

    name = "sigmoid"

    def forward(self, x):
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)  # for x < 0 write it as e^x / (1 + e^x): never exp of a large number
        return e / (1.0 + e)

    def forward_array(self, x):
        xp = x.__array_namespace__()
        e = xp.exp(-xp.abs(x))  # e^-|x|: the same two forms, chosen element by element
        return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def backward(self, g, out, x):
        return (g * out * (1 - out),)


SIGMOID = Sigmoid()


class ReLU(Op):
    """relu(x) = max(0, x);  d/dx relu(x) = 0 if x <= 0 else 1  (0 at x == 0; a NaN passes through, as PyTorch)."""

    name = "ReLU"

    def forward(self, x):
        return 0.0 if x <= 0 else x  # NaN <= 0 is False, so a NaN stays a NaN

    def forward_array(self, x):
        return x.__array_namespace__().where(x <= 0, 0.0, x)

    def backward(self, g, out, x):
        return (where(num(x) <= 0, 0.0, g),)  # select, not multiply: an infinite g times 0 would be NaN


RELU = ReLU()


class Abs(Op):
    """|x|;  d/dx |x| = sign(x)  (0 at x == 0, as PyTorch)."""

    name = "abs"

    def forward(self, x):
        return abs(x)

    def backward(self, g, out, x):
        return (g * ((x > 0) * 1.0 - (x < 0) * 1.0),)


ABS = Abs()


class Sqrt(Op):
    """sqrt(x), x >= 0;  d/dx sqrt(x) = 1 / (2 sqrt(x)) = 1 / (2 out)  (infinite at 0: an error)."""

    name = "sqrt"

    def forward(self, x):
        if x < 0:
            raise ValueError("sqrt needs x >= 0")
        return math.sqrt(x)

    def forward_array(self, x):
        return x.__array_namespace__().sqrt(x)  # NaN below 0

    def backward(self, g, out, x):
        return (g / (2 * out),)


SQRT = Sqrt()


class Softplus(Op):
    """softplus(x) = log(1 + e^x);  d/dx softplus(x) = sigmoid(x)."""

    name = "softplus"

    def forward(self, x):
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))  # stable: exp of a non-positive number

    def forward_array(self, x):
        xp = x.__array_namespace__()
        return xp.maximum(x, 0.0) + xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, g, out, x):
        return (g * SIGMOID(x),)


SOFTPLUS = Softplus()


class Sin(Op):
    """sin(x);  d/dx sin(x) = cos(x)."""

    name = "sin"

    def forward(self, x):
        return math.sin(x)

    def forward_array(self, x):
        return x.__array_namespace__().sin(x)

    def backward(self, g, out, x):
        return (g * COS(x),)


SIN = Sin()


class Cos(Op):
    """cos(x);  d/dx cos(x) = -sin(x)."""

    name = "cos"

    def forward(self, x):
        return math.cos(x)

    def forward_array(self, x):
        return x.__array_namespace__().cos(x)

    def backward(self, g, out, x):
        return (-g * SIN(x),)


COS = Cos()


# ------------------------------------------------------------------------------ functions of many xs


class WeightedSum(Op):
    """b + w1*x1 + ... + wn*xn, a neuron's pre-activation, as one node (inputs: b, w1..wn, x1..xn);
    d/db = 1,  d/dwi = xi,  d/dxi = wi: the lecture's chain of + and * nodes, collapsed into one.

    The sum runs in the same order as that chain, so the numbers are identical to the last bit.
    """

    name = "wx+b"

    def forward(self, b, *wx):
        n = len(wx) // 2
        acc = b
        for w, x in zip(wx[:n], wx[n:]):
            acc = acc + w * x
        return acc

    def backward(self, g, out, b, *wx):
        n = len(wx) // 2
        return (g, *[g * x for x in wx[n:]], *[g * w for w in wx[:n]])


WEIGHTED_SUM = WeightedSum()


class LogSumExp(Op):
    """log(e^x1 + ... + e^xn), computed as m + log(sum e^(xi - m)) with m = max xi, so no exp overflows;
    d/dxi = e^xi / sum e^xj = e^(xi - out): the softmax."""

    name = "logsumexp"

    def forward(self, *xs):
        m = max(xs)
        return m + math.log(math.fsum(math.exp(x - m) for x in xs))

    def forward_array(self, *xs):
        xp = xs[0].__array_namespace__()
        m = reduce(xp.maximum, xs)
        m = xp.where(xp.isfinite(m), m, 0.0)  # all -inf (or an inf): no shift, so inf - inf is not made
        return m + xp.log(sum(xp.exp(x - m) for x in xs))

    def backward(self, g, out, *xs):
        return tuple(g * EXP(x - out) for x in xs)


LOGSUMEXP = LogSumExp()


# ---------------------------------------------------------------------------------- the ops as methods


class Functions:
    """``x.exp()``, ``x.tanh()``, ... for every kind of node (Value, Tensor): each applies one op above. A class
    that inherits these says how it records a one-input op in its ``_unary(op)``."""

    __slots__ = ()

    def _unary(self, op: Op) -> Self:
        raise NotImplementedError

    def exp(self) -> Self:
        return self._unary(EXP)

    def log(self) -> Self:
        return self._unary(LOG)

    def tanh(self) -> Self:
        return self._unary(TANH)

    def sigmoid(self) -> Self:
        return self._unary(SIGMOID)

    def relu(self) -> Self:
        return self._unary(RELU)

    def abs(self) -> Self:
        return self._unary(ABS)

    __abs__ = abs

    def sqrt(self) -> Self:
        return self._unary(SQRT)

    def softplus(self) -> Self:
        return self._unary(SOFTPLUS)

    def sin(self) -> Self:
        return self._unary(SIN)

    def cos(self) -> Self:
        return self._unary(COS)
