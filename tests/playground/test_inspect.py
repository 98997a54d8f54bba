"""One example's graph as the page gets it: labels, local derivatives, backward order, checks, bad nodes."""

from __future__ import annotations

import math
import random

from micrograd.engine import Value
from micrograd.nn import MLP
from micrograd.playground import explain as inspect


def test_the_example_graph_is_built_on_a_copy_and_labels_every_parameter() -> None:
    random.seed(0)
    model = MLP(2, [3, 1], activation="tanh")
    inspect.label_parameters(model)
    for p in model.parameters():
        p.grad = 123.0  # a training batch's gradients, which the example must not see or change
    root = inspect.example_loss(model, "mse", [0.5, -1.0], 1)
    graph = inspect.graph(root)
    labels = {n["label"] for n in graph["nodes"]}
    assert {"x1", "x2", "w1[0][0]", "w1[2][1]", "b1[2]", "w2[0][2]", "b2[0]", "score", "loss"} <= labels
    assert all(p.grad == 123.0 for p in model.parameters())
    x1 = next(n for n in graph["nodes"] if n["label"] == "x1")
    fd = inspect.finite_difference(root, x1["id"])
    assert math.isclose(fd["numerical"], fd["backprop"], rel_tol=1e-6) and fd["backprop"] == x1["grad"]


def test_the_first_non_finite_node_is_flagged() -> None:
    a = Value(1e308, label="a")
    b = a * 10.0  # IEEE: inf, no error
    b.label = "b"
    c = b - b  # inf - inf = nan
    c.label = "c"
    graph = inspect.graph(c)
    assert graph["nodes"][graph["bad"]]["label"] == "b" and graph["nodes"][graph["bad"]]["data"] == "inf"


def test_a_failing_op_is_shown_as_the_last_node() -> None:
    x = Value(-1.0, label="x")
    try:
        (x * 2).log()
    except ArithmeticError as err:
        graph = inspect.failed_graph(err)
    assert graph["nodes"][graph["bad"]]["op"] == "log" and "log" in graph["failure"]
    assert {n["label"] for n in graph["nodes"]} >= {"x", "failed here"}
