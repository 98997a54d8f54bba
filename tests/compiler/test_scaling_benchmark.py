"""benchmarks/compile_scaling.py stays runnable (its timings are not asserted: speed is for benchmarks)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from micrograd import Value, losses
from micrograd.autodiff import topological_order
from micrograd.data import labels_for, load
from micrograd.nn import MLP

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import compile_scaling


def test_the_scaling_benchmark_measures_a_small_graph() -> None:
    random.seed(1)
    model = MLP(2, [16, 16, 1])
    size, eager, trace, replay, plain = compile_scaling.measure(model, 10)
    d = load("moons", 10, 0.1, 1337)
    X = [[Value(a) for a in row] for row in d.X_train]  # inputs as the tracer makes them: one leaf per number
    y = [Value(t) for t in labels_for("hinge", d.y_train)]
    loss = losses.hinge([model(x) for x in X], y) + losses.l2(model.parameters(), 1e-4)
    assert size == len(topological_order(loss))  # the program has a slot for every Value of the graph
    assert min(eager, trace, replay, plain) > 0
