"""The playground's 2-D data sets: scikit-learn's generators, plus XOR and a spiral, all seeded and scaled alike."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_blobs, make_circles, make_moons

#: name -> number of classes
DATASETS = {"moons": 2, "circles": 2, "xor": 2, "spiral": 2, "gaussian": 2, "blobs3": 3, "blobs4": 4}


def make(name: str, samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``samples`` points (about unit scale) and their integer classes."""
    rng = np.random.default_rng(seed)
    if name == "moons":
        X, y = make_moons(n_samples=samples, noise=noise, random_state=seed)
        X = (X - [0.5, 0.25]) / [1.0, 0.5]
    elif name == "circles":
        X, y = make_circles(n_samples=samples, noise=noise, factor=0.5, random_state=seed)
    elif name == "xor":
        X = rng.uniform(-1, 1, size=(samples, 2))
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
        X = X + rng.normal(scale=noise, size=X.shape)
    elif name == "spiral":
        k = np.arange(samples) % 2
        t = rng.uniform(0.25, 1.0, size=samples)
        angle = 3.5 * np.pi * t + np.pi * k
        X = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) + rng.normal(scale=noise * 0.5, size=(samples, 2))
        y = k
    elif name in ("gaussian", "blobs3", "blobs4"):
        classes = DATASETS[name]
        X, y = make_blobs(n_samples=samples, centers=classes, cluster_std=0.6 + 3 * noise, random_state=seed)
        X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-12)
    else:
        raise ValueError(f"unknown data set {name!r}: choose one of {', '.join(DATASETS)}")
    return np.asarray(X, dtype=float), np.asarray(y, dtype=int)
