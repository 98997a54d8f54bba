"""model.save / micrograd.nn.load: round trip, atomic writes, and rejection of bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from micrograd.nn import MLP, load


def test_round_trip_gives_the_same_model(tmp_path: Path) -> None:
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid")
    model.save(tmp_path / "m.json")
    back = load(tmp_path / "m.json")
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert repr(back) == repr(model)
    x = [0.1, -0.2, 0.3]
    assert [v.data for v in back(x)] == [v.data for v in model(x)]
    assert json.loads((tmp_path / "m.json").read_text())["architecture"]["nouts"] == [4, 2]


def test_a_crash_mid_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "m.json"
    MLP(2, [3, 1]).save(path)
    before = path.read_text()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [5, 1]).save(path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]  # no temporary file left behind


def _corrupt(tmp_path: Path, edit) -> Path:
    path = tmp_path / "m.json"
    MLP(2, [3, 1]).save(path)
    state = json.loads(path.read_text())
    edit(state)
    path.write_text(json.dumps(state))
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.update(format="pickle"), "format"),
        (lambda s: s.update(version=9), "version"),
        (lambda s: s["architecture"].update(nouts=[3, "1"]), "nouts"),
        (lambda s: s["architecture"].update(activation="os.system"), "activation"),
        (lambda s: s["layers"][0].pop(), "neuron count"),
        (lambda s: s["layers"][0][0]["w"].append(1.0), "3 weights, expected 2"),
        (lambda s: s["layers"][1][0].update(b="__import__('os')"), "finite numbers"),
        (lambda s: s.pop("layers"), "layers"),
    ],
)
def test_hand_edited_files_are_rejected_with_a_clear_error(tmp_path: Path, edit, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load(_corrupt(tmp_path, edit))


def test_truncated_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    MLP(2, [3, 1]).save(path)
    path.write_text(path.read_text()[:50])
    with pytest.raises(ValueError, match="not JSON"):
        load(path)


def test_a_model_with_nan_weights_is_not_saved(tmp_path: Path) -> None:
    model = MLP(2, [1])
    model.parameters()[0].data = float("nan")
    with pytest.raises(ValueError, match="nan"):
        model.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_loading_leaves_pythons_random_stream_alone(tmp_path) -> None:
    import random

    from micrograd.nn import MLP, load

    random.seed(3)
    model = MLP(2, [3, 1])
    model.save(tmp_path / "m.json")
    state = random.getstate()
    back = load(tmp_path / "m.json")
    assert random.getstate() == state
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]


def test_from_layers_builds_exactly_the_given_weights() -> None:
    import pytest

    from micrograd.nn import MLP

    model = MLP.from_layers([[([1.0, 2.0], 0.5)], [([3.0], -1.0), ([4.0], 0.0)]], "tanh", "sigmoid")
    assert [p.data for p in model.parameters()] == [1.0, 2.0, 0.5, 3.0, -1.0, 4.0, 0.0]
    assert (model.nin, model.nouts, model.activation, model.output_activation) == (2, [1, 2], "tanh", "sigmoid")
    with pytest.raises(ValueError, match="layer 1 neuron 0 has 2 weights, expected 1"):
        MLP.from_layers([[([1.0, 2.0], 0.5)], [([3.0, 1.0], -1.0)]])
