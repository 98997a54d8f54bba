"""Our MLPs to torch.nn.Sequential and back: exact round trips, the same outputs and gradients to 1e-12."""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest
import torch

from micrograd import losses, nn
from micrograd.interop import from_torch, to_torch
from micrograd.tensor import Tensor, functional
from micrograd.tensor import nn as tnn

ACTIVATIONS = [("relu", "linear"), ("tanh", "sigmoid"), ("sigmoid", "tanh"), ("linear", "relu")]
X = np.random.default_rng(8).normal(size=(7, 3))


def scalar_model(activation: str, output: str) -> nn.MLP:
    random.seed(4)
    return nn.MLP(3, [5, 4, 2], activation=activation, output_activation=output)


@pytest.mark.parametrize(("activation", "output"), ACTIVATIONS)
def test_round_trips_are_exact_for_both_engines(activation: str, output: str) -> None:
    model = scalar_model(activation, output)
    seq = to_torch(model)
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    back = from_torch(seq)
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert (back.activation, back.output_activation, back.nouts) == (activation, output, [5, 4, 2])
    tensor = tnn.MLP.from_scalar(model)
    back_t = from_torch(to_torch(tensor), engine="tensor")
    assert isinstance(back_t, tnn.MLP)
    for p, q in zip(back_t.parameters(), tensor.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize(("activation", "output"), ACTIVATIONS)
def test_outputs_and_gradients_of_the_same_loss_agree(activation: str, output: str) -> None:
    model = scalar_model(activation, output)
    seq = to_torch(model)
    k = np.array([0, 1, 1, 0, 1, 0, 0])
    rows = [model(list(x)) for x in X]
    loss = losses.softmax_cross_entropy(rows, list(k))
    loss.backward()
    tout = seq(torch.tensor(X))
    tloss = torch.nn.functional.cross_entropy(tout, torch.tensor(k))
    tloss.backward()
    np.testing.assert_allclose([[v.data for v in r] for r in rows], tout.detach().numpy(), rtol=1e-12, atol=1e-15)
    assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(model.layers, linears):
        ours = np.array([[n.w[i].grad for n in layer.neurons] for i in range(len(layer.neurons[0].w))])
        np.testing.assert_allclose(ours, linear.weight.grad.numpy().T, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose([n.b.grad for n in layer.neurons], linear.bias.grad.numpy(), rtol=1e-10, atol=1e-14)
    tmodel = tnn.MLP.from_scalar(model)
    np.testing.assert_allclose(functional.softmax_cross_entropy(tmodel(Tensor(X)), k).item(), tloss.item(), rtol=1e-12)


def test_from_a_state_dict_with_its_sizes_and_training_on_in_torch() -> None:
    model = scalar_model("tanh", "linear")
    seq = to_torch(model)
    opt = torch.optim.SGD(seq.parameters(), lr=0.1)
    for _ in range(3):  # train on in PyTorch...
        opt.zero_grad()
        torch.nn.functional.mse_loss(seq(torch.tensor(X)), torch.zeros(7, 2, dtype=torch.float64)).backward()
        opt.step()
    back = from_torch(seq.state_dict(), sizes=[3, 5, 4, 2], activation="tanh")  # ...and come back
    np.testing.assert_allclose([[v.data for v in back(list(x))] for x in X], seq(torch.tensor(X)).detach().numpy(),
                               rtol=1e-12)  # fmt: skip
    with pytest.raises(ValueError, match=r"sizes \[3, 6, 2\] do not match the layers' shapes \[3, 5, 4, 2\]"):
        from_torch(seq.state_dict(), sizes=[3, 6, 2])


def test_float32_models_come_back_exactly_as_their_float32_numbers() -> None:
    seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    back = from_torch(seq)
    assert back.layers[0].neurons[0].w[0].data == seq[0].weight[0, 0].item()


@pytest.mark.parametrize(
    ("seq", "match"),
    [
        (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(), torch.nn.Linear(3, 1)),
         r"module 1 \(Dropout\) is not supported"),
        (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False)), "without bias"),
        (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 3), torch.nn.Tanh(),
                                     torch.nn.Linear(3, 1)), r"different activations \['relu', 'tanh'\]"),
        (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)), "do not chain"),
        (lambda: torch.nn.Sequential(torch.nn.ReLU()), r"module 0 \(ReLU\) is not supported"),
        (lambda: torch.nn.Sequential(), "no Linear layers"),
    ],
)  # fmt: skip
def test_what_is_not_an_mlp_is_named(seq, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        from_torch(seq())


def test_without_torch_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"to_torch needs the 'torch' package.*pip install torch==2.13.0"):
        to_torch(scalar_model("relu", "linear"))
