"""``micrograd.compile`` gives the eager engine's numbers, gradients and errors, or refuses loudly (issue 15).

Each test calls a compiled function several times, so that the first call (traced) and the later ones (replayed,
or handed to the eager engine) are all checked; the numbers are compared with the same function run eagerly.
"""

from __future__ import annotations

import gc
import math
import random
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest

import micrograd
from micrograd import DomainError, Op, Value, losses, ops
from micrograd.compiler import CompileError, TraceWarning
from micrograd.compiler.kernels import KERNELS, kernel
from micrograd.compiler.program import LIMIT
from micrograd.nn import MLP
from tests.compiler.custom_ops import Clip, PlusTwo, TooFew


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


# ------------------------------------------------------------------------------------- 1. Value arguments
def test_value_arguments_get_their_gradients_on_calls_that_trace_and_on_replays() -> None:
    step = micrograd.compile(lambda x, k: x * x * k, static=(1,))
    a = Value(3.0)
    for k, traced in [(1, 1), (2, 2), (2, 2), (1, 2)]:  # the first call and a new static value trace
        a.grad = 0.0
        step(a, k).backward()
        assert a.grad == 6.0 * k and step.stats["traced"] == traced

    total = micrograd.compile(lambda xs: sum(x * x for x in xs))
    for n in [2, 2, 3]:  # a new list length traces again
        xs = [Value(float(i + 1)) for i in range(n)]
        total(xs).backward()
        assert [x.grad for x in xs] == [2.0 * (i + 1) for i in range(n)]


# ----------------------------------------------------------------------- 2-4. the gradients' eager fallback
def test_the_gradient_fallback_takes_the_right_output_among_numbers_and_lists() -> None:
    w, q = Value(0.5), Value(2.0)
    step = micrograd.compile(lambda x, y: (x, 2.5, (-2.0) ** q * w, [7, w * y]))  # x: a number argument, first
    for _ in range(3):
        out = step(1.0, 3.0)
        assert out[1] == 2.5 and out[3][0] == 7
        w.grad = q.grad = 0.0
        out[2].backward()  # d/dq of (-2)^q is NaN (a negative base): the eager engine decides
        assert w.grad == 4.0 and math.isnan(q.grad)
        w.grad = q.grad = 0.0
        out[3][1].backward()
        assert (w.grad, q.grad) == (3.0, 0.0)


def test_a_value_passed_twice_or_also_reached_by_closure_is_counted_once_per_use() -> None:
    a, b = Value(-1.0), Value(2.0)
    step = micrograd.compile(lambda x, y, e: (x + y) ** e)
    for _ in range(3):
        a.grad = b.grad = 0.0
        step(a, a, b).backward()
        assert a.grad == -8.0 and math.isnan(b.grad)  # (-2)^e: its exponent's derivative is NaN
    w = Value(-1.0)
    by_closure = micrograd.compile(lambda x, e: (x + w) ** e)
    for _ in range(3):
        w.grad = 0.0
        by_closure(w, b).backward()
        assert w.grad == -8.0


def test_a_nan_gradient_shows_even_where_the_gradient_arriving_is_zero() -> None:
    w = Value(2.0)
    step = micrograd.compile(lambda x: ((-2.0) ** w) * x + w)
    for _ in range(3):
        w.grad = 0.0
        step(0.0).backward()
        assert math.isnan(w.grad)  # eagerly: 0 * NaN + 1


def test_gradients_near_the_float_limit_are_summed_in_the_eager_engines_order() -> None:
    w = Value(1.0)

    def fn(x, y, z):
        return w * x + w * y + w * z

    step = micrograd.compile(fn)
    for x, y, z in [(1e308, -1e308, 1e308), (1e308, 1e308, -1e308), (-1e308, 1e308, 1e308)]:
        w.grad = 0.0
        step(x, y, z).backward()
        eager_w = Value(1.0)
        (eager_w * x + eager_w * y + eager_w * z).backward()
        assert w.grad == eager_w.grad
    assert LIMIT < 1.8e308 / 1e6


# ---------------------------------------------------------------------------------------------- 5. custom ops
def test_a_custom_op_named_plus_is_not_addition() -> None:
    plus = PlusTwo()
    step = micrograd.compile(lambda x, y: plus(plus(plus(x, y), y), y))
    assert [step(0.5, 1.5).data for _ in range(3)] == [9.5] * 3
    chained = micrograd.compile(lambda xs: plus(plus(plus(plus(xs[0], xs[1]), xs[2]), xs[3]), xs[4]))
    assert [chained([1.0, 1.0, 1.0, 1.0, 1.0]).data for _ in range(3)] == [9.0] * 3


