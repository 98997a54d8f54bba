"""One process of benchmarks/tensor_vs_torch.py: W1 and W2 on our Tensor engine and on PyTorch, step by step.

Both engines start from the same weights (ours, copied into torch), see the same data and the same minibatches,
and take turns: one step of ours, one step of PyTorch's, so that machine noise falls on both alike. Prints one
JSON object: per-step times, the largest relative difference between the two loss curves, test accuracies.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

import numpy as np
import torch

from micrograd.data import load, minibatches
from micrograd.optim import SGD, Adam, linear_decay
from micrograd.tensor import functional as F
from micrograd.tensor import nn as tnn


def torch_copy(model: tnn.MLP, activation: str) -> torch.nn.Sequential:
    """The same network as an idiomatic torch.nn.Sequential (Linear stores the transpose of our w)."""
    layers: list[torch.nn.Module] = []
    for i, layer in enumerate(model.layers):
        nin, nout = layer.w.shape
        linear = torch.nn.Linear(nin, nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(layer.w.data.T))
            linear.bias.copy_(torch.tensor(layer.b.data))
        layers.append(linear)
        if i < len(model.layers) - 1:
            layers.append(torch.nn.ReLU() if activation == "relu" else torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def w1(rounds: int) -> dict:
    """The moons demo: MLP(2, [16, 16, 1]), hinge + 1e-4 L2, SGD 1.0 -> 0.1, 100 full-batch steps."""
    data = load("moons", 100, 0.1, 1337, 0.0, 2)
    X, y = np.asarray(data.X_train), np.asarray(data.y_train)
    ypm = np.where(y == 1, 1.0, -1.0)
    tX, ty = torch.tensor(X), torch.tensor(ypm)
    times: dict[str, list[float]] = {"ours": [], "torch": []}
    worst = 0.0
    for _ in range(rounds):
        random.seed(1337)
        model = tnn.MLP(2, [16, 16, 1])
        net = torch_copy(model, "relu")
        schedule = linear_decay(1.0, 0.1, 100)
        opt = SGD(model.parameters(), lr=schedule)
        topt = torch.optim.SGD(net.parameters(), lr=1.0)
        for step in range(100):
            t0 = time.perf_counter()
            loss = F.hinge(model(X).reshape(-1), ypm) + F.l2(model.parameters(), 1e-4)
            opt.zero_grad()
            loss.backward()
            opt.step()
            t1 = time.perf_counter()
            for group in topt.param_groups:
                group["lr"] = schedule(step)
            tloss = torch.relu(1 - ty * net(tX).reshape(-1)).mean() + 1e-4 * sum(
                (p * p).sum() for p in net.parameters()
            )
            topt.zero_grad()
            tloss.backward()
            topt.step()
            t2 = time.perf_counter()
            times["ours"].append(t1 - t0)
            times["torch"].append(t2 - t1)
            worst = max(worst, abs(loss.item() - tloss.item()) / abs(tloss.item()))
    return {"times": times, "max_relative_loss_difference": worst}


def w2(steps: int) -> dict:
    """Digits: MLP(64, [64, 10]), softmax cross-entropy, Adam 0.01, minibatches of 64, 20 % held out."""
    data = load("digits", 0, 0.0, 1337, 0.2, 10)
    X, y = np.asarray(data.X_train), np.asarray(data.y_train)
    tX, ty = torch.tensor(X), torch.tensor(y)
    random.seed(1337)
    model = tnn.MLP(64, [64, 10])
    net = torch_copy(model, "relu")
    opt, topt = Adam(model.parameters(), lr=0.01), torch.optim.Adam(net.parameters(), lr=0.01)
    batches = minibatches(len(X), 64, 1337)
    times: dict[str, list[float]] = {"ours": [], "torch": []}
    worst = 0.0
    for _ in range(steps):
        idx = np.asarray(next(batches))
        xb, yb, txb, tyb = X[idx], y[idx], tX[idx], ty[idx]
        t0 = time.perf_counter()
        loss = F.softmax_cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        t1 = time.perf_counter()
        tloss = torch.nn.functional.cross_entropy(net(txb), tyb)
        topt.zero_grad()
        tloss.backward()
        topt.step()
        t2 = time.perf_counter()
        times["ours"].append(t1 - t0)
        times["torch"].append(t2 - t1)
        worst = max(worst, abs(loss.item() - tloss.item()) / abs(tloss.item()))
    Xt, yt = np.asarray(data.X_test), np.asarray(data.y_test)
    ours_acc = float((model(Xt).data.argmax(axis=1) == yt).mean())
    with torch.no_grad():
        torch_acc = float((net(torch.tensor(Xt)).argmax(dim=1).numpy() == yt).mean())
    return {"times": times, "max_relative_loss_difference": worst, "test_accuracy": [ours_acc, torch_acc]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: PyTorch's default)")
    parser.add_argument("--rounds", type=int, default=5, help="W1 runs of 100 steps")
    parser.add_argument("--steps", type=int, default=600, help="W2 steps")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    result = {"torch_threads": torch.get_num_threads(), "w1": w1(args.rounds), "w2": w2(args.steps)}
    for work in ("w1", "w2"):
        t = result[work].pop("times")
        result[work]["median_step_us"] = {k: statistics.median(v[10:]) * 1e6 for k, v in t.items()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
