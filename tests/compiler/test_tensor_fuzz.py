"""Differential fuzzer: random Tensor programs, compiled against eager, on new inputs each call.

A program is a few parameters (Tensors that require grad, reached by closure) and arguments (arrays) of 0 to 3
dimensions, float64 or float32, with edge values (±0, ±inf, NaN, huge, tiny), then steps that each make a node from
earlier ones (reuse is the rule): elementwise ops with broadcasting and numbers, reductions over axes, matmul,
shapes, indexing with repeated indices and masks, log_softmax, concat/stack, casts, max(dim) (guarded), an
argument used directly as an operand, an argument as an index or a mask (rebound each call; the number a mask keeps
changes from call to call, and with it the shapes after it), and ``no_grad``. The root is ``sum_k (node_k *
w_k).sum()``, each ``w_k`` broadcast along the first axis (whose length a mask changes).

The compiled function is called on four sets of arguments (the trace, then replays), then on arguments of the
other dtype (a new trace); each call is compared with the eager function on the same arguments: the result and
every parameter's gradient, byte for byte, or the same exception. Steps that do not fit the first arguments'
shapes are dropped when the program is made, so the function is the same on every call.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import micrograd
from micrograd.optim import SGD, Adam, linear_decay
from micrograd.tensor import Tensor, concatenate, functional, stack
from micrograd.tensor.tensor import no_grad

EDGES = [0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e300, -1e300, 1e-300, 3e38, 1e-40, 0.5]


def values(dtype: Any) -> st.SearchStrategy[float]:
    width = 64 if dtype == np.float64 else 32
    with np.errstate(over="ignore"):  # 1e300 is inf in float32
        edges = [float(np.asarray(e, dtype=dtype)) for e in EDGES]
    return st.one_of(st.floats(-3, 3, width=width), st.floats(-3, 3, width=width), st.sampled_from(edges))


def arrays(dtype: Any, shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(dtype, shape, elements=values(dtype))


SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
UNARY: list[Callable[[Tensor], Tensor]] = [
    lambda a: -a, Tensor.exp, Tensor.log, Tensor.tanh, Tensor.sigmoid, Tensor.relu, abs, Tensor.sqrt,
    Tensor.softplus, Tensor.sin, Tensor.square, lambda a: a.clamp(-1.0, 1.0), Tensor.float, Tensor.double,
]  # fmt: skip
BINARY: list[Callable[[Any, Any], Tensor]] = [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b, lambda a, b: a**b,
]  # fmt: skip
REDUCTIONS = ["sum", "mean", "amax", "logsumexp", "var", "std", "norm"]


@dataclass
class Spec:
    dtype: Any
    params: list[np.ndarray]
    shapes: list[tuple[int, ...]]  # of the arguments
    calls: list[list[np.ndarray]]  # four sets of arguments (the float arrays, then an index and a mask)
    steps: list[tuple[str, int, int, int, int, bool, float]]  # kind, node, other node, choice, dim, flag, number
    seed: int


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float32]))
    params = [draw(SHAPES.flatmap(lambda s: arrays(dtype, s))) for _ in range(draw(st.integers(1, 2)))]
    shapes = [draw(SHAPES) for _ in range(draw(st.integers(1, 2)))]
    index = hnp.arrays(np.int64, (3,), elements=st.integers(0, 2))  # repeats; out of range for a shorter axis
    mask = hnp.arrays(np.bool_, (3,))  # how many it keeps changes from call to call: so do the shapes after it
    calls = [[*(draw(arrays(dtype, s)) for s in shapes), draw(index), draw(mask)] for _ in range(4)]
    kinds = ["unary", "binary", "number", "reduce", "matmul", "shape", "index", "softmax", "join", "max", "raw",
             "no_grad", "argindex", "argindex", "l2"]  # fmt: skip
    step = st.tuples(
        st.sampled_from(kinds), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(-3, 3),
        st.booleans(), st.one_of(st.floats(-3, 3), st.sampled_from(EDGES)),
    )  # fmt: skip
    steps = draw(st.lists(step, min_size=1, max_size=10))
    return Spec(dtype, params, shapes, calls, steps, draw(st.integers(0, 2**32 - 1)))


def apply(step: tuple, nodes: list[Tensor], args: list[np.ndarray], rng: np.random.Generator | None,
          memo: dict[int, Any], k: int) -> Tensor:  # fmt: skip
    """One step on the nodes so far. Anything random (an index, a mask) is drawn once, when the program is made
    (``rng`` given), and kept in ``memo``: the program is the same function on every call."""
    kind, p, q, choice, dim, flag, c = step
    a, b = nodes[-1 - p % len(nodes)], nodes[-1 - q % len(nodes)]
    if kind == "unary":
        return UNARY[choice % len(UNARY)](a)
    if kind == "binary":
        return BINARY[choice % len(BINARY)](a, b)
    if kind == "number":
        f = BINARY[choice % len(BINARY)]
        return f(a, c) if flag else f(c, a)
    if kind == "raw":  # an argument as the operand, an array
        floats = [x for x in args if x.dtype.kind == "f"]
        return BINARY[choice % 3](a, floats[choice % len(floats)]) if flag else BINARY[choice % 3](floats[0], a)
    if kind == "argindex":  # indexed by an argument: an integer index, or a boolean mask (rebound each call)
        if args[-1].dtype != np.bool_:
            raise TypeError("no index arguments")
        return a[args[-2]] if flag else a[args[-1]]
    if kind == "reduce":
        name = REDUCTIONS[choice % len(REDUCTIONS)]
        axis = None if dim == 3 or a.ndim == 0 else dim % a.ndim
        return getattr(a, name)(axis, flag) if name != "norm" else a.norm(2, axis, flag)
    if kind == "matmul":
        return a @ a.mT if flag and a.ndim >= 2 else a @ b
    if kind == "shape":
        return [lambda t: t.reshape(-1), lambda t: t.T, lambda t: t.unsqueeze(0), lambda t: t.flatten()][choice % 4](a)
    if kind == "index":
        if a.ndim == 0 or a.shape[0] == 0:
            raise ValueError("nothing to index")
        if rng is not None:
            memo[k] = rng.integers(0, a.shape[0], size=4) if flag else rng.random(a.shape) > 0.5  # repeats; a mask
        return a[memo[k]]
    if kind == "softmax":
        return a.log_softmax(-1) if flag else a.softmax(-1)
    if kind == "join":
        return concatenate([a, b], axis=0) if flag else stack([a, a])
    if kind == "max":
        return a.max(dim=dim % max(a.ndim, 1)).values
    if kind == "l2":  # one SumOfSquares node over several tensors (a reused one too)
        return functional.l2([a, b, a] if flag else [a, b], c)
    with no_grad():  # "no_grad": a number from the data, a constant of the graph
        scale = (a * a).mean()
    return b * scale


def make(spec: Spec) -> tuple[Callable[..., Tensor], list[Tensor]]:
    """The program as a function of the arguments; its parameters."""
    params = [Tensor(p.copy(), requires_grad=True) for p in spec.params]
    rng, memo, kept, weights = np.random.default_rng(spec.seed), {}, [], []
    nodes = [*params, *(Tensor(x) for x in spec.calls[0] if x.dtype.kind == "f")]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for k, step in enumerate(spec.steps):
            try:
                out = apply(step, nodes, spec.calls[0], rng, memo, k)
            except (ValueError, IndexError, TypeError):
                continue
            if out.size > 64:
                continue
            kept.append(k)
            nodes.append(out)
            weights.append(rng.uniform(-2, 2, out.shape[:0] if out.ndim == 0 else (1, *out.shape[1:])))

    def program(*args: np.ndarray) -> Tensor:
        nodes = [*params, *(Tensor(x) for x in args if x.dtype.kind == "f")]
        total = Tensor(0.0, dtype=spec.dtype)
        for k, w in zip(kept, weights):
            nodes.append(apply(spec.steps[k], nodes, list(args), None, memo, k))
            total = total + (nodes[-1] * w).sum()
        return total

    return program, params


def outcome(fn: Callable[..., Tensor], params: list[Tensor], args: list[np.ndarray]) -> tuple:
    """The result's bytes and each parameter's gradient's bytes (after two backward passes), or the exception."""
    for p in params:
        p.grad = None
    try:
        out = fn(*args)
        got = [out.data.dtype.str, out.data.tobytes()]
        if out.requires_grad:
            out.backward()
            out.backward()
        return (*got, *[None if p.grad is None else (p.grad.dtype.str, p.grad.tobytes()) for p in params])
    except Exception as err:  # an error in both is agreement too
        return (type(err).__name__,)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(specs())
