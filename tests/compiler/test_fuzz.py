"""Differential fuzzing of ``micrograd.compile``: random functions, compiled and run eagerly on the same numbers.

A case is a random function of number arguments, Value arguments (some passed twice, one sometimes a parameter the
function also reaches by closure), a list of numbers whose length changes between calls, and a static setting. It
uses parameters by closure (and a node made from them before the call), every op, the losses (the class of the
cross-entropy from the static setting), custom ops (one with an ``if``, one called "+", one whose rule ignores its
gradient, one with a bad rule, one that raises), long ``sum()`` chains, fused and unfused neurons, logsumexp,
reused nodes, unused nodes, a compiled function inside it, branches on values (``if``, ``max``), numbers read from
Values, and several outputs with plain numbers among them. Layers on batches exercise the lowering
(``compiler/lowering.py``): full grids in every way a neuron is written (fused, the lecture's chain, ``x * w``,
``sum(...) + b``), and partial ones (a neuron missing a term, a weight reused by another neuron, weights and
inputs also used elsewhere, nodes met out of grid order); number arguments are sometimes NumPy float32s. Each
case calls the function several times with new numbers (edge values among them: 0, -0, tiny, huge, inf, NaN) and
new parameters, compiled in one world and eagerly (on Values) in an identical one, then back-propagates a random
mix of the outputs in both. Values must be equal to the bit, every gradient equal (to rounding: the compiled
backward adds in another order), every error of the same type; a ``CompileError`` is a loud refusal, counted
apart.

``MICROGRAD_FUZZ_EXAMPLES=100000`` runs that many cases; ``MICROGRAD_FUZZ_REPORT=path`` writes the counts there
as JSON (after every chunk of cases, with the seconds taken), and then a mismatch is counted (by kind) instead
of failing the case at once.
"""

from __future__ import annotations

import json
import math
import operator
import os
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import Value, losses
from micrograd.autodiff import topological_order
from micrograd.compiler import CompileError
from micrograd.engine import weighted_sum
from tests.compiler.custom_ops import Clip, Fragile, PlusTwo, Stubborn, TooFew
from tests.oracle import Cube

#: A few hundred cases in CI (the "ci" profile's 150 examples are too few for this many kinds of step), more locally.
EXAMPLES = int(os.environ.get("MICROGRAD_FUZZ_EXAMPLES", max(300, settings.default.max_examples)))
REPORT = os.environ.get("MICROGRAD_FUZZ_REPORT", "")
CHUNK = 500
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0, 1e-300, -1e-300, 5e-324, 1e300, -1e300, 1e155, 709.0, 710.0, 20.0,
         -40.0, math.inf, -math.inf, math.nan]  # fmt: skip


CUSTOM = {"cube": Cube(), "clip": Clip(), "plus": PlusTwo(), "stubborn": Stubborn(), "toofew": TooFew(),
          "fragile": Fragile()}  # fmt: skip
UNARY = {
    "neg": operator.neg, "exp": Value.exp, "log": Value.log, "tanh": Value.tanh, "sigmoid": Value.sigmoid,
    "relu": Value.relu, "abs": Value.abs, "sqrt": Value.sqrt, "softplus": Value.softplus, "sin": Value.sin,
    "cos": Value.cos, "square": lambda x: x**2, "cube": lambda x: x**3, "root": lambda x: x**0.5,
    "inverse": lambda x: x**-1, "pow0": lambda x: x**0, "pow2.5": lambda x: x**2.5, "2**x": lambda x: 2**x,
    "(-2)**x": lambda x: (-2.0) ** x, "(-2)**0x": lambda x: (-2.0) ** (x * 0.0), "0**x": lambda x: 0.0**x,
    "x+c": lambda x: x + 1.5, "c-x": lambda x: 2.5 - x,
    "x*c": lambda x: x * -3.0, "c/x": lambda x: 2.0 / x, "x/c": lambda x: x / 0.5,
    # the ops above that are undefined somewhere, on numbers where they are defined
    "log(x²+1)": lambda x: (x * x + 1).log(), "sqrt(x²+1)": lambda x: (x * x + 1).sqrt(),
    "(x²+1)**2.5": lambda x: (x * x + 1) ** 2.5, "(x²+1)**x": lambda x: (x * x + 1) ** x,
    "c/(x²+1)": lambda x: 2.0 / (x * x + 1), "x**0.5 of |x|+1": lambda x: (x.abs() + 1) ** 0.5,
}  # fmt: skip
BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}
COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}

