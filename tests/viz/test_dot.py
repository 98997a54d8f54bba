"""draw_dot and trace: what the picture of a graph contains (the DOT source, no rendering needed)."""

from __future__ import annotations

import math
import re

import graphviz
import pytest

from micrograd import Op, Value, draw_dot
from micrograd.lecture import neuron, readme_example
from micrograd.viz import trace
from micrograd.viz.dot import HIGHLIGHT_COLOR, NONFINITE_COLOR


def records(dot: graphviz.Digraph) -> dict[str, str]:
    """Node id -> record label, for the Value nodes of a drawing."""
    found = {}
    for line in dot.body:
        m = re.match(r'\s*(\w+) \[label="\{ (.*) \}".*shape=record', line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def test_the_neuron_is_drawn_with_every_value_op_and_edge() -> None:
    o, leaves = neuron()
    nodes, edges = trace(o)
    assert len(nodes) == 10 and nodes[-1] is o and set(leaves.values()) <= set(nodes)
    assert len(edges) == sum(len(n._prev) for n in nodes) == 9
    dot = draw_dot(o)
    assert isinstance(dot, graphviz.Digraph) and dot.format == "svg"
    labels = set(records(dot).values())
    assert "o | data 0.7071 | grad 1.0000" in labels
    assert "x1 | data 2.0000 | grad -1.5000" in labels
    assert "w1 | data -3.0000 | grad 1.0000" in labels
    assert "x2 | data 0.0000 | grad 0.5000" in labels
    assert "w2 | data 1.0000 | grad 0.0000" in labels
    ops = re.findall(r'(\w+op) \[label="?([^" ]+)"? ', dot.source)
    assert sorted(op for _, op in ops) == ["*", "*", "+", "+", "tanh"]
    # each op node has one edge per input into it and one edge out to the Value it made
    assert dot.source.count("->") == len(edges) + len(ops)
    assert "rankdir=LR" in dot.source


def test_an_unlabelled_value_shows_data_and_grad_only_and_grads_can_be_hidden() -> None:
    y = Value(3.0) * 2
    y.backward()
    assert set(records(draw_dot(y)).values()) == {"data 3.0000 | grad 2.0000", "data 2.0000 | grad 3.0000",
                                                  "data 6.0000 | grad 1.0000"}  # fmt: skip
    assert "grad" not in draw_dot(y, show_grad=False).source
    assert "rankdir=TB" in draw_dot(y, rankdir="TB").source


def test_highlight_fills_the_values_with_the_largest_gradients() -> None:
    g, a, b = readme_example()
    dot = draw_dot(g, highlight=2)
    ids = {n: f"v{i}" for i, n in enumerate(trace(g)[0])}
    filled = {line.split()[0] for line in dot.body if HIGHLIGHT_COLOR in line}
    assert filled == {ids[b], ids[a]}  # |dg/db| = 645.58, |dg/da| = 138.83 are the largest
    assert all(HIGHLIGHT_COLOR not in line for line in draw_dot(g).body)


def test_nan_and_infinite_values_are_filled_red() -> None:
    x = Value(math.inf, label="x")
    y = x - x  # inf - inf = nan (IEEE)
    y.label = "y"
    dot = draw_dot(y)
    red = [line for line in dot.body if NONFINITE_COLOR in line]
    assert len(red) == 2 and "data inf" in red[0] and "data nan" in red[1]


def test_large_and_tiny_numbers_switch_to_scientific_notation() -> None:
    labels = set(records(draw_dot(Value(1.5e8, label="big") + Value(2.5e-7, label="tiny"))).values())
    assert "big | data 1.5000e+08 | grad 0.0000" in labels
    assert "tiny | data 2.5000e-07 | grad 0.0000" in labels


def test_record_special_characters_in_labels_are_escaped() -> None:
    x = Value(1.0, label='{a|b} <c> "d"')
    assert records(draw_dot(x)) == {"v0": r"\{a\|b\} \<c\> \"d\" | data 1.0000 | grad 0.0000"}


def test_custom_ops_show_their_name() -> None:
    class Cube(Op):
        name = "cube"

        def forward(self, x: float) -> float:
            return x**3

        def backward(self, g, out, x):
            return (3 * x**2 * g,)

    y = Cube()(Value(2.0))
    y.backward()
    assert "label=cube" in draw_dot(y).source


def test_several_roots_share_one_drawing() -> None:
    a = Value(1.0, label="a")
    u, v = a + 1, a * 3
    nodes, _ = trace([u, v])
    assert len(nodes) == 5 and nodes.count(a) == 1
    assert len(records(draw_dot([u, v]))) == 5


def test_huge_graphs_are_refused_with_a_clear_message_unless_asked() -> None:
    x = Value(0.0)
    for _ in range(600):
        x = x + 1.0
    with pytest.raises(ValueError, match=r"more than max_nodes=500 Values"):
        draw_dot(x)
    assert len(records(draw_dot(x, max_nodes=None))) == 1201
    deep = Value(0.0)
    for _ in range(100_000):  # no recursion: a deep chain is traced iteratively
        deep = deep * 1.0
    assert len(trace(deep)[0]) == 200_001


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"rankdir": "XY"}, "rankdir must be"), ({"highlight": -1}, "highlight must be >= 0")],
)
def test_bad_options_are_named(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        draw_dot(Value(1.0), **kwargs)


def test_non_values_are_refused_by_type() -> None:
    with pytest.raises(TypeError, match=r"expected a Value or a Tensor \(or several\), got float"):
        draw_dot(1.0)  # type: ignore[arg-type]


def test_tensor_graphs_show_small_arrays_and_the_shapes_of_large_ones() -> None:
    import numpy as np

    from micrograd.tensor import Tensor

    x = Tensor([[1.0, 2.0]], requires_grad=True, label="x")
    w = Tensor(np.ones((2, 3)), requires_grad=True, label="w")
    y = (x @ w).tanh().sum()
    y.backward()
    labels = set(records(draw_dot(y)).values())
    assert "w | data shape (2, 3) | grad shape (2, 3)" in labels
    assert "x | data [1.0000, 2.0000] | grad [0.0296, 0.0296]" in labels
    assert "data 2.9852 | grad 1.0000" in labels
    assert "grad None" in records(draw_dot(Tensor([1.0], requires_grad=True) * 2)).get("v0", "")
