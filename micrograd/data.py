"""Datasets from scikit-learn, as plain Python lists ready for Values, and seeded minibatches.

``load(name, ...)`` gives a :class:`Dataset` with train (and optionally test) splits; labels come as class
indices, and ``labels_for(loss, y)`` turns them into the form each loss expects.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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
    standardised with the training split's mean and spread. The split is stratified.
    """
    import numpy as np
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}")
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")
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
