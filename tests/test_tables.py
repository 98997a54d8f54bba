"""One table per concept: every loss, activation, data set and engine is read from its table by the command line,
training and the playground, so a row added to a table is offered everywhere, with no other edit."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd import activations, data, losses
from micrograd.activations import ACTIVATIONS, Activation
from micrograd.cli import _subparsers, build_parser
from micrograd.data import DATASETS, DataSet
from micrograd.losses import LOSSES, Loss
from micrograd.playground import messages as msg
from micrograd.playground.session import Session
from micrograd.tensor import Tensor
from micrograd.tensor import functional as F
from micrograd.train import Config, Run, train
from micrograd.training.engines import ENGINES


def _choices(option: str) -> list[str]:
    parser = _subparsers(build_parser())["train"]
    (action,) = [a for a in parser._actions if a.dest == option]
    return list(action.choices)


def _small(loss: str, engine: str, **more) -> Config:
    dataset = "plane" if LOSSES[loss].regression else "blobs" if LOSSES[loss].multiclass else "moons"
    return Config(dataset=dataset, samples=40, hidden=[4], loss=loss, engine=engine, steps=5, lr=0.05, **more)


@pytest.mark.parametrize("loss", list(LOSSES))
def test_every_loss_trains_on_every_engine_to_the_scalar_engines_numbers(loss: str) -> None:
    runs = {engine: train(_small(loss, engine)) for engine in ENGINES}
    scalar = runs["scalar"]
    for engine, result in runs.items():
        assert result.loss == pytest.approx(scalar.loss, rel=1e-9), engine
        assert result.accuracy == scalar.accuracy and result.checkpoints == scalar.checkpoints, engine


@pytest.mark.parametrize("name", [name for name, loss in LOSSES.items() if loss.tensor is None])
def test_a_loss_without_a_tensor_rule_gets_the_functional_modules_numbers_to_the_last_bit(name: str) -> None:
    rng = np.random.default_rng(0)
    scores, y = Tensor(rng.normal(size=(7, 1))), [int(k) for k in rng.integers(0, 2, size=7)]
    if LOSSES[name].regression:  # real-number targets
        y = rng.normal(size=7).tolist()
    targets = np.asarray(LOSSES[name].targets(y, 2), dtype=float)
    functional = {"hinge": F.hinge, "mse": F.mse, "bce": F.bce_with_logits, "regression": F.mse}[name]
    assert LOSSES[name].on_tensors(scores, y).item() == functional(scores.reshape(-1), targets).item()


def test_every_row_is_offered_by_the_command_line_and_the_playground() -> None:
    assert _choices("dataset") == list(DATASETS) and _choices("loss") == list(LOSSES)
    assert _choices("engine") == list(ENGINES) and set(_choices("activation")) == set(ACTIVATIONS)
    offered = msg.choices()["choices"]
    assert [name for name, _ in offered["dataset"]] == [n for n, d in DATASETS.items() if d.features == 2]
    assert [name for name, _ in offered["loss"]] == list(LOSSES)
    assert [name for name, _ in offered["activation"]] == list(ACTIVATIONS)


def test_the_page_has_no_choices_of_its_own() -> None:
    from micrograd.playground.app import STATIC

    page = (STATIC / "index.html").read_text()
    for field in ("dataset", "loss", "activation", "optimizer"):
        assert f'<select id="{field}"></select>' in page  # filled from the server's "choices" message


@pytest.mark.parametrize(
    ("field", "value"), [("loss", "focal"), ("dataset", "mnist"), ("activation", "gelu"), ("optimizer", "lbfgs")]
)
def test_a_config_naming_an_unknown_row_is_refused_naming_the_field(field: str, value: str) -> None:
    with pytest.raises(msg.BadMessage, match=f"^{field} must be one of .*, got '{value}'"):
        msg.config({field: value})


def test_a_config_is_checked_as_a_whole_and_a_split_that_cannot_work_changes_nothing() -> None:
    with pytest.raises(msg.BadMessage, match="loss 'mse' is for 2 classes; blobs has 4"):
        msg.config({"dataset": "blobs", "classes": 4, "loss": "mse"})
    session = Session()
    before = session.model.to_state()
    bad = msg.check({"type": "config", "config": {"samples": 10, "test_fraction": 0.9}})
    with pytest.raises(msg.BadMessage, match="leaves 1 for training, fewer than the 2 classes"):
        session.handle(bad)
    assert session.model.to_state() == before and session.config == msg.DEFAULT_CONFIG


def test_a_link_made_before_the_rename_still_reads_test_ratio() -> None:
    assert msg.config({"test_ratio": 0.5})["test_fraction"] == 0.5


def test_adding_a_loss_is_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """A squared hinge, as one row: the command line and the page offer it, and every engine trains with it."""
    row = Loss("sqhinge", "squared hinge", lambda s, y: (1 + -y * s).relu() ** 2, losses.signs)
    monkeypatch.setitem(LOSSES, "sqhinge", row)
    assert "sqhinge" in _choices("loss") and ["sqhinge", "squared hinge"] in msg.choices()["choices"]["loss"]
    assert msg.config({"loss": "sqhinge"})["loss"] == "sqhinge"
    runs = [train(_small("sqhinge", engine)).loss for engine in ENGINES]
    assert runs[1] == pytest.approx(runs[0], rel=1e-12) and runs[2] == pytest.approx(runs[0], rel=1e-9)


def test_adding_an_activation_is_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """softplus (an op that Value and Tensor already have) as a hidden activation: one row."""
    monkeypatch.setitem(ACTIVATIONS, "softplus", Activation("softplus", "softplus", "Softplus", "Softplus", "Softplus"))
    assert "softplus" in _choices("activation") and "softplus" in activations.nonlinear()
    assert "softplus" in msg.choice_names()["activation"]
    runs = [train(_small("hinge", engine, activation="softplus")) for engine in ENGINES]
    assert runs[2].loss == pytest.approx(runs[0].loss, rel=1e-9)
    assert repr(runs[0].model.layers[0].neurons[0]) == "SoftplusNeuron(2)"
    torch = pytest.importorskip("torch")
    from micrograd.interop import to_torch

    x = [[0.3, -0.7]]
    ours = runs[0].model(x[0])
    theirs = to_torch(runs[0].model)(torch.tensor(x, dtype=torch.float64))
    assert theirs.item() == pytest.approx(ours.data, rel=1e-12)


def test_adding_a_data_set_is_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ring around a disc, as one row: loaded, offered by the command line and the page, trained on."""

    def ring(samples: int, noise: float, classes: int, seed: int):
        rng = np.random.default_rng(seed)
        y = np.arange(samples) % 2
        angle = rng.uniform(0, 2 * np.pi, size=samples)
        radius = 0.5 + y + rng.normal(scale=noise, size=samples)
        return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1), y

    monkeypatch.setitem(DATASETS, "ring", DataSet("ring", "ring", ring, ("samples", "noise")))
    assert "ring" in _choices("dataset") and ["ring", "ring"] in msg.choices()["choices"]["dataset"]
    d = data.load("ring", samples=30, test_fraction=0.2)
    assert (len(d.X_train), len(d.X_test), d.n_classes) == (24, 6, 2)
    assert train(Config(dataset="ring", samples=30, hidden=[4], steps=3)).loss[-1] > 0


