"""Neural nets made of Values: Module, Neuron, Layer, MLP — the original micrograd's API.

``Neuron(nin)``, ``Layer(nin, nout)`` and ``MLP(nin, nouts)`` build weights in the original's order from
Python's ``random`` (uniform in [-1, 1], bias 0), so ``random.seed(1337)`` gives the original's model.
"""

from __future__ import annotations

import json
import math
import os
import random
import reprlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from micrograd.activations import ACTIVATIONS
from micrograd.activations import activation as _activation
from micrograd.engine import Value, weighted_sum
from micrograd.files import read_regular_file, write_atomically

Input = Value | float | int


def _check_activation(name: str) -> str:
    return _activation(name).name


class Module:
    """Something with parameters: ``parameters()`` lists them, ``zero_grad()`` clears their gradients."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []

    def num_parameters(self) -> int:
        return len(self.parameters())


class Neuron(Module):
    """One neuron: act(w · x + b).

    ``activation`` is 'relu', 'tanh', 'sigmoid' or 'linear'; left out, it follows the original's flag:
    'relu' when ``nonlin`` is true, else 'linear'.

    The weighted sum is one ``wx+b`` node (``fused=True``, fast) or, with ``fused=False``, the lecture's
    chain of ``*`` and ``+`` nodes (slower, but every product shows in ``draw_dot``). Same numbers either way.
    """

    def __init__(self, nin: int, nonlin: bool = True, activation: str | None = None, fused: bool = True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.activation = _check_activation(activation or ("relu" if nonlin else "linear"))
        self.nonlin = self.activation != "linear"
        self.fused = fused
        method = ACTIVATIONS[self.activation].method
        self._act = getattr(Value, method) if method else None

    def __call__(self, x: Sequence[Input]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} expects {len(self.w)} inputs, got {len(x)}")
        if self.fused:
            act = weighted_sum(self.b, self.w, x)
        else:
            act = self.b
            for wi, xi in zip(self.w, x):  # b + w1*x1 + w2*x2 + ..., in the original's order
                act = act + wi * xi
        return self._act(act) if self._act is not None else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{ACTIVATIONS[self.activation].title}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all see the same inputs. Returns a single Value when ``nout == 1``."""

    def __init__(self, nin: int, nout: int, **kwargs: Any):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def forward(self, x: Sequence[Input]) -> list[Value]:
        """The outputs as a list, always (also for a single neuron)."""
        return [n(x) for n in self.neurons]

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        out = self.forward(x)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        n = self.neurons[0]
        return f"Layer({len(n.w)} -> {len(self.neurons)}, {n.activation})"


def check_mlp(model: Any, nin: int, nouts: Sequence[int], activation: str, output_activation: str) -> None:
    """Check an MLP's sizes and activations (for either engine), then record them on ``model``."""
    if not nouts or any(not isinstance(n, int) or n < 1 for n in [nin, *nouts]):
        raise ValueError(f"MLP sizes must be positive integers, got nin={nin!r}, nouts={list(nouts)!r}")
    _check_activation(activation)
    _check_activation(output_activation)
    model.nin, model.nouts = nin, list(nouts)
    model.activation, model.output_activation = activation, output_activation


def describe_mlp(model: Any) -> str:
    """'2 -> 16 -> 1; relu hidden, linear output; 65 parameters' for an MLP of either engine."""
    sizes = " -> ".join(str(n) for n in [model.nin, *model.nouts])
    return f"{sizes}; {model.activation} hidden, {model.output_activation} output; {model.num_parameters()} parameters"


