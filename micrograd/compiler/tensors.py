"""``micrograd.compile`` for functions of Tensors: trace one call, then replay its ops on arrays, forward and back.

The first call of each argument signature (the shapes and dtypes of its arrays and Tensors, and the value of
anything else) runs the function eagerly while a ``Recorder`` listens to the Tensor engine (``tensor.mode.tracer``):
every op recorded (with or without grad, inside ``no_grad`` too), every tensor made from an array, every look at
a tensor's numbers. Its result *is* the eager result. From what was heard, ``TensorProgram`` keeps:

- the forward plan: each op with the slots of its inputs and output, in the order the function ran them;
- the backward plan: the eager graph of the result, walked once (``autodiff.topological_order``), each op node
  with its slots and, for each input that takes a gradient, its dtype and shape (as ``autograd.fit`` makes a
  gradient the input's own);
- where each leaf comes from: an argument (read each call), or a tensor that existed before the call, a
  parameter or a constant, whose ``.data`` is read each call (so parameters updated in place are read fresh).

A later call runs the forward plan on the call's arrays and returns one Tensor node (op ``compiled <name>``)
whose inputs are the tensors that take a gradient; ``backward()`` reaching it runs the backward plan with the
ops' own rules, summing each slot's gradient in the order the eager engine sums it, so the numbers are the eager
numbers, to the bit. Where the function looked at a value (``item()``, ``bool(t)``, ``t > 0``, ``numpy()``)
the replay is used only while that value is the same (its bytes); otherwise the call is traced again.

Both plans run as Python written once per program (``tensor_codegen.generate``: the text is ``program.source``);
``forward_loop`` and ``backward_loop`` run them step by step with each op's own methods, as their reference.
"""

from __future__ import annotations

import copy
import sys
import traceback
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from micrograd import autodiff
from micrograd.compiler import tensor_codegen, training
from micrograd.compiler.trace import CompileError, TraceWarning
from micrograd.errors import DomainError
from micrograd.ops import Op
from micrograd.tensor import array_ops as A
from micrograd.tensor import autograd, mode
from micrograd.tensor.tensor import Tensor, _next_seq

#: Programs kept per argument signature (one per pattern of values looked at); past this, calls run eagerly.
MAX_PROGRAMS = 16
#: Signatures kept (a number argument is part of the signature: each value is traced); past this, new ones run
#: eagerly.
MAX_SIGNATURES = 64


def takes_arrays(args: tuple, kwargs: dict) -> bool:
    """Whether a call passes a Tensor or a NumPy array (then it is compiled as a function of Tensors)."""
    for a in args:
        if isinstance(a, (Tensor, np.ndarray)):
            return True
    return any(isinstance(a, (Tensor, np.ndarray)) for a in kwargs.values())


def signature(args: tuple, kwargs: dict) -> tuple[Any, list[Any]]:
    """The cache key of a call (shape and dtype of each array and Tensor, whether a Tensor requires grad, the
    value of anything else, which arrays and Tensors are the same one: ``f(a, a)`` is another program than
    ``f(a, b)``, and whether the call is inside ``no_grad()``) and its arrays and Tensors, in order."""
    leaves: list[Any] = []
    key = []
    ids = set()  # of the arrays and Tensors, and the Tensors' arrays: fewer than their count when one repeats
    for name, a in [*enumerate(args), *sorted(kwargs.items())] if kwargs else enumerate(args):
        if isinstance(a, Tensor):
            key.append((name, "T", a.data.shape, a.data.dtype, a.requires_grad))
            leaves.append(a)
            ids.add(id(a))
            ids.add(id(a.data))
        elif isinstance(a, np.ndarray):
            key.append((name, "A", a.shape, a.dtype))
            leaves.append(a)
            ids.add(id(a))
        else:
            try:
                hash(a)
            except TypeError as err:
                raise CompileError(
                    f"micrograd.compile: argument {name!r} ({type(a).__name__}) is neither an array nor a Tensor "
                    "nor hashable: pass arrays and Tensors as arguments of their own"
                ) from err
            key.append((name, "S", type(a), a))
    if len(ids) < len(leaves) + sum(isinstance(a, Tensor) for a in leaves):  # one of them comes twice
        key.append(_aliases(leaves))
    if not mode.enabled:  # inside no_grad(): ops record no graph, so the program has no backward
        key.append("no_grad")
    return tuple(key), leaves


def _aliases(leaves: list[Any]) -> tuple[int, ...]:
    """For each array or Tensor of a call, the first of them that is the same object or holds the same array (a
    trace reads such arguments once, as one slot)."""
    first: dict[int, int] = {}
    pattern = []
    for k, a in enumerate(leaves):
        ids = (id(a), id(a.data)) if isinstance(a, Tensor) else (id(a),)
        j = min((first[i] for i in ids if i in first), default=k)
        for i in ids:
            first.setdefault(i, j)
        pattern.append(j)
    return tuple(pattern)


