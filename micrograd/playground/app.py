"""The playground's web app (Starlette): the page, its static files, and one WebSocket per tab.

Only this machine's own pages may use it: ``LocalOnly`` refuses (HTTP 403, before any app message) a request
whose Host is not a name of the address served, or that comes from a page of another origin, so that neither
another web site nor DNS rebinding can drive it.

Each WebSocket connection owns a Session: tabs never share state. Every frame a page sends is answered: a bad one
(not JSON, binary, unknown type or field, a value out of bounds...; see ``messages.py``) with
``{"type": "error", "message": ...}``, the session unchanged and the connection open.

Training and the pictures run in worker threads, never on the event loop, so one tab's work does not hold up the
others' connections. A per-session lock keeps a tab's messages and training steps from interleaving, and all
sessions' work takes turns (first come, first served, a playing session's turn lasting about TURN_SECONDS; see
``session.TURNS``). While playing, a task runs training steps at the chosen rate and pushes a frame at most
every FRAME_SECONDS.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import json
import logging
import math
import re
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from micrograd.playground import messages as msg
from micrograd.playground.session import TURNS, Session

STATIC = Path(__file__).resolve().parent / "static"
FRAME_SECONDS = 0.1  # at most 10 frames a second while training
TURN_SECONDS = 0.03  # a playing session's turn at training ends after the first step past this (then others go)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
log = logging.getLogger("micrograd.playground")


# ------------------------------------------------------------------------------------------ who may connect
_HOST = re.compile(r"(?:\[(?P<v6>[0-9a-fA-F:.]+)\]|(?P<name>[A-Za-z0-9.\-]+))(?::(?P<port>[0-9]{1,5}))?")
_ORIGIN = re.compile(r"http://(?P<host>[^/?#@\s]+)")


def _split_host(value: str, default_port: int = 80) -> tuple[str, int] | None:
    """``name[:port]`` or ``[v6][:port]`` as (lower-case name, port); None if it is anything else."""
    m = _HOST.fullmatch(value)
    if not m:
        return None
    return (m["v6"] or m["name"]).lower(), int(m["port"]) if m["port"] else default_port


class LocalOnly:
    """ASGI middleware: only requests to this server's own names and port, from its own pages, get through.

    Allowed names: 127.0.0.1, localhost and [::1]; the ``host`` served on, when one is given; and the address the
    request actually arrived at, when it is an IP address (so ``--host 0.0.0.0`` is usable at that machine's IP).
    The port is the one served (``port``, else the one the request arrived at). A request must name one of these
    in its Host header; if it has an Origin header (browsers send one with every WebSocket and cross-site
    request), that must be ``http://`` one of them too. Anything else gets 403: a plain HTTP response, or for a
    WebSocket a refused handshake (which the server turns into 403), before the app sees a single message.
    """

    def __init__(self, app: ASGIApp, host: str | None = None, port: int | None = None):
        self.app, self.port = app, port
        self.names = set(LOOPBACK)
        if host and host not in ("0.0.0.0", "::"):  # a wildcard is no name: the request's own address is used
            self.names.add(host.strip("[]").lower())

    def refusal(self, scope: Scope) -> str | None:
        """Why this request is refused, or None if it may go on."""
        server = scope.get("server") or (None, None)
        names = set(self.names)
        if server[0]:
            with contextlib.suppress(ValueError):  # a name, not an address
                names.add(str(ipaddress.ip_address(server[0])))
        port = self.port or server[1]
        headers = Headers(scope=scope)
        host = _split_host(headers.get("host", ""))
        if host is None or host[0] not in names or (port is not None and host[1] != port):
            return "this playground only answers requests to its own address"
        origin = headers.get("origin")
        if origin is not None:
            m = _ORIGIN.fullmatch(origin)
            where = _split_host(m["host"]) if m else None
            if where is None or where[0] not in names or (port is not None and where[1] != port):
                return "this playground only answers its own pages"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            reason = self.refusal(scope)
            if reason is not None:
                if scope["type"] == "http":
                    await PlainTextResponse(f"403 Forbidden: {reason}\n", status_code=403)(scope, receive, send)
                else:
                    await send({"type": "websocket.close", "code": 1008, "reason": reason})
                return
        await self.app(scope, receive, send)


# --------------------------------------------------------------------------------------------- the page
async def index(request: object) -> FileResponse:
    return FileResponse(STATIC / "index.html")


# ------------------------------------------------------------------------------------------ the socket
_GONE = (WebSocketDisconnect, OSError, RuntimeError)  # the tab went away while we were sending


def _encode(payload: dict[str, Any]) -> str:
    try:
        return json.dumps(payload, allow_nan=False)
    except (ValueError, TypeError, RecursionError) as err:  # a non-finite number slipped through: say so instead
        log.error("playground: could not encode a %s message: %s", payload.get("type"), err)
        return json.dumps({"type": "error", "message": "the network diverged: its numbers overflow"})


def _answer(session: Session, text: str | None, data: bytes | None) -> list[dict[str, Any]]:
    """The replies to one frame from the page (in a worker thread): never nothing."""
    try:
        return session.handle(msg.parse(text, data)) or [{"type": "error", "message": "no reply"}]
    except msg.BadMessage as err:  # its text may quote the message (a model file's field, say): kept short
        text = str(err)
        return [{"type": "error", "message": text if len(text) <= 300 else text[:296] + " ..."}]


def _guarded(session: Session, work: Callable[[], list[dict[str, Any]]]) -> list[str]:
    """``work()``'s messages as JSON text; or if it fails (a bug), training stopped, an error for the tab and one
    line for the terminal: never a traceback, and the connection stays."""
    try:
        with TURNS:
            payloads = work()
    except Exception as err:
        session.playing = False
        log.error("playground: %s in a session: %s", type(err).__name__, err)
        payloads = [{"type": "error", "message": f"the server failed on this ({type(err).__name__}: {err})"[:300]}]
    return [_encode(payload) for payload in payloads]


def _new_session() -> tuple[Session, list[str]]:
    """A new tab's session and its first messages (the choices the page offers, the data and a frame), made in one
    turn."""
    with TURNS:
        session = Session()
        first = [msg.choices(), session.data(), session.frame()]
    return session, [_encode(payload) for payload in first]


class Connection:
    """One tab: its WebSocket, its Session, and the lock its messages and its training take turns with."""

    def __init__(self, ws: WebSocket, session: Session):
        self.ws, self.session, self.lock = ws, session, anyio.Lock()

    async def run(self, work: Callable[[], list[dict[str, Any]]]) -> None:
        """Do ``work`` on the session (and encode its replies) in a worker thread, then send them, holding the lock
        throughout."""
        async with self.lock:
            texts = await anyio.to_thread.run_sync(_guarded, self.session, work)
            for text in texts:
                await self.ws.send_text(text)

    async def receive(self) -> None:
        """Answer every frame the page sends until it goes away."""
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text, data = message.get("text"), message.get("bytes")
            await self.run(lambda t=text, d=data: _answer(self.session, t, d))

    async def train(self) -> None:
        """While playing: training steps at the session's rate, in turns of about TURN_SECONDS, and a frame every
        FRAME_SECONDS. Steps that cannot keep up with the rate are dropped, not owed."""
        session, last, owed, last_frame = self.session, time.perf_counter(), 0.0, 0.0
        while True:
            if not session.playing:
                await anyio.sleep(0.02)
                last, owed = time.perf_counter(), 0.0
                continue
            rate = session.steps_per_second
            now = time.perf_counter()
            owed = min(owed + (now - last) * rate, rate * FRAME_SECONDS + 1)
            last = now
            if owed < 1:
                await anyio.sleep((1 - owed) / rate)
                continue
            frame = now - last_frame >= FRAME_SECONDS
            done = [0]
            await self.run(functools.partial(self._turn, math.floor(owed), frame, done))
            owed -= max(done[0], 1)
            if frame:
                last_frame = now

    def _turn(self, steps: int, frame: bool, done: list[int]) -> list[dict[str, Any]]:
        """One turn at training (in a worker thread): how many steps it took goes in ``done``."""
        session = self.session
        if not session.playing:
            return []
        start = session.step_count
        out = session.play(steps, frame, TURN_SECONDS)
        done[0] = session.step_count - start
        return out


async def socket(ws: WebSocket) -> None:
    await ws.accept()
    try:
        session, first = await anyio.to_thread.run_sync(_new_session)
        ws.app.state.sessions.add(session)
        conn = Connection(ws, session)
        for text in first:
            await ws.send_text(text)
        async with anyio.create_task_group() as tasks:

            async def train() -> None:
                try:
                    await conn.train()
                except _GONE:
                    tasks.cancel_scope.cancel()

            tasks.start_soon(train)
            with contextlib.suppress(*_GONE):
                await conn.receive()
            tasks.cancel_scope.cancel()
    except _GONE:  # the tab closed before its first frame was sent
        pass


def create_app(host: str | None = None, port: int | None = None) -> Starlette:
    """The playground for the address ``host``:``port`` (loopback, and the port each request arrives at, when not
    given). ``app.state.sessions`` holds the sessions of the open connections."""
    app = Starlette(
        routes=[
            Route("/", index),
            WebSocketRoute("/ws", socket),
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ]
    )
    app.state.sessions = weakref.WeakSet()
    app.add_middleware(LocalOnly, host=host, port=port)
    return app


app = create_app()
