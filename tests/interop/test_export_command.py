"""`micrograd export`: a model trained by `micrograd train`, exported, evaluated elsewhere with the same accuracy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from micrograd.data import load
from micrograd.train import DATASET_DEFAULTS


def micrograd(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "micrograd.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)  # fmt: skip


def test_a_trained_digits_model_keeps_its_accuracy_in_onnxruntime_and_pytorch(tmp_path: Path) -> None:
    trained = micrograd("train", "--dataset", "digits", "--engine", "tensor", "--quiet", "--out", "run", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    c = metrics["config"]
    data = load("digits", c["samples"], c["noise"], c["seed"], DATASET_DEFAULTS["digits"]["test_fraction"])
    X, y = np.asarray(data.X_test), np.asarray(data.y_test)

    result = micrograd("export", "run/model.json", "--to", "onnx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr and "wrote run/model.onnx" in result.stdout
    session = ort.InferenceSession(str(tmp_path / "run" / "model.onnx"), providers=["CPUExecutionProvider"])
    onnx_accuracy = float((session.run(None, {"x": X})[0].argmax(axis=1) == y).mean())
    assert onnx_accuracy == metrics["test_accuracy"] >= 0.97

    result = micrograd("export", "run/model.json", "--to", "torch", "--out", "digits.pt2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    module = torch.export.load(str(tmp_path / "digits.pt2")).module()
    torch_accuracy = float((module(torch.tensor(X)).argmax(dim=1).numpy() == y).mean())
    assert torch_accuracy == metrics["test_accuracy"]


def test_bad_files_and_targets_exit_2_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    result = micrograd("export", "bad.json", "--to", "onnx", cwd=tmp_path)
    assert result.returncode == 2 and "is not a valid micrograd model file" in result.stderr
    result = micrograd("export", "missing.json", "--to", "onnx", cwd=tmp_path)
    assert result.returncode == 2 and "missing.json" in result.stderr
    result = micrograd("export", "bad.json", "--to", "tflite", cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice: 'tflite'" in result.stderr
