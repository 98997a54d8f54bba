"""Settings apply at once (issue 18, point 2): the learning rate, L2, optimizer, batch size and activation change
the running model, keeping its weights, data, step count and play state; the data set and the network's shape
start a new run. The server answers with the config it now holds, and a refused config leaves it unchanged.
Also: a test example can be selected (point 4), and a hinge example whose margin is met has zero gradients
(point 7, which the page explains)."""

from __future__ import annotations

import pytest

from micrograd.playground import messages as msg
from micrograd.playground.session import Session


def send(session: Session, message: dict) -> list[dict]:
    return session.handle(msg.check(message))


def weights(session: Session) -> list[float]:
    return [p.data for p in session.model.parameters()]


@pytest.mark.parametrize(("key", "value"), [("lr", 0.5), ("l2", 0.01), ("optimizer", "adam"), ("batch_size", 16),
                                            ("activation", "tanh"), ("activation", "linear")])  # fmt: skip
def test_a_live_setting_changes_the_running_model_and_keeps_its_weights(key: str, value: object) -> None:
    session = Session()
    for _ in range(3):
        send(session, {"type": "step"})
    send(session, {"type": "play"})
    before = weights(session)
    replies = send(session, {"type": "config", "config": {**session.config, key: value}})
    assert [r["type"] for r in replies] == ["settings", "frame"]
    assert replies[0]["config"][key] == value and session.config[key] == value
    assert weights(session) == before and session.step_count == 3 and session.playing
    assert getattr(session.run.config, key) == (value if key != "optimizer" else "adam")
    assert session.model.activation == session.config["activation"]
    send(session, {"type": "step"})
    assert session.step_count == 4 and weights(session) != before


def test_changing_the_activation_changes_what_the_model_computes() -> None:
    session = Session()
    send(session, {"type": "step"})
    x = session.X_train[0]
    relu = [v.data for v in session.model(x)] if isinstance(session.model(x), list) else session.model(x).data
    send(session, {"type": "config", "config": {**session.config, "activation": "tanh"}})
    tanh = [v.data for v in session.model(x)] if isinstance(session.model(x), list) else session.model(x).data
    assert relu != tanh


@pytest.mark.parametrize(("key", "value"), [("dataset", "circles"), ("hidden", [4]), ("seed", 7), ("noise", 0.2)])
def test_data_and_shape_changes_start_a_new_run(key: str, value: object) -> None:
    session = Session()
    send(session, {"type": "step"})
    send(session, {"type": "play"})
    replies = send(session, {"type": "config", "config": {**session.config, key: value}})
    assert [r["type"] for r in replies] == ["data", "frame"]
    assert replies[0]["config"][key] == value and session.step_count == 0


def test_a_refused_config_leaves_the_session_as_it_was() -> None:
    session = Session()
    send(session, {"type": "step"})
    config = dict(session.config)
    with pytest.raises(msg.BadMessage, match=r"lr must be between 1e-06 and 10\.0"):
        send(session, {"type": "config", "config": {**config, "lr": 99}})
    assert session.config == config and session.step_count == 1


def test_a_test_example_can_be_selected() -> None:
    session = Session()
    (reply,) = send(session, {"type": "select", "index": 2, "set": "test"})
    graph = reply["graph"]
    assert graph["set"] == "test" and graph["example"] == 2 and graph["x"] == session.X_test[2]
    assert graph["label"] == session.y_test[2]
    with pytest.raises(msg.BadMessage, match="index must be between 0 and"):
        send(session, {"type": "select", "index": len(session.X_test), "set": "test"})
    with pytest.raises(msg.BadMessage, match="set must be train or test"):
        send(session, {"type": "select", "index": 0, "set": "validation"})
    (reply,) = send(session, {"type": "select", "index": 2})
    assert reply["graph"]["set"] == "train" and reply["graph"]["x"] == session.X_train[2]


def test_after_hinge_training_a_well_classified_example_has_zero_loss_and_zero_grads() -> None:
    session = Session()
    assert session.config["loss"] == "hinge"
    for _ in range(60):
        send(session, {"type": "step"})
    graphs = [send(session, {"type": "select", "index": i})[0]["graph"] for i in range(len(session.X_train))]
    met = [g for g in graphs if g["nodes"][g["root"]]["data"] == 0]
    assert met, "no example had its margin met after 60 steps"
    for g in met:  # what the page explains with 'margin met: this example sends no gradient'
        inputs_and_weights = [n for n in g["nodes"] if not n["op"] and n["label"]]  # x1, x2, w..., b...
        assert len(inputs_and_weights) == 2 + session.model.num_parameters()
        assert all(n["grad"] == 0 for n in inputs_and_weights)