def test_a_custom_rule_with_too_few_gradients_is_the_eager_type_error() -> None:
    w = Value(2.0)
    step = micrograd.compile(lambda x: TooFew()(x, w) + w)
    for _ in range(3):
        w.grad = 5.0
        with pytest.raises(TypeError, match="one gradient per input"):
            step(3.0).backward()
        assert w.grad == 5.0  # backward() is all or nothing


def test_a_compiled_function_called_inside_another_is_traced_through() -> None:
    w = Value(2.0)
    inner = micrograd.compile(lambda x: x * x * w)
    inner(1.0), inner(1.0)  # inner has a program of its own
    outer = micrograd.compile(lambda xs: [inner(x) for x in xs])
    for scale in [1.0, 1.0, 3.0]:
        w.data = 2.0 * scale
        assert [v.data for v in outer([1.5, 2.5])] == [4.5 * scale, 12.5 * scale]
    assert all(g.op.name != "compiled <lambda>" for g in outer.program.groups)


def test_a_node_made_before_the_call_is_read_as_it_is_and_passes_its_gradient_on() -> None:
    a, b = Value(2.0), Value(3.0)
    c = a * b
    a.data = 100.0  # c keeps its number, eagerly: 6
    step = micrograd.compile(lambda x: c * x)
    for _ in range(3):
        a.grad = b.grad = 0.0
        out = step(5.0)
        out.backward()
        assert (out.data, a.grad, b.grad) == (30.0, 15.0, 500.0)  # into c, then through a * b (a.data is now 100)


def test_a_node_input_is_reached_only_from_the_outputs_that_depend_on_it() -> None:
    """Backward through an output that does not use ``c`` must not run c's rule (eagerly it is not reached)."""
    a, b, z = Value(2.0), Value(3.0), Value(0.0)
    c, root = a * b, z.sqrt()  # made before the call; sqrt's rule at 0 raises whatever gradient arrives
    step = micrograd.compile(lambda x: (x * 2, c * x + root))
    step(1.0)
    b.data = math.inf  # c's rule would now give a the gradient 0 * inf = NaN
    for _ in range(2):
        a.grad = 0.0
        first, second = step(1.0)
        first.backward()
        assert a.grad == 0.0
        with pytest.raises(DomainError, match="sqrt"):
            second.backward()
    h = a * 3.0  # a node as a Value argument
    by_argument = micrograd.compile(lambda x, y: (x * 2, y * x))
    for _ in range(3):
        a.grad = 0.0
        by_argument(1.0, h)[0].backward()
        assert a.grad == 0.0


def test_a_value_passed_and_reached_by_closure_sums_its_gradient_in_the_eager_order() -> None:
    """Near the float limit the order of a sum decides (1e308 + 4 - 1e308): it is the eager engine's."""
    w = Value(1.1125369292536007e-308)
    step = micrograd.compile(lambda x: 4.0 * w + x / x)  # 4 + 1/w - w/w**2: eagerly 0.0
    for _ in range(3):
        w.grad = 0.0
        step(w).backward()
        eager_w = Value(w.data)
        (4.0 * eager_w + eager_w / eager_w).backward()
        assert w.grad == eager_w.grad == 0.0


# ------------------------------------------------------------------------------ 6. looking at values
@pytest.mark.filterwarnings("ignore::micrograd.compiler.TraceWarning")  # after the first, expected
def test_branches_on_values_are_traced_again_where_they_go_the_other_way() -> None:
    w = Value(1.0)
    biggest = micrograd.compile(lambda x, y: max(x, y) * w)
    with pytest.warns(TraceWarning):
        assert biggest(1.0, 2.0).data == 2.0
    assert [biggest(x, y).data for x, y in [(3.0, 2.0), (-3.0, -2.0), (5.0, 1.0), (1.0, 5.0)]] == [3.0, -2.0, 5.0, 5.0]

    threshold = micrograd.compile(lambda x: x * w if w > 0.5 else -x)  # a comparison with a parameter
    with pytest.warns(TraceWarning):
        threshold(2.0)
    w.data = 0.0
    assert threshold(2.0).data == -2.0
    w.data = 1.0
    assert threshold(2.0).data == 2.0


