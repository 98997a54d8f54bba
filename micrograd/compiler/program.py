"""A traced scalar graph as a program of array operations, replayed forward and backward with NumPy.

Every node gets a slot in one flat array of numbers. Nodes are sorted into *levels* (a leaf is level 0; a node
is one more than its deepest input), and the nodes of one level made by the same op form a *group*: one NumPy
call computes them all. Forward runs the groups level by level with kernels that give the eager engine's
numbers bit for bit (``kernels.py``); backward runs them in reverse with the ops' own derivative rules
(``micrograd/ops.py``) on arrays, adding each group's gradients into its inputs' slots. The scalar picture stays:
every slot is one Value of the lecture's graph. Weighted sums (a neuron's ``b + w1*x1 + ...``, however written)
are lowered by default: a layer on a batch is one group (``lowering.py``), with the same numbers.

How close the replay comes (issue 15, item 10). Values: equal to the bit (``kernels.py``). Gradients: the rules'
arithmetic is IEEE on arrays as on floats, so it is the same; two things can still move a gradient's last digits.
A rule that calls a function (softplus's sigmoid, sin's cos, logsumexp's exp, the log in a power's derivative by
its exponent, ``x ** (n - 1)``) calls NumPy's on arrays, which can differ from ``math``'s in the last place of that
factor; no rule subtracts after such a factor, so this stays a last-place difference (``(1 - out) * (1 + out)`` uses the
exact ``out``: tanh's derivative at saturation is the eager one). And where a node feeds several groups, its
gradient's contributions are added group by group, which need not be the eager engine's order (float addition is
not associative). So gradients agree to about 1e-15 of the size of what was summed (``tests/compiler/test_fuzz.py``
checks 1e-12 and records the largest difference seen), and on MLP losses they are identical (tested).

Where the replay cannot promise the eager engine's result (a NaN or an infinity, a gradient so large that the
order of summation could decide whether it overflows, a rule or a custom op that raised), it says so, and the
caller asks the eager engine: ``eager_gradients`` rebuilds the call's graph as Values and runs ``backward()``.
"""

from __future__ import annotations

import operator
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from micrograd import ops
from micrograd.autodiff import topological_order
from micrograd.compiler.kernels import Kernel, backward_each, each_op, kernel
from micrograd.compiler.lowering import Dot, Grid, find_dots, lower
from micrograd.compiler.trace import Look, Trace
from micrograd.engine import Value
from micrograd.ops import Op

#: A gradient or a contribution to one this large (or larger) is left to the eager engine: summed in another
#: order, contributions near the float limit (1.8e308) could overflow where the replay's did not, or back.
LIMIT = 1e300


#: Ops whose contributions to a gradient are at most |g| * max(1, |any value of the call|) (their derivatives are
#: 1, an input's value, or at most 1 in size): checked once for the whole pass, not array by array.
BOUNDED = (ops.Add, ops.Sub, ops.Mul, ops.Neg, ops.WeightedSum, ops.ReLU, ops.Abs, ops.Exp, ops.Tanh, ops.Sigmoid,
           ops.Softplus, ops.Sin, ops.Cos, ops.LogSumExp)  # fmt: skip


class Inexact(Exception):
    """The replay met numbers it cannot promise to match the eager engine on: the call is redone eagerly."""


@dataclass
class Scatter:
    """How one input position of a group adds its gradients into the flat gradient array."""

    index: np.ndarray  # the input slot of each node of the group
    unique: np.ndarray | None = None  # when slots repeat: the distinct slots...
    inverse: np.ndarray | None = None  # ...and which of them each node's input is

    @staticmethod
    def of(index: np.ndarray) -> Scatter:
        unique, inverse = np.unique(index, return_inverse=True)
        return Scatter(index) if len(unique) == len(index) else Scatter(index, unique, inverse)

    def add(self, grads: np.ndarray, local: np.ndarray) -> None:
        if self.unique is None:
            grads[self.index] += local
        else:  # repeated slots (a weight used by every example): sum per slot first
            grads[self.unique] += np.bincount(self.inverse[::-1], weights=local[::-1], minlength=len(self.unique))


