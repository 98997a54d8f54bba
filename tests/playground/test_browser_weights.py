"""Editing a weight in the network picture, as TensorFlow Playground lets a learner do, in a real headless Chromium at
1400x1000 and at laptop size 1000x700: a click on a link opens an editor naming it as the graph pane does
(``w2[3][1] = ...``), Enter sets the typed value in the server's model (the picture redraws the link), Escape
cancels; the "edit a weight" menu reaches every weight and bias by keyboard; a weight set while playing keeps
playing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import needs_chromium
from tests.playground.support import live_app
from tests.playground.test_browser_learner import SIZES, in_view, open_page

pytestmark = needs_chromium


@pytest.fixture
def served() -> Iterator[tuple[str, object]]:
    """A playground of its own for each test (uvicorn in a thread), so the test can read its one session."""
    with live_app() as (port, app):
        yield f"http://127.0.0.1:{port}/", app


def the_session(app):
    (session,) = list(app.state.sessions)
    return session


# The point of a link, in page pixels, farthest from every other link (not at a crossing: at least 2 canvas pixels
# away) and not under the weight tools; and the canvas pixel there.
LINK_POINT = """([layer, neuron, input]) => {
    const c = document.getElementById('network'), r = c.getBoundingClientRect(), links = state.network.links;
    const tools = document.getElementById('weight-tools').getBoundingClientRect();
    const k = links.find((k) => k.layer === layer && k.neuron === neuron && k.input === input);
    let best = null, bestD = 2;
    for (let t = 0.1; t <= 0.9; t += 0.01) {
        const x = k.a[0] + t * (k.b[0] - k.a[0]), y = k.a[1] + t * (k.b[1] - k.a[1]);
        const d = Math.min(...links.filter((o) => o !== k).map((o) => segmentDistance(x, y, o.a, o.b)));
        const px = r.left + (x * r.width) / c.width, py = r.top + (y * r.height) / c.height;
        const covered = px >= tools.left && px <= tools.right && py >= tools.top && py <= tools.bottom;
        if (d > bestD && !covered) { bestD = d; best = { x: px, y: py, cx: Math.round(x), cy: Math.round(y) }; }
    }
    return best; }"""
PIXEL = "([x, y]) => [...document.getElementById('network').getContext('2d').getImageData(x, y, 1, 1).data]"


@pytest.mark.parametrize("size", SIZES)
def test_clicking_a_link_edits_its_weight_in_the_server_model_and_the_picture(served, browser, size) -> None:
    url, app = served
    page = open_page(browser, url, size)
    page.evaluate("window.scrollTo(0, 0)")
    assert in_view(page, page.locator("#weight-pick"))
    session = the_session(app)
    weight = session.model.layers[1].neurons[3].w[1]  # w2[3][1]: layer 2, neuron 3, input 1
    before = weight.data
    assert page.evaluate("state.frame.network.weights[1][1][3]") == round(before, 4)  # weights[layer-1][input][neuron]
    spot = page.evaluate(LINK_POINT, [2, 3, 1])
    assert spot is not None
    page.mouse.click(spot["x"], spot["y"])
    assert page.is_visible("#weight-editor") and in_view(page, page.locator("#weight-editor"))
    page.wait_for_function("() => document.activeElement.id === 'weight-value'")
    name = page.text_content("#weight-name")
    assert name.startswith("w2[3][1] = ") and float(name.split(" = ")[1]) == pytest.approx(before, abs=1e-4)
    assert page.evaluate("state.weightEdit") == {"layer": 2, "neuron": 3, "input": 1}
    blue = lambda rgba: rgba[2] > rgba[0] + 60  # noqa: E731 - a positive weight's link is blue, a negative one orange
    was_blue = blue(page.evaluate(PIXEL, [spot["cx"], spot["cy"]]))
    new = -2.5 if before >= 0 else 2.5  # the other sign: the link changes colour
    page.fill("#weight-value", str(new))
    page.press("#weight-value", "Enter")
    page.wait_for_function(f"() => state.frame.network.weights[1][1][3] === {new}")
    assert page.is_hidden("#weight-editor") and page.evaluate("state.frame.step") == 0
    assert weight.data == new  # the server's model holds it
    assert blue(page.evaluate(PIXEL, [spot["cx"], spot["cy"]])) == (not was_blue)  # the picture redrew the link
    # Escape cancels: the weight stays
    page.mouse.click(spot["x"], spot["y"])
    page.fill("#weight-value", "7")
    page.press("#weight-value", "Escape")
    assert page.is_hidden("#weight-editor") and page.evaluate("state.weightEdit") is None
    page.click("#step")  # a step trains on from the edited weight
    page.wait_for_function("() => state.frame.step === 1")
    assert weight.data != 7 and weight.data == pytest.approx(new, abs=0.5)
    assert page.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_every_weight_and_bias_is_reachable_by_keyboard_and_a_bad_value_is_refused(served, browser, size) -> None:
    url, app = served
    page = open_page(browser, url, size)
    session = the_session(app)
    names = page.evaluate("[...document.querySelectorAll('#weight-pick option')].map((o) => o.textContent)")
    assert len(names) == 1 + (2 + 1) * 8 + (8 + 1) * 8 + (8 + 1) * 1  # 2-8-8-1: every weight and bias, and the prompt
    assert {"w1[7][0]", "b1[7]", "w2[3][1]", "w3[0][7]", "b3[0]"} <= set(names)
    page.focus("#weight-pick")
    page.select_option("#weight-pick", "3,0,bias")  # the output neuron's bias, b3[0]
    page.press("#weight-pick", "Enter")
    page.wait_for_function("() => document.activeElement.id === 'weight-value'")
    assert page.text_content("#weight-name").startswith("b3[0] = ")
    page.fill("#weight-value", "500")  # too large: said, not sent
    page.press("#weight-value", "Enter")
    assert "from -100 to 100" in page.text_content("#status") and page.is_visible("#weight-editor")
    page.fill("#weight-value", "-1.25")
    page.press("#weight-value", "Enter")
    page.wait_for_function("() => state.frame.network.biases[2][0] === -1.25")
    assert session.model.layers[2].neurons[0].b.data == -1.25
    assert page.evaluate("document.activeElement.id") == "weight-pick"  # back where the keyboard was
    # a click on a neuron edits its bias
    box = page.evaluate("""() => {
        const c = document.getElementById('network'), r = c.getBoundingClientRect(), [x, y] = state.network.pos[1][2];
        return [r.left + x * r.width / c.width, r.top + y * r.height / c.height]; }""")
    page.mouse.click(*box)
    assert page.text_content("#weight-name").startswith("b1[2] = ")
    assert page.errors == []


def test_a_weight_set_while_playing_keeps_playing(served, browser) -> None:
    url, app = served
    page = open_page(browser, url, (1000, 700))
    session = the_session(app)
    page.click("#play")
    page.wait_for_function("() => state.frame.playing && state.frame.step >= 3")
    page.select_option("#weight-pick", "1,4,0")  # w1[4][0]
    page.press("#weight-pick", "Enter")
    page.fill("#weight-value", "3")
    page.press("#weight-value", "Enter")
    page.wait_for_function("() => state.frame.network.weights[0][0][4] !== null && "
                           "Math.abs(state.frame.network.weights[0][0][4] - 3) < 0.5")  # fmt: skip
    step = page.evaluate("state.frame.step")
    page.wait_for_function(f"() => state.frame.step > {step + 3}")  # still playing, from the new weight
    assert session.playing and abs(session.model.layers[0].neurons[4].w[0].data - 3) < 1.0
    page.click("#play")
    assert page.errors == []
