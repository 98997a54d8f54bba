"""``micrograd.compile``: trace a function of Values once, then replay it as array operations on every call.

A call returns what the function returns. On a replay, each returned Value is one node (op ``compiled <name>``)
whose input is the call's node (op ``call <name>``), whose inputs are the parameters and Value arguments the
outputs depend on. ``backward()`` through any of the outputs reaches the call's node last, which replays the
program backward once, from every output the pass went through: ``loss.backward()`` fills the parameters'
``.grad`` as the eager engine would, and a compiled result mixes with eager ops (``step(X, y) + reg``). An input
that is itself a node (not a leaf) is reached through a relay of its own, from the outputs that depend on it
only, so that backward goes on into its graph where the eager engine's would. Only first derivatives pass.

The rule everywhere: a replay gives the eager engine's numbers (values to the bit), or the call is handed to the
eager engine. The first call of each argument structure is traced: it runs ``fn`` on Values, so its result *is*
the eager one. A later call runs the program, and falls back to running ``fn`` on Values where the replay meets
NaN, infinity or an error; where Python looked at a value while tracing and would now look differently, the call
is traced again. Backward falls back to the eager engine the same way (``Program.eager_gradients``).
"""

from __future__ import annotations

import functools
import gc
import warnings
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from micrograd.compiler import tensors, training
from micrograd.compiler import trace as tracing
from micrograd.compiler.program import Program
from micrograd.compiler.trace import CompileError, Structure, TraceWarning, is_number
from micrograd.engine import Value
from micrograd.ops import Op

__all__ = ["CompileError", "CompiledFunction", "TraceWarning", "compile"]

#: Programs kept per argument structure (one per pattern of branches taken); past this the calls run eagerly.
MAX_PROGRAMS = 16


