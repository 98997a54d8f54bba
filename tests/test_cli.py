"""The `micrograd` command, end to end in a subprocess."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "micrograd.cli", *args], capture_output=True, text=True, timeout=300)


def test_demo_prints_the_readme_numbers_and_a_falling_loss() -> None:
    result = run("demo", "--steps", "20")
    assert result.returncode == 0, result.stderr
    assert "g = 24.7041, dg/da = 138.8338, dg/db = 645.5773" in result.stdout
    losses = [float(line.split()[-1]) for line in result.stdout.splitlines() if line.strip().startswith("step")]
    assert len(losses) == 20 and losses[-1] < 0.1 * losses[0]


def test_help_and_bad_usage() -> None:
    assert run("--help").returncode == 0
    bad = run("demo", "--steps", "many")
    assert bad.returncode == 2 and "invalid int value" in bad.stderr
