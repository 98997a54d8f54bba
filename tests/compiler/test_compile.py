"""micrograd.compile: replayed values and gradients equal the eager engine's, for every op, MLPs, custom ops and
random graphs; retracing, static arguments, data-dependence checks, errors and the printed program."""

from __future__ import annotations

import math
import random
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import DomainError, Op, Value, losses
from micrograd.compiler import TraceWarning
from micrograd.nn import MLP
from tests.oracle import ALL, Cube, OpCase
from tests.test_random_graphs import build, graphs


def same(a: float, b: float, scale: float = 1.0) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12 * scale) or (math.isnan(a) and math.isnan(b))


def grads_of(params: list[Value], root: Value) -> list[float]:
    for p in params:
        p.grad = 0.0
    root.backward()
    return [p.grad for p in params]


def moons_model() -> tuple[MLP, list[list[float]], list[float]]:
    from micrograd.data import labels_for, load

    d = load("moons", 40, 0.1, 7)
    random.seed(3)
    return MLP(2, [8, 8, 1]), d.X_train, labels_for("hinge", d.y_train)


def test_an_mlp_loss_replays_as_the_eager_engine_computes_it_step_after_step() -> None:
    model, X, y = moons_model()

    def loss_fn(X, y):
        return losses.hinge([model(x) for x in X], y) + losses.l2(model.parameters(), 1e-3)

    step = micrograd.compile(loss_fn)
    params = model.parameters()
    for _ in range(4):  # the first call traces, the next ones replay; parameters change in between
        compiled = step(X, y)
        got = grads_of(params, compiled)
        eager = loss_fn(X, y)
        want = grads_of(params, eager)
        assert same(compiled.data, eager.data)
        scale = max(abs(g) for g in want)
        assert all(same(a, b, scale) for a, b in zip(got, want))
        for p in params:
            p.data -= 0.5 * p.grad
    assert compiled._op == "compiled loss_fn" and len(step.programs) == 1


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.name)
def test_every_op_replays_its_value_and_gradient(case: OpCase) -> None:
    rng = random.Random(case.name)
    points = []
    while len(points) < 6:
        xs = [rng.uniform(-3, 3) for _ in range(case.arity)]
        if case.domain(*xs):
            points.append(xs)
    params = [[Value(x) for x in row] for row in points]  # the op's operands are parameters: grads reach them
    flat = [p for row in params for p in row]
    scales = [rng.uniform(0.5, 2) for _ in points]  # inputs

    def fn(ss):
        return [case.ours(*row) * s for row, s in zip(params, ss)]

    step = micrograd.compile(fn, verify=0)
    step(scales)
    replayed, eager = step(scales), fn(scales)
    for r, e in zip(replayed, eager):
        assert same(r.data, e.data)
        assert all(same(a, b, 1 + abs(b)) for a, b in zip(grads_of(flat, r), grads_of(flat, e)))


