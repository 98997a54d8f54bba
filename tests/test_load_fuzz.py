"""Fuzzing micrograd.nn.load: any bytes as a model file give a loaded model or a ValueError naming the file."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd.nn import MLP, load

VALID = MLP(2, [3, 1]).to_state()
VALID_TEXT = json.dumps(VALID)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from([0, 1, 2, -1, 10**400, 1e308, "relu", "tanh", "linear", "micrograd.mlp", True, [], {}]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated_states(draw) -> str:
    """The valid model's JSON with one value somewhere inside it replaced by another JSON value (or removed)."""
    state = json.loads(VALID_TEXT)
    node, parents = state, []
    while isinstance(node, (dict, list)) and node and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
        parents.append((node, key))
        node = node[key]
    if parents:
        container, key = parents[-1]
        if isinstance(container, dict) and draw(st.integers(0, 4)) == 0:
            del container[key]
        else:
            container[key] = draw(json_values)
    else:
        state = draw(json_values)
    return json.dumps(state)  # NaN and Infinity come out as those (non-JSON) words, as a hand edit might


@st.composite
def spliced_bytes(draw) -> bytes:
    """The valid model's bytes with a stretch replaced by arbitrary bytes."""
    data = VALID_TEXT.encode()
    start = draw(st.integers(0, len(data)))
    end = draw(st.integers(start, min(len(data), start + 20)))
    return data[:start] + draw(st.binary(max_size=20)) + data[end:]


deep = st.integers(1, 200_000).map(lambda n: ("[" * n + "]" * n).encode())
_BIASED = json.loads(VALID_TEXT)
_BIASED["layers"][0][0]["b"] = "BIAS"
_BIAS = json.dumps(_BIASED)
long_numbers = st.integers(1, 6000).map(lambda n: _BIAS.replace('"BIAS"', "1" + "0" * n).encode())  # integers

model_files = st.one_of(
    st.binary(max_size=200),
    mutated_states().map(str.encode),
    spliced_bytes(),
    deep,
    long_numbers,
    st.just(VALID_TEXT.encode()),
)


def test_any_bytes_load_as_a_model_or_a_value_error_naming_the_file() -> None:
    tried = {"inputs": 0, "loaded": 0, "refused": 0}

    @settings(max_examples=settings.default.max_examples)
    @given(model_files)
    def check(data: bytes) -> None:
        tried["inputs"] += 1
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "fuzzed model.json"
            path.write_bytes(data)
            try:
                model = load(path)
            except ValueError as err:
                tried["refused"] += 1
                assert str(path) in str(err)
                return
            tried["loaded"] += 1
            assert isinstance(model, MLP)
            state = json.loads(data.decode("utf-8"))  # it loaded, so it is JSON, and holds exactly these numbers
            stored = [x for layer in state["layers"] for n in layer for x in [*n["w"], n["b"]]]
            assert [p.data for p in model.parameters()] == [float(x) for x in stored]
            assert all(math.isfinite(p.data) for p in model.parameters())
            model.save(path)  # and what loaded saves and loads back the same
            assert [p.data for p in load(path).parameters()] == [p.data for p in model.parameters()]

    check()
    print(f"load fuzzer: {tried}")  # shown with pytest -s or -rP
    assert tried["loaded"] > 0 and tried["refused"] > 0  # the strategies reach both outcomes
