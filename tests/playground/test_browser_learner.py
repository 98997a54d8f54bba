"""Issue 18's learner pains, in a real headless Chromium (Debian's, driven by Playwright), at 1400x1000 and at
laptop size 1000x700 where layout matters: a node's explanation lands in view (1), settings apply at once and the
form shows what the server holds (2), divergence is said once in words (3), a test point can be selected (4), a
hinge example with its margin met says why its grads are 0 (7), a reload keeps the state (9), and the file
buttons are reachable with Tab and the canvases have text alternatives (10)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import needs_chromium
from tests.playground.support import live_server

pytestmark = needs_chromium
SIZES = [pytest.param((1400, 1000), id="1400x1000"), pytest.param((1000, 700), id="1000x700")]
# Records what the canvases write, so that a test can read the curve's label.
RECORD_TEXT = """(() => { const fill = CanvasRenderingContext2D.prototype.fillText; window.drawnTexts = [];
  CanvasRenderingContext2D.prototype.fillText = function (t, ...rest) { window.drawnTexts.push(String(t));
    if (window.drawnTexts.length > 500) window.drawnTexts.shift(); return fill.call(this, t, ...rest); }; })();"""
PYTHON_TEXT = re.compile(r"Traceback|too large at x=|Numerical result|\(34,|Error:|\d{9,}")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live_server() as port:
        yield f"http://127.0.0.1:{port}/"


def open_page(browser, server: str, size: tuple[int, int] = (1400, 1000), url: str = ""):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.add_init_script(RECORD_TEXT)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url or server)
    page.wait_for_selector("#graph g.node")
    return page


def in_view(page, element) -> bool:
    """Whether the element is wholly inside the window, below the (sticky) header and inside every scrolling box
    that holds it."""
    return page.evaluate("""(el) => {
        const r = el.getBoundingClientRect(), header = document.querySelector("header").getBoundingClientRect();
        const top = el.closest("header") ? 0 : Math.max(0, header.bottom);
        if (r.top < top - 1 || r.left < -1 || r.bottom > innerHeight + 1 || r.right > innerWidth + 1) return false;
        for (let p = el.parentElement; p; p = p.parentElement) {
            const s = getComputedStyle(p);
            if (!/(auto|scroll)/.test(s.overflow + s.overflowX + s.overflowY)) continue;
            const q = p.getBoundingClientRect();
            if (r.top < q.top - 1 || r.bottom > q.bottom + 1) return false;
            if (r.left < q.left - 1 || r.right > q.right + 1) return false;
        }
        return true; }""", element.element_handle())  # fmt: skip


def set_field(page, selector: str, value: str) -> None:
    if page.evaluate(f"document.querySelector('{selector}').tagName") == "SELECT":
        page.select_option(selector, value)
    else:
        page.fill(selector, value)
        page.press(selector, "Enter")


@pytest.mark.parametrize("size", SIZES)
def test_a_nodes_explanation_and_the_backward_walk_land_in_view(server: str, browser, size) -> None:
    page = open_page(browser, server, size)
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#graph g.node.group", has_text="L1 N0").click()  # 2-8-8-1: a neuron opens into its Values
    page.locator("#graph g.node", has_text="w1[0][0]").first.click()
    page.wait_for_function("() => document.getElementById('node-detail').dataset.fdOk !== undefined")
    assert "chain rule" in page.text_content("#node-detail")
    assert in_view(page, page.locator("#node-detail"))

    page.evaluate("window.scrollTo(0, 0)")  # the walk starts at the loss, wherever the view was
    page.click("#bw-start")
    assert in_view(page, page.locator("#graph g.node.root"))
    for _ in range(5):
        page.click("#bw-next")
        current = page.locator("#graph g.node.current")
        assert current.count() == 1 and in_view(page, current)
        fill = page.evaluate("getComputedStyle(document.querySelector('#graph g.node.current rect')).fill")
        assert fill == "rgb(255, 245, 157)"  # the current node's own fill, not the touched nodes'
    assert page.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_settings_apply_at_once_and_the_form_shows_what_the_server_holds(server: str, browser, size) -> None:
    page = open_page(browser, server, size)
    assert page.locator("#apply").count() == 0 and "apply settings" not in page.text_content("body")
    page.fill("#speed", "60")
    page.dispatch_event("#speed", "input")
    page.click("#play")
    page.wait_for_function("() => state.frame.step > 5")
    for selector, value, key in [("#lr", "0.5", "lr"), ("#l2", "0.001", "l2"), ("#activation", "tanh", "activation"),
                                 ("#optimizer", "adam", "optimizer")]:  # fmt: skip
        step = page.evaluate("state.frame.step")
        set_field(page, selector, value)
        page.wait_for_function(f"() => String(state.config.{key}) === '{value}'")
        page.wait_for_function(f"() => state.frame.step > {step} + 3 && state.frame.playing")  # still the same run
        assert page.evaluate("state.curves[0][0]") == 1  # the curves were not wiped
    set_field(page, "#dataset", "circles")  # the data: a new run at once
    page.wait_for_function("() => state.data.config.dataset === 'circles' && state.frame.step < 5")
    set_field(page, "#lr", "50")  # out of bounds: refused, and the form goes back to the held value
    page.wait_for_function("() => document.getElementById('status').className === 'error'")
    assert "lr must be between" in page.text_content("#status") and page.input_value("#lr") == "0.5"
    assert page.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_divergence_is_said_once_in_words_with_what_to_do(server: str, browser, size) -> None:
    page = open_page(browser, server, size)
    set_field(page, "#loss", "mse")
    page.wait_for_function("() => state.config.loss === 'mse'")
    set_field(page, "#hidden", "16,16,16")
    page.wait_for_function("() => state.config.hidden.length === 3")
    set_field(page, "#lr", "10")
    page.wait_for_function("() => state.config.lr === 10")
    page.fill("#speed", "200")
    page.dispatch_event("#speed", "input")
    page.click("#play")
    page.wait_for_function("() => state.frame.error", timeout=120_000)  # 16,16,16 frames are slow on a busy machine
    page.wait_for_function("() => !state.frame.playing")
    said = page.text_content("#status")
    assert re.fullmatch(r"(the loss became (inf|nan)|a weight or an intermediate result grew too large for a float) "
                        r"at step \d+: lower the learning rate, then reset", said), said  # fmt: skip
    body = page.evaluate("document.body.innerText")
    assert body.count("lower the learning rate") == 1 and not PYTHON_TEXT.search(body), body
    assert not any(PYTHON_TEXT.search(t) for t in page.evaluate("window.drawnTexts"))  # e.g. the curve's "max"

    page.locator("#graph g.node").first.click()  # the finite-difference check answers, whatever the graph
    page.wait_for_function("() => !document.getElementById('node-detail').textContent.includes('asking the server')")
    page.click("#play")  # play after divergence says why nothing happens
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('training stopped: ')")
    assert "lower the learning rate, then reset" in page.text_content("#status")
    assert page.text_content("#play") == "▶ play"
    page.click("#reset")
    page.wait_for_function("() => state.frame.step === 0 && !state.frame.error")
    assert page.text_content("#status") == ""
    assert page.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_clicking_a_test_point_selects_it(server: str, browser, size) -> None:
    page = open_page(browser, server, size)
    train = page.evaluate("state.data.train.length")
    index = page.evaluate("""() => {  // a test point with no training point within 10 px
        const c = document.getElementById('boundary');
        return state.data.test.findIndex((p) => { const [x, y] = toCanvas(p[0], p[1], c);
            return state.data.train.every((q) => {
                const [u, v] = toCanvas(q[0], q[1], c);
                return (u - x) ** 2 + (v - y) ** 2 > 100; }); }); }""")  # fmt: skip
    assert index >= 0
    box = page.locator("#boundary").bounding_box()
    x, y = page.evaluate(f"""() => {{ const p = state.data.test[{index}], c = document.getElementById('boundary');
        const [x, y] = toCanvas(p[0], p[1], c);
        return [x * c.clientWidth / c.width, y * c.clientHeight / c.height]; }}""")
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_function(f"() => state.graph.set === 'test' && state.graph.example === {index}")
    assert page.text_content("#example").startswith(f"test example {index} ")
    assert page.evaluate("state.data.train.length") == train and page.evaluate("state.points.length") == 0
    assert page.errors == []


def test_a_hinge_example_with_its_margin_met_says_why_its_grads_are_zero(server: str, browser) -> None:
    page = open_page(browser, server)
    assert page.evaluate("state.config.loss") == "hinge"
    page.fill("#speed", "100")
    page.dispatch_event("#speed", "input")
    page.click("#play")
    page.wait_for_function(
        "() => Number(document.getElementById('metrics').dataset.trainAccuracy) > 0.85", timeout=30_000
    )
    page.click("#play")
    page.wait_for_function("() => !state.frame.playing")
    met = page.evaluate("""async () => {
        for (let i = 0; i < state.data.train.length; i++) {
            send({ type: "select", index: i });
            while (!state.graph || state.graph.example !== i) await new Promise((r) => setTimeout(r, 5));
            if (state.graph.nodes[state.graph.root].data === 0) return i;
        }
        return -1; }""")
    assert met >= 0
    assert page.text_content("#graph-note").startswith("margin met: this example sends no gradient")
    page.locator("#graph g.node.group", has_text="L1 N0").click()  # 2-8-8-1: a neuron opens into its Values
    page.locator("#graph g.node", has_text="w1[0][0]").first.click()
    assert "margin met: this example sends no gradient" in page.text_content("#node-detail")
    page.evaluate("send({ type: 'select', index: 0 })")  # an example still inside its margin: no such note
    wrong = page.evaluate("state.graph.nodes[state.graph.root].data")
    if wrong > 0:
        assert page.text_content("#graph-note") == ""


def test_a_reload_keeps_the_settings_and_the_points(server: str, browser) -> None:
    page = open_page(browser, server)
    set_field(page, "#dataset", "circles")
    page.wait_for_function("() => state.config.dataset === 'circles'")
    set_field(page, "#lr", "0.25")
    page.wait_for_function("() => state.config.lr === 0.25")
    box = page.locator("#boundary").bounding_box()
    page.mouse.click(box["x"] + 3, box["y"] + 3)
    page.wait_for_function("() => state.points.length === 1")
    assert "#state=" in page.url
    page.reload()
    page.wait_for_function("() => state.config && state.config.dataset === 'circles' && state.points.length === 1")
    assert page.input_value("#lr") == "0.25" and page.input_value("#dataset") == "circles"
    assert "#state=" in page.url


def test_the_file_buttons_are_reachable_with_tab_and_canvases_say_what_they_show(server: str, browser) -> None:
    page = open_page(browser, server)
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
        if "load-model" in reached:
            break
    assert "load-state" in reached and "load-model" in reached
    page.evaluate("""() => { window.opened = [];  // what a file dialog was asked for (Chromium's own is not awaited)
        for (const id of ["import-state", "import-model"])
            document.getElementById(id).addEventListener("click", (e) => {
                e.preventDefault(); opened.push(id); }); }""")
    page.keyboard.press("Enter")  # on "load model"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # on "load state"
    assert page.evaluate("window.opened") == ["import-model", "import-state"]
    page.wait_for_function(
        "() => document.getElementById('boundary').getAttribute('aria-label').includes('training points')"
    )
    assert "steps" in page.get_attribute("#curves", "aria-label")
    assert "layer sizes 2-8-8-1" in page.get_attribute("#network", "aria-label")
    page.focus("#graph g.node")  # a graph node works from the keyboard too
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('node-detail').textContent.includes('grad ')")


@pytest.mark.parametrize("size", SIZES)
def test_the_main_views_and_the_controls_fit_one_screen(server: str, browser, size) -> None:
    """Point 5: the boundary, curves, metrics, network and every control on one screen, at laptop size too; the
    graph is its own pane below, and the header (play, step, reset) stays on screen while scrolling to it."""
    page = open_page(browser, server, size)
    page.evaluate("window.scrollTo(0, 0)")
    for selector in ["#boundary", "#curves", "#metrics", "#network", "#controls", "#play", "#lr", "#load-model"]:
        assert in_view(page, page.locator(selector)), selector
    page.locator("#graph-view").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert page.evaluate("window.scrollY") > 0 or size == (1400, 1000)
    assert page.evaluate("document.querySelector('header').getBoundingClientRect().top") == 0
    assert in_view(page, page.locator("#play"))
    assert clipped_menus(page) == []


@pytest.mark.parametrize("size", SIZES)
def test_a_neuron_thumbnail_is_signed_and_enlarges_on_hover(server: str, browser, size) -> None:
    """Point 8: hovering a neuron draws its thumbnail large, named as the graph names its weights (L1 N3 owns
    w1[3][...]); the output neuron's thumbnail shows both signs (blue positive, orange negative)."""
    page = open_page(browser, server, size)

    def hover(layer: int, neuron: int) -> list[float]:
        box = page.locator("#network").bounding_box()
        x, y = page.evaluate(f"""() => {{ const c = document.getElementById('network');
            const [x, y] = state.network.pos[{layer}][{neuron}];
            return [x * c.clientWidth / c.width, y * c.clientHeight / c.height]; }}""")
        page.mouse.move(box["x"] + x, box["y"] + y)
        return [x, y]

    hover(1, 3)
    page.wait_for_function("() => document.getElementById('network').dataset.hover === 'L1 N3'")
    assert "L1 N3" in page.evaluate("window.drawnTexts")
    hover(3, 0)  # the output: a score, negative on one side of the boundary and positive on the other
    page.wait_for_function("() => document.getElementById('network').dataset.hover === 'output 0'")
    blue, orange = page.evaluate("""() => {
        const c = document.getElementById('network'), g = c.getContext('2d');
        const [x, y] = state.network.pos[3][0], big = Math.min(110, c.height - 20);
        const x0 = Math.min(Math.max(x - big / 2, 0), c.width - big);
        const y0 = Math.min(Math.max(y - big / 2, 14), c.height - big);
        const px = g.getImageData(x0 + 2, y0 + 2, big - 4, big - 4).data;
        let blue = 0, orange = 0;
        for (let i = 0; i < px.length; i += 4) {
            if (px[i + 2] > px[i] + 60) blue++;
            if (px[i] > px[i + 2] + 60) orange++; }
        return [blue, orange]; }""")  # fmt: skip
    assert blue > 100 and orange > 100, (blue, orange)
    page.mouse.move(1, 1)
    page.wait_for_function("() => document.getElementById('network').dataset.hover === undefined")


def clipped_menus(page) -> list[str]:
    """The ids of the control menus whose chosen entry is wider than the menu shows (20 px: the menu's arrow)."""
    return page.evaluate("""() => [...document.querySelectorAll("#controls select")].filter((sel) => {
        const probe = document.createElement("span"), style = getComputedStyle(sel);
        probe.style.font = style.font; probe.style.whiteSpace = "pre";
        probe.textContent = sel.options[sel.selectedIndex].text; document.body.append(probe);
        const wide = probe.getBoundingClientRect().width; probe.remove();
        return wide > sel.clientWidth - 20; }).map((sel) => sel.id)""")
