"""The training run behind `micrograd train`: the demo reproduced, and every dataset and loss runs."""

from __future__ import annotations

import pytest

from micrograd.train import DATASET_DEFAULTS, Config, train


def test_default_config_reproduces_the_original_demo() -> None:
    result = train(Config())
    assert result.loss[:3] == pytest.approx([0.8958441028683222, 1.7235905336972022, 0.7429006313851131], rel=1e-12)
    assert result.train_accuracy == 1.0 and result.test_accuracy is None
    assert len(result.loss) == 100


@pytest.mark.parametrize(
    ("dataset", "loss", "optimizer"),
    [("moons", "bce", "adam"), ("circles", "mse", "sgd"), ("blobs", "ce", "adam"), ("classification", "ce", "sgd")],
)
def test_each_dataset_and_loss_learns(dataset: str, loss: str, optimizer: str) -> None:
    values = {**DATASET_DEFAULTS.get(dataset, {}), "loss": loss, "optimizer": optimizer}
    values.update(steps=60, test_fraction=0.25, samples=80, hidden=[8])
    if optimizer == "sgd":
        values.update(lr=0.2, schedule="constant", momentum=0.5)
    else:
        values.update(lr=0.05, schedule="constant")
    result = train(Config(dataset=dataset, **values))
    assert result.loss[-1] < result.loss[0]
    assert result.train_accuracy > 0.75 and result.test_accuracy is not None


def test_minibatches_and_sigmoid_activation() -> None:
    result = train(
        Config(steps=30, batch_size=16, activation="sigmoid", optimizer="adam", lr=0.05, schedule="constant")
    )
    assert len(result.loss) == 30 and result.loss[-1] < result.loss[0]


def test_digits_reaches_95_percent_on_held_out_images() -> None:
    result = train(Config(dataset="digits", **DATASET_DEFAULTS["digits"]))
    assert len(result.data.X_test) == 360
    assert result.test_accuracy is not None and result.test_accuracy >= 0.95
