"""The ``micrograd`` command."""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from micrograd.files import write_atomically
from micrograd.lecture import lecture_mlp, readme_example


def demo(args: argparse.Namespace) -> int:
    g, a, b = readme_example()
    print(f"README example: g = {g.data:.4f}, dg/da = {a.grad:.4f}, dg/db = {b.grad:.4f}")
    losses = lecture_mlp(steps=args.steps)
    print(f"lecture MLP(3, [4, 4, 1]), {len(losses)} steps of gradient descent on MSE:")
    for i, loss in enumerate(losses):
        print(f"  step {i:3d}  loss {loss:.6f}")
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer sizes such as 16,16, got {text!r}") from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _new_run_dir(dataset: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = Path("runs") / f"{stamp}-{dataset}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


#: Options of `micrograd train` that mean something only for some data sets, and which those are.
DATASET_OPTIONS = {
    "samples": ("--samples", ("moons", "circles", "blobs", "classification")),
    "noise": ("--noise", ("moons", "circles")),
    "classes": ("--classes", ("blobs", "classification")),
}


def _os_error(err: OSError) -> str:
    """'PATH: what went wrong' for an OSError (the destination of a failed rename, if there is one)."""
    name = err.filename2 if getattr(err, "filename2", None) is not None else err.filename
    text = err.strerror or str(err)
    return f"{name}: {text}" if name is not None else text


def _fail(parser: argparse.ArgumentParser, message: str) -> int:
    """Say what went wrong after the command line was accepted (no usage text): 'micrograd train: error: ...'."""
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return 2


def _refuse_options_that_do_not_apply(args: argparse.Namespace, values: dict, parser: argparse.ArgumentParser) -> None:
    """An option given for a data set, optimizer or schedule that would ignore it is an error, not a no-op."""
    for key, (flag, datasets) in DATASET_OPTIONS.items():
        if getattr(args, key) is not None and args.dataset not in datasets:
            parser.error(f"{flag} does not apply to --dataset {args.dataset} (only to {', '.join(datasets)})")
    if args.momentum is not None and values["optimizer"] != "sgd":
        parser.error(f"--momentum is for --optimizer sgd; this run uses {values['optimizer']}")
    if args.lr_end is not None and values["schedule"] != "linear":
        parser.error(f"--lr-end is for --schedule linear; this run's schedule is {values['schedule']}")
    if args.full_batch and args.batch_size is not None:
        parser.error("--full-batch and --batch-size contradict each other: give one")


def _diverged_message(err: Exception, config: Any) -> str:
    """The divergence, and which of the options that make training blow up to lower."""
    hints = [f"--lr (now {config.lr:g})"] if config.lr > 0 else []
    raised = [("momentum", config.momentum, 0.0), ("l2", config.l2, 1e-4)]
    if config.dataset in ("moons", "circles"):
        raised.append(("noise", config.noise, 0.1))
    hints += [f"--{name} (now {value:g})" for name, value, usual in raised if value > usual]
    return f"{err}. Lower {' or '.join(hints or ['the learning rate (--lr)'])} and try again"


def train_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from micrograd.train import (
        DATASET_DEFAULTS,
        Config,
        TrainingDiverged,
        build_model,
        prepare_output_folder,
        remove_folders,
        train,
        write_outputs,
    )

    values = asdict(Config())
    values.update(DATASET_DEFAULTS.get(args.dataset, {}))
    for key in values:
        given = getattr(args, key, None)
        if given is not None:
            values[key] = given
    _refuse_options_that_do_not_apply(args, values, parser)
    if args.full_batch:
        values["batch_size"] = None
    config = Config(**values)
    try:
        from micrograd.data import load

        data = load(config.dataset, config.samples, config.noise, config.seed, config.test_fraction, config.classes)
        build_model(config, data)
    except ValueError as err:
        parser.error(str(err))  # exits with code 2
    out = Path(args.out) if args.out is not None else _new_run_dir(config.dataset)
    try:  # before training, not after: a run should not be lost to an unwritable --out
        created = prepare_output_folder(out)
    except OSError as err:
        parser.error(f"--out {_os_error(err)}")

    # tqdm, not rich: importing rich draws from Python's global random (rich.style), which would change what a
    # learner's seeded notebook computes once scikit-learn (which imports rich when it is there) is imported
    from tqdm import tqdm

    try:
        with tqdm(total=config.steps, desc="training", unit="step", disable=args.quiet, file=sys.stderr) as bar:

            def report(step: int, loss: float, acc: float) -> None:
                bar.set_postfix_str(f"loss {loss:.4f}, accuracy {acc:.0%}", refresh=False)
                bar.update(1)

            result = train(config, report, data)
        diverged = None
    except TrainingDiverged as err:
        result, diverged = err.result, err
    except BaseException:
        remove_folders(created)  # nothing was written: leave no empty folder behind
        raise
    try:
        written = write_outputs(result, out)
    except OSError as err:
        return _fail(parser, f"cannot write the run's files: {_os_error(err)}")
    if diverged is not None:
        print("wrote " + ", ".join(str(p) for p in written) + " (no model.json: the run diverged)")
        return _fail(parser, _diverged_message(diverged, config))
    test = "n/a (no test split)" if result.test_accuracy is None else f"{result.test_accuracy:.1%}"
    final = f"{result.loss[-1]:.6f}" if abs(result.loss[-1]) < 1e6 else f"{result.loss[-1]:.6g}"
    print(f"{result.model}")
    print(
        f"{config.dataset}: {config.steps} steps in {result.seconds:.1f} s; final loss {final}; "
        f"train accuracy {result.train_accuracy:.1%}; test accuracy {test}"
    )
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535, got {text}")
    return value


