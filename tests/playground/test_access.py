"""Only the playground's own pages can use it: requests to other host names (DNS rebinding) and WebSockets from
other origins are refused with 403 before the app sends a single message."""

from __future__ import annotations

import http.client

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from micrograd.playground.app import create_app
from tests.playground.support import BASE, WS, live_server, receive

CROSS_SITE = ["http://evil.example", "null", "http://127.0.0.1.evil.example", "http://127.0.0.1.evil.example:8000",
              "http://127.0.0.1:8001", "https://127.0.0.1:8000", "http://evil.example@127.0.0.1:8000",
              "http://127.0.0.1:8000/", "file://", ""]  # fmt: skip
BAD_HOSTS = ["evil.example", "evil.example:8000", "127.0.0.1.evil.example:8000", "127.0.0.1:8001", "127.0.0.1",
             "evil@127.0.0.1:8000", "127.0.0.1:8000/x", "localhost.:8000", "[::2]:8000", "",
             "127.0.0.1:99999"]  # fmt: skip
OWN = ["127.0.0.1:8000", "localhost:8000", "LOCALHOST:8000", "[::1]:8000"]


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(), base_url=BASE)


@pytest.mark.parametrize("origin", CROSS_SITE)
def test_a_websocket_from_another_origin_is_refused_before_any_message(client: TestClient, origin: str) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(WS, headers={"origin": origin}):
        pass  # pragma: no cover - the handshake is refused, so this is never reached
    assert refused.value.code == 1008 and "own pages" in refused.value.reason


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_other_host_names_are_refused_for_the_page_and_the_socket(client: TestClient, host: str) -> None:
    page = client.get("/", headers={"host": host})
    assert page.status_code == 403 and "micrograd playground" not in page.text
    assert client.get("/static/app.js", headers={"host": host}).status_code == 403
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(WS, headers={"host": host}):
        pass  # pragma: no cover
    assert refused.value.code == 1008


@pytest.mark.parametrize("host", OWN)
def test_the_own_names_and_origins_of_the_address_are_served(client: TestClient, host: str) -> None:
    origin = f"http://{host}"
    page = client.get("/", headers={"host": host, "origin": origin})
    assert page.status_code == 200 and "micrograd playground" in page.text
    with client.websocket_connect(WS, headers={"host": host, "origin": origin}) as ws:
        assert receive(ws, "frame")["step"] == 0


def test_a_host_given_to_serve_on_is_served_and_nothing_else() -> None:
    client = TestClient(create_app(host="Playground.Lan", port=8123), base_url="http://playground.lan:8123")
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"host": "127.0.0.1:8123"}).status_code == 200  # still this machine's own
    assert client.get("/", headers={"host": "playground.lan:8000"}).status_code == 403  # not its port
    assert client.get("/", headers={"host": "evil.example:8123"}).status_code == 403
    url = "ws://playground.lan:8123/ws"
    with client.websocket_connect(url, headers={"origin": "http://playground.lan:8123"}) as ws:
        assert receive(ws, "frame")["step"] == 0
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(url, headers={"origin": "http://evil.example"}):
        pass  # pragma: no cover


def test_a_real_server_refuses_with_403() -> None:
    with live_server() as port:
        for origin in ("http://evil.example", "null", "http://127.0.0.1.evil.example"):
            with pytest.raises(InvalidStatus) as refused, connect(f"ws://127.0.0.1:{port}/ws", origin=origin):
                pass  # pragma: no cover
            assert refused.value.response.status_code == 403
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/", headers={"Host": "evil.example"})
        assert conn.getresponse().status == 403
        conn.close()
        with connect(f"ws://127.0.0.1:{port}/ws", origin=f"http://127.0.0.1:{port}", open_timeout=30) as ws:
            assert '"type": "choices"' in ws.recv(timeout=30)  # its own page's origin: served
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/", headers={"Host": f"localhost:{port}"})
        assert conn.getresponse().status == 200
        conn.close()
