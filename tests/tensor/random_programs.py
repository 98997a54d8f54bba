"""Random Tensor programs run on micrograd and on PyTorch 2.13 side by side, compared node by node and leaf by leaf.

A program is a few leaves (0-d to 3-d, with size-1 and empty axes, float64 or float32, numbers in [-3, 3] mixed with
edge values: ±0, ±1, ±1e300, ±1e-300, ±inf, NaN; ±1e30 and ±1e-30 in float32) and a list of steps, each of which
makes a new node from earlier ones (reuse is the rule, not the exception): elementwise ops with broadcasting, with
numbers and 0-d tensors of the other dtype as operands; reductions over None, int, negative and tuple dims, with
keepdim; max(dim)/min(dim) with their indices; softmax and log_softmax; matmul of 1-d, 2-d and batched operands
(and a @ a.mT); reshape, view, flatten, (un)squeeze, permute, transpose, t, T, mT; indexing with ints, slices
(negative steps too), integer arrays with repeats, tuples, boolean masks, None and Ellipsis (an index that NumPy
and PyTorch read differently must be refused); cat and stack; clone and dtype casts.

What is checked:

- every node's value, shape and dtype, on the same inputs as PyTorch's: once compared, the PyTorch node is given
  our numbers (``_Ours``: the value is replaced, the gradient passes through), so an exp that differs in the last
  bit does not grow, ten ops later, into a false alarm. Each op is compared on identical inputs, in a real graph;
- every leaf's gradient of ``sum_k (node_k * w_k).sum()`` over all nodes (random weights w_k), after one
  ``backward()`` or two (which accumulate), and, when drawn, the first derivatives as a graph
  (``micrograd.grad(create_graph=True)``) and the gradient of ``sum_i (grad_i * v_i).sum()`` from them.

Agreement is 1e-9 relative in float64 and 1e-5 in float32 (for a gradient: the least precise dtype it went
through), with NaN where PyTorch has NaN and the same infinity where it has one. The allowances, each for a
rounding that is neither library's mistake:

- a reduction (sum, mean, matmul, logsumexp, var, std) may differ by the rounding of its terms' size, which its
  summation order decides (``Made.slack``); where its terms overflow, inf and NaN are order too (BLAS's fused
  multiply-add gives -inf + 1e300 * 1e300 = -inf, separate products inf - inf = NaN);
- a disagreement is confirmed by two more runs with every leaf scaled by 1 ± 2^-40 (2^-18 in float32) and the
  weights jiggled as much: where that moves PyTorch's own answer by more than the tolerance, the answer is rounding
  noise (say, weights adding up to 0 in another order) and ours has to be as close as that noise (``run``);
- a second derivative that is 0 comes out as noise from terms the size of the first, or of the weights (about 1):
  it may differ by the tolerance times the larger of the two, and where PyTorch's is inf or NaN ours may be either
  (each library differentiates its own formula for the first derivative);
- var's and std's gradients are made of x - mean: where the numbers are equal, its sign (or its being 0) is the
  rounding of the mean, which summation order decides. Where it differs between the libraries, an infinite gradient
  times it is +inf, -inf or NaN by that order alone: in such a program, where PyTorch's gradient is inf or NaN,
  ours may be either (``_spread_signs_differ``; finite gradients are compared as usual). And where huge numbers
  cancel in that mean (1e300 - 1e300), which small ones survive is summation order too: where the two means
  differ by more than the tolerance, the program's gradients are not compared, only its values (``_means_differ``).

PyTorch's own quirks (``QUIRKS``, also in the README's table, each with its reason) are steps not taken.

Run it at scale (the closing note of issue 14 quotes such a run)::

    python -m tests.tensor.random_programs --graphs 100000
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import micrograd
from micrograd.tensor import Tensor, array_ops, concatenate, functional, stack

RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-5}
#: Huge numbers are such that the product of two overflows but a sum of a few does not (whether a sum overflows
#: would depend on the order it is added in, which is each library's own).
EDGES64 = [0.0, -0.0, 1.0, -1.0, 1e300, -1e300, 1e-300, -1e-300, math.inf, -math.inf, math.nan]
EDGES32 = [0.0, -0.0, 1.0, -1.0, 1e30, -1e30, 1e-30, -1e-30, math.inf, -math.inf, math.nan]
EXPONENTS = [0, 1, 2, 3, -1, -2, 0.5, -0.5, 2.5, -1.5]
BASES = [2.0, 0.5, math.e, -2.0, 1.0, -0.5, 0.0]
MAX_SIZE, MAX_DIMS = 100, 4


# ------------------------------------------------------------------------------------------------ programs


@dataclass(frozen=True)
class Program:
    leaves: list[np.ndarray]
    steps: list[tuple]
    seed: int  # the weights of the root, and new leaves' numbers
    twice: bool  # call backward() twice (gradients of leaves accumulate)
    second_order: bool  # also compare d/dleaf of sum_i (grad_i * v_i)

    def __repr__(self) -> str:
        leaves = ", ".join(f"np.array({a.ravel().tolist()!r}, np.{a.dtype}).reshape({a.shape})" for a in self.leaves)
        return f"Program(leaves=[{leaves}], steps={self.steps!r}, seed={self.seed}, twice={self.twice}, " \
               f"second_order={self.second_order})"  # fmt: skip


def elements(dtype: Any) -> st.SearchStrategy[float]:
    width = 64 if dtype == np.float64 else 32
    edges = EDGES64 if dtype == np.float64 else EDGES32
    return st.one_of(st.floats(-3, 3, width=width), st.floats(-3, 3, width=width), st.sampled_from(edges))


def arrays(dtype: Any) -> st.SearchStrategy[np.ndarray]:
    shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
    return shapes.flatmap(lambda s: hnp.arrays(dtype, s, elements=elements(dtype)))


@st.composite
def programs(draw: st.DrawFn, max_steps: int = 10) -> Program:
    main = draw(st.sampled_from([np.float64, np.float64, np.float32]))
    dtypes = st.sampled_from([main, main, main, np.float32 if main == np.float64 else np.float64])
    leaves = draw(st.lists(dtypes.flatmap(arrays), min_size=1, max_size=3))
    step = st.tuples(
        st.sampled_from(sorted(OPS)),
        st.integers(0, 99),  # which node (counted from the newest)
        st.integers(0, 99),  # which other node
        st.lists(st.integers(-20, 20), min_size=6, max_size=6).map(tuple),  # which op; dims, sizes, index parts
        st.booleans(),  # keepdim, or which side a number goes
        st.one_of(st.floats(-3, 3), st.sampled_from(EDGES64)),  # a number operand
    )
    steps = draw(st.lists(step, min_size=1, max_size=max_steps))
    seed = draw(st.integers(0, 2**32 - 1))
    return Program(leaves, steps, seed, draw(st.booleans()), draw(st.integers(0, 4)) == 0)


# ------------------------------------------------------------------------------------------------ the ops


@dataclass
class Node:
    ours: Tensor
    theirs: torch.Tensor

    @property
    def shape(self) -> tuple[int, ...]:
        return self.ours.shape


@dataclass
class Made:
    """A step's result in both engines; for a reduction, how far apart summation order alone may put them."""

    ours: Tensor
    theirs: torch.Tensor
    slack: Callable[[float], np.ndarray] | None = None  # given rtol: the rounding allowed, element by element
    indices: tuple[np.ndarray, torch.Tensor] | None = None  # max(dim)'s
    operands: tuple[np.ndarray, np.ndarray] | None = None  # a matmul's