def test_compiled_programs_equal_eager_ones_on_every_call(spec: Spec) -> None:
    program, params = make(spec)
    step = micrograd.compile(program)
    other = np.float32 if spec.dtype == np.float64 else np.float64
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        calls = [*spec.calls, spec.calls[0], [x.astype(other) if x.dtype == spec.dtype else x for x in spec.calls[1]]]
        for i, args in enumerate(calls):
            want = outcome(program, params, args)
            got = outcome(step, params, args)
            assert got == want, f"call {i}: compiled {got[:1]} != eager {want[:1]}\n{step.program}"
    assert step.stats["traced"] >= 1 + (len(want) > 1)  # the first call and the other dtype's (unless it raised)
    for programs in step.tensor_calls.programs.values():  # the generated code is its step-by-step reference
        for p in programs:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:  # a program traced on another mask may not fit these arguments (a call would trace again)
                    found = None if p.unreplayable else p.forward(spec.calls[0])
                except (ValueError, IndexError):
                    found = None
                if found is None:
                    continue
                vals, ops = found
                loop = p.forward_loop(spec.calls[0], ops)
                assert all(a is None or same_bytes(a, b) for a, b in zip(vals, loop))
                if p.targets:
                    seed = np.ones_like(vals[p.root])
                    try:
                        want = p.backward_loop(loop, ops, seed)
                    except Exception as err:
                        want = type(err)
                    try:
                        got = p._run_backward(vals, ops, seed)
                    except Exception as err:
                        got = type(err)
                    if isinstance(want, type):
                        assert got is want
                    else:  # the same bytes, and an array where the reference has one (NumPy adds numbers otherwise)
                        assert all(map(same_bytes, got, want)) and list(map(type, got)) == list(map(type, want))