@pytest.mark.filterwarnings("ignore::micrograd.compiler.TraceWarning")  # after the first, expected
def test_numbers_read_from_values_are_checked_at_every_call() -> None:
    w = Value(1.0)
    detach = micrograd.compile(lambda x: Value(x.data * 2) * w + float(x))  # numbers that escape the graph
    with pytest.warns(TraceWarning, match="number read"):
        assert detach(1.0).data == 3.0
    assert detach(1.0).data == 3.0 and detach.stats["replayed"] == 1  # the same number: replayed
    assert detach(2.0).data == 6.0 and detach.stats["traced"] == 2  # another: traced again
    read = micrograd.compile(lambda x: (x * w, (x * w).data))  # a number among the results
    with pytest.warns(TraceWarning):
        read(1.0)
    assert [read(x)[1] for x in [1.0, 2.0, 3.0]] == [1.0, 2.0, 3.0]
    text = micrograd.compile(lambda x: x * w if repr(x).startswith("Value(data=-") else x * x)  # print(x) too
    with pytest.warns(TraceWarning):
        assert text(2.0).data == 4.0
    assert [text(x).data for x in [2.0, -3.0, 3.0]] == [4.0, -3.0, 9.0]


def test_past_sixteen_programs_a_structure_runs_eagerly() -> None:
    step = micrograd.compile(lambda x: Value(x.data) * 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [step(float(i)).data for i in range(20)]
    assert results == [2.0 * i for i in range(20)]
    assert any("run on the eager engine" in str(w.message) for w in caught)
    assert step.stats["traced"] == 17 and step.stats["eager"] >= 3


@pytest.mark.parametrize(
    "body, what",
    [
        (lambda x, w: x * w.grad, "read a Value's .grad"),
        (lambda x, w: ((x * w).backward(), x * w)[1], "wrote a Value's .grad"),
        (lambda x, w: (setattr(w, "data", 2.0), x * w)[1], "wrote a Value's .data"),
    ],
    ids=["read grad", "backward inside", "write data"],
)
def test_side_effects_a_replay_would_not_repeat_are_refused(body, what: str) -> None:
    w = Value(1.0)
    step = micrograd.compile(lambda x: body(x, w))
    with pytest.raises(CompileError, match=what):
        step(3.0)
    assert type(Value.__dict__["data"]).__name__ == "member_descriptor"  # the engine is itself again


# ----------------------------------------------------------------------------------- 7-8. errors, eagerly
def test_number_arguments_are_values_at_every_call() -> None:
    w = Value(0.5)
    step = micrograd.compile(lambda x: x.tanh() * w)
    assert [step(x).data for x in [1.0, 2.0, 3.0]] == [math.tanh(x) * 0.5 for x in [1.0, 2.0, 3.0]]


@pytest.mark.parametrize(
    "fn, good, bad",
    [
        (lambda x: x**0.5, 4.0, -4.0),  # a complex number in Python
        (lambda x: 1.0 / x, 2.0, 0.0),  # ZeroDivisionError in Python
        (lambda x: 2.0**x, 2.0, 2000.0),  # OverflowError in Python
        (lambda x: x.exp(), 2.0, 1000.0),
        (lambda x: (x - 1).log(), 2.0, 1.0),
        (lambda x: x * 2, 2.0, 10**400),  # an int too large for a float
    ],
    ids=["root", "divide", "power", "exp", "log", "huge int"],
)
def test_domain_errors_are_the_eager_engines_domain_error(fn, good: float, bad: float) -> None:
    step = micrograd.compile(fn)
    for _ in range(2):
        step(good)
        with pytest.raises(DomainError):
            step(bad)


def test_nan_and_infinity_are_what_the_eager_engine_gives() -> None:
    w = Value(1.0)
    step = micrograd.compile(lambda x: ((x * w).log(), (x * w).relu(), x * w * 1e308))
    for x in [2.0, math.nan, 2.0, math.inf]:
        got, want = step(x), (lambda v: ((v * w).log(), (v * w).relu(), v * w * 1e308))(Value(x))
        assert all(same(a.data, b.data) for a, b in zip(got, want))
        w.grad = 0.0
        got[1].backward()
        assert same(w.grad, x)  # relu(NaN) passes a gradient of 1, as eagerly


def test_a_backward_error_off_the_path_to_the_parameters_is_raised() -> None:
    w = Value(0.5)
    step = micrograd.compile(lambda x: w * x.sqrt())
    step(1.0)
    for _ in range(2):
        w.grad = 7.0
        with pytest.raises(DomainError, match="sqrt"):
            step(0.0).backward()  # sqrt's derivative at 0, though no parameter is behind it
        assert w.grad == 7.0


def test_an_unused_node_is_evaluated_as_eagerly() -> None:
    w = Value(1.0)

    def fn(x):
        x.log()  # not used, but eagerly it is computed: log(-1) is an error
        return x * w

    step = micrograd.compile(fn)
    step(2.0)
    for _ in range(2):
        assert step(3.0).data == 3.0
        with pytest.raises(DomainError, match="log"):
            step(-1.0)


# ------------------------------------------------------------------------------------ 9. custom ops per node
def test_a_custom_op_with_an_if_runs_node_by_node() -> None:
    w = Value(1.5)
    clip = Clip()
    step = micrograd.compile(lambda xs: sum(clip(x * w) for x in xs))
    for xs in [[1.0, -2.0, 3.0], [1.0, -2.0, 3.0], [-1.0, 2.0, -3.0]]:
        w.grad = 0.0
        out = step(xs)
        out.backward()
        expected = sum(x * 1.5 if x > 0 else 0.15 * x for x in xs)
        assert math.isclose(out.data, expected) and math.isclose(w.grad, sum(x if x > 0 else 0.1 * x for x in xs))


# -------------------------------------------------------------------------------------- 10. the same numbers
KERNEL_OPS = [
    ops.ADD, ops.SUB, ops.MUL, ops.DIV, ops.NEG, ops.EXP, ops.LOG, ops.TANH, ops.SIGMOID, ops.RELU, ops.ABS,
    ops.SQRT, ops.SOFTPLUS, ops.SIN, ops.COS, ops.POW, ops.WEIGHTED_SUM, ops.LOGSUMEXP,
    *(ops.PowConst(n) for n in [2.0, 3.0, 0.5, -1.0, 0.0, 2.5, -0.5]),
    *(ops.ConstPow(c) for c in [2.0, 0.5, -2.0, 0.0, -0.0, math.e]),
]  # fmt: skip
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, -1e-300, 5e-324, 1e300, -1e300, 709.78, 710.0, -745.2, 20.0, -20.0,
         1e16, math.pi, math.inf, -math.inf, math.nan]  # fmt: skip


