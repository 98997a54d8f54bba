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


def _state() -> dict:
    return MLP(2, [3, 1]).to_state()


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "m.json"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def _with_integer_bias(digits: int) -> str:
    """A saved model's text whose first bias is written as an integer of ``digits`` digits."""
    state = _state()
    state["layers"][0][0]["b"] = "BIAS"
    text = json.dumps(state).replace('"BIAS"', "1" + "0" * (digits - 1))
    assert ": 1" + "0" * (digits - 1) + "}" in text
    return text


def test_a_400_digit_weight_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"m\.json.*layer 0 neuron 0: weights must be finite numbers"):
        load(_write(tmp_path, _with_integer_bias(400)))  # an integer that json reads, but too large for a float
    assert load(_write(tmp_path, _with_integer_bias(300))).parameters()[2].data == 1e299


def test_an_integer_too_long_for_python_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    pattern = r"m\.json is not a valid micrograd model file: (not JSON|layer 0 neuron 0: weights must be finite)"
    with pytest.raises(ValueError, match=pattern):  # which of the two depends on sys.get_int_max_str_digits()
        load(_write(tmp_path, _with_integer_bias(5000)))


def test_100000_deep_nesting_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"m\.json.*nested too deeply"):
        load(_write(tmp_path, "[" * 100_000 + "]" * 100_000))
    state = _state()
    state["architecture"]["nin"] = json.loads("[" * 500 + "]" * 500)  # deep, but within what JSON reading allows
    with pytest.raises(ValueError, match=r"m\.json.*bad nin \[\[\[+\.\.\.\]+ \(a positive integer\)"):
        load(_write(tmp_path, json.dumps(state)))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s["architecture"].update(activation=["relu"]), r"bad activation \['relu'\]"),
        (lambda s: s["architecture"].update(output_activation={"a": 1}), "bad output_activation"),
        (lambda s: s["architecture"].update(nin=True), "bad nin True"),
        (lambda s: s["architecture"].update(nouts=[3, True]), "bad nouts"),
        (lambda s: s.update(version=True), "unsupported version True"),
        (lambda s: s["layers"][0][0]["w"].__setitem__(0, True), "layer 0 neuron 0: weights must be finite numbers"),
    ],
)
def test_wrong_types_are_value_errors_naming_the_file(tmp_path: Path, edit, message: str) -> None:
    state = _state()
    edit(state)
    with pytest.raises(ValueError, match=r"m\.json is not a valid micrograd model file: " + message):
        load(_write(tmp_path, json.dumps(state)))


def test_nan_and_infinity_literals_are_rejected(tmp_path: Path) -> None:
    for literal in ("NaN", "Infinity", "-Infinity"):
        text = json.dumps(_state()).replace('"b": 0', f'"b": {literal}', 1)
        with pytest.raises(ValueError, match=rf"m\.json.*{literal.lstrip('-')} is not a JSON number"):
            load(_write(tmp_path, text))


def test_a_file_that_is_not_utf8_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    data = json.dumps(_state()).encode().replace(b'"relu"', b'"rel\xff"', 1)
    with pytest.raises(ValueError, match=r"m\.json is not a valid micrograd model file: not UTF-8 text \(byte \d+\)"):
        load(_write(tmp_path, data))


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"m\.json is a named pipe \(FIFO\), not a regular file"):
        load(fifo)


def test_a_symlink_to_the_zero_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    link = tmp_path / "m.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(ValueError, match=r"m\.json is a character device, not a regular file"):
        load(link)


def test_a_symlink_to_a_model_loads_and_a_directory_does_not(tmp_path: Path) -> None:
    model = MLP(2, [1])
    model.save(tmp_path / "real.json")
    (tmp_path / "link.json").symlink_to("real.json")
    assert [p.data for p in load(tmp_path / "link.json").parameters()] == [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="is a directory, not a regular file"):
        load(tmp_path)


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path: Path) -> None:
    from micrograd.nn import MAX_MODEL_BYTES

    path = tmp_path / "m.json"
    MLP(2, [3, 1]).save(path)
    size = path.stat().st_size
    assert load(path, max_bytes=size).nin == 2
    with pytest.raises(ValueError, match=rf"m\.json is {size} bytes, more than a micrograd model file may be"):
        load(path, max_bytes=size - 1)
    with path.open("r+b") as f:  # sparse: as big as the limit says, without using the disk
        f.truncate(MAX_MODEL_BYTES + 1)
    with pytest.raises(ValueError, match="more than a micrograd model file may be"):
        load(path)


def test_saving_over_a_0600_model_keeps_it_private_and_a_symlink_stays_a_symlink(tmp_path: Path) -> None:
    import stat

    target = tmp_path / "model.json"
    MLP(2, [1]).save(target)
    target.chmod(0o600)
    link = tmp_path / "latest.json"
    link.symlink_to("model.json")
    model = MLP(2, [3, 1])
    model.save(link)
    assert link.is_symlink() and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert load(target).nouts == [3, 1]


def test_the_tensor_engine_loads_through_the_same_checks(tmp_path: Path) -> None:
    from micrograd.tensor.nn import load as tensor_load

    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        tensor_load(fifo)