def _where() -> str:
    """The first stack frame outside micrograd: where the user's code looked at a value."""
    for frame in reversed(traceback.extract_stack()[:-3]):
        if "/micrograd/" not in frame.filename.replace("\\", "/"):
            return f"{frame.filename}:{frame.lineno}: {(frame.line or '').strip()}"
    return "?"


class Recorder:
    """What one traced call did, in order: ``events`` holds ("op", out, op, inputs), ("made", out, source, copy)
    and ("look", tensor, what, where). Every tensor heard of is kept alive until the program is built, so ids
    stay unique."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def op(self, out: Tensor, op: Op, inputs: tuple[Tensor, ...]) -> None:
        self.events.append(("op", out, op, inputs))

    def made(self, out: Tensor, source: Any, copy: bool) -> None:
        if type(source) is np.ndarray:  # held weakly: an array that dies with the call was computed during it
            source = weakref.ref(source)
        self.events.append(("made", out, source, copy))

    def look(self, t: Tensor, what: str, other: Any = None) -> None:
        """Python saw ``t``'s numbers (``what``: "item()", "<", ...; ``other``: a comparison's other operand). A
        comparison with a number is guarded by its outcome; any other look by the tensor's numbers themselves."""
        where = _where()
        compare = _COMPARE.get(what)
        if compare is not None and isinstance(other, (int, float)) and not isinstance(other, bool):
            self.events.append(("look", t, f"{what} {other!r}", where, lambda d: compare(d, other)))
            return
        self.events.append(("look", t, what, where, None))
        if isinstance(other, Tensor):
            self.events.append(("look", other, what, where, None))

    def __enter__(self) -> Recorder:
        if mode.tracer is not None:
            raise CompileError("micrograd.compile: a function of Tensors is already being traced")
        mode.tracer = self
        return self

    def __exit__(self, *exc: Any) -> None:
        mode.tracer = None


_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


def _seen(data: np.ndarray, observe: Callable[[np.ndarray], Any] | None) -> bytes:
    """What a look saw, as bytes: the numbers themselves, or a comparison's outcome, with their shape (two empty
    arrays of other shapes have the same, empty, bytes)."""
    seen = data if observe is None else np.asarray(observe(data))
    return repr(seen.shape).encode() + seen.tobytes()


def active() -> bool:
    """Whether a function of Tensors is being traced (a compiled function called inside it runs eagerly)."""
    return mode.tracer is not None


class _Outside:
    """An array from outside the function that a Tensor was made from, held as a tensor from outside is: the
    replay reads its ``data`` each call (so a change made in place is seen, as the eager function sees it)."""

    __slots__ = ("data",)
    requires_grad, label = False, "array"

    def __init__(self, data: np.ndarray):
        self.data = data


class _Rebind:
    """An op that holds an argument's array (``t[idx]`` with ``idx`` an argument, as ``softmax_cross_entropy``
    indexes by the classes): each call, a copy of the op holding that call's array.

    An integer index that held no negative number when traced must hold none on a replay (else None: the call is
    traced again): code that checked the classes when traced (``softmax_cross_entropy`` refuses negative ones)
    does not run on a replay, and NumPy would quietly count a negative index from the end."""

    __slots__ = ("parts", "step")

    def __init__(self, step: int, parts: list[tuple[str, int | None, int, bool]]):
        self.step, self.parts = step, parts  # (attribute, position in a tuple or None, argument, non-negative)

    def make(self, op: Op, leaves: list[Any]) -> Op | None:
        if op.builtin:  # our own ops are plain objects: a shallow copy of their attributes (copy.copy, faster)
            new = object.__new__(type(op))
            new.__dict__.update(op.__dict__)
        else:
            new = copy.copy(op)
        for attr, pos, k, natural in self.parts:
            arg = leaves[k]
            arg = arg.data if isinstance(arg, Tensor) else arg
            if natural and arg.dtype.kind == "i" and arg.size and arg.min() < 0:
                return None
            value = getattr(new, attr)
            if pos is None:
                setattr(new, attr, arg)
            else:
                setattr(new, attr, (*value[:pos], arg, *value[pos + 1 :]))
        return new


def _arrays_in(op: Op) -> list[tuple[str, int | None, np.ndarray]]:
    """The arrays an op holds (an index, a condition): attribute, position in a tuple (or None), array."""
    found: list[tuple[str, int | None, np.ndarray]] = []
    for attr, value in getattr(op, "__dict__", {}).items():
        if isinstance(value, np.ndarray):
            found.append((attr, None, value))
        elif isinstance(value, tuple):
            found.extend((attr, i, v) for i, v in enumerate(value) if isinstance(v, np.ndarray))
    return found