def _check_port_free(host: str, port: int) -> str | None:
    """None if ``host``:``port`` can be listened on now, else why not (the server would fail after starting)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as err:
        return f"cannot listen on {host}: {getattr(err, 'strerror', None) or err}"
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            probe.bind(address)
    except OSError as err:
        return f"cannot listen on {host} port {port}: {err.strerror or err} (choose another with --port)"
    return None


def playground_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    problem = _check_port_free(args.host or "127.0.0.1", args.port)
    if problem:
        parser.error(problem)
    from micrograd.playground import serve

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how one stops it
        serve(args.host, args.port, open_browser=not args.no_browser)
    return 0


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def export_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from micrograd import interop
    from micrograd.nn import load

    try:
        model = load(args.model)
    except OSError as err:
        parser.error(_os_error(err))
    except ValueError as err:
        parser.error(str(err))
    out = Path(args.out or Path(args.model).with_suffix(".onnx" if args.to == "onnx" else ".pt2"))
    if _same_file(out, Path(args.model)):
        parser.error(f"--out {out} is the model file itself: exporting would overwrite it; choose another --out")
    try:
        if args.to == "onnx":
            interop.to_onnx(model, out)
            how = f"onnxruntime.InferenceSession(path).run(None, {{'x': X}})  (X: float64, shape (batch, {model.nin}))"
        else:
            interop.to_torch_file(model, out)
            how = f"torch.export.load(path).module()(X)  (X: float64 tensor, shape (batch, {model.nin}))"
    except ImportError as err:
        parser.error(str(err))
    except OSError as err:
        parser.error(f"cannot write --out {_os_error(err)}")
    print(f"wrote {out}: {model}\nuse it with {how}")
    return 0


GRAPH_EXAMPLES = {
    "neuron": "the lecture's 2-input tanh neuron (o = 0.7071)",
    "readme": "the README expression (g = 24.7041)",
    "mlp": "the squared error of a tiny tanh MLP(2, [2, 1]) on one point",
}


def graph_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from micrograd.lecture import neuron, readme_example, tiny_mlp_loss
    from micrograd.viz import draw_dot, trace

    if args.example == "neuron":
        root = neuron()[0]
    elif args.example == "readme":
        root = readme_example()[0]
    else:
        root = tiny_mlp_loss(fused=not args.unfused)[0]
    out = Path(args.out)
    fmt = args.format or out.suffix.lstrip(".") or "svg"
    try:
        dot = draw_dot(root, format=fmt, rankdir=args.rankdir, show_grad=not args.no_grad, highlight=args.highlight)
        write_atomically(out, dot.pipe(format=fmt))
    except (ValueError, RuntimeError) as e:
        parser.error(str(e))
    except OSError as e:
        parser.error(f"cannot write --out {_os_error(e)}")
    print(f"wrote {out}: {GRAPH_EXAMPLES[args.example]}, {len(trace(root)[0])} values")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from micrograd.data import DATASETS
    from micrograd.nn import ACTIVATIONS
    from micrograd.train import ENGINES, LOSSES

    parser = argparse.ArgumentParser(prog="micrograd", description="A tiny autograd engine: train and explore.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser(
        "train",
        help="train an MLP (no options: the original micrograd demo)",
        description="Train an MLP on the scalar engine (or compiled, or on the Tensor engine: see --engine). "
        "With no options this is the original micrograd demo: "
        "moons (100 points, noise 0.1, seed 1337), MLP(2, [16, 16, 1]), max-margin loss + 1e-4 L2, "
        "SGD with the learning rate falling linearly from 1.0 to 0.1, 100 full-batch steps. "
        "Options left out take that demo's value, or for blobs, classification and digits a setting "
        "suited to them (softmax cross-entropy with Adam; digits holds out 20%% for testing).",
    )
    t.add_argument("--dataset", choices=DATASETS, default="moons")
    t.add_argument("--samples", type=_positive_int, help="points to generate (not for digits; default 100)")
    t.add_argument("--noise", type=_non_negative_float, help="noise of moons/circles (default 0.1)")
    t.add_argument("--classes", type=_positive_int, help="classes of blobs/classification (default 3)")
    t.add_argument("--hidden", type=_sizes, help="hidden layer sizes, e.g. 16,16")
    t.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "linear"] + ["linear"])
    t.add_argument("--loss", choices=LOSSES, help="hinge (max-margin), mse, bce (from logits), ce (softmax)")
    t.add_argument("--optimizer", choices=["sgd", "adam"])
    t.add_argument("--lr", type=_non_negative_float, help="learning rate (at the start, with --schedule linear)")
    t.add_argument("--schedule", choices=["linear", "constant"], help="linear: from --lr down to --lr-end")
    t.add_argument("--lr-end", dest="lr_end", type=_non_negative_float)
    t.add_argument("--momentum", type=_non_negative_float, help="SGD momentum (default 0)")
    t.add_argument("--steps", type=_positive_int)
    t.add_argument("--batch-size", dest="batch_size", type=_positive_int, help="minibatch size (default: all)")
    t.add_argument("--full-batch", action="store_true", help="use the whole training set every step")
    t.add_argument("--l2", type=_non_negative_float, help="L2 regularisation strength")
    t.add_argument("--seed", type=int, help="seed of data, initialisation and batches (default 1337)")
    t.add_argument("--test-fraction", dest="test_fraction", type=_fraction, help="held-out share, 0 for none")
    t.add_argument("--out", help="output folder (default: a new folder under runs/)")
    t.add_argument(
        "--engine",
        choices=ENGINES,
        help="scalar: the lecture's Value graph (default); compiled: that graph traced once, then replayed as array "
        "operations (micrograd.compile); tensor: the same math on NumPy arrays",
    )
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=lambda args: train_command(args, t))
    g = sub.add_parser(
        "graph",
        help="draw a small example's graph, after backward, to an SVG file",
        description="Draw the computation graph of a small example after backward, so every node shows its data "
        "and grad. Works without the Graphviz system package (see README, 'Seeing the graph').",
    )
    g.add_argument("--example", choices=GRAPH_EXAMPLES, default="neuron", help="; ".join(
        f"{k}: {v}" for k, v in GRAPH_EXAMPLES.items()))  # fmt: skip
    g.add_argument("--out", default="graph.svg", help="file to write (default: graph.svg)")
    g.add_argument("--format", help="output format (default: from --out's suffix; svg works everywhere)")
    g.add_argument("--rankdir", choices=["LR", "TB"], default="LR", help="left to right (default) or top to bottom")
    g.add_argument("--no-grad", dest="no_grad", action="store_true", help="show data only")
    g.add_argument("--highlight", type=int, default=0, help="fill the k nodes with the largest |grad|")
    g.add_argument("--unfused", action="store_true", help="mlp: draw each neuron as the lecture's * and + nodes")
    g.set_defaults(func=lambda args: graph_command(args, g))
    ex = sub.add_parser(
        "export",
        help="export a saved model (model.json) to PyTorch or ONNX",
        description="Export a model saved by 'micrograd train' (model.json) for PyTorch (a torch.export program, "
        ".pt2, loaded with torch.export.load) or for any ONNX runtime (.onnx, float64).",
    )
    ex.add_argument("model", help="the model file, e.g. runs/<time>-moons/model.json")
    ex.add_argument("--to", choices=["torch", "onnx"], required=True)
    ex.add_argument("--out", help="file to write (default: beside the model, .pt2 or .onnx)")
    ex.set_defaults(func=lambda args: export_command(args, ex))
    pg = sub.add_parser(
        "playground",
        help="train in the browser and watch backprop happen live",
        description="Start the playground, a local web app, and open it in the browser. It listens on 127.0.0.1 "
        "(this machine only) unless --host is given.",
    )
    pg.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    pg.add_argument("--host", help="address to listen on (default 127.0.0.1; anything else is reachable by others)")
    pg.add_argument("--no-browser", dest="no_browser", action="store_true", help="do not open a browser")
    pg.set_defaults(func=lambda args: playground_command(args, pg))
    p = sub.add_parser("demo", help="run the README example and train the lecture's tiny MLP")
    p.add_argument("--steps", type=_positive_int, default=20, help="gradient-descent steps (default: 20)")
    p.set_defaults(func=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return code
    except BrokenPipeError:  # `micrograd demo | head`: the reader has gone; stop quietly, as `yes | head` does
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so that the interpreter's last flush does not complain either
        return 128 + 13  # the status of a process ended by SIGPIPE
    except KeyboardInterrupt:
        print(f"\n{build_parser().prog}: interrupted", file=sys.stderr)
        return 128 + 2  # the status of a process ended by SIGINT


if __name__ == "__main__":
    sys.exit(main())
