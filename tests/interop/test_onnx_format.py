"""ONNX export: a valid model (onnx.checker) whose outputs in onnxruntime match ours to 1e-9, for every activation."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from micrograd import nn
from micrograd.interop import to_onnx
from micrograd.tensor import nn as tnn

X = np.random.default_rng(9).normal(size=(11, 4))


def run(path: Path, X: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": X})[0]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("output", ["linear", "relu", "tanh", "sigmoid"])
def test_onnxruntime_computes_what_we_compute(activation: str, output: str, tmp_path: Path) -> None:
    random.seed(6)
    model = nn.MLP(4, [6, 5, 3], activation=activation, output_activation=output)
    proto = to_onnx(model, tmp_path / "m.onnx")
    onnx.checker.check_model(onnx.load(str(tmp_path / "m.onnx")), full_check=True)
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    ours = np.array([[v.data for v in model(list(x))] for x in X])
    np.testing.assert_allclose(run(tmp_path / "m.onnx", X), ours, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(run(tmp_path / "m.onnx", X[:1]), ours[:1], rtol=1e-9, atol=1e-12)  # any batch size


def test_tensor_models_export_too_and_writes_are_atomic(tmp_path: Path) -> None:
    random.seed(7)
    model = tnn.MLP(4, [3, 1], activation="tanh")
    target = tmp_path / "m.onnx"
    target.write_text("an older file")
    to_onnx(model, target)
    np.testing.assert_allclose(run(target, X), model(X).data, rtol=1e-9, atol=1e-12)
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]  # replaced in one step, no temporary left


def test_without_onnx_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"to_onnx needs the 'onnx' package.*pip install onnx onnxruntime"):
        to_onnx(nn.MLP(2, [1]), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()