def trained(fn: Callable[..., Tensor], params: list[Tensor], opt: Any, args: list[np.ndarray], fused: bool) -> tuple:
    """One training step (``fused``: ``fn`` compiled with the optimizer, else the four lines on the eager ``fn``):
    the loss's bytes or that it raised, then every parameter's numbers and gradient, as bytes."""
    try:
        if fused:
            got: tuple = (fn(*args).data.tobytes(),)
        else:
            loss = fn(*args)
            got = (loss.data.tobytes(),)
            opt.zero_grad()
            loss.backward()
            opt.step()
    except Exception as err:  # the same error in both is agreement; a loss without gradient is named two ways
        unreachable = "does not require grad" in str(err) or "takes no gradient" in str(err)
        got = ("no gradient" if unreachable else type(err).__name__,)
    return got + tuple(None if a is None else a.tobytes() for p in params for a in (p.data, p.grad))


OPTIMIZERS: list[Callable[[list[Tensor]], Any]] = [
    lambda ps: SGD(ps, lr=0.125, momentum=0.5, weight_decay=0.01),
    lambda ps: Adam(ps, lr=0.01),
    lambda ps: SGD(ps, lr=linear_decay(1.0, 0.1, 3)),
]


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(specs())
def test_fused_training_steps_equal_the_four_lines(spec: Spec) -> None:
    """``micrograd.compile(program, optimizer=opt)`` against ``loss = program(...); opt.zero_grad();
    loss.backward(); opt.step()`` on a twin of the parameters: the same loss and the same model after every step."""
    program, params = make(spec)
    twin, twin_params = make(spec)
    make_opt = OPTIMIZERS[spec.seed % len(OPTIMIZERS)]
    opt, twin_opt = make_opt(params), make_opt(twin_params)
    train = micrograd.compile(program, optimizer=opt)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for i, args in enumerate([*spec.calls, spec.calls[0]]):
            want = trained(twin, twin_params, twin_opt, args, fused=False)
            got = trained(train, params, opt, args, fused=True)
            differ = [j for j, (a, b) in enumerate(zip(got, want)) if a != b]
            assert got == want, f"call {i}: fused != the four lines at {differ}, {type(opt).__name__}\n{train.program}"


