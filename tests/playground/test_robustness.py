"""No message can break a tab's connection: each gets a reply (a clear error for a bad one), a bad one changes
nothing, and the same connection keeps working. Frames hold only finite numbers (JSON has no others)."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest
from starlette.testclient import TestClient
from websockets.sync.client import connect

from micrograd.engine import Value
from micrograd.playground import session as session_module
from micrograd.playground.app import create_app
from micrograd.playground.session import Session
from tests.playground.support import BASE, WS, live_server, receive, strict_json


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(), base_url=BASE)


def still_works(ws) -> None:
    """The connection answers a real request afterwards, and the session is where it was (step 0, moons)."""
    ws.send_json({"type": "step"})
    frame = receive(ws, "frame")
    assert frame["step"] == 1 and not frame["diverged"]


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        ('{"type":"speed","steps_per_second":1' + "0" * 400 + "}", "steps_per_second must be between 1 and 500"),
        ('{"type":"select","index":-1' + "0" * 400 + "}", "index must be between 0 and 79"),
        ('{"type":"add_point","point":[1' + "0" * 400 + ",0,0]}", "coordinate must be between"),
        ('{"type":"config","config":{"lr":1' + "0" * 400 + "}}", "lr must be between"),
        ('{"type":"config","config":{"samples":1' + "0" * 400 + "}}", "samples must be between 10 and 1000"),
        ('{"type":"fd","node":' + "9" * 400 + "}", "node must be between"),
        ('{"type":"speed","steps_per_second":' + "1" * 5000 + "}", "not JSON"),  # over 4300 digits: int() refuses
        ("[" * 100_000, "not JSON"),  # deeper than Python's recursion limit
        ("[" * 20 + "]" * 20, "nested more than 16 deep"),
        ('{"type":"speed","steps_per_second":NaN}', "NaN is not a JSON number"),
        ('{"type":"config","config":{"lr":Infinity}}', "Infinity is not a JSON number"),
        ('{"type":"play","code":"__import__(\'os\')"}', "a play message has no field 'code'"),
        ('{"type":"select"}', "a select message needs the field 'index'"),
        ('{"type":"select","index":' + "[" * 12 + "]" * 12 + "}", "index must be an integer, got [[[[...]]]]"),
        ('{"type":"config","config":{"dataset":["moons"]}}', "dataset must be one of"),
    ],
)
def test_numbers_too_large_too_long_or_too_deep_get_an_error_and_the_connection_keeps_working(
    client: TestClient, frame: str, match: str
) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        ws.send_text(frame)
        error = receive(ws, "error", limit=1)["message"]
        assert match in error and len(error) < 300
        still_works(ws)


def test_an_error_quoting_a_huge_value_stays_short(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        ws.send_json({"type": "export_model"})
        model = receive(ws, "model")["model"]
        model["architecture"]["activation"] = "x" * 200_000  # quoted by the model file's checks
        ws.send_json({"type": "import_model", "model": model})
        error = receive(ws, "error", limit=1)["message"]
        assert error.startswith("the imported model is not a valid micrograd model file") and len(error) <= 300
        ws.send_json({"type": "select", "index": "y" * 200_000})
        error = receive(ws, "error", limit=1)["message"]
        assert error.startswith("index must be an integer, got 'yyy") and len(error) <= 300
        still_works(ws)


def test_a_binary_frame_gets_an_error_and_the_connection_keeps_working(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        ws.send_bytes(json.dumps({"type": "step"}).encode())
        assert "binary frames are not accepted" in receive(ws, "error", limit=1)["message"]
        still_works(ws)


def test_a_half_bad_config_changes_nothing(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        ws.send_text('{"type":"config","config":{"dataset":"blobs","loss":"ce"},"points":"x"}')
        assert "points must be a list" in receive(ws, "error", limit=1)["message"]
        ws.send_json({"type": "pause"})  # this closed the connection when the config was half applied
        drawn = receive(ws, "frame", limit=1)["network"]["weights"][-1]  # the moons network's output layer, as drawn
        assert drawn == [[w] for w in receive_weights(ws)]  # ...and as saved: one network, not half of another
        ws.send_json({"type": "select", "index": 5})
        graph = receive(ws, "graph", limit=1)["graph"]
        assert graph["example"] == 5 and graph["nodes"][graph["root"]]["label"] == "loss"
        ws.send_json({"type": "config", "config": {"dataset": "xor"}, "points": [[0.5, 0.5, 3]]})  # class 3 of 2
        assert "class must be between 0 and 1" in receive(ws, "error", limit=1)["message"]
        ws.send_json({"type": "speed", "steps_per_second": 200})
        assert receive(ws, "ack", limit=1)["steps_per_second"] == 200
        ws.send_json({"type": "play"})  # this produced nothing after a half-applied config
        assert receive(ws, "ack", limit=1)["playing"]
        frame = receive(ws, "frame")
        while frame["step"] == 0:
            frame = receive(ws, "frame")
        ws.send_json({"type": "pause"})
        ws.send_json({"type": "export_model"})
        model = receive(ws, "model")["model"]
        assert model["architecture"]["nouts"] == [8, 8, 1]  # still the moons network: blobs3's would give 3 outputs


def receive_weights(ws) -> list[float]:
    """The output neuron's weights, as the page's "save model" gets them."""
    ws.send_json({"type": "export_model"})
    return [round(w, 4) for w in receive(ws, "model", limit=1)["model"]["layers"][-1][0]["w"]]


def test_a_model_whose_pictures_overflow_is_shown_as_diverged(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        ws.send_json({"type": "export_model"})
        model = receive(ws, "model")["model"]
        for layer in model["layers"]:
            for neuron in layer:
                neuron["w"] = [1e305] * len(neuron["w"])
        ws.send_json({"type": "import_model", "model": model})
        receive(ws, "data", limit=1)
        frame = receive(ws, "frame", limit=1)  # strict JSON: no NaN or Infinity anywhere in it
        assert frame["diverged"] and "diverged" in frame["error"]
        thumbs = frame["network"]["thumbs"]  # activations that overflowed are null (drawn blank)
        assert any(None in neuron for layer in thumbs for neuron in layer)
        assert frame["network"]["weights"][0][0][0] == 1e305  # finite, though rounding it would overflow
        assert frame["train"][0] is None  # the loss overflowed: no number rather than inf
        ws.send_json({"type": "fd", "node": 0})
        receive(ws, "fd", limit=1)
        ws.send_json({"type": "step"})  # training stops, with the reason, and the connection stays
        frame = receive(ws, "frame", limit=1)
        assert "at step 1" in frame["error"] and not frame["playing"]
        ws.send_json({"type": "reset"})
        receive(ws, "data", limit=1)
        assert not receive(ws, "frame", limit=1)["diverged"]


def test_a_diverged_model_is_not_exported_and_its_frames_stay_json() -> None:
    session = Session()
    session.model.layers[0].neurons[0].w[0].data = float("inf")
    frame = session.frame()
    strict_json(json.dumps(frame, allow_nan=False))
    assert frame["diverged"] and frame["network"]["weights"][0][0][0] is None
    with pytest.raises(ValueError, match="not finite numbers"):
        session.handle({"type": "export_model"})


def test_every_message_gets_a_reply(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        replies = {}
        for message in [{"type": "play"}, {"type": "pause"}, {"type": "speed", "steps_per_second": 5},
                        {"type": "step"}, {"type": "select", "index": 2}, {"type": "fd", "node": 1},
                        {"type": "add_point", "point": [0, 0, 1]}, {"type": "reset"}, {"type": "export_model"},
                        {"type": "config", "config": {}}]:  # fmt: skip
            ws.send_json(message)
            ws.send_json({"type": "barrier"})  # answered by an error, after everything the message caused
            got = []
            while (m := strict_json(ws.receive_text()))["type"] != "error" or "barrier" not in m["message"]:
                got.append(m["type"])
            replies[message["type"]] = got
        assert all(replies.values()), replies
        assert (
            replies["play"][0] == "ack" and replies["speed"] == ["ack"] and replies["config"] == ["settings", "frame"]
        )


def test_a_long_step_does_not_block_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Training runs in worker threads: while one tab's step is held, the server still serves the page and opens new
    connections (it blocked on the step before); the new tab gets its first frame when the step is done."""
    inside, release, waited = threading.Event(), threading.Event(), []
    step = session_module.Session.train_step

    def held_step(self: Session) -> None:
        if self.config["seed"] == 7:  # only the busy tab's session
            inside.set()
            waited.append(release.wait(timeout=60))  # a safety valve: never hang the suite
        step(self)

    monkeypatch.setattr(session_module.Session, "train_step", held_step)
    with live_server() as port, connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as busy:
        busy.send(json.dumps({"type": "config", "config": {"seed": 7}}))
        busy.send(json.dumps({"type": "step"}))
        assert inside.wait(timeout=60)
        page = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        page.request("GET", "/", headers={"Host": f"127.0.0.1:{port}"})
        served = page.getresponse().status
        page.close()
        with connect(f"ws://127.0.0.1:{port}/ws", max_size=None, open_timeout=60) as new:
            held = not release.is_set()  # the page was served and the handshake done while the step was held
            release.set()
            first = [strict_json(new.recv(timeout=60))["type"] for _ in range(3)]
        while (m := strict_json(busy.recv(timeout=60)))["type"] != "frame" or m["step"] != 1:
            pass
    assert served == 200 and held and waited == [True] and first == ["choices", "data", "frame"]


