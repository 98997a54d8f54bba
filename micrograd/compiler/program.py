"""A traced scalar graph as a program of array operations, replayed forward and backward with NumPy.

Every node gets a slot in one flat array of numbers. Nodes are sorted into *levels* (a leaf is level 0; a node
is one more than its deepest input), and the nodes of one level made by the same op form a *group*: one NumPy
call computes them all. Forward runs the groups level by level with the ops' array forwards; backward runs them
in reverse with the ops' own derivative rules (``micrograd/ops.py``) on arrays, adding each group's gradients
into its inputs' slots. The scalar picture stays: every slot is one Value of the lecture's graph.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

import micrograd.tensor  # noqa: F401  (registers NumPy arrays with the ops, so their rules run on arrays)
from micrograd.autodiff import topological_order
from micrograd.engine import Value
from micrograd.ops import Op
from micrograd.tensor.array_ops import forward as array_forward


@dataclass
class Scatter:
    """How one input position of a group adds its gradients into the flat gradient array."""

    index: np.ndarray  # the input slot of each node of the group
    unique: np.ndarray | None = None  # when slots repeat: the distinct slots...
    inverse: np.ndarray | None = None  # ...and which of them each node's input is

    def add(self, grads: np.ndarray, local: np.ndarray) -> None:
        if self.unique is None:
            grads[self.index] += local
        else:  # repeated slots (a weight used by every example): sum per slot first
            grads[self.unique] += np.bincount(self.inverse[::-1], weights=local[::-1], minlength=len(self.unique))


@dataclass
class Group:
    level: int
    op: Op
    out: np.ndarray  # the slots this group writes
    ins: list[np.ndarray]  # per input position, the slots it reads
    scatters: list[Scatter]
    chain: bool = False  # a chain of + (see find_chains): out are its nodes, ins[0] its addends


def find_chains(order: list[Value], outputs: set[Value]) -> list[list[Value]]:
    """Runs of '+' nodes where each adds one more term to the last (``sum(terms)`` in Python builds these).

    A chain of n nodes would take n levels, one NumPy call each; replayed as one running sum
    (``np.add.accumulate``, which adds left to right, as Python did) it takes one. Only nodes used by nothing
    but the next '+' of the chain are folded in, so no other node needs their values or gradients.
    """
    uses: dict[Value, int] = defaultdict(int)
    for node in order:
        for p in node._prev:
            uses[p] += 1
    chain_of: dict[Value, list[Value]] = {}
    chains = []
    for node in order:
        if node._op != "+" or node._fn is None:
            continue
        first = node._prev[0]
        if first in chain_of and uses[first] == 1 and first not in outputs and chain_of[first][-1] is first:
            chain = chain_of[first]
            chain.append(node)
        else:
            chain = [node]
            chains.append(chain)
        chain_of[node] = chain
    return [c for c in chains if len(c) >= 3]


class RunningSum(Op):
    """A chain of '+': out_k = a_0 + a_1 + ... + a_k;  every a_j receives the last node's gradient."""

    name = "+ chain"

    def forward(self, addends):
        return np.add.accumulate(addends)[1:]


def _op_key(op: Op, arity: int) -> Any:
    """Nodes can share a NumPy call when their ops compute the same function (``x**2`` makes a new PowConst(2)
    object each time: same key)."""
    try:
        state = tuple(sorted(vars(op).items()))
        hash(state)
    except TypeError:
        state = id(op)
    return (type(op), state, arity)


def _backward_arrays(op: Op, g: np.ndarray, out: np.ndarray, xs: list[np.ndarray]) -> list[np.ndarray]:
    """The op's rule on whole arrays; for a custom op written for numbers only, element by element."""
    try:
        local = op.backward(g, out, *xs)
        return [np.broadcast_to(np.asarray(lk, dtype=float), g.shape) for lk in local]
    except TypeError:
        rows = [op.backward(*map(float, row)) for row in zip(g, out, *xs)]
        return [np.array(col, dtype=float) for col in zip(*rows)] if rows else [np.zeros(0) for _ in xs]


