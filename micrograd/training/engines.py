"""The engines a run trains on, as values of one small interface (``Engine``), in the table ``ENGINES``.

scalar: ``micrograd.nn`` on Values (the lecture's engine); compiled: the same Values, traced once and replayed as
array operations (``micrograd.compile``); tensor: ``micrograd.tensor.nn`` on NumPy arrays. ``micrograd.train``, the
playground and ``micrograd.interop`` ask an engine instead of testing which one they hold. Adding an engine is one
class here and one row of ``ENGINES``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from micrograd import losses, nn
from micrograd.engine import Value
from micrograd.losses import Loss

# NumPy and the Tensor engine are imported where they are used, not here: the command line reads this table to
# lay out its options, and `micrograd demo` or `--help` need neither.

#: A batch's loss: (inputs, class indices) -> (the loss to call backward on, the batch's accuracy)
BatchLoss = Callable[[list[list[float]], list[int]], tuple[Any, float]]
#: The weight penalties of a batch loss (the ``l2`` argument of ``batch_loss``): each penalty's strength, by its
#: name in ``micrograd.losses.PENALTIES`` ({"l1": 0.0, "l2": 1e-4}); a bare number is the L2 strength.
Strengths = Mapping[str, float] | float
Layers = Sequence[tuple[Any, Any]]  # per layer: (weights (nin, nout), biases (nout,))


def accuracy(loss: Loss, scores: Any, y: Sequence[int]) -> float | None:
    """The share of rows of ``scores`` (N, outputs) whose class, as ``loss`` reads it, is ``y``'s (None for a
    regression loss: real-number targets have no class to be right about)."""
    import numpy as np

    if loss.regression:
        return None
    return float((loss.predict(np.asarray(scores, dtype=float)) == np.asarray(y)).mean())


class Scalar:
    """micrograd.nn's MLP of Values, its loss built node by node (the lecture's engine)."""

    name = "scalar"
    help = "the lecture's Value graph"
    model_type: type = nn.MLP

    def build(self, nin: int, nouts: list[int], activation: str) -> Any:
        """A new MLP, its weights drawn from Python's ``random`` (seed it first): the same for every engine."""
        return nn.MLP(nin, nouts, activation=activation)

    def from_layers(self, layers: Layers, activation: str, output_activation: str) -> Any:
        """The MLP holding exactly these weights."""
        return nn.MLP.from_layers([[(w[:, j], b[j]) for j in range(w.shape[1])] for w, b in layers], activation,
                                  output_activation)  # fmt: skip

    def batch_loss(self, model: Any, loss: Loss, l2: Strengths) -> BatchLoss:
        """The loss on one batch (the mean of ``loss.term``, plus the penalties ``l2`` names) and the batch accuracy."""
        width = model.nouts[-1]

        def run(X: list[list[float]], y: list[int]) -> tuple[Value, float]:
            scores = [model(list(map(Value, row))) for row in X]
            data_loss = loss.mean(scores, loss.targets(y, width))
            total = losses.with_penalty(data_loss, model.parameters(), l2)
            return total, accuracy(loss, _numbers(scores), y)

        return run

    def forward(self, model: Any, X: list[list[float]]) -> Any:
        """The model's scores for each example, computed by the model itself: an (N, outputs) array."""
        import numpy as np

        return np.array(_numbers([model(x) for x in X]), dtype=float).reshape(len(X), -1)

    def snapshot(self, model: Any) -> Any:
        """A Tensor copy of the model, to evaluate many examples at once (train on, and ask again)."""
        from micrograd.tensor import nn as tnn

        return tnn.MLP.from_scalar(model)

    def finite(self, model: Any) -> bool:
        return all(math.isfinite(p.data) for p in model.parameters())


class Compiled(Scalar):
    """The scalar engine's model and loss, traced once per batch size by ``micrograd.compile`` and replayed, its
    weighted sums lowered to one matmul per layer (the same numbers as the scalar engine, to the bit)."""

    name = "compiled"
    help = "that graph traced once, then replayed as array operations (micrograd.compile)"

    def batch_loss(self, model: Any, loss: Loss, l2: Strengths) -> BatchLoss:
        """``Scalar.batch_loss``, compiled: labels become numbers (``loss.traced``) so that every batch of one size
        shares a program; the batch accuracy is read from the returned scores, outside the compiled function."""
        from micrograd.compiler import compile

        width, (term, targets) = model.nouts[-1], loss.traced()

        def loss_and_scores(X: list[list[float]], t: list[Any]) -> tuple[Value, list[Any]]:
            scores = [model(x) for x in X]
            data_loss = losses._mean([term(s, ti) for s, ti in zip(scores, t)], loss.name)
            total = losses.with_penalty(data_loss, model.parameters(), l2)
            return total, scores

        # lowered (the default): one matmul per layer, with the scalar engine's numbers to the bit. verify=0: no
        # eager re-run of the first replay (a whole eager step); loss_and_scores has no Python branch on a value
        # and reads no outside number, and tests/compiler/test_compiled_training.py checks whole runs against the
        # scalar engine's
        step = compile(loss_and_scores, verify=0)

        def run(X: list[list[float]], y: list[int]) -> tuple[Value, float]:
            total, scores = step(X, targets(y, width))
            return total, accuracy(loss, _numbers(scores), y)

        return run


class Tensor:
    """micrograd.tensor.nn's MLP: a batch is one matrix product per layer."""

    name = "tensor"
    help = "the same math on NumPy arrays"

    @property
    def model_type(self) -> type:
        from micrograd.tensor import nn as tnn

        return tnn.MLP

    def build(self, nin: int, nouts: list[int], activation: str) -> Any:
        return self.model_type(nin, nouts, activation=activation)

    def from_layers(self, layers: Layers, activation: str, output_activation: str) -> Any:
        return self.model_type.from_scalar(Scalar().from_layers(layers, activation, output_activation))

    def batch_loss(self, model: Any, loss: Loss, l2: Strengths) -> BatchLoss:
        import numpy as np

        def run(X: list[list[float]], y: list[int]) -> tuple[Any, float]:
            scores = model(np.asarray(X, dtype=float))
            data_loss = loss.on_tensors(scores, y)
            total = losses.with_penalty(data_loss, model.parameters(), l2)
            return total, accuracy(loss, scores.data, y)

        return run

    def forward(self, model: Any, X: list[list[float]]) -> Any:
        import numpy as np

        from micrograd.tensor.tensor import no_grad

        with no_grad():
            return model(np.asarray(X, dtype=float).reshape(len(X), -1)).data

    def snapshot(self, model: Any) -> Any:
        return model

    def finite(self, model: Any) -> bool:
        import numpy as np

        return all(np.isfinite(p.data).all() for p in model.parameters())


ENGINES: dict[str, Any] = {engine.name: engine for engine in (Scalar(), Compiled(), Tensor())}


def engine_for(model: Any) -> Any:
    """The first engine of ``ENGINES`` whose models ``model`` is one of (a TypeError for anything else)."""
    for engine in ENGINES.values():
        if isinstance(model, engine.model_type):
            return engine
    raise TypeError(f"expected a micrograd.nn.MLP or micrograd.tensor.nn.MLP, got {type(model).__name__}")


def _numbers(scores: list[Any]) -> list[list[float]]:
    """The numbers of a list of outputs (one Value, or a list of Values, per example)."""
    return [[v.data for v in s] if isinstance(s, list) else [s.data] for s in scores]
