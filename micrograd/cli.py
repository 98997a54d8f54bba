"""The ``micrograd`` command."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import socket
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

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


def _expected(what: str, text: str) -> NoReturn:
    raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")


def _number(kind: Callable[[str], Any], what: str, ok: Callable[[Any], bool] = lambda v: True) -> Callable[[str], Any]:
    """An argparse type: ``kind(text)`` (int or float) that ``ok`` accepts, else "expected <what>, got <text>"."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            _expected(what, text)
        if not ok(value):
            _expected(what, text)
        return value

    return parse


_integer = _number(int, "a whole number")
_positive_int = _number(int, "a whole number >= 1", lambda v: v >= 1)
_count = _number(int, "a whole number >= 0", lambda v: v >= 0)
_non_negative_float = _number(float, "a finite number >= 0", lambda v: 0 <= v < float("inf"))
_fraction = _number(float, "a number from 0 up to (not including) 1", lambda v: 0 <= v < 1)
_port = _number(int, "a port number from 1 to 65535", lambda v: 1 <= v <= 65535)


def _sizes(text: str) -> list[int]:
    """'16,16' -> [16, 16]; a trailing comma is allowed, no size at all is not."""
    parts = [part.strip() for part in text.split(",")]
    if parts and not parts[-1]:
        parts.pop()
    try:
        sizes = [int(part) for part in parts]
    except ValueError:
        _expected("comma-separated layer sizes such as 16,16", text)
    if not sizes or any(n < 1 for n in sizes):
        _expected("comma-separated layer sizes >= 1 such as 16,16 (at least one hidden layer)", text)
    return sizes


def _numbers(text: str) -> list[float]:
    """'0.5,-1.2' -> [0.5, -1.2]: finite numbers, separated by commas."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        _expected("finite numbers separated by commas, such as 0.5,-1.2", text)
    if not all(abs(v) < float("inf") for v in values):
        _expected("finite numbers separated by commas, such as 0.5,-1.2", text)
    return values


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
        Checkpoint,
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
            measured = ""  # the latest accuracy of the whole sets, worded as the summary below words it

            def evaluated(checkpoint: Checkpoint) -> None:
                nonlocal measured
                measured = f"train accuracy {checkpoint.train_accuracy:.1%}"
                if checkpoint.test_accuracy is not None:
                    measured += f", test accuracy {checkpoint.test_accuracy:.1%}"

            def report(step: int, loss: float, batch_accuracy: float) -> None:
                bar.set_postfix_str(f"loss {loss:.4f}, {measured}", refresh=False)
                bar.update(1)

            result = train(config, report, data, evaluated)
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


def _load_model(path: str, parser: argparse.ArgumentParser) -> Any:
    """The model saved at ``path`` (micrograd.nn.load), or the command's one-line error naming what is wrong."""
    from micrograd.nn import load

    try:
        return load(path)
    except OSError as err:
        parser.error(_os_error(err))
    except ValueError as err:
        parser.error(str(err))


def export_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from micrograd import interop

    model = _load_model(args.model, parser)
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
#: The most Values `micrograd graph` draws unless --max-nodes says otherwise (as draw_dot's max_nodes).
GRAPH_MAX_NODES = 500


