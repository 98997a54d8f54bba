"""The table every oracle test reads: each op of the engine beside its PyTorch float64 counterpart.

``domain`` says where an op is smooth and defined, away from kinks and poles, so random tests compare
derivatives only where both sides are well defined (the edges have their own tests).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from micrograd import Op, Value


@dataclass(frozen=True)
class OpCase:
    name: str
    ours: Callable
    theirs: Callable
    arity: int
    domain: Callable[..., bool] = lambda *xs: True
    #: where the property tests draw each input from (inside the domain where it is narrow, so that few draws
    #: are thrown away): one (low, high) per input; None: -20 to 20 for each
    spans: tuple[tuple[float, float], ...] | None = None


def _away(x: float, points: tuple[float, ...] = (0.0,), margin: float = 1e-3) -> bool:
    return all(abs(x - p) > margin for p in points)


UNARY = [
    OpCase("neg", lambda x: -x, lambda x: -x, 1),
    OpCase("exp", Value.exp, torch.exp, 1, lambda x: x < 50),
    OpCase("log", Value.log, torch.log, 1, lambda x: x > 1e-3),
    OpCase("tanh", Value.tanh, torch.tanh, 1),
    OpCase("sigmoid", Value.sigmoid, torch.sigmoid, 1),
    OpCase("relu", Value.relu, torch.relu, 1, _away),
    OpCase("abs", Value.abs, torch.abs, 1, _away),
    OpCase("sqrt", Value.sqrt, torch.sqrt, 1, lambda x: x > 1e-3),
    OpCase("softplus", Value.softplus, torch.nn.functional.softplus, 1),
    OpCase("sin", Value.sin, torch.sin, 1),
    OpCase("cos", Value.cos, torch.cos, 1),
    OpCase("square", lambda x: x**2, lambda x: x**2, 1),
    OpCase("cube", lambda x: x**3, lambda x: x**3, 1),
    OpCase("inverse", lambda x: x**-1, lambda x: x**-1, 1, _away),
    OpCase("pow 0.5", lambda x: x**0.5, lambda x: x**0.5, 1, lambda x: x > 1e-3),
    OpCase("pow 2.5", lambda x: x**2.5, lambda x: x**2.5, 1, lambda x: 1e-3 < x < 1e3),
    OpCase("pow 0", lambda x: x**0, lambda x: x**0, 1),
    OpCase("2 ** x", lambda x: 2**x, lambda x: 2**x, 1, lambda x: x < 100),
    OpCase("0.5 ** x", lambda x: 0.5**x, lambda x: 0.5**x, 1, lambda x: x > -100),
    OpCase("number + x", lambda x: 3.5 + x, lambda x: 3.5 + x, 1),
    OpCase("number - x", lambda x: 3.5 - x, lambda x: 3.5 - x, 1),
    OpCase("number * x", lambda x: 3.5 * x, lambda x: 3.5 * x, 1),
    OpCase("number / x", lambda x: 3.5 / x, lambda x: 3.5 / x, 1, _away),
    OpCase("x - number", lambda x: x - 3.5, lambda x: x - 3.5, 1),
    OpCase("x / number", lambda x: x / 3.5, lambda x: x / 3.5, 1),
]

BINARY = [
    OpCase("add", lambda x, y: x + y, lambda x, y: x + y, 2),
    OpCase("sub", lambda x, y: x - y, lambda x, y: x - y, 2),
    OpCase("mul", lambda x, y: x * y, lambda x, y: x * y, 2),
    OpCase("div", lambda x, y: x / y, lambda x, y: x / y, 2, lambda x, y: _away(y, margin=1e-2)),
    OpCase(
        "pow",
        lambda x, y: x**y,
        lambda x, y: x**y,
        2,
        lambda x, y: 1e-2 < x < 1e2 and abs(y) < 10,
        spans=((1e-2, 20.0), (-10.0, 10.0)),
    ),
]

ALL = UNARY + BINARY


def close(ours: float, theirs: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    """Agreement to `rel` relative (with a tiny absolute floor for results at zero); NaN equals NaN."""
    if math.isnan(theirs):
        return math.isnan(ours)
    return math.isclose(ours, theirs, rel_tol=rel, abs_tol=abs_)


def torch_leaves(values: list[float]) -> list[torch.Tensor]:
    return [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]


class Cube(Op):
    """x^3 as a custom op, written with arithmetic only: the same class runs on numbers, Values and arrays."""

    name = "cube"

    def forward(self, x):
        return x * x * x

    def backward(self, g, out, x):
        return (3 * x * x * g,)
