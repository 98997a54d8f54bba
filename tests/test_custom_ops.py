"""A user-defined op (the lecture's Legendre polynomial) takes part in backward, grad and display."""

from __future__ import annotations

import torch

from micrograd import Op, Value, grad
from tests.oracle import close


class Legendre3(Op):
    """P3(x) = (5x^3 - 3x) / 2;  d/dx P3(x) = (15x^2 - 3) / 2."""

    name = "P3"

    def forward(self, x):
        return 0.5 * (5 * x**3 - 3 * x)

    def backward(self, g, out, x):
        return (g * 0.5 * (15 * x**2 - 3),)


class TorchLegendre3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x**3 - 3 * x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 0.5 * (15 * x**2 - 3)


class Hypot(Op):
    """A two-input op: sqrt(x^2 + y^2);  d/dx = x/out, d/dy = y/out."""

    name = "hypot"

    def forward(self, x, y):
        return (x * x + y * y) ** 0.5

    def backward(self, g, out, x, y):
        return g * x / out, g * y / out


P3 = Legendre3()


def test_custom_op_forward_backward_and_display() -> None:
    x = Value(0.3, label="x")
    y = P3(x).tanh() * x
    y.backward()
    tx = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    ty = torch.tanh(TorchLegendre3.apply(tx)) * tx
    ty.backward()
    assert close(y.data, ty.item()) and close(x.grad, tx.grad.item())
    node = y._prev[0]._prev[0]
    assert node._op == "P3" and node._prev == (x,)


def test_custom_op_on_plain_numbers_is_just_the_function() -> None:
    assert P3(0.5) == 0.5 * (5 * 0.125 - 1.5)
    assert isinstance(P3(Value(0.5)), Value)


def test_custom_op_second_derivative_through_grad() -> None:
    x = Value(0.7)
    (d1,) = grad(P3(x) * x, [x], create_graph=True)
    (d2,) = grad(d1, [x])
    tx = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    (t1,) = torch.autograd.grad(0.5 * (5 * tx**3 - 3 * tx) * tx, tx, create_graph=True)
    (t2,) = torch.autograd.grad(t1, tx)
    assert close(d1.data, t1.item()) and close(d2.data, t2.item())


def test_custom_op_with_two_inputs_and_numbers_mixed_in() -> None:
    x, y = Value(3.0), Value(4.0)
    out = Hypot()(x, y) * Hypot()(x, 12)
    out.backward()
    tx, ty = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (3.0, 4.0))
    tout = torch.hypot(tx, ty) * torch.hypot(tx, torch.tensor(12.0, dtype=torch.float64))
    tout.backward()
    assert close(out.data, tout.item()) and close(x.grad, tx.grad.item()) and close(y.grad, ty.grad.item())
