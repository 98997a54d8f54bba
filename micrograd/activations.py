"""The activations a layer can apply, one row each. Every part that names an activation reads this table: the
scalar and Tensor networks (``nn``, ``tensor.nn``), the exporters (``interop``), the CLI and the playground.

Adding an activation, once its op exists (in ``ops.py``: the op's class with its instance, and its method in
``ops.Functions``, which Values and Tensors share), is one row here. Standard library only: a row names the
method, it does not import an engine.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Activation:
    name: str  # what configs, files and the command line call it
    method: str | None  # the Value / Tensor method that applies it; None: the identity
    title: str  # "ReLU", as a neuron's repr shows it ("ReLUNeuron(2)")
    torch: str | None  # the torch.nn module computing it (None: no module)
    onnx: str | None  # the ONNX operator computing it (None: no node)

    def apply(self, x: object) -> object:
        """``x`` (a Value or a Tensor) with the activation applied."""
        return getattr(x, self.method)() if self.method else x


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", "relu", "ReLU", "ReLU", "Relu"),
        Activation("tanh", "tanh", "Tanh", "Tanh", "Tanh"),
        Activation("sigmoid", "sigmoid", "Sigmoid", "Sigmoid", "Sigmoid"),
        Activation("linear", None, "Linear", None, None),
    )
}


def nonlinear() -> tuple[str, ...]:
    """The activations that are not the identity (the command line lists these first, then the identity)."""
    return tuple(name for name, a in ACTIVATIONS.items() if a.method is not None)


def activation(name: object) -> Activation:
    """The row called ``name``; a ValueError naming the choices for any other name."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: choose one of {', '.join(map(repr, ACTIVATIONS))}")
    return ACTIVATIONS[name]
