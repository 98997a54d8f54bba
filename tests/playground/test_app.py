"""The playground's server through its WebSocket, as the page uses it (Starlette's TestClient, no browser)."""

from __future__ import annotations

import json
import math
import re

import pytest
from starlette.testclient import TestClient

from micrograd.playground.app import create_app
from tests.playground.support import BASE, WS, receive


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(), base_url=BASE)


def test_the_page_and_its_files_are_served_without_any_outside_address(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "micrograd playground" in page.text
    bodies = [page.text]
    for asset in ("/static/app.js", "/static/style.css"):
        body = client.get(asset)
        assert body.status_code == 200
        bodies.append(body.text)
    for text in bodies:  # nothing fetched from elsewhere: no CDN, no remote script, style or font
        assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?(https?:)?//""", text)
        assert "import(" not in text and "fetch(" not in text


def test_a_new_connection_gets_data_and_a_frame(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        data = receive(ws, "data")
        assert data["config"]["dataset"] == "moons" and len(data["train"]) == 80 and len(data["test"]) == 20
        frame = receive(ws, "frame")
        assert frame["step"] == 0 and len(frame["boundary"]) == frame["grid"] ** 2
        assert [len(w) for w in frame["network"]["weights"]] == [2, 8, 8]
        graph = frame["graph"]
        assert graph["nodes"][graph["root"]]["label"] == "loss" and graph["bad"] is None


def test_steps_lower_the_loss_and_the_graph_obeys_the_chain_rule(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        ws.send_json({"type": "config", "config": {"activation": "tanh", "loss": "mse", "lr": 0.05}})
        first = receive(ws, "frame")
        for _ in range(30):
            ws.send_json({"type": "step"})
            frame = receive(ws, "frame")
        assert frame["step"] == 30 and frame["train"][0] < first["train"][0]
        ws.send_json({"type": "select", "index": 3})
        graph = receive(ws, "graph")["graph"]
        assert graph["example"] == 3
        nodes = graph["nodes"]
        for node in nodes:  # every node's grad is the sum over its uses of local derivative x user's grad
            uses = [e for e in graph["edges"] if e["from"] == node["id"]]
            if node["id"] != graph["root"]:
                expected = sum(e["local"] * nodes[e["to"]]["grad"] for e in uses)
                assert math.isclose(node["grad"], expected, rel_tol=1e-9, abs_tol=1e-12)
        assert sorted(graph["backward"]) == sorted(n["id"] for n in nodes if n["op"])
        for node in [n for n in nodes if n["label"] in ("x1", "b1[0]", "score")]:  # tanh: smooth everywhere
            ws.send_json({"type": "fd", "node": node["id"]})
            fd = receive(ws, "fd")
            assert fd["node"] == node["id"] and math.isclose(
                fd["numerical"], fd["backprop"], rel_tol=1e-5, abs_tol=1e-8
            )


def test_play_pushes_frames_until_pause(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        ws.send_json({"type": "speed", "steps_per_second": 200})
        ws.send_json({"type": "play"})
        steps = [receive(ws, "frame")["step"] for _ in range(3)]
        ws.send_json({"type": "pause"})
        assert steps == sorted(steps) and steps[-1] > 0


def test_bad_messages_get_an_error_and_the_connection_keeps_working(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        for bad, match in [
            ("not json", "not JSON"),
            (json.dumps({"type": "eval", "code": "__import__('os')"}), "unknown message 'eval'"),
            (json.dumps({"type": "config", "config": {"hidden": [99]}}), "between 1 and 16"),
            (json.dumps({"type": "select", "index": 10**6}), "index must be between 0 and 79"),
            (json.dumps({"type": "fd", "node": 10**5}), "no node 100000"),
            (json.dumps({"type": "speed", "steps_per_second": 0}), "between 1 and 500"),
            ("x" * 300_000, "message too large"),
        ]:
            ws.send_text(bad)
            assert match in receive(ws, "error")["message"]
        ws.send_json({"type": "step"})
        assert receive(ws, "frame")["step"] == 1


def test_clicked_points_join_the_training_set(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        ws.send_json({"type": "add_point", "point": [0.1, 0.2, 1]})
        data = receive(ws, "data")
        assert data["train"][-1] == [0.1, 0.2, 1] and data["points"] == [[0.1, 0.2, 1]]
        ws.send_json({"type": "reset"})
        data = receive(ws, "data")
        assert [0.1, 0.2, 1] in data["train"] + data["test"] and len(data["train"]) + len(data["test"]) == 101


def test_tabs_are_independent_sessions(client: TestClient) -> None:
    with client.websocket_connect(WS) as a, client.websocket_connect(WS) as b:
        receive(a, "frame")
        receive(b, "frame")
        a.send_json({"type": "step"})
        assert receive(a, "frame")["step"] == 1
        b.send_json({"type": "config", "config": {"dataset": "xor"}})
        assert receive(b, "data")["config"]["dataset"] == "xor"
        a.send_json({"type": "step"})
        frame = receive(a, "frame")
        assert frame["step"] == 2
        a.send_json({"type": "export_model"})
        assert receive(a, "model")["model"]["architecture"]["nouts"] == [8, 8, 1]


def test_models_export_and_import_in_the_library_format(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        for _ in range(5):
            ws.send_json({"type": "step"})
        ws.send_json({"type": "export_model"})
        model = receive(ws, "model")["model"]
        ws.send_json({"type": "reset"})
        ws.send_json({"type": "import_model", "model": model})
        data = receive(ws, "data")
        while data["config"]["hidden"] != [8, 8]:
            data = receive(ws, "data")
        ws.send_json({"type": "export_model"})
        assert receive(ws, "model")["model"] == model
        model["layers"][0][0]["w"] = [1.0]
        ws.send_json({"type": "import_model", "model": model})
        assert "layer 0 neuron 0: 1 weights, expected 2" in receive(ws, "error")["message"]


def test_a_diverging_run_pauses_and_names_the_step(client: TestClient) -> None:
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        ws.send_json({"type": "config", "config": {"loss": "mse", "lr": 5.0, "hidden": [16, 16, 16]}})
        receive(ws, "frame")
        for _ in range(60):
            ws.send_json({"type": "step"})
            frame = receive(ws, "frame")
            if frame["error"]:
                break
        assert re.fullmatch(r"the loss became (inf|nan) at step \d+: lower the learning rate, then reset|"
                            r"a weight or an intermediate result grew too large for a float at step \d+: "
                            r"lower the learning rate, then reset", frame["error"])  # fmt: skip
        assert not frame["playing"]
        for kind in ("play", "step"):  # going on after divergence says why nothing happens
            ws.send_json({"type": kind})
            assert receive(ws, "error")["message"] == f"training stopped: {frame['error']}"
        ws.send_json({"type": "reset"})
        assert receive(ws, "frame")["error"] is None


def test_an_example_whose_forward_pass_overflows_shows_the_graph_up_to_the_failure(client: TestClient) -> None:
    huge = {"format": "micrograd.mlp", "version": 1,
            "architecture": {"nin": 2, "nouts": [2, 1], "activation": "relu", "output_activation": "linear"},
            "layers": [[{"w": [1.0, 1.0], "b": 5.0}] * 2, [{"w": [1e200, 1e200], "b": 0.0}]]}  # fmt: skip
    with client.websocket_connect(WS) as ws:
        receive(ws, "frame")
        ws.send_json({"type": "config", "config": {"loss": "mse"}})
        receive(ws, "frame")
        ws.send_json({"type": "import_model", "model": huge})
        receive(ws, "frame")
        ws.send_json({"type": "select", "index": 0})
        graph = receive(ws, "graph")["graph"]
        bad = graph["nodes"][graph["bad"]]
        assert bad["data"] == "error" and "too large" in graph["failure"]
        assert "Numerical result" not in graph["failure"] and "**" not in graph["failure"]  # words, not Python's
        assert any(e["to"] == graph["bad"] for e in graph["edges"])