RESTRICTED = {"log", "sqrt", "root", "pow2.5", "inverse", "c/x", "(-2)**x", "0**x"}  # undefined for some numbers


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, each as often as its weight (``st.one_of`` would merge repeated ones)."""
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(lambda s: s)


index = st.integers(0, 10**6)
unary = st.sampled_from(sorted(set(UNARY) - RESTRICTED) * 4 + sorted(RESTRICTED))
plain = st.floats(-3, 3)
edgy = weighted((3, plain), (1, st.sampled_from(EDGES)))  # in a third of the calls
looking = st.one_of(  # steps that look at values: the program is replayed only where they look the same
    st.tuples(
        st.just("branch"), st.sampled_from(sorted(COMPARE)), index, st.one_of(index, st.floats(-2, 2)), unary, unary
    ),
    st.tuples(st.just("max"), index, index),
    st.tuples(st.just("read"), index, index, st.integers(0, 2)),
)
step = st.one_of(
    st.tuples(st.just("unary"), unary, index),
    st.tuples(st.just("binary"), st.sampled_from(["+", "+", "-", "-", "*", "*", "*", "/", "/", "**"]), index, index),
    st.tuples(
        st.just("custom"), st.sampled_from(["cube", "clip", "plus", "plus", "stubborn", "fragile"]), index, index
    ),
    st.tuples(st.just("sum"), index, st.integers(1, 12), st.booleans()),
    st.tuples(st.just("neuron"), index, st.lists(index, min_size=2, max_size=8), st.booleans(), unary),
    st.tuples(st.just("logsumexp"), st.lists(index, min_size=1, max_size=4)),
    st.tuples(  # a layer on a batch: the lowered grids, and partial ones (see World.layer)
        st.just("layer"),
        st.tuples(index, index, index),
        st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 4)),
        st.sampled_from(["fused", "chain", "x*w", "sum then b"]),
        st.sampled_from(["full", "full", "missing term", "reused weight", "out of order"]),
        unary,
    ),
    st.tuples(
        st.just("loss"),
        st.sampled_from(["hinge", "mse", "bce", "ce", "l2"]),
        st.lists(index, min_size=1, max_size=4),
        st.lists(st.sampled_from([-1.0, 0.0, 1.0, 2.5]), min_size=4, max_size=4),
    ),
    st.tuples(st.just("inner"), index, index),
    st.tuples(st.just("unused"), unary, index),
)
rare = st.one_of(
    st.tuples(st.just("custom"), st.just("toofew"), index, index),
    st.tuples(st.just("refused"), st.integers(0, 2), index),
)


@dataclass
class Recipe:
    numbers: int  # number arguments
    aliases: list[int]  # the Value arguments: which of the pool each is (-1: a parameter, also in the closure;
    # 3: a node made from the parameters before the call)
    steps: list[tuple]
    outputs: list[Any]  # node indices; ("number", c); ("data", i); ("list", [i, j])
    parameters: int
    derived: bool  # a node made from the parameters before the calls, used by the function


@st.composite
def recipes(draw) -> Recipe:
    steps = draw(st.lists(step, min_size=1, max_size=25))
    for extra in draw(st.lists(weighted((3, looking), (1, rare)), max_size=2)):  # in a quarter of cases
        if draw(st.integers(0, 3)) == 0:
            steps.insert(draw(st.integers(0, len(steps))), extra)
    output = weighted(
        (6, index),
        (1, st.tuples(st.just("number"), st.floats(-5, 5))),
        (1, st.tuples(st.just("data"), index)),
        (2, st.tuples(st.just("list"), st.lists(index, max_size=3))),
    )
    return Recipe(
        numbers=draw(st.integers(0, 3)),
        aliases=draw(st.lists(st.integers(-1, 3), max_size=3)),
        steps=steps,
        outputs=draw(st.lists(output, min_size=1, max_size=4)),
        parameters=draw(st.integers(1, 4)),
        derived=draw(st.booleans()),
    )


@dataclass
class Call:
    numbers: list[float]
    values: list[float]  # the pool's numbers
    listed: list[float]  # the list argument (its length changes: a new structure)
    static: int
    parameters: list[float]
    seeds: list[float | None]  # the backward root: sum of seeds[k] * (k-th Value output), None: left out
    float32: bool = False  # the number arguments passed as NumPy float32s


@st.composite
def calls(draw, recipe: Recipe) -> list[Call]:
    def numbers(n: int) -> list[float]:
        return draw(st.lists(number, min_size=n, max_size=n))

    length, static, plan = draw(st.integers(1, 3)), 1, []
    for _ in range(draw(st.integers(2, 6))):
        number = edgy if draw(st.integers(0, 2)) == 0 else plain
        if draw(st.integers(0, 5)) == 0:  # now and then a new structure: another list length, another setting
            length, static = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        seeds = draw(st.lists(st.sampled_from([1.0, 1.0, 0.0, -2.0, 0.5, None]), min_size=8, max_size=8))
        plan.append(
            Call(numbers(recipe.numbers), numbers(3), numbers(length), static, numbers(recipe.parameters), seeds,
                 draw(st.integers(0, 7)) == 0)
        )  # fmt: skip
    return plan


class World:
    """The parameters, Value arguments and inner function of one side (compiled or eager)."""

    def __init__(self, recipe: Recipe, compiled: bool):
        self.recipe = recipe
        self.parameters = [Value(0.5 + i) for i in range(recipe.parameters)]
        self.derived = [self.parameters[0] * self.parameters[-1]] if recipe.derived else []
        self.pool = [Value(0.0, label=f"v{i}") for i in range(3)]
        self.made = (self.parameters[-1] * 2.0).tanh()  # not a leaf: its gradient goes on to the parameter
        inner = self.inner_function
        self.inner = micrograd.compile(inner) if compiled else inner
        self.fn = micrograd.compile(self.function, static=(3,)) if compiled else self.function

    def inner_function(self, u: Value, v: Value) -> Value:
        return (u * v + u.tanh()) * self.parameters[0]

    def arguments(self, call: Call) -> list[Value]:
        for v, x in zip(self.pool, call.values):
            v.data = x
        for p, x in zip(self.parameters, call.parameters):
            p.data = x
        return [self.parameters[0] if a < 0 else self.made if a == 3 else self.pool[a] for a in self.recipe.aliases]

    def leaves(self) -> list[Value]:
        return [*self.parameters, *self.pool]

    def function(self, numbers: tuple, values: tuple, listed: list, static: int) -> Any:
        self.static = static
        env = [*numbers, *values, *listed, *self.parameters, *self.derived, Value(float(static))]
        for s in self.recipe.steps:
            node = self.step(s, env)
            if isinstance(node, list):
                env += node
            elif node is not None:
                env.append(node)
        return [self.output(o, env) for o in self.recipe.outputs]

    def step(self, s: tuple, env: list[Value]) -> Value | None:
        kind, pick = s[0], lambda i: env[i % len(env)]
        if kind == "unary":
            return UNARY[s[1]](pick(s[2]))
        if kind == "binary":
            return BINARY[s[1]](pick(s[2]), pick(s[3]))
        if kind == "custom":
            op = CUSTOM[s[1]]
            return op(pick(s[2]), pick(s[3])) if s[1] in ("plus", "toofew") else op(pick(s[2]))
        if kind == "sum":
            terms = [pick(s[1] + j) for j in range(s[2])]
            return sum(terms) if s[3] else sum(terms[1:], terms[0])
        if kind == "neuron":
            nodes = [pick(i) for i in s[2]]
            half = (len(nodes) - 1) // 2
            b, w, x = nodes[0], nodes[1 : 1 + half], nodes[1 + half : 1 + 2 * half]
            if s[3]:
                act = weighted_sum(b, w, x)
            else:
                act = b
                for wi, xi in zip(w, x):
                    act = act + wi * xi
            return UNARY[s[4]](act)
        if kind == "logsumexp":
            return losses.logsumexp([pick(i) for i in s[1]])
        if kind == "layer":
            return self.layer(s, pick)
        if kind == "loss":
            xs = [pick(i) for i in s[2]]
            labels = s[3][: len(xs)]
            if s[1] == "ce":  # the class comes from the static argument: a new setting, a new program
                return losses.softmax_cross_entropy([xs, xs[::-1]], [self.static % len(xs), 0])
            if s[1] == "l2":
                return losses.l2(xs, 1e-3)
            return {"hinge": losses.hinge, "mse": losses.mse, "bce": losses.bce_with_logits}[s[1]](xs, labels)
        if kind == "branch":
            a, other = pick(s[2]), s[3] if isinstance(s[3], float) else pick(s[3])
            return UNARY[s[4]](a) if COMPARE[s[1]](a, other) else UNARY[s[5]](a)
        if kind == "max":
            return max(pick(s[1]), pick(s[2]))
        if kind == "read":
            a, b = pick(s[1]), pick(s[2])
            if s[3] == 0:
                return Value(a.data * 0.5)
            return b * float(a) if s[3] == 1 else b + (1.0 if a.data > 0 else -1.0)
        if kind == "inner":
            return self.inner(pick(s[1]), pick(s[2]))
        if kind == "unused":
            UNARY[s[1]](pick(s[2]))
            return None
        assert kind == "refused"
        a = pick(s[2])
        if s[1] == 0:
            return a * a.grad
        if s[1] == 1:
            (a * a).backward()
            return a
        self.parameters[0].data = 1.0
        return a

    def layer(self, s: tuple, pick: Any) -> list[Value]:
        """``units`` neurons of ``n`` inputs on ``rows`` input vectors, all picked from what exists, written in one of
        the forms a neuron takes; "missing term" drops a term of one neuron, "reused weight" gives one neuron
        another's weight, "out of order" lists the nodes so that backward() meets them in an order no grid has."""
        (xs, ws, bs), (rows, units, n), form, variant, act = s[1:]
        X = [[pick(xs + r * n + i) for i in range(n)] for r in range(rows)]
        W = [[pick(ws + u * n + i) for i in range(n)] for u in range(units)]
        B = [pick(bs + u) for u in range(units)]
        if variant == "reused weight" and units > 1:
            W[1][0] = W[0][-1]
        out = {}
        for r, x in enumerate(X):
            for u, (w, b) in enumerate(zip(W, B)):
                terms = list(zip(w, x))
                if variant == "missing term" and (r, u) == (rows - 1, units - 1) and n > 1:
                    terms = terms[1:]
                if form == "fused":
                    act_in = weighted_sum(b, [wi for wi, _ in terms], [xi for _, xi in terms])
                elif form == "chain":
                    act_in = b
                    for wi, xi in terms:
                        act_in = act_in + wi * xi
                elif form == "x*w":
                    act_in = sum((xi * wi for wi, xi in terms), b)
                else:
                    act_in = sum(wi * xi for wi, xi in terms) + b
                out[r, u] = act_in
        order = sorted(out, key=lambda k: (k[0] + k[1]) % 2) if variant == "out of order" else list(out)
        return [UNARY[act](out[k]) for k in order]

    def output(self, o: Any, env: list[Value]) -> Any:
        pick = lambda i: env[i % len(env)]  # noqa: E731
        if isinstance(o, int):
            return pick(o)
        if o[0] == "number":
            return o[1]
        if o[0] == "data":
            return pick(o[1]).data
        return [pick(i) for i in o[1]]


