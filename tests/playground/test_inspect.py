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


def _example(hidden: list[int], loss: str = "hinge", outputs: int = 1, seed: int = 0) -> tuple[Value, dict]:
    random.seed(seed)
    model = MLP(2, [*hidden, outputs])
    inspect.label_parameters(model)
    root = inspect.example_loss(model, loss, [0.5, -1.0], 1)
    return root, inspect.graph(root)


def test_every_value_is_named_by_the_neuron_that_made_it_as_the_network_picture_names_it() -> None:
    _, graph = _example([8, 8])
    groups = {n["group"] for n in graph["nodes"]}
    assert groups == {"input", "loss", "output 0"} | {f"L{layer} N{k}" for layer in (1, 2) for k in range(8)}
    for n in graph["nodes"]:
        if n["label"].startswith(("w", "b")):  # w2[3][k] and b2[3] belong to layer 2's neuron 3; layer 3 is the output
            layer, neuron = n["label"][1], n["label"].split("[")[1].rstrip("]")
            assert n["group"] == (f"output {neuron}" if layer == "3" else f"L{layer} N{neuron}"), n
    by_label = {n["label"]: n for n in graph["nodes"] if n["label"]}
    assert by_label["x1"]["group"] == "input" and by_label["score"]["group"] == "output 0"
    assert by_label["loss"]["group"] == "loss" and by_label["loss"]["id"] == graph["root"]
    # every edge goes from an input, a neuron of an earlier layer or the same neuron, never backwards in layers
    order = {"input": 0, "output 0": 3, "loss": 4, **{f"L{a} N{k}": a for a in (1, 2) for k in range(8)}}
    for e in graph["edges"]:
        a, b = graph["nodes"][e["from"]]["group"], graph["nodes"][e["to"]]["group"]
        assert order[a] < order[b] or a == b, (a, b)
    relu = [n for n in graph["nodes"] if n["group"] == "L1 N3" and n["op"] == "ReLU"]
    assert [n["name"] for n in relu] == ["L1 N3 ReLU"]


def test_small_networks_have_every_product_and_sum_and_large_ones_one_weighted_sum_per_neuron() -> None:
    _, small = _example([4])
    assert small["lecture"] and not any(n["op"] == "wx+b" for n in small["nodes"])
    names = {n["name"] for n in small["nodes"]}
    assert {"w1[2][0]*x1", "w1[2][1]*x2", "L1 N2 sum 1", "L1 N2 sum 2", "L1 N2 ReLU", "w2[0][2]*L1 N2"} <= names
    _, middle = _example([8, 8])  # products and sums, but one box per neuron by default
    assert not middle["lecture"] and sum(n["op"] == "*" for n in middle["nodes"]) > 2 * 8 + 8 * 8
    _, large = _example([16, 16, 16, 16])
    assert not large["lecture"] and sum(n["op"] == "wx+b" for n in large["nodes"]) == 4 * 16 + 1


def test_the_lectures_products_and_sums_give_the_same_numbers_as_one_weighted_sum(monkeypatch) -> None:
    unfused_root, unfused = _example([8, 8], "mse", seed=3)
    monkeypatch.setattr(inspect, "PRODUCT_NEURONS", 0)
    fused_root, fused = _example([8, 8], "mse", seed=3)
    assert len(fused["nodes"]) < len(unfused["nodes"])
    assert math.isclose(unfused_root.data, fused_root.data, rel_tol=1e-12)
    for label in ["x1", "x2", "w1[3][1]", "b2[5]", "w3[0][7]", "score"]:
        a = next(n for n in unfused["nodes"] if n["label"] == label)
        b = next(n for n in fused["nodes"] if n["label"] == label)
        assert math.isclose(a["grad"], b["grad"], rel_tol=1e-9, abs_tol=1e-12), label


def test_the_losss_constants_say_what_they_are() -> None:
    _, hinge = _example([2], "hinge")
    roles = {n["role"]: n["data"] for n in hinge["nodes"] if "role" in n}
    assert roles == {"y (label ±1)": 1.0, "margin": 1.0, "sum's start": 0.0, "1/n (mean, n=1)": 1.0}
    _, mse = _example([2], "mse")
    assert {n["role"]: n["data"] for n in mse["nodes"] if "role" in n}["target"] == 1.0
    assert all(n["name"] == n["role"] for n in mse["nodes"] if "role" in n)
    assert all("role" not in n for n in mse["nodes"] if n["op"] or n["group"] != "loss")


def test_a_forward_pass_that_fails_keeps_its_groups() -> None:
    random.seed(0)
    model = MLP(2, [2, 1])
    inspect.label_parameters(model)
    for neuron in model.layers[0].neurons:
        for w in neuron.w:
            w.data = 1.0  # each hidden neuron gives 2 for the input (1, 1)...
    for w in model.layers[1].neurons[0].w:
        w.data = 1e200  # ...so the score is 4e200, whose square overflows
    try:
        inspect.example_loss(model, "mse", [1.0, 1.0], 1)
    except ArithmeticError as err:
        graph = inspect.failed_graph(err)
    failed = graph["nodes"][graph["bad"]]
    assert failed["name"] == "failed here" and failed["group"] == "loss" and failed["op"] == "**2"
    assert {n["group"] for n in graph["nodes"]} == {"input", "L1 N0", "L1 N1", "output 0", "loss"}
