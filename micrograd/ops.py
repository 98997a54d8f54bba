"""Every op once: its forward on numbers and its local derivative, side by side.

An op's ``backward(g, out, *xs)`` returns one gradient per input: the chain rule's ``g * d(out)/d(x_i)``,
where ``g`` is the gradient arriving at the op's output ``out``. Each rule is written in plain arithmetic
(and in other ops), so the same line runs on floats, during an ordinary backward pass, and on Values, when
``micrograd.grad(..., create_graph=True)`` differentiates a derivative again.

To add your own op, subclass :class:`Op` (see the README, "Custom ops").
"""

from __future__ import annotations

import math
from typing import Any


class Op:
    """An operation on scalars: ``forward`` computes the value, ``backward`` its local derivative.

    Subclass it and set ``name`` (shown as the node's ``_op`` and in drawings), ``forward(self, *xs)``
    (floats in, a float out) and ``backward(self, g, out, *xs)`` (a tuple with one gradient per input).
    Calling the op on numbers gives a float; calling it on Values gives a Value that takes part in
    ``backward()``, ``micrograd.grad`` and ``draw_dot`` like any built-in op.
    """

    name: str = "op"
    #: Built-in ops say how many inputs they take (1, 2, or 0 for "any"), so the backward pass can take a
    #: fast path for them. Custom ops go through a path that checks what backward returns, whatever they say.
    arity: int | None = None
    _trusted_arity: int | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._trusted_arity = cls.__dict__.get("arity", cls._trusted_arity) if cls.__module__ == __name__ else None

    def forward(self, *xs: float) -> float:
        raise NotImplementedError(f"op {self.name!r} has no forward()")

    def backward(self, g: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
        raise NotImplementedError(f"op {self.name!r} has no backward()")

    def __call__(self, *args: Any) -> Any:
        """Apply the op: to plain numbers it is just the function, to Values (or Tensors) it records a node."""
        numbers_only = True
        for a in args:
            kind = type(a)
            if kind is not float and kind is not int:
                engine = ENGINES.get(kind)
                if engine is not None:
                    return engine(self, *args)
                numbers_only = False
        if numbers_only:
            return self.forward(*args)
        from micrograd.engine import apply  # engine imports this module, so import on use

        return apply(self, *args)

    def __repr__(self) -> str:
        return f"<op {self.name}>"


#: Other engines plug in here: the type of an operand -> the function that applies an op to such operands.
#: ``micrograd.tensor`` registers its Tensor (record a node) and NumPy's ndarray (compute elementwise), so the
#: rules below run unchanged on arrays. The scalar engine needs no entry.
ENGINES: dict[type, Any] = {}

#: ``where`` for arrays, set by ``micrograd.tensor`` (plain numbers need no library).
ARRAY_WHERE: Any = None


def num(v: Any) -> Any:
    """The number inside a Value (the array inside a Tensor; a number or array itself): what rules branch on."""
    data = getattr(v, "data", v)
    return v if isinstance(data, memoryview) else data  # an ndarray's .data is its raw buffer: keep the array


def where(cond: Any, a: Any, b: Any) -> Any:
    """``a`` where ``cond`` holds, else ``b``: an if/else on numbers, elementwise on arrays and Tensors.

    ``a`` and ``b`` may be functions of no arguments, so that on numbers only the branch taken is computed.
    """
    if isinstance(cond, bool) or not getattr(cond, "shape", ()):
        chosen = a if cond else b
        return chosen() if callable(chosen) else chosen
    return ARRAY_WHERE(cond, a() if callable(a) else a, b() if callable(b) else b)


def power(x: float, n: float) -> float:
    """x ** n for floats, refusing what would be complex (Python would quietly return a complex)."""
    if x < 0 and math.isfinite(x) and math.isfinite(n) and not float(n).is_integer():  # (-inf) ** n is real
        raise ValueError("a negative base needs an integer exponent (the result would be complex)")
    return float(x**n)  # raises ZeroDivisionError for 0 ** negative, OverflowError on overflow


def _shown(c: float) -> str:
    """A constant as an op's name shows it: 2 rather than 2.0, as the lecture's ``**2``."""
    return str(int(c)) if float(c).is_integer() and abs(c) < 1e16 else repr(c)


# ---------------------------------------------------------------------------------------- arithmetic


class Add(Op):
    """x + y;  d/dx = 1, d/dy = 1: addition routes the gradient unchanged to both inputs."""

    name, arity = "+", 2

    def forward(self, x, y):
        return x + y

    def backward(self, g, out, x, y):
        return g, g


class Sub(Op):
    """x - y;  d/dx = 1, d/dy = -1."""

    name, arity = "-", 2

    def forward(self, x, y):
        return x - y

    def backward(self, g, out, x, y):
        return g, -g


class Mul(Op):
    """x * y;  d/dx = y, d/dy = x: each input gets the other's value times the gradient."""

    name, arity = "*", 2

    def forward(self, x, y):
        return x * y

    def backward(self, g, out, x, y):
        return g * y, g * x


class Div(Op):
    """x / y;  d/dx = 1/y, d/dy = -x/y^2 = -(out/y) (out/y first, as PyTorch: it does not overflow before g
    scales it)."""

    name, arity = "/", 2

    def forward(self, x, y):
        return x / y

    def backward(self, g, out, x, y):
        return g / y, -g * (out / y)


class Neg(Op):
    """-x;  d/dx = -1."""

    name, arity = "neg", 1

    def forward(self, x):
        return -x

    def backward(self, g, out, x):
        return (-g,)


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

    arity = 1

    def __init__(self, n: float):
        self.n = n
        self.name = f"**{_shown(n)}"

    def forward(self, x):
        return power(x, self.n)

    def backward(self, g, out, x):
        n = self.n
        # n * x^(n-1) first, then g (as PyTorch): when it is 0 (x^(n-1) underflows), a second derivative is
        # g * 0, not (g * n) * 0 = inf * 0 = NaN when g * n overflows. At n == 0: 0 selected, not g * 0.
        return (g * (n * x ** (n - 1)) if n != 0 else 0.0,)


class ConstPow(Op):
    """c ** x for a constant base c;  d/dx = c^x * log(c) = out * log(c)."""

    arity = 1

    def __init__(self, c: float):
        self.c = c
        self.name = f"{_shown(c)}**"

    def forward(self, x):
        return power(self.c, x)

    def backward(self, g, out, x):
        return (d_exponent(g, out, self.c, x),)


class Pow(Op):
    """x ** y with both Values;  d/dx = y * x^(y-1) (0 when y == 0, selected),  d/dy = x^y * log(x)."""

    name, arity = "**", 2

    def forward(self, x, y):
        return power(x, y)

    def backward(self, g, out, x, y):
        # y * x^(y-1) first, then g, as PowConst; at y == 0, 0 selected, not g * 0 (NaN for g = inf)
        dx = where(num(y) != 0, lambda: g * (y * x ** (y - 1)), 0.0)
        return dx, d_exponent(g, out, x, y)


# --------------------------------------------------------------------------------- functions of one x


class Exp(Op):
    """e^x;  d/dx e^x = e^x = out."""

    name, arity = "exp", 1

    def forward(self, x):
        return math.exp(x)  # OverflowError past x ~ 709.78

    def backward(self, g, out, x):
        return (g * out,)


class Log(Op):
    """natural log(x), x > 0;  d/dx log(x) = 1/x."""

    name, arity = "log", 1

    def forward(self, x):
        if x <= 0:
            raise ValueError("log needs x > 0")
        return math.log(x)  # log(NaN) is NaN

    def backward(self, g, out, x):
        return (g / x,)


class Tanh(Op):
    """tanh(x) = (e^2x - 1)/(e^2x + 1);  d/dx tanh(x) = 1 - tanh(x)^2 = 1 - out^2."""

    name, arity = "tanh", 1

    def forward(self, x):
        return math.tanh(x)  # stable for any x: no exp of a large number

    def backward(self, g, out, x):
        return (g * (1 - out * out),)


class Sigmoid(Op):
    """sigmoid(x) = 1/(1 + e^-x);  d/dx sigmoid(x) = out * (1 - out)."""

    name, arity = "sigmoid", 1

    def forward(self, x):
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)  # for x < 0 write it as e^x / (1 + e^x): never exp of a large number
        return e / (1.0 + e)

    def backward(self, g, out, x):
        return (g * out * (1 - out),)


