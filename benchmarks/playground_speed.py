"""How live the playground is, and how it holds up under load.

Starts the real server (``micrograd playground``'s ``serve``, in a child process, so that its memory is its own)
on a free local port and talks to it as pages do, over WebSockets:

1. one training step and one frame (decision boundary, curves, thumbnails and the example's graph), timed on
   their own, in this process;
2. one tab playing the default moons network at the fastest rate: training steps and frames per second;
3. busy tabs: ``--busy`` tabs play a large network (``--samples`` points, 4 hidden layers of 16) at the page's
   fastest rate (200 steps/s), and a new tab opens: how long until its first frame (and the same with no busy
   tab, for comparison); then the same while one tab traces the large network's first step;
4. memory, on a fresh server: one tab with the large network does ``--pairs`` pairs of "add a point, then one
   step" (each changes the training set's size): the server's resident memory (RSS) before and after, and the
   time per pair.

    python benchmarks/playground_speed.py [--seconds 5] [--rate 500] [--busy 3] [--samples 1000] [--pairs 100]

The figures depend on the machine and on what else it runs: compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from micrograd.playground.session import Session

BIG = {"samples": 1000, "test_ratio": 0.0, "hidden": [16, 16, 16, 16]}
PAGE_FASTEST = 200  # the page's speed slider goes up to 200 steps/s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    code = f"from micrograd.playground import serve; serve(None, {port}, open_browser=False)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the playground did not start: {proc.communicate()[1]}")


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (Linux's /proc; psutil elsewhere)."""
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def until(ws, test, limit: float = 600.0) -> dict:
    """Receive until a message passes ``test``; return it."""
    end = time.perf_counter() + limit
    while True:
        m = json.loads(ws.recv(timeout=max(0.01, end - time.perf_counter())))
        if test(m):
            return m


@contextlib.contextmanager
def open_tab(port: int) -> Iterator[Any]:
    """A new tab's connection, once its first frame has arrived."""
    with connect(f"ws://127.0.0.1:{port}/ws", max_size=None, open_timeout=600) as ws:
        until(ws, lambda m: m["type"] == "frame")
        yield ws


def configure(ws, config: dict) -> None:
    ws.send(json.dumps({"type": "config", "config": config}))
    until(ws, lambda m: m["type"] == "frame")


def in_process(args: argparse.Namespace) -> None:
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


def one_tab_playing(port: int, args: argparse.Namespace) -> None:
    with open_tab(port) as ws:
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
    print(
        f"playing for {elapsed:.1f} s at the fastest rate: {(last_step - (first_step or 0)) / elapsed:.0f} training "
        f"steps/s, {count / elapsed:.1f} frames/s (each with the boundary, curves, network and graph)"
    )


class BusyTab(threading.Thread):
    """A tab playing the large network at the page's fastest rate, reading every frame it is sent."""

    def __init__(self, port: int, config: dict):
        super().__init__(daemon=True)
        self.port, self.config, self.frames, self.ready, self.stop = port, config, 0, threading.Event(), False

    def run(self) -> None:
        with open_tab(self.port) as ws:
            configure(ws, self.config)
            ws.send(json.dumps({"type": "speed", "steps_per_second": PAGE_FASTEST}))
            ws.send(json.dumps({"type": "play"}))
            until(ws, lambda m: m["type"] == "frame" and m["step"] > 2)  # past the trace: training steadily
            self.ready.set()
            while not self.stop:
                try:
                    if json.loads(ws.recv(timeout=1))["type"] == "frame":
                        self.frames += 1
                except TimeoutError:
                    pass


def first_frame_seconds(port: int) -> float:
    start = time.perf_counter()
    with connect(f"ws://127.0.0.1:{port}/ws", max_size=None, open_timeout=600) as ws:
        until(ws, lambda m: m["type"] == "frame")
        return time.perf_counter() - start


