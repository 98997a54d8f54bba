"""The training run behind `micrograd train`: the demo reproduced, and every dataset and loss runs."""

from __future__ import annotations

import itertools
import math

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


def _strict_json(text: str):
    import json

    def refuse(name: str):
        raise AssertionError(f"metrics.json holds {name}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("engine", ["scalar", "compiled", "tensor"])
@pytest.mark.parametrize(
    ("change", "step"),
    [({"lr": 1e300}, 2), ({"momentum": 1e300}, 3), ({"l2": 1e300}, 2), ({"noise": 1e300}, 2)],
)
def test_divergence_is_raised_with_the_step_and_the_run_so_far(engine: str, change: dict, step: int) -> None:
    from micrograd.train import TrainingDiverged

    config = Config(steps=5, hidden=[4], engine=engine, **change)
    message = rf"training diverged at step {step} of 5: the loss became (nan|inf)"
    with pytest.raises(TrainingDiverged, match=message) as info:
        train(config)
    err = info.value
    assert err.step == step and isinstance(err, ArithmeticError)
    result = err.result
    assert result.diverged_at_step == step and result.diverged_because.startswith("the loss became")
    assert len(result.loss) == len(result.accuracy) == step
    assert all(math.isfinite(v) for v in result.loss[:-1]) and not math.isfinite(result.loss[-1])
    assert result.accuracy[-1] is None and result.train_accuracy is None and result.test_accuracy is None


def test_an_overflow_in_the_scalar_engine_is_divergence_too() -> None:
    from micrograd.errors import DomainError
    from micrograd.train import TrainingDiverged

    with pytest.raises(TrainingDiverged, match="diverged at step 2 of 5: a number grew too large for a float") as info:
        train(Config(steps=5, hidden=[4], loss="mse", lr=1e100))
    assert "**2" in info.value.reason  # the DomainError's own words: which op overflowed
    assert math.isnan(info.value.result.loss[-1])
    assert issubclass(DomainError, ArithmeticError)


@pytest.mark.parametrize("engine", ["scalar", "compiled", "tensor"])
def test_an_update_that_overflows_a_weight_stops_at_that_step(engine: str) -> None:
    from micrograd.train import TrainingDiverged

    config = Config(steps=3, hidden=[4], lr=1e308, schedule="constant", l2=10.0, engine=engine)
    with pytest.raises(TrainingDiverged, match="diverged at step 1 of 3: the update made a weight infinite or NaN"):
        train(config)  # step 1's loss is finite (and recorded); its update is not


def test_a_diverged_run_writes_valid_json_and_no_model(tmp_path) -> None:
    from micrograd.train import TrainingDiverged, write_outputs

    with pytest.raises(TrainingDiverged) as info:
        train(Config(steps=4, hidden=[4], lr=1e300))
    written = write_outputs(info.value.result, tmp_path)
    assert written == [tmp_path / "metrics.json", tmp_path / "loss.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png", "metrics.json"]
    metrics = _strict_json((tmp_path / "metrics.json").read_text())
    assert metrics["diverged_at_step"] == 2 and metrics["loss"][1] is None and metrics["accuracy"][1] is None
    assert metrics["diverged_because"] == "the loss became nan"
    assert metrics["train_accuracy"] is None and metrics["config"]["lr"] == 1e300


def test_a_finished_run_records_that_it_did_not_diverge(tmp_path) -> None:
    from micrograd.train import write_outputs

    result = train(Config(steps=3, hidden=[4]))
    write_outputs(result, tmp_path)
    metrics = _strict_json((tmp_path / "metrics.json").read_text())
    assert metrics["diverged_at_step"] is None and metrics["diverged_because"] is None
    assert (tmp_path / "model.json").exists() and len(metrics["loss"]) == 3


def test_a_huge_model_is_refused_before_building_it() -> None:
    from micrograd.data import load
    from micrograd.train import MAX_PARAMETERS, build_model

    with pytest.raises(ValueError, match=r"sizes \[2, 100000000, 1\] has 400,000,001 parameters, more than"):
        build_model(Config(hidden=[100_000_000]), load())
    assert MAX_PARAMETERS == 10_000_000


def test_prepare_output_folder_refuses_what_it_cannot_write_and_never_an_earlier_run(tmp_path) -> None:
    import errno

    from micrograd.train import prepare_output_folder, remove_folders

    created = prepare_output_folder(tmp_path / "a" / "b")
    assert created == [tmp_path / "a", tmp_path / "a" / "b"] and (tmp_path / "a" / "b").is_dir()
    remove_folders(created)
    assert not (tmp_path / "a").exists()
    (tmp_path / "file").write_text("x")
    for out in (tmp_path / "file", tmp_path / "file" / "run"):
        with pytest.raises(NotADirectoryError, match="exists and is not a folder"):
            prepare_output_folder(out)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "model.json").write_text("saved")
    with pytest.raises(FileExistsError, match=r"already holds model\.json from an earlier run") as info:
        prepare_output_folder(tmp_path / "old")
    assert info.value.errno == errno.EEXIST and (tmp_path / "old" / "model.json").read_text() == "saved"
    with pytest.raises(OSError):
        prepare_output_folder(tmp_path.parent / "/proc/micrograd-run")  # read-only for root too


