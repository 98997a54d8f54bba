"""Reverse-mode differentiation: the one walk over a graph, ``backward`` and ``grad``.

A graph is made of nodes (Values, Tensors) that hold ``data``, their inputs in ``_prev`` and the op that made them
in ``_maker`` (None for a leaf). ``topological_order`` lists them, each after its inputs; everything that walks a
graph (backward, grad, the Tensor engine, the compiler, drawings, the playground) uses it. Nothing here recurses,
so a chain of a million ops back-propagates; nothing here keeps a node alive after the call returns.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterable, Sequence
from operator import attrgetter
from typing import Any

from micrograd.errors import DomainError, describe

Node = Any  # a Value or a Tensor: data, _prev, _maker (see the module's docstring)


_made = attrgetter("_seq")


class GraphTooLarge(ValueError):
    """A walk found more nodes than the limit it was given."""


def topological_order(
    *roots: Node,
    inputs: Callable[[Node], Iterable[Node]] | None = None,
    limit: int | None = None,
    known: Collection[Node] = (),
) -> list[Node]:
    """Every node reachable from the root(s), each listed after all of its inputs (an iterative depth-first walk).

    ``inputs(node)``: where to look for a node's inputs (by default its ``_prev``). ``limit``: raise GraphTooLarge
    once more than this many nodes are found. ``known``: nodes already ordered, neither listed nor looked into.
    """
    order: list[Node] = []
    visited = set(known)
    most = sys.maxsize if limit is None else len(visited) + limit
    stack: list[Node | None] = list(reversed(roots))
    pop, push, add = stack.pop, stack.append, visited.add  # (bound once: this loop runs for every node)
    while stack:
        node = pop()
        if node is None:  # marker: every input of the node beneath it is now in `order`
            order.append(pop())
        elif node not in visited:
            add(node)
            prev = node._prev if inputs is None else tuple(inputs(node))
            if prev:
                push(node)
                push(None)
                stack.extend(prev)
            else:  # no inputs (a leaf): its place is now
                order.append(node)
            if len(visited) > most:
                raise GraphTooLarge(f"the graph has more than {limit} nodes")
    return order


def backward(root: Node) -> None:
    """Accumulate d(root)/d(node) into ``node.grad`` for every node of root's graph (see Value.backward).

    The chain rule, once per op node, from the root down: the node's op gives ``grad * d(node)/d(input)`` for each
    input, and each input adds it to its ``grad``. All or nothing: if a derivative fails (a DomainError, or an
    error in a custom op's rule), every ``grad`` is put back as it was before the call, and the error is raised.
    """
    inputs = root._prev
    if root._maker is not None and not any(x._prev or x._maker is not None for x in inputs):
        return _one_op(root)  # every input a leaf (a compiled call's result): the same steps, without the walk
    order = topological_order(root)
    saved = [node.grad for node in order]
    for node in order:
        if node._maker is not None:
            node.grad = 0.0  # nodes made by ops hold this call's gradient; only leaves accumulate
    root.grad += 1.0
    node = root
    try:
        for node in reversed(order):
            op = node._maker
            if op is None:
                continue  # a leaf: nothing to pass on
            inputs = node._prev
            if len(inputs) == 1 and op.builtin:  # tanh, relu, exp...: the commonest node, without making a list
                x = inputs[0]
                x.grad += op.backward(node.grad, node.data, x.data)[0]
                continue
            local = op.backward(node.grad, node.data, *[x.data for x in inputs])  # grad * d(node)/d(each input)
            if not op.builtin:
                _check(node, local, numbers=True)  # a custom op: one number per input, or a clear error
            for x, g in zip(inputs, local):
                x.grad += g
    except BaseException as err:
        for n, g in zip(order, saved):
            n.grad = g
        if isinstance(err, (ArithmeticError, ValueError)) and not isinstance(err, DomainError):
            raise backward_error(node, err) from err
        raise


def _one_op(root: Node) -> None:
    """``backward`` of a root whose inputs are all leaves: its rule once, each input adding its gradient in order,
    and every ``grad`` put back if the rule fails, as the walk does it."""
    op, inputs = root._maker, root._prev
    saved_root, saved = root.grad, [x.grad for x in inputs]
    root.grad = 0.0
    root.grad += 1.0
    try:
        local = op.backward(root.grad, root.data, *[x.data for x in inputs])
        if not op.builtin:
            _check(root, local, numbers=True)
        for x, g in zip(inputs, local):
            x.grad += g
    except BaseException as err:
        root.grad = saved_root
        for x, g in zip(inputs, saved):
            x.grad = g
        if isinstance(err, (ArithmeticError, ValueError)) and not isinstance(err, DomainError):
            raise backward_error(root, err) from err
        raise


def _check(node: Node, local: Any, numbers: bool = False) -> None:
    """That an op's rule gave one gradient per input (and, during ``backward()``, numbers)."""
    op = node._maker
    if not isinstance(local, (tuple, list)):
        raise TypeError(f"op {op.name!r}: backward() must return a tuple with one gradient per input, got {local!r}")
    if len(local) != len(node._prev):
        raise TypeError(
            f"op {op.name!r}: backward() must return one gradient per input ({len(node._prev)}), got {len(local)}"
        )
    for g in local if numbers else ():
        if not isinstance(g, (int, float)):
            raise TypeError(
                f"op {node._op!r}: backward() returned a {type(g).__name__}; during backward() it is given floats "
                "and must return numbers"
            )


def backward_error(node: Node, err: Exception) -> DomainError:
    """The error for a rule that raised ``err`` in the backward pass at ``node``: what ``backward()`` raises."""
    return DomainError(
        f"backward through {node._op}: the derivative is undefined or infinite at {describe(node._prev)}: {err}"
    )


def local_grads(node: Node, g: Any, out: Any, args: Sequence[Any]) -> Sequence[Any]:
    """Call ``node``'s op backward rule, checking that it gives one gradient per input."""
    op = node._maker
    assert op is not None
    try:
        local = op.backward(g, out, *args)
    except (ArithmeticError, ValueError) as err:
        if isinstance(err, DomainError):
            raise
        raise backward_error(node, err) from err
    _check(node, local)
    return local


def gradient_order(root: Node, inputs: Callable[[Node], Iterable[Node]] | None = None) -> list[Node]:
    """``topological_order(root)``, whose reverse is the order gradients flow in; nodes that carry ``_seq`` (the
    number they were made with: Tensors) are sorted by it, so that they are visited newest first."""
    order = topological_order(root, inputs=inputs)
    if hasattr(root, "_seq"):
        order.sort(key=_made)
    return order


def gradients(root: Node, seed: Any, create_graph: bool = False) -> dict[Node, Any]:
    """d(root)/d(node) for every node of root's graph that takes a gradient, starting from ``seed`` at the root.

    Nodes are visited from the root down, in reverse topological order; nodes that carry ``_seq``, the number they
    were made with (Tensors), in reverse order of those numbers, which is PyTorch's order, so that where gradients
    meeting at a node nearly cancel, they are added as PyTorch adds them. Nothing is written to the nodes. Each
    gradient is put in its node's own form by the node's type (``_fit_gradient``: a Tensor sums a broadcast
    gradient back to its shape, and takes none when it does not require grad). With ``create_graph`` the rules run
    on the nodes themselves, so they record the derivative as a graph of its own, which can be differentiated again.
    """
    seed = root._fit_gradient(seed, create_graph)
    grads: dict[Node, Any] = {} if seed is None else {root: seed}
    order = gradient_order(root)
    node = root
    try:
        for node in reversed(order):
            g = grads.get(node)
            if g is None or node._maker is None:
                continue
            inputs = node._prev
            if create_graph:  # run the rule on nodes: it records the derivative as a graph
                local = node._maker.backward(g, node, *inputs)
            else:
                local = node._maker.backward(g, node.data, *[x.data for x in inputs])
            if type(local) is not tuple or len(local) != len(inputs):
                _check(node, local)
            for x, gx in zip(inputs, local):
                if gx is None:  # the rule gives this input no gradient (PyTorch's None)
                    continue
                gx = x._fit_gradient(gx, create_graph)
                if gx is not None:
                    old = grads.get(x)
                    grads[x] = gx if old is None else old + gx
    except (ArithmeticError, ValueError) as err:
        if isinstance(err, DomainError):
            raise
        raise backward_error(node, err) from err
    return grads


def grad(output: Node, inputs: Node | Iterable[Node], create_graph: bool = False) -> tuple[Node, ...]:
    """The gradients of ``output`` with respect to each of ``inputs``, like ``torch.autograd.grad``.

    Returns one gradient per input, of the output's kind (Values for a Value, Tensors for a Tensor); an input that
    ``output`` does not depend on gets 0. No ``.grad`` is read or written. With ``create_graph=True`` the gradients
    are themselves nodes of a graph built from the same ops, so they can be differentiated again (second
    derivatives, and so on).
    """
    kind = type(output)
    if not hasattr(kind, "_gradient_seed"):
        raise TypeError(f"grad() takes a Value or a Tensor as the output, got {kind.__name__}")
    wanted = [inputs] if isinstance(inputs, kind) else list(inputs)
    for x in wanted:
        if not isinstance(x, kind):
            raise TypeError(f"grad() takes {kind.__name__}s as inputs, like its output, got {type(x).__name__}")
    grads = gradients(output, output._gradient_seed(create_graph), create_graph)
    return tuple(x._as_gradient(grads.get(x)) for x in wanted)
