"""Data sets, as plain Python lists ready for Values, and seeded minibatches.

``DATASETS`` is the table of every data set that the command line, ``micrograd.train`` and the playground offer:
how to make it, its classes and input size, which options apply, and the training settings that suit it. Adding a
data set is its generator and one row. ``load(name, ...)`` gives a :class:`Dataset` with train (and optionally
test) splits; labels come as class indices, and ``labels_for(loss, y)`` turns them into the form a loss expects.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from micrograd.losses import LOSSES


@dataclass
class Dataset:
    name: str
    X_train: list[list[float]]
    y_train: list[Any]  # class indices 0 .. n_classes-1; for regression (n_classes 0), real numbers
    X_test: list[list[float]]
    y_test: list[Any]
    n_classes: int  # 0: the targets are real numbers (a regression data set)

    @property
    def n_features(self) -> int:
        return len(self.X_train[0])

    @property
    def regression(self) -> bool:
        """Whether the targets are real numbers rather than classes."""
        return self.n_classes == REGRESSION


def _rng(seed: int) -> Any:
    import numpy as np

    return np.random.RandomState(seed)  # the same stream as np.random.seed(seed), as the demo used


def _moons(samples: int, noise: float, classes: int, seed: int) -> tuple[Any, Any]:
    from sklearn.datasets import make_moons

    return make_moons(n_samples=samples, noise=noise, random_state=_rng(seed))


def _circles(samples: int, noise: float, classes: int, seed: int) -> tuple[Any, Any]:
    from sklearn.datasets import make_circles

    return make_circles(n_samples=samples, noise=noise, factor=0.5, random_state=_rng(seed))


def _blobs(samples: int, noise: float, classes: int, seed: int) -> tuple[Any, Any]:
    from sklearn.datasets import make_blobs

    return make_blobs(n_samples=samples, centers=classes, random_state=_rng(seed))


def _classification(samples: int, noise: float, classes: int, seed: int) -> tuple[Any, Any]:
    from sklearn.datasets import make_classification

    return make_classification(n_samples=samples, n_features=4, n_informative=3, n_redundant=0, n_classes=classes,
                               random_state=_rng(seed))  # fmt: skip


def _digits(samples: int, noise: float, classes: int, seed: int) -> tuple[Any, Any]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _xor(samples: int, noise: float, classes: int, seed: int) -> tuple[Any, Any]:
    """Points uniform in [-1, 1]^2, class 1 where both coordinates have the same sign, then moved by noise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X + rng.normal(scale=noise, size=X.shape), y


def _spiral(samples: int, noise: float, classes: int, seed: int) -> tuple[Any, Any]:
    """Two interleaved spiral arms, one per class."""
    import numpy as np

    rng = np.random.default_rng(seed)
    k = np.arange(samples) % 2
    t = rng.uniform(0.25, 1.0, size=samples)
    angle = 3.5 * np.pi * t + np.pi * k
    X = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) + rng.normal(scale=noise * 0.5, size=(samples, 2))
    return X, k


def _gaussian(samples: int, noise: float, classes: int, seed: int) -> tuple[Any, Any]:
    """Two Gaussian blobs whose spread grows with the noise (0.6 + 3 * noise)."""
    from sklearn.datasets import make_blobs

    return make_blobs(n_samples=samples, centers=2, cluster_std=0.6 + 3 * noise, random_state=seed)


def _plane(samples: int, noise: float, classes: int, seed: int) -> tuple[Any, Any]:
    """Regression: points uniform in [-1, 1]^2, the target (x1 + x2) / 2 (in [-1, 1]) plus Gaussian noise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(samples, 2))
    return X, (X[:, 0] + X[:, 1]) / 2 + rng.normal(scale=noise, size=samples)


#: multi-gaussian's bumps: (centre x1, centre x2, sign), at spread 0.25 (TensorFlow Playground's has six as well)
_BUMPS = ((-0.5, 0.5, 1), (0.5, 0.5, -1), (-0.5, -0.5, -1), (0.5, -0.5, 1), (0.0, 0.0, 1), (0.0, 0.9, -1))


def _multi_gaussian(samples: int, noise: float, classes: int, seed: int) -> tuple[Any, Any]:
    """Regression: points uniform in [-1, 1]^2, the target a sum of signed Gaussian bumps, exp(-d^2 / (2 * 0.25^2))
    with d the distance to a bump's centre (``_BUMPS``), clipped to [-1, 1], plus Gaussian noise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(samples, 2))
    y = sum(s * np.exp(-((X[:, 0] - a) ** 2 + (X[:, 1] - b) ** 2) / (2 * 0.25**2)) for a, b, s in _BUMPS)
    return X, np.clip(y, -1, 1) + rng.normal(scale=noise, size=samples)


