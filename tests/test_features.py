"""Issue 18's "what TensorFlow Playground has": input features (micrograd.features), L1 beside L2 (the table
micrograd.losses.PENALTIES) and regression data sets with a regression loss, through every engine, the command
line and the files a run saves."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from micrograd import data, features, losses, nn
from micrograd.features import FEATURES
from micrograd.losses import LOSSES, PENALTIES
from micrograd.tensor import nn as tnn
from micrograd.train import DATASET_DEFAULTS, Config, Run, train
from micrograd.training.engines import ENGINES
from micrograd.training.evaluate import data_loss
from tests.oracle import close

coordinates = st.floats(min_value=-8, max_value=8, allow_nan=False)


# ------------------------------------------------------------------------------------------------ features
@given(st.lists(st.tuples(coordinates, coordinates), min_size=1, max_size=6))
def test_each_feature_gives_the_same_numbers_on_a_pair_and_on_an_array(points) -> None:
    X = np.array(points, dtype=float)
    for name, row in FEATURES.items():
        on_array = row.of_array(X)
        assert on_array.shape == (len(points),), name
        assert [row.of_pair(a, b) for a, b in points] == pytest.approx(on_array.tolist(), rel=1e-15, abs=0), name


def test_the_features_are_tensorflow_playgrounds_and_mean_what_they_say() -> None:
    x1, x2 = 0.7, -1.3
    expected = {"x1": x1, "x2": x2, "x1^2": x1 * x1, "x2^2": x2 * x2, "x1*x2": x1 * x2, "sin(x1)": math.sin(x1),
                "sin(x2)": math.sin(x2)}  # fmt: skip
    assert {name: row.of_pair(x1, x2) for name, row in FEATURES.items()} == expected
    chosen = ["sin(x2)", "x1"]  # in the order chosen, not the table's
    assert features.of_points(chosen, [[x1, x2]]) == [[math.sin(x2), x1]]
    assert features.of_array(chosen, np.array([[x1, x2]])).tolist() == [[math.sin(x2), x1]]
    X = [[1.0, 2.0]]
    assert features.of_points(["x1", "x2"], X) is X  # the default: nothing computed


@pytest.mark.parametrize(
    ("given_", "match"),
    [
        (["x1", "x3"], "unknown feature 'x3' in features: choose from x1, x2, x1\\^2, x2\\^2, x1\\*x2, sin"),
        ([], "features must be a non-empty list"),
        ("x1", "features must be a non-empty list"),
        (["x2", "x2"], "feature 'x2' is given twice"),
        ([10**5000], "unknown feature a int"),  # too long to print: named by its type
    ],
)
def test_a_bad_feature_list_is_refused_naming_the_bad_one(given_, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        features.check(given_)
    with pytest.raises(ValueError, match=match):
        Run(Config(features=given_, samples=20, hidden=[2]))


def test_features_are_for_2d_data_only() -> None:
    with pytest.raises(ValueError, match="features apply to 2-D data only; digits has 64 inputs"):
        Run(Config(dataset="digits", features=["x1", "x1^2"]))


@pytest.mark.parametrize("chosen", [["x1^2", "x2^2"], list(FEATURES)])
def test_a_run_on_features_gets_the_same_numbers_on_every_engine(chosen: list[str]) -> None:
    runs = {e: train(Config(dataset="circles", samples=40, hidden=[5], steps=6, lr=0.1, features=chosen, engine=e))
            for e in ENGINES}  # fmt: skip
    assert runs["scalar"].model.nin == len(chosen)
    for engine, result in runs.items():
        assert result.loss == pytest.approx(runs["scalar"].loss, rel=1e-9), engine
        assert result.checkpoints == runs["scalar"].checkpoints, engine


def test_a_network_is_given_exactly_the_features_of_each_point() -> None:
    config = Config(samples=20, hidden=[3], steps=1, features=["x1*x2", "sin(x1)"])
    run = Run(config)
    seen = []
    inner = run.batch_loss
    run.batch_loss = lambda X, y: seen.append(X) or inner(X, y)
    run.step()
    assert seen[0] == [[a * b, math.sin(a)] for a, b in run.data.X_train]


def test_circles_are_learnt_by_one_linear_layer_given_the_squares() -> None:
    """What features are for: x1^2 + x2^2 separates circles, so a model without a hidden layer learns them."""
    config = Config(dataset="circles", samples=100, hidden=[], steps=200, lr=0.5, schedule="constant", l2=0.0,
                    features=["x1^2", "x2^2"], engine="tensor")  # fmt: skip
    assert train(config).train_accuracy > 0.95
    assert train(Config(**{**config.__dict__, "features": ["x1", "x2"]})).train_accuracy < 0.8


def test_a_saved_model_names_its_features_and_an_old_file_means_x1_x2(tmp_path) -> None:
    random.seed(0)
    model = nn.MLP(3, [4, 1])
    features.save_model(model, tmp_path / "f.json", ["x1", "x2", "x1*x2"])
    state = json.loads((tmp_path / "f.json").read_text())
    assert state["features"] == ["x1", "x2", "x1*x2"] and features.of_model_state(state) == ["x1", "x2", "x1*x2"]
    assert nn.load(tmp_path / "f.json").to_state() == model.to_state()  # still a model file nn.load reads
    features.save_model(tnn.MLP.from_scalar(model), tmp_path / "t.json", ["x1", "x2", "x1*x2"])  # either engine's
    assert json.loads((tmp_path / "t.json").read_text())["features"] == ["x1", "x2", "x1*x2"]
    features.save_model(nn.MLP(2, [1]), tmp_path / "old.json", ["x1", "x2"])
    old = json.loads((tmp_path / "old.json").read_text())
    assert "features" not in old and features.of_model_state(old) == ["x1", "x2"]
    with pytest.raises(ValueError, match="unknown feature 'cos' in the model's features"):
        features.of_model_state({**state, "features": ["cos"]})


def test_the_command_line_trains_on_features_and_saves_them(tmp_path, capsys) -> None:
    from micrograd.cli import main

    out = tmp_path / "run"
    assert main(["train", "--features", "x1,x2,x1^2,sin(x2)", "--steps", "2", "--hidden", "3", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    assert "MLP(4 -> 3 -> 1" in capsys.readouterr().out
    assert json.loads((out / "model.json").read_text())["features"] == ["x1", "x2", "x1^2", "sin(x2)"]
    assert json.loads((out / "metrics.json").read_text())["config"]["features"] == ["x1", "x2", "x1^2", "sin(x2)"]
    assert (out / "decision_boundary.png").exists()  # drawn over the plane, each grid point through the features
    with pytest.raises(SystemExit):
        main(["train", "--features", "x1,cos(x1)", "--out", str(tmp_path / "bad")])
    assert "--features: unknown feature 'cos(x1)' in the list: choose from x1, x2" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ L1 and L2
def test_the_penalties_are_one_table_and_a_bare_number_is_l2() -> None:
    assert list(PENALTIES) == ["l1", "l2"] and all(hasattr(Config(), name) for name in PENALTIES)
    ps = [nn.Value(v) for v in (0.5, -2.0, 0.0)]
    assert losses.penalty(ps, {"l1": 0.0, "l2": 0.0}) is None
    assert losses.penalty(ps, {"l1": 0.1}).data == pytest.approx(0.1 * 2.5, rel=1e-15)
    assert losses.penalty(ps, 0.5).data == losses.l2(ps, 0.5).data == 0.5 * (0.25 + 4.0)
    with pytest.raises(ValueError, match="unknown penalty 'l3': choose one of l1, l2"):
        losses.penalty(ps, {"l3": 1.0})
    with pytest.raises(ValueError, match=r"l1 \(the L1 .*\) must be a finite number >= 0, got -1"):
        Run(Config(l1=-1, samples=20, hidden=[2]))


@given(st.lists(st.floats(-3, 3, allow_nan=False) | st.just(0.0), min_size=1, max_size=6),
       st.floats(0, 1), st.floats(0, 1))  # fmt: skip
def test_l1_and_l2_match_pytorch_value_and_gradient_with_sign_0_at_0(ws, a1, a2) -> None:
    ours = [nn.Value(w) for w in ws]
    total = losses.penalty(ours, {"l1": a1, "l2": a2}) or nn.Value(0.0)
    total.backward()
    t = torch.tensor(ws, dtype=torch.float64, requires_grad=True)
    theirs = a1 * t.abs().sum() + a2 * (t * t).sum()
    theirs.backward()
    assert close(total.data, theirs.item())
    for v, g in zip(ours, t.grad.tolist()):
        assert close(v.grad, g)  # torch's abs has grad sign(w): 0 at w == 0, as ours


def _batch(engine: str, model: nn.MLP, strengths: dict) -> tuple[float, list[float]]:
    """One batch loss and its parameter gradients on ``engine`` (the scalar model copied for the tensor engine)."""
    X, y = [[0.3, -0.2], [-1.0, 0.5], [0.7, 0.9]], [0, 1, 1]
    if engine != "tensor":
        total, _ = ENGINES[engine].batch_loss(model, LOSSES["hinge"], strengths)(X, y)
        total.backward()
        return total.data, [p.grad for p in model.parameters()]
    m = tnn.MLP.from_scalar(model)  # its parameters per layer: w (in, out), then b; as the scalar order per neuron:
    total, _ = ENGINES[engine].batch_loss(m, LOSSES["hinge"], strengths)(X, y)
    total.backward()
    grads = []
    for w, b in zip(m.parameters()[::2], m.parameters()[1::2]):
        for j in range(w.shape[1]):
            grads += [*np.asarray(w.grad)[:, j].tolist(), float(np.asarray(b.grad)[j])]
    return total.item(), grads


@pytest.mark.parametrize("engine", list(ENGINES))
def test_every_engine_applies_l1_with_pytorchs_numbers(engine: str) -> None:
    random.seed(5)
    model = nn.MLP(2, [3, 1])
    model.layers[0].neurons[0].w[0].data = 0.0  # sign(0) = 0: this weight gets no L1 gradient
    loss, grads = _batch(engine, model, {"l1": 0.01, "l2": 0.001})
    torch_model = __import__("micrograd.interop", fromlist=["to_torch"]).to_torch(model)
    X = torch.tensor([[0.3, -0.2], [-1.0, 0.5], [0.7, 0.9]], dtype=torch.float64)
    y = torch.tensor([-1.0, 1.0, 1.0], dtype=torch.float64)
    params = list(torch_model.parameters())
    data_part = torch.clamp(1 - y * torch_model(X).reshape(-1), min=0).mean()
    theirs = data_part + 0.01 * sum(p.abs().sum() for p in params) + 0.001 * sum((p * p).sum() for p in params)
    theirs.backward()
    assert close(loss, theirs.item(), rel=1e-12)
    # the scalar model's parameter order: per neuron its weights then its bias; torch: per layer W (out, in), b
    expected = []
    for layer in range(0, len(params), 2):
        W, b = params[layer].grad, params[layer + 1].grad
        for j in range(W.shape[0]):
            expected += [*W[j].tolist(), b[j].item()]
    assert grads == pytest.approx(expected, rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_run_with_l1_gets_the_scalar_engines_numbers_on_every_engine(engine: str) -> None:
    # 31 points, not 30: with 15 of each class the output bias's first gradient is 0 in exact arithmetic, so it lands
    # on 0 or one rounding error either side of it depending on the order of the sums, and L1's sign(b) there
    # differs between engines (each is right to rounding; L1 has a kink at 0)
    base = train(Config(samples=31, hidden=[4], steps=5, l1=0.01, l2=0.0))
    ours = train(Config(samples=31, hidden=[4], steps=5, l1=0.01, l2=0.0, engine=engine))
    assert ours.loss == pytest.approx(base.loss, rel=1e-9)
    assert base.loss != train(Config(samples=31, hidden=[4], steps=5, l2=0.0)).loss  # L1 did something


# ------------------------------------------------------------------------------------------------ regression
@pytest.mark.parametrize("name", ["plane", "multi-gaussian"])
def test_a_regression_data_set_trains_to_a_low_test_loss_on_every_engine(name: str) -> None:
    config = {**DATASET_DEFAULTS[name], "dataset": name, "samples": 60, "hidden": [8, 8], "steps": 60}
    runs = {e: train(Config(**{**config, "engine": e})) for e in ENGINES}
    base = runs["scalar"]
    for engine, result in runs.items():
        assert result.loss == pytest.approx(base.loss, rel=1e-9), engine
    assert base.loss[-1] < base.loss[0] / 4
    assert base.train_accuracy != base.train_accuracy and base.test_accuracy is None  # NaN, None: no accuracy
    test = data_loss(base.model, "regression", base.data.X_test, base.data.y_test)
    targets = np.array(base.data.y_test)
    assert test < np.mean((targets - targets.mean()) ** 2)  # better than guessing the mean


def test_the_regression_targets_are_real_numbers_that_the_loss_takes_as_they_are() -> None:
    d = data.load("plane", samples=50, noise=0.0, seed=2)
    assert d.regression and d.n_classes == 0
    assert d.y_train == pytest.approx([(a + b) / 2 for a, b in d.X_train], rel=1e-12)
    assert LOSSES["regression"].targets(d.y_train, 0) == d.y_train and LOSSES["regression"].outputs(0) == 1


@pytest.mark.parametrize(
    ("dataset", "loss", "match"),
    [
        ("plane", "hinge", "loss 'hinge' is for classes; plane has real-number targets \\(regression\\): use --loss "
         "regression"),
        ("moons", "regression", "loss 'regression' is for real-number targets \\(regression\\); moons has 2 classes: "
         "use --loss hinge, mse, bce, ce"),
        ("multi-gaussian", "ce", "loss 'ce' is for classes; multi-gaussian has real-number targets"),
    ],
)  # fmt: skip
def test_a_loss_of_the_other_kind_is_refused_saying_which_fit(dataset: str, loss: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Run(Config(dataset=dataset, loss=loss, samples=20))


def test_the_command_line_reports_a_regression_runs_losses(tmp_path, capsys) -> None:
    from micrograd.cli import main

    out = tmp_path / "run"
    assert main(["train", "--dataset", "plane", "--steps", "20", "--hidden", "4", "--quiet", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "train loss" in said and "test loss" in said and "accuracy" not in said
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["loss"] == "regression" and metrics["train_loss"] > 0 and metrics["test_loss"] > 0
    assert metrics["train_accuracy"] is None  # NaN in the run: null in JSON, never a made-up accuracy
    assert not (out / "decision_boundary.png").exists()  # no classes, no boundary
    with pytest.raises(SystemExit):
        main(["train", "--dataset", "plane", "--loss", "hinge", "--out", str(tmp_path / "bad")])
    assert "loss 'hinge' is for classes; plane has real-number targets" in capsys.readouterr().err
