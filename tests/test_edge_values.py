"""Every op at the edges of the floats — NaN, ±inf, ±0, huge, tiny — against PyTorch in float64.

The contract (README, "Bad input and edge cases"): each forward value and each gradient is PyTorch's (a NaN where
PyTorch has a NaN, the same infinity where it has one), or the op raises ``DomainError``. That error is allowed
only where the answer is not a finite number: in the forward pass when no input is NaN and PyTorch's result is
infinite or NaN (Python's float arithmetic raises there: ``log(0)``, ``1 / 0``, overflow), and in ``backward()``
when PyTorch's derivative is infinite (``sqrt`` at 0). A NaN in never raises: it comes out as a NaN.
"""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd import DomainError, Value
from tests.oracle import ALL, OpCase

EDGES = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 1e300, -1e300, 1e-300, -1e-300, 5e-324, math.inf, -math.inf, math.nan]
EDGES += [710.0, -710.0]  # just past exp's overflow


#: Where PyTorch's answer is its own choice rather than IEEE arithmetic's (listed in the README too): PyTorch
#: computes ``x ** 0.5`` as ``sqrt(x)``, NaN at -inf; IEEE ``pow`` (Python's, and ours) gives +inf.
QUIRKS = {("pow 0.5", (-math.inf,))}


def same(ours: float, theirs: float) -> bool:
    if math.isnan(theirs):
        return math.isnan(ours)
    if math.isinf(theirs):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-300)  # subnormals: PyTorch may flush them to 0


def check(case: OpCase, xs: tuple[float, ...]) -> None:
    """One op at one point: ours against torch's forward and gradients, under the contract above."""
    if (case.name, xs) in QUIRKS:
        return
    t = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    t_out = case.theirs(*t)
    t_grads = [0.0 if g is None else g.item() for g in torch.autograd.grad(t_out, t, allow_unused=True)]
    nan_in = any(math.isnan(x) for x in xs)
    ours = [Value(x) for x in xs]
    try:
        out = case.ours(*ours)
    except DomainError as err:
        assert not nan_in, f"{case.name}{xs}: a NaN input must give a NaN, not {err}"
        assert not math.isfinite(t_out.item()), f"{case.name}{xs}: raised {err}, torch gives {t_out.item()}"
        return
    assert same(out.data, t_out.item()), f"{case.name}{xs}: {out.data} != torch {t_out.item()}"
    try:
        out.backward()
    except DomainError as err:
        assert any(math.isinf(g) for g in t_grads), f"{case.name}{xs}: backward raised {err}, torch {t_grads}"
        assert all(v.grad == 0.0 for v in ours)  # a failed backward changes no grad
        return
    for v, g in zip(ours, t_grads):
        assert same(v.grad, g), f"{case.name}{xs}: grads {[v.grad for v in ours]} != torch {t_grads}"


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.name)
def test_every_op_at_every_combination_of_edge_values(case: OpCase) -> None:
    for xs in itertools.product(EDGES, repeat=case.arity):
        check(case, xs)


any_float = st.one_of(st.sampled_from(EDGES), st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=max(300, 2 * settings.default.max_examples))
@given(st.sampled_from(ALL), st.lists(any_float, min_size=2, max_size=2))
def test_every_op_at_any_float(case: OpCase, xs: list[float]) -> None:
    check(case, tuple(xs[: case.arity]))


def test_a_nan_goes_through_relu_and_log_and_division_by_zero_as_a_nan() -> None:
    nan = math.nan
    x = Value(nan)
    y = x.relu()
    y.backward()
    assert math.isnan(y.data) and x.grad == 1.0  # PyTorch: relu(NaN) = NaN, with gradient 1
    assert math.isnan(Value(nan).log().data) and math.isnan((Value(nan) / 0).data)