#: The ``classes`` of a data set whose targets are real numbers (a regression data set): no class at all.
REGRESSION = 0


@dataclass(frozen=True)
class DataSet:
    """One data set: ``make(samples, noise, classes, seed)`` gives its points X and their classes y (arrays)."""

    name: str
    title: str  # for the playground's page
    make: Callable[[int, float, int, int], tuple[Any, Any]]
    options: tuple[str, ...]  # which of OPTIONS apply to it (the others are ignored)
    features: int = 2  # the size of one input
    classes: int | None = 2  # None: as many as the ``classes`` option says; REGRESSION (0): real-number targets
    max_classes: int | None = None  # the most ``classes`` it can make (None: as many as there are samples)
    standardise: bool = False  # scaled with the training split's mean and spread
    defaults: dict[str, Any] = field(default_factory=dict)  # the micrograd.train.Config settings that suit it


#: The options of ``load`` that only some data sets use.
OPTIONS = ("samples", "noise", "classes")
#: Softmax cross-entropy with Adam: what suits the data sets of more than 2 classes.
_MULTICLASS = {"loss": "ce", "optimizer": "adam", "lr": 0.01, "schedule": "constant", "l2": 0.0}
#: The squared error on real targets, with Adam: what suits the regression data sets.
_REGRESSION = {"loss": "regression", "optimizer": "adam", "lr": 0.01, "schedule": "constant", "l2": 0.0, "steps": 300,
               "test_fraction": 0.2}  # fmt: skip

DATASETS: dict[str, DataSet] = {
    d.name: d
    for d in (
        DataSet("moons", "moons", _moons, ("samples", "noise")),
        DataSet("circles", "circles", _circles, ("samples", "noise")),
        DataSet("blobs", "blobs", _blobs, ("samples", "classes"), classes=None, standardise=True,
                defaults={**_MULTICLASS, "steps": 100}),
        DataSet("classification", "classification (4-D)", _classification, ("samples", "classes"), features=4,
                classes=None, max_classes=4, standardise=True, defaults=_MULTICLASS),
        DataSet("digits", "digits (8x8 images)", _digits, (), features=64, classes=10,
                defaults={**_MULTICLASS, "hidden": [32], "steps": 800, "batch_size": 32, "test_fraction": 0.2}),
        DataSet("xor", "XOR", _xor, ("samples", "noise")),
        DataSet("spiral", "spiral", _spiral, ("samples", "noise")),
        DataSet("gaussian", "gaussian blobs", _gaussian, ("samples", "noise"), standardise=True),
        DataSet("plane", "plane (regr.)", _plane, ("samples", "noise"), classes=REGRESSION,
                defaults=_REGRESSION),
        DataSet("multi-gaussian", "multi-gauss (regr.)", _multi_gaussian, ("samples", "noise"),
                classes=REGRESSION, defaults=_REGRESSION),
    )
}  # fmt: skip


def load(
    name: str = "moons",
    samples: int = 100,
    noise: float = 0.1,
    seed: int = 1337,
    test_fraction: float = 0.0,
    classes: int = 3,
) -> Dataset:
    """Make (or, for 'digits', load the bundled) data set ``name`` (a row of ``DATASETS``), seeded, optionally split.

    'moons' with the defaults is the original demo's data. 'digits' is scikit-learn's 1797 8x8 images
    (10 classes, pixels 0..16 scaled to 0..1). An option the data set does not use (see its row) is ignored.
    'blobs', 'classification' and 'gaussian' are standardised with the training split's mean and spread. The split
    is stratified. A bad argument (including a split that cannot hold every class on both sides) is a ValueError
    naming it, before anything is generated.
    """
    from sklearn.model_selection import train_test_split

    check_arguments(name, samples, noise, seed, test_fraction, classes)
    row = DATASETS[name]
    X, y = row.make(samples, noise, classes, seed)
    regression = row.classes == REGRESSION
    _check_generated(row, X, y, samples, noise, classes if row.classes is None else row.classes, test_fraction)
    if test_fraction > 0:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=test_fraction, random_state=seed, stratify=None if regression else y
        )
    else:
        X_train, X_test, y_train, y_test = X, X[:0], y, y[:0]
    if row.standardise:
        mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-12
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    return Dataset(
        name=name,
        X_train=X_train.tolist(),
        y_train=[float(v) if regression else int(v) for v in y_train],
        X_test=X_test.tolist(),
        y_test=[float(v) if regression else int(v) for v in y_test],
        n_classes=REGRESSION if regression else int(y.max()) + 1,
    )


