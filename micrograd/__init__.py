"""micrograd: a tiny, readable reverse-mode autograd engine, and a neural-net library on top.

Where to start:

- ``micrograd.Value`` (the same class as ``micrograd.engine.Value``): a number that remembers how it was made.
  ``a = Value(2.0, label="a"); L = a * a + 1; L.backward(); a.grad`` gives 4.0, as in the lecture.
  Every op's forward and local derivative sit side by side in ``micrograd.ops``.
- ``micrograd.nn``: ``Neuron``, ``Layer`` and ``MLP(nin, nouts)``, as in the lecture; ``micrograd.losses`` and
  ``micrograd.optim`` (SGD, Adam) to train them.
- ``micrograd.draw_dot(root)``: the graph, with every node's data and grad (no system Graphviz needed).
- The ``micrograd`` command: ``micrograd train`` runs the original demo, ``micrograd --help`` lists the rest.
- The notebooks in the repository's ``examples/`` folder follow the lecture chapter by chapter.

Also here: ``Tensor`` (the same maths on NumPy arrays), ``compile`` (trace a scalar graph once, replay it fast),
``grad`` (derivatives as values, to any order) and ``Op`` (your own op). ``import micrograd.engine`` alone loads
only the standard library.
"""

from typing import Any

from micrograd import engine, losses, nn, optim
from micrograd.autodiff import grad
from micrograd.engine import Value
from micrograd.errors import DomainError
from micrograd.gradcheck import check_grad, numerical_grad
from micrograd.ops import Op

__all__ = [
    "DomainError",
    "Op",
    "Tensor",
    "Value",
    "check_grad",
    "compile",
    "draw_dot",
    "engine",
    "grad",
    "losses",
    "nn",
    "numerical_grad",
    "optim",
]
__version__ = "0.4.0"
#: What pip installs (``pip install micrograd-lab``); the import name is ``micrograd``.
DISTRIBUTION = "micrograd-lab"


def __getattr__(name: str) -> Any:
    # draw_dot needs graphviz, Tensor and compile need NumPy: import them on first use, so that the scalar engine
    # itself stays standard-library only
    if name == "draw_dot":
        from micrograd.viz import draw_dot

        return draw_dot
    if name == "compile":
        from micrograd.compiler import compile

        return compile
    if name == "Tensor":
        from micrograd.tensor import Tensor

        return Tensor
    raise AttributeError(f"module 'micrograd' has no attribute {name!r}")