# ------------------------------------------------------------------------------------------------ comparing
def flat(out: Any) -> list[Any]:
    if isinstance(out, (list, tuple)):
        return [x for item in out for x in flat(item)]
    return [out]


def bits(x: Any) -> str:
    return repr(x.data if isinstance(x, Value) else float(x))


def mass(root: Value) -> dict[Value, float]:
    """For each node, the sum over paths from the root of |product of local derivatives|: the size of what its
    gradient adds up, so that rounding (which depends on the order of the sum) is judged against it. Empty where
    a rule fails on these numbers."""
    m: dict[Value, float] = {root: 1.0}
    for node in reversed(topological_order(root)):
        if node._maker is None:
            continue
        try:
            local = node._maker.backward(m.get(node, 0.0), node.data, *[p.data for p in node._prev])
            for p, lk in zip(node._prev, local):
                m[p] = m.get(p, 0.0) + abs(float(lk))
        except Exception:  # the eager backward raised here too: nothing to compare
            return {}
    return m


def same_grad(got: float, want: float, size: float) -> bool:
    """Equal up to rounding: within 1e-12 of the size of what was summed (``mass``); NaN and inf exactly."""
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if math.isinf(want) or math.isinf(got):
        return got == want
    return abs(got - want) <= 1e-12 * (size + abs(want)) + 1e-300


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    mismatches: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    largest: float = 0.0  # the largest gradient difference, relative to the size of what was summed

    def mismatch(self, kind: str, detail: str) -> None:
        self.mismatches[kind] += 1
        if len(self.examples) < 50:
            self.examples.append(f"{kind}: {detail}")
        assert REPORT, f"{kind}: {detail}"  # counting mode goes on; otherwise Hypothesis shrinks the case