#: The most points ``load`` generates (the scalar engine takes minutes per step long before this).
MAX_SAMPLES = 1_000_000


def _integer(x: object) -> bool:
    """An integer (Python's or NumPy's), not a bool."""
    return hasattr(type(x), "__index__") and not isinstance(x, bool)


def _real(x: object) -> bool:
    """A real number (an integer or a float), not a bool."""
    return (_integer(x) or isinstance(x, float) or type(x).__name__.startswith("float")) and not isinstance(x, bool)


def check_arguments(name: str, samples: int, noise: float, seed: int, test_fraction: float, classes: int) -> None:
    """Every argument of ``load``, checked before anything is generated; a ValueError names the bad one."""
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}")
    if not _real(test_fraction) or not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction!r}")
    if not _integer(seed) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer from 0 to 2**32 - 1, got {seed!r}")
    row = DATASETS[name]
    if "samples" in row.options and (not _integer(samples) or not 1 <= samples <= MAX_SAMPLES):
        raise ValueError(f"samples must be an integer from 1 to {MAX_SAMPLES}, got {samples!r}")
    if "noise" in row.options and (not _real(noise) or not 0 <= noise < float("inf")):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    if row.classes is None:
        top = row.max_classes or MAX_SAMPLES
        if not _integer(classes) or not 2 <= classes <= top:
            allowed = f"from 2 to {top}" if row.max_classes else ">= 2"
            raise ValueError(f"{name}: classes must be an integer {allowed}, got {classes!r}")
        if samples < classes:
            raise ValueError(f"{name}: samples={samples} is fewer than classes={classes}: each class needs a point")
    elif "samples" in row.options and samples < row.classes:
        raise ValueError(f"{name} needs samples >= {row.classes} (a point of each of its {row.classes} classes), "
                         f"got {samples}")  # fmt: skip


def _check_generated(row: DataSet, X: Any, y: Any, samples: int, noise: float, classes: int,
                     test_fraction: float) -> None:  # fmt: skip
    """What can only be checked on the points themselves: finite, every class present, and a split that works."""
    import numpy as np

    name = row.name
    if not np.isfinite(X).all() or not np.isfinite(y).all():
        raise ValueError(f"{name}: noise={noise} is too large: some points are not finite numbers")
    if classes == REGRESSION:  # real-number targets: no class to be missing; the split is not stratified
        if test_fraction and (math.ceil(test_fraction * len(y)) < 1 or len(y) - math.ceil(test_fraction * len(y)) < 1):
            raise ValueError(f"{name}: test_fraction={test_fraction} of {len(y)} samples leaves no point on one side; "
                             "use more samples or another test_fraction")  # fmt: skip
        return
    counts = np.bincount(y, minlength=classes)
    if counts.min() == 0:
        raise ValueError(
            f"{name}: {samples} samples left some of the {classes} classes without a point; use more samples"
        )
    if test_fraction == 0:
        return
    n, k = len(y), len(counts)
    n_test = math.ceil(test_fraction * n)  # as scikit-learn's train_test_split counts
    n_train = n - n_test
    what = f"{name}: test_fraction={test_fraction} of {n} samples"
    if counts.min() < 2:
        raise ValueError(f"{what}: class {int(counts.argmin())} has a single sample, and a split needs at least 2 of "
                         "each class; use more samples or test_fraction 0")  # fmt: skip
    if n_test < k:
        raise ValueError(f"{what} holds out {n_test}, fewer than the {k} classes: the split is stratified, so the test "
                         "part needs at least one of each; use a larger test_fraction or more samples")  # fmt: skip
    if n_train < k:
        raise ValueError(f"{what} leaves {n_train} for training, fewer than the {k} classes: the training part needs "
                         "at least one of each; use a smaller test_fraction or more samples")  # fmt: skip


def labels_for(loss: str, y: Sequence[int]) -> list:
    """Class indices in the form the loss called ``loss`` expects (its row of ``micrograd.losses.LOSSES``): ±1 for
    'hinge' and 'mse', 0/1 for 'bce', indices for 'ce'."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}: choose one of {', '.join(LOSSES)}")
    return LOSSES[loss].targets(y, max(y, default=0) + 1)


def minibatches(n: int, batch_size: int | None, seed: int) -> Iterator[list[int]]:
    """Endless index batches: the whole set each time when ``batch_size`` is None, else seeded shuffles."""
    if batch_size is None or batch_size >= n:
        while True:
            yield list(range(n))
    rng = random.Random(seed)
    while True:
        order = list(range(n))
        rng.shuffle(order)
        for i in range(0, n - batch_size + 1, batch_size):
            yield order[i : i + batch_size]
