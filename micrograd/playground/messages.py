"""Every message a page may send, checked before anything acts on it: known type, known fields, types and bounds.

Nothing from the page is ever executed: messages are JSON data, read field by field here. The choices (data sets,
losses, activations) are the tables' (``micrograd.data.DATASETS``, ``micrograd.losses.LOSSES``,
``micrograd.activations``), sent to the page in the first message (``choices()``), and a config is checked as a
whole by ``micrograd.train.check``, as the command line's is.
"""

from __future__ import annotations

import json
import math
import reprlib
from typing import Any

from micrograd import features, train
from micrograd.activations import ACTIVATIONS
from micrograd.data import DATASETS
from micrograd.losses import LOSSES, PENALTIES

#: Largest message accepted, in characters of JSON.
MAX_MESSAGE = 256_000
MAX_LAYERS, MAX_NEURONS, MAX_POINTS = 6, 16, 1000  # hidden layers as TensorFlow Playground; neurons twice
MAX_CLASSES = 4  # the page has a colour for each of 4 classes
MAX_WEIGHT = 100.0  # the largest |value| a set_weight message may give a weight or bias

DEFAULT_CONFIG: dict[str, Any] = {
    "dataset": "moons",
    "samples": 100,
    "noise": 0.1,
    "classes": 3,
    "test_fraction": 0.2,
    "seed": 1337,
    "hidden": [8, 8],
    "activation": "relu",
    "loss": "hinge",
    "optimizer": "sgd",
    "lr": 0.1,
    "l2": 1e-4,
    "l1": 0.0,  # each of micrograd.losses.PENALTIES has its strength here (the page offers one at a time)
    "batch_size": 0,  # 0: the whole training set every step
    "features": list(features.DEFAULT),  # what the network is given of each point (micrograd.features)
}

#: The page's optimizers, as micrograd.train.Config settings.
OPTIMIZERS: dict[str, dict[str, Any]] = {
    "sgd": {"optimizer": "sgd"},
    "momentum": {"optimizer": "sgd", "momentum": 0.9},
    "adam": {"optimizer": "adam"},
}


def choice_names() -> dict[str, tuple[str, ...]]:
    """Each field with a choice, and its choices: read from the tables each time (a row added is offered)."""
    return {
        "dataset": tuple(name for name, d in DATASETS.items() if d.features == 2),  # the page draws 2-D data
        "activation": tuple(ACTIVATIONS),  # TensorFlow Playground offers Linear too
        "loss": tuple(LOSSES),
        "optimizer": tuple(OPTIMIZERS),
    }


def _titles(key: str, name: str) -> str:
    """How the page's menu shows a choice."""
    titles = {"dataset": DATASETS, "loss": LOSSES}
    if key in titles:
        return titles[key][name].title
    return {"sgd": "SGD", "momentum": "SGD + momentum", "adam": "Adam"}.get(name, name)


#: Earlier names of config fields, still read (links shared before the rename hold them).
ALIASES = {"test_ratio": "test_fraction"}
NUMBERS = {  # field: (type, lowest, highest)
    "samples": (int, 10, 1000),
    "noise": (float, 0.0, 1.0),
    "classes": (int, 2, MAX_CLASSES),
    "test_fraction": (float, 0.0, 0.9),
    "seed": (int, 0, 2**31 - 1),
    "lr": (float, 1e-6, 10.0),
    "l2": (float, 0.0, 1.0),
    "l1": (float, 0.0, 1.0),
    "batch_size": (int, 0, 1000),
}
#: Each message type's fields: (required, optional). Any other field is refused.
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "config": ((), ("config", "points")),
    "play": ((), ()),
    "pause": ((), ()),
    "step": ((), ()),
    "reset": ((), ()),
    "speed": (("steps_per_second",), ()),
    "add_point": (("point",), ()),
    "select": (("index",), ("set",)),
    "fd": (("node",), ()),
    "export_model": ((), ()),
    "import_model": (("model",), ()),
    "set_weight": (("layer", "neuron", "input", "value"), ()),
}
TYPES = tuple(FIELDS)
MAX_DEPTH = 16  # deepest nesting of lists and objects in a message (a model file needs 5)
MAX_SPEED = 500  # training steps per second


class BadMessage(ValueError):
    """A message the server refuses; its text is shown in the page."""


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = 40
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 3, 4, 4


def show(value: Any) -> str:
    """A short, safe rendering of a value from a message, for an error text (never long, never recursive)."""
    try:
        text = _SHORT.repr(value)
    except (ValueError, RecursionError):  # an integer too long to print, say
        return f"a {type(value).__name__}"
    return text if len(text) <= 80 else text[:76] + " ..."


