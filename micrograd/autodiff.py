"""Reverse-mode differentiation over a graph of Values: topological order, backward, grad.

Nothing here recurses, so a chain of a million ops back-propagates; nothing here keeps a node alive
after the call returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from micrograd.errors import DomainError, describe

if TYPE_CHECKING:
    from micrograd.engine import Value


def topological_order(*roots: Value) -> list[Value]:
    """Every node reachable from the root(s), each listed after all of its inputs (iterative DFS)."""
    order: list[Value] = []
    visited = set()
    stack: list[Value | None] = list(reversed(roots))
    while stack:
        node = stack.pop()
        if node is None:  # marker: every input of the node beneath it is now in `order`
            order.append(stack.pop())  # type: ignore[arg-type]
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(None)
            stack.extend(node._prev)
    return order


def backward(root: Value) -> None:
    """Accumulate d(root)/d(node) into ``node.grad`` for every node of root's graph (see Value.backward).

    All or nothing: if a derivative fails (a DomainError, or an error in a custom op's rule), every ``grad``
    is put back as it was before the call, and the error is raised.
    """
    order = topological_order(root)
    saved = [node.grad for node in order]
    for node in order:
        if node._fn is not None:
            node.grad = 0.0  # nodes made by ops hold this call's gradient; only leaves accumulate
    root.grad += 1.0
    node = root
    try:
        for node in reversed(order):
            op = node._fn
            if op is None:
                continue
            arity = op._trusted_arity
            if arity == 2:
                a, b = node._prev
                ga, gb = op.backward(node.grad, node.data, a.data, b.data)
                a.grad += ga
                b.grad += gb
            elif arity == 1:
                a = node._prev[0]
                a.grad += op.backward(node.grad, node.data, a.data)[0]
            elif arity == 0:  # a built-in op of any number of inputs
                prev = node._prev
                for p, gp in zip(prev, op.backward(node.grad, node.data, *[p.data for p in prev])):
                    p.grad += gp
            else:  # a custom op: the checked, general path
                local = local_grads(node, node.grad, node.data, [p.data for p in node._prev])
                for p, gp in zip(node._prev, local):
                    if not isinstance(gp, (int, float)):
                        raise TypeError(
                            f"op {node._op!r}: backward() returned a {type(gp).__name__}; during backward() "
                            "it is given floats and must return numbers"
                        )
                    p.grad += gp
    except BaseException as err:
        for n, g in zip(order, saved):
            n.grad = g
        if isinstance(err, (ArithmeticError, ValueError)) and not isinstance(err, DomainError):
            raise _backward_error(node, err) from err
        raise


def _backward_error(node: Value, err: Exception) -> DomainError:
    return DomainError(
        f"backward through {node._op}: the derivative is undefined or infinite at {describe(node._prev)}: {err}"
    )


def local_grads(node: Value, g: Any, out: Any, args: Sequence[Any]) -> Sequence[Any]:
    """Call ``node``'s op backward rule, checking that it gives one gradient per input."""
    op = node._fn
    assert op is not None
    try:
        local = op.backward(g, out, *args)
    except (ArithmeticError, ValueError) as err:
        if isinstance(err, DomainError):
            raise
        raise _backward_error(node, err) from err
    if not isinstance(local, (tuple, list)) or len(local) != len(node._prev):
        raise TypeError(
            f"op {op.name!r}: backward() must return a tuple with one gradient per input "
            f"({len(node._prev)}), got {local!r}"
        )
    return local


def grad(output: Value, inputs: Value | Iterable[Value], create_graph: bool = False) -> tuple[Value, ...]:
    """The gradients of ``output`` with respect to each of ``inputs``, like ``torch.autograd.grad``.

    Returns a tuple of Values, one per input (an input that ``output`` does not depend on gets 0.0).
    No ``.grad`` is read or written. With ``create_graph=True`` the gradients are themselves nodes of a
    graph built from the same ops, so they can be differentiated again (second derivatives, and so on).
    """
    from micrograd.engine import Value

    engine_grad = getattr(type(output), "_grad", None)
    if engine_grad is not None:  # another engine's output (a Tensor): its own backward pass
        return engine_grad(output, inputs, create_graph)
    wanted = [inputs] if isinstance(inputs, Value) else list(inputs)
    for x in wanted:
        if not isinstance(x, Value):
            raise TypeError(f"grad() takes Values as inputs, got {type(x).__name__}")
    grads: dict[Value, Any] = {output: Value(1.0) if create_graph else 1.0}
    for node in reversed(topological_order(output)):
        g = grads.get(node)
        if g is None or node._fn is None:
            continue
        if create_graph:  # run the rule on Values: it records the derivative as a graph
            local = local_grads(node, g, node, node._prev)
        else:
            local = local_grads(node, g, node.data, [p.data for p in node._prev])
        for p, gp in zip(node._prev, local):
            grads[p] = grads[p] + gp if p in grads else gp
    result = []
    for x in wanted:
        g = grads.get(x, 0.0)
        result.append(g if isinstance(g, Value) else Value(g))
    return tuple(result)
