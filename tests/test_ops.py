"""Every op, forward and gradient (first and second order), against PyTorch in float64."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from micrograd import Value, grad
from micrograd.engine import weighted_sum
from tests.oracle import BINARY, UNARY, OpCase, close, torch_leaves

reals = st.floats(min_value=-20, max_value=20, allow_nan=False)


def _torch_grads(out: torch.Tensor, inputs: list[torch.Tensor], create_graph: bool = False) -> list:
    if not out.requires_grad:
        return [None] * len(inputs)
    return list(torch.autograd.grad(out, inputs, create_graph=create_graph, allow_unused=True))


def _num(t) -> float:
    return 0.0 if t is None else float(t.detach())


def _check_first_order(case: OpCase, xs: list[float]) -> None:
    ours = [Value(x) for x in xs]
    out = case.ours(*ours)
    out.backward()
    theirs = torch_leaves(xs)
    t_out = case.theirs(*theirs)
    assert close(out.data, t_out.item()), (case.name, xs, out.data, t_out.item())
    for mine, g in zip(ours, _torch_grads(t_out, theirs)):
        assert close(mine.grad, _num(g)), (case.name, xs, mine.grad, _num(g))


def _check_second_order(case: OpCase, xs: list[float]) -> None:
    ours = [Value(x) for x in xs]
    first = grad(case.ours(*ours), ours, create_graph=True)
    theirs = torch_leaves(xs)
    t_first = _torch_grads(case.theirs(*theirs), theirs, create_graph=True)
    for g, tg in zip(first, t_first):
        assert close(g.data, _num(tg))
        second = grad(g, ours)
        t_second = [None] * len(xs) if tg is None else _torch_grads(tg, theirs)
        for s, ts in zip(second, t_second):
            assert close(s.data, _num(ts), rel=1e-8, abs_=1e-10), (case.name, xs, s.data, _num(ts))


@pytest.mark.parametrize("case", UNARY, ids=lambda c: c.name)
@given(x=reals)
def test_unary_forward_and_gradient_match_torch(case: OpCase, x: float) -> None:
    assume(case.domain(x))
    _check_first_order(case, [x])


@pytest.mark.parametrize("case", BINARY, ids=lambda c: c.name)
@given(data=st.data())
def test_binary_forward_and_gradients_match_torch(case: OpCase, data: st.DataObject) -> None:
    spans = case.spans or ((-20.0, 20.0),) * 2
    x, y = (data.draw(st.floats(min_value=lo, max_value=hi, allow_nan=False)) for lo, hi in spans)
    assume(case.domain(x, y))  # the span's ends (pow's x = 0.01, y = ±10) are outside the domain
    _check_first_order(case, [x, y])


@pytest.mark.parametrize("case", UNARY + BINARY, ids=lambda c: c.name)
@given(data=st.data())
def test_second_derivatives_match_torch(case: OpCase, data: st.DataObject) -> None:
    xs = [data.draw(st.floats(min_value=-5, max_value=5, allow_nan=False)) for _ in range(case.arity)]
    assume(case.domain(*xs))
    _check_second_order(case, xs)


@given(st.lists(st.tuples(reals, reals), min_size=0, max_size=12), reals)
def test_weighted_sum_matches_torch_and_the_written_out_chain(pairs: list[tuple[float, float]], bias: float) -> None:
    w = [Value(a) for a, _ in pairs]
    x = [Value(c) for _, c in pairs]
    b = Value(bias)
    out = weighted_sum(b, w, x)
    out.backward()
    chain = Value(bias)
    for wi, xi in pairs:
        chain = chain + Value(wi) * Value(xi)
    assert out.data == chain.data  # the same sum in the same order: identical to the last bit
    tw, tx, tb = torch_leaves([a for a, _ in pairs]), torch_leaves([c for _, c in pairs]), torch_leaves([bias])[0]
    t_out = tb
    for a, c in zip(tw, tx):
        t_out = t_out + a * c
    t_out.backward()
    assert close(out.data, t_out.item())
    assert b.grad == 1.0
    for v, t in zip(w + x, tw + tx):
        assert close(v.grad, t.grad.item())


def test_weighted_sum_second_order_and_numbers_as_inputs() -> None:
    w = [Value(0.5), Value(-2.0)]
    b = Value(0.25)
    out = weighted_sum(b, w, [3, 4.0]).tanh()
    (dw0,) = grad(out, [w[0]], create_graph=True)
    (d2,) = grad(dw0, [w[0]])
    t_w0 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    t_out = torch.tanh(0.25 + t_w0 * 3 + (-2.0) * 4.0)
    (t_dw0,) = torch.autograd.grad(t_out, [t_w0], create_graph=True)
    (t_d2,) = torch.autograd.grad(t_dw0, [t_w0])
    assert close(dw0.data, t_dw0.item())
    assert close(d2.data, t_d2.item())


def test_power_with_non_positive_base_follows_torch_for_the_exponent_gradient() -> None:
    cases = [(-2.0, 3.0), (-1.5, 2.0), (0.0, 2.0), (0.0, 0.0), (0.0, 1.0)]
    for base, exponent in cases:
        a, b = Value(base), Value(exponent)
        out = a**b
        out.backward()
        ta, tb = torch_leaves([base, exponent])
        t_out = ta**tb
        t_out.backward()
        assert close(out.data, t_out.item())
        assert close(a.grad, ta.grad.item()), (base, exponent, a.grad, ta.grad.item())
        assert close(b.grad, tb.grad.item()), (base, exponent, b.grad, tb.grad.item())
    # a constant base: 0 ** x for x >= 0 has exponent gradient 0, as in torch
    x = Value(2.0)
    (0**x).backward()
    tx = torch_leaves([2.0])[0]
    (0**tx).backward()
    assert x.grad == tx.grad.item() == 0.0


@pytest.mark.parametrize("x", [1e4, -1e4, 800.0, -800.0, 0.0])
def test_tanh_sigmoid_softplus_are_stable_at_large_inputs(x: float) -> None:
    for ours, theirs in [(Value.tanh, torch.tanh), (Value.sigmoid, torch.sigmoid)]:
        v = Value(x)
        out = ours(v)
        out.backward()
        t = torch_leaves([x])[0]
        t_out = theirs(t)
        t_out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad)
        assert close(out.data, t_out.item()) and close(v.grad, t.grad.item())
    sp = Value(x).softplus()
    assert math.isfinite(sp.data)
    assert close(sp.data, torch.nn.functional.softplus(torch.tensor(x, dtype=torch.float64)).item())


@pytest.mark.parametrize("x", [10.0, -10.0, 15.0, 5.0, 18.0])
def test_tanhs_derivative_keeps_its_digits_at_saturation(x: float) -> None:
    """1 - out^2 cancels near out = ±1 (at x = 10, 8 of 16 digits went); (1 - out)(1 + out) is PyTorch's number."""
    a = Value(x)
    a.tanh().backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    t.tanh().backward()
    assert a.grad == pytest.approx(t.grad.item(), rel=1e-15)
