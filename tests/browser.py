"""Debian's Chromium driven by Playwright, for the tests that open a page (the playground, the documentation site).

No browser is ever downloaded: Playwright is pointed at the system's `chromium`. Without it the tests skip on a
developer's machine; in CI (`CI` set) they run, because `.ci/run` installs it first.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"
)


def launch(playwright):
    """A headless Chromium from the system's package."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
