"""A whole training run: data, model, loss, optimizer, loop, and the files it leaves behind."""

from __future__ import annotations

import errno
import itertools
import json
import math
import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from micrograd import losses
from micrograd.data import Dataset, labels_for, load, minibatches
from micrograd.engine import Value
from micrograd.files import write_atomically
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam, Optimizer, constant, linear_decay

LOSSES = ("hinge", "mse", "bce", "ce")
#: scalar: micrograd.nn on Values (the lecture's engine); compiled: the same Values, traced once and replayed
#: as array operations (micrograd.compile); tensor: micrograd.tensor.nn on NumPy arrays.
ENGINES = ("scalar", "compiled", "tensor")
BINARY_LOSSES = ("hinge", "mse", "bce")


@dataclass
class Config:
    """Every choice of a run. The defaults are the original micrograd demo's."""

    dataset: str = "moons"
    samples: int = 100
    noise: float = 0.1
    classes: int = 3
    hidden: list[int] = field(default_factory=lambda: [16, 16])
    activation: str = "relu"
    loss: str = "hinge"
    optimizer: str = "sgd"
    lr: float = 1.0
    schedule: str = "linear"  # 'linear': from lr down to lr_end over the run; 'constant'
    lr_end: float = 0.1
    momentum: float = 0.0
    steps: int = 100
    batch_size: int | None = None  # None: the whole training set every step
    l2: float = 1e-4
    seed: int = 1337
    test_fraction: float = 0.0
    engine: str = "scalar"


#: What changes when only --dataset is given: settings that suit that data set.
DATASET_DEFAULTS: dict[str, dict[str, Any]] = {
    "blobs": {"loss": "ce", "optimizer": "adam", "lr": 0.01, "schedule": "constant", "steps": 100, "l2": 0.0},
    "classification": {"loss": "ce", "optimizer": "adam", "lr": 0.01, "schedule": "constant", "l2": 0.0},
    "digits": {
        "hidden": [32],
        "loss": "ce",
        "optimizer": "adam",
        "lr": 0.01,
        "schedule": "constant",
        "steps": 800,
        "batch_size": 32,
        "l2": 0.0,
        "test_fraction": 0.2,
    },
}


#: The largest model ``build_model`` makes: far beyond what the scalar engine trains in a day, and it stops
#: ``--hidden 100000000`` from filling memory (or taking hours just to build the Values).
MAX_PARAMETERS = 10_000_000
#: How many times a run measures the accuracy of the whole training and test sets (besides before the first step):
#: enough for a curve, few enough to cost little (each is one batched forward pass over every example).
EVALUATIONS = 25
#: The files ``write_outputs`` may write into a run's folder.
OUTPUT_NAMES = ("metrics.json", "model.json", "loss.png", "decision_boundary.png")


class Checkpoint(NamedTuple):
    """The accuracy of the whole training set and of the whole test set (None without one) after ``step`` updates:
    NaN if the model's outputs were not all finite numbers then (no class can be read from them)."""

    step: int
    train_accuracy: float
    test_accuracy: float | None


@dataclass
class Result:
    """What a run produced. After divergence (see ``TrainingDiverged``) ``diverged_at_step`` is the step, counted
    from 1, whose loss or update was not a finite number, ``loss``/``accuracy`` end with that step (NaN or None
    where there was no number), and both accuracies are None.

    ``accuracy[i]`` is the accuracy on step i's batch only; ``checkpoints`` hold the accuracy of the whole sets
    every ``steps / EVALUATIONS`` steps, the last one after the last step: ``train_accuracy`` and
    ``test_accuracy`` are that last checkpoint's."""

    config: Config
    model: Any  # micrograd.nn.MLP, or micrograd.tensor.nn.MLP for the tensor engine
    data: Dataset
    loss: list[float]
    accuracy: list[float | None]
    train_accuracy: float | None
    test_accuracy: float | None
    seconds: float
    diverged_at_step: int | None = None
    diverged_because: str | None = None
    checkpoints: list[Checkpoint] = field(default_factory=list)


class TrainingDiverged(ArithmeticError):
    """Training stopped because a loss, a gradient step or an op's result stopped being a finite number
    (typically: a learning rate, momentum, L2 strength or noise far too large). ``step`` counts from 1,
    ``reason`` says what happened, and ``result`` holds the run up to there (see ``Result``)."""

    def __init__(self, step: int, reason: str, result: Result):
        self.step, self.reason, self.result = step, reason, result
        super().__init__(f"training diverged at step {step} of {result.config.steps}: {reason}")


