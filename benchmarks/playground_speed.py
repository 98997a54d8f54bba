"""How live the playground is: training steps and frames per second for the default moons network.

Starts the real server (uvicorn) on a free local port, connects as a page does (a WebSocket), asks for the
fastest rate, plays for a few seconds and counts what arrives. Also times one training step and one frame
(decision boundary, curves, thumbnails and the example's graph) on their own.

    python benchmarks/playground_speed.py [--seconds 5] [--rate 500]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import threading
import time

import uvicorn
from websockets.sync.client import connect

from micrograd.playground.app import create_app
from micrograd.playground.session import Session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=int, default=500, help="steps per second asked for (the page's maximum: 200)")
    args = parser.parse_args()

    session = Session()
    steps, frames = [], []
    for _ in range(30):
        t = time.perf_counter()
        session.train_step()
        steps.append(time.perf_counter() - t)
        t = time.perf_counter()
        session.frame()
        frames.append(time.perf_counter() - t)
    print(f"one training step: {statistics.median(steps) * 1e3:.2f} ms; "
          f"one frame (boundary, curves, network, graph): {statistics.median(frames) * 1e3:.1f} ms")  # fmt: skip

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    with connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
        ws.recv()
        ws.recv()
        ws.send(json.dumps({"type": "speed", "steps_per_second": min(args.rate, 500)}))
        ws.send(json.dumps({"type": "play"}))
        start, first_step, last_step, count = time.perf_counter(), None, 0, 0
        while time.perf_counter() - start < args.seconds:
            m = json.loads(ws.recv())
            if m["type"] == "frame":
                count += 1
                first_step = m["step"] if first_step is None else first_step
                last_step = m["step"]
        elapsed = time.perf_counter() - start
        ws.send(json.dumps({"type": "pause"}))
    server.should_exit = True
    print(
        f"playing for {elapsed:.1f} s at the fastest rate: {(last_step - (first_step or 0)) / elapsed:.0f} training "
        f"steps/s, {count / elapsed:.1f} frames/s (each with the boundary, curves, network and graph)"
    )


if __name__ == "__main__":
    main()
