"""Tensor Linear/MLP: the same network as the scalar library's, the same optimizers, the same file format."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from micrograd import losses, nn
from micrograd.optim import SGD, Adam, linear_decay
from micrograd.tensor import Tensor, functional
from micrograd.tensor import nn as tnn

X = np.random.default_rng(7).normal(size=(6, 3))
Y_PM = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
K = np.array([0, 2, 1, 1, 0, 2])


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("loss", ["hinge", "mse", "bce", "ce"])
def test_both_engines_give_the_same_loss_and_gradients(activation: str, loss: str) -> None:
    nout = 3 if loss == "ce" else 1
    random.seed(11)
    scalar = nn.MLP(3, [5, 4, nout], activation=activation)
    random.seed(11)
    tensor = tnn.MLP(3, [5, 4, nout], activation=activation)
    rows = [scalar(list(x)) for x in X]
    out = tensor(X)
    if loss == "ce":
        s_loss = losses.softmax_cross_entropy(rows, list(K))
        t_loss = functional.softmax_cross_entropy(out, K)
    else:
        targets = (Y_PM > 0).astype(float) if loss == "bce" else Y_PM
        fn = {"hinge": (losses.hinge, functional.hinge), "mse": (losses.mse, functional.mse),
              "bce": (losses.bce_with_logits, functional.bce_with_logits)}[loss]  # fmt: skip
        s_loss, t_loss = fn[0](rows, list(targets)), fn[1](out.reshape(-1), targets)
    s_loss.backward()
    t_loss.backward()
    assert t_loss.item() == pytest.approx(s_loss.data, rel=1e-12, abs=1e-15)
    for layer, s_layer in zip(tensor.layers, scalar.layers):
        w_grad = np.array([[n.w[i].grad for n in s_layer.neurons] for i in range(layer.w.shape[0])])
        np.testing.assert_allclose(layer.w.grad, w_grad, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(layer.b.grad, [n.b.grad for n in s_layer.neurons], rtol=1e-12, atol=1e-15)


def test_save_and_load_share_the_scalar_format(tmp_path: Path) -> None:
    random.seed(2)
    model = tnn.MLP(3, [4, 2], activation="tanh", output_activation="sigmoid")
    model.save(tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text())["format"] == "micrograd.mlp"
    back = tnn.load(tmp_path / "m.json")
    np.testing.assert_array_equal(back(X).data, model(X).data)
    scalar = nn.load(tmp_path / "m.json")  # the scalar library reads it too
    np.testing.assert_allclose([v.data for v in scalar(list(X[0]))], model(X[0]).data, rtol=1e-14)
    scalar.save(tmp_path / "s.json")
    assert (tmp_path / "s.json").read_text() == (tmp_path / "m.json").read_text()
    assert tnn.load(tmp_path / "m.json", dtype=np.float32).layers[0].w.dtype == np.float32


def test_conversions_leave_the_random_stream_alone() -> None:
    random.seed(5)
    model = nn.MLP(2, [3, 1])
    state = random.getstate()
    tnn.MLP.from_scalar(model).to_scalar()
    assert random.getstate() == state


def torch_copy(model: tnn.MLP) -> list[torch.Tensor]:
    return [torch.tensor(p.data, requires_grad=True) for p in model.parameters()]


def torch_forward(params: list[torch.Tensor], x: np.ndarray) -> torch.Tensor:
    h = torch.tensor(x)
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = torch.relu(h)
    return h


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda p: SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3)),
        (lambda p: Adam(p, lr=0.01, weight_decay=1e-4), lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=1e-4)),
    ],
    ids=["sgd", "adam"],
)  # fmt: skip
def test_the_scalar_library_optimizers_train_tensors_as_torch_optim_does(ours, theirs) -> None:
    random.seed(9)
    model = tnn.MLP(3, [8, 3])
    params = torch_copy(model)
    opt, topt = ours(model.parameters()), theirs(params)
    for _ in range(15):
        loss = functional.softmax_cross_entropy(model(X), K)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tloss = torch.nn.functional.cross_entropy(torch_forward(params, X), torch.tensor(K))
        topt.zero_grad()
        tloss.backward()
        topt.step()
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-11)
    for p, tp in zip(model.parameters(), params):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-13)


def test_zero_grad_clears_to_none_and_a_schedule_works() -> None:
    random.seed(1)
    model = tnn.MLP(3, [2, 1])
    opt = SGD(model.parameters(), lr=linear_decay(1.0, 0.1, 10))
    model(X).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    opt.step()
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    opt.step()  # no gradients: nothing moves, nothing fails
    assert opt.lr == pytest.approx(1.0 - 0.9 * 2 / 10)  # two steps taken


def test_bad_sizes_are_named() -> None:
    model = tnn.MLP(3, [2, 1])
    with pytest.raises(ValueError, match=r"Linear\(3 -> 2, relu\) expects inputs whose last axis has 3 numbers"):
        model(np.ones((4, 2)))
    with pytest.raises(ValueError, match="MLP sizes must be positive integers"):
        tnn.MLP(3, [0])
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        tnn.MLP(3, [2], activation="gelu")
    assert repr(model) == "tensor MLP(3 -> 2 -> 1; relu hidden, linear output; 11 parameters)"
    assert isinstance(model(np.ones(3)), Tensor) and model(np.ones(3)).shape == (1,)
