"""The playground's web app (Starlette): the page, its static files, and one WebSocket per tab.

Each WebSocket connection owns a Session: tabs never share state. Incoming messages are checked
(``messages.py``); a bad one is answered with ``{"type": "error", "message": ...}`` and the connection stays open.
While playing, a task runs training steps at the chosen rate and pushes a frame at most every FRAME_SECONDS.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import FileResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from micrograd.playground import messages as msg
from micrograd.playground.session import Session

STATIC = Path(__file__).resolve().parent / "static"
FRAME_SECONDS = 0.1  # at most 10 frames a second while training


async def index(request: object) -> FileResponse:
    return FileResponse(STATIC / "index.html")


async def _send(ws: WebSocket, payloads: list[dict]) -> None:
    for payload in payloads:
        await ws.send_text(json.dumps(payload, allow_nan=False))


async def _train(ws: WebSocket, session: Session) -> None:
    """While playing: run steps at the session's rate, and send a frame every FRAME_SECONDS."""
    last_frame = 0.0
    while True:
        if not session.playing:
            await asyncio.sleep(0.02)
            continue
        started = time.perf_counter()
        try:
            session.train_step()
        except msg.BadMessage as err:
            session.playing = False
            await _send(ws, [{"type": "error", "message": str(err)}])
            continue
        now = time.perf_counter()
        if now - last_frame >= FRAME_SECONDS or not session.playing:
            await _send(ws, [session.frame()])
            last_frame = time.perf_counter()
        spent = time.perf_counter() - started
        await asyncio.sleep(max(0.0, 1.0 / session.steps_per_second - spent))


async def socket(ws: WebSocket) -> None:
    await ws.accept()
    session = Session()
    await _send(ws, [session.data(), session.frame()])
    trainer = asyncio.create_task(_train(ws, session))
    try:
        while True:
            text = await ws.receive_text()
            try:
                if len(text) > msg.MAX_MESSAGE:
                    raise msg.BadMessage(f"message too large ({len(text)} characters, at most {msg.MAX_MESSAGE})")
                try:
                    message = json.loads(text)
                except json.JSONDecodeError as err:
                    raise msg.BadMessage(f"not JSON: {err}") from None
                replies = session.handle(msg.check(message))
            except msg.BadMessage as err:
                replies = [{"type": "error", "message": str(err)}]
            await _send(ws, replies)
    except WebSocketDisconnect:
        pass
    finally:
        trainer.cancel()


def create_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/", index),
            WebSocketRoute("/ws", socket),
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ]
    )


app = create_app()
