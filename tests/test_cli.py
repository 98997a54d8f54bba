"""The `micrograd` command, end to end in a subprocess and a temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PNG = b"\x89PNG\r\n\x1a\n"
TRAINING_PAGE = Path(__file__).resolve().parents[1] / "docs" / "training.md"


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
    assert ", ".join(map(repr, first)) in TRAINING_PAGE.read_text()  # the docs quote what we print, to the last digit
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


# ---------------------------------------------------------------------------------------------------------------------
# Mistakes and hostile paths: a message and exit code 2, never a traceback, nothing saved lost. These run the command
# in this process (micrograd.cli.main), which is quicker than a subprocess each and shows any exception in full.

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def call(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``micrograd *argv`` in this process: (exit code, stdout, stderr)."""
    from micrograd.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def strict_json(path: Path):
    def refuse(name: str):
        raise AssertionError(f"{path} holds {name}, which is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


TINY = ("--steps", "3", "--hidden", "4", "--quiet")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "blobs", "--classes", "1"], "blobs: classes must be an integer >= 2, got 1"),
        (["--samples", "10", "--test-fraction", "0.05"], "test_fraction=0.05 of 10 samples holds out 1"),
        (["--test-fraction", "0.99"], "test_fraction=0.99 of 100 samples leaves 1 for training"),
        (["--dataset", "digits", "--test-fraction", "0.999"], "0.999 of 1797 samples leaves 1 for training"),
        (["--dataset", "classification", "--classes", "5"], "classes must be an integer from 2 to 4"),
        (["--seed", "-1"], "seed must be an integer from 0 to 2**32 - 1"),
        (["--noise", "1e308"], "noise=1e+308 is too large"),
        (["--hidden", "100000000"], "more than the 10,000,000 allowed"),
        (["--dataset", "circles", "--classes", "3"], "--classes does not apply to --dataset circles"),
        (["--dataset", "digits", "--samples", "50"], "--samples does not apply to --dataset digits"),
        (["--dataset", "blobs", "--noise", "0.2"], "--noise does not apply to --dataset blobs"),
        (["--dataset", "blobs", "--momentum", "0.9"], "--momentum is for --optimizer sgd; this run uses adam"),
        (["--schedule", "constant", "--lr-end", "0.01"], "--lr-end is for --schedule linear"),
        (["--full-batch", "--batch-size", "8"], "--full-batch and --batch-size contradict each other"),
    ],
)
def test_train_refuses_bad_combinations_before_training(tmp_path: Path, capsys, monkeypatch, args, message) -> None:
    import micrograd.train

    monkeypatch.setattr(micrograd.train, "train", lambda *a, **k: pytest.fail("trained despite a bad option"))
    code, _, err = call(capsys, "train", *TINY, *args, "--out", str(tmp_path / "run"))
    assert code == 2 and "micrograd train: error: " in err and message in err, err
    assert not (tmp_path / "run").exists()


def _out_targets(tmp_path: Path) -> list[tuple[str, str]]:
    (tmp_path / "file").write_text("mine")
    targets = [
        (str(tmp_path / "file"), "exists and is not a folder"),
        (str(tmp_path / "file" / "run"), "exists and is not a folder"),
        (os.devnull, "exists and is not a folder"),
        ("/proc/micrograd-run", "No such file or directory"),  # a directory no one may write to, root included
    ]
    if not ROOT:  # root may write into any directory, whatever its permissions: /proc above stands in for it
        (tmp_path / "ro").mkdir(mode=0o555)
        targets.append((str(tmp_path / "ro" / "run"), "Permission denied"))
    return targets


def test_train_checks_out_before_training(tmp_path: Path, capsys, monkeypatch) -> None:
    import micrograd.train

    monkeypatch.setattr(micrograd.train, "train", lambda *a, **k: pytest.fail("trained before checking --out"))
    for out, message in _out_targets(tmp_path):
        code, _, err = call(capsys, "train", *TINY, "--out", out)
        assert code == 2 and "micrograd train: error: --out " in err and message in err, (out, err)
    assert (tmp_path / "file").read_text() == "mine" and Path(os.devnull).is_char_device()