TALLY = Tally()


def run(recipe: Recipe, plan: list[Call], tally: Tally) -> None:
    compiled, eager = World(recipe, compiled=True), World(recipe, compiled=False)
    tally.counts["cases"] += 1
    for call in plan:
        tally.counts["calls"] += 1
        results = []
        for world, is_compiled in ((compiled, True), (eager, False)):
            values = tuple(world.arguments(call))
            numbers, listed = call.numbers, call.listed
            if call.float32:  # (1e300 becomes inf as a float32)
                with np.errstate(over="ignore"):
                    numbers, listed = [np.float32(x) for x in numbers], [np.float32(x) for x in listed]
            if not is_compiled:  # the compiled function makes numbers Values: so does the reference
                numbers, listed = [Value(x) for x in numbers], [Value(x) for x in listed]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    results.append((world.fn(tuple(numbers), values, listed, call.static), None))
            except Exception as err:  # the errors themselves are compared
                results.append((None, err))
        (got, got_err), (want, want_err) = results
        if isinstance(got_err, CompileError):
            if not any(s[0] == "refused" for s in recipe.steps):
                tally.mismatch("unexpected CompileError", f"{got_err}: {recipe} {call}")
            tally.counts["refused (CompileError)"] += 1
            return
        detail = f"{recipe} {call}"
        if got_err is not None or want_err is not None:
            tally.counts["calls raising"] += 1
            if type(got_err) is not type(want_err):
                tally.mismatch("forward error", f"{type(got_err).__name__} vs {type(want_err).__name__}: {detail}")
            continue
        if [bits(x) for x in flat(got)] != [bits(x) for x in flat(want)]:
            tally.mismatch("value", f"{[bits(x) for x in flat(got)]} vs {[bits(x) for x in flat(want)]}: {detail}")
            continue
        check_gradients(compiled, eager, got, want, call, detail, tally)
    stats = compiled.fn.stats
    for k in ("traced", "replayed", "eager", "eager backward"):
        tally.counts[f"compiled calls {k}"] += stats[k]
    for variants in compiled.fn.programs.values():
        for variant in variants:
            for grp in variant.program.groups:
                if grp.lowered:
                    tally.counts[f"lowered groups: {grp.describe()[0]}"] += 1