def same_bytes(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_the_fuzzer_sees_a_wrong_replay() -> None:
    """Sabotage: a replay that reads a parameter's value from the trace, not the call, must be caught."""
    spec = Spec(np.float64, [np.array([1.0, 2.0])], [(2,)], [[np.array([0.5, 1.5])]] * 4,
                [("binary", 1, 0, 2, 0, False, 0.0)], 0)  # fmt: skip
    program, params = make(spec)
    step = micrograd.compile(program)
    want = outcome(program, params, spec.calls[0])
    assert outcome(step, params, spec.calls[0]) == want
    externals = step.program.externals
    s, p = externals[0]
    externals[0] = (s, Tensor(p.data.copy() + 1.0, requires_grad=p.requires_grad))  # stale numbers
    assert outcome(step, params, spec.calls[0]) != want


def every_call_is_eagers(spec: Spec) -> bool:
    """Whether the compiled program gives the eager outcome (result, gradients, or the error) on each of the calls."""
    program, params = make(spec)
    step = micrograd.compile(program)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return all(outcome(step, params, args) == outcome(program, params, args) for args in spec.calls)


def test_a_look_at_an_empty_tensor_is_guarded_by_its_shape_too() -> None:
    """Found by the fuzzer: max(dim) looked at a (1, 0) tensor when traced; a mask argument later makes it (0, 0),
    where the eager max raises. Empty arrays of both shapes have the same (no) bytes: the guard compares shapes."""
    mask_calls = [np.array([True, False, False])] + [np.array([False, False, False])] * 3
    spec = Spec(np.float64, [np.zeros((3, 0))], [(0,)], [[np.array([]), np.array([0, 0, 0]), m] for m in mask_calls],
                [("unary", 0, 0, 0, 0, False, 0.0)] * 2 + [("argindex", 3, 0, 0, 0, False, 0.0)]
                + [("unary", 0, 0, 0, 0, False, 0.0)] * 2 + [("max", 0, 0, 0, 0, False, 0.0)], 0)  # fmt: skip
    assert every_call_is_eagers(spec)
    program, params = make(spec)
    assert outcome(program, params, spec.calls[3]) == ("ValueError",)


def test_a_reshape_after_a_mask_argument_is_not_replayed_on_another_shape() -> None:
    """Found by the fuzzer: unsqueeze after a mask argument is a reshape to the traced shape; when the mask gives
    another shape, an empty array would reshape to it quietly (where eager raises further on): it is traced again."""
    masks = [np.array([False] * 3)] * 3 + [np.array([True, True, False])]
    spec = Spec(np.float64, [np.zeros((3, 0))], [(), (0,)],
                [[np.array(0.0), np.array([]), np.array([0, 0, 0]), m] for m in masks],
                [("argindex", 2, 0, 0, 0, False, 0.0), ("unary", 0, 0, 0, 0, False, 0.0),
                 ("shape", 0, 0, 2, 0, False, 0.0)], 0)  # fmt: skip
    assert every_call_is_eagers(spec)
    program, params = make(spec)
    assert outcome(program, params, spec.calls[3]) == ("ValueError",)