# --- whole-set accuracy at intervals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("steps", [1, 2, 3, 24, 25, 26, 100, 799, 800, 10_000])
def test_evaluation_steps_start_at_0_end_at_the_last_step_and_stay_few(steps: int) -> None:
    from micrograd.train import EVALUATIONS, evaluation_steps

    when = evaluation_steps(steps)
    assert when[0] == 0 and when[-1] == steps and when == sorted(set(when))
    assert len(when) == min(steps, EVALUATIONS) + 1
    gaps = [b - a for a, b in itertools.pairwise(when)]
    assert max(gaps) - min(gaps) <= 1  # even intervals


@pytest.mark.parametrize("engine", ["scalar", "compiled", "tensor"])
def test_the_reported_accuracies_are_the_last_whole_set_measure(engine: str) -> None:
    from micrograd.train import batch_predictor, evaluation_steps, predict_classes

    seen = []
    config = Config(dataset="blobs", steps=30, hidden=[6], test_fraction=0.25, batch_size=8, engine=engine,
                    **{k: v for k, v in DATASET_DEFAULTS["blobs"].items() if k != "steps"})  # fmt: skip
    result = train(config, evaluated=seen.append)
    assert seen == result.checkpoints and [c.step for c in seen] == evaluation_steps(30)
    last = result.checkpoints[-1]
    assert (result.train_accuracy, result.test_accuracy) == (last.train_accuracy, last.test_accuracy)
    # the batched pass predicts what the model itself does, one example at a time
    X, y = result.data.X_test, result.data.y_test
    assert batch_predictor(result.model, "ce")(X).tolist() == predict_classes(result.model, "ce", X)
    assert result.test_accuracy == sum(p == k for p, k in zip(predict_classes(result.model, "ce", X), y)) / len(y)
    assert seen[0].train_accuracy < last.train_accuracy  # it learnt something between the first and last measure


def test_outputs_that_are_not_numbers_give_a_gap_and_at_the_end_divergence(monkeypatch) -> None:
    import micrograd.train
    from micrograd.train import TrainingDiverged

    def no_class(*args):
        raise FloatingPointError("the model's outputs are not all finite numbers")

    monkeypatch.setattr(micrograd.train, "accuracy", no_class)
    with pytest.raises(
        TrainingDiverged, match="diverged at step 3 of 3: the last update made the model's outputs"
    ) as info:
        train(Config(steps=3, hidden=[4]))
    result = info.value.result
    assert [c.step for c in result.checkpoints] == [0, 1, 2]
    assert all(math.isnan(c.train_accuracy) and c.test_accuracy is None for c in result.checkpoints)
    assert len(result.loss) == 3 and result.train_accuracy is None


def test_batch_predictor_refuses_to_read_classes_from_nan() -> None:
    from micrograd.nn import MLP
    from micrograd.train import batch_predictor

    model = MLP(2, [3, 1])
    model.layers[0].neurons[0].b.data = math.inf
    with pytest.raises(FloatingPointError, match="not all finite"):
        batch_predictor(model, "hinge")([[1.0, 2.0]])


def test_metrics_and_pictures_of_a_run(tmp_path, monkeypatch) -> None:
    from micrograd import plots
    from micrograd.train import write_outputs

    calls = {}
    for name in ("loss_curve", "decision_boundary"):
        monkeypatch.setattr(plots, name, lambda *a, name=name, **k: calls.setdefault(name, (a, k)))
    result = train(Config(dataset="blobs", steps=10, hidden=[4], test_fraction=0.2, loss="ce", optimizer="adam",
                          lr=0.05, schedule="constant"))  # fmt: skip
    write_outputs(result, tmp_path)
    metrics = _strict_json((tmp_path / "metrics.json").read_text())
    curve = metrics["accuracy_curve"]
    assert curve["step"] == list(range(11)) and curve["train"][-1] == metrics["train_accuracy"]
    assert curve["test"][-1] == metrics["test_accuracy"] is not None
    _, kwargs = calls["decision_boundary"]
    assert kwargs["batch"] is True and kwargs["n_classes"] == 3 and len(kwargs["X_test"]) == 20
    assert kwargs["title"].startswith("blobs, MLP 2-4-3, 10 steps: train accuracy ")
    _, kwargs = calls["loss_curve"]
    assert kwargs["evaluated"] == result.checkpoints and kwargs["loss_label"] == "loss on the training set"
