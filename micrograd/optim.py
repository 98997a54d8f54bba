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
        decay, momentum = self.weight_decay, self.momentum
        for i, p in enumerate(self.parameters):
            g = _plain(p.grad)
            if g is None:  # a Tensor the backward pass did not reach: left alone, as PyTorch does
                continue
            if decay:
                g = g + decay * p.data
            if momentum:  # the first velocity is a copy of the gradient (p.grad.zero_() must not change it)
                g = self.velocity[i] = momentum * self.velocity[i] + g if self.steps else _copy(g)
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba): moving averages of the gradient and its square, bias-corrected, as torch.optim.Adam.

    For each parameter p with gradient g, at step t (from 1)::

        m = b1 m + (1 - b1) g            v = b2 v + (1 - b2) g^2
        p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    Tensors of one dtype keep their moments in one flat array each (``self.m[i]`` are views of it), so a step is
    a dozen array operations for the whole model instead of a dozen per parameter; each element goes through the
    same operations in the same order, so the numbers are the same either way.
    """

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
        self.m: list[Any] = [0.0] * len(self.parameters)
        self.v: list[Any] = [0.0] * len(self.parameters)
        self._flat = _Flat.of(self.parameters)
        if self._flat is not None:
            self.m, self.v = (self._flat.views(moment) for moment in self._flat.moments)

    def _update(self, lr: float) -> None:
        b1, b2 = self.betas
        t = self.steps + 1
        step_size = lr / (1 - b1**t)
        root_correction = math.sqrt(1 - b2**t)
        flat = self._flat
        if flat is not None and flat.fits(self.parameters):  # the whole model at once
            g = flat.gather([p.grad for p in self.parameters])
            if self.weight_decay:
                g = g + self.weight_decay * flat.gather([p.data for p in self.parameters])
            change = self._moments(flat.moments[0], flat.moments[1], g, step_size, root_correction)
            for p, part in zip(self.parameters, flat.views(change)):
                p.data -= part
            return
        for i, p in enumerate(self.parameters):
            g = _plain(p.grad)
            if g is None:
                continue
            g = g + self.weight_decay * p.data if self.weight_decay else g
            p.data -= self._moments(self.m[i], self.v[i], g, step_size, root_correction, i)

    def _moments(self, m: Any, v: Any, g: Any, step_size: float, root_correction: float, i: int = -1) -> Any:
        """Update the moments m and v with g (arrays in place, numbers stored at index i); the change to subtract.
        Augmented assignments: the same operations, in the same order, as the formulas in the class docstring."""
        b1, b2 = self.betas
        m *= b1
        m += (1 - b1) * g
        g2 = (1 - b2) * g
        g2 *= g
        v *= b2
        v += g2
        if i >= 0:  # a number is rebound, not changed in place: keep it
            self.m[i], self.v[i] = m, v
        denominator = _sqrt(v)
        denominator /= root_correction
        denominator += self.eps
        change = m * step_size
        change /= denominator
        return change


class _Flat:
    """The layout of many same-dtype arrays in one flat array: Adam's moments for a Tensor model."""

    def __init__(self, shapes: list[tuple[int, ...]], dtype: Any, xp: Any):
        self.shapes, self.dtype, self.xp = shapes, dtype, xp
        self.bounds = [0]
        for shape in shapes:
            self.bounds.append(self.bounds[-1] + math.prod(shape))
        self.moments = (xp.zeros(self.bounds[-1], dtype=dtype), xp.zeros(self.bounds[-1], dtype=dtype))

    @classmethod
    def of(cls, parameters: list[Any]) -> _Flat | None:
        """The layout of these parameters' arrays, if they are all arrays of one floating dtype; else None."""
        arrays = [getattr(p, "data", None) for p in parameters]
        if len(arrays) < 2 or not all(hasattr(a, "__array_namespace__") for a in arrays):
            return None
        dtypes = {a.dtype for a in arrays}
        if len(dtypes) != 1 or dtypes.pop().kind != "f":
            return None
        return cls([a.shape for a in arrays], arrays[0].dtype, arrays[0].__array_namespace__())

    def fits(self, parameters: list[Any]) -> bool:
        """Whether every parameter has a gradient and still has its shape and dtype (else: one at a time)."""
        return all(
            p.grad is not None and p.data.shape == shape and p.data.dtype == self.dtype and p.grad.dtype == self.dtype
            for p, shape in zip(parameters, self.shapes)
        )

    def gather(self, arrays: list[Any]) -> Any:
        return self.xp.concat([a.reshape(-1) for a in arrays])

    def views(self, flat: Any) -> list[Any]:
        """Each parameter's part of the flat array ``flat``, shaped as the parameter."""
        return [flat[a:b].reshape(shape) for a, b, shape in zip(self.bounds, self.bounds[1:], self.shapes)]


def _plain(g: Any) -> Any:
    """A gradient to compute with: a Tensor's ``.grad`` (an ndarray subclass, for its ``zero_()``) as the plain
    array it is a view of, on which NumPy's arithmetic is twice as fast for small arrays; a number as it is."""
    to_array = getattr(g, "__array__", None)
    return g if to_array is None else to_array()


def _copy(g: Any) -> Any:
    """A gradient that nothing else holds: a copy of an array (a number is its own)."""
    return g.copy() if hasattr(g, "copy") else g


def _sqrt(v: Any) -> Any:
    """The square root of a number (a Value's moment) or, elementwise, of an array (a Tensor's)."""
    return math.sqrt(v) if isinstance(v, float) else v**0.5