class Program:
    """The compiled form of one traced call: slots for every Value, groups of array operations per level."""

    def __init__(self, name: str, roots: list[Value], inputs: list[Value], created: set[Value]):
        self.name = name
        order = topological_order(*roots)
        slot = {node: i for i, node in enumerate(order)}
        self.size = len(order)
        self.outputs = np.array([slot[r] for r in roots], dtype=np.intp)

        input_set = set(inputs)
        self.input_slots = np.array([slot.get(x, -1) for x in inputs], dtype=np.intp)
        leaves = [n for n in order if n._fn is None and n not in input_set]
        constants = [n for n in leaves if n in created]
        self.parameters = [n for n in leaves if n not in created]  # made before the call: live, trainable
        self.parameter_slots = np.array([slot[p] for p in self.parameters], dtype=np.intp)
        self.constant_slots = np.array([slot[c] for c in constants], dtype=np.intp)
        self.constant_values = np.array([c.data for c in constants], dtype=float)

        chains = {c[-1]: c for c in find_chains(order, set(roots))}
        folded = {n for c in chains.values() for n in c[:-1]}
        level = [0] * len(order)
        members: dict[tuple[int, Any], list[Value]] = defaultdict(list)
        ops: dict[tuple[int, Any], Op] = {}
        self.groups: list[Group] = []
        for i, node in enumerate(order):
            if node._fn is None or node in folded:
                continue
            if node in chains:
                chain = chains[node]
                addends = [chain[0]._prev[0], *(n._prev[1] for n in chain)]
                level[i] = 1 + max(level[slot[a]] for a in addends)
                index = np.array([slot[a] for a in addends], dtype=np.intp)
                unique, inverse = np.unique(index, return_inverse=True)
                scatter = Scatter(index) if len(unique) == len(index) else Scatter(index, unique, inverse)
                out = np.array([slot[n] for n in chain], dtype=np.intp)
                self.groups.append(Group(level[i], RunningSum(), out, [index], [scatter], chain=True))
                continue
            level[i] = 1 + max((level[slot[p]] for p in node._prev), default=0)
            key = (level[i], _op_key(node._fn, len(node._prev)))
            members[key].append(node)
            ops.setdefault(key, node._fn)
        self.levels = max(level, default=0)
        for key in members:
            nodes = members[key]
            out = np.array([slot[n] for n in nodes], dtype=np.intp)
            ins = [np.array([slot[n._prev[k]] for n in nodes], dtype=np.intp) for k in range(len(nodes[0]._prev))]
            scatters = []
            for index in ins:
                unique, inverse = np.unique(index, return_inverse=True)
                scatters.append(Scatter(index) if len(unique) == len(index) else Scatter(index, unique, inverse))
            self.groups.append(Group(key[0], ops[key], out, ins, scatters))
        self.groups.sort(key=lambda grp: grp.level)  # stable: within a level, the order groups were found

    # ----------------------------------------------------------------------------------------- replay
    def forward(self, inputs: np.ndarray) -> np.ndarray:
        """Every slot's value for these input numbers and the parameters' current data."""
        vals = np.empty(self.size)
        present = self.input_slots >= 0  # an input the function never used has no slot
        vals[self.input_slots[present]] = inputs[present]
        vals[self.parameter_slots] = [p.data for p in self.parameters]
        vals[self.constant_slots] = self.constant_values
        with np.errstate(all="ignore"):  # a non-finite result sends the caller back to the eager engine
            for grp in self.groups:
                if grp.chain:
                    vals[grp.out] = np.add.accumulate(vals[grp.ins[0]])[1:]
                else:
                    vals[grp.out] = array_forward(grp.op, *[vals[i] for i in grp.ins])
        return vals

    def backward(self, vals: np.ndarray, output: int, seed: float) -> np.ndarray:
        """d(output)/d(slot) for every slot, given a forward pass's values."""
        grads = np.zeros(self.size)
        grads[self.outputs[output]] = seed
        with np.errstate(all="ignore"):
            for grp in reversed(self.groups):
                if grp.chain:  # every addend gets the gradient of the chain's last node
                    grp.scatters[0].add(grads, np.full(len(grp.ins[0]), grads[grp.out[-1]]))
                    continue
                g = grads[grp.out]
                if not g.any():
                    continue  # nothing flows through this group (another output's branch)
                local = _backward_arrays(grp.op, g, vals[grp.out], [vals[i] for i in grp.ins])
                for scatter, lk in zip(grp.scatters, local):
                    scatter.add(grads, lk)
        return grads

    # ---------------------------------------------------------------------------------------- display
    def __str__(self) -> str:
        ops = sum(len(g.out) for g in self.groups)
        lines = [
            f"program {self.name}: {self.size:,} Values ({len(self.input_slots):,} inputs, "
            f"{len(self.parameters):,} parameters, {len(self.constant_slots):,} constants, {ops:,} ops) "
            f"in {self.levels} levels, {len(self.groups)} array operations",
            f"{'level':>5}  {'op':<12} {'nodes':>8}  inputs per node",
        ]
        for grp in self.groups:
            shared = sum(s.unique is not None for s in grp.scatters)
            note = f"  ({shared} of them shared between nodes)" if shared else ""
            if grp.chain:
                lines.append(
                    f"{grp.level:>5}  {grp.op.name:<12} {len(grp.out):>8,}  a running sum of {len(grp.ins[0])}"
                )
            else:
                lines.append(f"{grp.level:>5}  {grp.op.name:<12} {len(grp.out):>8,}  {len(grp.ins)}{note}")
        return "\n".join(lines)

    __repr__ = __str__
