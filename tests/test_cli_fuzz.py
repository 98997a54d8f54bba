"""Fuzzing the command line: any argv for `micrograd train/graph/export/demo` exits 0, or 2 with a message.

argv comes from a grammar of each command's options with good, bad and hostile values (paths to pipes, devices,
directories, files, an earlier run, /proc), mixed with stray tokens. Each example runs ``micrograd.cli.main`` in this
process, in a fresh folder of its own (every path it is given is inside that folder, or under /proc where nothing can
be written), with at most 3 training steps and tiny models, so that an example takes a fraction of a second.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd.nn import MLP

# Names set up in every example's folder (see setup()), and paths that point at them or at nothing writable.
FILE_TARGETS = ["file", "fifo", "dir", "dev", "prev", "prev/model.json", "model.json", "link.json", "dangling",
                "file/under", "/proc/micrograd-fuzz", "", "new", "new/deeper"]  # fmt: skip


def values(good: tuple[str, ...], bad: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """An option's value: mostly (6 in 8) one of ``good``, else one of ``bad`` or a stray string. Mostly good, so
    that a run usually gets past the other options to where the one bad value (or the hostile path) is used."""
    stray = st.text(alphabet="abx019-_,=e ", max_size=6)  # no '/' or '.', so never a path outside the folder
    good_ones = st.sampled_from(good)
    return st.one_of(*[good_ones] * 6, st.sampled_from(bad or ("x",)), stray)


BAD_NUMBERS = ("-1", "nan", "inf", "-inf", "x", "", "1e308")
TRAIN = {
    "--dataset": values(("moons", "circles", "blobs", "classification", "digits"), ("mnist",)),
    "--samples": values(("2", "3", "7", "10", "40"), ("1", "0", "-3", "1000001", "x")),
    "--noise": values(("0", "0.1", "2", "1e300"), BAD_NUMBERS),
    "--classes": values(("2", "3", "4"), ("1", "5", "40", "0", "x")),
    "--hidden": values(("1", "3", "2,2", "4,"), ("0", "3,x", "", ",", "100000000", "1,100000000")),
    "--activation": values(("relu", "tanh", "sigmoid", "linear"), ("gelu",)),
    "--loss": values(("hinge", "mse", "bce", "ce"), ("l1",)),
    "--optimizer": values(("sgd", "adam"), ("lbfgs",)),
    "--lr": values(("0", "0.1", "1", "1e100", "1e300"), BAD_NUMBERS),
    "--schedule": values(("linear", "constant"), ("cosine",)),
    "--lr-end": values(("0", "0.01", "1e300"), BAD_NUMBERS),
    "--momentum": values(("0", "0.9", "1.5", "1e300"), BAD_NUMBERS),
    "--steps": values(("1", "2", "3"), ("0", "-1", "x", "2.5")),  # never more than 3: the run stays quick
    "--batch-size": values(("1", "4", "1000"), ("0", "-2", "x")),
    "--full-batch": None,
    "--l2": values(("0", "0.001", "1e300"), BAD_NUMBERS),
    "--seed": values(("0", "1", "1337", "4294967295"), ("-1", "4294967296", "x")),
    "--test-fraction": values(("0", "0.2", "0.5"), ("0.05", "0.99", "0.999", "1", "nan", "-0.1")),
    "--engine": values(("scalar", "compiled", "tensor"), ("gpu",)),
    "--out": st.sampled_from(("run", "new/deeper", "dir", *FILE_TARGETS)),  # where a finished run is written
    "--quiet": None,
}
GRAPH = {
    "--example": values(("neuron", "readme", "mlp"), ("resnet",)),
    "--out": values(("g.svg", "g.dot", "g.json", "g", "new/g.svg"), (*FILE_TARGETS, "g.png")),
    "--format": values(("svg", "dot", "json", "plain", "xdot"), ("png", "pdf", "xyz", "")),
    "--rankdir": values(("LR", "TB"), ("RL",)),
    "--no-grad": None,
    "--highlight": values(("0", "2", "1000000000000"), ("-1", "x")),
    "--unfused": None,
    "--input": values(("0.5,-1.2", "1,2", "0,0"), ("1", "1,2,3", "x", "", "1,nan", "-1,2")),
    "--output": values(("0",), ("1", "-1", "x")),
    "--max-nodes": values(("500", "30"), ("0", "x")),
}
EXPORT = {
    "--to": values(("onnx", "onnx", "onnx", "torch"), ("tflite",)),  # onnx mostly: a torch export takes a second
    "--out": values(("m.onnx", "m.pt2", "new/m.onnx"), tuple(FILE_TARGETS)),
}
DEMO = {"--steps": values(("1", "2", "3"), ("0", "-5", "x", ""))}
COMMANDS = {"train": TRAIN, "graph": GRAPH, "export": EXPORT, "demo": DEMO}


@st.composite
def argvs(draw) -> list[str]:
    command = draw(st.sampled_from([*COMMANDS, "train", "train", "bogus"]))
    options = COMMANDS.get(command, {})
    argv = [command]
    if (
        command == "train"
    ):  # the demo's 100 steps and 16,16 hidden units would be slow: start small, options may change it
        argv += ["--steps", "2", "--hidden", "3", "--out", "run"]
    if command == "export" or (command == "graph" and draw(st.booleans())):  # a model file: export's, or one to draw
        argv.append(draw(values(("model.json", "link.json"), ("bad.json", "missing.json", "fifo", "dir", "dev", ""))))
        if command == "graph" and draw(st.integers(0, 3)):
            argv += ["--input", "0.5,-1.2"]
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.integers(0, 19))
        if kind == 0:  # a stray token
            argv.append(draw(st.text(alphabet="-abx019_=e ", max_size=8)))
        elif options:
            name = draw(st.sampled_from(sorted(options)))
            argv.append(name)
            if options[name] is not None and kind != 1:  # kind 1: the option without its value
                value = draw(options[name])
                argv[-1:] = [f"{name}={value}"] if kind == 2 else [name, value]
    if command == "export" and "--to" not in argv and draw(st.booleans()):
        argv += ["--to", "onnx"]
    return argv


MODEL = json.dumps(MLP(2, [3, 1]).to_state())


def setup(folder: Path) -> dict[str, bytes]:
    """The files every example starts with; returns the saved bytes that must survive it."""
    (folder / "model.json").write_text(MODEL)
    (folder / "bad.json").write_text('{"format": "micrograd.mlp", "version": true}')
    (folder / "file").write_text("a user's file")
    os.mkfifo(folder / "fifo")
    (folder / "dir").mkdir()
    (folder / "prev").mkdir()
    (folder / "prev" / "model.json").write_text(MODEL)
    (folder / "prev" / "metrics.json").write_text("{}")
    (folder / "link.json").symlink_to("model.json")
    (folder / "dangling").symlink_to("nowhere/at/all")
    with contextlib.suppress(OSError, AttributeError):  # a null device of our own where we may make one (root)
        os.mknod(folder / "dev", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return {name: (folder / name).read_bytes() for name in ("model.json", "prev/model.json", "file")}


def run(argv: list[str]) -> tuple[int, str, str]:
    from micrograd.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    return code, out.getvalue(), err.getvalue()


def not_json(name: str) -> None:
    raise AssertionError(f"metrics.json holds {name}, which is not JSON")


def written_by(argv: list[str], code: int, folder: Path) -> set[Path]:
    """The files a successful graph or export was asked to write (their resolved paths)."""
    if code != 0 or argv[0] not in ("graph", "export"):
        return set()
    outs = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--out"]
    outs += [a.split("=", 1)[1] for a in argv if a.startswith("--out=")]
    return {(folder / o).resolve() for o in outs}


def test_any_argv_exits_0_or_2_with_a_message(tmp_path_factory) -> None:
    base = tmp_path_factory.mktemp("cli-fuzz")
    tried = {"inputs": 0, "exit 0": 0, "exit 2": 0}
    home = os.getcwd()

    @settings(max_examples=max(20, settings.default.max_examples // 3), suppress_health_check=[HealthCheck.too_slow])
    @given(argvs())
    def check(argv: list[str]) -> None:
        tried["inputs"] += 1
        folder = Path(tempfile.mkdtemp(dir=base))
        saved = setup(folder)
        os.chdir(folder)
        try:
            code, out, err = run(argv)
        finally:
            os.chdir(home)
        tried[f"exit {code}"] = tried.get(f"exit {code}", 0) + 1
        assert code in (0, 2), (argv, code, err)
        assert "Traceback" not in err and "Traceback" not in out
        if code == 2:  # one line that says what went wrong (after the progress bar, if there was one)
            errors = [line for line in err.splitlines() if "error: " in line]
            assert len(errors) == 1 and err.endswith(errors[0] + "\n"), (argv, err)
            assert "invalid _" not in err and "usage:" not in err, (argv, err)
        # nothing saved is lost: the model and the earlier run are intact unless a command was told to write them
        allowed = written_by(argv, code, folder)
        for name, data in saved.items():
            if (folder / name).resolve() not in allowed:
                assert (folder / name).read_bytes() == data, (argv, name)
        assert (folder / "fifo").is_fifo() and (folder / "dir").is_dir()
        assert not (folder / "dev").exists() or (folder / "dev").is_char_device()
        if argv[0] == "export":
            assert (folder / "model.json").read_bytes() == saved["model.json"]  # never exported over
        metrics = [p for p in folder.rglob("metrics.json") if p.parent.name != "prev"]
        for path in metrics:  # whatever a run wrote is valid JSON
            json.loads(path.read_text(), parse_constant=not_json)
        shutil.rmtree(folder)

    check()
    print(f"argv fuzzer: {tried}")  # shown with pytest -s or -rP
    assert tried["exit 0"] > 0 and tried["exit 2"] > 0  # the grammar reaches both outcomes
