"""SGD (momentum, weight decay, schedules) and Adam against torch.optim on the same parameters."""

from __future__ import annotations

import pytest
import torch

from micrograd import Value
from micrograd.optim import SGD, Adam, linear_decay
from tests.oracle import close

START = [0.5, -1.5, 2.0]


def _loss(ps):
    a, b, c = ps
    return (a * b - c) ** 2 + (a + c).tanh() * 3


def _run(ours_cls, torch_cls, steps=6, **kw):
    ps = [Value(x) for x in START]
    opt = ours_cls(ps, **kw)
    t = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    t_opt = torch_cls(t, **kw)
    for _ in range(steps):
        opt.zero_grad()
        _loss(ps).backward()
        opt.step()
        t_opt.zero_grad()
        _loss(t).backward()
        t_opt.step()
    for p, q in zip(ps, t):
        assert close(p.data, q.item(), rel=1e-12, abs_=1e-14)


@pytest.mark.parametrize(
    "kw", [{"lr": 0.1}, {"lr": 0.05, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}]
)
def test_sgd_matches_torch(kw) -> None:
    _run(SGD, torch.optim.SGD, **kw)


@pytest.mark.parametrize("kw", [{"lr": 0.01}, {"lr": 0.1, "betas": (0.8, 0.99)}, {"lr": 0.05, "weight_decay": 0.01}])
def test_adam_matches_torch(kw) -> None:
    _run(Adam, torch.optim.Adam, **kw)


def test_linear_decay_is_the_demo_schedule_to_the_bit() -> None:
    lr = linear_decay(1.0, 0.1, 100)
    assert [lr(k) for k in range(100)] == [1.0 - 0.9 * k / 100 for k in range(100)]
    assert lr(100) == lr(250) == pytest.approx(0.1)


def test_schedule_drives_the_step_size() -> None:
    p = Value(0.0)
    opt = SGD([p], lr=linear_decay(1.0, 0.0, 2))
    for _ in range(2):
        p.grad = 1.0
        opt.step()
    assert p.data == -1.5  # 1.0 then 0.5


def test_no_parameters_is_an_error() -> None:
    with pytest.raises(ValueError, match="no parameters"):
        SGD([], lr=0.1)


@pytest.mark.parametrize("seed", range(8))
def test_adam_on_a_tensor_model_equals_adam_on_each_tensor_to_the_bit(seed: int) -> None:
    """One Adam over many same-dtype Tensors updates them as one flat array; Adam over a single Tensor takes them one
    at a time. Both must give the same bits, with weight decay, gradients of any size (inf, NaN, -0.0), and steps
    where a tensor has no gradient (then the whole model is updated one tensor at a time)."""
    import numpy as np

    from micrograd.tensor import Tensor

    rng = np.random.default_rng(seed)
    dtype = (np.float32, np.float64)[seed % 2]
    shapes = [(3,), (2, 4), (), (5, 1), (0,)][: 2 + seed % 4]
    start = [np.asarray(rng.normal(size=s), dtype=dtype) for s in shapes]
    together = [Tensor(a.copy(), requires_grad=True) for a in start]
    alone = [Tensor(a.copy(), requires_grad=True) for a in start]
    kw = {"lr": 0.05, "weight_decay": 0.01 * (seed % 3)}
    one = Adam(together, **kw)
    each = [Adam([t], **kw) for t in alone]
    assert one._flat is not None and all(opt._flat is None for opt in each)  # the two paths compared here
    for step in range(12):
        for a, b in zip(together, alone):
            g = None if rng.random() < 0.1 else rng.normal(size=a.shape) * rng.choice([1.0, 1e-30, 1e30, 1e300])
            if g is not None and step == 5:
                g = np.full(a.shape, (np.nan, -0.0)[seed % 2])
            with np.errstate(over="ignore"):  # 1e300 in float32 is inf: meant
                a.grad = b.grad = None if g is None else np.asarray(g, dtype=dtype)
        with np.errstate(all="ignore"):  # inf - inf and 0/0 are meant here
            one.step()
            for opt in each:
                opt.step()
        for a, b in zip(together, alone):
            assert a.data.dtype == b.data.dtype == dtype
            assert a.data.tobytes() == b.data.tobytes(), (step, a.data, b.data)


def test_momentums_first_velocity_is_not_the_gradient_array() -> None:
    """PyTorch's loop with p.grad.zero_() (in place) after each step: the velocity must not be that array."""
    import numpy as np

    from micrograd.tensor import Tensor

    p, tp = Tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    opt, topt = SGD([p], lr=0.1, momentum=0.9), torch.optim.SGD([tp], lr=0.1, momentum=0.9)
    for _ in range(3):
        (p * p).sum().backward()
        opt.step()
        p.grad.zero_()
        (tp * tp).sum().backward()
        topt.step()
        tp.grad.zero_()
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-14)
