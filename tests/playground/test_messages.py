"""Every message field is checked, with bounds, before the playground acts on it."""

from __future__ import annotations

import pytest

from micrograd.playground import messages as msg


def test_defaults_fill_what_a_config_leaves_out() -> None:
    assert msg.config({}) == msg.DEFAULT_CONFIG
    c = msg.config({"dataset": "spiral", "hidden": [16, 4], "lr": 0.5, "seed": 3})
    assert (c["dataset"], c["hidden"], c["lr"], c["seed"], c["loss"]) == ("spiral", [16, 4], 0.5, 3, "hinge")


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({"datset": "moons"}, "unknown config field 'datset'"),
        ({"dataset": "mnist"}, "dataset must be one of moons, circles"),
        ({"hidden": [8] * 7}, "at most 6 layer sizes"),
        ({"features": ["x1", "x3"]}, "unknown feature .x3. in features: choose from x1, x2, x1\\^2"),
        ({"features": []}, "features must be a non-empty list"),
        ({"features": ["x1", "x1"]}, "feature .x1. is given twice"),
        ({"l1": -0.1}, "l1 must be between 0.0 and 1.0"),
        ({"hidden": [17]}, "neurons per layer must be between 1 and 16"),
        ({"hidden": [2.5]}, "neurons per layer must be an integer"),
        ({"samples": 5000}, "samples must be between 10 and 1000"),
        ({"lr": float("nan")}, "lr must be between"),
        ({"lr": "0.1"}, "lr must be a number"),
        ({"noise": True}, "noise must be a number"),
        ({"dataset": "blobs", "loss": "hinge"}, "loss 'hinge' is for 2 classes; blobs has 3: use --loss ce"),
        ({"dataset": "blobs", "classes": 5, "loss": "ce"}, "classes must be between 2 and 4"),
        ({"dataset": "moons", "activation": "identity"}, "activation must be one of relu, tanh, sigmoid, linear"),
        ([1, 2], "config must be an object"),
    ],
)
def test_bad_configs_are_refused_with_a_reason(raw, match: str) -> None:
    with pytest.raises(msg.BadMessage, match=match):
        msg.config(raw)


def test_points_and_message_types() -> None:
    assert msg.point([0.5, -1, 1], classes=2) == (0.5, -1.0, 1)
    for bad, match in [([0, 0], r"\[x, y, class\]"), ([0, 0, 2], "class must be between 0 and 1"),
                       ([99, 0, 0], "coordinate must be between")]:  # fmt: skip
        with pytest.raises(msg.BadMessage, match=match):
            msg.point(bad, classes=2)
    assert msg.check({"type": "play"}) == {"type": "play"}
    for bad in [{"type": "eval", "code": "1+1"}, {"kind": "play"}, "play", None]:
        with pytest.raises(msg.BadMessage, match="unknown message"):
            msg.check(bad)


def test_a_set_weight_message_is_checked_field_by_field() -> None:
    ok = {"type": "set_weight", "layer": 2, "neuron": 3, "input": 1, "value": -0.5}
    assert msg.check(ok) == ok
    assert msg.check({**ok, "input": "bias", "value": 100})["value"] == 100.0
    for change, match in [
        ({"value": float("inf")}, "value must be between -100.0 and 100.0"),
        ({"value": 100.5}, r"value must be between -100.0 and 100.0, got 100.5"),
        ({"value": "0.5"}, "value must be a number, got '0.5'"),
        ({"value": None}, "value must be a number, got None"),
        ({"layer": 0}, "layer must be between 1 and 7"),
        ({"layer": True}, "layer must be an integer, got True"),
        ({"neuron": 1.5}, "neuron must be an integer, got 1.5"),
        ({"neuron": -1}, "neuron must be between 0 and 15"),
        ({"input": "b"}, "input must be an integer or \"bias\", got 'b'"),
        ({"input": [0]}, 'input must be an integer or "bias"'),
        ({"input": 10**400}, "input must be between 0 and 15"),
    ]:
        with pytest.raises(msg.BadMessage, match=match):
            msg.check({**ok, **change})
    with pytest.raises(msg.BadMessage, match="a set_weight message needs the field 'value'"):
        msg.check({"type": "set_weight", "layer": 1, "neuron": 0, "input": 0})
    with pytest.raises(msg.BadMessage, match="a set_weight message has no field 'weight'"):
        msg.check({**ok, "weight": 1})


def test_a_weight_place_is_checked_against_the_network() -> None:
    shape = {"nin": 4, "nouts": [8, 3]}  # 4 inputs, a hidden layer of 8, 3 outputs
    place = {"layer": 2, "neuron": 2, "input": 7}
    assert msg.weight_place(place, **shape) == (2, 2, 7)
    assert msg.weight_place({**place, "input": "bias"}, **shape) == (2, 2, "bias")
    assert msg.weight_place({"layer": 1, "neuron": 7, "input": 3}, **shape) == (1, 7, 3)
    for change, match in [
        ({"layer": 3}, r"layer must be between 1 and 2, got 3 \(this network has 2 layers of weights\)"),
        ({"neuron": 3}, r"neuron must be between 0 and 2, got 3 \(layer 2 has 3 neurons\)"),
        ({"input": 8}, r"input must be between 0 and 7, got 8 \(layer 2 takes 8 inputs\)"),
        ({"layer": 1, "input": 4}, r"input must be between 0 and 3, got 4 \(layer 1 takes 4 inputs\)"),
    ]:
        with pytest.raises(msg.BadMessage, match=match):
            msg.weight_place({**place, **change}, **shape)


def test_a_message_type_starting_with_a_vowel_takes_an() -> None:
    with pytest.raises(msg.BadMessage, match=r"^an add_point message has no field 'label'"):
        msg.check({"type": "add_point", "x": [0.1, 0.2], "label": 0})
    with pytest.raises(msg.BadMessage, match=r"^an export_model message has no field 'file'"):
        msg.check({"type": "export_model", "file": "x"})
