"""The lecture's worked examples, built with the package: the README expression, the 2-input neuron, the tiny MLP.

The command line (``micrograd demo``, ``micrograd graph``), the notebooks in ``examples/`` and the tests all use
these, so the numbers the lecture quotes are checked in one place.
"""

from __future__ import annotations

import random

from micrograd.engine import Value
from micrograd.nn import MLP

#: The lecture's four-example dataset and its targets.
LECTURE_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
LECTURE_YS = [1.0, -1.0, -1.0, 1.0]


def readme_example() -> tuple[Value, Value, Value]:
    """The expression from the README (and the lecture's opening): returns g, a, b after backward."""
    a = Value(-4.0, label="a")
    b = Value(2.0, label="b")
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    c.label, d.label, e.label, f.label, g.label = "c", "d", "e", "f", "g"
    g.backward()
    return g, a, b


def neuron() -> tuple[Value, dict[str, Value]]:
    """The lecture's 2-input neuron o = tanh(x1*w1 + x2*w2 + b) after backward: o and its labelled leaves.

    The bias 6.8813735870195432 makes n = 0.8814, so o = tanh(n) = 0.7071 = 1/sqrt(2).
    """
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}


def tiny_mlp_loss(seed: int = 1337, fused: bool = True) -> tuple[Value, MLP]:
    """The squared error of a tiny tanh MLP(2, [2, 1]) on one example, after backward: the loss and the model."""
    random.seed(seed)
    model = MLP(2, [2, 1], activation="tanh", output_activation="tanh", fused=fused)
    x = [Value(1.0, label="x1"), Value(-2.0, label="x2")]
    for i, layer in enumerate(model.layers):
        for j, n in enumerate(layer.neurons):
            for k, w in enumerate(n.w):
                w.label = f"w{i}{j}{k}"
            n.b.label = f"b{i}{j}"
    pred = model(x)
    pred.label = "pred"
    loss = (pred - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss, model


def lecture_mlp(steps: int = 20, lr: float = 0.05, seed: int = 1337) -> list[float]:
    """The lecture's tiny network: MLP(3, [4, 4, 1]) with tanh, four examples, MSE, plain gradient descent."""
    random.seed(seed)
    model = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
    losses = []
    for _ in range(steps):
        preds = [model(x) for x in LECTURE_XS]
        loss = sum((p - y) ** 2 for p, y in zip(preds, LECTURE_YS))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data += -lr * p.grad
        losses.append(loss.data)
    return losses