@dataclass
class Group:
    level: int
    op: Op  # the op of every node (for a custom op: of the first; each node keeps its own in node_ops)
    out: np.ndarray  # the slots this group writes
    ins: list[np.ndarray]  # per input position, the slots it reads
    scatters: list[Scatter]
    forward: Kernel | None = None
    node_ops: list[Op] | None = None  # custom ops: each node's own op object, run on its own numbers
    chain: bool = False  # a chain of + (see find_chains): out are its nodes, ins[0] its addends
    backward: bool = True  # False: no output depends on it (evaluated only: eagerly it could raise)
    bounded: bool = False  # its op is one of BOUNDED
    lowered = False  # (a class attribute: lowering.Lowered groups say True)


def find_chains(
    nodes: list[Value], outputs: set[Value], uses: dict[Value, int], shortest: int = 3
) -> list[list[Value]]:
    """Runs of '+' nodes where each adds one more term to the last (``sum(terms)`` in Python builds these).

    A chain of n nodes would take n levels, one NumPy call each; replayed as one running sum
    (``np.add.accumulate``, which adds left to right, as Python did) it takes one. Only nodes used by nothing
    but the next '+' of the chain are folded in, so no other node needs their gradients. An op is a '+' by
    its class (``ops.Add``), never by its name: a custom op may be called "+". Runs of fewer than ``shortest``
    nodes are left out (the lowering asks for every run, down to a single '+').
    """
    chain_of: dict[Value, list[Value]] = {}
    chains = []
    for node in nodes:
        if type(node._maker) is not ops.Add:
            continue
        first = node._prev[0]
        if first in chain_of and uses[first] == 1 and first not in outputs and chain_of[first][-1] is first:
            chain = chain_of[first]
            chain.append(node)
        else:
            chain = [node]
            chains.append(chain)
        chain_of[node] = chain
    return [c for c in chains if len(c) >= shortest]


def _op_key(op: Op, arity: int) -> Any:
    """Nodes share a NumPy call when their ops compute the same function (``x**2`` makes a new PowConst(2) object
    each time: same key). Floats are compared by their bits: ``0.0 ** x`` and ``(-0.0) ** x`` differ."""
    if type(op).__module__ != ops.__name__:
        return ("custom", arity)  # every node runs its own op object: they may hold different settings
    try:
        state = tuple(sorted((k, v.hex() if isinstance(v, float) else v) for k, v in vars(op).items()))
        hash(state)
    except TypeError:
        state = id(op)
    return (type(op), state, arity)


def _order(roots: list[Value], trace: Trace) -> tuple[list[Value], set[Value]]:
    """Every Value of the call, each after its inputs, and the set of those the roots depend on.

    The order is ``micrograd.autodiff.topological_order``'s from the roots (an iterative DFS), then the same from
    whatever else the function made or looked at. So a group of nodes lists them in the order the eager engine's
    backward() meets them (reversed), and the replay adds a weight's gradients in its order: on an MLP's loss, to
    the last bit. Only Values made by an op while tracing are looked into; any other Value is a leaf."""
    made = set(trace.created)
    looked = [v for look in trace.looks for v in (look.value, look.other) if isinstance(v, Value)]

    def inputs(node: Value) -> tuple[Value, ...]:
        return node._prev if node._maker is not None and node in made else ()

    order = topological_order(*roots, inputs=inputs)
    reached = set(order)
    order += topological_order(*trace.created, *looked, inputs=inputs, known=reached)
    return order, reached


COMPARISONS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


class Guards:
    """What the traced call looked at, checked against a replay's numbers: the program holds only where every
    comparison comes out as it did, and every number read is the same (to the bit)."""

    def __init__(self, looks: list[Look], slot: dict[Value, int], size: int):
        reads = [(slot[look.value], look.outcome) for look in looks if look.kind == "read"]
        self.read_slots = np.array([s for s, _ in reads], dtype=np.intp)
        self.read_bits = np.array([n for _, n in reads], dtype=float).view(np.uint64)
        self.constants: list[float] = []  # numbers compared with, placed after the slots
        self.exact: list[tuple[str, int, Any, bool]] = []  # numbers a float cannot hold exactly (huge ints)
        compared: dict[str, list[tuple[int, int, bool]]] = defaultdict(list)
        for look in looks:
            if look.kind == "read":
                continue
            left, other = slot[look.value], look.other
            if isinstance(other, Value):
                right = slot[other]
            elif _as_float(other) is not None:
                right = size + len(self.constants)
                self.constants.append(_as_float(other))  # type: ignore[arg-type]
            else:
                self.exact.append((look.kind, left, other, look.outcome))
                continue
            compared[look.kind].append((left, right, bool(look.outcome)))
        self.compared = {
            symbol: tuple(np.array(column, dtype=dtype) for column, dtype in zip(zip(*rows), (np.intp, np.intp, bool)))
            for symbol, rows in compared.items()
        }
        self.count = len(looks)

    def hold(self, vals: np.ndarray) -> bool:
        if not self.count:
            return True
        if len(self.read_slots) and not np.array_equal(vals[self.read_slots].view(np.uint64), self.read_bits):
            return False
        extended = np.concatenate([vals, self.constants]) if self.constants else vals
        for symbol, (left, right, outcome) in self.compared.items():
            if not np.array_equal(COMPARISONS[symbol](extended[left], extended[right]), outcome):
                return False
        compare = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
        return all(compare[kind](float(vals[left]), other) == outcome for kind, left, other, outcome in self.exact)


