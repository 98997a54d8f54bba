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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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
#: The files ``write_outputs`` may write into a run's folder.
OUTPUT_NAMES = ("metrics.json", "model.json", "loss.png", "decision_boundary.png")


@dataclass
class Result:
    """What a run produced. After divergence (see ``TrainingDiverged``) ``diverged_at_step`` is the step, counted
    from 1, whose loss or update was not a finite number, ``loss``/``accuracy`` end with that step (NaN or None
    where there was no number), and both accuracies are None."""

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


def accuracy(model: Any, loss: str, X: list[list[float]], y: list[int]) -> float | None:
    if not X:
        return None
    return sum(p == k for p, k in zip(predict_classes(model, loss, X), y)) / len(X)


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


def train(config: Config, progress: Any = None, data: Dataset | None = None) -> Result:
    """Run ``config``; ``progress(step, loss, accuracy)`` is called after every step if given.

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

    def diverged(step: int, reason: str) -> TrainingDiverged:
        result = Result(config, model, data, loss_log, acc_log, None, None, time.perf_counter() - start, step, reason)
        return TrainingDiverged(step, reason, result)

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
            if progress:
                progress(step, loss, acc)
    return Result(
        config=config,
        model=model,
        data=data,
        loss=loss_log,
        accuracy=acc_log,
        train_accuracy=accuracy(model, config.loss, data.X_train, data.y_train) or 0.0,
        test_accuracy=accuracy(model, config.loss, data.X_test, data.y_test),
        seconds=time.perf_counter() - start,
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
    plots.loss_curve(result.loss, result.accuracy, written[1])
    if result.diverged_at_step is not None:
        return written
    written.insert(1, out / "model.json")
    result.model.save(written[1])
    if result.data.n_features == 2:
        path = out / "decision_boundary.png"
        plots.decision_boundary(
            lambda x: predict_class(result.model, result.config.loss, x),
            result.data.X_train,
            result.data.y_train,
            path,
            title=f"{result.data.name}: train accuracy {result.train_accuracy:.0%}",
        )
        written.append(path)
    return written
