"""micrograd.nn in the original form: construction order, behaviour, and agreement with torch."""

from __future__ import annotations

import random

import pytest
import torch

from micrograd import Value
from micrograd.nn import MLP, Layer, Module
from tests.oracle import close


def test_initialisation_follows_the_original_order_of_random_draws() -> None:
    random.seed(1337)
    model = MLP(2, [3, 1])
    random.seed(1337)
    expected = [[random.uniform(-1, 1) for _ in range(2)] for _ in range(3)]
    expected.append([random.uniform(-1, 1) for _ in range(3)])
    got = [[w.data for w in n.w] for layer in model.layers for n in layer.neurons]
    assert got == expected
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_parameter_order_and_count() -> None:
    model = MLP(3, [4, 4, 1])
    params = model.parameters()
    assert len(params) == 41
    first = model.layers[0].neurons[0]
    assert params[:4] == [*first.w, first.b]


def test_original_reprs_and_default_activations() -> None:
    model = MLP(2, [16, 16, 1])
    assert repr(model.layers[0].neurons[0]) == "ReLUNeuron(2)"
    assert repr(model.layers[-1].neurons[0]) == "LinearNeuron(16)"
    assert repr(model.layers[0]) == "Layer(2 -> 16, relu)"
    assert repr(model) == "MLP(2 -> 16 -> 16 -> 1; relu hidden, linear output; 337 parameters)"
    assert isinstance(Module().parameters(), list) and Module().parameters() == []


def test_layer_returns_a_single_value_for_one_neuron_and_a_list_otherwise() -> None:
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    out = Layer(2, 3)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_a_one_neuron_hidden_layer_works() -> None:
    model = MLP(2, [1, 3, 1])
    out = model([0.5, -0.25])
    out.backward()
    assert isinstance(out, Value)
    assert any(p.grad != 0.0 for p in model.parameters())


def test_zero_grad_clears_every_parameter() -> None:
    model = MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("fused", [True, False])
def test_mlp_matches_torch_forward_and_gradients(activation: str, fused: bool) -> None:
    random.seed(7)
    model = MLP(3, [5, 4, 2], activation=activation, output_activation="tanh", fused=fused)
    x = [0.3, -1.2, 2.0]
    outs = model(x)
    loss = outs[0] * outs[1] + outs[1]
    loss.backward()
    act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda t: t}[activation]
    h = torch.tensor(x, dtype=torch.float64)
    tensors = []
    for i, layer in enumerate(model.layers):
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        tensors.append((W, b))
        h = W @ h + b
        h = torch.tanh(h) if i == len(model.layers) - 1 else act(h)
    t_loss = h[0] * h[1] + h[1]
    t_loss.backward()
    assert close(loss.data, t_loss.item())
    for layer, (W, b) in zip(model.layers, tensors):
        for r, n in enumerate(layer.neurons):
            assert close(n.b.grad, b.grad[r].item(), abs_=1e-12)
            for c, w in enumerate(n.w):
                assert close(w.grad, W.grad[r, c].item(), abs_=1e-12)


def test_fused_and_written_out_neurons_give_identical_numbers() -> None:
    results = []
    for fused in (True, False):
        random.seed(3)
        model = MLP(4, [6, 1], fused=fused)
        loss = (model([1.0, -0.5, Value(2.0), 0.25]) - 1) ** 2
        loss.backward()
        results.append((loss.data, [p.grad for p in model.parameters()]))
    assert results[0] == results[1]


def _demo_losses(steps: int) -> list[float]:
    """The original demo's training loop, written exactly as in its notebook."""
    import numpy as np
    from sklearn.datasets import make_moons

    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = MLP(2, [16, 16, 1])
    losses = []
    for k in range(steps):
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        data_loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(scores))
        total_loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        total_loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append(total_loss.data)
    return losses


def test_seed_1337_reproduces_the_original_demo_losses() -> None:
    # The original's first three losses; its nodes' inputs are a set, so the order in which it sums a
    # weight's gradient contributions (and so the last bit) varies: agreement is to 1e-12.
    expected = [0.8958441028683222, 1.7235905336972022, 0.7429006313851131]
    assert _demo_losses(3) == pytest.approx(expected, rel=1e-12)
