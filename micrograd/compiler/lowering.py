"""Lowering: a scalar graph's weighted sums replayed as a few array kernels, to the bit (issue 19, item 2).

A *dot* is a node whose value is a sum of addends, some of them products: ``b + w1*x1 + ... + wn*xn``. It is
recognised from the graph, whoever built it: a ``wx+b`` node (``weighted_sum``, ``Neuron``), or a run of ``+``
nodes, each adding one more addend to the last and used by nothing else, whose products (``*`` nodes used only
there) are its terms and whose other addends (a bias, the 0 that ``sum`` starts from) are added where they stand.
Nothing is known of ``micrograd.nn``: a hand-written neuron lowers as ``Neuron`` does.

The dots of one level with the same shape of sum (which addends are products) are replayed together. Where they
form a *grid*, as a layer applied to a batch does (every node reads one of R vectors of inputs, x, and one of
U vectors of weights, w, and every pair (x, w) is a node), one ``Grid`` computes all R x U sums from an (R, n)
array of inputs and a (U, n) array of weights read once: an outer product per term, summed. Any other dots (a
partial grid, a neuron missing a term, weights shared another way) are one ``Rows`` group: a node per row.

The sums run in the eager order, term after term (``np.add.accumulate``, which adds in sequence: no pairwise or
BLAS summation), so every value is the eager engine's to the bit, and the guards, ``verify`` and the NaN rule of
``program.py`` hold unchanged. Gradients are summed in the order the eager engine's ``backward()`` visits the
nodes (a Grid is only made where its nodes' order allows that), so on MLP losses they are equal to the bit too.
The nodes a dot stands for (the ``*`` and the inner ``+`` nodes) get no value in a replay (their slots hold 0);
where the eager engine must take over, the program first recomputes every slot without lowering.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from micrograd import ops
from micrograd.engine import Value


@dataclass
class Dot:
    """One node whose value is a sum of addends in this order: ``kinds[k]`` is True for a product (its factors
    are the next of ``w`` and ``x``), False for any other addend (the next of ``plains``)."""

    at: int  # the node's slot
    kinds: tuple[bool, ...]
    w: tuple[int, ...]  # the slots of each product's first factor...
    x: tuple[int, ...]  # ...and of its second
    plains: tuple[int, ...]  # the slots of the other addends
    folded: list[Value]  # the nodes this dot stands for, besides its own (inner '+', the products)


def find_dots(
    nodes: list[Value],
    runs: list[list[Value]],
    outputs: set[Value],
    uses: dict[Value, int],
    made: set[Value],
    slot: dict[Value, int],
) -> dict[Value, Dot]:
    """The dots among ``nodes`` (keyed by their node): every ``wx+b`` node, and every run of '+' nodes (from
    ``find_chains``, any length) with at least one product among its addends."""
    dots: dict[Value, Dot] = {}
    for node in nodes:
        if type(node._maker) is ops.WeightedSum and len(node._prev) >= 3:
            at = [slot[p] for p in node._prev]
            n = (len(at) - 1) // 2
            dots[node] = Dot(slot[node], (False,) + (True,) * n, tuple(at[1 : n + 1]), tuple(at[n + 1 :]), (at[0],), [])
    for run in runs:
        addends = [run[0]._prev[0], *(n._prev[1] for n in run)]
        kinds = tuple(type(a._maker) is ops.Mul and a in made and uses[a] == 1 and a not in outputs for a in addends)
        if not any(kinds):
            continue
        products = [a for a, product in zip(addends, kinds) if product]
        w, x = tuple(slot[a._prev[0]] for a in products), tuple(slot[a._prev[1]] for a in products)
        plains = tuple(slot[a] for a, product in zip(addends, kinds) if not product)
        dots[run[-1]] = Dot(slot[run[-1]], kinds, w, x, plains, [*run[:-1], *products])
    return dots


class Lowered:
    """A group of dots: ``run`` writes their values into ``vals``, ``back`` adds their inputs' gradients."""

    lowered = True
    chain = False
    node_ops = None
    level: int
    out: np.ndarray
    backward: bool

    def run(self, vals: np.ndarray) -> None:
        raise NotImplementedError

    def back(self, vals: np.ndarray, grads: np.ndarray) -> None:
        raise NotImplementedError


class Scatter:
    """How one array of gradients adds into the flat gradient array: directly where its slots are distinct, else
    summed per slot first, in array order (``np.bincount`` adds in sequence)."""

    __slots__ = ("index", "inverse", "unique")

    def __init__(self, index: np.ndarray):
        self.index = index
        unique, inverse = np.unique(index, return_inverse=True)
        self.unique, self.inverse = (None, None) if len(unique) == len(index) else (unique, inverse)

    def add(self, grads: np.ndarray, local: np.ndarray) -> None:
        if self.unique is None:
            grads[self.index] += local
        else:
            grads[self.unique] += np.bincount(self.inverse, weights=local, minlength=len(self.unique))


