"""The playground's engine: the compiled engine, with one program per *padded* batch size.

The compiled programs are kept per padded batch size (a quarter octave apart: 80 training points use the program for
91, padded with zero-weight copies of the first point; over CHUNK points, the program for CHUNK runs chunk by chunk),
at most CACHED of them, so adding points one by one reuses a program instead of tracing a new one each time, and no
trace is ever of more than CHUNK examples. The programs are lowered (``micrograd.compile``'s default: one matmul
per layer), which keeps the numbers to the bit, so the padding still adds exact zeros.
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from micrograd import losses, nn
from micrograd.compiler import compile
from micrograd.engine import Value
from micrograd.losses import LOSSES, Loss
from micrograd.training.engines import BatchLoss, Compiled, Strengths, _numbers, accuracy

CACHED = 2  # compiled programs kept per session (one per padded batch size)
CHUNK = 256  # the largest batch one program takes: larger ones run it chunk by chunk (so traces stay short)


def padded_size(n: int) -> int:
    """The batch size whose compiled program serves ``n`` examples (n up to CHUNK): n rounded up to the next of
    8, 10, 12, 14, 16, 20, 23, 27, 32, 39, ... (2 to the power k/4, rounded up): at most 19% more, plus one."""
    if n <= 8:
        return 8
    k = math.floor(4 * math.log2(n)) - 1
    while math.ceil(2 ** (k / 4)) < n:
        k += 1
    return math.ceil(2 ** (k / 4))


def _batch_loss(model: nn.MLP, term: Callable[[Any, Any], Value], penalties: tuple[str, ...], X: list[list[float]],
                targets: list[Any], weights: list[float], scale: float,
                strengths: list[float]) -> tuple[Value, list]:  # fmt: skip
    """The weighted batch loss that CompiledLoss compiles (the terms are the loss's ``traced`` ones), plus the
    ``penalties`` (names of ``micrograd.losses.PENALTIES``) at the ``strengths`` given (inputs of the program)."""
    scores = [model(x) for x in X]
    terms = [term(s, t) for s, t in zip(scores, targets)]
    data_loss = sum(w * term for w, term in zip(weights, terms)) * scale
    total = losses.with_penalty(data_loss, model.parameters(), dict(zip(penalties, strengths)))
    return total, scores


class CompiledLoss:
    """The batch loss (data term plus weight penalties) and accuracy of ``model``, compiled once per padded batch size.

    A batch of n examples, n up to CHUNK, runs the program for ``padded_size(n)``: the missing examples are copies
    of the first with weight 0, and the mean divides by n, so the loss and every gradient are those of the n
    examples, to the last bit (adding 0 is exact). A larger batch runs the program for CHUNK on each CHUNK examples
    in turn (the last padded) and adds the parts, so one program, quick to trace, serves every large batch (the sum
    is grouped by chunk: the same to rounding). At most CACHED programs are kept, least recently used dropped first.
    """

    def __init__(self, model: nn.MLP, loss: Loss | str, l2: Strengths):
        self.model, self.loss = model, LOSSES[loss] if isinstance(loss, str) else loss
        strengths = l2 if isinstance(l2, Mapping) else {"l2": l2}
        self.penalties = tuple(name for name, strength in strengths.items() if strength)  # the others: left out
        self.strengths = [float(strengths[name]) for name in self.penalties]
        self.programs: OrderedDict[int, Any] = OrderedDict()

    def _program(self, size: int) -> Any:
        if size in self.programs:
            self.programs.move_to_end(size)
        else:
            # a partial, not a bound method: the programs must not refer back to this object (a reference cycle
            # would keep them, many MB each, until the cycle collector runs)
            # verify=0: no eager re-run of the first replay; _batch_loss has no Python branch on a value (the tests
            # check its numbers against micrograd.train's compiled loss, which is verified)
            loss = functools.partial(_batch_loss, self.model, self.loss.traced()[0], self.penalties)
            self.programs[size] = compile(loss, verify=0)
            while len(self.programs) > CACHED:
                self.programs.popitem(last=False)
        return self.programs[size]

    def __call__(self, X: list[list[float]], y: list[int]) -> tuple[Value, float]:
        n, size = len(X), padded_size(len(X)) if len(X) <= CHUNK else CHUNK
        targets = self.loss.traced()[1](y, self.model.nouts[-1])
        program, parts, scores = self._program(size), [], []
        for start in range(0, n, size):
            Xc, tc = X[start : start + size], targets[start : start + size]
            m, pad = len(Xc), size - len(Xc)
            part, part_scores = program([*Xc, *[Xc[0]] * pad], [*tc, *[tc[0]] * pad], [1.0] * m + [0.0] * pad, 1.0 / n,
                                        self.strengths if start == 0 else [0.0] * len(self.strengths))  # fmt: skip
            parts.append(part)
            scores += part_scores[:m]
        total = parts[0] if len(parts) == 1 else sum(parts[1:], parts[0])
        return total, accuracy(self.loss, _numbers(scores), y)


class Padded(Compiled):
    """The compiled engine, its programs kept per padded batch size (``CompiledLoss``): for data that grows."""

    name = "padded"
    help = "compiled, one program per padded batch size (the playground's)"

    def batch_loss(self, model: Any, loss: Loss, l2: Strengths) -> BatchLoss:
        return CompiledLoss(model, loss, l2)
