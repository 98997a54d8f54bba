"""The ``micrograd`` command."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from micrograd.engine import Value
from micrograd.nn import MLP


def readme_example() -> tuple[Value, Value, Value]:
    """The expression from the README (and the lecture's opening): returns g, a, b after backward."""
    a = Value(-4.0, label="a")
    b = Value(2.0, label="b")
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g, a, b


def lecture_mlp(steps: int = 20, lr: float = 0.05, seed: int = 1337) -> list[float]:
    """The lecture's tiny network: MLP(3, [4, 4, 1]) with tanh, four examples, MSE, plain gradient descent."""
    random.seed(seed)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    model = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
    losses = []
    for _ in range(steps):
        preds = [model(x) for x in xs]
        loss = sum((p - y) ** 2 for p, y in zip(preds, ys))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data += -lr * p.grad
        losses.append(loss.data)
    return losses


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


def train_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from micrograd.train import DATASET_DEFAULTS, Config, train, write_outputs

    values = asdict(Config())
    values.update(DATASET_DEFAULTS.get(args.dataset, {}))
    for key in values:
        given = getattr(args, key, None)
        if given is not None:
            values[key] = given
    if args.full_batch:
        values["batch_size"] = None
    config = Config(**values)
    try:
        from micrograd.data import load
        from micrograd.train import build_model

        build_model(config, load(config.dataset, config.samples, config.noise, config.seed, 0.0, config.classes))
    except ValueError as err:
        parser.error(str(err))  # exits with code 2

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, quiet=args.quiet)
    columns = [
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.4f}  accuracy {task.fields[acc]:.0%}"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("train", total=config.steps, loss=float("nan"), acc=0.0)
        result = train(config, lambda step, loss, acc: progress.update(task, advance=1, loss=loss, acc=acc))
    out = Path(args.out) if args.out else _new_run_dir(config.dataset)
    written = write_outputs(result, out)
    test = "n/a (no test split)" if result.test_accuracy is None else f"{result.test_accuracy:.1%}"
    print(f"{result.model}")
    print(
        f"{config.dataset}: {config.steps} steps in {result.seconds:.1f} s; final loss {result.loss[-1]:.6f}; "
        f"train accuracy {result.train_accuracy:.1%}; test accuracy {test}"
    )
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from micrograd.data import DATASETS
    from micrograd.nn import ACTIVATIONS
    from micrograd.train import LOSSES

    parser = argparse.ArgumentParser(prog="micrograd", description="A tiny autograd engine: train and explore.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser(
        "train",
        help="train an MLP on the scalar engine (no options: the original micrograd demo)",
        description="Train an MLP on the scalar engine. With no options this is the original micrograd demo: "
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
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=lambda args: train_command(args, t))
    p = sub.add_parser("demo", help="run the README example and train the lecture's tiny MLP")
    p.add_argument("--steps", type=int, default=20, help="gradient-descent steps (default: 20)")
    p.set_defaults(func=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