def busy_tabs(port: int, args: argparse.Namespace) -> None:
    idle = statistics.median(first_frame_seconds(port) for _ in range(3))
    config = {**BIG, "samples": args.samples}
    tabs = [BusyTab(port, config) for _ in range(args.busy)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.ready.wait(timeout=600)
    time.sleep(1.0)  # let them all settle into playing
    before = sum(t.frames for t in tabs)
    start = time.perf_counter()
    waits = [first_frame_seconds(port) for _ in range(3)]
    busy_fps = (sum(t.frames for t in tabs) - before) / (time.perf_counter() - start)
    for tab in tabs:
        tab.stop = True
    for tab in tabs:
        tab.join(timeout=30)
    print(f"a new tab's first frame: {idle:.2f} s with no other tab; {statistics.median(waits):.2f} s "
          f"(median of 3; worst {max(waits):.2f} s) while {args.busy} tabs play {args.samples} points through 4x16 "
          f"neurons at {PAGE_FASTEST} steps/s (they got {busy_fps:.1f} frames/s between them meanwhile)")  # fmt: skip
    with open_tab(port) as ws:
        configure(ws, {**config, "seed": 99})  # a configuration no tab has traced yet
        start = time.perf_counter()
        ws.send(json.dumps({"type": "step"}))
        time.sleep(0.05)  # the step (a trace) has begun
        wait = first_frame_seconds(port)
        until(ws, lambda m: m["type"] == "frame" and m["step"] == 1)
        traced = time.perf_counter() - start
    print(f"a new tab's first frame while another tab's first step traces the large network: {wait:.2f} s "
          f"(that step took {traced:.2f} s)")  # fmt: skip


def add_point_pairs(port: int, pid: int, args: argparse.Namespace) -> None:
    with open_tab(port) as ws:
        configure(ws, {**BIG, "samples": args.samples})
        ws.send(json.dumps({"type": "step"}))
        step = until(ws, lambda m: m["type"] == "frame" and m["step"] > 0)["step"]
        start_rss, times = rss_mb(pid), []
        for i in range(args.pairs):
            t = time.perf_counter()
            x = -1.0 + 2.0 * i / max(args.pairs, 1)
            ws.send(json.dumps({"type": "add_point", "point": [x, 0.25, i % 2]}))
            ws.send(json.dumps({"type": "step"}))
            step = until(ws, lambda m, s=step: m["type"] == "frame" and m["step"] > s)["step"]
            times.append(time.perf_counter() - t)
        end_rss = rss_mb(pid)
    print(f"{args.pairs} add_point+step pairs on {args.samples} points through 4x16 neurons: server RSS "
          f"{start_rss:.0f} MB -> {end_rss:.0f} MB; per pair median {statistics.median(times):.3f} s, "
          f"worst {max(times):.2f} s, total {sum(times):.1f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=int, default=500, help="steps per second asked for (the page's maximum: 200)")
    parser.add_argument("--busy", type=int, default=3, help="tabs playing while a new one opens")
    parser.add_argument("--samples", type=int, default=1000, help="points in the busy tabs' data set (at most 1000)")
    parser.add_argument("--pairs", type=int, default=100, help="add_point+step pairs for the memory figure")
    parser.add_argument("--only", choices=("step", "play", "busy", "memory"), action="append",
                        help="run only these parts (repeatable)")  # fmt: skip
    args = parser.parse_args()
    parts = args.only or ["step", "play", "busy", "memory"]

    if "step" in parts:
        in_process(args)
    for group in (("play", "busy"), ("memory",)):  # a fresh server for the memory figure
        if not set(group) & set(parts):
            continue
        port = free_port()
        server = start_server(port)
        try:
            if "play" in parts and "play" in group:
                one_tab_playing(port, args)
            if "busy" in parts and "busy" in group:
                busy_tabs(port, args)
            if "memory" in parts and "memory" in group:
                add_point_pairs(port, server.pid, args)
        finally:
            server.terminate()
            server.communicate(timeout=30)


if __name__ == "__main__":
    main()
