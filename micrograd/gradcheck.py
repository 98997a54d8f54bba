"""Check backprop against the definition of the derivative: (f(x + h) - f(x - h)) / 2h.

This is what the lecture does by hand before writing any backward: nudge one input a little, see how
much the output moves. ``check_grad`` does it for every input and prints a readable table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from micrograd.autodiff import grad
from micrograd.engine import Value

Function = Callable[..., Value]


def _leaves(xs: Sequence[Any]) -> list[Value]:
    return [Value(x.data if isinstance(x, Value) else x, label=getattr(x, "label", "")) for x in xs]


def numerical_grad(f: Function, xs: Sequence[Any], h: float = 1e-6) -> list[float]:
    """Central-difference estimates of d f / d x_i at ``xs`` (numbers or Values), one per input.

    ``f`` takes one Value per input and returns a Value. The error of the estimate shrinks as h^2.
    """
    point = [x.data if isinstance(x, Value) else float(x) for x in xs]
    slopes = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += h
        down[i] -= h
        slopes.append((f(*map(Value, up)).data - f(*map(Value, down)).data) / (2 * h))
    return slopes


@dataclass(frozen=True)
class GradCheckRow:
    name: str
    backprop: float
    numerical: float
    ok: bool

    @property
    def error(self) -> float:
        return abs(self.backprop - self.numerical)


@dataclass(frozen=True)
class GradCheckReport:
    """One row per input. ``ok`` is True when every row agrees; ``str(report)`` is a table."""

    rows: tuple[GradCheckRow, ...]

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def __str__(self) -> str:
        lines = [f"{'input':<10} {'backprop':>16} {'numerical':>16} {'|difference|':>13}  ok"]
        for r in self.rows:
            verdict = "yes" if r.ok else "NO"
            lines.append(f"{r.name:<10} {r.backprop:>16.9g} {r.numerical:>16.9g} {r.error:>13.3g}  {verdict}")
        lines.append("all gradients agree" if self.ok else "MISMATCH: backprop and the numerical slope disagree")
        return "\n".join(lines)


def check_grad(
    f: Function, xs: Sequence[Any], h: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-6
) -> GradCheckReport:
    """Compare backprop's gradient of ``f`` at ``xs`` with ``numerical_grad``, input by input.

    A row agrees when ``|backprop - numerical| <= atol + rtol * |numerical|``.
    """
    leaves = _leaves(xs)
    exact = [g.data for g in grad(f(*leaves), leaves)]
    approx = numerical_grad(f, xs, h)
    rows = tuple(
        GradCheckRow(leaf.label or f"x{i}", e, a, abs(e - a) <= atol + rtol * abs(a))
        for i, (leaf, e, a) in enumerate(zip(leaves, exact, approx))
    )
    return GradCheckReport(rows)