def build_model(config: Config, data: Dataset) -> Any:
    """The run's MLP, seeded: both engines draw the same initial weights for the same seed."""
    if config.loss in BINARY_LOSSES and data.n_classes != 2:
        raise ValueError(f"loss {config.loss!r} is for 2 classes; {data.name} has {data.n_classes}: use --loss ce")
    if config.engine not in ENGINES:
        raise ValueError(f"unknown engine {config.engine!r}: choose one of {', '.join(ENGINES)}")
    nout = data.n_classes if config.loss == "ce" else 1
    sizes = [data.n_features, *config.hidden, nout]
    count = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    if count > MAX_PARAMETERS:
        raise ValueError(f"an MLP of sizes {sizes} has {count:,} parameters, more than the {MAX_PARAMETERS:,} allowed")
    random.seed(config.seed)
    if config.engine == "tensor":
        from micrograd.tensor.nn import MLP as TensorMLP

        return TensorMLP(data.n_features, [*config.hidden, nout], activation=config.activation)
    return MLP(data.n_features, [*config.hidden, nout], activation=config.activation)


def predict_classes(model: Any, loss: str, X: list[list[float]]) -> list[int]:
    """The predicted class of each example: the largest logit for 'ce', else whether the score is above 0."""
    if not isinstance(model, MLP):
        from micrograd.tensor.training import predict_classes as tensor_predict

        return tensor_predict(model, loss, X)
    predictions = []
    for x in X:
        out = model(x)
        if loss == "ce":
            scores = [v.data for v in out]  # type: ignore[union-attr]
            predictions.append(scores.index(max(scores)))
        else:
            predictions.append(int(out.data > 0))  # type: ignore[union-attr]
    return predictions


def predict_class(model: Any, loss: str, x: list[float]) -> int:
    return predict_classes(model, loss, [x])[0]


def batch_predictor(model: Any, loss: str) -> Any:
    """A function from an array of examples, shape (N, nin), to their N predicted classes (a NumPy array), all
    in one pass: the Tensor engine's, with a scalar model's weights copied into it (a snapshot: train on, and ask
    again). The classes are ``predict_classes``'s, computed as matrix products instead of one Value per op.

    Raises ``FloatingPointError`` if a score is not a finite number (a class read from NaN would mean nothing).
    """
    import numpy as np

    from micrograd.tensor.nn import MLP as TensorMLP
    from micrograd.tensor.tensor import no_grad

    net = TensorMLP.from_scalar(model) if isinstance(model, MLP) else model

    def predict(X: Any) -> Any:
        with no_grad(), np.errstate(all="ignore"):
            scores = net(np.asarray(X, dtype=float).reshape(-1, net.nin)).data
        if not np.isfinite(scores).all():
            raise FloatingPointError("the model's outputs are not all finite numbers")
        return scores.argmax(axis=1) if loss == "ce" else (scores[:, 0] > 0).astype(int)

    return predict


def accuracy(model: Any, loss: str, X: list[list[float]], y: list[int]) -> float | None:
    """The share of ``X`` whose predicted class is ``y``'s (None for no examples), in one batched pass."""
    if not X:
        return None
    return float((batch_predictor(model, loss)(X) == y).mean())


def evaluation_steps(steps: int, count: int = EVALUATIONS) -> list[int]:
    """After how many updates a run of ``steps`` steps measures whole-set accuracy: 0, then ``count`` times at
    even intervals (every step if there are fewer), the last time after the last step."""
    return sorted({0, *(round(steps * i / count) for i in range(1, count + 1))} | {steps})


def batch_loss(model: Any, config: Config, X: list[list[float]], y: list[int]) -> tuple[Any, float]:
    """The loss on one batch (data term plus L2) and the batch accuracy."""
    if not isinstance(model, MLP):
        from micrograd.tensor.training import batch_loss as tensor_batch_loss

        return tensor_batch_loss(model, config.loss, config.l2, X, y)
    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))
    targets = labels_for(config.loss, y)
    if config.loss == "ce":
        data_loss = losses.softmax_cross_entropy(scores, targets)
        hits = [max(range(len(s)), key=lambda i, s=s: s[i].data) == k for s, k in zip(scores, y)]
    else:
        fn = {"hinge": losses.hinge, "mse": losses.mse, "bce": losses.bce_with_logits}[config.loss]
        data_loss = fn(scores, targets)
        hits = [(s.data > 0) == (k == 1) for s, k in zip(scores, y)]
    total = data_loss + losses.l2(model.parameters(), config.l2) if config.l2 else data_loss
    return total, sum(hits) / len(hits)