class MLP(Module):
    """A multi-layer perceptron. By default ReLU hidden layers and a linear output, as in the original;
    the lecture's network is ``MLP(3, [4, 4, 1], activation='tanh', output_activation='tanh')``.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        fused: bool = True,
    ):
        check_mlp(self, nin, nouts, activation, output_activation)
        sizes, last = [nin, *nouts], len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=output_activation if i == last else activation, fused=fused)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        for layer in self.layers:  # lists between layers, so a 1-neuron hidden layer works
            x = layer.forward(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP({describe_mlp(self)})"

    def dense_layers(self) -> list[tuple[list[list[float]], list[float], str]]:
        """Each layer as (weights, nin rows of nout numbers; biases; activation name): the form every engine and
        exporter reads (``micrograd.tensor.nn.MLP.dense_layers`` gives the same, as arrays)."""
        return [
            ([[n.w[i].data for n in layer.neurons] for i in range(len(layer.neurons[0].w))],
             [n.b.data for n in layer.neurons], layer.neurons[0].activation)
            for layer in self.layers
        ]  # fmt: skip

    @classmethod
    def from_layers(
        cls,
        layers: Sequence[Sequence[tuple[Sequence[float], float]]],
        activation: str = "relu",
        output_activation: str = "linear",
    ) -> MLP:
        """The MLP holding exactly these weights: ``layers[i][j]`` is neuron j's (weights, bias) in layer i.

        Python's ``random`` is left exactly as it was (building draws weights, which are then replaced).
        """
        if not layers or not layers[0]:
            raise ValueError("MLP.from_layers: no layers")
        state = random.getstate()
        try:
            model = cls(len(layers[0][0][0]), [len(layer) for layer in layers], activation, output_activation)
        finally:
            random.setstate(state)
        for i, (given, layer) in enumerate(zip(layers, model.layers)):
            for j, ((w, b), neuron) in enumerate(zip(given, layer.neurons)):
                if len(w) != len(neuron.w):
                    raise ValueError(f"MLP.from_layers: layer {i} neuron {j} has {len(w)} weights, expected "
                                     f"{len(neuron.w)}")  # fmt: skip
                for weight, value in zip(neuron.w, w):
                    weight.data = float(value)
                neuron.b.data = float(b)
        return model

    def save(self, path: str | os.PathLike) -> None:
        """Write the architecture and every weight to a JSON file, atomically: a crash mid-write leaves
        any previous file at ``path`` whole. Only a regular file (or a new path) is written; a symbolic link is
        written through to its target (see ``micrograd.files.write_atomically``). A weight that is not a finite
        number is a ValueError and nothing is written. Load it back with ``micrograd.nn.load``."""
        state = self.to_state()
        bad = [i for i, p in enumerate(self.parameters()) if not math.isfinite(p.data)]
        if bad:
            raise ValueError(f"cannot save {path}: parameter {bad[0]} is {self.parameters()[bad[0]].data}")
        write_atomically(Path(path), json.dumps(state, indent=1, allow_nan=False))

    def to_state(self) -> dict[str, Any]:
        """The architecture and every weight as plain JSON data (what ``save`` writes)."""
        return {
            "format": FORMAT,
            "version": 1,
            "architecture": {
                "nin": self.nin,
                "nouts": self.nouts,
                "activation": self.activation,
                "output_activation": self.output_activation,
            },
            "layers": [[{"w": [w.data for w in n.w], "b": n.b.data} for n in layer.neurons] for layer in self.layers],
        }


FORMAT = "micrograd.mlp"
#: The largest model file ``load`` reads (64 MiB: about 3 million weights as JSON).
MAX_MODEL_BYTES = 64 * 2**20


def _require(ok: bool, path: Any, what: str) -> None:
    if not ok:
        raise ValueError(f"{path} is not a valid micrograd model file: {what}")


def _short(x: Any) -> str:
    """A repr of a value read from a file, cut short (a file can hold a huge or deeply nested value)."""
    return reprlib.repr(x)


def _finite_number(x: Any) -> bool:
    """A JSON number that is a finite float (an integer too large for a float is not)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False


def _size(x: Any) -> bool:
    """A positive integer; true and false are not sizes."""
    return isinstance(x, int) and not isinstance(x, bool) and x > 0


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def load(path: str | os.PathLike, *, max_bytes: int = MAX_MODEL_BYTES) -> MLP:
    """Read a model written by ``MLP.save``. Only JSON is parsed (nothing is executed); the structure,
    every size and every number are checked, and anything wrong is named in a ValueError that names the file.

    Only a regular file is read (symbolic links are followed): a pipe, a device, a socket or a directory is a
    ValueError, as is a file larger than ``max_bytes`` (default ``MAX_MODEL_BYTES``), one that is not UTF-8 or
    not JSON, or JSON nested too deeply. A missing or unreadable file raises the usual OSError."""
    raw = read_regular_file(path, max_bytes, "micrograd model file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not a valid micrograd model file: not UTF-8 text (byte {err.start})") from None
    try:
        state = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError(f"{path} is not a valid micrograd model file: JSON nested too deeply") from None
    except ValueError as err:  # json.JSONDecodeError, NaN/Infinity, or an integer with too many digits
        raise ValueError(f"{path} is not a valid micrograd model file: not JSON ({err})") from None
    try:
        return from_state(state, path)
    except RecursionError:
        raise ValueError(f"{path} is not a valid micrograd model file: JSON nested too deeply") from None


def from_state(state: Any, path: Any = "model") -> MLP:
    """Build the model that ``MLP.to_state`` describes, checking everything as ``load`` does."""
    _require(isinstance(state, dict) and state.get("format") == FORMAT, path, f"'format' is not {FORMAT!r}")
    version = state.get("version")
    _require(type(version) is int and version == 1, path, f"unsupported version {_short(version)}")
    arch = state.get("architecture")
    _require(isinstance(arch, dict), path, "no 'architecture'")
    nin, nouts = arch.get("nin"), arch.get("nouts")
    _require(_size(nin), path, f"bad nin {_short(nin)} (a positive integer)")
    _require(isinstance(nouts, list) and nouts and all(map(_size, nouts)), path,
             f"bad nouts {_short(nouts)} (a list of positive integers)")  # fmt: skip
    for key in ("activation", "output_activation"):
        value = arch.get(key)
        _require(isinstance(value, str) and value in ACTIVATIONS, path,
                 f"bad {key} {_short(value)} (one of {', '.join(map(repr, ACTIVATIONS))})")  # fmt: skip
    layers = state.get("layers")
    sizes = [nin, *nouts]
    _require(isinstance(layers, list) and len(layers) == len(nouts), path, "wrong number of layers")
    for i, saved in enumerate(layers):
        _require(isinstance(saved, list) and len(saved) == nouts[i], path, f"layer {i}: wrong neuron count")
        for j, s in enumerate(saved):
            where = f"layer {i} neuron {j}"
            _require(isinstance(s, dict) and isinstance(s.get("w"), list), path, f"{where}: no weight list")
            _require(len(s["w"]) == sizes[i], path, f"{where}: {len(s['w'])} weights, expected {sizes[i]}")
            finite = all(map(_finite_number, s["w"])) and _finite_number(s.get("b"))
            _require(finite, path, f"{where}: weights must be finite numbers")
    model = MLP.from_layers(
        [[(s["w"], s["b"]) for s in saved] for saved in layers], arch["activation"], arch["output_activation"]
    )
    return model