def test_train_never_replaces_an_earlier_run(tmp_path: Path, capsys) -> None:
    code, _, err = call(capsys, "train", *TINY, "--out", str(tmp_path / "run"))
    assert code == 0, err
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}
    code, _, err = call(capsys, "train", *TINY, "--seed", "7", "--out", str(tmp_path / "run"))
    assert code == 2 and "already holds metrics.json, model.json, loss.png, decision_boundary.png" in err
    assert {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()} == before


@pytest.mark.parametrize("engine", ["scalar", "compiled", "tensor"])
@pytest.mark.parametrize(
    ("args", "step", "hint"),
    [
        (["--lr", "1e300"], 2, "Lower --lr (now 1e+300) and try again"),
        (["--noise", "1e300"], 2, "Lower --lr (now 1) or --noise (now 1e+300) and try again"),
        (["--momentum", "1e300"], 3, "or --momentum (now 1e+300)"),
        (["--l2", "1e300"], 2, "or --l2 (now 1e+300)"),
        (["--dataset", "blobs", "--lr", "1e300"], 2, "Lower --lr (now 1e+300)"),
    ],
)
def test_a_diverging_run_says_so_and_leaves_valid_json(tmp_path: Path, capsys, engine, args, step, hint) -> None:
    out = tmp_path / "run"
    code, stdout, err = call(capsys, "train", *args, *TINY, "--engine", engine, "--out", str(out))
    assert code == 2
    assert f"micrograd train: error: training diverged at step {step} of 3: the loss became" in err and hint in err
    assert "(no model.json: the run diverged)" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["loss.png", "metrics.json"]
    metrics = strict_json(out / "metrics.json")
    assert metrics["diverged_at_step"] == step and len(metrics["loss"]) == step and metrics["loss"][-1] is None
    assert metrics["train_accuracy"] is None and metrics["test_accuracy"] is None


def test_an_overflow_error_in_the_scalar_engine_is_reported_as_divergence(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    code, _, err = call(capsys, "train", "--loss", "mse", "--lr", "1e100", *TINY, "--out", str(out))
    assert code == 2 and "training diverged at step 2 of 3: a number grew too large for a float (**2" in err
    assert strict_json(out / "metrics.json")["diverged_at_step"] == 2


def test_demo_steps_must_be_positive(capsys) -> None:
    for steps in ("-5", "0"):
        code, out, err = call(capsys, "demo", "--steps", steps)
        assert code == 2 and f"argument --steps: must be a positive integer, got {steps}" in err and out == ""


def test_demo_into_a_closed_pipe_stops_quietly() -> None:
    read, write = os.pipe()
    os.close(read)  # like `micrograd demo | head` once head has exited
    try:
        result = subprocess.run([sys.executable, "-m", "micrograd.cli", "demo"], stdout=write, stderr=subprocess.PIPE,
                                text=True, timeout=600)  # fmt: skip
    finally:
        os.close(write)
    assert result.returncode == 141 and result.stderr == ""


def test_playground_on_a_port_in_use_exits_2_before_starting(capsys) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = call(capsys, "playground", "--port", str(port), "--no-browser")
    assert code == 2 and out == ""  # no URL printed for a server that never started
    assert f"micrograd playground: error: cannot listen on 127.0.0.1 port {port}: " in err
    assert "choose another with --port" in err
    code, out, err = call(capsys, "playground", "--host", "no-such-host.invalid", "--no-browser")
    assert code == 2 and "cannot listen on no-such-host.invalid" in err


def test_graph_refuses_directories_devices_and_proc(tmp_path: Path, capsys) -> None:
    from tests.test_files import char_device

    device = char_device(tmp_path)
    (tmp_path / "folder").mkdir()
    for out, message in [
        (tmp_path / "folder", "is a directory"),
        (device, "is a character device, not a regular file: refusing to replace it"),
        (Path("/proc/micrograd-graph.svg"), "No such file or directory"),
    ]:
        code, _, err = call(capsys, "graph", "--out", str(out), "--format", "svg")
        assert code == 2 and f"micrograd graph: error: cannot write --out {out}: {message}" in err, err
    assert device.is_char_device() and list((tmp_path / "folder").iterdir()) == []
