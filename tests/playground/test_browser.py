"""The playground in a real headless Chromium (Debian's package, driven by Playwright; no browser is downloaded).

Loads the page, plays and sees the loss fall and the accuracy rise, clicks a point and sees its graph with data
and grads, opens a node's chain rule and finite-difference check, steps through backward, and checks that the
screenshots are not blank. (The README's picture is written by test_browser_graph.py, with MICROGRAD_SCREENSHOT.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.browser import needs_chromium
from tests.playground.support import live_server

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live_server() as port:
        yield f"http://127.0.0.1:{port}/"


def not_blank(png: bytes) -> bool:
    """A screenshot with real content: many distinct colours, not one flat fill."""
    import io

    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    return pixels.std() > 0.05 and len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 200


def test_play_learn_inspect_and_step_through_backward(server: str, browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server)
    page.wait_for_selector("#graph g.node")
    start_loss = float(page.get_attribute("#metrics", "data-train-loss"))
    start_acc = float(page.get_attribute("#metrics", "data-train-accuracy"))
    page.fill("#speed", "100")
    page.dispatch_event("#speed", "input")
    page.click("#play")
    page.wait_for_function("() => Number(document.getElementById('metrics').dataset.trainAccuracy) > 0.85",
                           timeout=30_000)  # fmt: skip
    page.click("#play")  # pause
    loss = float(page.get_attribute("#metrics", "data-train-loss"))
    acc = float(page.get_attribute("#metrics", "data-train-accuracy"))
    assert loss < start_loss and acc > start_acc
    assert not_blank(page.screenshot())

    # an example the network still gets wrong has non-zero gradients: find one, then click it on the plot
    wrong = page.evaluate("""async () => {
        for (let i = 0; i < state.data.train.length; i++) {
            send({ type: "select", index: i });
            while (!state.graph || state.graph.example !== i) await new Promise((r) => setTimeout(r, 5));
            if (state.graph.nodes[state.graph.root].data > 0.5) return i;
        }
        return 0; }""")
    page.evaluate("send({ type: 'select', index: 0 })")
    page.wait_for_function("() => state.graph.example === 0")
    box = page.locator("#boundary").bounding_box()
    point = page.evaluate(f"""() => {{
        const p = state.data.train[{wrong}], c = document.getElementById('boundary');
        const [x, y] = toCanvas(p[0], p[1], c);
        return [x * c.clientWidth / c.width, y * c.clientHeight / c.height]; }}""")
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_function(f"() => state.graph && state.graph.example === {wrong}")
    assert page.text_content("#graph-toggle") == "every Value"  # 2-8-8-1: one box per neuron at first
    page.click("#graph-toggle")
    texts = page.locator("#graph text").all_text_contents()
    assert any(t.startswith("data ") and "| grad " in t for t in texts) and "L1 N0 ReLU" in texts
    assert page.locator("#graph g.node").count() == page.evaluate("state.graph.nodes.length")

    # a node's chain-rule breakdown and finite-difference check
    page.locator("#graph g.node", has_text="x1").first.click()
    page.wait_for_function("() => document.getElementById('node-detail').dataset.fdOk !== undefined")
    detail = page.text_content("#node-detail")
    assert "chain rule" in detail and "finite-difference check" in detail

    # step through backward: the walk visits every op node, and the grads it builds equal the server's
    page.click("#bw-start")
    steps = page.evaluate("state.graph.backward.length")
    accumulations = page.evaluate(f"""() => {{ let acc = 0;  // clicked in the page: {steps} clicks
        for (let i = 0; i <= {steps}; i++) {{
            document.getElementById("bw-next").click();
            acc += document.querySelectorAll("#graph text.acc").length; }}  // '+=' on nodes used more than once
        return acc; }}""")
    assert accumulations > 0
    walked = page.evaluate("state.walk.grads")
    served = page.evaluate("state.graph.nodes.map(n => n.grad)")
    assert np.allclose(walked, served, rtol=1e-9, atol=1e-12)
    assert "done" in page.text_content("#bw-note")
    assert not_blank(page.screenshot(full_page=True))
    assert errors == []


def test_clicking_empty_space_adds_a_point_and_bad_settings_show_an_error_and_are_not_kept(
    server: str, browser
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.wait_for_selector("#graph g.node")
    before = page.evaluate("state.data.train.length")
    box = page.locator("#boundary").bounding_box()
    page.mouse.click(box["x"] + 3, box["y"] + 3)  # a corner, far from every point
    page.wait_for_function(f"() => state.data.train.length === {before + 1}")
    page.fill("#hidden", "8,99")
    page.press("#hidden", "Enter")  # a setting applies as soon as it changes
    page.wait_for_function("() => document.getElementById('status').className === 'error'")
    assert "between 1 and 16" in page.text_content("#status")
    assert page.input_value("#hidden") == "8,8"  # the form shows what the server holds, not what it refused
    page.click("#step")  # the server kept running
    page.wait_for_function("() => state.frame.step === 1")


def test_the_whole_state_travels_in_the_address(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.wait_for_selector("#graph g.node")
    page.select_option("#dataset", "spiral")
    page.wait_for_function("() => state.config.dataset === 'spiral'")
    page.fill("#hidden", "16,16,4")
    page.press("#hidden", "Enter")
    page.wait_for_function("() => state.config.hidden.join(',') === '16,16,4'")
    page.select_option("#activation", "tanh")
    page.wait_for_function("() => state.config.activation === 'tanh'")
    box = page.locator("#boundary").bounding_box()
    page.mouse.click(box["x"] + 3, box["y"] + 3)
    page.wait_for_function("() => state.points.length === 1")
    url = page.url  # the address holds the state at all times, without pressing "link"
    assert "#state=" in url
    other = browser.new_page(viewport={"width": 1400, "height": 1000})  # a new tab: a new session
    other.goto(url)
    other.wait_for_function("() => state.data && state.data.config.dataset === 'spiral' && state.points.length === 1")
    assert other.input_value("#hidden") == "16,16,4" and other.input_value("#activation") == "tanh"
