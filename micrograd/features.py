"""Input features: what a network on 2-D data is given of each point (x1, x2), TensorFlow Playground's set.

``FEATURES`` is the one table of them: the command line (``--features``), ``micrograd.train`` (``Config.features``,
the network's number of inputs), the playground (its toggles, the boundary's grid, each input's thumbnail) and the
files a run saves all read it. A point (x1, x2) becomes one number per chosen feature, in the order chosen;
``DEFAULT`` (x1 and x2 as they are) is the original demo's input, and the only choice for data that is not 2-D.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Feature:
    """One input feature of a point (x1, x2): ``of_pair`` on two floats, ``of_array`` on an (N, 2) array (giving
    (N,)); the two compute the same numbers."""

    name: str  # as the command line and the configs spell it: "x1^2"
    title: str  # as the page shows it: "x₁²"
    of_pair: Callable[[float, float], float]
    of_array: Callable[[Any], Any]


def _sin(X: Any) -> Any:
    import numpy as np

    return np.sin(X)


FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("x1", "x₁", lambda a, b: a, lambda X: X[:, 0]),
        Feature("x2", "x₂", lambda a, b: b, lambda X: X[:, 1]),
        Feature("x1^2", "x₁²", lambda a, b: a * a, lambda X: X[:, 0] * X[:, 0]),
        Feature("x2^2", "x₂²", lambda a, b: b * b, lambda X: X[:, 1] * X[:, 1]),
        Feature("x1*x2", "x₁x₂", lambda a, b: a * b, lambda X: X[:, 0] * X[:, 1]),
        Feature("sin(x1)", "sin(x₁)", lambda a, b: math.sin(a), lambda X: _sin(X[:, 0])),
        Feature("sin(x2)", "sin(x₂)", lambda a, b: math.sin(b), lambda X: _sin(X[:, 1])),
    )
}
#: The features of a run that chooses none: the point as it is.
DEFAULT = ("x1", "x2")


def check(features: Any, what: str = "features") -> list[str]:
    """``features`` as a list of names, if it is a non-empty list of distinct names of ``FEATURES``; else a ValueError
    naming the bad one and the choices."""
    if isinstance(features, str) or not isinstance(features, Sequence) or not features:
        raise ValueError(f"{what} must be a non-empty list of names from {', '.join(FEATURES)}, got {_short(features)}")
    seen: set[str] = set()
    for name in features:
        if not isinstance(name, str) or name not in FEATURES:
            raise ValueError(f"unknown feature {_short(name)} in {what}: choose from {', '.join(FEATURES)}")
        if name in seen:
            raise ValueError(f"feature {name!r} is given twice in {what}")
        seen.add(name)
    return list(features)


def _short(value: Any) -> str:
    """A short repr of a value from a file or a message (which may be huge)."""
    import reprlib

    try:
        return reprlib.repr(value)
    except ValueError:  # an integer too long to print
        return f"a {type(value).__name__}"


def is_default(features: Sequence[str]) -> bool:
    """Whether ``features`` are the point as it is (x1, x2, in that order): nothing to compute."""
    return tuple(features) == DEFAULT


def of_points(features: Sequence[str], X: list[list[float]]) -> list[list[float]]:
    """Each point [x1, x2] of ``X`` as its features, in the order of ``features`` (``X`` itself for the default)."""
    if is_default(features):
        return X
    rows = [FEATURES[name].of_pair for name in features]
    return [[f(x[0], x[1]) for f in rows] for x in X]


def of_array(features: Sequence[str], X: Any) -> Any:
    """``of_points`` on an (N, 2) NumPy array: an (N, len(features)) array."""
    import numpy as np

    X = np.asarray(X, dtype=float)
    if is_default(features):
        return X
    return np.stack([FEATURES[name].of_array(X) for name in features], axis=1).reshape(len(X), len(features))


# ------------------------------------------------------------------------------------------- model files
def save_model(model: Any, path: Any, features: Sequence[str]) -> None:
    """``model.save(path)`` (either engine's MLP), and when ``features`` are not the default, the file also says them:
    a ``"features"`` list beside the architecture. A file without one was trained on the points as they are."""
    model.save(path)  # checks every weight is finite, writes atomically
    if is_default(features):
        return
    import json

    from micrograd.files import write_atomically

    scalar = model.to_scalar() if hasattr(model, "to_scalar") else model
    state = {**scalar.to_state(), "features": list(features)}
    write_atomically(path, json.dumps(state, indent=1, allow_nan=False))


def of_model_state(state: Any, what: str = "the model") -> list[str]:
    """The features a saved model's state (``MLP.to_state``, plus ``"features"``) was trained on: its
    ``"features"`` if it has them (checked: a ValueError naming the bad one), else ``DEFAULT``."""
    if not isinstance(state, dict) or "features" not in state:
        return list(DEFAULT)
    return check(state["features"], f"{what}'s features")