@settings(max_examples=max(100, settings.default.max_examples // 2))
@given(graphs(), st.integers(0, 4))
@pytest.mark.filterwarnings("ignore::micrograd.compiler.TraceWarning")  # build() reads .data to skip bad steps
def test_random_graphs_replay_as_the_eager_engine_computes_them(recipe, n_inputs: int) -> None:
    leaves, steps = recipe
    n_inputs = min(n_inputs, len(leaves))
    params = [Value(x) for x in leaves[n_inputs:]]  # reached by closure: the trainable part

    def fn(xs):
        nodes = build(leaves, steps, ours=[*xs, *params])[1]
        return sum(nodes[len(leaves) :], nodes[-1]), nodes[len(leaves) :]

    step = micrograd.compile(fn, verify=0)
    step(leaves[:n_inputs])
    (root, outs), (e_root, e_outs) = step(leaves[:n_inputs]), fn([Value(x) for x in leaves[:n_inputs]])
    assert all(same(a.data, b.data) for a, b in zip(outs, e_outs)) and len(outs) == len(e_outs)
    want = grads_of(params, e_root)
    scale = max([1.0] + [abs(g) for g in want])
    assert all(same(a, b, scale) for a, b in zip(grads_of(params, root), want))


class Erf(Op):
    """erf(x) with math.erf: numbers only, so the replay applies it element by element."""

    name = "erf"

    def forward(self, x):
        return math.erf(x)

    def backward(self, g, out, x):
        return (g * 2 / math.sqrt(math.pi) * math.exp(-x * x),)


def test_custom_ops_replay_written_for_arrays_or_for_numbers() -> None:
    w = Value(0.7)

    def fn(xs):
        return sum(Erf()(Cube()(w * x)) for x in xs)

    step = micrograd.compile(fn)
    step([0.5, -0.25, 1.0])
    replayed, eager = step([0.5, -0.25, 1.0]), fn([0.5, -0.25, 1.0])
    assert same(replayed.data, eager.data) and same(grads_of([w], replayed)[0], grads_of([w], eager)[0])
    assert {g.op.name for g in step.program.groups} >= {"cube", "erf"}


def test_a_new_input_structure_retraces_and_static_arguments_are_settings() -> None:
    w = Value(2.0)
    step = micrograd.compile(lambda xs, k: sum(w * x for x in xs) * k, static=(1,))
    assert step([1.0, 2.0], 3).data == 18.0
    assert step([1.0, 2.0, 3.0], 3).data == 36.0
    assert step([1.0, 2.0], 4).data == 24.0
    assert step([5.0, 5.0], 4).data == 80.0  # replayed
    assert len(step.programs) == 3


def test_value_arguments_are_live_inputs_whose_gradients_are_filled() -> None:
    a, b = Value(3.0), Value(-1.0)
    step = micrograd.compile(lambda x, y: x * x * y)
    step(a, b)
    out = step(a, b)
    out.backward()
    assert (out.data, a.grad, b.grad) == (-9.0, -6.0, 9.0)


def test_results_mix_with_eager_ops_and_nested_outputs_keep_their_shape() -> None:
    w = Value(1.5)
    step = micrograd.compile(lambda xs: ([w * x for x in xs], (w * w, 7)))
    step([1.0, 2.0])
    scores, (square, seven) = step([1.0, 2.0])
    assert [s.data for s in scores] == [1.5, 3.0] and square.data == 2.25 and seven == 7
    total = (scores[0] + scores[1]) * 2 + square
    total.backward()
    assert w.grad == (1.0 + 2.0) * 2 + 2 * 1.5


@pytest.mark.filterwarnings("ignore::micrograd.compiler.TraceWarning")  # after the first, expected
def test_branching_on_values_while_tracing_warns_and_another_branch_traces_again() -> None:
    w = Value(1.0)

    def fn(x):
        return w * x if x > 0 else w * x * x

    step = micrograd.compile(fn)
    with pytest.warns(TraceWarning, match=r"looked at the value of a Value while tracing, at .*test_compile.py"):
        step(2.0)
    assert step(-3.0).data == 9.0  # the comparison comes out the other way: traced again, as eager computes it
    assert step(5.0).data == 5.0 and step(-4.0).data == 16.0  # each branch now has its program
    assert len(step.programs) == 1 and len(next(iter(step.programs.values()))) == 2
    assert step.stats["traced"] == 2 and step.stats["replayed"] == 2


def test_domain_errors_are_the_eager_engines() -> None:
    w = Value(1.0)
    step = micrograd.compile(lambda x: (w * x).log() + (w * x).sqrt())
    step(4.0)
    assert step(4.0).data == math.log(4.0) + 2.0
    with pytest.raises(DomainError, match="log"):
        step(-1.0)  # NaN in the replay: the call is redone eagerly, which raises as always
    with pytest.raises(DomainError, match="log"):
        step(0.0)  # log(0) = -inf in the replay; the eager engine refuses it


def test_gradient_domain_errors_fall_back_to_the_eager_engine() -> None:
    w = Value(1.0)
    step = micrograd.compile(lambda x: (w * x).sqrt(), verify=0)
    step(4.0)
    out = step(0.0)  # sqrt(0) = 0 is fine forward; its derivative is infinite
    with pytest.raises(DomainError, match="sqrt"):
        out.backward()


def test_compiled_results_pass_first_derivatives_only() -> None:
    w = Value(2.0)
    step = micrograd.compile(lambda x: w * w * x)
    step(1.0)
    out = step(1.0)
    with pytest.raises(Exception, match="first derivatives only"):
        micrograd.grad(micrograd.grad(out, [w], create_graph=True)[0], [w])


@pytest.mark.parametrize("lower", [True, False])
def test_the_program_prints_levels_ops_and_sizes(lower: bool) -> None:
    model, X, y = moons_model()
    step = micrograd.compile(lambda X, y: losses.hinge([model(x) for x in X], y), lower=lower)
    step(X, y)
    text = str(step.program)
    assert text.startswith("program <lambda>: ")
    assert f"{len(X) * 3} inputs" in text.replace(",", "") and f"{model.num_parameters()} parameters" in text
    assert "ReLU" in text and "+ chain" in text and "a running sum of" in text
    if lower:  # one matmul per layer, 40 examples by 8, 8 and 1 neurons
        assert "weighted sums lowered: 3 matmuls" in text and "wx+b" not in text
        assert "40 x 2 inputs by 2 x 8 weights + 1" in text and "40 x 8 inputs by 8 x 1 weights + 1" in text
    else:
        assert "wx+b" in text and "matmul" not in text
    levels = [int(line.split()[0]) for line in text.splitlines()[2:]]
    assert levels == sorted(levels) and max(levels) == step.program.levels


def test_bad_arguments_and_results_are_named() -> None:
    step = micrograd.compile(lambda x: x)
    with pytest.raises(TypeError, match="neither numbers nor Values nor hashable"):
        step([{"a": 1}])
    with pytest.raises(TypeError, match=r"must return a Value or a .* got str"):
        micrograd.compile(lambda x: "no")(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        micrograd.compile(lambda x: x * 2)(3.0)  # no branching: no warning


def test_compiled_calls_are_freed_by_reference_counting_alone() -> None:
    """No call leaves a reference cycle: with the cycle collector off, nothing is left for it to find."""
    import gc

    random.seed(0)
    model = MLP(2, [8, 8, 1])
    flat = [random.uniform(-1, 1) for _ in range(20)]

    def loss_fn(*xs):
        return sum(((model([xs[i], xs[i + 1]]) - 1.0) ** 2 for i in range(0, len(xs), 2)), Value(0.0))

    step = micrograd.compile(loss_fn)
    gc.collect()
    gc.disable()
    try:
        for k in range(12):  # traced calls and replays, with number arguments and with Value arguments
            args = [Value(v) for v in flat] if k % 2 else flat
            out = step(*args)
            model.zero_grad()
            out.backward()
            del out, args
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_replay_over_numbers_only_is_an_op_result_whose_grad_starts_afresh() -> None:
    """A compiled call of numbers only is one node without inputs: a node made by an op, so each backward pass
    through it gives its grad afresh (it is not a leaf that accumulates), as eagerly."""
    step = micrograd.compile(lambda x: x * x + 1)
    step(3.0)
    out = step(3.0)
    y = out * 2
    y.backward()
    y.backward()
    eager = Value(3.0) * Value(3.0) + 1
    z = eager * 2
    z.backward()
    z.backward()
    assert out.grad == eager.grad == 2.0
