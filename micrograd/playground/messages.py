"""Every message a page may send, checked before anything acts on it: known type, known fields, types and bounds.

Nothing from the page is ever executed: messages are JSON data, read field by field here.
"""

from __future__ import annotations

import math
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
TYPES = ("config", "play", "pause", "step", "reset", "speed", "add_point", "select", "fd", "export_model",
         "import_model")  # fmt: skip


class BadMessage(ValueError):
    """A message the server refuses; its text is shown in the page."""


def _number(value: Any, name: str, kind: type, lo: float, hi: float) -> Any:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (kind is int and not float(value).is_integer())
    ):
        raise BadMessage(f"{name} must be {'an integer' if kind is int else 'a number'}, got {value!r}")
    if not (math.isfinite(value) and lo <= value <= hi):
        raise BadMessage(f"{name} must be between {lo} and {hi}, got {value!r}")
    return kind(value)


def config(raw: Any) -> dict[str, Any]:
    """A full configuration: the defaults, overridden by the checked fields of ``raw``."""
    if not isinstance(raw, dict):
        raise BadMessage("config must be an object")
    unknown = set(raw) - set(DEFAULT_CONFIG)
    if unknown:
        raise BadMessage(f"unknown config field {sorted(unknown)[0]!r}")
    out = dict(DEFAULT_CONFIG)
    for key, value in raw.items():
        if key in CHOICES:
            if value not in CHOICES[key]:
                raise BadMessage(f"{key} must be one of {', '.join(CHOICES[key])}, got {value!r}")
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
    if not isinstance(raw, (list, tuple)) or len(raw) != 3:
        raise BadMessage("a point is [x, y, class]")
    x, y = (_number(v, "a point's coordinate", float, -10.0, 10.0) for v in raw[:2])
    return x, y, _number(raw[2], "a point's class", int, 0, classes - 1)


def check(message: Any) -> dict[str, Any]:
    """The message as a dict with a known ``type`` (its other fields are checked where they are used)."""
    if not isinstance(message, dict) or message.get("type") not in TYPES:
        kind = message.get("type") if isinstance(message, dict) else type(message).__name__
        raise BadMessage(f"unknown message {kind!r}")
    return message
