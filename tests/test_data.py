"""Datasets: seeded, split, scaled, labelled per loss; minibatches seeded."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_moons

from micrograd import data


def test_moons_default_is_the_original_demo_data() -> None:
    np.random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    d = data.load()
    assert d.X_train == X.tolist() and d.y_train == y.tolist() and d.X_test == []


@pytest.mark.parametrize("name", data.DATASETS)
def test_every_dataset_loads_seeded_and_split(name: str) -> None:
    a = data.load(name, samples=60, test_fraction=0.25, seed=3)
    b = data.load(name, samples=60, test_fraction=0.25, seed=3)
    assert a == b
    total = 1797 if name == "digits" else 60
    assert len(a.X_train) + len(a.X_test) == total and len(a.X_test) == pytest.approx(total * 0.25, abs=1)
    if data.DATASETS[name].classes == data.REGRESSION:  # real-number targets
        assert a.n_classes == 0 and a.regression and all(type(v) is float for v in a.y_train + a.y_test)
        return
    assert a.n_classes == (10 if name == "digits" else 3 if name in ("blobs", "classification") else 2)
    assert set(a.y_test) <= set(range(a.n_classes))


def test_digits_are_scaled_to_unit_range_and_blobs_standardised() -> None:
    d = data.load("digits")
    flat = [v for row in d.X_train for v in row]
    assert len(d.X_train) == 1797 and d.n_features == 64 and min(flat) == 0.0 and max(flat) == 1.0
    b = np.array(data.load("blobs", samples=200).X_train)
    assert np.allclose(b.mean(axis=0), 0, atol=1e-9) and np.allclose(b.std(axis=0), 1, atol=1e-6)


def test_labels_per_loss() -> None:
    y = [0, 1, 1]
    assert data.labels_for("hinge", y) == [-1, 1, 1]
    assert data.labels_for("bce", y) == [0.0, 1.0, 1.0]
    assert data.labels_for("ce", [2, 0]) == [2, 0]


def test_minibatches_are_seeded_and_cover_each_epoch() -> None:
    a, b = data.minibatches(10, 3, seed=1), data.minibatches(10, 3, seed=1)
    first = [next(a) for _ in range(3)]
    assert first == [next(b) for _ in range(3)]
    assert len({i for batch in first for i in batch}) == 9
    assert next(data.minibatches(5, None, seed=0)) == [0, 1, 2, 3, 4]


def test_bad_dataset_and_fraction_are_named() -> None:
    with pytest.raises(ValueError, match="'mnist'"):
        data.load("mnist")
    with pytest.raises(ValueError, match="test_fraction"):
        data.load(test_fraction=1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "blobs", "classes": 1}, r"blobs: classes must be an integer >= 2, got 1"),
        ({"name": "classification", "classes": 5}, r"classification: classes must be an integer from 2 to 4, got 5"),
        ({"name": "blobs", "samples": 2, "classes": 3}, r"samples=2 is fewer than classes=3"),
        ({"samples": 10, "test_fraction": 0.05}, r"moons: test_fraction=0.05 of 10 samples holds out 1, fewer than"),
        ({"test_fraction": 0.99}, r"test_fraction=0.99 of 100 samples leaves 1 for training, fewer than the 2"),
        ({"name": "digits", "test_fraction": 0.999}, r"0.999 of 1797 samples leaves 1 for training, fewer than the 10"),
        ({"name": "blobs", "samples": 3, "test_fraction": 0.5}, r"class 0 has a single sample"),
        ({"samples": 1}, r"moons needs samples >= 2"),
        ({"samples": 0}, r"samples must be an integer from 1 to 1000000, got 0"),
        ({"samples": True}, r"samples must be an integer from 1 to 1000000, got True"),
        ({"samples": 10**12}, r"samples must be an integer from 1 to 1000000"),
        ({"noise": float("nan")}, r"noise must be a finite number >= 0, got nan"),
        ({"noise": -1.0}, r"noise must be a finite number >= 0"),
        ({"noise": 1e308}, r"moons: noise=1e\+308 is too large: some points are not finite numbers"),
        ({"seed": -1}, r"seed must be an integer from 0 to 2\*\*32 - 1, got -1"),
        ({"seed": 2**32}, r"seed must be an integer"),
        ({"test_fraction": float("nan")}, r"test_fraction must be in \[0, 1\), got nan"),
    ],
)
def test_bad_arguments_are_value_errors_naming_them(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        data.load(**kwargs)


def test_the_smallest_splits_that_work_do_work() -> None:
    d = data.load("moons", samples=10, test_fraction=0.2)  # 2 held out: one of each class
    assert len(d.X_test) == 2 and sorted(d.y_test) == [0, 1]
    d = data.load("digits", test_fraction=0.99)  # 18 left to train on: at least one of each of the 10 digits
    assert len(d.X_train) == 17 and set(d.y_train) == set(range(10))
    d = data.load("blobs", samples=2, classes=2)
    assert d.n_classes == 2 and sorted(d.y_train) == [0, 1]
