"""Our engine against the original micrograd 0.1.0 itself, on the demo's first steps (W1's worker)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import w1_vs_original as bench


def test_first_demo_steps_agree_with_the_original_to_1e_12() -> None:
    try:
        original = bench.original_python()
    except Exception as err:  # pragma: no cover - the package registry is out of reach
        pytest.fail(f"could not install micrograd==0.1.0 into its own environment: {err}")
    with tempfile.TemporaryDirectory() as tmp:
        data = bench.moons_file(tmp)
        theirs = bench.run(original, data, 3)
        ours = bench.run(sys.executable, data, 3)
        ours_unfused = bench.run(sys.executable, data, 3, "--unfused")
        ours_compiled = bench.run(sys.executable, data, 3, "--compiled")
    assert theirs["loss"][0] == pytest.approx(0.8958441028683222, rel=1e-15)
    assert bench.max_relative_difference(ours["loss"], theirs["loss"]) < 1e-12
    assert bench.max_relative_difference(ours_unfused["loss"], theirs["loss"]) < 1e-12
    assert bench.max_relative_difference(ours_compiled["loss"], theirs["loss"]) < 1e-12
    assert ours_compiled["accuracy"] == theirs["accuracy"]
    assert ours["accuracy"] == theirs["accuracy"]
