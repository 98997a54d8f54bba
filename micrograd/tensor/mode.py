"""The Tensor engine's state: whether ops record a graph (always, except inside ``with no_grad():``, as
``torch.no_grad``), and who listens while ``micrograd.compile`` traces a function of Tensors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

enabled = True

#: While ``micrograd.compile`` traces a function of Tensors, its recorder (``compiler/tensors.py``): told of every
#: op recorded, every tensor made from an array, and every look at a tensor's numbers. None otherwise.
tracer: Any = None


def is_grad_enabled() -> bool:
    """False inside ``with no_grad():``."""
    return enabled


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside ``with no_grad():`` ops record no graph (evaluation, updates), as ``torch.no_grad``."""
    global enabled
    previous, enabled = enabled, False
    try:
        yield
    finally:
        enabled = previous