Step = Callable[["Context", Node, Node, tuple, bool, float], Made | None]
OPS: dict[str, Step] = {}


@dataclass
class Context:
    rng: np.random.Generator
    new_leaves: list[Node]
    sign: int  # leaves are scaled by 1 + sign * e (see run)
    masked: bool = False  # a first derivative was chosen by a mask (QUIRKS["masked"]): no second derivatives
    float32: bool = False  # a float32 number took part (PyTorch may compute a derivative in float32 with it)
    spread_sign: bool = False  # var/std's x - mean has a sign set by summation order (see _spread_signs)
    cast_zero: bool = False  # a 0-d operand became 0 in the other's dtype (QUIRKS["0-d cast"]): values only
    mean_order: bool = False  # var/std's mean is summation order (see _means_differ): values only
    kink: bool = False  # relu, abs or a 1-norm of inf or NaN (QUIRKS["kink"]): PyTorch's NaN may be our number
    products: list = dataclasses.field(default_factory=list)  # each matmul: (result, x, y), see _overflowing
    jiggle: np.random.Generator = dataclasses.field(default_factory=lambda: np.random.default_rng(1))


def op(name: str) -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        OPS[name] = fn
        return fn

    return register


UNARY: dict[str, tuple[Callable, Callable]] = {
    "neg": (lambda x: -x, lambda t: -t),
    "neg()": (lambda x: x.neg(), lambda t: t.neg()),
    "exp": (Tensor.exp, torch.exp),
    "log": (Tensor.log, torch.log),
    "tanh": (Tensor.tanh, torch.tanh),
    "sigmoid": (Tensor.sigmoid, torch.sigmoid),
    "relu": (Tensor.relu, torch.relu),
    "abs": (abs, torch.abs),
    "sqrt": (Tensor.sqrt, torch.sqrt),
    "softplus": (Tensor.softplus, torch.nn.functional.softplus),
    "sin": (Tensor.sin, torch.sin),
    "cos": (Tensor.cos, torch.cos),
    "square": (Tensor.square, torch.square),
    "clone": (Tensor.clone, torch.clone),
    "float": (Tensor.float, lambda t: t.float()),
    "double": (Tensor.double, lambda t: t.double()),
}


