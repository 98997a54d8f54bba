"""draw_dot: the picture of a graph of Values (or Tensors) that the lecture is taught from.

Every Value is a record ``label | data | grad``; every op that made a Value is a small oval between the Value's
inputs and the Value itself. Leaves (inputs, weights, constants) have no oval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from micrograd.autodiff import GraphTooLarge, topological_order
from micrograd.engine import Value
from micrograd.viz.render import Digraph

#: Fill colours: the nodes with the largest |grad| (``highlight=k``), and nodes holding NaN or an infinity.
HIGHLIGHT_COLOR = "#ffe082"
NONFINITE_COLOR = "#ef9a9a"
OP_COLOR = "#eeeeee"


def trace(
    roots: Value | Iterable[Value], max_nodes: int | None = None
) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """The Values reachable from ``roots`` (each after its inputs) and the edges ``(input, output)`` between them.

    Raises ValueError as soon as more than ``max_nodes`` Values are found (``None``: no limit).
    """
    if isinstance(roots, Value) or hasattr(roots, "_prev"):  # a Value, or a Tensor
        roots = [roots]
    elif not isinstance(roots, Iterable):
        raise TypeError(f"draw_dot: expected a Value or a Tensor (or several), got {type(roots).__name__}: {roots!r}")
    roots = list(roots)
    for r in roots:
        if not hasattr(r, "_prev"):
            raise TypeError(f"draw_dot: expected a Value or a Tensor (or several), got {type(r).__name__}: {r!r}")
    try:
        nodes = topological_order(*roots, limit=max_nodes)
    except GraphTooLarge:
        raise ValueError(
            f"draw_dot: the graph has more than max_nodes={max_nodes} Values, too many to read or lay out quickly; "
            "draw a smaller part of it (one example's loss, one neuron) or pass a larger max_nodes (None for no limit)"
        ) from None
    edges = [(x, node) for node in nodes for x in node._prev]
    return nodes, edges


def draw_dot(
    root: Value | Iterable[Value],
    format: str = "svg",
    rankdir: str = "LR",
    *,
    show_grad: bool = True,
    highlight: int = 0,
    max_nodes: int | None = 500,
) -> Digraph:
    """Draw the graph that made ``root`` (a Value, or several) as a ``graphviz.Digraph``.

    - ``format``: what ``render``/``pipe`` write by default (``'svg'`` works everywhere; PNG needs system Graphviz).
    - ``rankdir``: ``'LR'`` (left to right, as in the lecture) or ``'TB'`` (top to bottom).
    - ``show_grad=False`` hides the grads (the graph before ``backward``).
    - ``highlight=k`` fills the k Values with the largest |grad|; NaN and infinities are always filled red.
    - ``max_nodes``: refuse graphs larger than this with a clear message (``None``: no limit).

    Display it in Jupyter by leaving it as a cell's last expression; save it with ``.render('name')`` (writes
    ``name`` and ``name.svg``) or ``.render(outfile='graph.svg')``.
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_dot: rankdir must be 'LR', 'RL', 'TB' or 'BT', not {rankdir!r}")
    if highlight < 0:
        raise ValueError(f"draw_dot: highlight must be >= 0, not {highlight}")
    nodes, edges = trace(root, max_nodes)
    ids = {node: f"v{i}" for i, node in enumerate(nodes)}
    largest = set(sorted(nodes, key=_grad_size, reverse=True)[:highlight])

    dot = Digraph(format=format, graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica"})
    for node in nodes:
        fields = [_escape(node.label)] if node.label else []
        fields.append(f"data {_show(node.data)}")
        if show_grad:
            fields.append(f"grad {_show(node.grad)}")
        style = {"shape": "record", "label": "{ " + " | ".join(fields) + " }"}
        if not (_finite(node.data) and _finite(node.grad)):
            style.update(style="filled", fillcolor=NONFINITE_COLOR)
        elif node in largest:
            style.update(style="filled", fillcolor=HIGHLIGHT_COLOR, penwidth="2")
        dot.node(ids[node], **style)
        if node._op:  # made by an op: draw the op between its inputs and it
            dot.node(ids[node] + "op", label=node._op, shape="oval", style="filled", fillcolor=OP_COLOR,
                     fontsize="11", height="0.3", margin="0.02")  # fmt: skip
            dot.edge(ids[node] + "op", ids[node])
    for x, y in edges:
        dot.edge(ids[x], ids[y] + "op")
    return dot


def _number(x: float) -> str:
    """Four decimals, as in the lecture; scientific notation where that would hide the value."""
    if x == 0 or not math.isfinite(x) or 1e-4 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4e}"


def _show(x: Any) -> str:
    """A number as _number does; for a Tensor's array, its elements if there are at most 4, else its shape."""
    if x is None:
        return "None"
    if not hasattr(x, "shape") or x.ndim == 0:
        return _number(float(x))
    if x.size <= 4:
        return "[" + ", ".join(_number(float(v)) for v in x.flat) + "]"
    return f"shape {tuple(x.shape)}"


def _finite(x: Any) -> bool:
    if x is None:
        return True
    if hasattr(x, "shape"):
        return all(math.isfinite(v) for v in x.flat)
    return math.isfinite(x)


def _grad_size(node: Value) -> float:
    """|grad| (the largest element's for an array); -1 for a missing or non-finite one."""
    g = node.grad
    if g is None or not _finite(g):
        return -1.0
    return max((abs(float(v)) for v in g.flat), default=0.0) if hasattr(g, "shape") else abs(g)


def _escape(text: str) -> str:
    """Escape the characters that mean something inside a Graphviz record label."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text
