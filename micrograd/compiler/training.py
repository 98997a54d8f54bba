"""``micrograd.compile(loss_fn, optimizer=opt)``: each call is one whole training step.

A call does what the usual four lines do, and returns the loss cut from its graph::

    loss = loss_fn(*args)
    opt.zero_grad()
    loss.backward()
    opt.step()

so afterwards every parameter holds its updated numbers and its ``.grad`` holds this step's gradient, as after
those lines. ``step`` here is that sequence for any loss (a Value or a Tensor, replayed or eager); a replayed
call of a function of Tensors takes a shorter road to the same state (``tensors.TensorCalls``): it runs the
program's backward straight into the parameters' ``.grad``, without making the loss's graph node first.
"""

from __future__ import annotations

import warnings
from typing import Any

from micrograd.compiler.trace import CompileError
from micrograd.engine import Value
from micrograd.tensor import mode
from micrograd.tensor.tensor import Tensor


def check_optimizer(optimizer: Any, name: str) -> None:
    """Raise ``TypeError`` unless ``optimizer`` has the ``zero_grad()`` and ``step()`` a training step calls."""
    if isinstance(optimizer, type):
        raise TypeError(
            f"micrograd.compile({name}, optimizer=...): expected an optimizer, got the class {optimizer.__name__}: "
            f"make one for the model's parameters, {optimizer.__name__}(model.parameters(), lr=...)"
        )
    if not (callable(getattr(optimizer, "zero_grad", None)) and callable(getattr(optimizer, "step", None))):
        raise TypeError(
            f"micrograd.compile({name}, optimizer=...): expected an optimizer with zero_grad() and step() (such as "
            f"micrograd.optim.SGD(model.parameters(), lr=0.1)), got {type(optimizer).__name__}"
        )


def trains_tensors(optimizer: Any) -> bool:
    """Whether ``optimizer`` updates Tensors (then its training step is a function of Tensors, arguments or not)."""
    params = getattr(optimizer, "parameters", None)
    return isinstance(params, list) and any(isinstance(p, Tensor) for p in params)


def check_loss(loss: Any, name: str) -> None:
    """Raise ``CompileError`` unless ``loss`` is one number that takes a gradient: what a training step needs."""
    size = getattr(getattr(loss, "data", None), "size", 1)
    if not hasattr(loss, "backward") or size != 1:
        what = type(loss).__name__ if size == 1 else f"a {type(loss).__name__} of shape {loss.data.shape}"
        hint = " (return the Tensor itself, not loss.item())" if isinstance(loss, float) else ""
        raise CompileError(
            f"micrograd.compile({name}, optimizer=...): the function must return the loss, one Value or a Tensor "
            f"holding one number; it returned {what}{hint}"
        )
    if not getattr(loss, "requires_grad", True):
        why = "it was computed inside no_grad()" if not mode.enabled else "it depends on no Tensor that requires grad"
        raise CompileError(
            f"micrograd.compile({name}, optimizer=...): the loss takes no gradient ({why}), so there is nothing to "
            "train"
        )


def step(loss: Any, optimizer: Any, name: str) -> Any:
    """``optimizer.zero_grad(); loss.backward(); optimizer.step()``; the loss, detached (the same number, no graph).

    Warns (``UserWarning``) where the loss reached none of the optimizer's Tensors: an optimizer made for another
    model trains nothing, and says nothing, in the four lines too."""
    check_loss(loss, name)
    optimizer.zero_grad()
    loss.backward()
    params = getattr(optimizer, "parameters", None)
    if isinstance(params, list) and params and all(getattr(p, "grad", 0.0) is None for p in params):
        warnings.warn(
            f"micrograd.compile({name}, optimizer=...): the loss reaches none of the optimizer's parameters, so this "
            "step changes nothing (is the optimizer made for this function's model?)",
            stacklevel=4,
        )
    optimizer.step()
    return Value(loss.data) if isinstance(loss, Value) else loss.detach()