@op("unary")
def _unary(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made:
    name = list(UNARY)[k[0] % len(UNARY)]
    ours, theirs = UNARY[name]
    cx.kink |= name in ("relu", "abs") and not np.isfinite(a.ours.data).all()  # QUIRKS["kink"]
    return Made(ours(a.ours), theirs(a.theirs))


@op("pow n")
def _pow_const(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made | None:
    n = EXPONENTS[k[0] % len(EXPONENTS)]
    if _sqrt_quirk(a.ours.data, n):
        return None
    ours = a.ours.pow(n) if flag else a.ours**n
    return Made(ours, a.theirs**n)


def _sqrt_quirk(x: np.ndarray, n: float) -> bool:
    """QUIRKS["pow"]: x ** 0.5 or x ** -0.5 with -inf or -0.0 in x."""
    return n in (0.5, -0.5) and bool((np.isneginf(x) | (x == 0) & np.signbit(x)).any())


@op("c ** x")
def _const_pow(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made:
    base = BASES[k[0] % len(BASES)]
    cx.masked |= base == 0  # QUIRKS["masked"]: 0 ** x's gradient, 0^x * log(0), masked where x >= 0
    return Made(base**a.ours, base**a.theirs)


@op("clamp")
def _clamp(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made:
    lo, hi = (k[0] / 2 if k[0] else None), (k[1] / 2 if k[1] > 0 else None)
    if lo is None and hi is None:
        lo = c
        if abs(c) > np.finfo(a.ours.dtype).max and math.isfinite(c):
            return None  # PyTorch refuses a bound its dtype cannot hold
    return Made(a.ours.clamp(lo, hi) if flag else a.ours.clip(min=lo, max=hi), a.theirs.clamp(lo, hi))


BINARY: dict[str, Callable] = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
    "**": lambda x, y: x**y,
}


@op("binary")
def _binary(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made | None:
    fn = list(BINARY.values())[k[0] % len(BINARY)]
    other = k[1] % 3
    if other == 0:  # another node, broadcast
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            return None
        ours, theirs = (a.ours, b.ours), (a.theirs, b.theirs)
    else:  # a number, or a 0-d tensor of the other dtype (PyTorch's rule: a's dtype wins)
        if fn is BINARY["**"] and other == 1 and not flag:
            return None  # number ** x is the "c ** x" step
        c32 = float(np.float32(c)) if other == 2 and a.ours.dtype == np.float64 else c
        dtype = np.float32 if a.ours.dtype == np.float64 else np.float64
        cx.float32 |= other == 2 and dtype == np.float32
        num_o = c if other == 1 else Tensor(c32, dtype=dtype)
        num_t = c if other == 1 else torch.tensor(c32, dtype=_torch_dtype(dtype))
        ours, theirs = ((a.ours, num_o), (a.theirs, num_t)) if flag else ((num_o, a.ours), (num_t, a.theirs))
    if fn is BINARY["/"] and other == 1 and not flag:  # QUIRKS["c / x"]: PyTorch's true division instead
        theirs = (torch.tensor(c, dtype=a.theirs.dtype), a.theirs)
    out = fn(*ours)
    if out.size == 0 and (a.ours.size or b.ours.size):
        cx.masked = True  # QUIRKS["empty"]: no second derivatives
    if fn is BINARY["**"]:
        base, exponent = (np.asarray(getattr(x, "data", x)) for x in ours)
        if other == 1 and _sqrt_quirk(base, c):
            return None  # QUIRKS["pow"]
        e = c if other == 1 else c32 if other == 2 else None
        in_float32 = e is None or (float(np.float32(e)) == e and float(np.float32(e - 1)) == e - 1)
        if not in_float32 and (
            (other == 1 and out.dtype == np.float32) or (other == 2 and flag and dtype == np.float32)
        ):
            return None  # QUIRKS["float32 ** c"]
        # QUIRKS["masked"]: the base's gradient at y == 0, the exponent's (g * x^y * log x) at x == 0
        cx.masked |= bool((exponent == 0).any() or (base.astype(out.dtype) == 0).any())
        cx.cast_zero |= any(bool(((v.astype(out.dtype) == 0) != (v == 0)).any()) for v in (base, exponent))
    return Made(out, fn(*theirs))


@op("matmul")
def _matmul(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made | None:
    """a @ a.mT, a @ a, or a with a new leaf of a fitting shape (1-d, 2-d or batched) on either side."""
    x = a.ours
    if x.ndim == 0:
        return None
    if k[0] % 3 == 0 and x.ndim >= 2:
        return _product(a, Node(a.ours.mT, a.theirs.mT))
    if k[0] % 3 == 1 and x.ndim == 1:
        return _product(a, a, method=True)
    vector = (x.ndim == 1 and k[4] % 2 == 0) or k[4] % 3 == 0
    batch = () if vector else tuple(abs(v) % 3 for v in k[2 : 2 + k[1] % 3])
    m = abs(k[5]) % 4
    if flag:  # a @ leaf
        shape = (x.shape[-1],) if vector else (*batch, x.shape[-1], m)
    else:  # leaf @ a
        n = x.shape[-2] if x.ndim >= 2 else x.shape[0]
        shape = (n,) if vector else (*batch, m, n)
    leaf = _new_leaf(cx, shape, x.dtype)
    left, right = (a, leaf) if flag else (leaf, a)
    try:
        np.broadcast_shapes(left.shape[:-2], right.shape[:-2])
    except ValueError:
        return None
    return _product(left, right)


def _product(x: Node, y: Node, method: bool = False) -> Made:
    ours = x.ours.matmul(y.ours) if method else x.ours @ y.ours
    terms = np.abs(x.ours.data) @ np.abs(y.ours.data)  # the size of the products summed
    theirs = torch.matmul(x.theirs, y.theirs)
    return Made(ours, theirs, slack=lambda rtol: rtol * terms, operands=(x.ours.data, y.ours.data))


def _dims(k: tuple, ndim: int) -> int | tuple[int, ...] | None:
    mode = k[0] % 4
    if mode == 0 or ndim == 0:
        return None
    if mode == 1:
        return k[1] % ndim
    if mode == 2:
        return k[1] % ndim - ndim
    chosen = sorted({v % ndim for v in k[1 : 1 + 1 + k[2] % ndim]})
    return tuple(d - ndim if v < 0 else d for d, v in zip(chosen, k[1:]))


def _reduced(shape: tuple[int, ...], dims: Any) -> tuple[int, ...]:
    if dims is None:
        return tuple(range(len(shape)))
    return tuple(d % len(shape) for d in ((dims,) if isinstance(dims, int) else dims))


REDUCTIONS = ["sum", "mean", "amax", "amin", "logsumexp", "var", "std", "norm 2", "norm 1"]


@op("reduce")
def _reduce(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made | None:
    name = REDUCTIONS[k[3] % len(REDUCTIONS)]
    dims = _dims(k, a.ours.ndim)
    tdims = dims if dims is not None else (tuple(range(a.ours.ndim)) if a.ours.ndim else 0)
    over = _reduced(a.shape, dims)
    x, t, keep = a.ours, a.theirs, flag
    size = np.abs(x.data)

    def slack(fn: Callable) -> Callable[[float], np.ndarray]:  # rtol times the size of the terms
        return lambda rtol: rtol * fn(size, axis=over, keepdims=keep)

    if name in ("amax", "amin"):
        if 0 in a.shape and (not over or any(a.shape[d] == 0 for d in over)):
            return None  # nothing to choose from: both refuse
        return Made(getattr(x, name)(dims, keep), getattr(torch, name)(t, dim=tdims, keepdim=keep))
    if name in ("sum", "mean"):
        ours = getattr(x, name)(dim=dims, keepdim=keep) if k[4] % 2 else getattr(x, name)(axis=dims, keepdims=keep)
        return Made(ours, getattr(t, name)(dim=tdims, keepdim=keep), slack=slack(getattr(np, name)))
    if name == "logsumexp":
        biggest = lambda s, **kw: np.max(s, initial=0.0, **kw)  # noqa: E731
        return Made(x.logsumexp(dims, keep), torch.logsumexp(t, dim=tdims, keepdim=keep), slack=slack(biggest))
    if name in ("var", "std"):
        corr = k[4] % 2
        if math.prod(a.shape[d] for d in over) <= corr:
            return None  # QUIRKS["var"]
        ours = getattr(x, name)(dims, keepdim=keep, correction=corr)
        theirs = getattr(t, name)(dim=tdims, keepdim=keep, correction=corr)
        cx.masked |= name == "std" and bool((ours.data == 0).any())
        cx.spread_sign |= _spread_signs_differ(x, t, over)
        # and std (or var) that is exactly 0 for us, equal numbers, and the rounding of a mean for PyTorch: its
        # gradient there is that rounding over itself, (x - mean) / std, of any size (-0.41 for [-2.78] * 3)
        cx.mean_order |= _means_differ(x, t, over, RTOL[x.dtype]) or bool(
            ((ours.data == 0) != (theirs.detach().numpy() == 0)).any()
        )
        return Made(ours, theirs, slack=_spread_slack(x, over, keep, name, ours))
    p = 2 if name == "norm 2" else 1
    tdims = tdims if x.ndim else None  # PyTorch's 0-d norm(dim=0) squares (1e300 -> inf), its norm() does not
    ours = x.norm(p, dims, keep)
    # QUIRKS["masked"] (a norm of 0); and a norm of one number, whose derivative x / |x| is a sign: its derivative
    # is 0, computed by both as g / |x| - g / |x|, whose rounding (at |x| = 1e-30: 1e23) no tolerance can follow
    cx.masked |= p == 2 and (bool((ours.data == 0).any()) or ours.data.size == x.data.size)
    cx.kink |= p == 1 and not np.isfinite(x.data).all()  # QUIRKS["kink"]
    return Made(ours, t.norm(p=p, dim=tdims, keepdim=keep))


def _spread_signs_differ(x: Tensor, t: torch.Tensor, over: tuple[int, ...]) -> bool:
    """Whether x - mean, which var's and std's gradients are made of (2 (x_i - mean) / (n - c)), has another sign
    (or is 0) in one library than in the other: where x_i equals the mean but for the mean's rounding (equal
    numbers), that sign is each one's summation order. An infinite gradient arriving there becomes +inf, -inf or
    NaN by that sign alone, so where PyTorch's gradient is inf or NaN, ours need only be inf or NaN too."""
    ours = np.sign(x.data - array_ops._mean(x.data, over, True))
    theirs = np.sign((t - t.mean(dim=over, keepdim=True)).detach().numpy())
    return not np.array_equal(ours, theirs, equal_nan=True)


def _means_differ(x: Tensor, t: torch.Tensor, over: tuple[int, ...], rtol: float) -> bool:
    """Whether var's or std's mean, which their gradients subtract, differs between the libraries by more than the
    tolerance: where huge numbers cancel (1e300 - 1e300), which small ones survive is summation order (the mean of
    [1.86, -1e300, 0.63, 2.42, -1, 1e300, ...] is 0 for NumPy, -0.111 for PyTorch, 0.4345 exactly), and so are the
    gradients, by more than any tolerance."""
    ours = array_ops._mean(x.data, over, True).astype(np.float64)
    theirs = t.detach().mean(dim=over, keepdim=True).numpy().astype(np.float64)
    close = np.isclose(ours, theirs, rtol=rtol, atol=0.0, equal_nan=True) | (ours == theirs)
    return not close.all()


def _spread_slack(x: Tensor, over: tuple[int, ...], keep: bool, name: str, out: Tensor) -> Callable:
    """var sums squares of x - mean, and the mean's rounding (relative to max |x|) is in each: var may be off by
    d = 4 n u max|x|^2 (u: the dtype's rounding unit), and std = sqrt(var) by min(sqrt(d), d / (2 std))."""

    def slack(rtol: float) -> np.ndarray:
        n = max(math.prod(x.shape[d] for d in over), 1)
        biggest = np.max(np.abs(x.data), axis=over, keepdims=keep, initial=0.0)
        d = 4 * n * np.finfo(x.dtype).eps * biggest.astype(np.float64) ** 2
        return d if name == "var" else np.minimum(np.sqrt(d), d / (2 * np.abs(out.data)))

    return slack


@op("max(dim)")
def _max_dim(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made | None:
    name = "max" if k[0] % 2 else "min"
    d = k[1] % max(a.ours.ndim, 1)
    if a.ours.size == 0:
        return None  # nothing to choose from: both refuse
    ours, theirs = getattr(a.ours, name)(d, flag), getattr(a.theirs, name)(d, flag)
    values, indices = ours if k[2] % 2 else (ours.values, ours.indices)
    return Made(values, theirs.values, indices=(indices, theirs.indices))


@op("softmax")
def _softmax(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made:
    d = k[1] % max(a.ours.ndim, 1) - (max(a.ours.ndim, 1) if k[2] % 2 else 0)
    if flag:
        return Made(a.ours.log_softmax(d), torch.log_softmax(a.theirs, d))
    return Made(a.ours.softmax(dim=d), torch.softmax(a.theirs, d))


def _target(shape: tuple[int, ...], k: tuple, flag: bool) -> tuple[int, ...]:
    """A shape with as many elements as ``shape``, from the drawn numbers (with a -1 when ``flag``)."""
    size, n = math.prod(shape), 1 + k[1] % 3
    if size == 0:
        out = [abs(v) % 3 for v in k[2 : 2 + n]]
        out[k[0] % n] = 0
        return tuple(out)
    out, rest = [], size
    for v in k[2 : 2 + n - 1]:
        divisors = [d for d in range(1, rest + 1) if rest % d == 0]
        out.append(divisors[abs(v) % len(divisors)])
        rest //= out[-1]
    out.append(rest)
    if flag:
        out[k[0] % len(out)] = -1
    return tuple(out)


@op("shape")
def _shape(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made | None:
    x, t, nd = a.ours, a.theirs, a.ours.ndim
    kind = k[3] % 9
    if kind == 0:
        target = _target(a.shape, k, flag)
        return Made(x.reshape(target) if k[4] % 2 else x.view(*target), t.reshape(target))
    if kind == 1:
        s, e = k[1] % max(nd, 1), k[2] % max(nd, 1)
        s, e = min(s, e), max(s, e)
        return Made(x.flatten(s, e) if nd else x.flatten(), t.flatten(s, e) if nd else t.flatten())
    if kind == 2 and nd < MAX_DIMS:
        d = k[1] % (nd + 1) - (nd + 1 if flag else 0)
        return Made(x.unsqueeze(d), t.unsqueeze(d))
    if kind == 3:
        dims = _dims(k, nd)
        return Made(x.squeeze(dims), t.squeeze() if dims is None else t.squeeze(dims))
    if kind == 4:
        perm = list(np.random.default_rng(abs(k[1]) + 7 * abs(k[2])).permutation(nd))
        perm = [p - nd if v < 0 else int(p) for p, v in zip(perm, k)]
        return Made(x.permute(*perm), t.permute(tuple(perm)))
    if kind == 5:
        d0, d1 = k[1] % max(nd, 1), k[2] % max(nd, 1) - (max(nd, 1) if flag else 0)
        return Made(x.transpose(d0, d1), t.transpose(d0, d1))
    if kind == 6 and nd <= 2:
        return Made(x.t(), t.t())
    if kind == 7:
        return Made(x.T, t.permute(tuple(reversed(range(nd)))))
    if kind == 8 and nd >= 2:
        return Made(x.mT, t.mT)
    return None


def _index_parts(shape: tuple[int, ...], k: tuple, flag: bool, rng: np.random.Generator) -> tuple:
    """An index of ints, slices (any step), integer arrays (with repeats), tuples, masks, None and Ellipsis."""
    parts: list[Any] = []
    dim = 0
    for v in k[: 1 + k[5] % 3]:
        if dim >= len(shape):
            break
        n, kind = shape[dim], v % 6
        if kind == 0 and n:
            parts.append(int(rng.integers(-n, n)))
        elif kind == 1:
            step = [1, 2, -1, -2, None][abs(v) % 5]
            lo, hi = rng.integers(-n - 1, n + 2, size=2)
            parts.append(slice(int(lo) if v % 2 else None, int(hi) if v % 3 else None, step))
        elif kind == 2 and n:
            parts.append(rng.integers(-n, n, size=int(rng.integers(0, 5))))  # repeats, negative indices
        elif kind == 3 and n:
            parts.append(tuple(int(i) for i in rng.integers(-n, n, size=int(rng.integers(1, 4)))))
        elif kind == 4:
            parts.append(rng.random(n) < 0.5)
        else:
            parts.append(slice(None))
        dim += 1
        if rng.random() < 0.15:
            parts.append(None)
    if flag and parts:  # at the end, or at the start if the parts index every axis: each part keeps its axis
        parts.insert(0 if dim == len(shape) and rng.random() < 0.5 else len(parts), Ellipsis)
    return tuple(parts)


def _torch_index(t: torch.Tensor, index: tuple) -> torch.Tensor:
    """The same selection in PyTorch, which has no negative steps: every slice is done first by index_select."""
    shape, dim, rest = t.shape, 0, []
    used = sum(p.ndim if isinstance(p, np.ndarray) and p.dtype == bool else 0 if p is None or p is Ellipsis else 1
               for p in index)  # fmt: skip
    for p in index:
        if p is Ellipsis:
            dim += len(shape) - used
            rest.append(p)
        elif p is None:
            rest.append(p)
        elif isinstance(p, slice):
            t = t.index_select(dim, torch.as_tensor(np.arange(shape[dim])[p].copy(), dtype=torch.int64))
            rest.append(slice(None))
            dim += 1
        else:
            rest.append(torch.as_tensor(np.asarray(p)) if isinstance(p, (np.ndarray, tuple)) else p)
            dim += p.ndim if isinstance(p, np.ndarray) and p.dtype == bool else 1
    return t[tuple(rest)]


@op("index")
def _index(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made | None:
    if a.ours.ndim == 0:
        return None
    index = _index_parts(a.shape, k, flag, cx.rng)
    try:
        np.empty(a.shape)[index]
    except IndexError:
        return None  # e.g. two integer arrays that do not broadcast: both engines refuse it
    alone = len(index) == 1 and not isinstance(index[0], tuple)  # t[(0, 0)] would mean t[0, 0]
    key = index[0] if alone and k[4] % 2 else index
    probe = np.arange(a.ours.size).reshape(a.shape)
    if not np.array_equal(probe[index], _torch_index(torch.from_numpy(probe), index).numpy()):
        try:  # NumPy and PyTorch read this index differently: it must be refused, not guessed
            a.ours[key]
        except IndexError:
            return None
        raise AssertionError(f"index {index!r} means different things in NumPy and PyTorch, and was accepted")
    return Made(a.ours[key], _torch_index(a.theirs, index))


@op("join")
def _join(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made | None:
    nd = a.ours.ndim
    if flag:  # stack a, b, a
        if a.shape != b.shape:
            b = a
        d = k[1] % (nd + 1)
        return Made(stack([a.ours, b.ours, a.ours], dim=d), torch.stack([a.theirs, b.theirs, a.theirs], dim=d))
    if nd == 0:
        return None
    d = k[1] % nd - (nd if k[2] % 2 else 0)
    if b.ours.ndim != nd or any(i != d % nd and m != n for i, (m, n) in enumerate(zip(a.shape, b.shape))):
        b = a
    return Made(concatenate([a.ours, b.ours], axis=d), torch.cat([a.theirs, b.theirs], dim=d))


@op("l2")
def _l2(cx: Context, a: Node, b: Node, k: tuple, flag: bool, c: float) -> Made | None:
    """functional.l2 (one SumOfSquares node over several tensors, one of them possibly twice)."""
    parts = [a, b, a] if flag else [a, b]
    ours = functional.l2([n.ours for n in parts], c)
    return Made(ours, c * sum((n.theirs * n.theirs).sum() for n in parts))


def _new_leaf(cx: Context, shape: tuple[int, ...], dtype: Any) -> Node:
    data = _scaled(cx.rng.uniform(-2, 2, size=shape).astype(dtype), cx.sign)
    node = Node(Tensor(data.copy(), requires_grad=True), torch.tensor(data, requires_grad=True))
    cx.new_leaves.append(node)
    return node


# ------------------------------------------------------------------------------------------------ quirks

#: Where PyTorch's answer is its own choice rather than IEEE arithmetic's (the README's table, with the reasons):
#: steps that would meet one are not taken.
QUIRKS = {
    "float32 ** c": "float32 tensor ** number: we take the number (and, for the derivative, number - 1) in float32, "
    "as NumPy does; PyTorch keeps it in float64. They differ where float32 rounds it to an integer: (-0.5) ** "
    "(1 + 1e-10) is -0.5 for us, NaN for PyTorch, and x ** 1e-16 has the derivative 1e-16 * x ** -1 for us, NaN for "
    "negative x for PyTorch (the same as x ** torch.tensor(c) in float32 gives). The other way round, a float64 "
    "tensor ** a float32 0-d tensor c: PyTorch computes c - 1 for the derivative in float32, we in float64 (at "
    "x = 1e-300 its rounding is 690 times larger in the result: 4e-5 relative)",
    "var": "var and std of n <= correction numbers (one number, n - 1): both give NaN and a NaN gradient, but over "
    "all axes PyTorch's gradient is a constant NaN or inf (so its second derivative is 0); ours is inf * (x - mean) "
    "(so the second derivative is NaN too, as the first)",
    "masked": "second derivatives where a first derivative is chosen by a mask (norm and std at 0, the base's "
    "gradient of x ** y at y = 0, the exponent's gradient x^y * log(x) at x = 0): PyTorch differentiates the formula "
    "it masked out too, where 0 * inf = NaN (even where the mask chose nothing: 0 ** y over an empty y); we "
    "differentiate the branch taken (the double-where pattern), which gives a number. Such programs are compared "
    "to first order only. Also compared to first order only: programs with a 2-norm of one number, |x|, whose "
    "derivative x / |x| is a sign: its derivative, 0, comes out of both as g / |x| - g / |x|, and at |x| = 1e-30 "
    "the rounding of those terms is 1e23 (PyTorch happens to give exactly 0 there, we 1.5e23)",
    "0-d cast": "x ** y with a 0-d operand of the other dtype (float64 beside float32) that is 0 in the result's "
    "dtype but not in its own (-2e-168 rounds to -0.0 in float32): PyTorch computes the power with the rounded "
    "number and the gradient with the unrounded one (log(-2e-168) = NaN where we, as the forward, take log(-0.0) "
    "and choose 0). Such programs are compared on values only (rare: a few in 100,000)",
    "empty": "second derivatives through broadcasting against an empty operand: an operand's gradient is then a "
    "sum over nothing, 0, and PyTorch multiplies that 0 by a factor of the operand's own (log x, 1/x) that may be "
    "inf or NaN (NaN ** an empty y, 0 ** an empty y), giving NaN; we multiply element by element before summing "
    "over nothing, giving 0. Such programs are compared to first order only",
    "c / x": "number / tensor: PyTorch computes it as tensor.reciprocal() * number, rounding twice (so 1e-10 / "
    "1e-310 is inf, not 1e300) and with a NaN gradient at huge x (1/x^2 underflows to 0, times inf); we divide, as "
    "IEEE does, so the fuzzer compares with PyTorch's true division torch.div(number, tensor)",
    "kink": "second derivatives through relu, abs or a 1-norm of a tensor holding inf or NaN: their derivative is a "
    "step or a sign, whose own derivative is 0; PyTorch sends that 0 back through the ops before (a matmul's or "
    "a product's backward), where 0 * inf = NaN, while we treat the step as the constant it is and give the exact "
    "number ((x @ x.mT).norm(1) at x = [[0.5, 3], [-inf, 2]]: second derivative 0 for us, NaN for PyTorch in the "
    "column holding -inf). There, PyTorch's NaN may be a number for us; everything else is compared as usual",
    "pow": "x ** 0.5 and x ** -0.5 at x = -inf and -0.0: PyTorch computes them as sqrt(x) and 1/sqrt(x) (NaN at "
    "-inf; -0 and -inf at -0.0, and so the derivative -inf), IEEE pow (NumPy's, Python's, ours) gives +inf and +0 "
    "(+0 and +inf, and the derivative +inf)",
}


# ------------------------------------------------------------------------------------------------ running


def _torch_dtype(dtype: Any) -> torch.dtype:
    return torch.float32 if np.dtype(dtype) == np.float32 else torch.float64


@dataclass
class Check:
    """One comparison: a node's value or a leaf's gradient, ours beside PyTorch's."""

    label: str
    ours: np.ndarray
    theirs: np.ndarray
    rtol: float
    slack: np.ndarray | float = 0.0  # for a reduction: the rounding its summation order alone may cause
    any_nonfinite: bool = False  # where PyTorch's is inf or NaN, ours may be either (see the module's allowances)
    nan_for_number: bool = False  # where PyTorch's is NaN, ours may be a number (QUIRKS["kink"])

    def problem(self, *again: Check) -> str | None:
        """Why the two disagree, or None: same shape and dtype, NaN where PyTorch has NaN, the same infinities,
        and finite numbers within ``rtol`` of PyTorch's (of the smallest normal number, for the subnormal numbers
        below it, which have fewer digits), plus the slack. ``again``: the same check in runs with
        slightly scaled leaves; where PyTorch's own answer moved there by more than the tolerance, it is rounding
        noise (a result that cancels to about 0, like x / x - 1), and ours only has to be as close as that noise."""
        o, t = self.ours, self.theirs
        if o.shape != t.shape or o.dtype != t.dtype:
            return f"shape/dtype {o.shape} {o.dtype} != torch {t.shape} {t.dtype}"
        o, t = o.astype(np.float64), t.astype(np.float64)
        tiny = np.finfo(np.float32 if self.rtol >= RTOL[np.dtype(np.float32)] else np.float64).tiny
        allowed = self.rtol * np.maximum(np.abs(t), tiny) + self.slack  # below the smallest normal: fewer digits
        unstable = np.zeros(t.shape, dtype=bool)
        for other in again:
            if other.theirs.shape == t.shape:
                t2 = other.theirs.astype(np.float64)
                unstable |= np.isfinite(t) != np.isfinite(t2)
                allowed = np.maximum(allowed, 4 * np.where(np.isfinite(t2), np.abs(t2 - t), 0.0))
        ok = np.isnan(o) & np.isnan(t) | (o == t) | unstable
        # where PyTorch's is inf or NaN, ours may be either: in a second derivative, behind var's x - mean of a sign
        # set by rounding, or in a reduction whose terms overflow (whether inf + -inf meets first, or a fused
        # multiply-add skips the overflow, is order)
        either = self.any_nonfinite | ~np.isfinite(np.broadcast_to(self.slack, t.shape))
        ok |= either & ~np.isfinite(o) & ~np.isfinite(t)
        ok |= self.nan_for_number & np.isnan(t) & np.isfinite(o)
        ok |= np.isfinite(o) & np.isfinite(t) & (np.abs(o - t) <= allowed)
        if ok.all():
            return None
        bad = tuple(int(i) for i in np.argwhere(~ok)[0])
        return f"at {bad}: {o[bad]!r} != torch {t[bad]!r} ({(~ok).sum()} of {ok.size} elements)"


def _array(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().numpy(force=True).copy()
    return np.array(getattr(x, "data", x))


def run(program: Program) -> list[str]:
    """Build the program in both engines and return every disagreement (an empty list: they agree).

    A disagreement found is confirmed by two more runs with every leaf scaled by 1 + e and 1 - e and the weights
    jiggled (e = 2^-40 in float64, 2^-18 in float32): where they move PyTorch's answer by more than the tolerance,
    that answer is noise."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        checks, error = _run(program, 0)
        if error:
            return [error]
        bad = [c for c in checks if c.problem() is not None]
        if not bad:
            return []
        again = [{c.label: c for c in _run(program, sign)[0]} for sign in (1, -1)]
        found = [(c, c.problem(*[a[c.label] for a in again if c.label in a])) for c in bad]
        return [f"{c.label}: {why}" for c, why in found if why]


def _scaled(a: np.ndarray, sign: int) -> np.ndarray:
    e = 2.0**-40 if a.dtype == np.float64 else 2.0**-18
    return (a * (1 + sign * e)).astype(a.dtype)


def _run(program: Program, sign: int) -> tuple[list[Check], str | None]:
    cx = Context(np.random.default_rng(program.seed), [], sign)
    leaves = []
    for a in program.leaves:
        a = _scaled(a, sign)
        leaves.append(Node(Tensor(a.copy(), requires_grad=True), torch.tensor(a, requires_grad=True)))
    nodes, made, checks = list(leaves), [], []
    for i, (name, p, q, k, flag, c) in enumerate(program.steps):
        a, b = nodes[-1 - p % len(nodes)], nodes[-1 - q % len(nodes)]
        try:
            step = OPS[name](cx, a, b, k, flag, c)
        except Exception as err:  # an error in either engine is a disagreement too
            return checks, f"step {i} {name}{k}: raised {type(err).__name__}: {err}"
        if step is None or step.ours.size > MAX_SIZE or step.ours.ndim > MAX_DIMS:
            continue
        rtol = RTOL[step.ours.dtype]
        label = f"step {i} {name}{k} flag={flag} c={c} on {a.shape}: value"
        check = Check(label, _array(step.ours), _array(step.theirs), rtol, step.slack(rtol) if step.slack else 0.0)
        if check.ours.shape != check.theirs.shape or check.ours.dtype != check.theirs.dtype:
            return checks, f"{label} {check.problem()}"
        checks.append(check)
        if step.indices is not None:
            checks.append(Check(f"{label} indices", _array(step.indices[0]), _array(step.indices[1]), 0.0))
        node = Node(step.ours, _Ours.apply(step.theirs, torch.from_numpy(check.ours.copy())))
        nodes.append(node)
        made.append(node)
        if step.operands is not None:
            cx.products.append((step.ours, *step.operands))
    if made:  # a gradient is as precise as the least precise dtype it went through
        rtol = max([RTOL[n.ours.dtype] for n in nodes + cx.new_leaves] + [RTOL[np.dtype(np.float32)]] * cx.float32)
        checks += _gradients(program, cx, made, leaves + cx.new_leaves, rtol)
    return checks, None


class _Ours(torch.autograd.Function):
    """PyTorch's node with our numbers in it: the value is replaced, the gradient passes through unchanged."""

    @staticmethod
    def forward(ctx: Any, theirs: torch.Tensor, ours: torch.Tensor) -> torch.Tensor:
        return ours.clone()

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[torch.Tensor, None]:
        return g, None


def _gradients(program: Program, cx: Context, made: list[Node], leaves: list[Node], rtol: float) -> list[Check]:
    """Each leaf's gradient of sum_k (node_k * w_k).sum(), after one backward() or two; then, if drawn, the
    first derivatives as a graph (create_graph=True) and the gradient of sum_i (grad_i * v_i).sum() from them."""
    if cx.cast_zero or cx.mean_order:
        return []  # QUIRKS["0-d cast"]; a mean that is summation order (_means_differ)
    rng = cx.rng
    weights = [_jiggled(rng.uniform(-2, 2, size=n.shape), n.ours.dtype, cx) for n in made]
    root = sum((n.ours * w.astype(n.ours.dtype)).sum() for n, w in zip(made, weights))
    t_root = sum((n.theirs * torch.tensor(w, dtype=n.theirs.dtype)).sum() for n, w in zip(made, weights))
    for _ in range(2 if program.twice else 1):
        root.backward()
        t_root.backward(retain_graph=True)
    either = cx.spread_sign or _overflowing(cx.products)
    checks = [Check(f"leaf {i} {n.shape} grad", _array(_or_zeros(n.ours.grad, n.ours.data)),
                    _array(_or_zeros(n.theirs.grad, n.theirs)), rtol, any_nonfinite=either)
              for i, n in enumerate(leaves)]  # fmt: skip
    if not program.second_order:
        return checks
    firsts = micrograd.grad(root, [n.ours for n in leaves], create_graph=True)
    t_firsts = torch.autograd.grad(t_root, [n.theirs for n in leaves], create_graph=True, allow_unused=True)
    t_firsts = [_or_zeros(g, n.theirs) for g, n in zip(t_firsts, leaves)]
    vs = [_jiggled(rng.uniform(-2, 2, size=n.shape), n.ours.dtype, cx) for n in leaves]
    root2 = sum((g * v.astype(g.dtype)).sum() for g, v in zip(firsts, vs))
    t_root2 = sum((g * torch.tensor(v, dtype=g.dtype)).sum() for g, v in zip(t_firsts, vs))
    seconds = micrograd.grad(root2, [n.ours for n in leaves]) if root2.requires_grad else [None] * len(leaves)
    t_seconds = torch.autograd.grad(t_root2, [n.theirs for n in leaves], allow_unused=True) \
        if t_root2.requires_grad else [None] * len(leaves)  # fmt: skip
    for i, (n, g, s, tg, ts) in enumerate(zip(leaves, firsts, seconds, t_firsts, t_seconds)):
        checks.append(Check(f"leaf {i} {n.shape} create_graph grad", _array(g), _array(tg), rtol,
                            any_nonfinite=either))  # fmt: skip
        if cx.masked:
            continue  # QUIRKS["masked"]
        # a second derivative that is 0 comes out as rounding noise from terms the size of the first derivative, or
        # of the weights (about 1)
        first = np.abs(_array(tg).astype(np.float64))
        size = np.maximum(np.where(np.isfinite(first), first, 0.0), 1.0)
        checks.append(Check(f"leaf {i} {n.shape} second derivative", _array(_or_zeros(s, n.ours.data)),
                            _array(_or_zeros(ts, n.theirs)), rtol, rtol * size, any_nonfinite=True,
                            nan_for_number=cx.kink))  # fmt: skip
    return checks


def _overflowing(products: list) -> bool:
    """Whether a matmul's gradient (g @ y^T, x^T @ g: sums of products, as its value) has terms that overflow or
    are inf: then inf + -inf meeting, or not, is summation order, as for values (a leaf's gradient -inf for us,
    NaN for PyTorch), so where PyTorch's gradient is inf or NaN, ours need only be inf or NaN too."""
    for out, x, y in products:
        g = out.grad
        if g is None or not g.size or not x.size or not y.size:
            continue
        g, biggest = np.abs(np.asarray(g, dtype=np.float64)), np.finfo(out.dtype).max
        big = max(np.abs(x).max(), np.abs(y).max()).astype(np.float64)
        with np.errstate(all="ignore"):
            if not np.isfinite(g).all() or g.max() * big > biggest:
                return True
    return False


def _jiggled(w: np.ndarray, dtype: Any, cx: Context) -> np.ndarray:
    """Weights, each scaled by its own 1 + e * r (|r| < 1) in the runs that confirm a disagreement: a gradient
    that is noise (weights adding up to about 0, in another order) moves by about its own size."""
    if not cx.sign:
        return w
    e = 2.0**-40 if np.dtype(dtype) == np.float64 else 2.0**-18
    return w * (1 + e * cx.jiggle.uniform(-1, 1, size=w.shape))


def _or_zeros(g: Any, like: Any) -> Any:
    """A gradient that is not there (the leaf was not used): zeros."""
    if g is not None:
        return g
    return torch.zeros_like(like) if isinstance(like, torch.Tensor) else np.zeros_like(like)


def main(argv: list[str] | None = None) -> int:
    """Run many programs (not shrunk: every disagreement is printed) and report the count."""
    from hypothesis import HealthCheck, Phase, given, settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graphs", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args(argv)
    count, bad, start = 0, 0, time.time()

    @settings(max_examples=args.graphs, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(programs(args.steps))
    def one(program: Program) -> None:
        nonlocal count, bad
        count += 1
        problems = run(program)
        if problems:
            bad += 1
            print(f"MISMATCH {program!r}\n  " + "\n  ".join(problems), flush=True)
        if count % 1000 == 0:
            print(f"{count} graphs, {bad} with mismatches, {time.time() - start:.0f} s", flush=True)

    one()
    print(f"done: {count} graphs, {bad} with mismatches, {time.time() - start:.0f} s", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