class Output(Op):
    """The op of one returned Value. Backward notes the gradient arriving here, and passes 1 to each of its inputs
    (the call's node, and a relay for each input that is itself a node): their ``grad`` counts the outputs this
    backward pass went through."""

    def __init__(self, call: Call, index: int, name: str):
        self.call, self.index, self.name = call, index, name

    def backward(self, g: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        if isinstance(g, Value):
            raise TypeError(f"{self.name}: a compiled function passes first derivatives only (no create_graph)")
        self.call.seeds.append((self.index, g))
        return (1.0,) * len(inputs)


class CallNode(Op):
    """The op of a call's node, whose inputs are the parameters and Value arguments that are leaves. Backward
    reaches it after every output it went through, and replays the program backward once from all of them (as
    the eager engine sums what arrives at a node before passing it on)."""

    def __init__(self, call: Call, slots: list[list[int]], name: str):
        self.call, self.slots, self.name = call, slots, name  # the program's slots of each input

    def backward(self, g: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        if isinstance(g, Value):
            raise TypeError(f"{self.name}: a compiled function passes first derivatives only (no create_graph)")
        grads = self.call.gradients(self.call.latest(int(g)))
        if not self.call.same:  # every input in one slot (the common case): no sums
            return tuple(map(grads.__getitem__, [slots[0] for slots in self.slots]))
        return tuple(_total(grads, slots) for slots in self.slots)


class OneCall(Op):
    """The op of a call's one returned Value when every input is a leaf (a model's parameters, Value arguments):
    its inputs are those leaves, and its backward replays the program backward from that output's gradient (the
    ``Output`` and ``CallNode`` of the general case in one node, so ``backward()`` has no graph to walk)."""

    def __init__(self, call: Call, slots: list[list[int]], name: str):
        self.call, self.slots, self.name = call, slots, name

    def backward(self, g: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        if isinstance(g, Value):
            raise TypeError(f"{self.name}: a compiled function passes first derivatives only (no create_graph)")
        grads = self.call.gradients({0: g})
        if not self.call.same:
            return tuple(map(grads.__getitem__, [slots[0] for slots in self.slots]))
        return tuple(_total(grads, slots) for slots in self.slots)


class Relay(Op):
    """The op of the node between a call's outputs and one input that is itself a node (a Value argument computed
    eagerly, ``c = a * b`` made before the call). Only the outputs that depend on that input lead to it, so a
    backward pass goes on into the input's own graph exactly where the eager engine's would."""

    def __init__(self, call: Call, slots: list[int], users: tuple[int, ...], name: str):
        self.call, self.slots, self.users, self.name = call, slots, users, name

    def backward(self, g: Any, out: Any, node: Any) -> tuple[Any, ...]:
        if isinstance(g, Value):
            raise TypeError(f"{self.name}: a compiled function passes first derivatives only (no create_graph)")
        return (_total(self.call.gradients(self.call.latest(int(g), self.users)), self.slots),)


Wiring = tuple[tuple[Value, ...], list[list[int]], list[tuple[Value, list[int], tuple[int, ...]]], dict[int, int]]


def _wiring(program: Program, flat: list[Any]) -> Wiring:
    """How a replayed call's nodes connect to the Values it read: the leaves (parameters and Value arguments) and
    the slots of each, the inputs that are nodes with their slots and the outputs that depend on them, and the
    slots that hold the same Value as an earlier slot (an argument also reached by closure) -> that slot."""
    live = [*program.live_parameters, *(flat[i] for i in program.live_inputs)]
    slots_of: dict[int, tuple[Value, list[int]]] = {}
    for v, s in zip(live, program.live_slots.tolist()):
        slots_of.setdefault(id(v), (v, []))[1].append(s)
    same = {s: slots[0] for _, slots in slots_of.values() for s in slots[1:]}
    leaves = [(v, slots) for v, slots in slots_of.values() if v._maker is None]
    nodes = [
        (v, slots, tuple(sorted({k for s in slots for k in program.users(s)})))
        for v, slots in slots_of.values()
        if v._maker is not None
    ]
    return tuple(v for v, _ in leaves), [slots for _, slots in leaves], nodes, same


def _total(grads: dict[int, float], slots: list[int]) -> float:
    """The gradient of a Value that is in several slots (an argument also reached by closure): their sum."""
    total = grads[slots[0]]
    for s in slots[1:]:
        total += grads[s]
    return total


class Call:
    """One replayed call: its numbers, kept for the backward pass (as the eager engine keeps its graph), the
    gradients its outputs noted, and the last gradients computed from them."""

    __slots__ = ("computed", "program", "same", "seeds", "stats", "vals")

    def __init__(self, program: Program, vals: np.ndarray, stats: Counter, same: dict[int, int]):
        self.program, self.vals, self.stats = program, vals, stats
        self.same = same  # a slot holding the same Value as an earlier slot -> that slot
        # a backward pass notes each output once, newest last: the pass under way is the newest notes; older ones
        # are left from a pass that raised before it was done
        self.seeds: deque[tuple[int, float]] = deque(maxlen=len(program.outputs))
        self.computed: tuple[dict[int, float], dict[int, float]] | None = None  # seeds -> gradient of each slot

    def latest(self, count: int, users: tuple[int, ...] | None = None) -> dict[int, float]:
        """The newest ``count`` gradients noted (of ``users`` only, if given): output index -> gradient, newest
        first."""
        seeds: dict[int, float] = {}
        for k, g in reversed(self.seeds):
            if len(seeds) == count:
                break
            if users is None or k in users:
                seeds[k] = g
        return seeds

    def gradients(self, seeds: dict[int, float]) -> dict[int, float]:
        """Each live slot's gradient from these seeds (reused when the last result was computed from them and
        maybe more outputs, which cannot reach the slots those seeds reach)."""
        if self.computed is not None:
            done, grads = self.computed
            if all(k in done and done[k] == g for k, g in seeds.items()):
                return grads
        program = self.program
        slots = program.live_slots.tolist()
        try:
            found = program.backward(self.vals, seeds)[program.live_slots].tolist()
        except Exception:  # NaN, infinity, numbers near the float limit, a rule that raised: ask the eager engine
            self.stats["eager backward"] += 1
            found = program.eager_gradients(self.vals, seeds, program.live_slots, self.same)
        grads = dict(zip(slots, found))
        self.computed = (seeds, grads)
        return grads


@dataclass
class Variant:
    """One program for an argument structure: the graph traced for one pattern of looks at values."""

    program: Program
    layout: Any  # where each output Value goes in the returned structure
    checks: int  # replays still to check against the eager engine (``verify``)
    wiring: Wiring | None = None  # the calls' links to the parameters, when there are no Value arguments


class CompiledFunction:
    """What ``micrograd.compile(fn)`` returns: call it as ``fn``; ``.program`` shows the last program used.

    ``.programs`` maps each argument structure to its programs; ``.stats`` counts the calls traced, replayed and
    handed to the eager engine (``eager``: forward; ``eager backward``: a replay's gradients)."""

    def __init__(
        self, fn: Callable[..., Any], static: frozenset[int], verify: int, lower: bool = True, optimizer: Any = None
    ):
        self.fn, self.static, self.verify, self.lower = fn, static, verify, lower
        self.name = getattr(fn, "__name__", "function")
        if optimizer is not None:
            training.check_optimizer(optimizer, self.name)
        self.optimizer = optimizer  # each call a whole training step (compiler/training.py), or None
        #: a training step of Tensors (its optimizer's parameters are): a function of Tensors however it is called
        self.trains_tensors = training.trains_tensors(optimizer)
        self.programs: dict[Structure, list[Variant]] = {}
        self.program: Program | tensors.TensorProgram | None = None
        self.stats: Counter = Counter()
        self.tensor_calls = tensors.TensorCalls(self)
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        nested = tensors.active() or tracing.active()  # called while another compiled function traces
        if self.optimizer is not None and nested:
            raise CompileError(
                f"micrograd.compile({self.name}, optimizer=...): a training step was called while another compiled "
                "function traces, whose replays would not repeat its update. Call the training step outside "
                "compiled functions (to use the loss inside one, compile the loss without optimizer=)."
            )
        if self.trains_tensors or tensors.takes_arrays(args, kwargs):  # a function of Tensors (compiler/tensors.py)
            if not nested:
                return self.tensor_calls(args, kwargs, self.optimizer)
            return self.fn(*args, **kwargs)
        out = self._call(args, kwargs)
        return out if self.optimizer is None else training.step(out, self.optimizer, self.name)

    def _call(self, args: tuple, kwargs: dict) -> Any:
        """A call of a function of Values: replayed, traced, or run eagerly."""
        if tracing.active():  # called while another compiled function traces: its graph is part of that trace
            return self.fn(*args, **kwargs)
        key, flat = tracing.flatten(args, kwargs, self.static)
        variants = self.programs.get(key)
        if variants is None:
            return self._trace(key, args, kwargs, flat)
        if not variants:  # too many patterns of branches: this structure runs eagerly
            return self._eager(args, kwargs, flat)
        inputs = _numbers(flat)
        for variant in variants:
            vals, exact = variant.program.forward(inputs)
            if not variant.program.guards.hold(vals):
                continue  # fn would look at a value and see something else: another program, or a new trace
            if not exact:
                return self._eager(args, kwargs, flat)  # NaN, infinity or an error: the eager engine says what
            return self._replay(variant, vals, flat, args, kwargs)
        return self._trace(key, args, kwargs, flat)

    # ----------------------------------------------------------------------------------------------
    def _trace(self, key: Structure, args: tuple, kwargs: dict, flat: list[Any]) -> Any:
        trace = tracing.run(self.fn, args, kwargs, self.static, flat)
        self.stats["traced"] += 1
        roots: list[Value] = []
        layout = _layout(trace.outputs, roots, {})
        collecting = gc.isenabled()
        gc.disable()  # building makes many small objects, no cycles: the collector would walk the whole graph
        try:
            program = Program(self.name, roots, trace, [isinstance(leaf, Value) for leaf in flat], self.lower)
        finally:
            if collecting:
                gc.enable()
        if trace.looks:
            self._warn_looks(trace)
        variants = self.programs.setdefault(key, [])
        if len(variants) < MAX_PROGRAMS:
            variants.append(Variant(program, layout, self.verify))
            self.program = program
        else:
            variants.clear()  # from now on, this structure runs eagerly
            warnings.warn(
                f"micrograd.compile({self.name}): {MAX_PROGRAMS} programs for one argument structure (the function "
                "branches on its values): from now on such calls run on the eager engine.",
                TraceWarning,
                stacklevel=3,
            )
        return _as_called(trace, flat, layout, roots)  # the traced call's own graph: what eager computes

    def _warn_looks(self, trace: tracing.Trace) -> None:
        first, more = trace.looks[0], len(trace.looks) - 1
        warnings.warn(
            f"micrograd.compile({self.name}): Python looked at the value of a Value while tracing, at {first.where}"
            + (f" (and {more} more)" if more else "")
            + ". The program is replayed only for calls where each comparison comes out the same and each number "
            "read is the same; other calls are traced again. Reading numbers (.data, float()) makes most calls "
            "trace: compute such things outside the compiled function.",
            TraceWarning,
            stacklevel=4,
        )

    def _replay(self, variant: Variant, vals: np.ndarray, flat: list[Any], args: tuple, kwargs: dict) -> Any:
        program = self.program = variant.program
        self.stats["replayed"] += 1
        made: list[Value] = []
        if len(program.outputs):
            wiring = variant.wiring  # without Value arguments, the same for every call: made once
            if wiring is None:
                wiring = _wiring(program, flat)
                if not program.live_inputs:
                    variant.wiring = wiring
            leaves, leaf_slots, nodes, same = wiring
            call = Call(program, vals, self.stats, same)
            if len(program.outputs) == 1 and not nodes:  # one output over leaves only: one node
                out = Value(float(vals[int(program.outputs[0])]), leaves, f"compiled {self.name}")
                out._maker = OneCall(call, leaf_slots, out._op)
                made.append(out)
            else:
                made = self._nodes(program, vals, call, wiring)
        outputs = _build(variant.layout, made)
        if variant.checks > 0:
            variant.checks -= 1
            self._check(outputs, self._eager(args, kwargs, flat))
        return outputs

    def _nodes(self, program: Program, vals: np.ndarray, call: Call, wiring: Wiring) -> list[Value]:
        """A call's returned Values in general: each an ``Output`` over the call's node (whose inputs are the
        leaves) and a relay for each input that is itself a node and that the output depends on."""
        leaves, leaf_slots, nodes, _ = wiring
        name = f"call {self.name}"
        node = Value(0.0, leaves, name)
        node._maker = CallNode(call, leaf_slots, name)
        inputs: list[list[Value]] = [[node] for _ in range(len(program.outputs))]
        for v, slots, users in nodes:  # a node: reached only from the outputs that depend on it
            relay = Value(0.0, (v,), name)
            relay._maker = Relay(call, slots, users, name)
            for k in users:
                inputs[k].append(relay)
        name = f"compiled {self.name}"
        made = []
        for k, s in enumerate(program.outputs.tolist()):
            out = Value(float(vals[s]), tuple(inputs[k]), name)
            out._maker = Output(call, k, name)
            made.append(out)
        return made

    def _eager(self, args: tuple, kwargs: dict, flat: list[Any]) -> Any:
        """``fn`` on Values, numbers made Values as a trace would make them: the eager engine's result or error."""
        self.stats["eager"] += 1
        leaves = [leaf if isinstance(leaf, Value) else Value(leaf) for leaf in flat]
        eager_args, eager_kwargs = tracing.substitute(args, kwargs, self.static, leaves)
        return self.fn(*eager_args, **eager_kwargs)

    def _check(self, outputs: Any, eager: Any) -> None:
        got, want = _numbers_of(outputs), _numbers_of(eager)
        if len(got) != len(want) or any(a != b and (a == a or b == b) for a, b in zip(got, want)):
            raise CompileError(
                f"micrograd.compile({self.name}): the compiled program gave {got[:4]}... but the function gives "
                f"{want[:4]}... for these inputs: it depends on something the trace could not see (a Python "
                "number it reads from outside, random numbers). Compute that outside the compiled function, or "
                "pass it as an argument."
            )


def _as_called(trace: tracing.Trace, flat: list[Any], layout: Any, roots: list[Value]) -> Any:
    """The traced call's results, with its graph made the one ``fn`` builds eagerly: wherever a node the function
    made has the stand-in of a Value argument as an input, the argument itself. (A stand-in in between would add
    the argument's gradients up apart before passing them on: another order of summation than the eager one.)"""
    real = {id(x): leaf for x, leaf in zip(trace.inputs, flat) if isinstance(leaf, Value)}
    if not real:
        return trace.outputs
    for node in trace.created:
        if any(id(p) in real for p in node._prev):
            node._prev = tuple(real.get(id(p), p) for p in node._prev)
    if not any(id(r) in real for r in roots):
        return trace.outputs
    return _build(layout, [real.get(id(r), r) for r in roots])  # fn returned an argument: the argument itself


def _numbers(flat: list[Any]) -> np.ndarray:
    """The call's input numbers as floats, as Value() makes them (a huge int is the eager DomainError)."""
    try:
        numbers = np.array(flat, dtype=float)  # a Value's float() is its data
    except OverflowError:
        for leaf in flat:
            Value(leaf)  # raises the eager engine's DomainError for the int too large
        raise
    return numbers


def _build(item: Any, made: list[Value]) -> Any:
    """The returned structure for one call: the output Value where the layout has an output index.

    A module-level function, not a closure: a nested function that calls itself is a reference cycle, and would
    keep every call's numbers alive until the cycle collector runs."""
    if isinstance(item, int):
        return made[item]
    kind, parts = item
    if kind == "const":
        return parts
    items = [_build(p, made) for p in parts]
    return kind(*items) if hasattr(kind, "_fields") else kind(items)


def _layout(outputs: Any, roots: list[Value], seen: dict[int, int]) -> Any:
    """Where each output Value goes in the returned structure (an index into ``roots``; a Value returned twice is
    one output, returned twice), numbers kept as they are."""
    if isinstance(outputs, Value):
        if id(outputs) not in seen:
            seen[id(outputs)] = len(roots)
            roots.append(outputs)
        return seen[id(outputs)]
    if isinstance(outputs, (list, tuple)):
        return (type(outputs), tuple(_layout(o, roots, seen) for o in outputs))
    if is_number(outputs) or isinstance(outputs, bool):
        return ("const", outputs)
    hint = ""
    if isinstance(outputs, tensors.Tensor):
        hint = (
            " (a function is compiled as a function of Tensors when a call passes an array or a Tensor: pass the "
            "data as arguments, step(X, y))"
        )
    raise TypeError(
        f"micrograd.compile: the function must return a Value or a (nested) list/tuple of Values, "
        f"got {type(outputs).__name__}{hint}"
    )


def _numbers_of(x: Any) -> list[float]:
    if isinstance(x, Value):
        return [x.data]
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _numbers_of(item)]
    return [float(x)]


def compile(
    fn: Callable[..., Any] | None = None,
    *,
    static: tuple[int, ...] = (),
    verify: int = 1,
    lower: bool = True,
    optimizer: Any = None,
) -> Any:
    """Compile ``fn`` (a function of numbers and Values returning Values): trace it once per argument structure,
    then replay its graph as NumPy array operations on every call.

    - ``static``: positions of arguments that are not numbers to trace but settings; each distinct value
      retraces (use it for class labels that pick which logit a loss uses).
    - ``verify``: for this many replays of each program, also run ``fn`` eagerly and raise ``CompileError`` if
      the results differ (the function depends on something the trace could not see). 0 turns the check off.
    - ``lower``: replay weighted sums (``b + w1*x1 + ...``, a neuron's, however written) as array kernels, one
      per layer where they form a grid (``compiler/lowering.py``). The numbers are the same either way (values to
      the bit; gradients summed in the eager order); ``lower=False`` replays the plain level groups, for
      comparison.

    - ``optimizer``: make each call a whole training step (``compiler/training.py``): ``loss = fn(...);
      optimizer.zero_grad(); loss.backward(); optimizer.step()``, returning the loss detached (no graph: its
      backward has run). Parameters and their ``.grad`` end as those four lines leave them; a replayed function
      of Tensors gets there without building the loss's graph node (faster).

    Usable as ``step = micrograd.compile(loss_fn)`` or as a decorator, ``@micrograd.compile``.

    A call that passes NumPy arrays or Tensors compiles ``fn`` as a function of Tensors (``compiler/tensors.py``):
    traced per signature (shapes, dtypes, other arguments' values), replayed as the Tensor engine's own array
    operations; ``static`` does not apply there (every argument that is not an array is a setting).
    """
    if fn is None:
        return lambda f: compile(f, static=static, verify=verify, lower=lower, optimizer=optimizer)
    return CompiledFunction(fn, frozenset(static), verify, lower, optimizer)