def test_sessions_take_turns_with_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """micrograd.compile traces by watching the Value class: no two sessions may work at once. Three tabs that
    configure, step and inspect at the same time never overlap, and the Value class is left as it was."""
    depth: dict[int, int] = {}  # per thread: how many session methods it is inside (handle calls frame...)
    most, counted = [0], threading.Lock()

    def watched(method):
        def run(self, *args, **kwargs):
            me = threading.get_ident()
            with counted:
                depth[me] = depth.get(me, 0) + 1
                most[0] = max(most[0], sum(d > 0 for d in depth.values()))
            try:
                time.sleep(0.002)  # lets another thread run here, if it could
                return method(self, *args, **kwargs)
            finally:
                with counted:
                    depth[me] -= 1

        return run

    for name in ("handle", "play", "frame", "data"):
        monkeypatch.setattr(Session, name, watched(getattr(Session, name)))
    methods = {name: Value.__dict__[name] for name in ("__init__", "__float__", "__lt__", "__gt__")}

    def tab(port: int, seed: int) -> None:
        with connect(f"ws://127.0.0.1:{port}/ws", max_size=None, open_timeout=60) as ws:
            ws.send(json.dumps({"type": "config", "config": {"seed": seed, "samples": 60 + 20 * seed}}))
            for index in range(4):
                ws.send(json.dumps({"type": "step"}))
                ws.send(json.dumps({"type": "select", "index": index}))
            ws.send(json.dumps({"type": "speed", "steps_per_second": 500}))
            ws.send(json.dumps({"type": "play"}))
            while (m := strict_json(ws.recv(timeout=120)))["type"] != "frame" or m["step"] < 10:
                pass

    with live_server() as port:
        tabs = [threading.Thread(target=tab, args=(port, seed)) for seed in range(3)]
        for t in tabs:
            t.start()
        for t in tabs:
            t.join(timeout=300)
    assert most[0] == 1 and not any(t.is_alive() for t in tabs)  # never two threads in sessions at once
    assert {name: Value.__dict__[name] for name in methods} == methods