class ReLU(Op):
    """relu(x) = max(0, x);  d/dx relu(x) = 0 if x <= 0 else 1  (0 at x == 0; a NaN passes through, as PyTorch)."""

    name, arity = "ReLU", 1

    def forward(self, x):
        return 0.0 if x <= 0 else x  # NaN <= 0 is False, so a NaN stays a NaN

    def backward(self, g, out, x):
        return (where(num(x) <= 0, 0.0, g),)  # select, not multiply: an infinite g times 0 would be NaN


class Abs(Op):
    """|x|;  d/dx |x| = sign(x)  (0 at x == 0, as PyTorch)."""

    name, arity = "abs", 1

    def forward(self, x):
        return abs(x)

    def backward(self, g, out, x):
        return (g * ((x > 0) * 1.0 - (x < 0) * 1.0),)


class Sqrt(Op):
    """sqrt(x), x >= 0;  d/dx sqrt(x) = 1 / (2 sqrt(x)) = 1 / (2 out)  (infinite at 0: an error)."""

    name, arity = "sqrt", 1

    def forward(self, x):
        if x < 0:
            raise ValueError("sqrt needs x >= 0")
        return math.sqrt(x)

    def backward(self, g, out, x):
        return (g / (2 * out),)


class Softplus(Op):
    """softplus(x) = log(1 + e^x);  d/dx softplus(x) = sigmoid(x)."""

    name, arity = "softplus", 1

    def forward(self, x):
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))  # stable: exp of a non-positive number

    def backward(self, g, out, x):
        return (g * SIGMOID(x),)


