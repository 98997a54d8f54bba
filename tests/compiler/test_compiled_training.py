"""`micrograd train --engine compiled`: the scalar engine's run, replayed."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from micrograd.train import DATASET_DEFAULTS, Config, train


@pytest.mark.parametrize(
    "config",
    [
        Config(),  # the original demo
        Config(loss="bce", optimizer="adam", lr=0.05, schedule="constant", steps=30, batch_size=16),
        Config(dataset="blobs", **{**DATASET_DEFAULTS["blobs"], "steps": 30, "batch_size": 25}),
    ],
    ids=["demo", "bce-minibatches", "blobs-ce"],
)
def test_the_compiled_engine_repeats_the_scalar_run(config: Config) -> None:
    scalar, compiled = train(config), train(replace(config, engine="compiled"))
    assert compiled.loss == pytest.approx(scalar.loss, rel=1e-12)
    assert compiled.accuracy == scalar.accuracy
    assert compiled.train_accuracy == scalar.train_accuracy


def test_cli_engine_compiled(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "micrograd.cli", "train", "--engine", "compiled", "--quiet", "--out", "out"]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["config"]["engine"] == "compiled" and metrics["train_accuracy"] == 1.0
    assert metrics["loss"][:2] == [0.8958441028683222, 1.7235905336972022]