def compiled_batch_loss(model: MLP, config: Config) -> Any:
    """``batch_loss`` for the scalar model, compiled: the graph is traced once per batch size, then replayed.

    Class labels become one-hot numbers (z[k] = sum of t_i z_i), so that every batch of one size shares a
    program; the batch accuracy is read from the returned scores, outside the compiled function.
    """
    from micrograd.compiler import compile

    def loss_and_scores(X: list[list[float]], targets: list[Any]) -> tuple[Value, list[Any]]:
        scores = [model(x) for x in X]
        if config.loss == "ce":
            terms = [losses.logsumexp(z) - sum(t * zi for t, zi in zip(row, z)) for z, row in zip(scores, targets)]
            data_loss = sum(terms) * (1.0 / len(terms))
        else:
            fn = {"hinge": losses.hinge, "mse": losses.mse, "bce": losses.bce_with_logits}[config.loss]
            data_loss = fn(scores, targets)
        total = data_loss + losses.l2(model.parameters(), config.l2) if config.l2 else data_loss
        return total, scores

    step = compile(loss_and_scores)

    def run(X: list[list[float]], y: list[int]) -> tuple[Value, float]:
        if config.loss == "ce":
            width = model.nouts[-1]
            total, scores = step(X, [[float(i == k) for i in range(width)] for k in y])
            hits = [max(range(width), key=lambda i, s=s: s[i].data) == k for s, k in zip(scores, y)]
        else:
            total, scores = step(X, labels_for(config.loss, y))
            hits = [(s.data > 0) == (k == 1) for s, k in zip(scores, y)]
        return total, sum(hits) / len(hits)

    return run


def make_optimizer(config: Config, model: Any) -> Optimizer:
    lr = linear_decay(config.lr, config.lr_end, config.steps) if config.schedule == "linear" else constant(config.lr)
    if config.optimizer == "adam":
        return Adam(model.parameters(), lr=lr)
    return SGD(model.parameters(), lr=lr, momentum=config.momentum)


def _finite_parameters(model: Any) -> bool:
    if isinstance(model, MLP):
        return all(math.isfinite(p.data) for p in model.parameters())
    import numpy as np

    return all(np.isfinite(p.data).all() for p in model.parameters())


def train(
    config: Config,
    progress: Any = None,
    data: Dataset | None = None,
    evaluated: Callable[[Checkpoint], None] | None = None,
) -> Result:
    """Run ``config``; ``progress(step, loss, batch accuracy)`` is called after every step if given, and
    ``evaluated(checkpoint)`` after each measure of the whole sets' accuracy (see ``evaluation_steps``), before
    that step's ``progress``: the last checkpoint holds the accuracies the result reports.

    ``data`` is the data set to use, if already loaded (it must be what ``config`` describes). Raises
    ``TrainingDiverged``, holding the run so far, as soon as a loss or a weight is not a finite number, or an
    op's result is too large for a float (``DomainError``): a diverged run never reports an accuracy.
    """
    import numpy as np

    start = time.perf_counter()
    if data is None:
        data = load(config.dataset, config.samples, config.noise, config.seed, config.test_fraction, config.classes)
    model = build_model(config, data)
    opt = make_optimizer(config, model)
    batches = minibatches(len(data.X_train), config.batch_size, config.seed)
    run_batch = compiled_batch_loss(model, config) if config.engine == "compiled" else None
    loss_log: list[float] = []
    acc_log: list[float | None] = []
    checkpoints: list[Checkpoint] = []
    when = set(evaluation_steps(config.steps))

    def diverged(step: int, reason: str) -> TrainingDiverged:
        seconds = time.perf_counter() - start
        result = Result(config, model, data, loss_log, acc_log, None, None, seconds, step, reason, checkpoints)
        return TrainingDiverged(step, reason, result)

    def evaluate(step: int) -> None:
        try:
            train_acc = accuracy(model, config.loss, data.X_train, data.y_train)
            test_acc = accuracy(model, config.loss, data.X_test, data.y_test)
        except FloatingPointError:  # no class can be read from such outputs: NaN, a gap in the curve
            if step == config.steps:  # ... and no later step's loss will say that the run diverged
                raise diverged(step, "the last update made the model's outputs infinite or NaN") from None
            train_acc, test_acc = math.nan, math.nan if data.X_test else None
        checkpoints.append(Checkpoint(step, train_acc if train_acc is not None else math.nan, test_acc))
        if evaluated:
            evaluated(checkpoints[-1])

    evaluate(0)

    with np.errstate(all="ignore"):  # the Tensor engine's overflow warnings: divergence is reported below instead
        for step in range(config.steps):
            idx = next(batches)
            X, y = [data.X_train[i] for i in idx], [data.y_train[i] for i in idx]
            try:
                total, acc = run_batch(X, y) if run_batch else batch_loss(model, config, X, y)
                loss = float(total.data)
                if math.isfinite(loss):
                    opt.zero_grad()
                    total.backward()
                    opt.step()
            except ArithmeticError as err:  # DomainError, OverflowError, ...: a number too large for a float
                loss_log.append(math.nan)
                acc_log.append(None)
                raise diverged(step + 1, f"a number grew too large for a float ({err})") from None
            loss_log.append(loss)
            acc_log.append(acc if math.isfinite(loss) else None)
            if not math.isfinite(loss):
                raise diverged(step + 1, f"the loss became {loss}")
            if not _finite_parameters(model):
                raise diverged(step + 1, "the update made a weight infinite or NaN")
            if step + 1 in when:
                evaluate(step + 1)
            if progress:
                progress(step, loss, acc)
    return Result(
        config=config,
        model=model,
        data=data,
        loss=loss_log,
        accuracy=acc_log,
        train_accuracy=checkpoints[-1].train_accuracy,
        test_accuracy=checkpoints[-1].test_accuracy,
        seconds=time.perf_counter() - start,
        checkpoints=checkpoints,
    )


