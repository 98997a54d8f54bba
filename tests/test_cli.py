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
    curve = metrics["accuracy_curve"]
    assert curve["step"][0] == 0 and curve["step"][-1] == 100 and len(curve["step"]) == 26
    assert curve["train"][-1] == metrics["train_accuracy"] and curve["test"] == [None] * 26


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
        (["--steps", "0"], "--steps: expected a whole number >= 1, got '0'"),
        (["--hidden", "16,x"], "--hidden: expected comma-separated layer sizes such as 16,16, got '16,x'"),
        (["--test-fraction", "1.5"], "--test-fraction: expected a number from 0 up to (not including) 1, got '1.5'"),
        (["--lr", "nan"], "--lr: expected a finite number >= 0, got 'nan'"),
        (["--dataset", "mnist"], "--dataset: invalid choice: 'mnist' (choose from moons, circles, blobs,"),
        (["--dataset", "blobs", "--loss", "hinge"], "use --loss ce"),
    ]:
        result = run("train", *args, "--out", str(tmp_path / "x"))
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr == f"micrograd train: error: {result.stderr.split(': error: ', 1)[1]}", result.stderr
        assert message in result.stderr and result.stderr.count("\n") == 1, (args, result.stderr)  # one line


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
    assert code == 2 and "training diverged at step 2 of 3: a number grew too large for a float (in **2)" in err
    assert "Numerical result" not in err  # the words, not Python's errno text
    assert strict_json(out / "metrics.json")["diverged_at_step"] == 2


def test_demo_steps_must_be_positive(capsys) -> None:
    for steps in ("-5", "0"):
        code, out, err = call(capsys, "demo", "--steps", steps)
        assert code == 2 and f"--steps: expected a whole number >= 1, got '{steps}'" in err and out == ""


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


# ---------------------------------------------------------------------------------------------------------------------
# What a user reads: the command list, help that tells the truth, one-line errors with a suggestion.

COMMAND_HELP = {
    "train": "train an MLP (no options: the original micrograd demo)",
    "graph": "draw a computation graph",
    "export": "export a saved model (model.json) to PyTorch or ONNX",
    "playground": "train in the browser and watch backprop happen live",
    "demo": "run the README example and train the lecture's tiny MLP",
}


def test_bare_micrograd_lists_the_commands_and_exits_2(capsys) -> None:
    code, out, err = call(capsys)
    assert code == 2 and out == ""
    assert err.startswith("usage: micrograd <command> [options]\n")
    flat = " ".join(err.split())
    for name, text in COMMAND_HELP.items():
        assert f"{name} {text}" in flat, name
    assert err.endswith("micrograd: error: give a command (one of the above)\n")
    code, out, _ = call(capsys, "--help")
    assert code == 0 and all(text in " ".join(out.split()) for text in COMMAND_HELP.values())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["trian"],
            "micrograd: error: unknown command 'trian' (choose from train, graph, export, playground, demo); "
            "did you mean train?",
        ),
        (
            ["train", "--epochs", "5"],
            "micrograd train: error: unrecognized arguments: --epochs 5; did you mean --steps?",
        ),
        (["train", "--hiden=4"], "unrecognized argument: --hiden=4; did you mean --hidden?"),
        (["train", "--learning-rate", "0.1"], "did you mean --lr?"),
        (["train", "--input", "1,2"], "--input is an option of micrograd graph (micrograd train --help lists its"),
        (
            ["graph", "--exmaple", "mlp"],
            "micrograd graph: error: unrecognized argument: --exmaple; did you mean --example?",
        ),  # (mlp is taken for a model file)
        (
            ["train", "--dataset", "moosn"],
            "--dataset: invalid choice: 'moosn' (choose from moons, circles, blobs, "
            "classification, digits, xor, spiral, gaussian, plane, multi-gaussian); did you mean moons?",
        ),
        (["train", "--optimizer", "lbfgs"], "--optimizer: invalid choice: 'lbfgs' (choose from sgd, adam)\n"),
        (["train", "--lr", "abc"], "micrograd train: error: --lr: expected a finite number >= 0, got 'abc'\n"),
        (["train", "--lr"], "micrograd train: error: --lr: expected a value\n"),
        (["train", "--seed", "x"], "--seed: expected a whole number, got 'x'"),
        (
            ["train", "--hidden="],
            "--hidden: expected comma-separated layer sizes >= 1 such as 16,16 (at least one hidden layer), got ''",
        ),
        (["train", "--hidden", ","], "--hidden: expected comma-separated layer sizes such as 16,16, got ','"),
        (["graph", "--highlight", "-1"], "--highlight: expected a whole number >= 0, got '-1'"),
        (["playground", "--port", "http"], "--port: expected a port number from 1 to 65535, got 'http'"),
    ],
)
def test_mistakes_get_one_line_that_says_what_was_meant(tmp_path: Path, capsys, monkeypatch, argv, message) -> None:
    import micrograd.train

    monkeypatch.setattr(micrograd.train, "train", lambda *a, **k: pytest.fail("ran despite a mistake"))
    monkeypatch.chdir(tmp_path)
    code, out, err = call(capsys, *argv)
    assert code == 2 and out == "" and message in err, err
    assert err.count("\n") == 1 and "usage:" not in err and "_non_negative_float" not in err
    assert list(tmp_path.iterdir()) == []


