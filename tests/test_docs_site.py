"""The documentation site: `mkdocs build --strict` (what `make docs` runs) succeeds, and its pages open in Chromium.

Strict mode turns every warning into a failure: a link to a page or an anchor that does not exist, a page left
out of the navigation's files, an API reference (`::: micrograd.x`) that does not resolve.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import needs_chromium

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None  # quiet
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join(timeout=10)


def test_every_page_of_the_docs_folder_and_every_notebook_is_built(site: Path):
    for page in (ROOT / "docs").glob("*.md"):
        assert (site / f"{page.stem}.html").is_file(), page.name
    for notebook in (ROOT / "examples").glob("*.ipynb"):
        assert (site / "examples" / f"{notebook.stem}.html").is_file(), notebook.name


def test_the_api_reference_is_made_from_the_docstrings(site: Path):
    from micrograd import ops

    html = (site / "api" / "engine.html").read_text()
    first_line = ops.Tanh.__doc__.splitlines()[0]
    assert "Tanh" in html
    assert first_line.split(";")[0].strip() in html


@needs_chromium
def test_the_site_opens_in_a_browser(served: str, browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served)
    assert "micrograd" in page.title()
    assert page.locator("nav").first.is_visible()
    page.get_by_role("link", name="Install").first.click()
    page.wait_for_url("**/install.html")
    assert page.get_by_role("heading", name="Install").first.is_visible()
    # a notebook is a page with its stored outputs: the lecture's neuron prints o = 0.7071...
    page.goto(served + "examples/04_manual_backprop_neuron.html")
    assert "0.7071" in page.locator("body").inner_text()
    # the search box works offline, from the index built into the site
    page.goto(served + "lecture.html")
    page.keyboard.press("/")
    page.keyboard.type("check_grad")
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
    assert errors == []
    page.close()


@needs_chromium
def test_the_site_works_opened_as_a_file(site: Path, browser):
    """`make docs` says to open site/index.html: its links lead to pages, without a server."""
    page = browser.new_page()
    page.goto((site / "index.html").as_uri())
    page.get_by_role("link", name="Training").first.click()
    page.wait_for_url("**/training.html")
    assert page.get_by_role("heading", name="Training").first.is_visible()
    page.close()
