"""``micrograd.compile``: trace a function of Values once, then replay it as array operations on every call.

The call returns Values, as the function does; each is one node (op ``compiled``) whose inputs are the
parameters and Value arguments, and whose backward rule replays the program backward. So ``loss.backward()``
fills parameters' ``.grad`` exactly where the eager engine would, and a compiled result can be mixed with eager
ops (``step(X, y) + reg``). Only first derivatives pass through it.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from micrograd.compiler import trace as tracing
from micrograd.compiler.program import Program
from micrograd.engine import Value
from micrograd.ops import Op


class CompileError(RuntimeError):
    """A compiled program does not reproduce its function (the graph depends on the data)."""


class TraceWarning(UserWarning):
    """Python looked at a Value's number while tracing: the program holds the branch it took then."""


class Replay(Op):
    """The op of a compiled call's result: its backward replays the program backward from this output.

    Where the replay meets NaN or infinity, the call is redone on the eager engine, which gives the IEEE result
    or raises the DomainError it always would.
    """

    def __init__(self, call: Call, output: int):
        self.call, self.output, self.name = call, output, f"compiled {call.compiled.name}"

    def forward(self, *xs: float) -> float:  # not used: the program computed the value
        return float(self.call.vals[self.call.program.outputs[self.output]])

    def backward(self, g: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
        if isinstance(g, Value):
            raise TypeError(f"{self.name}: a compiled function passes first derivatives only (no create_graph)")
        call = self.call
        grads = call.program.backward(call.vals, self.output, float(g))[call.live_slots]
        if np.isfinite(grads).all():
            return tuple(grads.tolist())
        from micrograd.autodiff import grad

        eager = _flatten_values(call.compiled.fn(*call.args, **call.kwargs))[self.output]
        return tuple(g * d.data for d in grad(eager, call.live))


class Call:
    """One replayed call: its numbers, kept for the backward pass (as the eager engine keeps its graph)."""

    def __init__(self, compiled: CompiledFunction, program: Program, vals: np.ndarray, live: list[Value],
                 live_slots: np.ndarray, args: tuple, kwargs: dict):  # fmt: skip
        self.compiled, self.program, self.vals, self.live, self.live_slots = compiled, program, vals, live, live_slots
        self.args, self.kwargs = args, kwargs


class CompiledFunction:
    """What ``micrograd.compile(fn)`` returns: call it as ``fn``; ``.program`` shows the last compiled program."""

    def __init__(self, fn: Callable[..., Any], static: frozenset[int], verify: int):
        self.fn, self.static, self.verify = fn, static, verify
        self.name = getattr(fn, "__name__", "function")
        self.programs: dict[Any, tuple[Program, Any, int]] = {}  # structure -> program, outputs layout, checks left
        self.program: Program | None = None
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key, numbers = tracing.flatten(args, kwargs, self.static)
        if key not in self.programs:
            return self._trace(key, args, kwargs, numbers)
        program, layout, checks = self.programs[key]
        self.program = program
        inputs = np.array([v.data if isinstance(v, Value) else v for v in numbers], dtype=float)
        vals = program.forward(inputs)
        if not np.isfinite(vals).all():
            return self.fn(*args, **kwargs)  # NaN or infinity: the eager engine says what (or raises DomainError)
        used = [(v, s) for v, s in zip(numbers, program.input_slots) if isinstance(v, Value) and s >= 0]
        live = [*program.parameters, *(v for v, _ in used)]
        live_slots = np.concatenate([program.parameter_slots, np.array([s for _, s in used], dtype=np.intp)])
        outputs = self._outputs(layout, Call(self, program, vals, live, live_slots, args, kwargs))
        if checks:
            self.programs[key] = (program, layout, checks - 1)
            self._check(outputs, self.fn(*args, **kwargs))
        return outputs

    # ----------------------------------------------------------------------------------------------
    def _trace(self, key: Any, args: tuple, kwargs: dict, numbers: list[Any]) -> Any:
        trace = tracing.run(self.fn, args, kwargs, self.static, numbers)
        if trace.branches:
            warnings.warn(
                f"micrograd.compile({self.name}): Python looked at the value of a Value while tracing, at "
                f"{trace.branches[0]}"
                + (f" (and {len(trace.branches) - 1} more)" if len(trace.branches) > 1 else "")
                + ". The compiled program keeps the branches taken for this call's numbers; if they can differ "
                "for other inputs, compute them outside the compiled function.",
                TraceWarning,
                stacklevel=3,
            )
        roots: list[Value] = []
        layout = _layout(trace.outputs, roots)
        program = Program(self.name, roots, trace.inputs, trace.created)
        self.programs[key] = (program, layout, self.verify)
        self.program = program
        return trace.outputs  # the traced call's own Values: an ordinary eager graph, correct as it is

    def _outputs(self, layout: Any, call: Call) -> Any:
        return _build(layout, call, tuple(call.live))  # every output depends on the parameters and Value arguments

    def _check(self, outputs: Any, eager: Any) -> None:
        got, want = _flatten(outputs), _flatten(eager)
        ok = len(got) == len(want) and all(
            math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
            for a, b in zip(got, want)
        )
        if not ok:
            raise CompileError(
                f"micrograd.compile({self.name}): the compiled program gave {got[:4]}... but the function gives "
                f"{want[:4]}... for these inputs: its graph depends on the data (Python control flow on values, "
                "or numbers read from .data). Compute that part outside the compiled function."
            )


def _build(item: Any, call: Call, inputs: tuple[Value, ...]) -> Any:
    """The returned structure for one call: a Value (op ``compiled``) where the layout has an output index.

    A module-level function, not a closure: a nested function that calls itself is a reference cycle, and would
    keep every call's numbers alive until the cycle collector runs."""
    if isinstance(item, int):
        op = Replay(call, item)
        out = Value(float(call.vals[call.program.outputs[item]]), inputs, op.name)
        out._fn = op
        return out
    if item[0] == "const":
        return item[1]
    kind, parts = item
    return (list if kind == "list" else tuple)(_build(p, call, inputs) for p in parts)


def _layout(outputs: Any, roots: list[Value]) -> Any:
    """Where each output Value goes in the returned structure (an index into ``roots``), numbers kept as they are."""
    if isinstance(outputs, Value):
        roots.append(outputs)
        return len(roots) - 1
    if isinstance(outputs, (list, tuple)):
        return (type(outputs).__name__, tuple(_layout(o, roots) for o in outputs))
    if isinstance(outputs, (int, float)):
        return ("const", outputs)
    raise TypeError(
        f"micrograd.compile: the function must return a Value or a (nested) list/tuple of Values, "
        f"got {type(outputs).__name__}"
    )


def _flatten_values(x: Any) -> list[Value]:
    if isinstance(x, Value):
        return [x]
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _flatten_values(item)]
    return []


def _flatten(x: Any) -> list[float]:
    if isinstance(x, Value):
        return [x.data]
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _flatten(item)]
    return [float(x)]


def compile(fn: Callable[..., Any] | None = None, *, static: tuple[int, ...] = (), verify: int = 1) -> Any:
    """Compile ``fn`` (a function of numbers and Values returning Values): trace it once per argument structure,
    then replay its graph as NumPy array operations on every call.

    - ``static``: positions of arguments that are not numbers to trace but settings; each distinct value
      retraces (use it for class labels that pick which logit a loss uses).
    - ``verify``: for this many replays of each program, also run ``fn`` eagerly and raise ``CompileError`` if
      the results differ (the graph depended on the data). 0 turns the check off.

    Usable as ``step = micrograd.compile(loss_fn)`` or as a decorator, ``@micrograd.compile``.
    """
    if fn is None:
        return lambda f: compile(f, static=static, verify=verify)
    return CompiledFunction(fn, frozenset(static), verify)