def test_help_tells_the_truth_about_each_default(tmp_path: Path, capsys, monkeypatch) -> None:
    """Every '(default X; digits: Y)' in `train --help` is what a run of that data set then uses."""
    import re

    import micrograd.cli
    from micrograd.cli import build_parser
    from micrograd.data import DATASETS

    parser = micrograd.cli._subparsers(build_parser())["train"]
    said = {}
    for action in parser._actions:
        found = re.search(r"\(?default ([^;()]+)((?:; [^;()]+)*)\)?$", action.help or "")
        if found and action.dest not in ("help", "dataset", "out", "engine"):
            per = {name: found.group(1) for name in DATASETS}
            for part in filter(None, found.group(2).split("; ")):
                names, value = part.split(": ")
                per.update({name: value for name in names.split(", ")})
            said[action.dest] = per
    assert {"batch_size", "steps", "lr", "hidden", "loss", "l2", "test_fraction"} <= set(said)
    assert said["batch_size"]["digits"] == "32" and said["batch_size"]["moons"] == "the whole training set"

    used = {}

    def keep(run, *args, **kwargs):
        used[run.config.dataset] = run.config
        raise KeyboardInterrupt  # stop before training

    monkeypatch.setattr("micrograd.train.train", keep)
    for name in DATASETS:
        call(capsys, "train", "--dataset", name, "--out", str(tmp_path / name), "--quiet")
    for name in DATASETS:
        assert name in used, name
    shown = {"batch_size": lambda v: "the whole training set" if v is None else str(v),
             "hidden": lambda v: ",".join(map(str, v)), "features": ",".join}  # fmt: skip
    for dest, per in said.items():
        for name in DATASETS:
            if dest in ("samples", "noise", "classes") and name == "digits":
                continue  # "not for digits"
            assert shown.get(dest, str)(getattr(used[name], dest)) == per[name], (dest, name)


def test_help_has_no_doubled_percent_and_every_command_a_description(capsys) -> None:
    for command in COMMAND_HELP:
        code, out, _ = call(capsys, command, "--help")
        assert code == 0 and "%%" not in out and "%(" not in out, command
        description = out.split("\n\n")[1]
        assert len(description.split()) >= 10, (command, description)
    assert "digits holds out 20% for testing" in " ".join(call(capsys, "train", "--help")[1].split())