class Sin(Op):
    """sin(x);  d/dx sin(x) = cos(x)."""

    name, arity = "sin", 1

    def forward(self, x):
        return math.sin(x)

    def backward(self, g, out, x):
        return (g * COS(x),)


class Cos(Op):
    """cos(x);  d/dx cos(x) = -sin(x)."""

    name, arity = "cos", 1

    def forward(self, x):
        return math.cos(x)

    def backward(self, g, out, x):
        return (-g * SIN(x),)


class WeightedSum(Op):
    """b + w1*x1 + ... + wn*xn, a neuron's pre-activation, as one node (inputs: b, w1..wn, x1..xn);
    d/db = 1,  d/dwi = xi,  d/dxi = wi: the lecture's chain of + and * nodes, collapsed into one.

    The sum runs in the same order as that chain, so the numbers are identical to the last bit.
    """

    name, arity = "wx+b", 0  # 0: any number of inputs, and the backward pass may trust the rule

    def forward(self, b, *wx):
        n = len(wx) // 2
        acc = b
        for w, x in zip(wx[:n], wx[n:]):
            acc = acc + w * x
        return acc

    def backward(self, g, out, b, *wx):
        n = len(wx) // 2
        return (g, *[g * x for x in wx[n:]], *[g * w for w in wx[:n]])


class LogSumExp(Op):
    """log(e^x1 + ... + e^xn), computed as m + log(sum e^(xi - m)) with m = max xi, so no exp overflows;
    d/dxi = e^xi / sum e^xj = e^(xi - out): the softmax."""

    name, arity = "logsumexp", 0

    def forward(self, *xs):
        m = max(xs)
        return m + math.log(math.fsum(math.exp(x - m) for x in xs))

    def backward(self, g, out, *xs):
        return tuple(g * EXP(x - out) for x in xs)


ADD, SUB, MUL, DIV, NEG, POW = Add(), Sub(), Mul(), Div(), Neg(), Pow()
EXP, LOG, TANH, SIGMOID, RELU = Exp(), Log(), Tanh(), Sigmoid(), ReLU()
ABS, SQRT, SOFTPLUS, SIN, COS = Abs(), Sqrt(), Softplus(), Sin(), Cos()
WEIGHTED_SUM, LOGSUMEXP = WeightedSum(), LogSumExp()
