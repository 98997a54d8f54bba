"""The computation graph of one example's loss, as the page draws it: every Value with its label, data and grad,
every edge with its local derivative, the order backward visits nodes, and finite-difference checks."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any

from micrograd.autodiff import local_grads, topological_order
from micrograd.engine import Value
from micrograd.losses import LOSSES
from micrograd.nn import MLP


def label_parameters(model: MLP) -> None:
    """Name every weight and bias by layer, neuron and input: w[layer][neuron][input], b[layer][neuron]."""
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                w.label = f"w{i + 1}[{j}][{k}]"
            neuron.b.label = f"b{i + 1}[{j}]"


def example_loss(model: MLP, loss: str, x: list[float], label: float, names: Sequence[str] = ("x1", "x2")) -> Value:
    """The loss of one example, built on a copy of the model, so its backward leaves the real grads alone. ``x`` is
    what the network takes (the point's features), each input labelled with its name in ``names``."""
    clone = copy.deepcopy(model)
    clone.zero_grad()  # the copy must not carry the training batch's gradients
    inputs = [Value(v, label=name) for v, name in zip(x, names, strict=True)]
    out = clone(inputs)
    if isinstance(out, Value):
        out.label = "score"
    row = LOSSES[loss]
    root = row.mean([out], row.targets([label], clone.nouts[-1]))  # the training loss, on this one example
    root.label = "loss"
    return root


def _json_number(x: float) -> float | str:
    """JSON has no NaN or infinity: send those as strings."""
    return x if math.isfinite(x) else str(x)


def graph(root: Value) -> dict[str, Any]:
    """Nodes (topological order), edges with local derivatives, and the order backward visits op nodes."""
    try:
        root.backward()
    except ArithmeticError as err:  # a domain error on the way back: show what there is, and why
        failure = str(err)
    else:
        failure = None
    order = topological_order(root)
    ids = {node: i for i, node in enumerate(order)}
    nodes = [
        {"id": i, "label": n.label, "op": n._op, "data": _json_number(n.data), "grad": _json_number(n.grad)}
        for i, n in enumerate(order)
    ]
    edges = []
    for node in order:
        if node._maker is None:
            continue
        try:
            local = local_grads(node, 1.0, node.data, [p.data for p in node._prev])
        except ArithmeticError:
            local = [math.nan] * len(node._prev)
        for p, d in zip(node._prev, local):
            edges.append({"from": ids[p], "to": ids[node], "local": _json_number(float(d))})
    bad = next((i for i, n in enumerate(order) if not math.isfinite(n.data)), None)
    if bad is None:
        bad = next((i for i, n in enumerate(order) if not math.isfinite(n.grad)), None)
    backward_order = [ids[n] for n in reversed(order) if n._maker is not None]
    return {"nodes": nodes, "edges": edges, "root": ids[root], "backward": backward_order, "bad": bad,
            "failure": failure}  # fmt: skip


def finite_difference(root: Value, node_id: int, h: float = 1e-6) -> dict[str, Any]:
    """d(root)/d(node) by central differences: the graph re-run from the node with its value nudged by ±h."""
    order = topological_order(root)
    if not 0 <= node_id < len(order):
        raise ValueError(f"no node {node_id} in this graph of {len(order)}")
    target = order[node_id]
    step = h * max(1.0, abs(target.data))

    def run(nudge: float) -> float:
        vals: dict[Value, float] = {}
        for n in order:
            if n is target:
                vals[n] = n.data + nudge
            elif n._maker is None:
                vals[n] = n.data
            else:
                vals[n] = n._maker.forward(*[vals[p] for p in n._prev])
        return vals[root]

    try:
        estimate = (run(step) - run(-step)) / (2 * step)
    except (ArithmeticError, ValueError):
        estimate = math.nan
    numbers = {"numerical": estimate, "backprop": target.grad, "h": step}
    return {"node": node_id, **{key: _json_number(value) for key, value in numbers.items()}}


def failed_graph(err: Exception) -> dict[str, Any]:
    """The graph up to an op that failed (a DomainError), with the failed op as a last node, marked bad."""
    operands = [v for v in getattr(err, "operands", ()) if isinstance(v, Value)]
    order = topological_order(*operands)
    ids = {node: i for i, node in enumerate(order)}
    nodes = [
        {"id": i, "label": n.label, "op": n._op, "data": _json_number(n.data), "grad": "–"} for i, n in enumerate(order)
    ]
    failed = len(order)
    nodes.append({"id": failed, "label": "failed here", "op": getattr(err, "op", "?"), "data": "error", "grad": "–"})
    edges = [{"from": ids[p], "to": ids[n], "local": "–"} for n in order for p in n._prev]
    edges += [{"from": ids[v], "to": failed, "local": "–"} for v in operands]
    return {"nodes": nodes, "edges": edges, "root": failed, "backward": [], "bad": failed, "failure": str(err)}
