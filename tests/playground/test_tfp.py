"""The playground's side of "what TensorFlow Playground has" (issue 18): input features, L1, regression data sets,
and the bounds of the +/- buttons, through the messages the page sends (checked as a whole by messages.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd.features import FEATURES
from micrograd.playground import frames
from micrograd.playground import messages as msg
from micrograd.playground.session import LIVE_SETTINGS, Session


def send(session: Session, message: dict) -> list[dict]:
    return session.handle(msg.check(message))


def config(session: Session, **changes) -> list[dict]:
    return send(session, {"type": "config", "config": {**session.config, **changes}})


def test_the_page_is_offered_the_features_the_penalties_and_which_choices_are_regression() -> None:
    offered = msg.choices()
    assert offered["features"] == [[name, f.title] for name, f in FEATURES.items()]
    assert [name for name, _ in offered["penalties"]] == ["l1", "l2"] and offered["numbers"]["l1"] == [0.0, 1.0]
    assert offered["regression"] == {"dataset": ["plane", "multi-gaussian"], "loss": ["regression"]}
    assert offered["layers"] == [msg.MAX_LAYERS, msg.MAX_NEURONS] == [6, 16]
    assert msg.DEFAULT_CONFIG["features"] == ["x1", "x2"] and msg.DEFAULT_CONFIG["l1"] == 0.0


def test_choosing_features_starts_a_new_run_whose_network_takes_one_input_per_feature() -> None:
    session = Session()
    send(session, {"type": "step"})
    data, frame = config(session, features=["x1", "x2", "x1*x2", "sin(x2)"])
    assert data["type"] == "data" and frame["step"] == 0 and session.model.nin == 4
    assert len(frame["network"]["inputs"]) == 4 and len(frame["network"]["inputs"][0]) == frames.THUMB**2
    assert len(frame["network"]["weights"][0]) == 4  # (nin, nout) per layer
    # the first input's thumbnail is x1 over the plane, the third x1 * x2: the grid went through the features
    grid = frames._grid(session.bounds, frames.THUMB)
    assert frame["network"]["inputs"][2] == pytest.approx(np.round(grid[:, 0] * grid[:, 1], 3).tolist(), abs=1e-9)
    graph = frame["graph"]  # the example's graph: its inputs are the network's, named by feature
    labels = {node["label"] for node in graph["nodes"]}
    assert {"x1", "x2", "x1*x2", "sin(x2)"} <= labels
    assert session.run.steps == 0
    send(session, {"type": "step"})
    assert math.isfinite(session.run.loss_log[-1])


def test_l1_is_a_live_setting_and_changes_the_loss() -> None:
    assert "l1" in LIVE_SETTINGS
    session = Session()
    for _ in range(3):
        send(session, {"type": "step"})
    before = [p.data for p in session.model.parameters()]
    settings, frame = config(session, l1=0.05, l2=0.0)
    assert settings["type"] == "settings" and frame["step"] == 3  # the same run goes on
    assert [p.data for p in session.model.parameters()] == before
    send(session, {"type": "step"})
    X, y = session.X_train, session.y_train
    data_part = session.run.engine.batch_loss(session.model, session.run.batch_loss.loss, {})(X, y)[0].data
    penalty = 0.05 * sum(abs(p.data) for p in session.model.parameters())
    settings, _ = config(session, l1=0.0)
    assert session.run.batch_loss(X, y)[0].data == pytest.approx(data_part, rel=1e-12)
    config(session, l1=0.05)
    assert session.run.batch_loss(X, y)[0].data == pytest.approx(data_part + penalty, rel=1e-12)


def test_a_model_saved_on_features_says_so_and_loads_back_with_them() -> None:
    session = Session()
    config(session, features=["x1^2", "x2^2", "x1*x2"], hidden=[3])
    (saved,) = send(session, {"type": "export_model"})
    assert saved["model"]["features"] == ["x1^2", "x2^2", "x1*x2"]
    other = Session()
    other.handle(msg.check({"type": "import_model", "model": saved["model"]}))
    assert (
        other.config["features"] == ["x1^2", "x2^2", "x1*x2"]
        and other.model.to_state()["layers"] == (saved["model"]["layers"])
    )
    plain = {key: value for key, value in saved["model"].items() if key != "features"}  # an old file: x1, x2
    with pytest.raises(msg.BadMessage, match=r"the model must take 2 inputs \(x1, x2\)"):
        other.handle(msg.check({"type": "import_model", "model": plain}))


def test_a_regression_data_set_runs_with_the_regression_loss_and_reports_no_accuracy() -> None:
    session = Session()
    with pytest.raises(msg.BadMessage, match="loss 'hinge' is for classes; plane has real-number targets"):
        config(session, dataset="plane")  # the page switches the loss with the data set; a message alone is refused
    data, frame = config(session, dataset="plane", loss="regression")
    assert data["classes"] == 0 and all(isinstance(p[2], float) for p in data["train"])
    assert frame["train"][1] is None and frame["test"][1] is None and frame["train"][0] > 0
    # the boundary holds the output itself (what the page shades on a diverging scale)
    scores = frames._layers(session.run.engine.snapshot(session.model), frames._grid(session.bounds, frames.GRID))[-1]
    assert frame["boundary"] == pytest.approx(np.round(scores[:, 0], 3).tolist(), abs=1e-9)
    for _ in range(20):
        send(session, {"type": "step"})
    assert session.run.loss_log[-1] < session.run.loss_log[0]
    replies = send(session, {"type": "add_point", "point": [0.1, 0.2, -0.5]})  # a point's target, in [-1, 1]
    assert [list(p) for p in replies[0]["points"]] == [[0.1, 0.2, -0.5]]
    with pytest.raises(msg.BadMessage, match=r"a point's target must be between -1\.0 and 1\.0"):
        send(session, {"type": "add_point", "point": [0.1, 0.2, 3]})
    data, _ = config(session, dataset="moons", loss="hinge")  # back to classes: the targets are not classes
    assert data["points"] == [] and data["classes"] == 2


@pytest.mark.parametrize(
    ("hidden", "ok"), [([], True), ([16] * 6, True), ([8] * 7, False), ([17], False), ([0], False)]
)
def test_the_layer_and_neuron_buttons_bounds_are_the_servers(hidden: list[int], ok: bool) -> None:
    session = Session()
    if ok:
        config(session, hidden=hidden)
        assert session.model.nouts[:-1] == hidden
    else:
        with pytest.raises(msg.BadMessage):
            config(session, hidden=hidden)


def test_a_link_made_before_features_and_l1_still_loads_with_the_point_as_it_is_and_no_l1() -> None:
    old = {"dataset": "circles", "l2": 0.001, "hidden": [4]}  # what an address held before this change
    config = msg.config(old)
    assert config["features"] == ["x1", "x2"] and config["l1"] == 0.0 and config["l2"] == 0.001
    session = Session()
    send(session, {"type": "config", "config": old, "points": [[0.1, 0.1, 1]]})
    assert session.model.nin == 2 and session.config["features"] == ["x1", "x2"]