def prepare_output_folder(out: Path) -> list[Path]:
    """Make sure ``write_outputs`` can write into ``out``, before a run starts: create it if need be (returning
    the folders created, outermost first, so a caller can remove them again) and try writing a file there.

    Raises ``NotADirectoryError`` if ``out`` (or a folder above it) is a file or a device, ``FileExistsError``
    if it already holds a run's files (nothing saved is ever replaced), or the ``OSError`` that writing gave.
    """
    created = []
    for folder in [*reversed(out.parents), out]:
        if folder.is_dir():
            continue
        if os.path.lexists(folder) and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder", str(folder))
        folder.mkdir()
        created.append(folder)
    try:
        taken = [name for name in OUTPUT_NAMES if os.path.lexists(out / name)]
        if taken:
            what = f"already holds {', '.join(taken)} from an earlier run: choose a new folder (or move them)"
            raise FileExistsError(errno.EEXIST, what, str(out))
        fd, probe = tempfile.mkstemp(dir=out, prefix=".micrograd-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except BaseException:
        remove_folders(created)
        raise
    return created


def remove_folders(folders: list[Path]) -> None:
    """Remove these folders (made by ``prepare_output_folder``) again, innermost first, if they are empty."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return


def _json_numbers(x: Any) -> Any:
    """``x`` with every non-finite float replaced by None, so that it is valid JSON (null)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _json_numbers(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_numbers(v) for v in x]
    return x


def write_outputs(result: Result, out: Path) -> list[Path]:
    """Write metrics.json, model.json, loss.png and (for 2-D data) decision_boundary.png into ``out``.

    metrics.json is valid JSON whatever happened: a number that is not finite is written as null. After
    divergence (``result.diverged_at_step``) only metrics.json and loss.png are written: the model's weights
    are not finite numbers, or are the ones that made the run diverge, and its accuracies mean nothing.
    """
    from micrograd import plots

    out.mkdir(parents=True, exist_ok=True)
    metrics = {
        "loss": result.loss,
        "accuracy": result.accuracy,
        "accuracy_curve": {
            "step": [c.step for c in result.checkpoints],
            "train": [c.train_accuracy for c in result.checkpoints],
            "test": [c.test_accuracy for c in result.checkpoints],
        },
        "train_accuracy": result.train_accuracy,
        "test_accuracy": result.test_accuracy,
        "diverged_at_step": result.diverged_at_step,
        "diverged_because": result.diverged_because,
        "wall_time_seconds": result.seconds,
        "parameters": result.model.num_parameters(),
        "config": asdict(result.config),
    }
    written = [out / "metrics.json", out / "loss.png"]
    write_atomically(written[0], json.dumps(_json_numbers(metrics), indent=1, allow_nan=False))
    size = result.config.batch_size
    label = (
        "loss on the training set"
        if size is None or size >= len(result.data.X_train)
        else f"loss on the step's batch of {size}"
    )
    plots.loss_curve(
        result.loss, None, written[1], evaluated=result.checkpoints, title=_title(result), loss_label=label
    )
    if result.diverged_at_step is not None:
        return written
    written.insert(1, out / "model.json")
    result.model.save(written[1])
    data = result.data
    if data.n_features == 2:
        path = out / "decision_boundary.png"
        plots.decision_boundary(
            batch_predictor(result.model, result.config.loss),
            data.X_train,
            data.y_train,
            path,
            title=_title(result),
            batch=True,
            X_test=data.X_test,
            y_test=data.y_test,
            n_classes=data.n_classes,
        )
        written.append(path)
    return written


def _title(result: Result) -> str:
    """'moons, MLP 2-16-16-1, 100 steps: train accuracy 100.0%' (and the test accuracy, if there is a test set)."""
    sizes = "-".join(str(n) for n in [result.model.nin, *result.model.nouts])
    head = f"{result.data.name}, MLP {sizes}, {result.config.steps} steps"
    if result.diverged_at_step is not None:
        return f"{head}: diverged at step {result.diverged_at_step}"
    test = "" if result.test_accuracy is None else f", test accuracy {result.test_accuracy:.1%}"
    return f"{head}: train accuracy {result.train_accuracy:.1%}{test}"
