"""`micrograd export`: a model trained by `micrograd train`, exported, evaluated elsewhere with the same accuracy."""

from __future__ import annotations

import json
import os
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


def export(capsys, *argv: str) -> tuple[int, str, str]:
    """``micrograd export *argv`` in this process: (exit code, stdout, stderr)."""
    from micrograd.cli import main

    try:
        code = main(["export", *argv])
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _model(tmp_path: Path, name: str = "m.json") -> tuple[Path, bytes]:
    from micrograd.nn import MLP

    path = tmp_path / name
    MLP(2, [3, 1]).save(path)
    return path, path.read_bytes()


def test_exporting_onto_the_model_itself_is_refused(tmp_path: Path, capsys) -> None:
    model, saved = _model(tmp_path)
    (tmp_path / "same.onnx").symlink_to("m.json")
    os.link(model, tmp_path / "hard.onnx")
    for out in (model, tmp_path / "same.onnx", tmp_path / "hard.onnx"):
        code, _, err = export(capsys, str(model), "--to", "onnx", "--out", str(out))
        assert code == 2 and f"--out {out} is the model file itself: exporting would overwrite it" in err
    named_onnx, saved_onnx = _model(tmp_path, "m.onnx")  # the default output (beside it, .onnx) is the model itself
    code, _, err = export(capsys, str(named_onnx), "--to", "onnx")
    assert code == 2 and "is the model file itself" in err
    assert model.read_bytes() == saved and named_onnx.read_bytes() == saved_onnx


def test_export_refuses_directories_devices_and_proc(tmp_path: Path, capsys) -> None:
    from tests.test_files import char_device

    model, saved = _model(tmp_path)
    device = char_device(tmp_path)
    (tmp_path / "folder").mkdir()
    for out, message in [
        (tmp_path / "folder", "is a directory"),
        (device, "is a character device, not a regular file: refusing to replace it"),
        (Path("/proc/micrograd-export.onnx"), "No such file or directory"),
    ]:
        code, _, err = export(capsys, str(model), "--to", "onnx", "--out", str(out))
        assert code == 2 and f"micrograd export: error: cannot write --out {out}: {message}" in err, err
    assert device.is_char_device() and list((tmp_path / "folder").iterdir()) == [] and model.read_bytes() == saved


def test_export_reads_only_regular_files(tmp_path: Path, capsys) -> None:
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    for name, kind in [("pipe.json", "a named pipe (FIFO)"), ("zero.json", "a character device")]:
        code, _, err = export(capsys, str(tmp_path / name), "--to", "onnx")
        assert code == 2 and f"{name} is {kind}, not a regular file" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.json", "zero.json"]
