"""Random expression graphs mixing every op, reused nodes and constants on both sides, against PyTorch."""

from __future__ import annotations

import math
import operator

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd import Value, grad
from micrograd.autodiff import topological_order
from micrograd.engine import weighted_sum
from tests.oracle import ALL, close, torch_leaves

OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}
BINARY_OPERATORS = list(OPERATORS)


def _apply_operator(op: str, a, b):
    return OPERATORS[op](a, b)


@st.composite
def graphs(draw):
    """A recipe: leaf values, then steps that each add one node made from earlier nodes."""
    leaves = draw(st.lists(st.floats(min_value=-3, max_value=3, allow_nan=False), min_size=1, max_size=5))
    steps = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("table"), st.integers(0, len(ALL) - 1), st.integers(0, 10**6), st.integers(0, 10**6)),
                st.tuples(
                    st.just("constant"),
                    st.sampled_from(BINARY_OPERATORS),
                    st.floats(min_value=-4, max_value=4, allow_nan=False),
                    st.integers(0, 10**6),
                    st.booleans(),
                ),
                st.tuples(st.just("neuron"), st.lists(st.integers(0, 10**6), min_size=1, max_size=6)),
            ),
            min_size=1,
            max_size=30,
        )
    )
    return leaves, steps


def _fine(v: float) -> bool:
    return math.isfinite(v) and abs(v) < 1e4


def build(
    leaves: list[float], steps: list, ours: list[Value] | None = None
) -> tuple[list[Value], list[Value], list[torch.Tensor], list[torch.Tensor]]:
    """Build the same graph in both engines, skipping any step outside an op's smooth domain.

    ``ours``: the Values to use as our leaves (default: new ones holding ``leaves``)."""
    ours = [Value(x) for x in leaves] if ours is None else ours
    theirs = torch_leaves(leaves)
    nodes, t_nodes = list(ours), list(theirs)
    for step in steps:
        kind = step[0]
        if kind == "table":
            case = ALL[step[1]]
            idx = [step[2] % len(nodes), step[3] % len(nodes)][: case.arity]
            args = [nodes[i] for i in idx]
            if not case.domain(*(a.data for a in args)):
                continue
            out, t_out = case.ours(*args), case.theirs(*[t_nodes[i] for i in idx])
        elif kind == "constant":
            _, op, c, i, on_left = step
            x, t_x = nodes[i % len(nodes)], t_nodes[i % len(nodes)]
            base, exponent = (c, x.data) if on_left else (x.data, c)
            if op == "/" and abs(x.data if on_left else c) < 1e-2:
                continue
            if op == "**" and not (1e-2 < base < 1e2 and abs(exponent) < 8):
                continue
            out = _apply_operator(op, c, x) if on_left else _apply_operator(op, x, c)
            t_out = _apply_operator(op, c, t_x) if on_left else _apply_operator(op, t_x, c)
        else:  # a neuron's weighted sum over earlier nodes (reuse allowed): b + w·x
            idx = [i % len(nodes) for i in step[1]]
            half = (len(idx) - 1) // 2
            b, w, x = idx[0], idx[1 : 1 + half], idx[1 + half : 1 + 2 * half]
            out = weighted_sum(nodes[b], [nodes[i] for i in w], [nodes[i] for i in x])
            t_out = t_nodes[b]
            for i, j in zip(w, x):
                t_out = t_out + t_nodes[i] * t_nodes[j]
        if _fine(out.data):
            nodes.append(out)
            t_nodes.append(t_out)
    return ours, nodes, theirs, t_nodes


@settings(max_examples=max(300, 3 * settings.default.max_examples))
@given(graphs())
def test_random_graphs_match_torch(recipe) -> None:
    leaves, steps = recipe
    ours, nodes, theirs, t_nodes = build(leaves, steps)
    root = sum(nodes[len(ours) :], nodes[-1])  # every node made, plus the last one again: heavy reuse
    t_root = sum(t_nodes[len(ours) :], t_nodes[-1])
    root.backward()
    assert close(root.data, t_root.item(), abs_=1e-9)
    t_grads = torch.autograd.grad(t_root, theirs, allow_unused=True)
    expected = [0.0 if g is None else g.item() for g in t_grads]
    scale = max([1.0] + [abs(g) for g in expected])
    for v, e in zip(ours, expected):
        assert close(v.grad, e, abs_=1e-10 * scale), (v.grad, e)
    # micrograd.grad gives the same numbers without touching .grad
    for v, g in zip(ours, grad(root, ours)):
        assert close(g.data, v.grad, abs_=1e-12 * scale)


@settings(max_examples=max(100, settings.default.max_examples))
@given(graphs())
def test_calling_each_nodes_backward_by_hand_gives_the_grads_of_backward(recipe) -> None:
    """The lecture's manual walk: root.grad = 1, then node._backward() from the output down, node by node."""
    leaves, steps = recipe
    ours, nodes, _, _ = build(leaves, steps)
    root = sum(nodes[len(ours) :], nodes[-1])
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        node._backward()
    by_hand = [v.grad for v in ours]
    again, nodes, _, _ = build(leaves, steps)
    sum(nodes[len(again) :], nodes[-1]).backward()
    # the same rule, in the same order: equal to the last bit (repr, so that a NaN equals a NaN)
    assert list(map(repr, by_hand)) == [repr(v.grad) for v in again]
