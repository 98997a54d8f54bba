"""Optimizers that update parameters (Values or Tensors) in place from their ``.grad``, like ``torch.optim``.

``lr`` is a number or a schedule: a function from the step index (0, 1, 2, ...) to a learning rate,
such as ``linear_decay(1.0, 0.1, 100)``, the original demo's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from micrograd.engine import Value

Schedule = Callable[[int], float]


def linear_decay(start: float, end: float, steps: int) -> Schedule:
    """start at step 0, falling in a straight line to reach ``end`` at step ``steps`` (then held)."""

    def lr(k: int) -> float:
        return start - (start - end) * min(k, steps) / steps

    return lr


def constant(value: float) -> Schedule:
    return lambda k: value


class Optimizer:
    def __init__(self, parameters: Iterable[Value], lr: float | Schedule):
        self.parameters = list(parameters)
        if not self.parameters:
            raise ValueError(f"{type(self).__name__}: no parameters to optimise")
        self.schedule = lr if callable(lr) else constant(float(lr))
        self.steps = 0

    @property
    def lr(self) -> float:
        """The learning rate the next step() will use."""
        return self.schedule(self.steps)

    def zero_grad(self) -> None:
        """Clear every gradient, as its type clears one: 0.0 for a Value, None for a Tensor (PyTorch's set_to_none)."""
        for p in self.parameters:
            p.grad = p.EMPTY_GRAD

    def step(self) -> None:
        self._update(self.lr)
        self.steps += 1

    def _update(self, lr: float) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """p -= lr * v, where v = momentum * v + (grad + weight_decay * p); with momentum 0, v is the gradient."""

    def __init__(
        self, parameters: Iterable[Value], lr: float | Schedule, momentum: float = 0.0, weight_decay: float = 0.0
    ):
        super().__init__(parameters, lr)
        self.momentum, self.weight_decay = momentum, weight_decay
        self.velocity = [0.0] * len(self.parameters)

    def _update(self, lr: float) -> None:
        for i, p in enumerate(self.parameters):
            if p.grad is None:  # a Tensor the backward pass did not reach: left alone, as PyTorch does
                continue
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            if self.momentum:
                g = self.velocity[i] = self.momentum * self.velocity[i] + g if self.steps else g
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba): moving averages of the gradient and its square, bias-corrected, as torch.optim.Adam."""

    def __init__(
        self,
        parameters: Iterable[Value],
        lr: float | Schedule = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(parameters, lr)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.m = [0.0] * len(self.parameters)
        self.v = [0.0] * len(self.parameters)

    def _update(self, lr: float) -> None:
        b1, b2 = self.betas
        t = self.steps + 1
        step_size = lr / (1 - b1**t)
        root_correction = math.sqrt(1 - b2**t)
        for i, p in enumerate(self.parameters):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
            p.data -= step_size * self.m[i] / (_sqrt(self.v[i]) / root_correction + self.eps)


def _sqrt(v: Any) -> Any:
    """The square root of a number (a Value's moment) or, elementwise, of an array (a Tensor's)."""
    return math.sqrt(v) if isinstance(v, float) else v**0.5
