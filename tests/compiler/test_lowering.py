"""The scalar compile's lowering (issue 19, item 2): weighted sums found in the graph, however written, replayed as
one array kernel per layer, with the eager engine's numbers (values and, on MLP losses, gradients to the bit)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import micrograd
from micrograd import Value, losses
from micrograd.compiler import TraceWarning
from micrograd.compiler.lowering import Grid, Rows, in_order
from micrograd.engine import weighted_sum
from micrograd.losses import LOSSES
from micrograd.nn import MLP


def grids(step) -> list[Grid]:
    return [g for g in step.program.groups if isinstance(g, Grid)]


def bits(xs: list[float]) -> list[str]:
    return [repr(float(x)) for x in xs]


def batch(n: int, nin: int, seed: int = 0) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]


def run_steps(model: MLP, loss_fn, X, t, lower: bool | None, steps: int = 4) -> list[tuple]:
    """Loss and gradients over a few SGD steps: compiled (lowered or not) or eager (``lower`` None)."""
    step = loss_fn if lower is None else micrograd.compile(loss_fn, lower=lower)
    start = [p.data for p in model.parameters()]
    seen = []
    for _ in range(steps):
        total = step(X, t)
        model.zero_grad()
        total.backward()
        seen.append((bits([total.data]), bits([p.grad for p in model.parameters()])))
        for p in model.parameters():
            p.data -= 0.1 * p.grad
    for p, x in zip(model.parameters(), start):
        p.data = x
    if lower:
        assert len(grids(step)) == len(model.layers)  # one matmul per layer
    return seen


@pytest.mark.parametrize("loss", ["hinge", "mse", "bce", "ce"])
@pytest.mark.parametrize(("activation", "fused"), [("relu", True), ("tanh", False), ("sigmoid", True)])
def test_an_mlp_loss_lowered_is_the_eager_one_to_the_bit(loss: str, activation: str, fused: bool) -> None:
    random.seed(5)
    nout = 3 if loss == "ce" else 1
    model = MLP(3, [6, 5, nout], activation=activation, fused=fused)
    X = batch(12, 3)
    term, targets = LOSSES[loss].traced()
    t = targets([k % max(nout, 2) for k in range(12)], nout)

    def loss_fn(X, t):
        scores = [model(x) for x in X]
        return losses._mean([term(s, ti) for s, ti in zip(scores, t)], loss) + losses.l2(model.parameters(), 1e-3)

    eager_t = [[Value(a) for a in ti] if isinstance(ti, list) else Value(ti) for ti in t]
    eager = run_steps(model, lambda X, t: loss_fn([[Value(a) for a in x] for x in X], eager_t), X, t, None)
    assert run_steps(model, loss_fn, X, t, True) == eager
    assert run_steps(model, loss_fn, X, t, False) == eager


def hand_written(form: str):
    """A neuron written by hand, in several ways: each must lower as Neuron does."""

    def neuron(w: list[Value], b: Value, x: list[Value]) -> Value:
        if form == "chain":  # b + w1*x1 + w2*x2 + ..., the lecture's
            act = b
            for wi, xi in zip(w, x):
                act = act + wi * xi
            return act
        if form == "x*w":
            return sum((xi * wi for wi, xi in zip(w, x)), b)
        if form == "sum then b":  # 0 + w1*x1 + ... + b: two addends that are not products
            return sum(wi * xi for wi, xi in zip(w, x)) + b
        return weighted_sum(b, w, x)

    return neuron


@pytest.mark.parametrize("form", ["chain", "x*w", "sum then b", "fused"])
def test_a_hand_written_layer_lowers_by_its_graph_not_its_class(form: str) -> None:
    rng = random.Random(1)
    W = [[Value(rng.uniform(-1, 1)) for _ in range(4)] for _ in range(3)]
    B = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    neuron = hand_written(form)

    def loss_fn(X):
        return sum((neuron(w, b, x).tanh() for x in X for w, b in zip(W, B)), Value(0.0))

    step = micrograd.compile(loss_fn)
    X = batch(7, 4, seed=2)
    eager = loss_fn([[Value(a) for a in x] for x in X])
    eager.backward()
    want = [p.grad for p in [*B, *(w for row in W for w in row)]]
    for _ in range(3):
        for p in [*B, *(w for row in W for w in row)]:
            p.grad = 0.0
        out = step(X)
        out.backward()
        assert out.data == eager.data
        assert [p.grad for p in [*B, *(w for row in W for w in row)]] == want
    (grid,) = grids(step)  # 7 examples by 3 neurons (or 3 by 7, where the products are written x * w)
    assert sorted(grid.shape) == [3, 7] and "(weighted sums lowered: 1 matmul)" in str(step.program)


def test_partial_matches_fall_back_to_rows_with_the_same_numbers() -> None:
    rng = random.Random(3)
    W = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(4)]
    B = [Value(0.1 * k) for k in range(4)]
    W[2][1] = W[1][0]  # a weight reused by another neuron: still a grid (the weight's gradient sums both)
    shared = W[0][2]  # a weight also used outside the layer

    def loss_fn(X):
        outs = []
        for e, x in enumerate(X):
            for u, (w, b) in enumerate(zip(W, B)):
                terms = list(zip(w, x))
                if e == 1 and u == 3:
                    terms = terms[:-1]  # a neuron missing a term: not in the grid
                outs.append(sum((wi * xi for wi, xi in terms), b).relu())
        return sum(outs) + shared * X[0][0] + X[2][1] * X[2][1]  # an input reused

    X = batch(5, 3, seed=4)
    step = micrograd.compile(loss_fn)
    params = [*B, *(w for row in W for w in row)]
    eager = loss_fn([[Value(a) for a in x] for x in X])
    for p in params:
        p.grad = 0.0
    eager.backward()
    want = [p.grad for p in params]
    for _ in range(3):
        for p in params:
            p.grad = 0.0
        out = step(X)
        out.backward()
        assert out.data == eager.data
        assert [p.grad for p in params] == pytest.approx(want, rel=1e-12, abs=1e-15)
    kinds = [type(g).__name__ for g in step.program.groups if g.lowered]
    assert "Rows" in kinds  # the partial rows... (the grid is not full: the component becomes rows)


def test_a_grid_whose_nodes_backward_visits_out_of_order_is_left_as_rows() -> None:
    w = [[Value(0.5), Value(-1.5)], [Value(2.0), Value(0.25)]]

    def outputs(X):
        n = {(e, u): weighted_sum(Value(0.0), w[u], X[e]) for e in range(2) for u in range(2)}
        return [n[1, 0], n[0, 1], n[0, 0], n[1, 1]]  # returned in an order no grid has

    step = micrograd.compile(outputs)
    X = [[1.0, 2.0], [3.0, -4.0]]
    for _ in range(2):
        got = step(X)
    assert not grids(step) and any(isinstance(g, Rows) for g in step.program.groups)
    assert [v.data for v in got] == [v.data for v in outputs([[Value(a) for a in x] for x in X])]


def test_a_function_that_looks_at_values_is_not_lowered() -> None:
    random.seed(2)
    model = MLP(2, [4, 1])

    def loss_fn(X):
        scores = [model(x) for x in X]
        return sum(s if s > 0 else -s for s in scores)  # a comparison: a last bit could decide it

    step = micrograd.compile(loss_fn)
    with pytest.warns(TraceWarning):
        step(batch(6, 2))
    assert not step.program.lowered and not grids(step)


def test_nan_and_infinity_in_a_lowered_layer_are_the_eager_engines() -> None:
    random.seed(4)
    model = MLP(2, [4, 1])
    step = micrograd.compile(lambda X: losses.mse([model(x) for x in X], [1.0] * len(X)))
    X = batch(5, 2)
    step(X)
    for bad in (math.nan, math.inf, -math.inf):
        model.layers[0].neurons[1].w[0].data = bad
        model.zero_grad()
        got = step(X)
        got.backward()
        got_grads = [p.grad for p in model.parameters()]
        model.zero_grad()
        want = losses.mse([model([Value(a) for a in x]) for x in X], [1.0] * len(X))
        want.backward()
        assert repr(got.data) == repr(want.data)
        assert repr(got_grads) == repr([p.grad for p in model.parameters()])  # NaN stays NaN
    assert step.stats["eager"] >= 3 and step.program.lowered  # handed to the eager engine each time


def test_a_new_batch_size_retraces_into_another_lowered_program() -> None:
    random.seed(6)
    model = MLP(2, [5, 1])
    step = micrograd.compile(lambda X: sum(model(x) for x in X))
    for n in (4, 9, 4):
        out = step(batch(n, 2))
        assert grids(step)[0].shape == (n, 5)
        assert out.data == sum(model(x) for x in batch(n, 2)).data
    assert step.stats["traced"] == 2 and len(step.programs) == 2


@pytest.mark.parametrize("shape", [(17, 1600), (100, 256), (5, 1), (338, 1), (2, 3), (1, 4), (40,)])
def test_in_order_adds_row_after_row_as_a_chain_of_plus_does(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    addends = rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 9, size=shape)  # the order changes the sum
    expected = addends[0].copy()
    for row in addends[1:]:
        expected = expected + row
    assert np.array_equal(in_order(addends), expected)
