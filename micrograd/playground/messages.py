"""Every message a page may send, checked before anything acts on it: known type, known fields, types and bounds.

Nothing from the page is ever executed: messages are JSON data, read field by field here.
"""

from __future__ import annotations

import json
import math
import reprlib
from typing import Any

from micrograd.playground.datasets import DATASETS

#: Largest message accepted, in characters of JSON.
MAX_MESSAGE = 256_000
MAX_LAYERS, MAX_NEURONS, MAX_POINTS = 4, 16, 1000

DEFAULT_CONFIG: dict[str, Any] = {
    "dataset": "moons",
    "samples": 100,
    "noise": 0.1,
    "test_ratio": 0.2,
    "seed": 1337,
    "hidden": [8, 8],
    "activation": "relu",
    "loss": "hinge",
    "optimizer": "sgd",
    "lr": 0.1,
    "l2": 1e-4,
    "batch_size": 0,  # 0: the whole training set every step
}

CHOICES = {
    "dataset": tuple(DATASETS),
    "activation": ("relu", "tanh", "sigmoid"),
    "loss": ("hinge", "mse", "bce", "ce"),
    "optimizer": ("sgd", "momentum", "adam"),
}
NUMBERS = {  # field: (type, lowest, highest)
    "samples": (int, 10, 1000),
    "noise": (float, 0.0, 1.0),
    "test_ratio": (float, 0.0, 0.9),
    "seed": (int, 0, 2**31 - 1),
    "lr": (float, 1e-6, 10.0),
    "l2": (float, 0.0, 1.0),
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
    "select": (("index",), ()),
    "fd": (("node",), ()),
    "export_model": ((), ()),
    "import_model": (("model",), ()),
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


def _number(value: Any, name: str, kind: type, lo: float, hi: float) -> Any:
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


def config(raw: Any) -> dict[str, Any]:
    """A full configuration: the defaults, overridden by the checked fields of ``raw``."""
    if not isinstance(raw, dict):
        raise BadMessage("config must be an object")
    unknown = set(raw) - set(DEFAULT_CONFIG)
    if unknown:
        raise BadMessage(f"unknown config field {show(sorted(unknown)[0])}")
    out = dict(DEFAULT_CONFIG)
    for key, value in raw.items():
        if key in CHOICES:
            if not isinstance(value, str) or value not in CHOICES[key]:
                raise BadMessage(f"{key} must be one of {', '.join(CHOICES[key])}, got {show(value)}")
            out[key] = value
        elif key in NUMBERS:
            out[key] = _number(value, key, *NUMBERS[key])
        elif key == "hidden":
            if not isinstance(value, list) or len(value) > MAX_LAYERS:
                raise BadMessage(f"hidden must be a list of at most {MAX_LAYERS} layer sizes")
            out[key] = [_number(n, "neurons per layer", int, 1, MAX_NEURONS) for n in value]
    if out["loss"] != "ce" and DATASETS[out["dataset"]] > 2:
        raise BadMessage(f"{out['dataset']} has {DATASETS[out['dataset']]} classes: use the softmax cross-entropy loss")
    return out


def point(raw: Any, classes: int) -> tuple[float, float, int]:
    if not isinstance(raw, list) or len(raw) != 3:
        raise BadMessage("a point is [x, y, class]")
    x, y = (_number(v, "a point's coordinate", float, -10.0, 10.0) for v in raw[:2])
    return x, y, _number(raw[2], "a point's class", int, 0, classes - 1)


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
        raise BadMessage(f"a {kind} message has no field {show(extra[0])}")
    missing = [f for f in required if f not in message]
    if missing:
        raise BadMessage(f"a {kind} message needs the field {missing[0]!r}")
    out = dict(message)
    if kind == "config":
        out["config"] = config(message.get("config", {}))
        if "points" in message:
            out["points"] = points(message["points"], DATASETS[out["config"]["dataset"]])
    elif kind == "speed":
        out["steps_per_second"] = _number(message["steps_per_second"], "steps_per_second", int, 1, MAX_SPEED)
    return out


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