def check_gradients(compiled: World, eager: World, got: Any, want: Any, call: Call, detail: str, tally: Tally) -> None:
    roots = []
    for world, out in ((compiled, got), (eager, want)):
        terms = [v * c for v, c in zip([v for v in flat(out) if isinstance(v, Value)], call.seeds) if c is not None]
        if not terms:
            return
        for v in world.leaves():
            v.grad = 0.0
        roots.append(sum(terms[1:], terms[0]))
    errors = []
    for root in roots:
        try:
            root.backward()
            errors.append(None)
        except Exception as err:
            errors.append(err)
    if errors[0] is not None or errors[1] is not None:
        tally.counts["backward raising"] += 1
        if type(errors[0]) is not type(errors[1]):
            tally.mismatch("backward error", f"{type(errors[0]).__name__} vs {type(errors[1]).__name__}: {detail}")
            return
    if errors[0] is None:  # micrograd.grad: the same numbers, without .grad
        by_grad = [micrograd.grad(root, world.leaves()) for root, world in zip(roots, (compiled, eager))]
        if not all(same_grad(g.data, v.grad, 0.0) for g, v in zip(by_grad[0], compiled.leaves())):
            tally.mismatch("micrograd.grad", f"{by_grad[0]} vs {compiled.leaves()}: {detail}")
    sizes = mass(roots[1])
    for i, (a, b) in enumerate(zip(compiled.leaves(), eager.leaves())):
        size = sizes.get(b, 0.0)
        tally.counts["gradients compared"] += 1
        if a.grad == b.grad or (math.isnan(a.grad) and math.isnan(b.grad)):
            tally.counts["gradients equal to the bit"] += 1
        elif math.isfinite(a.grad - b.grad) and 0 < size + abs(b.grad) < math.inf:
            tally.largest = max(tally.largest, abs(a.grad - b.grad) / (size + abs(b.grad)))
        if not same_grad(a.grad, b.grad, size if math.isfinite(size) else 0.0):
            if not size < 1e300 and eager_disagrees_with_itself(eager, want, call, i, b.grad):
                tally.counts["gradients summing terms near the float limit, which eagerly depend on the order"] += 1
                return
            kind = "gradient" if errors[0] is None else "gradient after a backward error"
            tally.mismatch(kind, f"{a.grad!r} vs {b.grad!r} (size {size}): {detail}")
            return


