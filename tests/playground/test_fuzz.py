"""Fuzzing the playground's WebSocket: any JSON value, near-miss message or binary frame gets a reply; a refused
one is answered by exactly one error, leaves the session exactly as it was, and the connection keeps working.

One connection takes every example (Starlette's TestClient, as test_app.py talks to the app), so a message that
broke the connection or the session would break every example after it. Examples: the Hypothesis profile's count
(tests/conftest.py: fewer in CI, more on a developer's machine); with ``-s`` it prints how many frames were tried,
refused and accepted.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from micrograd.features import FEATURES
from micrograd.playground import messages as msg
from micrograd.playground.app import create_app
from micrograd.playground.session import Session
from tests.playground.support import BASE, WS, receive, strict_json

leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**1000)  # too large for a float
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.integers(1000, 100_000).map(lambda n: "x" * n)  # a long string, quoted in an error message?
    | st.sampled_from(
        ["moons", "blobs", "ce", "hinge", "relu", "adam", "plane", "regression", "x1^2", "sin(x2)", *msg.TYPES]
    )
)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
fields = sorted({f for required, optional in msg.FIELDS.values() for f in (*required, *optional)} | {"code"})
near_misses = st.builds(
    lambda kind, extra: {"type": kind, **extra},
    st.sampled_from([*msg.TYPES, "eval", "Play"]),
    st.dictionaries(st.sampled_from(fields), values, max_size=2),
)
feature_lists = st.lists(st.sampled_from([*FEATURES, "x3"]), max_size=8)  # near misses: unknown, repeated, none
configs = st.builds(
    lambda config, points: {"type": "config", "config": config, **({} if points is None else {"points": points})},
    st.dictionaries(st.sampled_from([*msg.DEFAULT_CONFIG, "datset"]), values | feature_lists, max_size=4),
    st.none() | values | st.lists(st.lists(values, min_size=3, max_size=3), max_size=3),
)


def bad_weight(model: dict, value: Any) -> dict:
    model = json.loads(json.dumps(model))
    model["layers"][-1][0]["w"][0] = value
    return model


def set_weight_message(layer: Any, neuron: Any, source: Any, value: Any) -> dict:
    return {"type": "set_weight", "layer": layer, "neuron": neuron, "input": source, "value": value}


set_weights = st.builds(  # near the network's edges (2-8-8-1 at the start): some in range, most just outside
    set_weight_message,
    st.integers(0, 4) | values,
    st.integers(-1, 9) | values,
    st.integers(-1, 9) | st.just("bias") | values,
    st.floats(-150, 150) | st.sampled_from([100.0, -100.0, 1e308]) | values,
) | st.builds(  # and inside the 2-8-8-1 network's bounds, mostly
    set_weight_message,
    st.integers(1, 3),
    st.integers(0, 7),
    st.integers(0, 1) | st.just("bias"),
    st.floats(-100, 100),
)


def weight_set(session: Session, message: dict) -> float:
    """The number now held by the weight (or bias) an accepted set_weight message names."""
    unit = session.model.layers[message["layer"] - 1].neurons[message["neuron"]]
    return (unit.b if message["input"] == "bias" else unit.w[message["input"]]).data


raw_texts = st.one_of(
    st.text(max_size=40),
    st.integers(1, 100_000).map(lambda n: "[" * n),
    st.integers(300, 6000).map(lambda n: '{"type":"speed","steps_per_second":1' + "0" * n + "}"),
    st.sampled_from(["NaN", '{"type":"speed","steps_per_second":Infinity}', "", "{", '{"type":"play"}x']),
)
frames = st.one_of(
    values.map(lambda v: ("text", json.dumps(v))),
    near_misses.map(lambda m: ("text", json.dumps(m))),
    configs.map(lambda m: ("text", json.dumps(m))),
    set_weights.map(lambda m: ("text", json.dumps(m))),
    raw_texts.map(lambda t: ("text", t)),
    st.binary(max_size=64).map(lambda b: ("bytes", b)),
    st.builds(lambda v: ("model", v), values | st.sampled_from([1e305, -1e308, 10**400])),
)


def snapshot(session: Session) -> str:
    """Everything a message could change in a session, as text."""
    return repr((session.config, session.points, session.X_train, session.y_train, session.X_test, session.y_test,
                 session.bounds, session.step_count, session.playing, session.selected, session.steps_per_second,
                 session.error, session.model.to_state(), type(session.optimizer).__name__))  # fmt: skip


def test_any_frame_gets_a_reply_and_a_refused_one_changes_nothing() -> None:
    client = TestClient(create_app(), base_url=BASE)
    counts = {"tried": 0, "refused": 0, "accepted": 0, "weights set": 0}
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        (session,) = client.app.state.sessions
        ws.send_json({"type": "export_model"})
        model = receive(ws, "model")["model"]

        @settings(max_examples=settings.default.max_examples)
        @given(frames)
        def one(frame: tuple[str, Any]) -> None:
            kind, payload = frame
            before = snapshot(session)
            if kind == "bytes":
                ws.send_bytes(payload)
            elif kind == "model":
                ws.send_json({"type": "import_model", "model": bad_weight(model, payload)})
            else:
                ws.send_text(payload)
            counts["tried"] += 1
            barrier = f"barrier {counts['tried']}"
            ws.send_json({"type": barrier})  # refused, so answered by an error after all the frame's replies
            replies = []
            while (m := strict_json(ws.receive_text()))["type"] != "error" or barrier not in m["message"]:
                replies.append(m)
            assert replies, "no reply"
            if replies[0]["type"] == "error":
                counts["refused"] += 1
                assert len(replies) == 1 and 0 < len(replies[0]["message"]) < 400
                assert snapshot(session) == before
            else:
                counts["accepted"] += 1
                assert all(r["type"] != "error" for r in replies)
                sent = json.loads(payload) if kind == "text" else None
                if isinstance(sent, dict) and sent.get("type") == "set_weight":  # the weight holds the value
                    counts["weights set"] += 1
                    assert [r["type"] for r in replies] == ["frame"] and weight_set(session, sent) == sent["value"]
                ws.send_json({"type": "config", "config": {}, "points": []})  # back to the start, not playing
                receive(ws, "data")
                receive(ws, "frame")

        one()
        ws.send_json({"type": "step"})  # and the connection still trains
        assert receive(ws, "frame")["step"] == 1
    assert counts["tried"] >= settings.default.max_examples // 2
    print(f"\nplayground fuzzer: {counts['tried']} frames tried, {counts['refused']} refused with an error, "
          f"{counts['accepted']} accepted ({counts['weights set']} set_weight), 0 failures")  # fmt: skip