def _same_bytes(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


class TensorProgram:
    """One traced call of a function of Tensors, as plans over numbered slots (see the module's docstring).

    ``str(program)`` lists it: the slots read each call, then one line per op, forward order."""

    def __init__(self, name: str, recorder: Recorder, leaves: list[Any], result: Any):
        self.name = name
        if not isinstance(result, Tensor):
            raise CompileError(
                f"micrograd.compile({name}): a function of arrays must return one Tensor, got {type(result).__name__}"
            )
        slot_of: dict[int, int] = {}  # id(tensor) -> slot
        self.kinds: list[str] = []  # per slot: "arg k", "external", "op", "copy", "view"
        self.dtypes: list[np.dtype] = []
        self.shapes: list[tuple[int, ...]] = []
        self.args: list[tuple[int, int]] = []  # (slot, argument index): a Tensor argument's data, or an array
        self.externals: list[tuple[int, Tensor]] = []  # (slot, tensor): its .data read each call
        steps: list[tuple[Any, ...]] = []  # ("op", out, op, ins) | ("convert", out, src, dtype, copy)
        self.rebinds: list[_Rebind] = []
        self.constants: set[int] = set()  # slots of tensors made during the call from numbers or outside arrays
        looks: list[tuple[int, str, str, Any, bytes]] = []
        arg_ids = {id(a): k for k, a in enumerate(leaves)}
        arg_arrays = {id(a.data if isinstance(a, Tensor) else a): k for k, a in enumerate(leaves)}
        data_of: dict[int, int] = {}  # id(array) -> slot, for tensors' data seen so far (Tensor(h.data) copies)

        def new_slot(t: Tensor, kind: str) -> int:
            slot_of[id(t)] = s = len(self.kinds)
            self.kinds.append(kind)
            self.dtypes.append(t.data.dtype)
            self.shapes.append(t.data.shape)
            data_of.setdefault(id(t.data), s)
            return s

        def slot(t: Tensor) -> int:  # a tensor not made by the call: an argument, or read from outside
            s = slot_of.get(id(t))
            if s is None:
                k = arg_ids.get(id(t))
                if k is not None:
                    s = new_slot(t, f"arg {k}")
                    self.args.append((s, k))
                else:
                    s = new_slot(t, "external")
                    self.externals.append((s, t))
            return s

        def source_slot(source: Any) -> int | None:  # the slot an array or tensor was made from, if any
            if isinstance(source, Tensor):
                return slot(source)
            if not isinstance(source, np.ndarray):
                return None
            if id(source) in arg_arrays:
                k = arg_arrays[id(source)]
                if isinstance(leaves[k], Tensor):
                    return slot(leaves[k])
                s = slot_of.get(id(source))
                if s is None:
                    slot_of[id(source)] = s = len(self.kinds)
                    self.kinds.append(f"arg {k}")
                    self.dtypes.append(source.dtype)
                    self.shapes.append(source.shape)
                    self.args.append((s, k))
                return s
            if id(source) in data_of:
                return data_of[id(source)]
            for k, a in enumerate(leaves):
                arr = a.data if isinstance(a, Tensor) else a
                if np.may_share_memory(source, arr):
                    raise CompileError(
                        f"micrograd.compile({name}): a Tensor was made from an array computed by NumPy from "
                        f"argument {k} (a view or slice of it); the replay cannot recompute it. Make a Tensor of "
                        "the argument itself and index or reshape the Tensor."
                    )
            s = slot_of.get(id(source))
            if s is None:  # an array from outside (a mask in a closure): read each call, as a tensor from outside
                slot_of[id(source)] = s = len(self.kinds)
                self.kinds.append("external")
                self.dtypes.append(source.dtype)
                self.shapes.append(source.shape)
                self.externals.append((s, _Outside(source)))
            return s

        #: why calls of this signature cannot be replayed (then they run eagerly), or None
        self.unreplayable: str | None = None
        holders: dict[int, int] = {}  # id(array) -> how many tensors made while tracing hold it as their data
        for event in recorder.events:
            if event[0] == "made":
                holders[id(event[1].data)] = holders.get(id(event[1].data), 0) + 1
        for event in recorder.events:
            kind = event[0]
            if kind == "op":
                _, out, op, inputs = event
                ins = tuple(slot(t) for t in inputs)
                step = len(steps)
                parts = []
                for attr, pos, arr in _arrays_in(op):
                    if id(arr) in arg_arrays:
                        natural = arr.dtype.kind == "i" and not (arr.size and arr.min() < 0)
                        parts.append((attr, pos, arg_arrays[id(arr)], natural))
                    elif any(np.may_share_memory(arr, a.data if isinstance(a, Tensor) else a) for a in leaves):
                        raise CompileError(
                            f"micrograd.compile({name}): op {op.name!r} holds an array computed by NumPy from an "
                            "argument; the replay cannot recompute it. Pass that array as an argument itself."
                        )
                if parts:
                    self.rebinds.append(_Rebind(step, parts))
                steps.append(("op", new_slot(out, "op"), op, ins))
            elif kind == "made":
                _, out, source, copied = event
                if isinstance(source, weakref.ref):
                    source = source()
                    if source is None or (
                        source is out.data and sys.getrefcount(source) - 2 <= holders.get(id(source), 0)
                    ):  # only the tensors made from it hold it: NumPy computed it during the call
                        self.unreplayable = self.unreplayable or (
                            "a Tensor was made from an array NumPy computed during the call (at "
                            f"{out._op or 'an operand'} of shape {out.shape}), which may depend on the arguments"
                        )
                src = source_slot(source)
                if src is None:
                    self.constants.add(slot(out))  # a constant: a number, or an array from outside
                elif copied:
                    steps.append(("convert", new_slot(out, "copy"), src, out.data.dtype, True))
                else:
                    steps.append(("convert", new_slot(out, "view"), src, out.data.dtype, False))
            else:
                _, t, what, where, observe = event
                looks.append((slot(t), what, where, observe, _seen(t.data, observe)))
        self.root = slot(result)
        self.looks = looks
        self.result_kind = self.kinds[self.root]

        # --- only what the result (and the looks) need, forward
        needed = {self.root, *(s for s, *_ in looks)}
        kept = []
        for step in reversed(steps):
            if step[1] in needed:
                kept.append(step)
                needed.update(step[3] if step[0] == "op" else (step[2],))
        kept.reverse()
        index = {id(step): k for k, step in enumerate(kept)}
        self.rebinds = [r for r in self.rebinds if id(steps[r.step]) in index]
        for r in self.rebinds:
            r.step = index[id(steps[r.step])]
        self.steps = kept
        self.plan = [(s[1], s[3] if s[0] == "op" else (s[2],)) for s in kept]  # (output slot, input slots)
        self.ops: list[Op | None] = [s[2] if s[0] == "op" else None for s in kept]

        # --- backward: the eager graph of the result, within what this call made
        made_here = {id(t) for t in _made(recorder)}
        self.targets: list[int] = []  # slots of the tensors the result's gradient reaches (its node's inputs)
        self.backward_plan: list[tuple[int, int, tuple[int, ...], tuple[Any, ...]]] = []
        self.op_index = {s[1]: k for k, s in enumerate(kept) if s[0] == "op"}
        if result.requires_grad and self.result_kind == "op":
            order = autodiff.gradient_order(result, inputs=lambda n: n._prev if id(n) in made_here else ())
            for node in reversed(order):
                s = slot_of[id(node)]
                if node._maker is None or id(node) not in made_here:
                    if node.requires_grad:
                        self.targets.append(s)
                    continue
                fits = tuple((x.data.dtype, x.data.shape) if x.requires_grad else None for x in node._prev)
                ins = tuple(slot_of[id(x)] for x in node._prev)
                self.backward_plan.append((self.op_index[s], s, ins, fits))
        self.target_sources = [self._source(s) for s in self.targets]
        #: the result's inputs when they are all tensors from outside (a model's parameters): the same every call
        self.fixed_inputs = (
            tuple(x for _, x in self.target_sources) if all(k == "external" for k, _ in self.target_sources) else None
        )
        #: whether those are leaves (a model's parameters; not tensors made by ops before the call): then a training
        #: step stores their gradients itself (``TensorCalls._step``)
        self.fixed_leaves = bool(self.fixed_inputs) and all(x._maker is None for x in self.fixed_inputs)
        self.n = len(self.kinds)
        #: whether every slot's shape is fixed by the signature (the generated backward then decides each
        #: gradient's fit once): not so where an op indexes by a boolean mask passed as an argument (or a custom op
        #: holds an argument's array), whose result's shape depends on the mask's values
        self.fixed_shapes = all(
            type(self.ops[r.step]) is A.GetItem
            and all(np.asarray(getattr(leaves[k], "data", leaves[k])).dtype.kind in "iu" for _, _, k, _ in r.parts)
            for r in self.rebinds
        )
        self.external_kinds = [(self.shapes[s], self.dtypes[s], t.requires_grad) for s, t in self.externals]
        self.arg_is_tensor = [isinstance(a, Tensor) for a in leaves]
        #: the arrays and Tensors this trace was given (held weakly). One of them may also be reached by closure,
        #: which a trace cannot tell from its use as the argument: the first call with other ones is traced too and
        #: compared (``TensorCalls``); if the programs differ, this one is ``pinned`` to these very arguments.
        self.traced_args = [weakref.ref(a) for a in leaves]
        self.args_checked = False
        self.pinned = False
        #: per target, whether the generated backward's gradient is a sum it made (a new array nothing else holds:
        #: a training step takes it as the ``.grad`` itself); set by ``tensor_codegen.generate``
        self.summed: list[bool] = []
        #: the replay as Python (tensor_codegen): its functions and their source
        self._run_forward, self._run_backward, self.source = tensor_codegen.generate(self)

    def _source(self, s: int) -> tuple[str, Any]:
        """Where the tensor of a target slot is found on each call: an argument, or a tensor from outside."""
        for slot, k in self.args:
            if slot == s:
                return ("arg", k)
        for slot, t in self.externals:
            if slot == s:
                return ("external", t)
        raise CompileError(
            f"micrograd.compile({self.name}): a tensor made inside the function from another one requires grad "
            "(Tensor(t, requires_grad=True)); make it outside the function"
        )

    # ------------------------------------------------------------------------------------------ replay
    def forward(self, leaves: list[Any]) -> tuple[list[Any], list[Op | None]] | None:
        """The slots' arrays for this call and the call's ops; None where a look would see something else (or a
        rebound index would be read otherwise)."""
        if self.pinned and any(r() is not a for r, a in zip(self.traced_args, leaves)):
            return None
        ops = self.ops
        if self.rebinds:
            ops = list(ops)
            for r in self.rebinds:
                op = r.make(ops[r.step], leaves)
                if op is None:
                    return None
                ops[r.step] = op
        externals, held = [], set()
        for (_, t), (shape, dtype, requires_grad) in zip(self.externals, self.external_kinds):
            data = t.data
            if data.shape != shape or data.dtype != dtype or t.requires_grad != requires_grad:
                return None  # a parameter given an array of another shape or dtype, frozen or unfrozen: trace again
            externals.append(data)
            held.add(id(data))
        for a in leaves:  # an argument that is (or holds the array of) a tensor from outside: trace it as the argument
            if id(a.data if isinstance(a, Tensor) else a) in held:
                return None
        vals = self._run_forward(leaves, externals, ops)
        for s, _, _, observe, seen in self.looks:
            if _seen(vals[s], observe) != seen:
                return None
        return vals, ops

    def forward_loop(self, leaves: list[Any], ops: list[Op | None]) -> list[Any]:
        """The forward plan run step by step with each op's own ``forward_array`` (as the Tensor engine runs
        it): the reference of the generated forward (a test compares them)."""
        vals: list[Any] = [None] * self.n
        for s, k in self.args:
            a = leaves[k]
            vals[s] = a.data if isinstance(a, Tensor) else a
        for s, t in self.externals:
            vals[s] = t.data
        for step, op, (out, ins) in zip(self.steps, ops, self.plan):
            if op is None:  # Tensor(x) copies in the tensor's dtype; detach() and an operand array do not
                r = (np.array if step[4] else np.asarray)(vals[ins[0]], dtype=step[3])
            else:
                r = A.forward(op, *[vals[i] for i in ins])
            if type(r) is not np.ndarray:
                r = np.asarray(r, dtype=self.dtypes[out])
            vals[out] = r
        return vals

    def backward(self, vals: list[Any], ops: list[Op | None], seed: np.ndarray) -> list[Any]:
        """The gradient of each target slot, from ``seed`` at the result (the generated backward; where it raises,
        the step-by-step one, whose error names the op)."""
        return self.gradients(vals, ops, seed)[0]

    def gradients(self, vals: list[Any], ops: list[Op | None], seed: np.ndarray) -> tuple[list[Any], list[bool]]:
        """``backward``'s gradients, and for each whether it is a new array nothing else holds (a sum the generated
        backward made: ``summed``; never so for the step-by-step one's)."""
        try:
            return self._run_backward(vals, ops, seed), self.summed
        except Exception:
            return self.backward_loop(vals, ops, seed), [False] * len(self.targets)

    def backward_loop(self, vals: list[Any], ops: list[Op | None], seed: np.ndarray) -> list[Any]:
        """``autodiff.gradients`` over the backward plan, step by step, with each op's own ``backward`` and
        ``autograd.fit``'s steps: the reference of the generated backward (a test compares them)."""
        grads: list[Any] = [None] * self.n
        grads[self.root] = seed
        ndarray = np.ndarray
        for k, out, ins, fits in self.backward_plan:
            g = grads[out]
            if g is None:
                continue
            op = ops[k]
            try:
                local = op.backward(g, vals[out], *[vals[i] for i in ins])
            except (ArithmeticError, ValueError) as err:
                if isinstance(err, DomainError):
                    raise
                raise DomainError(
                    f"backward through {op.name}: the derivative is undefined or infinite: {err}"
                ) from err
            if type(local) is not tuple or len(local) != len(ins):
                raise TypeError(
                    f"op {op.name!r}: backward() must return a tuple with one gradient per input ({len(ins)}), "
                    f"got {local!r}"
                )
            for i, gx, f in zip(ins, local, fits):
                if f is not None:
                    shape = vals[i].shape  # this call's (a mask argument changes shapes from call to call)
                    if type(gx) is not ndarray or gx.dtype != f[0] or gx.shape != shape:
                        gx = tensor_codegen.fit((f[0], shape), gx)  # cast, broadcast or sum to the input's own
                    old = grads[i]
                    grads[i] = gx if old is None else old + gx
        return [grads[s] for s in self.targets]

    # ------------------------------------------------------------------------------------------ showing
    def __str__(self) -> str:
        def shown(s: int) -> str:
            return f"%{s}"

        lines = [
            f"tensor program {self.name}: {len(self.steps)} steps, {len(self.backward_plan)} op nodes backward, "
            f"{len(self.targets)} tensors take gradients, {len(self.looks)} guarded looks"
        ]
        for s, k in self.args:
            lines.append(f"  {shown(s)} = argument {k}  {self.shapes[s]} {self.dtypes[s].name}")
        for s, t in self.externals:
            if s in self.constants:
                what = f"constant {t.data.item()!r}" if t.data.size == 1 else "constant"
            else:
                what = "parameter" if t.requires_grad else "tensor from outside"
                what = "array from outside" if isinstance(t, _Outside) else what + (f" {t.label!r}" if t.label else "")
            lines.append(f"  {shown(s)} = {what}  {self.shapes[s]} {self.dtypes[s].name}")
        for step in self.steps:
            out = step[1]
            if step[0] == "op":
                args = ", ".join(shown(i) for i in step[3])
                lines.append(f"  {shown(out)} = {step[2].name}({args})  {self.shapes[out]} {self.dtypes[out].name}")
            else:
                how = "copy" if step[4] else "view"  # Tensor(a); an operand array or detach()
                lines.append(f"  {shown(out)} = {how}({shown(step[2])})  {self.shapes[out]} {self.dtypes[out].name}")
        for s, what, where, _, _ in self.looks:
            lines.append(f"  guard: {shown(s)} as traced ({what} at {where})")
        lines.append(f"  return {shown(self.root)}")
        lines.append(
            f"  (the replay, as generated Python: step.program.source, {self.source.count(chr(10)) + 1} lines)"
        )
        return "\n".join(lines)


def _made(recorder: Recorder) -> list[Tensor]:
    return [e[1] for e in recorder.events if e[0] in ("op", "made")]


class Compiled(Op):
    """The op of a replayed call's result: its inputs are the tensors the result's gradient reaches, and its
    backward replays the program's backward plan on the call's arrays (each gradient already its input's own)."""

    _fitted_gradients = True

    def __init__(self, program: TensorProgram, vals: list[Any], ops: list[Op | None]):
        self.program, self.vals, self.ops = program, vals, ops
        self.name = f"compiled {program.name}"

    def backward(self, g: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        if isinstance(g, Tensor):
            raise CompileError(
                f"micrograd.compile({self.program.name}): a compiled call passes first derivatives only; for "
                "create_graph=True call the function itself (uncompiled)"
            )
        return tuple(self.program.backward(self.vals, self.ops, g))


class TensorCalls:
    """The Tensor half of a compiled function: its programs by argument signature, tracing and replaying."""

    def __init__(self, owner: Any):
        self.owner = owner
        self.programs: dict[Any, list[TensorProgram]] = {}
        self.checks: dict[int, int] = {}  # id(program) -> replays still to check against the eager engine

    def __call__(self, args: tuple, kwargs: dict, optimizer: Any = None) -> Any:
        """The call's result; with an ``optimizer``, a whole training step (``training``): the loss, detached."""
        out = self._call(args, kwargs, optimizer)
        if type(out) is _Stepped:
            return out.loss
        return out if optimizer is None else training.step(out, optimizer, self.owner.name)

    def _call(self, args: tuple, kwargs: dict, optimizer: Any) -> Any:
        """The call's result (a replay's is ``_Stepped`` where it took the training step itself)."""
        owner = self.owner
        key, leaves = signature(args, kwargs)
        variants = self.programs.get(key)
        if variants is None:
            return self._trace(key, args, kwargs, leaves)
        if not variants or variants[0].unreplayable:  # values kept changing, or a NumPy computation: eager
            owner.stats["eager"] += 1
            return owner.fn(*args, **kwargs)
        for program in variants:
            try:
                found = program.forward(leaves)
            except Exception:  # an op that raises: the eager engine raises it, with its message
                return self._trace(key, args, kwargs, leaves)
            if found is None:
                continue  # a look would see another value: another program, or a new trace
            retraced = None
            if not program.args_checked and any(r() is not a for r, a in zip(program.traced_args, leaves)):
                program.args_checked = True  # other arguments than the trace's, for the first time: trace them too
                retraced = again, eager = self._retrace(args, kwargs, leaves)
                if _closes_over_an_argument(program, again):
                    program.pinned = True
                    owner.stats["traced"] += 1
                    if len(variants) < MAX_PROGRAMS:
                        variants.append(again)
                        self.checks[id(again)] = owner.verify
                        owner.program = again
                    return eager
            owner.program = program
            owner.stats["replayed"] += 1
            stepping = optimizer is not None and program.fixed_leaves
            out = self._result(program, found, leaves, detached=stepping)
            if self.checks.get(id(program), 0) > 0:
                self.checks[id(program)] -= 1
                self._check(program, out, *(retraced or self._retrace(args, kwargs, leaves)))
            if stepping:
                return self._step(program, found, leaves, optimizer, out)
            return out
        return self._trace(key, args, kwargs, leaves)

    def _trace(self, key: Any, args: tuple, kwargs: dict, leaves: list[Any]) -> Any:
        owner = self.owner
        if key not in self.programs and len(self.programs) >= MAX_SIGNATURES:
            if owner.stats["eager"] == 0:
                warnings.warn(
                    f"micrograd.compile({owner.name}): {MAX_SIGNATURES} argument signatures traced (shapes, dtypes "
                    "and the values of number arguments): calls with new ones run eagerly. Pass a number that "
                    "changes every call (a learning rate) as a 0-d array or a Tensor.",
                    TraceWarning,
                    stacklevel=4,
                )
            owner.stats["eager"] += 1
            return owner.fn(*args, **kwargs)
        program, result = self._retrace(args, kwargs, leaves)
        owner.stats["traced"] += 1
        if program.unreplayable:
            warnings.warn(
                f"micrograd.compile({owner.name}): {program.unreplayable}. Calls with these shapes run eagerly. "
                "Do that computation with Tensor ops (pass the array as a Tensor: -Tensor(y) rather than -y), or "
                "outside the function, passing its result as an argument.",
                TraceWarning,
                stacklevel=4,
            )
            self.programs[key] = [program]
            owner.program = program
            return result
        if program.looks:
            _, what, where, _, _ = program.looks[0]
            more = len(program.looks) - 1
            warnings.warn(
                f"micrograd.compile({owner.name}): Python looked at a Tensor's numbers while tracing ({what} at "
                f"{where}{f', and {more} more' if more else ''}). The program is replayed only for calls where "
                "those numbers are the same; other calls are traced again.",
                TraceWarning,
                stacklevel=4,
            )
        variants = self.programs.setdefault(key, [])
        if len(variants) < MAX_PROGRAMS:
            variants.append(program)
            self.checks[id(program)] = owner.verify
            owner.program = program
        else:
            variants.clear()
            warnings.warn(
                f"micrograd.compile({owner.name}): {MAX_PROGRAMS} programs for one argument signature (the "
                "function looks at values that keep changing): from now on such calls run on the eager engine.",
                TraceWarning,
                stacklevel=4,
            )
        return result

    def _step(
        self,
        program: TensorProgram,
        found: tuple[list[Any], list[Any]],
        leaves: list[Any],
        optimizer: Any,
        loss: Tensor,
    ) -> _Stepped:
        """``training.step`` for a replay whose gradients all go to leaves (a model's parameters): the program's
        backward run straight into their ``.grad`` (the loss's graph node and its walk left out), then the update.
        The same state as ``zero_grad(); loss.backward(); step()``: the same arrays, stored the same way."""
        if loss.data.size != 1:
            training.check_loss(loss, self.owner.name)  # raises: not one number
        optimizer.zero_grad()
        vals, ops = found
        seed = autograd.seed(loss, None, as_tensor=False)
        try:
            grads, owned_by_us = program.gradients(vals, ops, seed)
        except (ArithmeticError, ValueError) as err:
            if isinstance(err, DomainError):
                raise
            raise autodiff.backward_error(self._result(program, found, leaves), err) from err  # its message
        store = autograd.store_leaf
        for t, g, owned in zip(program.fixed_inputs, grads, owned_by_us):
            if g is not None:
                store(t, g, owned)
        optimizer.step()
        return _Stepped(loss)

    def _result(
        self, program: TensorProgram, found: tuple[list[Any], list[Any]], leaves: list[Any], detached: bool = False
    ) -> Tensor:
        """The replay's result: a Tensor whose op replays the backward (``detached``: one without a graph)."""
        vals, ops = found
        root = program.root
        if program.result_kind not in ("op", "copy", "view") and not detached:
            for s, k in program.args:  # the function returned an argument, or a tensor from outside, itself
                if s == root and isinstance(leaves[k], Tensor):
                    return leaves[k]
            for s, t in program.externals:
                if s == root:
                    return t
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out.label, out._seq = vals[root], None, "", _next_seq()
        if program.targets and not detached:
            inputs = program.fixed_inputs
            if inputs is None:
                inputs = tuple(leaves[x] if kind == "arg" else x for kind, x in program.target_sources)
            op = Compiled(program, vals, ops)
            out.requires_grad, out._prev, out._maker, out._op = True, inputs, op, op.name
        else:
            out.requires_grad, out._prev, out._maker, out._op = False, (), None, ""
        return out

    def _retrace(self, args: tuple, kwargs: dict, leaves: list[Any]) -> tuple[TensorProgram, Any]:
        """The call traced (run eagerly, recorded): its program and its eager result."""
        with Recorder() as recorder:
            eager = self.owner.fn(*args, **kwargs)
        if self.owner.optimizer is not None and not isinstance(eager, Tensor):
            training.check_loss(eager, self.owner.name)  # a training step's own words for what it must return
        return TensorProgram(self.owner.name, recorder, leaves, eager), eager

    def _check(self, program: TensorProgram, out: Tensor, again: TensorProgram, eager: Any) -> None:
        """Compare a replay with the same call traced again (``again``, ``eager``): the result, and every array the
        program holds (constants made from numbers the trace could not see, indices found from values) must be
        what this call makes."""
        owner = self.owner
        problem = _difference(program, again)
        if problem is None and not _same_bytes(np.asarray(out.data), np.asarray(eager.data)):
            problem = f"the result ({out.data!r} replayed, {eager.data!r} eager)"
        if problem is not None:
            raise CompileError(
                f"micrograd.compile({owner.name}): the replay differs from the function on this call: {problem}. "
                "The function depends on something the trace could not see: an array reached by closure that is "
                "now another array (your data? pass it as an argument), numbers read from a Tensor's .data, NumPy "
                "computations on the arguments, max(dim)/argmax indices, random numbers. Compute those outside the "
                "compiled function and pass them as arguments (or do them with Tensor ops)."
                + (" This training step was not taken." if owner.optimizer is not None else "")
            )


class _Stepped:
    """A replay that took its training step itself (``TensorCalls._step``): its loss, detached."""

    __slots__ = ("loss",)

    def __init__(self, loss: Tensor):
        self.loss = loss


def _closes_over_an_argument(program: TensorProgram, again: TensorProgram) -> bool:
    """Whether ``again`` (the call traced with other arguments) reads one of ``program``'s own arguments from
    outside, and so differs from it: the function also reaches that argument by closure."""
    traced = [o for r in program.traced_args if (o := r()) is not None]
    ids = {id(o) for o in traced} | {id(o.data) for o in traced if isinstance(o, Tensor)}
    closed_over = any(id(t) in ids or id(t.data) in ids for _, t in again.externals)
    return closed_over and _difference(program, again) is not None


def _difference(a: TensorProgram, b: TensorProgram) -> str | None:
    """What differs between two traces of one signature (None: the same program)."""
    if len(a.steps) != len(b.steps) or len(a.externals) != len(b.externals):
        return "the number of ops"
    bound = {(r.step, attr, pos) for r in a.rebinds for attr, pos, _, _ in r.parts}
    for k, (sa, sb) in enumerate(zip(a.steps, b.steps)):
        if sa[0] != sb[0] or (sa[0] == "op" and type(sa[2]) is not type(sb[2])):
            return f"the op {sa[2].name if sa[0] == 'op' else sa[0]!r}"
        if sa[0] == "op":
            numbers_a = {k: v for k, v in vars(sa[2]).items() if isinstance(v, (int, float, tuple, str))}
            numbers_b = {k: v for k, v in vars(sb[2]).items() if isinstance(v, (int, float, tuple, str))}
            if any(not isinstance(v, tuple) and v != numbers_b.get(k) and v == v for k, v in numbers_a.items()):
                return f"a number held by op {sa[2].name!r}"
            for (attr, pos, x), (_, _, y) in zip(_arrays_in(sa[2]), _arrays_in(sb[2])):
                if (k, attr, pos) not in bound and not _same_bytes(x, y):
                    return f"an array held by op {sa[2].name!r} (its {attr})"
    for (_, ta), (_, tb) in zip(a.externals, b.externals):
        if ta is not tb and not _same_bytes(ta.data, tb.data):
            return "a constant tensor made while tracing"
    return None
