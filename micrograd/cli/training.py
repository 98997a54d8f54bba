"""`micrograd train`: its options, read from the tables (``micrograd.data.DATASETS``, ``micrograd.losses.LOSSES``,
``micrograd.activations``, ``micrograd.training.engines.ENGINES``), and the run."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from micrograd.activations import ACTIVATIONS, nonlinear
from micrograd.cli.args import _fail, _fraction, _integer, _non_negative_float, _os_error, _positive_int, _sizes
from micrograd.data import DATASETS, OPTIONS
from micrograd.features import FEATURES
from micrograd.features import check as check_features
from micrograd.losses import LOSSES
from micrograd.training.engines import ENGINES
from micrograd.training.evaluate import EVALUATIONS


def _new_run_dir(dataset: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = Path("runs") / f"{stamp}-{dataset}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def dataset_options() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Options of `micrograd train` that mean something only for some data sets: (flag, those data sets), read from
    the table each time."""
    return {key: (f"--{key}", tuple(name for name, d in DATASETS.items() if key in d.options)) for key in OPTIONS}


def _refuse_options_that_do_not_apply(args: argparse.Namespace, values: dict, parser: argparse.ArgumentParser) -> None:
    """An option given for a data set, optimizer or schedule that would ignore it is an error, not a no-op."""
    for key, (flag, datasets) in dataset_options().items():
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
    raised = [("momentum", config.momentum, 0.0), ("l2", config.l2, 1e-4), ("l1", config.l1, 0.0)]
    if "noise" in DATASETS[config.dataset].options:
        raised.append(("noise", config.noise, 0.1))
    hints += [f"--{name} (now {value:g})" for name, value, usual in raised if value > usual]
    return f"{err}. Lower {' or '.join(hints or ['the learning rate (--lr)'])} and try again"


def train_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from micrograd.train import (
        DATASET_DEFAULTS,
        Checkpoint,
        Config,
        Run,
        TrainingDiverged,
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
        run = Run(config)  # the data and the model, made once: an option they cannot work with fails here
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
                if run.data.regression:  # no accuracy: the bar's loss says how it goes
                    return
                measured = f"train accuracy {checkpoint.train_accuracy:.1%}"
                if checkpoint.test_accuracy is not None:
                    measured += f", test accuracy {checkpoint.test_accuracy:.1%}"

            def report(step: int, loss: float, batch_accuracy: float) -> None:
                bar.set_postfix_str(f"loss {loss:.4f}" + (f", {measured}" if measured else ""), refresh=False)
                bar.update(1)

            result = train(run, report, evaluated=evaluated)
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
    measures = f"train accuracy {result.train_accuracy:.1%}; test accuracy {test}"
    if result.data.regression:  # real-number targets: the whole sets' loss, no accuracy
        from micrograd.training.evaluate import data_loss

        loss_of = [data_loss(result.model, config.loss, run.inputs(X), y) for X, y in
                   ((result.data.X_train, result.data.y_train), (result.data.X_test, result.data.y_test))]  # fmt: skip
        test = "n/a (no test split)" if loss_of[1] is None else f"{loss_of[1]:.6g}"
        measures = f"train loss {loss_of[0]:.6g}; test loss {test}"
    print(f"{result.model}")
    print(f"{config.dataset}: {config.steps} steps in {result.seconds:.1f} s; final loss {final}; {measures}")
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _defaults(key: str, show: Any = str) -> str:
    """'default 1; blobs, classification, digits: 0.01': an option's value when left out, for each data set."""
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


def add_train_parser(sub: Any) -> None:
    """The `micrograd train` command and its options, on the subparsers ``sub``."""
    t = sub.add_parser(
        "train",
        help="train an MLP (no options: the original micrograd demo)",
        description="Train an MLP on the scalar engine (or compiled, or on the Tensor engine: see --engine). "
        "With no options this is the original micrograd demo: "
        "moons (100 points, noise 0.1, seed 1337), MLP(2, [16, 16, 1]), max-margin loss + 1e-4 L2, "
        "SGD with the learning rate falling linearly from 1.0 to 0.1, 100 full-batch steps. "
        f"Options left out take that demo's value, or for {', '.join(_with_defaults())} a setting "
        "suited to them (softmax cross-entropy with Adam; digits holds out 20% for testing); each option "
        "below lists both. The run's folder gets metrics.json, model.json, loss.png and, for 2-D data, "
        f"decision_boundary.png; the accuracy of the whole training and test sets is measured {EVALUATIONS} "
        "times during the run.",
    )
    t.add_argument("--dataset", choices=DATASETS, default="moons", help="the data (default moons)")
    t.add_argument("--samples", type=_positive_int, metavar="N", help="points to generate (" + _applies("samples")
                   + "; " + _defaults("samples") + ")")  # fmt: skip
    t.add_argument("--noise", type=_non_negative_float, metavar="SD", help="noise (" + _applies("noise") + "; "
                   + _defaults("noise") + ")")  # fmt: skip
    t.add_argument("--classes", type=_positive_int, metavar="N", help="how many classes (" + _applies("classes")
                   + "; " + _defaults("classes") + ")")  # fmt: skip
    t.add_argument("--hidden", type=_sizes, metavar="SIZES", help="hidden layer sizes, e.g. 16,16 ("
                   + _defaults("hidden", _hidden) + ")")  # fmt: skip
    t.add_argument("--activation", choices=[*nonlinear(), *(a for a in ACTIVATIONS if a not in nonlinear())],
                   help="of the hidden layers (" + _defaults("activation") + ")")  # fmt: skip
    t.add_argument("--loss", choices=LOSSES, help=", ".join(f"{name}: {loss.title}" for name, loss in LOSSES.items())
                   + " (" + _defaults("loss") + ")")  # fmt: skip
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
    t.add_argument("--l1", type=_non_negative_float, metavar="LAMBDA", help="L1 regularisation strength: adds LAMBDA * "
                   "sum of |w| to the loss, with or without --l2 (" + _defaults("l1") + ")")  # fmt: skip
    t.add_argument("--features", type=_features, metavar="NAMES", help="what the network is given of each 2-D point, "
                   f"one input per feature, comma-separated, from {', '.join(FEATURES)} ("
                   + _defaults("features", _hidden) + ")")  # fmt: skip
    t.add_argument("--seed", type=_integer, metavar="N", help="seed of data, initialisation and batches ("
                   + _defaults("seed") + ")")  # fmt: skip
    t.add_argument("--test-fraction", dest="test_fraction", type=_fraction, metavar="F",
                   help="share of the data held out for testing, 0 for none ("
                   + _defaults("test_fraction") + ")")  # fmt: skip
    t.add_argument("--out", metavar="FOLDER", help="output folder (default: a new folder under runs/)")
    t.add_argument("--engine", choices=ENGINES, help="; ".join(f"{name}: {engine.help}" for name, engine in
                   ENGINES.items()) + " (" + _defaults("engine") + ")")  # fmt: skip
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=lambda args: train_command(args, t))


def _features(text: str) -> list[str]:
    """'x1,x2,x1^2' -> ['x1', 'x2', 'x1^2']: names of ``micrograd.features.FEATURES``, each once."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    try:
        return check_features(names, "the list")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _applies(key: str) -> str:
    """'for moons, circles, xor': the data sets an option is for."""
    return "for " + ", ".join(dataset_options()[key][1])


def _with_defaults() -> list[str]:
    """The data sets that change some defaults."""
    return [name for name, d in DATASETS.items() if d.defaults]
