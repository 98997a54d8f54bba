"""The playground: train in the browser and watch backprop happen live (``micrograd playground``).

``app.py`` serves the page (plain HTML, CSS and JavaScript in ``static/``, no build step, no CDN) and one
WebSocket per tab; ``session.py`` trains (through ``micrograd.train.Run``, as the command line does);
``frames.py`` draws; ``explain.py`` builds one example's computation graph; ``messages.py`` checks everything the
page sends and tells it its choices, from the tables in ``micrograd.data``, ``micrograd.losses`` and
``micrograd.activations``.
"""

from __future__ import annotations

import sys
import threading
import webbrowser


def serve(host: str | None = None, port: int = 8000, open_browser: bool = True) -> None:
    """Run the playground until interrupted, printing its address (and opening it, unless told not to).

    It listens on 127.0.0.1 (this machine only) unless ``host`` is given, which it then warns about. Either way it
    answers only requests addressed to it by name (127.0.0.1, localhost, [::1], ``host``, or the IP address a
    request arrives at) and WebSockets from its own pages: not other web sites, nor DNS-rebound names.
    """
    import uvicorn

    from micrograd.playground.app import create_app

    if host is not None:
        print(
            f"warning: serving on {host} as asked: anyone who can reach it there can use the playground "
            "(it trains on this CPU; it never runs code sent by a page)",
            file=sys.stderr,
        )
    app = create_app(host, port)
    host = host or "127.0.0.1"
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/"
    print(f"micrograd playground at {url}  (Ctrl+C to stop)", flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
