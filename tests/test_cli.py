"""The `micrograd` command, end to end in a subprocess and a temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PNG = b"\x89PNG\r\n\x1a\n"
README = Path(__file__).resolve().parents[1] / "README.md"


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "micrograd.cli", *args]
    environ = {**os.environ, **(env or {})}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=cwd, env=environ)


def test_train_with_no_options_is_the_original_demo(tmp_path: Path) -> None:
    result = run("train", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (out,) = (tmp_path / "runs").iterdir()
    files = {p.name for p in out.iterdir()}
    assert files == {"metrics.json", "model.json", "loss.png", "decision_boundary.png"}
    for png in ("loss.png", "decision_boundary.png"):
        assert (out / png).read_bytes()[:8] == PNG and (out / png).stat().st_size > 5000
    metrics = json.loads((out / "metrics.json").read_text())
    first = metrics["loss"][:3]
    assert first == [0.8958441028683222, 1.7235905336972022, 0.7429006313851133]
    assert ", ".join(map(repr, first)) in README.read_text()  # the README quotes what we print, to the last digit
    assert len(metrics["loss"]) == len(metrics["accuracy"]) == 100
    assert metrics["train_accuracy"] == 1.0 and metrics["test_accuracy"] is None
    assert metrics["config"]["l2"] == 1e-4 and metrics["wall_time_seconds"] > 0
    assert "train accuracy 100.0%" in result.stdout
    assert "loss" in result.stderr and "100/100" in result.stderr  # the progress bar


def test_train_options_and_out_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = run(
        "train", "--dataset", "blobs", "--hidden", "8", "--steps", "40", "--batch-size", "16",
        "--test-fraction", "0.25", "--activation", "tanh", "--out", str(out), "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["loss"] == "ce" and metrics["test_accuracy"] is not None
    model = json.loads((out / "model.json").read_text())
    assert model["architecture"]["nouts"] == [8, 3]


def test_bad_option_values_exit_2_with_a_message(tmp_path: Path) -> None:
    for args, message in [
        (["--steps", "0"], "positive integer"),
        (["--hidden", "16,x"], "layer sizes"),
        (["--test-fraction", "1.5"], "[0, 1)"),
        (["--lr", "nan"], ">= 0"),
        (["--dataset", "mnist"], "invalid choice"),
        (["--dataset", "blobs", "--loss", "hinge"], "use --loss ce"),
    ]:
        result = run("train", *args, "--out", str(tmp_path / "x"))
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)


def test_demo_prints_the_readme_numbers_and_a_falling_loss() -> None:
    result = run("demo", "--steps", "20")
    assert result.returncode == 0, result.stderr
    assert "g = 24.7041, dg/da = 138.8338, dg/db = 645.5773" in result.stdout
    losses = [float(line.split()[-1]) for line in result.stdout.splitlines() if line.strip().startswith("step")]
    assert len(losses) == 20 and losses[-1] < 0.1 * losses[0]


def test_help() -> None:
    assert run("--help").returncode == 0
    assert "original micrograd demo" in " ".join(run("train", "--help").stdout.split())


def test_graph_draws_each_example_to_svg(tmp_path: Path) -> None:
    from tests.svgtext import neuron_numbers_shown, svg_texts

    result = run("graph", cwd=tmp_path)  # default: the neuron, to graph.svg
    assert result.returncode == 0, result.stderr
    assert "wrote graph.svg: the lecture's 2-input tanh neuron (o = 0.7071), 10 values" in result.stdout
    assert neuron_numbers_shown(svg_texts((tmp_path / "graph.svg").read_bytes()))

    assert run("graph", "--example", "readme", "--out", "r.svg", cwd=tmp_path).returncode == 0
    texts = svg_texts((tmp_path / "r.svg").read_bytes())
    assert texts[texts.index("g") + 1] == "data 24.7041"
    assert texts[texts.index("a") + 2] == "grad 138.8338" and texts[texts.index("b") + 2] == "grad 645.5773"

    assert run("graph", "--example", "mlp", "--out", "m.svg", "--no-grad", "--unfused", cwd=tmp_path).returncode == 0
    texts = svg_texts((tmp_path / "m.svg").read_bytes())
    assert "loss" in texts and "**2" in texts and texts.count("tanh") == 3 and texts.count("*") == 6
    assert not any(t.startswith("grad") for t in texts)


def test_graph_refuses_unknown_examples_and_formats(tmp_path: Path) -> None:
    result = run("graph", "--example", "resnet", cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice: 'resnet'" in result.stderr
    result = run("graph", "--out", "g.png", cwd=tmp_path, env={"MICROGRAD_GRAPHVIZ": "wasm"})
    assert result.returncode == 2 and "error: format 'png' needs the Graphviz system package" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