def _model_graph(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple[list[Any], str]:
    """The graph of a saved model on one input, after backward from one output: (its outputs, what it shows)."""
    from micrograd.engine import Value

    if args.example is not None:
        parser.error(f"give a model file or --example {args.example}, not both")
    model = _load_model(args.model, parser)
    example = ",".join(["0.5"] * model.nin) if model.nin <= 8 else f"x0,x1,...,x{model.nin - 1}"
    if args.input is None:
        parser.error(f"--input is needed with a model: the {model.nin} numbers to feed it, e.g. --input {example}")
    if len(args.input) != model.nin:
        parser.error(f"--input: {args.model} takes {model.nin} inputs, got {len(args.input)}")
    nout = model.nouts[-1]
    if args.output is not None and args.output >= nout:
        parser.error(f"--output: {args.model} has {nout} output{'s' * (nout > 1)} (0 to {nout - 1}), no {args.output}")
    for i, layer in enumerate(model.layers):  # name every weight: layer i, neuron j, input k
        for j, neuron in enumerate(layer.neurons):
            neuron.fused = not args.unfused
            for k, w in enumerate(neuron.w):
                w.label = f"L{i}.n{j}.w{k}"
            neuron.b.label = f"L{i}.n{j}.b"
    x = [Value(v, label=f"x[{i}]") for i, v in enumerate(args.input)]
    outs = model(x)
    outs = outs if isinstance(outs, list) else [outs]
    for k, out in enumerate(outs):
        out.label = f"out[{k}]"
    k = args.output if args.output is not None else max(range(nout), key=lambda i: outs[i].data)
    outs[k].backward()
    inputs = ", ".join(f"{v:g}" for v in args.input)
    return outs, f"{model} at x = [{inputs}]; out[{k}] = {outs[k].data:.4f}; grads are d out[{k}] / d value"


def graph_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from micrograd.lecture import neuron, readme_example, tiny_mlp_loss
    from micrograd.viz import draw_dot, trace

    if args.model is not None:
        roots, what = _model_graph(args, parser)
    else:
        for flag, value in (("--input", args.input), ("--output", args.output)):
            if value is not None:
                parser.error(f"{flag} is for a model file (micrograd graph model.json {flag} ...), not an --example")
        example = args.example or "neuron"
        if example == "neuron":
            roots = [neuron()[0]]
        elif example == "readme":
            roots = [readme_example()[0]]
        else:
            roots = [tiny_mlp_loss(fused=not args.unfused)[0]]
        what = GRAPH_EXAMPLES[example]
    count = len(trace(roots)[0])
    if count > args.max_nodes:
        parser.error(f"the graph has {count:,} values, more than --max-nodes {args.max_nodes}: too many to read or "
                     "lay out quickly (raise --max-nodes to draw it anyway)")  # fmt: skip
    out = Path(args.out)
    fmt = args.format or out.suffix.lstrip(".") or "svg"
    try:
        dot = draw_dot(roots, format=fmt, rankdir=args.rankdir, show_grad=not args.no_grad, highlight=args.highlight,
                       max_nodes=None)  # fmt: skip
        write_atomically(out, dot.pipe(format=fmt))
    except (ValueError, RuntimeError) as e:
        parser.error(str(e))
    except OSError as e:
        parser.error(f"cannot write --out {_os_error(e)}")
    print(f"wrote {out}: {what}, {count} values")
    return 0


class Parser(argparse.ArgumentParser):
    """argparse, with errors in one line that name the option, and a guess at what a misspelt word meant."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {_clearer(message)}\n")


#: Words other tools use for our options: `micrograd train --epochs 5` suggests --steps.
SYNONYMS = {
    "--epochs": "--steps",
    "--iterations": "--steps",
    "--iters": "--steps",
    "--learning-rate": "--lr",
    "--weight-decay": "--l2",
    "--layers": "--hidden",
    "--hidden-sizes": "--hidden",
    "--output-dir": "--out",
    "--batch": "--batch-size",
}


def _suggest(word: str, choices: Sequence[str]) -> str | None:
    """The choice ``word`` was most likely meant to be, if one is close enough."""
    if SYNONYMS.get(word) in choices:
        return SYNONYMS[word]
    names = {choice.lstrip("-"): choice for choice in choices}  # "--steps" and "--help" differ more than 60%
    close = difflib.get_close_matches(word.lstrip("-"), names, n=1, cutoff=0.7)
    return names[close[0]] if close else None


def _clearer(message: str) -> str:
    """argparse's message, shorter and with a suggestion: "--lr: expected ..." (not "argument --lr: ..."),
    "unknown command 'trian' (...); did you mean 'train'?"."""
    found = re.fullmatch(r"argument (\S+): (.*)", message, re.DOTALL)
    name, detail = (found.group(1), found.group(2)) if found else (None, message)
    choice = re.fullmatch(r"invalid choice: '(.*)' \(choose from (.*)\)", detail, re.DOTALL)
    if choice:
        given, choices = choice.group(1), re.findall(r"'([^']*)'", choice.group(2))
        guess = _suggest(given, choices)
        options = ", ".join(choices)
        detail = f"invalid choice: {given!r} (choose from {options})" + (f"; did you mean {guess}?" if guess else "")
        if name == "<command>":
            return detail.replace("invalid choice:", "unknown command", 1)
    if detail == "expected one argument":
        detail = "expected a value"
        if name == "--input":  # argparse takes "-1,2" for an option: such a value must follow "="
            detail += " (one that starts with '-' goes after '=': --input=-1,2)"
    return f"{name}: {detail}" if name else detail


def _unrecognized(parser: argparse.ArgumentParser, extras: list[str], subparsers: dict[str, Parser]) -> NoReturn:
    """Refuse words the command does not know, suggesting the option a misspelt one was meant to be."""
    message = f"unrecognized argument{'s' * (len(extras) > 1)}: {' '.join(extras)}"
    flag = next((word.split("=", 1)[0] for word in extras if word.startswith("--")), None)
    if flag is not None:
        known = [o for action in parser._actions for o in action.option_strings if o.startswith("--")]
        guess = _suggest(flag, known)
        elsewhere = [name for name, other in subparsers.items() if other is not parser and flag in
                     [o for action in other._actions for o in action.option_strings]]  # fmt: skip
        if guess:
            message += f"; did you mean {guess}?"
        elif elsewhere:
            message += f"; {flag} is an option of micrograd {' and micrograd '.join(elsewhere)}"
    parser.error(f"{message} ({parser.prog} --help lists its options)")


def _defaults(key: str, show: Any = str) -> str:
    """'default 1; blobs, classification, digits: 0.01': an option's value when left out, for each data set."""
    from micrograd.data import DATASETS
    from micrograd.train import DATASET_DEFAULTS, Config

    base = getattr(Config(), key)
    by_value: dict[str, list[str]] = {}
    for name in DATASETS:
        value = DATASET_DEFAULTS.get(name, {}).get(key, base)
        if value != base:
            by_value.setdefault(show(value), []).append(name)
    return "; ".join([f"default {show(base)}", *(f"{', '.join(names)}: {v}" for v, names in by_value.items())])


def _batch(size: int | None) -> str:
    return "the whole training set" if size is None else str(size)


def _hidden(sizes: list[int]) -> str:
    return ",".join(map(str, sizes))


COMMANDS_EPILOG = "'micrograd <command> --help' shows a command's options."


def build_parser() -> Parser:
    from micrograd.data import DATASETS
    from micrograd.nn import ACTIVATIONS
    from micrograd.train import ENGINES, EVALUATIONS, LOSSES

    parser = Parser(
        prog="micrograd",
        description="A tiny autograd engine: train and explore.",
        epilog=COMMANDS_EPILOG,
        formatter_class=lambda prog: argparse.HelpFormatter(prog, max_help_position=26),
    )
    sub = parser.add_subparsers(dest="command", title="commands", metavar="<command>")
    parser.usage = "micrograd <command> [options]"  # after add_subparsers, which names each command's parser from it
    t = sub.add_parser(
        "train",
        help="train an MLP (no options: the original micrograd demo)",
        description="Train an MLP on the scalar engine (or compiled, or on the Tensor engine: see --engine). "
        "With no options this is the original micrograd demo: "
        "moons (100 points, noise 0.1, seed 1337), MLP(2, [16, 16, 1]), max-margin loss + 1e-4 L2, "
        "SGD with the learning rate falling linearly from 1.0 to 0.1, 100 full-batch steps. "
        "Options left out take that demo's value, or for blobs, classification and digits a setting "
        "suited to them (softmax cross-entropy with Adam; digits holds out 20% for testing); each option "
        "below lists both. The run's folder gets metrics.json, model.json, loss.png and, for 2-D data, "
        f"decision_boundary.png; the accuracy of the whole training and test sets is measured {EVALUATIONS} "
        "times during the run.",
    )
    t.add_argument("--dataset", choices=DATASETS, default="moons", help="the data (default moons)")
    t.add_argument("--samples", type=_positive_int, metavar="N", help="points to generate (not for digits; "
                   + _defaults("samples") + ")")  # fmt: skip
    t.add_argument("--noise", type=_non_negative_float, metavar="SD", help="noise of moons/circles ("
                   + _defaults("noise") + ")")  # fmt: skip
    t.add_argument("--classes", type=_positive_int, metavar="N", help="classes of blobs/classification ("
                   + _defaults("classes") + ")")  # fmt: skip
    t.add_argument("--hidden", type=_sizes, metavar="SIZES", help="hidden layer sizes, e.g. 16,16 ("
                   + _defaults("hidden", _hidden) + ")")  # fmt: skip
    t.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "linear"] + ["linear"],
                   help="of the hidden layers (" + _defaults("activation") + ")")  # fmt: skip
    t.add_argument("--loss", choices=LOSSES, help="hinge (max-margin), mse, bce (from logits), ce (softmax) ("
                   + _defaults("loss") + ")")  # fmt: skip
    t.add_argument("--optimizer", choices=["sgd", "adam"], help=_defaults("optimizer"))
    t.add_argument("--lr", type=_non_negative_float, metavar="RATE",
                   help="learning rate, at the start with --schedule linear (" + _defaults("lr") + ")")  # fmt: skip
    t.add_argument("--schedule", choices=["linear", "constant"], help="linear: from --lr down to --lr-end ("
                   + _defaults("schedule") + ")")  # fmt: skip
    t.add_argument("--lr-end", dest="lr_end", type=_non_negative_float, metavar="RATE",
                   help="the learning rate at the end, with --schedule linear ("
                   + _defaults("lr_end") + ")")  # fmt: skip
    t.add_argument("--momentum", type=_non_negative_float, metavar="BETA", help="SGD momentum ("
                   + _defaults("momentum") + ")")  # fmt: skip
    t.add_argument("--steps", type=_positive_int, metavar="N", help="updates of the weights, one batch each ("
                   + _defaults("steps") + ")")  # fmt: skip
    t.add_argument("--batch-size", dest="batch_size", type=_positive_int, metavar="N", help="examples per step ("
                   + _defaults("batch_size", _batch) + ")")  # fmt: skip
    t.add_argument("--full-batch", action="store_true", help="use the whole training set every step")
    t.add_argument("--l2", type=_non_negative_float, metavar="LAMBDA", help="L2 regularisation strength ("
                   + _defaults("l2") + ")")  # fmt: skip
    t.add_argument("--seed", type=_integer, metavar="N", help="seed of data, initialisation and batches ("
                   + _defaults("seed") + ")")  # fmt: skip
    t.add_argument("--test-fraction", dest="test_fraction", type=_fraction, metavar="F",
                   help="share of the data held out for testing, 0 for none ("
                   + _defaults("test_fraction") + ")")  # fmt: skip
    t.add_argument("--out", metavar="FOLDER", help="output folder (default: a new folder under runs/)")
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
        help="draw a computation graph (a small example, or a saved model on one input) to an SVG file",
        description="Draw a computation graph after backward, so every value shows its data and grad: one of three "
        "small examples, or a model saved by 'micrograd train' on the input you give, e.g. "
        "'micrograd graph runs/<time>-moons/model.json --input 0.5,-1.2'. "
        "Works without the Graphviz system package (see README, 'Seeing the graph').",
    )
    g.add_argument("model", nargs="?", help="a saved model (model.json) to draw, instead of an example")
    g.add_argument("--input", type=_numbers, metavar="X0,X1,...",
                   help="with a model: its input, numbers separated by commas "
                   "(first one negative: --input=-1,2)")  # fmt: skip
    g.add_argument("--output", type=_count, metavar="K", help="with a model: the output to backpropagate from "
                   "(default: the largest, which is the predicted class of a softmax model)")  # fmt: skip
    g.add_argument("--example", choices=GRAPH_EXAMPLES, help="without a model (default neuron): " + "; ".join(
        f"{k}: {v}" for k, v in GRAPH_EXAMPLES.items()))  # fmt: skip
    g.add_argument("--out", default="graph.svg", metavar="FILE", help="file to write (default graph.svg)")
    g.add_argument("--format", help="output format (default: from --out's suffix; svg works everywhere)")
    g.add_argument("--rankdir", choices=["LR", "TB"], default="LR", help="left to right (default) or top to bottom")
    g.add_argument("--no-grad", dest="no_grad", action="store_true", help="show data only")
    g.add_argument("--highlight", type=_count, default=0, metavar="K",
                   help="fill the K values with the largest |grad|")  # fmt: skip
    g.add_argument("--unfused", action="store_true", help="draw each neuron as the lecture's * and + nodes "
                   "(mlp example, or a model)")  # fmt: skip
    g.add_argument("--max-nodes", dest="max_nodes", type=_positive_int, default=GRAPH_MAX_NODES, metavar="N",
                   help=f"refuse graphs of more values than this (default {GRAPH_MAX_NODES})")  # fmt: skip
    g.set_defaults(func=lambda args: graph_command(args, g))
    ex = sub.add_parser(
        "export",
        help="export a saved model (model.json) to PyTorch or ONNX",
        description="Export a model saved by 'micrograd train' (model.json) for PyTorch (a torch.export program, "
        ".pt2, loaded with torch.export.load) or for any ONNX runtime (.onnx, float64).",
    )
    ex.add_argument("model", help="the model file, e.g. runs/<time>-moons/model.json")
    ex.add_argument("--to", choices=["torch", "onnx"], required=True)
    ex.add_argument("--out", metavar="FILE", help="file to write (default: beside the model, .pt2 or .onnx)")
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
    p = sub.add_parser(
        "demo",
        help="run the README example and train the lecture's tiny MLP",
        description="Print the README example's value and gradients (g = 24.7041, dg/da = 138.8338, dg/db = "
        "645.5773), then train the lecture's MLP(3, [4, 4, 1]) with tanh on its four examples by plain gradient "
        "descent on the squared error, printing the loss at every step. Nothing is written to disk.",
    )
    p.add_argument("--steps", type=_positive_int, default=20, metavar="N", help="gradient-descent steps (default 20)")
    p.set_defaults(func=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if args.command is None:  # bare `micrograd`: what there is to do, and exit 2 as for any missing argument
        parser.print_help(sys.stderr)
        parser.exit(2, f"{parser.prog}: error: give a command (one of the above)\n")
    if extras:
        subparsers = _subparsers(parser)
        _unrecognized(subparsers[args.command], extras, subparsers)
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


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, Parser]:
    """Each command's parser, by name."""
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


if __name__ == "__main__":
    sys.exit(main())
