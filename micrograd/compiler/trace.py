"""Tracing: run a function once on Values and keep the graph it builds, and everything it looked at.

Arguments that are numbers (or nested lists/tuples of numbers) become fresh input leaves, and so do Value
arguments: each gets a stand-in leaf holding its number (one stand-in for a Value passed twice). While the
function runs, Value creation is watched, so that afterwards every leaf of the graph is known to be one of:

- an *input* (a stand-in for an argument),
- a *constant* (a Value the function made while running: ``2 * x`` makes one for the 2), or
- an *external* (a Value that existed before the call: a model's weights reached by closure, or a node made
  earlier, such as ``c = a * b``, which the program reads as a number, ``c.data``, and does not recompute).

Python may look at a Value's number while the function runs. That is recorded, as a ``Look``:

- a comparison (``x > 0``, ``max(a, b)``): the program may replay only calls where it comes out the same;
- a number read (``x.data``, ``float(x)``, ``repr(x)`` and so ``print(x)``): the program may replay only calls
  where that number is the same.

So the program is used exactly where the function would build the same graph. Reading or writing ``.grad``
(``backward()`` inside the function) and writing ``.data`` are side effects a replay would not repeat: tracing
refuses them with a ``CompileError``.
"""

from __future__ import annotations

import functools
import numbers
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from micrograd import engine
from micrograd.engine import Value

Structure = Any  # a nested description of the arguments, hashable: the cache key


class CompileError(RuntimeError):
    """``micrograd.compile`` cannot replay this function: it does something a recorded graph cannot repeat."""


class TraceWarning(UserWarning):
    """Python looked at a Value's number while tracing: the program is only replayed where that look agrees."""


# ------------------------------------------------------------------------------------------------ arguments
def is_number(a: Any) -> bool:
    """A real number that becomes an input (bools are settings, as in ``static``)."""
    kind = type(a)
    if kind is float or kind is int:
        return True
    return isinstance(a, numbers.Real) and not isinstance(a, (bool, Value))


def flatten(args: tuple, kwargs: dict, static: frozenset[int]) -> tuple[Structure, list[Any]]:
    """One walk over the arguments: their structure (the cache key) and their numbers and Values, in order.

    In the structure numbers and Values are placeholders, lists/tuples nest, and anything else (and arguments
    listed as static) stands as its own value, which must then be hashable. A Value met a second time is not a
    new leaf: the structure says which earlier one it is, so ``f(a, a)`` and ``f(a, b)`` are traced apart.
    """
    leaves: list[Any] = []
    seen: dict[int, int] = {}
    key = (
        tuple(_setting(a) if i in static else _walk(a, leaves, seen) for i, a in enumerate(args)),
        tuple((k, _walk(kwargs[k], leaves, seen)) for k in sorted(kwargs)),
    )
    return key, leaves


_PLAIN = frozenset((float, int))  # by exact type: a bool is a setting, a subclass goes the long way


@functools.lru_cache(maxsize=256)
def _numbers_key(n: int) -> tuple[str, ...]:
    """The structure of n numbers in a row, as ``_walk`` gives it number by number."""
    return ("n",) * n


def _walk(a: Any, leaves: list[Any], seen: dict[int, int]) -> Structure:
    """``flatten`` for one argument. Module level, not nested: a nested function that calls itself is a reference
    cycle, which would keep the call's Values alive until the cycle collector runs."""
    kind = type(a)
    if kind is float or kind is int:  # the common case first: this runs for every number of every call
        leaves.append(a)
        return "n"
    if kind is list or kind is tuple or isinstance(a, (list, tuple)):
        if _PLAIN.issuperset(map(type, a)):  # a row of numbers (the common case): no walk per number
            leaves.extend(a)
            return (kind.__name__, _numbers_key(len(a)))
        return (kind.__name__, tuple([_walk(x, leaves, seen) for x in a]))
    if isinstance(a, Value):
        if id(a) in seen:
            return ("same", seen[id(a)])
        seen[id(a)] = len(leaves)
        leaves.append(a)
        return "V"
    if is_number(a):
        leaves.append(a)
        return "n"
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


def rebuild(a: Any, leaves: list[Value], by_id: dict[int, Value], position: int, static: frozenset[int]) -> Any:
    """An argument with every number and Value replaced by the next of ``leaves`` (consumed from the end, so
    pass them reversed); a Value met again gets the leaf it got the first time."""
    if position in static:
        return a
    if isinstance(a, Value):
        if id(a) not in by_id:
            by_id[id(a)] = leaves.pop()
        return by_id[id(a)]
    if is_number(a):
        return leaves.pop()
    if isinstance(a, (list, tuple)):
        return type(a)(rebuild(x, leaves, by_id, -1, static) for x in a)
    return a


def substitute(args: tuple, kwargs: dict, static: frozenset[int], leaves: list[Value]) -> tuple[tuple, dict]:
    """``args`` and ``kwargs`` with their numbers and Values replaced by ``leaves``, one per flattened leaf."""
    pending, by_id = list(reversed(leaves)), {}
    new_args = tuple(rebuild(a, pending, by_id, i, static) for i, a in enumerate(args))
    new_kwargs = {k: rebuild(kwargs[k], pending, by_id, -1, frozenset()) for k in sorted(kwargs)}
    return new_args, new_kwargs