def eager_disagrees_with_itself(eager: World, want: Any, call: Call, leaf: int, grad: float) -> bool:
    """Whether the eager engine gives another gradient for the same outputs added up in the opposite order (terms
    near the float limit: 1e308 + 4 - 1e308 is 0 or 4, depending on which two are added first)."""
    terms = [v * c for v, c in zip([v for v in flat(want) if isinstance(v, Value)], call.seeds) if c is not None]
    for v in eager.leaves():
        v.grad = 0.0
    try:
        sum(terms[-2::-1], terms[-1]).backward()
    except Exception:
        return True
    again = eager.leaves()[leaf].grad
    return not (again == grad or (math.isnan(again) and math.isnan(grad)))


def _case(recipe: Recipe, data: st.DataObject) -> None:
    run(recipe, data.draw(calls(recipe)), TALLY)


def write_report(started: float) -> None:
    report = {"seconds": round(time.perf_counter() - started), "counts": TALLY.counts, "mismatches": TALLY.mismatches,
              "largest relative gradient difference": TALLY.largest}  # fmt: skip
    with open(REPORT, "w") as f:
        json.dump({**report, "examples": TALLY.examples}, f, indent=1)


def test_compiled_functions_equal_the_eager_engine_on_random_programs() -> None:
    TALLY.counts.clear(), TALLY.mismatches.clear(), TALLY.examples.clear()
    TALLY.largest = 0.0
    database = None if REPORT else settings.default.database
    started = time.perf_counter()
    for start in range(0, EXAMPLES, CHUNK):  # Hypothesis keeps every example of a run: long runs go in chunks
        examples = min(CHUNK, EXAMPLES - start)
        fuzz = settings(
            max_examples=examples, deadline=None, database=database, suppress_health_check=list(HealthCheck)
        )(given(recipes(), st.data())(_case))
        fuzz()
        if REPORT:  # after every chunk: a long run shows its counts so far
            write_report(started)
    assert TALLY.counts["cases"] >= min(EXAMPLES, 100) and not TALLY.mismatches, TALLY.mismatches
    assert TALLY.counts["lowered groups: matmul"] and TALLY.counts["lowered groups: dot"], TALLY.counts