@pytest.mark.parametrize("op", KERNEL_OPS, ids=lambda op: op.name)
def test_every_kernel_gives_the_ops_forward_to_the_bit(op: Op) -> None:
    assert type(op) in KERNELS or type(op) is ops.LogSumExp
    rng = random.Random(op.name)
    binary = (ops.Add, ops.Sub, ops.Mul, ops.Div, ops.Pow)
    arity = 5 if type(op) is ops.WeightedSum else 3 if type(op) is ops.LogSumExp else 2 if type(op) in binary else 1
    rows = [
        [rng.choice(EDGES) if rng.random() < 0.3 else rng.uniform(-30, 30) for _ in range(arity)] for _ in range(4000)
    ]
    rows += [[rng.uniform(-1, 1) * 10 ** rng.uniform(-8, 3) for _ in range(arity)] for _ in range(4000)]
    expected = []
    for row in rows:
        try:
            expected.append(float(op.forward(*row)))
        except (ArithmeticError, ValueError):
            expected.append(None)  # eagerly an error: the replay must raise or give NaN/infinity
    columns = [np.array(col) for col in zip(*rows)]
    with np.errstate(all="ignore"):
        try:
            got = kernel(op)(op, *columns).tolist()
        except (ArithmeticError, ValueError, TypeError):  # one element raised: the call is redone eagerly
            assert None in expected
            ok = [i for i, e in enumerate(expected) if e is not None]
            columns = [c[ok] for c in columns]
            got = kernel(op)(op, *columns).tolist()
            expected = [expected[i] for i in ok]
    for g, e in zip(got, expected):
        assert (not math.isfinite(g)) if e is None else repr(g) == repr(e)


def test_tanh_gradients_at_saturation_equal_the_eager_engines() -> None:
    w = Value(1.0)
    step = micrograd.compile(lambda xs: [(x * w).tanh() for x in xs])
    rng = random.Random(1)
    xs = [rng.uniform(0.5, 19) for _ in range(300)]  # NumPy's tanh differs from math.tanh for about 1 in 5
    step(xs)
    for out, x in zip(step(xs), xs):
        w.grad = 0.0
        out.backward()
        eager_w = Value(1.0)
        (x * eager_w).tanh().backward()
        assert out.data == math.tanh(x) and w.grad == eager_w.grad


