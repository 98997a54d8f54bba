"""Each loss against PyTorch's equivalent, value and gradient, in float64."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from micrograd import Value, losses
from tests.oracle import close

scores = st.lists(st.floats(min_value=-50, max_value=50, allow_nan=False), min_size=1, max_size=8)


def _compare(ours_loss: Value, ours_inputs: list[Value], t_loss: torch.Tensor, t_inputs: torch.Tensor) -> None:
    ours_loss.backward()
    t_loss.backward()
    assert close(ours_loss.data, t_loss.item(), abs_=1e-12)
    for v, g in zip(ours_inputs, t_inputs.grad.flatten().tolist()):
        assert close(v.grad, g, abs_=1e-12)


@given(scores, st.data())
def test_mse(xs, data) -> None:
    ys = data.draw(st.lists(st.floats(-5, 5), min_size=len(xs), max_size=len(xs)))
    v = [Value(x) for x in xs]
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    _compare(losses.mse(v, ys), v, F.mse_loss(t, torch.tensor(ys, dtype=torch.float64)), t)


@given(scores, st.data())
def test_hinge(xs, data) -> None:
    ys = data.draw(st.lists(st.sampled_from([-1, 1]), min_size=len(xs), max_size=len(xs)))
    assume(all(abs(1 - y * x) > 1e-9 for x, y in zip(xs, ys)))  # the kink: torch's clamp and relu pick different sides
    v = [Value(x) for x in xs]
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    t_loss = torch.clamp(1 - torch.tensor(ys, dtype=torch.float64) * t, min=0).mean()
    _compare(losses.hinge(v, ys), v, t_loss, t)


@given(st.lists(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False), min_size=1, max_size=8), st.data())
def test_bce_with_logits_is_stable_for_large_logits(xs, data) -> None:
    ys = data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=len(xs), max_size=len(xs)))
    v = [Value(x) for x in xs]
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    _compare(
        losses.bce_with_logits(v, ys),
        v,
        F.binary_cross_entropy_with_logits(t, torch.tensor(ys, dtype=torch.float64)),
        t,
    )


@given(st.integers(1, 5), st.integers(2, 6), st.data())
def test_softmax_cross_entropy_is_stable(n, k, data) -> None:
    rows = [data.draw(st.lists(st.floats(-1e3, 1e3), min_size=k, max_size=k)) for _ in range(n)]
    classes = [data.draw(st.integers(0, k - 1)) for _ in range(n)]
    v = [[Value(x) for x in row] for row in rows]
    t = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    _compare(
        losses.softmax_cross_entropy(v, classes),
        [x for row in v for x in row],
        F.cross_entropy(t, torch.tensor(classes)),
        t,
    )


def test_logsumexp_second_derivative_matches_torch() -> None:
    from micrograd import grad

    xs = [Value(0.5), Value(-1.0), Value(2.0)]
    (g0,) = grad(losses.logsumexp(xs), [xs[0]], create_graph=True)
    (h00,) = grad(g0, [xs[0]])
    t = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.logsumexp(t, 0), t, create_graph=True)
    (th,) = torch.autograd.grad(tg[0], t)
    assert close(g0.data, tg[0].item()) and close(h00.data, th[0].item())


def test_l2() -> None:
    ps = [Value(1.0), Value(-2.0)]
    out = losses.l2(ps, 0.5)
    out.backward()
    assert out.data == 2.5 and [p.grad for p in ps] == [1.0, -2.0]


def test_bad_lengths_and_classes_are_named() -> None:
    import pytest

    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        losses.mse([Value(1.0), Value(2.0)], [1.0])
    with pytest.raises(ValueError, match="class 3 out of range"):
        losses.softmax_cross_entropy([[Value(1.0), Value(2.0)]], [3])
