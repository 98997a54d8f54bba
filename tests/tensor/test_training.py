"""`micrograd train --engine tensor`: every dataset, the same run as the scalar engine, digits >= 97 %."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from micrograd.tensor import nn as tnn
from micrograd.train import DATASET_DEFAULTS, Config, train


@pytest.mark.parametrize(("loss", "optimizer"), [("hinge", "sgd"), ("mse", "sgd"), ("bce", "adam")])
def test_the_tensor_engine_repeats_the_scalar_run(loss: str, optimizer: str) -> None:
    config = Config(loss=loss, optimizer=optimizer, steps=25, batch_size=32, activation="tanh", lr=0.1, lr_end=0.01)
    if optimizer == "adam":
        config = replace(config, lr=0.05, schedule="constant")
    scalar, tensor = train(config), train(replace(config, engine="tensor"))
    assert tensor.loss == pytest.approx(scalar.loss, rel=1e-10)
    assert tensor.accuracy == scalar.accuracy and tensor.train_accuracy == scalar.train_accuracy


def test_the_original_demo_on_the_tensor_engine() -> None:
    result = train(Config(engine="tensor"))
    assert result.loss[:3] == pytest.approx([0.8958441028683222, 1.7235905336972022, 0.7429006313851131], rel=1e-12)
    assert result.train_accuracy == 1.0 and isinstance(result.model, tnn.MLP)


@pytest.mark.parametrize("dataset", ["circles", "blobs", "classification"])
def test_every_dataset_learns_on_the_tensor_engine(dataset: str) -> None:
    values = {**DATASET_DEFAULTS.get(dataset, {}), "engine": "tensor", "test_fraction": 0.25, "samples": 200}
    result = train(Config(dataset=dataset, **values))
    assert result.loss[-1] < result.loss[0] and result.train_accuracy > 0.8 and result.test_accuracy is not None


def test_digits_reaches_97_percent_on_held_out_images_on_the_tensor_engine() -> None:
    result = train(Config(dataset="digits", **{**DATASET_DEFAULTS["digits"], "engine": "tensor"}))
    assert len(result.data.X_test) == 360
    assert result.test_accuracy is not None and result.test_accuracy >= 0.97


def test_cli_engine_tensor_writes_the_usual_files(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "micrograd.cli", "train", "--engine", "tensor", "--quiet", "--out", "out"]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["config"]["engine"] == "tensor" and metrics["train_accuracy"] == 1.0
    assert tnn.load(tmp_path / "out" / "model.json").num_parameters() == 337
    assert (tmp_path / "out" / "decision_boundary.png").stat().st_size > 5000
    bad = subprocess.run([*cmd[:4], "--engine", "gpu"], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice: 'gpu'" in bad.stderr