def _as_float(number: Any) -> float | None:
    """``number`` as a float if that is exactly the same number (for a comparison to come out the same)."""
    try:
        as_float = float(number)
    except OverflowError:
        return None
    return as_float if as_float == number or as_float != as_float else None


class Program:
    """The compiled form of one traced call: slots for every Value, groups of array operations per level."""

    def __init__(self, name: str, roots: list[Value], trace: Trace, arguments: list[bool], lower: bool = True):
        """``arguments``: for each input, whether it stands for a Value argument (which gets gradients).
        ``lower``: replay weighted sums as lowered groups (``lowering.py``) where the graph has them."""
        self.name = name
        made = set(trace.created)
        order, reached = _order(roots, trace)
        slot = {node: i for i, node in enumerate(order)}
        self.size = len(order)
        self.outputs = np.array([slot[r] for r in roots], dtype=np.intp)

        self.input_slots = np.array([slot.get(x, -1) for x in trace.inputs], dtype=np.intp)
        self.present = np.flatnonzero(self.input_slots >= 0)  # an input the function never used has no slot
        inputs = set(trace.inputs)
        leaves = [n for n in order if n not in made or n._maker is None]
        constants = [n for n in leaves if n in made]
        #: Values that existed before the call (a model's weights, or a node made earlier): read at every call
        self.parameters = [n for n in leaves if n not in made and n not in inputs]
        self.parameter_slots = np.array([slot[p] for p in self.parameters], dtype=np.intp)
        self.constant_slots = np.array([slot[c] for c in constants], dtype=np.intp)
        self.constant_values = np.array([c.data for c in constants], dtype=float)
        self.labels = {i: n.label for i, n in enumerate(order) if n.label}
        self.guards = Guards(trace.looks, slot, self.size)

        # what backward() reaches: the parameters and Value arguments that some output depends on
        self.live_parameters = [p for p in self.parameters if p in reached]
        self.live_inputs = [i for i, x in enumerate(trace.inputs) if x in reached and arguments[i]]
        self.live_slots = np.array(
            [*(slot[p] for p in self.live_parameters), *(self.input_slots[i] for i in self.live_inputs)], dtype=np.intp
        )
        nodes = [n for n in order if n in made and n._maker is not None]
        uses = Counter(chain.from_iterable(n._prev for n in nodes))
        outputs = set(roots)
        self.exact_groups, self.levels = self._build_groups(nodes, order, slot, reached, outputs, uses, {})
        self.exact_backward = [grp for grp in self.exact_groups if grp.backward]
        self.custom_backward = any(grp.node_ops is not None for grp in self.exact_backward)
        self.groups, self.lowered = self.exact_groups, False
        if lower and not trace.looks:  # (a look may compare a dot's value: the plain groups keep it in sight)
            runs = find_chains(nodes, outputs, uses, shortest=1)
            dots = find_dots(nodes, runs, outputs, uses, made, slot)
            if dots:
                needs = np.ones(self.size, dtype=bool)  # slots whose gradient someone reads
                needs[self.constant_slots] = False
                needs[[self.input_slots[i] for i in self.present if not arguments[i]]] = False
                groups, levels = self._build_groups(nodes, order, slot, reached, outputs, uses, dots, needs)
                if any(grp.lowered for grp in groups):
                    self.groups, self.levels, self.lowered = groups, levels, True
        self.backward_groups = [grp for grp in self.groups if grp.backward]
        self._users: dict[int, tuple[int, ...]] = {}

    def _build_groups(
        self,
        nodes: list[Value],
        order: list[Value],
        slot: dict[Value, int],
        reached: set[Value],
        roots: set[Value],
        uses: dict[Value, int],
        dots: dict[Value, Dot],
        needs: np.ndarray | None = None,
    ) -> tuple[list[Any], int]:
        """The groups of ``nodes`` and the number of levels; ``dots`` (if any) become lowered groups."""
        chains = {c[-1]: c for c in find_chains(nodes, roots, uses) if c[-1] not in dots}
        folded = {n for c in chains.values() for n in c[:-1]} | {n for d in dots.values() for n in d.folded}
        level = [0] * len(order)
        members: dict[tuple[int, bool, Any], list[Value]] = defaultdict(list)
        dot_members: dict[tuple[int, bool, tuple[bool, ...]], list[Dot]] = defaultdict(list)
        keys: dict[tuple[int, int], Any] = {}  # (id of op, arity) -> _op_key: most nodes share a few op objects
        groups: list[Any] = []
        for node in nodes:
            i = slot[node]
            if node in folded:
                continue
            if node in dots:
                dot = dots[node]
                level[i] = 1 + max(map(level.__getitem__, dot.w + dot.x + dot.plains))
                dot_members[(level[i], node in reached, dot.kinds)].append(dot)
                continue
            if node in chains:
                run = chains[node]
                addends = [run[0]._prev[0], *(n._prev[1] for n in run)]
                level[i] = 1 + max(level[slot[a]] for a in addends)
                index = np.array([slot[a] for a in addends], dtype=np.intp)
                out = np.array([slot[n] for n in run], dtype=np.intp)
                chain_group = Group(
                    level[i], node._maker, out, [index], [Scatter.of(index)], chain=True, backward=node in reached
                )
                groups.append(chain_group)
                continue
            level[i] = 1 + max(map(level.__getitem__, map(slot.__getitem__, node._prev)), default=0)
            op_id = (id(node._maker), len(node._prev))
            if op_id not in keys:
                keys[op_id] = _op_key(node._maker, len(node._prev))
            members[(level[i], node in reached, keys[op_id])].append(node)
        for (lvl, live, _), found in dot_members.items():
            groups += lower(lvl, found, live, needs if needs is not None else np.ones(len(order), dtype=bool))
        for (lvl, live, key), group in members.items():
            op = group[0]._maker
            out = np.array([slot[n] for n in group], dtype=np.intp)
            ins = [np.array([slot[n._prev[k]] for n in group], dtype=np.intp) for k in range(len(group[0]._prev))]
            custom = key[0] == "custom"
            groups.append(
                Group(
                    lvl,
                    op,
                    out,
                    ins,
                    [Scatter.of(index) for index in ins] if live else [],
                    forward=None if custom else kernel(op),
                    node_ops=[n._maker for n in group] if custom else None,
                    backward=live,
                    bounded=type(op) in BOUNDED,
                )
            )
        groups.sort(key=lambda grp: grp.level)  # stable: within a level, the order groups were found
        return groups, max(level, default=0)

    # ----------------------------------------------------------------------------------------- replay
    def forward(self, inputs: np.ndarray) -> tuple[np.ndarray, bool]:
        """Every slot's value for these input numbers and the parameters' current data, and whether the eager
        engine would give exactly these (False where a kernel raised, its slots then NaN, or a number is not
        finite: NaN and infinity are the eager engine's to decide)."""
        vals = np.zeros(self.size) if self.lowered else np.empty(self.size)  # (slots a dot stands for stay 0)
        vals[self.input_slots[self.present]] = inputs[self.present]
        vals[self.parameter_slots] = [p.data for p in self.parameters]
        vals[self.constant_slots] = self.constant_values
        exact = self._run(vals, self.groups)
        return vals, exact and bool(np.isfinite(vals).all())

    def _run(self, vals: np.ndarray, groups: list[Any]) -> bool:
        """Run ``groups`` forward on ``vals`` (its leaves filled in); False where a kernel raised."""
        exact = True
        with np.errstate(all="ignore"):
            for grp in groups:
                try:
                    if grp.lowered:
                        grp.run(vals)
                        continue
                    xs = [vals[i] for i in grp.ins]
                    if grp.chain:
                        vals[grp.out] = np.add.accumulate(xs[0])[1:]
                    elif grp.node_ops is not None:
                        vals[grp.out] = each_op(grp.node_ops, xs)
                    else:
                        vals[grp.out] = grp.forward(grp.op, *xs)  # type: ignore[misc]
                except Exception:  # a domain error, an overflow, a custom op's own error: eagerly it raises
                    vals[grp.out] = np.nan
                    exact = False
        return exact

    def backward(self, vals: np.ndarray, seeds: dict[int, float]) -> np.ndarray:
        """d(seeded outputs)/d(slot) for every slot, given a forward pass's values and the gradient arriving at
        each output backward() went through (``seeds``: output index -> gradient). Raises ``Inexact`` where the
        result could differ from the eager engine's (a NaN, an infinity, a number near the float limit)."""
        grads = np.zeros(self.size)
        for k, g in seeds.items():
            grads[self.outputs[k]] += g
        reached = self._reached(seeds) if self.custom_backward else None
        peak = 0.0
        with np.errstate(all="ignore"):
            for grp in reversed(self.backward_groups):
                if grp.lowered:  # its products and sums: bounded as '*' and '+' are
                    grp.back(vals, grads)
                    continue
                if grp.chain:  # every addend gets the gradient of the chain's last node
                    grp.scatters[0].add(grads, np.full(len(grp.ins[0]), grads[grp.out[-1]]))
                    continue
                g, out, xs = grads[grp.out], vals[grp.out], [vals[i] for i in grp.ins]
                if grp.node_ops is None:  # every node, also one whose gradient is 0: eagerly its rule runs too
                    local = [
                        lk
                        if type(lk) is np.ndarray and lk.shape == g.shape and lk.dtype == float
                        else np.broadcast_to(np.asarray(lk, dtype=float), g.shape)
                        for lk in grp.op.backward(g, out, *xs)
                    ]
                else:  # a custom op's rule runs where backward() would run it: on nodes the seeded outputs reach
                    rows = reached[grp.out]  # type: ignore[index]
                    local = [np.zeros(len(g)) for _ in xs]
                    node_ops = [grp.node_ops[i] for i in np.flatnonzero(rows)]
                    for k, lk in enumerate(backward_each(node_ops, g[rows], out[rows], [x[rows] for x in xs])):
                        local[k][rows] = lk
                for scatter, lk in zip(grp.scatters, local):
                    if not grp.bounded and len(lk):
                        peak = max(peak, float(np.abs(lk).max()))
                    scatter.add(grads, lk)
        if not np.isfinite(grads).all():
            raise Inexact
        largest = float(np.abs(grads).max(initial=0.0))  # every node's gradient: what reaches it, summed
        if not (peak < LIMIT and largest * max(1.0, float(np.abs(vals).max(initial=0.0))) < LIMIT):
            raise Inexact
        return grads

    def users(self, slot: int) -> tuple[int, ...]:
        """The outputs that depend on ``slot`` (computed once per slot, when first asked)."""
        if slot not in self._users:
            mark = np.zeros(self.size, dtype=bool)
            mark[slot] = True
            for grp in self.exact_backward:
                if grp.chain:  # the k-th node of the chain adds addends 0 to k + 1
                    hit = np.flatnonzero(mark[grp.ins[0]])
                    if len(hit):
                        mark[grp.out[max(hit[0] - 1, 0) :]] = True
                else:
                    hit = np.zeros(len(grp.out), dtype=bool)
                    for index in grp.ins:
                        hit |= mark[index]
                    mark[grp.out[hit]] = True
            self._users[slot] = tuple(np.flatnonzero(mark[self.outputs]).tolist())
        return self._users[slot]

    def _reached(self, seeds: dict[int, float]) -> np.ndarray:
        """Which slots the seeded outputs depend on (backward() visits only those)."""
        mark = np.zeros(self.size, dtype=bool)
        mark[self.outputs[list(seeds)]] = True
        for grp in reversed(self.exact_backward):
            hit = mark[grp.out]
            if grp.chain:
                mark[grp.ins[0]] |= bool(hit.any())
            else:
                for index in grp.ins:
                    mark[index[hit]] = True
        return mark

    def eager_gradients(
        self, vals: np.ndarray, seeds: dict[int, float], live_slots: np.ndarray, same: dict[int, int]
    ) -> tuple:
        """What the eager engine gives: the call's graph rebuilt as Values (the numbers of this call, fresh leaves
        for the parameters and arguments, one for slots holding the same Value: ``same`` maps a slot to the first
        one), ``backward()`` run from the seeded outputs, the leaves' grads read (once per Value: 0 for the other
        slots of a Value). Raises what ``backward()`` raises."""
        if self.lowered:  # the slots a dot stands for hold no value: every slot computed as the eager engine would
            vals = vals.copy()
            self._run(vals, self.exact_groups)
        data = vals.tolist()
        nodes: list[Any] = [None] * self.size
        leaves = (self.input_slots[self.present], self.parameter_slots, self.constant_slots)
        leaf_slots = np.concatenate(leaves).tolist()
        for s in leaf_slots:
            nodes[s] = Value(data[s], label=self.labels.get(s, ""))
        for s, first in same.items():
            nodes[s] = nodes[first]
        for grp in self.exact_backward:
            out, ins = grp.out.tolist(), [index.tolist() for index in grp.ins]
            if grp.chain:  # ((a0 + a1) + a2) + ...
                addends, node = ins[0], nodes[ins[0][0]]
                for j, s in enumerate(out):
                    node = _node(data[s], (node, nodes[addends[j + 1]]), grp.op, self.labels.get(s, ""))
                    nodes[s] = node
                continue
            for i, s in enumerate(out):
                op = grp.node_ops[i] if grp.node_ops is not None else grp.op
                nodes[s] = _node(data[s], tuple(nodes[index[i]] for index in ins), op, self.labels.get(s, ""))
        # ``seeds`` lists the outputs newest first; backward() met them oldest first, having found them in the
        # opposite order: listed oldest first under one root, they are found, and their graphs walked, in that order
        seeded = list(reversed(seeds))
        root = _node(0.0, tuple(nodes[self.outputs[k]] for k in seeded), Seed([seeds[k] for k in seeded]), "")
        root.backward()
        return tuple(0.0 if s in same else nodes[s].grad for s in live_slots.tolist())

    # ---------------------------------------------------------------------------------------- display
    def __str__(self) -> str:
        ops_count = sum(len(g.out) for g in self.exact_groups)
        looks = f"; {self.guards.count:,} looks at values checked at every call" if self.guards.count else ""
        matmuls = sum(isinstance(g, Grid) for g in self.groups)
        lowered = f" (weighted sums lowered: {matmuls} matmul{'s' * (matmuls != 1)})" if self.lowered else ""
        lines = [
            f"program {self.name}: {self.size:,} Values ({len(self.input_slots):,} inputs, "
            f"{len(self.parameters):,} parameters, {len(self.constant_slots):,} constants, {ops_count:,} ops) "
            f"in {self.levels} levels, {len(self.groups)} array operations{lowered}{looks}",
            f"{'level':>5}  {'op':<12} {'nodes':>8}  inputs per node",
        ]
        for grp in self.groups:
            if grp.lowered:
                name, what = grp.describe()
                note = "" if grp.backward else "  (no output uses them)"
                lines.append(f"{grp.level:>5}  {name:<12} {len(grp.out):>8,}  {what}{note}")
                continue
            shared = sum(s.unique is not None for s in grp.scatters)
            note = f"  ({shared} of them shared between nodes)" if shared else ""
            note += "" if grp.backward else "  (no output uses them)"
            if grp.chain:
                lines.append(
                    f"{grp.level:>5}  {grp.op.name + ' chain':<12} {len(grp.out):>8,}  a running sum of "
                    f"{len(grp.ins[0])}"
                )
            else:
                lines.append(f"{grp.level:>5}  {grp.op.name:<12} {len(grp.out):>8,}  {len(grp.ins)}{note}")
        return "\n".join(lines)

    __repr__ = __str__


def _node(data: float, prev: tuple[Value, ...], op: Op, label: str) -> Value:
    node = Value(data, prev, op.name, label)
    node._maker = op
    return node


class Seed(Op):
    """The root of ``eager_gradients``' backward pass: passes each seeded output the gradient that arrived there."""

    name = "seed"

    def __init__(self, grads: list[float]):
        self.grads = grads

    def backward(self, g: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
        return tuple(self.grads)