def number(value: Any, name: str, kind: type, lo: float, hi: float) -> Any:
    """``value`` as ``kind`` if it is a number of that kind within [lo, hi]; integers of any size are compared
    exactly (never converted to float first, which overflows)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadMessage(f"{name} must be {'an integer' if kind is int else 'a number'}, got {show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadMessage(f"{name} must be between {lo} and {hi}, got {show(value)}")
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise BadMessage(f"{name} must be an integer, got {show(value)}")
    if not lo <= value <= hi:
        raise BadMessage(f"{name} must be between {lo} and {hi}, got {show(value)}")
    return kind(value)


def choices() -> dict[str, Any]:
    """What the page offers, from the tables: ``{"type": "choices", ...}``, the first message a page gets."""
    names = choice_names()
    return {
        "type": "choices",
        "choices": {key: [[name, _titles(key, name)] for name in names] for key, names in names.items()},
        "options": {name: list(DATASETS[name].options) for name in names["dataset"]},
        "classes": {name: DATASETS[name].classes for name in names["dataset"]},
        "numbers": {key: [lo, hi] for key, (_, lo, hi) in NUMBERS.items()},
        "features": [[name, f.title] for name, f in features.FEATURES.items()],
        "penalties": [[name, p.title] for name, p in PENALTIES.items()],
        "layers": [MAX_LAYERS, MAX_NEURONS],
        "regression": {
            "dataset": [n for n in names["dataset"] if DATASETS[n].classes == 0],
            "loss": [n for n in names["loss"] if LOSSES[n].regression],
        },
        "defaults": DEFAULT_CONFIG,
    }


def run_config(c: dict[str, Any]) -> train.Config:
    """A checked playground config as the ``micrograd.train.Config`` its run trains with (a constant rate)."""
    return train.Config(
        dataset=c["dataset"], samples=c["samples"], noise=c["noise"], classes=c["classes"], hidden=list(c["hidden"]),
        activation=c["activation"], loss=c["loss"], lr=c["lr"], schedule="constant", l2=c["l2"], l1=c["l1"],
        batch_size=c["batch_size"] or None, seed=c["seed"], test_fraction=c["test_fraction"], engine="compiled",
        features=list(c["features"]), **OPTIMIZERS[c["optimizer"]],
    )  # fmt: skip


def classes(c: dict[str, Any]) -> int:
    """How many classes the data set of config ``c`` has."""
    row = DATASETS[c["dataset"]]
    return c["classes"] if row.classes is None else row.classes


def config(raw: Any) -> dict[str, Any]:
    """A full configuration: the defaults, overridden by the checked fields of ``raw``, checked as a whole."""
    if not isinstance(raw, dict):
        raise BadMessage("config must be an object")
    raw = {ALIASES.get(key, key): value for key, value in raw.items()}
    unknown = set(raw) - set(DEFAULT_CONFIG)
    if unknown:
        raise BadMessage(f"unknown config field {show(sorted(unknown)[0])}")
    out, choices = dict(DEFAULT_CONFIG), choice_names()
    for key, value in raw.items():
        if key in choices:
            if not isinstance(value, str) or value not in choices[key]:
                raise BadMessage(f"{key} must be one of {', '.join(choices[key])}, got {show(value)}")
            out[key] = value
        elif key in NUMBERS:
            out[key] = number(value, key, *NUMBERS[key])
        elif key == "hidden":
            if not isinstance(value, list) or len(value) > MAX_LAYERS:
                raise BadMessage(f"hidden must be a list of at most {MAX_LAYERS} layer sizes")
            out[key] = [number(n, "neurons per layer", int, 1, MAX_NEURONS) for n in value]
        elif key == "features":
            try:
                out[key] = features.check(value)
            except ValueError as err:
                raise BadMessage(str(err)[:200]) from None
    try:
        train.check(run_config(out))
    except ValueError as err:
        raise BadMessage(str(err)) from None
    return out


def point(raw: Any, classes: int) -> tuple[float, float, Any]:
    """[x, y, class], or for a regression data set (``classes`` 0) [x, y, target] with a target from -1 to 1."""
    if not isinstance(raw, list) or len(raw) != 3:
        raise BadMessage("a point is [x, y, class]" if classes else "a point is [x, y, target]")
    x, y = (number(v, "a point's coordinate", float, -10.0, 10.0) for v in raw[:2])
    if classes == 0:
        return x, y, number(raw[2], "a point's target", float, -1.0, 1.0)
    return x, y, number(raw[2], "a point's class", int, 0, classes - 1)


def points(raw: Any, classes: int) -> list[tuple[float, float, int]]:
    if not isinstance(raw, list) or len(raw) > MAX_POINTS:
        raise BadMessage(f"points must be a list of at most {MAX_POINTS}")
    return [point(p, classes) for p in raw]


def check(message: Any) -> dict[str, Any]:
    """The message as a dict with a known ``type`` and exactly its fields; the fields that do not depend on the
    session are checked (and converted) here: a config message's config and points, a speed. The session
    checks the rest (a point's class, an index, a node, a model) before it changes anything."""
    if not isinstance(message, dict) or message.get("type") not in TYPES:
        kind = message.get("type") if isinstance(message, dict) else type(message).__name__
        raise BadMessage(f"unknown message {show(kind)}")
    kind = message["type"]
    required, optional = FIELDS[kind]
    extra = sorted(set(message) - {"type", *required, *optional})
    if extra:
        raise BadMessage(f"{_a(kind)} {kind} message has no field {show(extra[0])}")
    missing = [f for f in required if f not in message]
    if missing:
        raise BadMessage(f"{_a(kind)} {kind} message needs the field {missing[0]!r}")
    out = dict(message)
    if kind == "config":
        out["config"] = config(message.get("config", {}))
        if "points" in message:
            out["points"] = points(message["points"], classes(out["config"]))
    elif kind == "speed":
        out["steps_per_second"] = number(message["steps_per_second"], "steps_per_second", int, 1, MAX_SPEED)
    elif kind == "set_weight":
        out.update(set_weight(message))
    return out


def set_weight(message: dict[str, Any]) -> dict[str, Any]:
    """A set_weight message's fields, checked as far as any network allows; ``weight_place`` then checks them
    against the session's network.

    ``{"type": "set_weight", "layer": L, "neuron": j, "input": i, "value": v}`` sets the weight that the graph pane
    calls ``wL[j][i]``: layer L of weights counted from 1 (layer 1 takes the inputs, the last gives the scores),
    neuron j and input i counted from 0; ``"input": "bias"`` sets that neuron's bias ``bL[j]``. ``value`` is a
    number of at most MAX_WEIGHT in size."""
    most_inputs = max(MAX_NEURONS, len(features.FEATURES))
    source = message["input"]
    return {
        "layer": number(message["layer"], "layer", int, 1, MAX_LAYERS + 1),
        "neuron": number(message["neuron"], "neuron", int, 0, MAX_NEURONS - 1),
        "input": "bias" if source == "bias" else _input(source, most_inputs),
        "value": number(message["value"], "value", float, -MAX_WEIGHT, MAX_WEIGHT),
    }


def _input(value: Any, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadMessage(f'input must be an integer or "bias", got {show(value)}')
    return number(value, "input", int, 0, most - 1)


def weight_place(message: dict[str, Any], nin: int, nouts: list[int]) -> tuple[int, int, int | str]:
    """(layer, neuron, input) of a checked set_weight message, if the network of ``nin`` inputs and layer sizes
    ``nouts`` has that weight; else a BadMessage naming the field that is out of range, and why."""
    layer = _within(message["layer"], "layer", 1, len(nouts), f"this network has {len(nouts)} layers of weights")
    neuron = _within(
        message["neuron"], "neuron", 0, nouts[layer - 1] - 1, f"layer {layer} has {nouts[layer - 1]} neurons"
    )
    if message["input"] == "bias":
        return layer, neuron, "bias"
    fan_in = nin if layer == 1 else nouts[layer - 2]
    return layer, neuron, _within(message["input"], "input", 0, fan_in - 1, f"layer {layer} takes {fan_in} inputs")


def _within(value: Any, name: str, lo: int, hi: int, why: str) -> int:
    try:
        return number(value, name, int, lo, hi)
    except BadMessage as err:
        raise BadMessage(f"{err} ({why})") from None


def parse(text: str | None = None, data: bytes | None = None) -> dict[str, Any]:
    """One WebSocket frame, text or binary, to a checked message (``check``); anything else is a BadMessage."""
    if text is None:
        raise BadMessage(f"binary frames are not accepted ({len(data or b'')} bytes): send JSON text")
    if len(text) > MAX_MESSAGE:
        raise BadMessage(f"message too large ({len(text)} characters, at most {MAX_MESSAGE})")
    try:
        message = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BadMessage(f"not JSON: nested more than {MAX_DEPTH} deep") from None
    except ValueError as err:  # JSONDecodeError, an integer of over 4300 digits, NaN or Infinity
        raise BadMessage(f"not JSON: {err}") from None
    if _depth(message) > MAX_DEPTH:
        raise BadMessage(f"message nested more than {MAX_DEPTH} deep")
    return check(message)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (iterative: any depth)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:  # no need to look deeper than the limit
                stack.extend((x, depth + 1) for x in (item.values() if isinstance(item, dict) else item))
    return deepest


def _a(word: str) -> str:
    """The article before ``word``: "an add_point message", "a play message"."""
    return "an" if word[:1] in "aeiou" else "a"