def in_order(addends: np.ndarray) -> np.ndarray:
    """``addends[0] + addends[1] + ...`` over the first axis, added in that order, as a chain of '+' adds.

    ``np.add.reduce`` over an axis that is not the fastest in memory adds each row in turn (NumPy sums pairwise
    only along the fastest axis: documented, and checked by ``tests/compiler/test_lowering.py``); with a single
    column that axis would be the fastest, so a single column is accumulated instead (which adds in sequence)."""
    if addends.ndim == 1 or addends[0].size == 1:
        return np.add.accumulate(addends.reshape(len(addends)))[-1:].reshape(addends.shape[1:])
    return np.add.reduce(addends, axis=0)


def _rows(positions: list[int]) -> slice | list[int]:
    """The rows at ``positions`` as a slice where they follow one another (written in place, without a copy)."""
    if positions and positions == list(range(positions[0], positions[-1] + 1)):
        return slice(positions[0], positions[-1] + 1)
    return positions


class Rows(Lowered):
    """Dots of one shape, one node per column: (n, N) arrays of first and second factors, gathered per node."""

    def __init__(self, level: int, dots: list[Dot], live: bool, needs: np.ndarray):
        dots = sorted(dots, key=lambda d: -d.at)  # the order backward() visits them: sums in its order
        self.level, self.backward, self.kinds = level, live, dots[0].kinds
        self.out = np.array([d.at for d in dots], dtype=np.intp)
        self.left = np.array([d.w for d in dots], dtype=np.intp).reshape(len(dots), -1).T.copy()
        self.right = np.array([d.x for d in dots], dtype=np.intp).reshape(len(dots), -1).T.copy()
        plain = np.array([d.plains for d in dots], dtype=np.intp).reshape(len(dots), -1)
        self.plain = plain.T.copy()
        self.terms = [k for k, product in enumerate(self.kinds) if product]
        self.others = [k for k, product in enumerate(self.kinds) if not product]
        # node by node (the order backward() visits them) within each slot: the eager order of a shared weight's sum
        self.scatters = [Scatter(index.T.ravel()) for index in (self.left, self.right, self.plain)]
        self.need = [bool(needs[index].any()) for index in (self.left, self.right, self.plain)]

        self.term_rows, self.other_rows = _rows(self.terms), _rows(self.others)

    def run(self, vals: np.ndarray) -> None:
        if not self.others:
            vals[self.out] = in_order(vals[self.left] * vals[self.right])
            return
        addends = np.empty((len(self.kinds), len(self.out)))
        if isinstance(self.term_rows, slice):
            np.multiply(vals[self.left], vals[self.right], out=addends[self.term_rows])
        else:
            addends[self.term_rows] = vals[self.left] * vals[self.right]
        addends[self.other_rows] = vals[self.plain]
        vals[self.out] = in_order(addends)

    def back(self, vals: np.ndarray, grads: np.ndarray) -> None:
        g = grads[self.out]
        left, right, plain = self.scatters
        if self.need[0]:
            left.add(grads, (vals[self.right] * g).T.ravel())
        if self.need[1]:
            right.add(grads, (vals[self.left] * g).T.ravel())
        if self.need[2]:
            plain.add(grads, np.repeat(g, self.plain.shape[0]))

    def describe(self) -> tuple[str, str]:
        n, others = len(self.terms), len(self.others)
        extra = f" + {others}" if others else ""
        return "dot", f"{n} product{'s' * (n != 1)}{extra}, node by node"


