"""Datasets from scikit-learn, as plain Python lists ready for Values, and seeded minibatches.

``load(name, ...)`` gives a :class:`Dataset` with train (and optionally test) splits; labels come as class
indices, and ``labels_for(loss, y)`` turns them into the form each loss expects.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

DATASETS = ("moons", "circles", "blobs", "classification", "digits")


@dataclass
class Dataset:
    name: str
    X_train: list[list[float]]
    y_train: list[int]  # class indices 0 .. n_classes-1
    X_test: list[list[float]]
    y_test: list[int]
    n_classes: int

    @property
    def n_features(self) -> int:
        return len(self.X_train[0])


def load(
    name: str = "moons",
    samples: int = 100,
    noise: float = 0.1,
    seed: int = 1337,
    test_fraction: float = 0.0,
    classes: int = 3,
) -> Dataset:
    """Make (or, for 'digits', load the bundled) data set ``name``, seeded, optionally split and scaled.

    'moons' with the defaults is the original demo's data. 'digits' is scikit-learn's 1797 8x8 images
    (10 classes, pixels 0..16 scaled to 0..1; ``samples`` is ignored). 'blobs' and 'classification' are
    standardised with the training split's mean and spread. The split is stratified. A bad argument (including
    a split that cannot hold every class on both sides) is a ValueError naming it, before anything is generated.
    """
    import numpy as np
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    _check_arguments(name, samples, noise, seed, test_fraction, classes)
    rng = np.random.RandomState(seed)  # the same stream as np.random.seed(seed), as the demo used
    if name == "moons":
        X, y = datasets.make_moons(n_samples=samples, noise=noise, random_state=rng)
    elif name == "circles":
        X, y = datasets.make_circles(n_samples=samples, noise=noise, factor=0.5, random_state=rng)
    elif name == "blobs":
        X, y = datasets.make_blobs(n_samples=samples, centers=classes, random_state=rng)
    elif name == "classification":
        X, y = datasets.make_classification(
            n_samples=samples, n_features=4, n_informative=3, n_redundant=0, n_classes=classes, random_state=rng
        )
    else:
        X, y = datasets.load_digits(return_X_y=True)
        X = X / 16.0
    _check_generated(name, X, y, samples, noise, classes, test_fraction)
    if test_fraction > 0:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=test_fraction, random_state=seed, stratify=y
        )
    else:
        X_train, X_test, y_train, y_test = X, X[:0], y, y[:0]
    if name in ("blobs", "classification"):
        mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-12
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    return Dataset(
        name=name,
        X_train=X_train.tolist(),
        y_train=[int(v) for v in y_train],
        X_test=X_test.tolist(),
        y_test=[int(v) for v in y_test],
        n_classes=int(y.max()) + 1,
    )


#: The most points ``load`` generates (the scalar engine takes minutes per step long before this).
MAX_SAMPLES = 1_000_000
#: ``make_classification`` here has 3 informative features and 2 clusters per class: at most 2**3 / 2 classes.
MAX_CLASSIFICATION_CLASSES = 4


def _integer(x: object) -> bool:
    """An integer (Python's or NumPy's), not a bool."""
    return hasattr(type(x), "__index__") and not isinstance(x, bool)


def _real(x: object) -> bool:
    """A real number (an integer or a float), not a bool."""
    return (_integer(x) or isinstance(x, float) or type(x).__name__.startswith("float")) and not isinstance(x, bool)


def _check_arguments(name: str, samples: int, noise: float, seed: int, test_fraction: float, classes: int) -> None:
    """Every argument of ``load``, checked before anything is generated; a ValueError names the bad one."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}")
    if not _real(test_fraction) or not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction!r}")
    if not _integer(seed) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer from 0 to 2**32 - 1, got {seed!r}")
    if name == "digits":
        return  # the bundled images: samples, noise and classes do not apply
    if not _integer(samples) or not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be an integer from 1 to {MAX_SAMPLES}, got {samples!r}")
    if name in ("moons", "circles"):
        if not _real(noise) or not 0 <= noise < float("inf"):
            raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
        if samples < 2:
            raise ValueError(f"{name} needs samples >= 2 (a point of each of its 2 classes), got {samples}")
        return
    top = MAX_CLASSIFICATION_CLASSES if name == "classification" else MAX_SAMPLES
    if not _integer(classes) or not 2 <= classes <= top:
        allowed = f"from 2 to {top}" if name == "classification" else ">= 2"
        raise ValueError(f"{name}: classes must be an integer {allowed}, got {classes!r}")
    if samples < classes:
        raise ValueError(f"{name}: samples={samples} is fewer than classes={classes}: each class needs a point")


def _check_generated(name: str, X: Any, y: Any, samples: int, noise: float, classes: int, test_fraction: float) -> None:
    """What can only be checked on the points themselves: finite, every class present, and a split that works."""
    import numpy as np

    if not np.isfinite(X).all():
        raise ValueError(f"{name}: noise={noise} is too large: some points are not finite numbers")
    counts = np.bincount(y)
    if name in ("blobs", "classification") and (len(counts) < classes or counts.min() == 0):
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
    """Class indices in the form a loss expects: ±1 for 'hinge' and 'mse', 0/1 for 'bce', indices for 'ce'."""
    if loss in ("hinge", "mse"):
        return [2 * k - 1 for k in y]
    if loss == "bce":
        return [float(k) for k in y]
    return list(y)


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
