"""Whether Tensor ops record a graph: always, except inside ``with no_grad():`` (as ``torch.no_grad``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

enabled = True


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