class Grid(Lowered):
    """Dots that form a grid: node (r, u) sums the products of inputs ``x[r]`` and weights ``w[u]`` (and its own
    other addends). An (R, n) array of inputs and a (U, n) array of weights are read once; each term is an outer
    product, and the terms are added in order. Backward: each weight sums over the rows, each input over the
    units, in the order backward() visits the nodes (rows and units are sorted so that it is theirs)."""

    def __init__(self, level: int, grid: np.ndarray, dots: dict[int, Dot], live: bool, needs: np.ndarray):
        """``grid``: (R, U) node slots, decreasing along both axes (the order backward() visits them)."""
        rows, units = grid.shape
        self.level, self.backward, self.shape = level, live, grid.shape
        self.kinds = dots[int(grid[0, 0])].kinds
        self.out = grid.ravel().copy()
        self.x = np.array([dots[s].x for s in grid[:, 0].tolist()], dtype=np.intp)
        self.w = np.array([dots[s].w for s in grid[0, :].tolist()], dtype=np.intp)
        plain = np.array([dots[s].plains for s in self.out.tolist()], dtype=np.intp)
        self.plain = plain.reshape(len(self.out), -1).T.copy()  # (others, R * U)
        self.terms = [k for k, product in enumerate(self.kinds) if product]
        self.others = [k for k, product in enumerate(self.kinds) if not product]
        self.scatters = [Scatter(self.w.ravel()), Scatter(self.x.ravel()), Scatter(self.plain.T.ravel())]
        self.need = [bool(needs[index].any()) for index in (self.w, self.x, self.plain)]
        self.term_rows, self.other_rows = _rows(self.terms), _rows(self.others)
        # a bias per unit (the same Value down each column, another in each): summed over the rows at once
        columns = self.plain.reshape(len(self.others), rows, units)
        self.per_unit = (
            len(self.others) == 1
            and bool((columns == columns[:, :1, :]).all())
            and len(np.unique(columns[0, 0])) == units
        )

    def run(self, vals: np.ndarray) -> None:
        rows, units = self.shape
        x, w = vals[self.x], vals[self.w]  # (R, n), (U, n)
        addends = np.empty((len(self.kinds), rows, units))
        if isinstance(self.term_rows, slice):  # w * x, as the eager product
            np.multiply(w.T[:, None, :], x.T[:, :, None], out=addends[self.term_rows])
        else:
            addends[self.term_rows] = w.T[:, None, :] * x.T[:, :, None]
        if self.others:
            addends[self.other_rows] = vals[self.plain].reshape(len(self.others), rows, units)
        vals[self.out] = in_order(addends.reshape(len(self.kinds), -1))

    def back(self, vals: np.ndarray, grads: np.ndarray) -> None:
        rows, units = self.shape
        g = grads[self.out].reshape(rows, units)
        weights, inputs, plain = self.scatters
        if self.need[0]:  # d/dw[u, i]: the sum over rows of g[r, u] * x[r, i], rows in order
            x = vals[self.x]
            weights.add(grads, in_order((g[:, :, None] * x[:, None, :]).reshape(rows, -1)))
        if self.need[1]:  # d/dx[r, i]: the sum over units of g[r, u] * w[u, i], units in order
            w = vals[self.w]
            inputs.add(grads, in_order((g.T[:, :, None] * w[:, None, :]).reshape(units, -1)))
        if self.need[2] and self.per_unit:  # each unit's bias: the sum over the rows, in order
            grads[self.plain[0, :units]] += in_order(g)
        elif self.need[2]:
            plain.add(grads, np.repeat(g.ravel(), self.plain.shape[0]))

    def describe(self) -> tuple[str, str]:
        rows, units = self.shape
        others = len(self.others)
        extra = f" + {others}" if others else ""
        return "matmul", f"{rows} x {len(self.terms)} inputs by {len(self.terms)} x {units} weights{extra}"


def _grid(dots: list[Dot]) -> np.ndarray | None:
    """The (R, U) node slots of these dots if they form a full grid whose order allows eager sums, else None."""
    row_of: dict[tuple[int, ...], int] = {}
    unit_of: dict[tuple[int, ...], int] = {}
    if len(dots) < 2:
        return None
    cells = [(row_of.setdefault(d.x, len(row_of)), unit_of.setdefault(d.w, len(unit_of)), d.at) for d in dots]
    rows, units = len(row_of), len(unit_of)
    if rows * units != len(dots):
        return None
    grid = np.full((rows, units), -1, dtype=np.intp)
    for r, u, s in cells:
        grid[r, u] = s
    if (grid < 0).any():  # a cell twice, another missing
        return None
    grid = grid[np.argsort(-grid[:, 0], kind="stable")]
    grid = grid[:, np.argsort(-grid[0, :], kind="stable")]
    if (np.diff(grid, axis=0) >= 0).any() or (np.diff(grid, axis=1) >= 0).any():
        return None  # backward() visits these nodes in an order no grid has: its sums could not be the eager ones
    return grid


def _components(dots: list[Dot]) -> list[list[Dot]]:
    """The dots split where they share no input vector and no weight vector (union-find over the vectors)."""
    parent: dict[tuple, tuple] = {}

    def root(k: tuple) -> tuple:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    keys = []
    for d in dots:
        x, w = ("x", d.x), ("w", d.w)
        parent[root(x)] = root(w)
        keys.append(x)
    parts: dict[tuple, list[Dot]] = defaultdict(list)
    for d, x in zip(dots, keys):
        parts[root(x)].append(d)
    return list(parts.values())


def lower(level: int, dots: list[Dot], live: bool, needs: np.ndarray) -> list[Lowered]:
    """Groups for dots of one level and one shape: a Grid per grid among them, the rest as one Rows group."""
    groups: list[Lowered] = []
    rest: list[Dot] = []
    by_slot = {d.at: d for d in dots}
    for part in _components(dots):
        grid = _grid(part)
        if grid is None:
            rest += part
        else:
            groups.append(Grid(level, grid, by_slot, live, needs))
    if rest:
        groups.append(Rows(level, rest, live, needs))
    return groups
