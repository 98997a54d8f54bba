"""What TensorFlow Playground has, in the page, in a real headless Chromium (Debian's, driven by Playwright) at
1400x1000 and at laptop size 1000x700: input-feature toggles, L1 beside L2 (live), regression data sets drawn on a
diverging scale with "test loss" instead of accuracy, the "show test data" and "discretize output" toggles kept in
the address, and +/- buttons for hidden layers and neurons; all of it on one laptop screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import needs_chromium
from tests.playground.support import live_server
from tests.playground.test_browser_learner import SIZES, clipped_menus, in_view, open_page, set_field

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live_server() as port:
        yield f"http://127.0.0.1:{port}/"


def boundary_colours(page) -> list[tuple[int, int, int]]:
    """The colours of the boundary canvas, sampled on a grid."""
    return [tuple(c) for c in page.evaluate("""() => {
        const c = document.getElementById('boundary'), g = c.getContext('2d'), out = [];
        for (let y = 5; y < c.height; y += 23) for (let x = 5; x < c.width; x += 23) {
            const d = g.getImageData(x, y, 1, 1).data; out.push([d[0], d[1], d[2]]); }
        return out; }""")]  # fmt: skip


def two_colour_share(colours: list[tuple[int, int, int]]) -> float:
    """The share of the samples that have one of the two commonest colours."""
    counts = sorted((colours.count(c) for c in set(colours)), reverse=True)
    return sum(counts[:2]) / len(colours)


@pytest.mark.parametrize("size", SIZES)
def test_feature_toggles_start_a_new_run_and_the_network_shows_each_input(server: str, browser, size) -> None:
    page = open_page(browser, server, size)
    pressed = "[...document.querySelectorAll('#features button[aria-pressed=true]')].map((b) => b.dataset.feature)"
    assert page.evaluate(pressed) == ["x1", "x2"]
    assert page.locator("#features button").count() == 7  # TensorFlow Playground's seven
    page.click("#step")
    page.wait_for_function("() => state.frame.step === 1")
    page.click("#features button[data-feature='x1^2']")
    page.click("#features button[data-feature='x2^2']")
    page.wait_for_function("() => state.data.config.features.length === 4 && state.frame.network.inputs.length === 4")
    assert page.evaluate("state.frame.step") == 0 and page.evaluate(pressed) == ["x1", "x2", "x1^2", "x2^2"]
    assert "network of layer sizes 4-8-8-1 (inputs x₁, x₂, x₁², x₂²)" in page.get_attribute("#network", "aria-label")
    page.click("#features button[data-feature='x1']")
    page.click("#features button[data-feature='x2']")
    page.wait_for_function("() => state.data.config.features.join() === 'x1^2,x2^2'")
    page.click("#features button[data-feature='x1^2']")
    page.wait_for_function("() => state.data.config.features.join() === 'x2^2'")
    page.click("#features button[data-feature='x2^2']")  # the last one stays: the network needs an input
    page.wait_for_function("() => document.getElementById('status').className === 'error'")
    assert "at least one input feature" in page.text_content("#status") and page.evaluate(pressed) == ["x2^2"]
    page.reload()  # the address holds the features
    page.wait_for_function("() => state.data && state.data.config.features.join() === 'x2^2'")
    assert page.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_plus_and_minus_change_the_layers_and_neurons_within_bounds(server: str, browser, size) -> None:
    page = open_page(browser, server, size)
    page.click("#layer-plus")
    page.wait_for_function("() => state.data.config.hidden.join() === '8,8,8'")
    assert page.text_content("#layer-count") == "3 hidden layers" and page.input_value("#hidden") == "8,8,8"
    assert page.locator("#neuron-buttons .neurons").count() == 3
    page.locator("#neuron-buttons .neurons").nth(1).locator(".minus").click()
    page.wait_for_function("() => state.data.config.hidden.join() === '8,7,8'")
    page.locator("#neuron-buttons .neurons").nth(0).locator(".plus").click()
    page.wait_for_function("() => state.data.config.hidden.join() === '9,7,8'")
    page.wait_for_function("() => state.frame.network.biases.map((b) => b.length).join() === '9,7,8,1'")  # its frame
    # each layer's buttons sit over its column of the network picture
    for layer in range(3):
        group = page.locator("#neuron-buttons .neurons").nth(layer).bounding_box()
        column = page.evaluate(f"""() => {{ const c = document.getElementById('network'), r = c.getBoundingClientRect();
            return r.left + state.network.pos[{layer + 1}][0][0] * c.clientWidth / c.width; }}""")  # fmt: skip
        assert abs(group["x"] + group["width"] / 2 - column) < 3, layer
    set_field(page, "#hidden", "16,1,8,8,8,8")  # the bounds: 6 layers, 1 to 16 neurons
    page.wait_for_function("() => state.data.config.hidden.length === 6")
    assert page.is_disabled("#layer-plus") and not page.is_disabled("#layer-minus")
    groups = page.locator("#neuron-buttons .neurons")
    assert groups.nth(0).locator(".plus").is_disabled() and groups.nth(1).locator(".minus").is_disabled()
    for _ in range(6):
        page.click("#layer-minus")
        page.wait_for_function(f"() => state.data.config.hidden.length === {5 - _}")
    assert page.is_disabled("#layer-minus") and page.text_content("#layer-count") == "0 hidden layers"
    page.wait_for_function("() => state.frame.network.biases.map((b) => b.length).join() === '1'")  # a linear model
    assert page.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_l1_applies_at_once_to_the_running_model(server: str, browser, size) -> None:
    page = open_page(browser, server, size)
    page.fill("#speed", "60")
    page.dispatch_event("#speed", "input")
    page.click("#play")
    page.wait_for_function("() => state.frame.step > 5")
    step = page.evaluate("state.frame.step")
    set_field(page, "#l1", "0.001")
    page.wait_for_function("() => state.config.l1 === 0.001")
    page.wait_for_function(f"() => state.frame.step > {step} + 3 && state.frame.playing")  # the same run goes on
    assert page.evaluate("state.curves[0][0]") == 1
    set_field(page, "#l1", "2")
    page.wait_for_function("() => document.getElementById('status').className === 'error'")
    assert "l1 must be between 0.0 and 1.0" in page.text_content("#status") and page.input_value("#l1") == "0.001"
    page.click("#play")
    assert page.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_a_regression_data_set_is_drawn_on_a_diverging_scale_with_test_loss(server: str, browser, size) -> None:
    page = open_page(browser, server, size)
    set_field(page, "#dataset", "plane")  # the loss follows: a classification loss cannot learn real targets
    page.wait_for_function("() => state.data.config.dataset === 'plane' && state.data.classes === 0")
    assert page.input_value("#loss") == "regression"
    offered = "[...document.getElementById('loss').options].filter((o) => !o.disabled).map((o) => o.value)"
    assert page.evaluate(offered) == ["regression"]
    page.select_option("#optimizer", "adam")
    page.wait_for_function("() => state.config.optimizer === 'adam'")
    page.fill("#speed", "200")
    page.dispatch_event("#speed", "input")
    page.click("#play")
    page.wait_for_function("() => state.frame.step > 150", timeout=60_000)
    page.click("#play")
    metrics = page.text_content("#metrics")
    assert "test loss" in metrics and "accuracy" not in metrics and "%" not in metrics
    assert page.text_content("#boundary-title").startswith("the network's output")
    colours = set(boundary_colours(page))
    blue = [c for c in colours if c[2] > c[0] + 60]
    orange = [c for c in colours if c[0] > c[2] + 60]
    assert len(blue) > 5 and len(orange) > 5 and len(colours) > 30  # a graded scale, both signs
    assert page.evaluate("[...document.getElementById('click-class').options].map((o) => o.value).join()") == \
        "1,0.5,0,-0.5,-1"  # fmt: skip
    set_field(page, "#dataset", "moons")  # and back: a classification loss again
    page.wait_for_function("() => state.data.config.dataset === 'moons' && state.data.classes === 2")
    page.wait_for_function("() => document.getElementById('metrics').textContent.includes('accuracy')")  # its frame
    assert page.input_value("#loss") != "regression"
    assert page.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_show_test_data_and_discretize_output_are_view_options_kept_in_the_address(server: str, browser, size) -> None:
    page = open_page(browser, server, size)
    page.fill("#speed", "100")
    page.dispatch_event("#speed", "input")
    page.click("#play")
    page.wait_for_function("() => state.frame.step > 60")
    page.click("#play")
    page.wait_for_function("() => !state.frame.playing")
    shaded = two_colour_share(boundary_colours(page))
    page.check("#discretize")
    flat = two_colour_share(boundary_colours(page))
    assert flat > 0.85 and shaded < 0.5, (flat, shaded)  # a flat colour per class (and a few points)
    test_point = page.evaluate("""() => { const c = document.getElementById('boundary'), r = c.getBoundingClientRect();
        const [x0, x1, y0, y1] = state.data.bounds;
        const at = (p) => [(p[0] - x0) / (x1 - x0) * c.width, (y1 - p[1]) / (y1 - y0) * c.height];
        const far = (p) => Math.min(...state.data.train.map((q) => Math.hypot(at(p)[0] - at(q)[0],
                                                                               at(p)[1] - at(q)[1])));
        const p = state.data.test.reduce((a, b) => (far(a) > far(b) ? a : b));  // the test point farthest from training
        return [r.left + at(p)[0] * r.width / c.width, r.top + at(p)[1] * r.height / c.height]; }""")
    page.uncheck("#show-test")
    assert page.evaluate("location.hash").startswith("#state=")
    held = page.evaluate("JSON.parse(decodeURIComponent(escape(atob(location.hash.slice(7))))).view")
    assert held == {"showTest": False, "discretize": True}
    points = page.evaluate("state.points.length")
    page.mouse.click(*test_point)  # a hidden test point cannot be selected: the click adds a point there
    page.wait_for_function(f"() => state.points.length === {points + 1}")
    page.reload()
    page.wait_for_function("() => state.data && state.frame")
    assert not page.is_checked("#show-test") and page.is_checked("#discretize")
    page.check("#show-test")
    page.uncheck("#discretize")
    assert page.evaluate("state.view") == {"showTest": True, "discretize": False}
    assert page.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_the_new_controls_fit_one_screen_and_no_menu_is_cut_off(server: str, browser, size) -> None:
    page = open_page(browser, server, size)
    set_field(page, "#dataset", "multi-gaussian")  # the longest titles: a data set and loss of regression
    page.wait_for_function("() => state.data.config.dataset === 'multi-gaussian'")
    page.evaluate("window.scrollTo(0, 0)")
    for selector in ["#features", "#layer-plus", "#layer-minus", "#neuron-buttons", "#l1", "#l2", "#show-test",
                     "#discretize", "#boundary", "#curves", "#metrics", "#network", "#load-model"]:  # fmt: skip
        assert in_view(page, page.locator(selector)), selector
    assert clipped_menus(page) == []
    assert page.errors == []
