"""Helpers shared by the Tensor tests: the scalar engine's op table seen as Tensor ops, and torch conversions."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from micrograd import Value
from tests.oracle import BINARY, UNARY, OpCase


def tensor_fn(case: OpCase):
    """The case's op applied to a Tensor: Value methods become the Tensor method of the same name."""
    if getattr(case.ours, "__qualname__", "").startswith("Value."):
        name = case.ours.__name__
        return lambda x: getattr(x, name)()
    return case.ours


def torch_of(a: np.ndarray, requires_grad: bool = True) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad)


def elements(domain=lambda x: True) -> st.SearchStrategy[float]:
    return st.floats(-5, 5, allow_nan=False, width=64).filter(domain)


def arrays(shape, domain=lambda x: True) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=elements(domain))


#: For the tests parametrized over every op: each op alone needs fewer examples than the profile's, since the random
#: programs of test_random_programs.py also run every op, together and at edge values.
PER_OP = settings(max_examples=max(30, settings.default.max_examples // 4))

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)

#: Element ranges for each binary op's two inputs (the joint domain of tests/oracle.py, split per input).
BINARY_DOMAINS = {
    "add": (lambda x: True, lambda y: True),
    "sub": (lambda x: True, lambda y: True),
    "mul": (lambda x: True, lambda y: True),
    "div": (lambda x: True, lambda y: abs(y) > 1e-2),
    "pow": (lambda x: 1e-2 < x < 1e2, lambda y: abs(y) < 10),
}

__all__ = ["BINARY", "BINARY_DOMAINS", "PER_OP", "SHAPES", "UNARY", "Value", "arrays", "tensor_fn", "torch_of"]
