"""Neural nets made of Values: Module, Neuron, Layer, MLP — the original micrograd's API.

``Neuron(nin)``, ``Layer(nin, nout)`` and ``MLP(nin, nouts)`` build weights in the original's order from
Python's ``random`` (uniform in [-1, 1], bias 0), so ``random.seed(1337)`` gives the original's model.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from micrograd.engine import Value, weighted_sum

Input = Value | float | int

#: The activations a neuron can apply to its weighted sum, by name.
ACTIVATIONS = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}


def _check_activation(name: str) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: choose one of {', '.join(map(repr, ACTIVATIONS))}")
    return name


class Module:
    """Something with parameters: ``parameters()`` lists them, ``zero_grad()`` clears their gradients."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


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

    def __call__(self, x: Sequence[Input]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} expects {len(self.w)} inputs, got {len(x)}")
        if self.fused:
            act = weighted_sum(self.b, self.w, x)
        else:
            act = self.b
            for wi, xi in zip(self.w, x):  # b + w1*x1 + w2*x2 + ..., in the original's order
                act = act + wi * xi
        f = ACTIVATIONS[self.activation]
        return f(act) if f is not None else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        names = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}
        return f"{names[self.activation]}Neuron({len(self.w)})"


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
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


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
        if not nouts:
            raise ValueError("MLP needs at least one layer size in nouts")
        sizes = [nin, *nouts]
        last = len(nouts) - 1
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
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
