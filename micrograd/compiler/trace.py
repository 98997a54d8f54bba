"""Tracing: run a function once on Values and keep the graph it builds, noting what it could not see.

Arguments that are numbers (or nested lists/tuples of numbers) become fresh input leaves; Value arguments are
inputs that stay live (their ``.data`` is read, and their ``.grad`` filled, at every call). While the function
runs, Value creation is watched, so that afterwards every leaf of the graph is known to be one of:

- an *input* (from the arguments),
- a *constant* (a Value the function made while running: ``2 * x`` makes one for the 2), or
- a *parameter* (a Value that existed before the call: reached by closure, a model's weights).

Comparing Values or turning one into a float while tracing means Python took a branch on a value: that is
recorded, so the caller can warn that the compiled program may not hold for other data.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from micrograd.engine import Value

Structure = Any  # a nested description of the arguments, hashable: the cache key


def flatten(args: tuple, kwargs: dict, static: frozenset[int]) -> tuple[Structure, list[Any]]:
    """One walk over the arguments: their structure (the cache key) and their numbers and Values, in order.

    In the structure numbers and Values are placeholders, lists/tuples nest, and anything else (and arguments
    listed as static) stands as its own value, which must then be hashable.
    """
    leaves: list[Any] = []
    key = (
        tuple(_setting(a) if i in static else _walk(a, leaves) for i, a in enumerate(args)),
        tuple((k, _walk(kwargs[k], leaves)) for k in sorted(kwargs)),
    )
    return key, leaves


def _walk(a: Any, leaves: list[Any]) -> Structure:
    """``flatten`` for one argument. Module level, not nested: a nested function that calls itself is a reference
    cycle, which would keep the call's Values alive until the cycle collector runs."""
    if isinstance(a, Value):
        leaves.append(a)
        return "V"
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        leaves.append(a)
        return "n"
    if isinstance(a, (list, tuple)):
        return (type(a).__name__, tuple(_walk(x, leaves) for x in a))
    return _setting(a)


def _setting(a: Any) -> Structure:
    try:
        hash(a)
    except TypeError as err:
        raise TypeError(
            f"micrograd.compile: an argument of type {type(a).__name__} is neither numbers nor Values nor "
            "hashable; pass numbers, Values or (nested) lists/tuples of them, or mark it static"
        ) from err
    return ("static", a)


def rebuild(args: Any, leaves: list[Value], static: frozenset[int], position: int = -1) -> Any:
    """The arguments with every number and Value replaced by the next input leaf."""
    if position in static:
        return args
    if isinstance(args, Value) or (isinstance(args, (int, float)) and not isinstance(args, bool)):
        return leaves.pop(0)
    if isinstance(args, (list, tuple)):
        return type(args)(rebuild(a, leaves, static) for a in args)
    return args


@dataclass
class Trace:
    outputs: Any  # what the function returned, with Values in it
    inputs: list[Value]  # the input leaves, one per argument number or Value
    created: set[Value] = field(default_factory=set)  # Values made while the function ran
    branches: list[str] = field(default_factory=list)  # where Python looked at a Value's number


def _where() -> str:
    """The first stack frame outside micrograd: where the user's code looked at a value."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if "/micrograd/" not in frame.filename.replace("\\", "/"):
            return f"{frame.filename}:{frame.lineno}: {(frame.line or '').strip()}"
    return "?"


def run(fn: Callable[..., Any], args: tuple, kwargs: dict, static: frozenset[int], flat: list[Any]) -> Trace:
    """Call ``fn`` on input leaves standing for its arguments' numbers and Values (``flat``, from ``flatten``)
    and keep what it builds."""
    inputs = [Value(leaf.data if isinstance(leaf, Value) else leaf) for leaf in flat]
    pending = list(inputs)
    traced_args = tuple(rebuild(a, pending, static, i) for i, a in enumerate(args))
    traced_kwargs = {k: rebuild(kwargs[k], pending, frozenset()) for k in sorted(kwargs)}

    trace = Trace(outputs=None, inputs=inputs)
    created, branches = trace.created, trace.branches
    original = {
        name: getattr(Value, name) for name in ("__init__", "__lt__", "__le__", "__gt__", "__ge__", "__float__")
    }

    def watched_init(self: Value, *a: Any, **k: Any) -> None:
        original["__init__"](self, *a, **k)
        created.add(self)

    def looking(name: str) -> Callable[..., Any]:
        def look(self: Value, *a: Any) -> Any:
            branches.append(f"{_where()}  (Value.{name})")
            return original[name](self, *a)

        return look

    Value.__init__ = watched_init  # type: ignore[method-assign]
    for name in ("__lt__", "__le__", "__gt__", "__ge__", "__float__"):
        setattr(Value, name, looking(name))
    try:
        trace.outputs = fn(*traced_args, **traced_kwargs)
    finally:
        for name, method in original.items():
            setattr(Value, name, method)
    return trace