def test_an_mlp_loss_gets_the_eager_engines_gradients_to_the_last_bit() -> None:
    """The replay adds each weight's gradients in the order the eager backward() does (see ``program._order``)."""
    random.seed(2)
    model = MLP(2, [8, 8, 1])
    X = [[random.uniform(-2, 2), random.uniform(-2, 2)] for _ in range(30)]
    y = [random.choice([-1.0, 1.0]) for _ in X]

    def loss_fn(X, y):
        return losses.hinge([model(x) for x in X], y) + losses.l2(model.parameters(), 1e-3)

    step, params = micrograd.compile(loss_fn), model.parameters()
    for _ in range(4):
        model.zero_grad()
        compiled = step(X, y)
        compiled.backward()
        got = [p.grad for p in params]
        model.zero_grad()
        eager = loss_fn(X, y)
        eager.backward()
        assert compiled.data == eager.data and got == [p.grad for p in params]
        for p in params:
            p.data -= 0.1 * p.grad


# ------------------------------------------------------------------------- several outputs, one backward pass
def test_backward_through_several_outputs_sums_them_before_the_program_runs_backward() -> None:
    w = Value(0.7)

    def fn(x):
        h = (x * w).tanh()
        return h * h, h + w, 4.0

    step = micrograd.compile(fn)
    for x in [0.3, 0.3, -1.2]:
        a, b, four = step(x)
        w.grad = 0.0
        (a + 2 * b).backward()
        eager_w = Value(0.7)
        ea, eb, _ = (lambda h: (h * h, h + eager_w, 4.0))((x * eager_w).tanh())
        (ea + 2 * eb).backward()
        assert four == 4.0 and math.isclose(w.grad, eager_w.grad, rel_tol=1e-15)
        assert micrograd.grad(a + 2 * b, [w])[0].data == w.grad  # micrograd.grad passes through it too


def test_a_backward_pass_that_stopped_early_leaves_nothing_for_the_next() -> None:
    w = Value(0.7)
    step = micrograd.compile(lambda x: (x * w, x * w * w))
    step(2.0)
    a, b = step(2.0)
    a._maker.backward(1.0, a.data, 0.0)  # as a pass that raised before reaching the call's node would leave it
    w.grad = 0.0
    b.backward()
    assert w.grad == 2 * 2.0 * 0.7


# ---------------------------------------------------------------------------------------- 11. memory
def test_calls_are_freed_by_reference_counting_and_memory_does_not_grow() -> None:
    """With the cycle collector off, every call's Values, numbers and argument Values go as soon as the last name
    for them does, and 130 calls use no more memory than 50 (a call's graph left behind is tens of kB)."""
    random.seed(0)
    model = MLP(2, [8, 8, 1])
    X = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(30)]
    y = [random.choice([-1.0, 1.0]) for _ in X]
    step = micrograd.compile(lambda X, y: losses.hinge([model(x) for x in X], y))
    by_value = micrograd.compile(lambda xs: sum(model([xs[i], xs[i + 1]]) for i in range(0, len(xs), 2)))

    def call(k: int) -> list[weakref.ref]:
        rows = X if k % 7 else X[: 10 + k % 3]  # now and then another batch size: a traced call
        out = step(rows, y[: len(rows)])
        model.zero_grad()
        out.backward()
        args = [Value(v) for row in rows for v in row]
        total = by_value(args)
        total.backward()
        assert all(a.grad != 0.0 for a in args)
        numbers = [o._maker.call.vals for o in (out, total) if o._op.startswith("compiled")]
        made = [p for p in total._prev if p._maker is not None]  # the call's own nodes (the parameters live on)
        return [weakref.ref(x) for x in [out, total, *args, *numbers, *made]]

    call(0)  # a first trace imports and caches what tracing needs (module objects that hold cycles), once
    gc.collect()
    gc.disable()
    try:
        for k in range(20):
            assert all(r() is None for r in call(k))  # gone when call() returns: no cycle keeps them
        tracemalloc.start()
        try:
            for k in range(20, 130):
                if k == 50:
                    before = tracemalloc.get_traced_memory()[0]
                call(k)
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert grown < 40_000, grown  # Python's free lists of small tuples fill up: a few hundred bytes a call
        assert gc.collect() == 0
    finally:
        gc.enable()
