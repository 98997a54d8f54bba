"""What the playground's tests share: the address the test client uses, strict JSON, reading replies, and a real
server (uvicorn in a thread) for what only a real server shows (handshake status codes, one event loop)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

BASE = "http://127.0.0.1:8000"  # the app answers only requests to its own address...
WS = "ws://127.0.0.1:8000/ws"  # ...so the test client must use it (its default is http://testserver)


def strict_json(text: str) -> Any:
    """JSON as the standard has it: no NaN or Infinity (which Python's json would otherwise accept)."""

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in a message: JSON has no such number")

    return json.loads(text, parse_constant=refuse)


def receive(ws: Any, kind: str, limit: int = 50) -> dict:
    """The next message of ``kind`` through the test client (frames pushed meanwhile are skipped)."""
    for _ in range(limit):
        m = strict_json(ws.receive_text())
        if m["type"] == kind:
            return m
    raise AssertionError(f"no {kind!r} message")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_app(**app_options: Any) -> Iterator[tuple[int, Any]]:
    """The playground served by uvicorn on a free loopback port, in a thread of this process; yields the port and
    the app (whose ``state.sessions`` a test may read)."""
    import uvicorn

    from micrograd.playground.app import create_app

    app, port = create_app(**app_options), free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.025)
    try:
        yield port, app
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def live_server(**app_options: Any) -> Iterator[int]:
    """The playground served by uvicorn on a free loopback port, in a thread of this process; yields the port."""
    with live_app(**app_options) as (port, _):
        yield port
