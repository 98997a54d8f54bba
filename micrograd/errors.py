"""The one error type for bad arithmetic, and how it describes the values involved."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class DomainError(ValueError, ArithmeticError):
    """An op was asked for a result (or a derivative) that is undefined or too large for a float.

    Raised instead of Python's ZeroDivisionError / OverflowError / "math domain error" and instead of a
    silent complex number, with a message that names the op, the operand values and their labels.
    It subclasses both ValueError and ArithmeticError, so existing ``except`` clauses keep working.
    Raised by a forward op, it also carries ``op`` (the op's name) and ``operands`` (its input Values).
    """

    op: str = ""
    operands: tuple[Any, ...] = ()


def describe(values: Iterable[Any]) -> str:
    """'x=-1.0 (label 'a')' style text for the operands of an op (Values or plain numbers)."""
    parts = []
    for name, v in zip("xyzuvw", values):
        data = getattr(v, "data", v)
        label = getattr(v, "label", "")
        parts.append(f"{name}={data!r}" + (f" (label {label!r})" if label else ""))
    return ", ".join(parts)
