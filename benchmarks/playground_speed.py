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
   time per pair;
5. sizes: for the default 2-8-8-1 network and for 4 hidden layers of 16 (the default 100 points), the time from
   "play" to the first frame, and training steps and frames per second while playing at the page's fastest rate;
6. browser: the page itself in headless Chromium (Debian's ``chromium``, driven by Playwright; skipped without
   them), playing each network: the time the page spends handling one frame message (parsing it and drawing
   the boundary, curves, network and graph; ``performance.now()`` around the page's WebSocket handler), with the
   graph drawn one box per neuron and with every Value; and the time from clicking play to the first frame drawn.

    python benchmarks/playground_speed.py [--seconds 5] [--rate 500] [--busy 3] [--samples 1000] [--pairs 100]
                                          [--only step|play|busy|memory|sizes|browser ...]

The figures depend on the machine and on what else it runs: compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import shutil
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
NETWORKS = {"2-8-8-1": [8, 8], "4x16": [16, 16, 16, 16]}  # the page's default network and its largest

# Times the page's WebSocket handler: every message's handling (JSON.parse and drawing) goes into
# window.handled as [type, milliseconds]; window.playClicked / window.firstFrameAfterPlay time play to first frame.
TIME_HANDLER = """(() => {
  const inner = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage");
  window.handled = []; window.playClicked = null; window.firstFrameAfterPlay = null;
  Object.defineProperty(WebSocket.prototype, "onmessage", { configurable: true, get() { return inner.get.call(this); },
    set(handler) { inner.set.call(this, (event) => {
      const t = performance.now(); handler(event); const done = performance.now();
      const kind = String(event.data).slice(0, 40).match(/"type": ?"(\\w+)"/);
      window.handled.push([kind ? kind[1] : "?", done - t]);
      if (kind && kind[1] === "frame" && window.playClicked !== null && window.firstFrameAfterPlay === null)
        window.firstFrameAfterPlay = done - window.playClicked;
    }); } });
  document.addEventListener("click", (e) => {
    if (e.target.id === "play") window.playClicked = performance.now(); }, true);
})();"""


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


def sizes(port: int, args: argparse.Namespace) -> None:
    """Play to first frame, steps and frames per second, for the default network and the largest."""
    for name, hidden in NETWORKS.items():
        with open_tab(port) as ws:
            configure(ws, {"hidden": hidden})
            ws.send(json.dumps({"type": "speed", "steps_per_second": PAGE_FASTEST}))
            until(ws, lambda m: m["type"] == "ack")
            start = time.perf_counter()
            ws.send(json.dumps({"type": "play"}))
            first = until(ws, lambda m: m["type"] == "frame" and m["step"] > 0)
            to_first = time.perf_counter() - start
            frames, sizes_kb, begin, first_step, last_step = 0, [], time.perf_counter(), first["step"], first["step"]
            while time.perf_counter() - begin < args.seconds:
                raw = ws.recv()
                m = json.loads(raw)
                if m["type"] == "frame":
                    frames, last_step = frames + 1, m["step"]
                    sizes_kb.append(len(raw) / 1000)
            elapsed = time.perf_counter() - begin
            ws.send(json.dumps({"type": "pause"}))
        print(f"{name}: play to first frame {to_first * 1e3:.0f} ms; playing at {PAGE_FASTEST} steps/s asked: "
              f"{(last_step - first_step) / elapsed:.0f} steps/s, {frames / elapsed:.1f} frames/s "
              f"(a frame is {statistics.median(sizes_kb):.0f} kB)")  # fmt: skip


def chromium() -> str | None:
    """Debian's Chromium (no browser is downloaded), or None."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    return found if Path(found).exists() else None


def browser(port: int, args: argparse.Namespace) -> None:
    """The page's own time per frame, for each network, with the graph one box per neuron and every Value."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser: skipped (Playwright is not installed)")
        return
    if chromium() is None:
        print("browser: skipped (Debian's chromium is not installed)")
        return
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    with sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=chromium(), args=flags)
        for name, hidden in NETWORKS.items():
            for view in ("neurons", "values"):
                page = chrome.new_page(viewport={"width": 1400, "height": 1000})
                page.add_init_script(TIME_HANDLER)
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("#graph g.node")
                page.fill("#hidden", ",".join(map(str, hidden)))
                page.press("#hidden", "Enter")
                shape = ",".join(map(str, [*hidden, 1]))
                page.wait_for_function(f"() => state.frame && state.frame.network.biases.map((b) => b.length)"
                                       f".join(',') === '{shape}'", timeout=120_000)  # fmt: skip
                page.wait_for_timeout(500)  # the new network's graph
                if page.evaluate("typeof graphView === 'undefined'"):  # a page from before the two views
                    if view == "neurons":
                        page.close()
                        continue
                elif page.evaluate("graphView.view") != view:
                    page.click("#graph-toggle")
                page.fill("#speed", str(PAGE_FASTEST))
                page.dispatch_event("#speed", "input")
                page.evaluate("window.handled = []")
                page.click("#play")
                page.wait_for_function("() => window.firstFrameAfterPlay !== null", timeout=120_000)
                page.wait_for_timeout(args.seconds * 1000)
                page.click("#play")
                times = [ms for kind, ms in page.evaluate("window.handled") if kind == "frame"]
                first = page.evaluate("window.firstFrameAfterPlay")
                boxes = page.locator("#graph g.node").count()
                page.close()
                if not times:
                    print(f"browser, {name}, {view}: no frame arrived")
                    continue
                times.sort()
                print(f"browser, {name}, graph {'one box per neuron' if view == 'neurons' else 'every Value'} "
                      f"({boxes} boxes): a frame takes the page {statistics.median(times):.1f} ms (median of "
                      f"{len(times)}; 90th percentile {times[int(0.9 * (len(times) - 1))]:.1f} ms); play to first "
                      f"frame drawn {first:.0f} ms")  # fmt: skip
        chrome.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=int, default=500, help="steps per second asked for (the page's maximum: 200)")
    parser.add_argument("--busy", type=int, default=3, help="tabs playing while a new one opens")
    parser.add_argument("--samples", type=int, default=1000, help="points in the busy tabs' data set (at most 1000)")
    parser.add_argument("--pairs", type=int, default=100, help="add_point+step pairs for the memory figure")
    parser.add_argument("--only", choices=("step", "play", "busy", "memory", "sizes", "browser"), action="append",
                        help="run only these parts (repeatable)")  # fmt: skip
    args = parser.parse_args()
    parts = args.only or ["step", "play", "busy", "memory", "sizes", "browser"]
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.platform()}; "
          f"{platform.processor() or platform.machine()}; Python {platform.python_version()}")  # fmt: skip

    if "step" in parts:
        in_process(args)
    for group in (("play", "busy"), ("memory",), ("sizes",), ("browser",)):  # a fresh server for each
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
            if "sizes" in group:
                sizes(port, args)
            if "browser" in group:
                browser(port, args)
        finally:
            server.terminate()
            server.communicate(timeout=30)


if __name__ == "__main__":
    main()