def test_the_progress_bar_and_summary_say_what_metrics_json_says(tmp_path: Path) -> None:
    import re

    out = tmp_path / "run"
    result = run("train", "--dataset", "blobs", "--steps", "12", "--hidden", "5", "--test-fraction", "0.3",
                 "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    train_acc, test_acc = f"{metrics['train_accuracy']:.1%}", f"{metrics['test_accuracy']:.1%}"
    bars = re.findall(r"12/12 .*train accuracy ([\d.]+%), test accuracy ([\d.]+%)", result.stderr)
    assert bars and bars[-1] == (train_acc, test_acc), (result.stderr, train_acc, test_acc)
    assert f"train accuracy {train_acc}; test accuracy {test_acc}" in result.stdout
    assert metrics["accuracy_curve"]["train"][-1] == metrics["train_accuracy"]


# ---------------------------------------------------------------------------------------------------------------------
# `micrograd graph model.json --input ...`: a saved model's graph on one input


def saved_model(folder: Path, nouts: list[int], seed: int = 5) -> Path:
    import random

    from micrograd.nn import MLP

    random.seed(seed)
    path = folder / "model.json"
    MLP(2, nouts, activation="tanh").save(path)
    return path


def torch_grads(path: Path, x: list[float], k: int) -> tuple[float, list[float]]:
    """The oracle: PyTorch's output k of the saved model at x, and its gradient with respect to x."""
    torch = pytest.importorskip("torch")
    state = json.loads(path.read_text())
    h = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = h
    for i, layer in enumerate(state["layers"]):
        w = torch.tensor([n["w"] for n in layer], dtype=torch.float64)
        b = torch.tensor([n["b"] for n in layer], dtype=torch.float64)
        out = w @ out + b
        if i < len(state["layers"]) - 1:
            out = torch.tanh(out)
    out[k].backward()
    return float(out[k].detach()), h.grad.tolist()


def records(texts: list[str], label: str) -> tuple[str, str]:
    i = texts.index(label)
    return texts[i + 1], texts[i + 2]


@pytest.mark.parametrize(("nouts", "argv", "k"), [([3, 1], [], 0), ([4, 3], [], None), ([4, 3], ["--output", "1"], 1)])
def test_graph_draws_a_saved_model_on_an_input(tmp_path: Path, capsys, nouts, argv, k) -> None:
    from tests.svgtext import svg_texts

    model = saved_model(tmp_path, nouts)
    out = tmp_path / "m.svg"
    code, stdout, err = call(capsys, "graph", str(model), "--input=-0.5,1.25", "--out", str(out), *argv)
    assert code == 0, err
    texts = svg_texts(out.read_bytes())
    outs = [float(records(texts, f"out[{j}]")[0].split()[1]) for j in range(nouts[-1])]
    k = max(range(len(outs)), key=outs.__getitem__) if k is None else k
    value, grad = torch_grads(model, [-0.5, 1.25], k)
    assert records(texts, f"out[{k}]") == (f"data {value:.4f}", "grad 1.0000")
    assert records(texts, "x[0]") == ("data -0.5000", f"grad {grad[0]:.4f}")
    assert records(texts, "x[1]") == ("data 1.2500", f"grad {grad[1]:.4f}")
    assert "L0.n0.w1" in texts and f"L1.n{nouts[-1] - 1}.b" in texts
    assert stdout.startswith(f"wrote {out}: MLP(2 -> {nouts[0]} -> {nouts[1]};")
    assert f"at x = [-0.5, 1.25]; out[{k}] = {value:.4f}; grads are d out[{k}] / d value" in stdout


def test_graph_of_a_model_refuses_what_does_not_fit(tmp_path: Path, capsys) -> None:
    model = str(saved_model(tmp_path, [3, 1]))
    for argv, message in [
        ([model], "--input is needed with a model: the 2 numbers to feed it, e.g. --input 0.5,0.5"),
        ([model, "--input", "1,2,3"], f"--input: {model} takes 2 inputs, got 3"),
        ([model, "--input", "1,inf"], "--input: expected finite numbers separated by commas, such as 0.5,-1.2, got"),
        ([model, "--input", "-1,2"], "--input: expected a value (one that starts with '-' goes after '=': --input="),
        ([model, "--input", "1,2", "--output", "1"], f"--output: {model} has 1 output (0 to 0), no 1"),
        ([model, "--input", "1,2", "--example", "mlp"], "give a model file or --example mlp, not both"),
        (["--input", "1,2"], "--input is for a model file (micrograd graph model.json --input ...), not an --example"),
        ([str(tmp_path / "none.json"), "--input", "1,2"], "none.json: No such file or directory"),
        ([str(tmp_path), "--input", "1,2"], "not a regular file"),
        ([model, "--input", "1,2", "--max-nodes", "20"], "the graph has 22 values, more than --max-nodes 20"),
    ]:
        code, out, err = call(capsys, "graph", *argv, "--out", str(tmp_path / "g.svg"))
        assert code == 2 and out == "" and message in err and err.count("\n") == 1, (argv, err)
    assert not (tmp_path / "g.svg").exists()
    code, out, err = call(
        capsys, "graph", model, "--input", "1,2", "--max-nodes", "22", "--out", str(tmp_path / "g.svg")
    )
    assert code == 0 and out.endswith(", 22 values\n") and (tmp_path / "g.svg").stat().st_size > 0, err