def test_the_command_line_reads_which_options_apply_from_the_data_set_rows(monkeypatch, tmp_path, capsys) -> None:
    from micrograd.cli import main

    monkeypatch.setitem(DATASETS, "dots", DataSet("dots", "dots", DATASETS["xor"].make, ("samples",)))
    assert main(["train", "--dataset", "dots", "--samples", "20", "--steps", "1", "--hidden", "2", "--quiet",
                 "--out", str(tmp_path / "run")]) == 0  # fmt: skip
    with pytest.raises(SystemExit):
        main(["train", "--dataset", "dots", "--noise", "0.2", "--out", str(tmp_path / "other")])
    assert "--noise does not apply to --dataset dots (only to moons, circles, xor, spiral, gaussian, plane" in (
        capsys.readouterr().err
    )


def test_an_engine_is_a_value_a_run_can_be_given() -> None:
    """A run takes any engine value: one that counts its batches, built on the scalar one."""
    calls = []
    scalar = ENGINES["scalar"]

    class Counting(type(scalar)):
        def batch_loss(self, model, loss, l2):
            inner = super().batch_loss(model, loss, l2)
            return lambda X, y: calls.append(len(X)) or inner(X, y)

    run = Run(Config(samples=20, hidden=[3], steps=2), engine=Counting())
    result = train(run)
    assert calls == [20, 20] and result.loss == train(Config(samples=20, hidden=[3], steps=2)).loss


def test_the_command_line_makes_the_data_and_the_model_once(monkeypatch, tmp_path) -> None:
    import micrograd.train
    from micrograd.cli import main

    loads, builds = [], []
    real_load, real_build = micrograd.train.load, micrograd.train.build_model
    monkeypatch.setattr(micrograd.train, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    monkeypatch.setattr(micrograd.train, "build_model", lambda *a, **k: builds.append(a) or real_build(*a, **k))
    assert main(["train", "--steps", "1", "--hidden", "2", "--quiet", "--out", str(tmp_path / "run")]) == 0
    assert len(loads) == 1 and len(builds) == 1
