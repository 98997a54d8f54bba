"""Issue 19's scalar target: the compiled scalar W1 step against the eager Tensor step, side by side.

W1 is the moons demo: MLP(2, [16, 16, 1]), hinge + 1e-4 L2, SGD with lr 1.0 -> 0.1 over 100 full-batch steps of
100 examples, float64. Contenders, each a whole training step (forward, backward, update), run interleaved (one
step of each in turn, in a random order each time) so that the machine's noise falls on all alike:

- tensor: the eager Tensor engine (``micrograd.tensor.nn.MLP``, ``functional.hinge`` + ``functional.l2``);
- compiled: ``micrograd.compile`` of the scalar loss (the lecture's Values), weighted sums lowered (the default);
- compiled, lower=False: the same, replayed as level groups (the program before issue 19);

and, for the numbers, the eager scalar engine (the lecture's, run once: it is 50x slower). The table gives each
contender's median step over all rounds and its ratio to the Tensor step; the compiled runs' losses and final
weights are compared with the eager scalar run's.

    python benchmarks/scalar_compile_vs_tensor.py [--rounds 5] [--steps 100]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import micrograd
from micrograd import data as datasets
from micrograd import losses
from micrograd.nn import MLP
from micrograd.optim import SGD, linear_decay
from micrograd.tensor import Tensor
from micrograd.tensor import functional as F
from micrograd.tensor import nn as tnn


def w1() -> tuple[list[list[float]], list[int]]:
    d = datasets.load("moons", 100, 0.1, 1337, 0.0, 2)
    return [list(row) for row in d.X_train], datasets.labels_for("hinge", d.y_train)


def scalar_run(lower: bool | None, steps: int) -> tuple[Callable[[int], float], MLP]:
    """A step function of the scalar model: compiled (``lower``) or eager (``lower`` None)."""
    X, y = w1()
    random.seed(1337)
    model = MLP(2, [16, 16, 1])

    def loss_fn(X: Any, y: Any) -> Any:
        return losses.hinge([model(x) for x in X], y) + losses.l2(model.parameters(), 1e-4)

    step = loss_fn if lower is None else micrograd.compile(loss_fn, lower=lower)
    opt = SGD(model.parameters(), lr=linear_decay(1.0, 0.1, steps))

    def one(k: int) -> float:
        loss = step(X, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.data

    return one, model


def tensor_run(steps: int) -> Callable[[int], float]:
    X, y = w1()
    random.seed(1337)
    model = tnn.MLP(2, [16, 16, 1])
    Xa, ya = np.asarray(X, dtype=float), Tensor(np.asarray(y, dtype=float))
    opt = SGD(model.parameters(), lr=linear_decay(1.0, 0.1, steps))

    def one(k: int) -> float:
        loss = F.hinge(model(Xa).reshape(-1), ya) + F.l2(model.parameters(), 1e-4)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return one


def relative(a: list[float], b: list[float]) -> float:
    return max((abs(x - y) / max(abs(y), 1e-300) for x, y in zip(a, b)), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs of the 100-step demo (default 5)")
    parser.add_argument("--steps", type=int, default=100, help="steps per run (default 100)")
    args = parser.parse_args()

    eager, eager_model = scalar_run(None, args.steps)
    reference = [eager(k) for k in range(args.steps)]
    reference_weights = [p.data for p in eager_model.parameters()]

    names = ["tensor", "compiled", "compiled, lower=False"]
    times: dict[str, list[float]] = {name: [] for name in names}
    curves: dict[str, list[float]] = {}
    weights: dict[str, list[float]] = {}
    order = random.Random(0)
    for _ in range(args.rounds):
        (lowered, lowered_model), (plain, plain_model) = scalar_run(True, args.steps), scalar_run(False, args.steps)
        runs = {"tensor": tensor_run(args.steps), "compiled": lowered, "compiled, lower=False": plain}
        losses_seen: dict[str, list[float]] = {name: [] for name in names}
        for k in range(args.steps):
            for name in order.sample(names, len(names)):
                t = time.perf_counter()
                losses_seen[name].append(runs[name](k))
                if k >= 2:  # the first calls trace (compiled) or warm up
                    times[name].append(time.perf_counter() - t)
        curves = losses_seen
        weights = {"compiled": [p.data for p in lowered_model.parameters()],
                   "compiled, lower=False": [p.data for p in plain_model.parameters()]}  # fmt: skip

    base = statistics.median(times["tensor"])
    print(f"W1 training step, median of {args.rounds} x {args.steps - 2} steps, interleaved (float64)")
    print(f"{'contender':<24} {'step':>9} {'/ tensor':>9}  {'losses vs eager scalar':>23}  final weights")
    for name in names:
        step = statistics.median(times[name])
        against = relative(curves[name], reference)
        final = f"{relative(weights[name], reference_weights):.1e}" if name in weights else "-"
        print(f"{name:<24} {step * 1e6:>7.0f}us {step / base:>8.2f}x  {against:>23.1e}  {final}")


if __name__ == "__main__":
    main()