# ------------------------------------------------------------------------------------------------- tracing
@dataclass
class Look:
    """Python looked at ``value``'s number: compared it (``kind`` is the operator, ``other`` a Value or a number,
    ``outcome`` the bool), or read it (``kind`` is "read", ``outcome`` the number)."""

    kind: str
    value: Value
    other: Any
    outcome: Any
    where: str  # file:line of the code that looked (for the first look only: finding it takes time)


@dataclass
class Trace:
    outputs: Any  # what the function returned, with Values in it
    inputs: list[Value]  # the stand-in leaves, one per flattened argument leaf
    created: list[Value] = field(default_factory=list)  # Values made while the function ran, in order
    looks: list[Look] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # side effects a replay would not repeat (messages)


_active = [0]  # how many traces are running: a compiled function called while tracing traces through


def active() -> bool:
    return _active[0] > 0


def _where() -> str:
    """The first stack frame outside micrograd: where the user's code looked at a value."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if "/micrograd/" not in frame.filename.replace("\\", "/"):
            return f"{frame.filename}:{frame.lineno}: {(frame.line or '').strip()}"
    return "?"


_COMPARISONS = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}


def _refuse(what: str, refused: list[str]) -> CompileError:
    """The error for a side effect, noted also in ``refused`` (the function might catch the error)."""
    refused.append(
        f"micrograd.compile: the function {what} while tracing, at {_where()}. A replay would not repeat that; "
        "do it outside the compiled function (call backward() on what the compiled function returns)."
    )
    return CompileError(refused[-1])


class _Watch:
    """Value's methods and attributes while a function is traced: creation, looks and side effects recorded.

    Installed on the class for the duration of one trace (``with _Watch(trace):``) and removed after, so eager
    code pays nothing. ``.data`` and ``.grad`` become properties over the slots they replace."""

    def __init__(self, trace: Trace):
        self.trace = trace
        names = ("__init__", "__float__", "__repr__", "data", "grad", *_COMPARISONS)
        self.saved = {name: Value.__dict__[name] for name in names}

    def __enter__(self) -> None:
        created, looks, refused, saved = self.trace.created, self.trace.looks, self.trace.refused, self.saved
        init, as_float, show = saved["__init__"], saved["__float__"], saved["__repr__"]
        get_data, set_data = saved["data"].__get__, saved["data"].__set__
        get_grad, set_grad = saved["grad"].__get__, saved["grad"].__set__
        engine_code, frame = vars(engine), sys._getframe  # the engine's own reads and writes are not looks

        def watched_init(self: Value, *a: Any, **k: Any) -> None:
            init(self, *a, **k)
            created.append(self)

        def read_data(self: Value) -> float:
            if frame(1).f_globals is engine_code:
                return get_data(self)
            number = get_data(self)
            looks.append(Look("read", self, None, number, "" if looks else _where()))
            return number

        def write_data(self: Value, number: float) -> None:
            if frame(1).f_globals is not engine_code:
                raise _refuse("wrote a Value's .data", refused)
            set_data(self, number)

        def read_grad(self: Value) -> float:
            if frame(1).f_globals is not engine_code:
                raise _refuse("read a Value's .grad", refused)
            return get_grad(self)

        def write_grad(self: Value, number: float) -> None:
            if frame(1).f_globals is not engine_code:
                raise _refuse("wrote a Value's .grad (backward() inside the function?)", refused)
            set_grad(self, number)

        def watched_float(self: Value) -> float:
            number = as_float(self)
            looks.append(Look("read", self, None, number, "" if looks else _where()))
            return number

        def watched_repr(self: Value) -> str:  # print(x), f"{x}": the number reaches Python as text
            looks.append(Look("read", self, None, get_data(self), "" if looks else _where()))
            return show(self)

        Value.__init__ = watched_init  # type: ignore[method-assign]
        Value.__float__ = watched_float  # type: ignore[method-assign]
        Value.__repr__ = watched_repr  # type: ignore[method-assign]
        Value.data = property(read_data, write_data)  # type: ignore[assignment]
        Value.grad = property(read_grad, write_grad)  # type: ignore[assignment]
        for name, symbol in _COMPARISONS.items():
            setattr(Value, name, _comparison(saved[name], symbol, looks))

    def __exit__(self, *exc: Any) -> None:
        for name, attribute in self.saved.items():
            setattr(Value, name, attribute)


def _comparison(original: Callable[..., Any], symbol: str, looks: list[Look]) -> Callable[..., Any]:
    def compare(self: Value, other: Any) -> Any:
        outcome = original(self, other)
        if outcome is not NotImplemented:
            looks.append(Look(symbol, self, other, outcome, "" if looks else _where()))
        return outcome

    return compare


def run(fn: Callable[..., Any], args: tuple, kwargs: dict, static: frozenset[int], flat: list[Any]) -> Trace:
    """Call ``fn`` on stand-in leaves for its arguments' numbers and Values (``flat``, from ``flatten``) and keep
    what it builds and looks at. Whatever ``fn`` raises is raised (it ran on Values: the eager engine's errors)."""
    inputs = []
    for leaf in flat:
        stand_in = Value(leaf.data if isinstance(leaf, Value) else leaf)
        if isinstance(leaf, Value):
            stand_in.label = leaf.label  # error messages name it as they would name the argument
        inputs.append(stand_in)
    traced_args, traced_kwargs = substitute(args, kwargs, static, inputs)
    trace = Trace(outputs=None, inputs=inputs)
    _active[0] += 1
    try:
        with _Watch(trace):
            trace.outputs = fn(*traced_args, **traced_kwargs)
    finally:
        _active[0] -= 1
    if trace.refused:
        raise CompileError(trace.refused[0])
    return trace
