import os

import pytest
from hypothesis import HealthCheck, settings

# More examples on a developer's machine, enough in CI (CI=true) to keep the suite within minutes.
settings.register_profile("dev", max_examples=400, deadline=None)
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, through Playwright (see tests/browser.py); mark the test with needs_chromium."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()
