"""A whole training run: data, model, loss, optimizer and loop, on any engine (``micrograd.training.engines``).

``Run`` is one run, step by step: what ``train`` loops over for the command line, and what the playground steps
through. The tables it reads: ``micrograd.data.DATASETS``, ``micrograd.losses.LOSSES``, ``ENGINES``.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from micrograd.data import DATASETS, Dataset, check_arguments, load, minibatches
from micrograd.features import DEFAULT as DEFAULT_FEATURES
from micrograd.features import check as check_features
from micrograd.features import is_default, of_array, of_points
from micrograd.losses import LOSSES, PENALTIES
from micrograd.optim import SGD, Adam, Optimizer, constant, linear_decay
from micrograd.training.engines import ENGINES
from micrograd.training.evaluate import (  # noqa: F401 - part of this module's API
    EVALUATIONS,
    accuracy,
    batch_predictor,
    evaluation_steps,
    predict_class,
    predict_classes,
)
from micrograd.training.outputs import (  # noqa: F401 - part of this module's API
    OUTPUT_NAMES,
    prepare_output_folder,
    remove_folders,
    write_outputs,
)


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
    l1: float = 0.0  # L1 regularisation strength (each of micrograd.losses.PENALTIES has its own; 0: none)
    seed: int = 1337
    test_fraction: float = 0.0
    engine: str = "scalar"
    features: list[str] = field(default_factory=lambda: list(DEFAULT_FEATURES))  # of 2-D data: micrograd.features


#: What changes when only --dataset is given: settings that suit that data set (its row of ``DATASETS``).
DATASET_DEFAULTS: dict[str, dict[str, Any]] = {name: d.defaults for name, d in DATASETS.items() if d.defaults}
#: The largest model ``build_model`` makes: far beyond what the scalar engine trains in a day, and it stops
#: ``--hidden 100000000`` from filling memory (or taking hours just to build the Values).
MAX_PARAMETERS = 10_000_000


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


def check(config: Config) -> None:
    """Everything about ``config`` that can be checked without making its data: a ValueError naming what is wrong
    (the data set's options, the loss, the engine, the penalties' strengths, the features, the model's size)."""
    check_arguments(config.dataset, config.samples, config.noise, config.seed, config.test_fraction, config.classes)
    if config.loss not in LOSSES:
        raise ValueError(f"unknown loss {config.loss!r}: choose one of {', '.join(LOSSES)}")
    if config.engine not in ENGINES:
        raise ValueError(f"unknown engine {config.engine!r}: choose one of {', '.join(ENGINES)}")
    for name in PENALTIES:
        strength = getattr(config, name)
        if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 <= strength < math.inf:
            raise ValueError(f"{name} (the {PENALTIES[name].title} strength) must be a finite number >= 0, "
                             f"got {strength!r}")  # fmt: skip
    row = DATASETS[config.dataset]
    features = check_features(config.features)
    if row.features != 2 and not is_default(features):
        raise ValueError(f"features apply to 2-D data only; {config.dataset} has {row.features} inputs per example: "
                         f"leave features at {','.join(DEFAULT_FEATURES)}")  # fmt: skip
    classes = config.classes if row.classes is None else row.classes
    LOSSES[config.loss].check_classes(classes, config.dataset)
    _check_size([inputs(config, row.features), *config.hidden, LOSSES[config.loss].outputs(classes)])


def inputs(config: Config, size: int) -> int:
    """How many inputs the network of ``config`` has, for data of ``size`` numbers per example: one per feature."""
    return size if is_default(config.features) else len(config.features)


def penalties(config: Config) -> dict[str, float]:
    """The strength of each weight penalty (``micrograd.losses.PENALTIES``) of ``config``: {"l1": ..., "l2": ...}."""
    return {name: getattr(config, name) for name in PENALTIES}


def featurizer(config: Config) -> Callable[[Any], Any]:
    """Examples as the network of ``config`` takes them: points (a list of [x1, x2], or an (N, 2) array) as their
    features (``micrograd.features``); the same examples for the default features."""
    features = list(config.features)

    def featurize(X: Any) -> Any:
        return of_points(features, X) if isinstance(X, list) else of_array(features, X)

    return featurize


def _check_size(sizes: list[int]) -> None:
    count = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    if count > MAX_PARAMETERS:
        raise ValueError(f"an MLP of sizes {sizes} has {count:,} parameters, more than the {MAX_PARAMETERS:,} allowed")


def build_model(config: Config, data: Dataset, engine: Any = None) -> Any:
    """The run's MLP, seeded: every engine draws the same initial weights for the same seed."""
    if config.loss not in LOSSES or config.engine not in ENGINES:
        check(config)  # names the unknown loss or engine
    loss = LOSSES[config.loss]
    loss.check_classes(data.n_classes, data.name)
    sizes = [inputs(config, data.n_features), *config.hidden, loss.outputs(data.n_classes)]
    _check_size(sizes)
    random.seed(config.seed)
    return (engine or ENGINES[config.engine]).build(sizes[0], sizes[1:], config.activation)


def make_optimizer(config: Config, model: Any) -> Optimizer:
    lr = linear_decay(config.lr, config.lr_end, config.steps) if config.schedule == "linear" else constant(config.lr)
    if config.optimizer == "adam":
        return Adam(model.parameters(), lr=lr)
    return SGD(model.parameters(), lr=lr, momentum=config.momentum)


class Diverged(ArithmeticError):
    """A step whose loss, update or op result was not a finite number; the text says which."""


class Run:
    """One run of ``config``, a step at a time. ``data`` is its data set if already loaded (it must be what
    ``config`` describes); ``engine`` an engine value (default: ``ENGINES[config.engine]``); ``model`` a model of
    that engine to train instead of a new one (it must fit the data and the loss).

    ``loss_log`` and ``accuracy_log`` hold each step's loss and batch accuracy (NaN or None where there was no
    number). Raises ValueError, naming the problem, for a config that cannot run."""

    def __init__(self, config: Config, data: Dataset | None = None, engine: Any = None, model: Any = None):
        check(config)
        self.config, self.engine = config, engine or ENGINES[config.engine]
        if data is None:
            data = load(config.dataset, config.samples, config.noise, config.seed, config.test_fraction, config.classes)
        self.data = data
        self.model = build_model(config, data, self.engine) if model is None else model
        self.optimizer = make_optimizer(config, self.model)
        self.batch_loss = self.engine.batch_loss(self.model, LOSSES[config.loss], penalties(config))
        self.inputs = featurizer(config)  # points -> what the network takes (their features)
        self.batches = minibatches(len(data.X_train), config.batch_size, config.seed)
        self.steps = 0
        self.loss_log: list[float] = []
        self.accuracy_log: list[float | None] = []

    def continue_from(self, earlier: Run) -> None:
        """Go on from where ``earlier`` (a run on the same data and weights, with other settings) stopped: its step
        count and its logs carry over."""
        self.steps, self.loss_log, self.accuracy_log = earlier.steps, earlier.loss_log, earlier.accuracy_log

    def add_examples(self, X: list[list[float]], y: list[int]) -> None:
        """More training examples (the batches are drawn anew from the next step on)."""
        self.data.X_train += X
        self.data.y_train += y
        self.batches = minibatches(len(self.data.X_train), self.config.batch_size, self.config.seed + self.steps)

    def step(self) -> float:
        """One update on the next batch; its loss. Raises ``Diverged`` (after logging the step) if the loss, an
        op's result or the updated weights are not all finite numbers: the weights are then not updated further."""
        idx = next(self.batches)
        X, y = self.inputs([self.data.X_train[i] for i in idx]), [self.data.y_train[i] for i in idx]
        self.steps += 1
        try:
            total, acc = self.batch_loss(X, y)
            loss = float(total.data)
            if math.isfinite(loss):
                self.optimizer.zero_grad()
                total.backward()
                self.optimizer.step()
        except ArithmeticError as err:  # DomainError, OverflowError, ...: a number too large for a float
            self.loss_log.append(math.nan)
            self.accuracy_log.append(None)
            where = f" (in {err.op})" if getattr(err, "op", "") else ""  # the op, not Python's errno text
            raise Diverged(f"a number grew too large for a float{where}") from None
        self.loss_log.append(loss)
        self.accuracy_log.append(acc if math.isfinite(loss) else None)
        if not math.isfinite(loss):
            raise Diverged(f"the loss became {loss}")
        if not self.engine.finite(self.model):
            raise Diverged("the update made a weight infinite or NaN")
        return loss


def train(
    config: Config | Run,
    progress: Any = None,
    data: Dataset | None = None,
    evaluated: Callable[[Checkpoint], None] | None = None,
) -> Result:
    """Run ``config`` (or carry on a ``Run`` made of it); ``progress(step, loss, batch accuracy)`` is called after
    every step if given, and ``evaluated(checkpoint)`` after each measure of the whole sets' accuracy (see
    ``evaluation_steps``), before that step's ``progress``: the last checkpoint holds the accuracies the result
    reports.

    ``data`` is the data set to use, if already loaded (it must be what ``config`` describes). Raises
    ``TrainingDiverged``, holding the run so far, as soon as a loss or a weight is not a finite number, or an
    op's result is too large for a float (``DomainError``): a diverged run never reports an accuracy.
    """
    import numpy as np

    start = time.perf_counter()
    run = config if isinstance(config, Run) else Run(config, data)
    config, data, model = run.config, run.data, run.model
    checkpoints: list[Checkpoint] = []
    when = set(evaluation_steps(config.steps))

    def result(**diverged: Any) -> Result:
        accuracies = (checkpoints[-1].train_accuracy, checkpoints[-1].test_accuracy) if not diverged else (None, None)
        return Result(config, model, data, run.loss_log, run.accuracy_log, *accuracies, time.perf_counter() - start,
                      checkpoints=checkpoints, **diverged)  # fmt: skip

    def diverged(step: int, reason: str) -> TrainingDiverged:
        return TrainingDiverged(step, reason, result(diverged_at_step=step, diverged_because=reason))

    def evaluate(step: int) -> None:
        try:
            train_acc = accuracy(model, config.loss, run.inputs(data.X_train), data.y_train)
            test_acc = accuracy(model, config.loss, run.inputs(data.X_test), data.y_test)
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
            try:
                loss = run.step()
            except Diverged as err:
                raise diverged(step + 1, str(err)) from None
            if step + 1 in when:
                evaluate(step + 1)
            if progress:
                progress(step, loss, run.accuracy_log[-1])
    return result()
