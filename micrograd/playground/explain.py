"""The computation graph of one example's loss, as the page draws it: every Value with its label, data and grad,
every edge with its local derivative, the order backward visits nodes, and finite-difference checks.

Every Value also says which part of the network made it (its *group*), named as the page's network picture names
neurons: ``input`` (x1, x2), ``L1 N3`` (hidden layer 1, neuron 3, counted from 0), ``output 0`` and ``loss``. The
page draws each neuron as one box that opens into its own Values. Networks of up to ``PRODUCT_NEURONS`` hidden
neurons are built as the lecture writes a neuron: each product ``w*x`` and each ``+`` its own Value; larger ones
use one ``wx+b`` node per neuron, for speed (the same numbers either way). Up to ``LECTURE_NEURONS`` hidden
neurons, the page shows every Value at once by default: the lecture's own picture.
"""

from __future__ import annotations

import copy
import math
import weakref
from collections.abc import Sequence
from typing import Any

from micrograd.autodiff import local_grads, topological_order
from micrograd.engine import Value
from micrograd.losses import LOSSES
from micrograd.nn import MLP, Neuron

#: Networks with at most this many hidden neurons have every product and sum as its own Value (2-8-8-1: 308 Values,
#: 54 kB in every frame); larger ones one ``wx+b`` Value per neuron (4x16: 1,021 Values and 215 kB, where products
#: and sums would make 2,588 Values and 477 kB, built in 2.5 times as long).
PRODUCT_NEURONS = 16
#: Networks with at most this many hidden neurons are drawn Value by Value by default, as the lecture draws them:
#: 2-4-1 or 2-2-2-1 is 50-56 Values, about what a learner can follow node by node (2-8-8-1 is 308).
LECTURE_NEURONS = 4

# Side tables, not fields of Value (the engine knows nothing of networks), weak so they never keep a graph alive:
# which part of the network made each Value of an example's graph ("L1 N3", "output 0", "input", "loss"), what
# each constant of a loss is, and in which part a forward pass failed.
_GROUPS: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()
_ROLES: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()
_FAILED_IN: weakref.WeakKeyDictionary[BaseException, str] = weakref.WeakKeyDictionary()

# What a constant of a loss is, by the loss and the op that uses it.
_CONSTANT_ROLES = {
    ("mse", "-"): "target",
    ("hinge", "*"): "y (label ±1)",  # max(0, 1 - y s)
    ("hinge", "-"): "margin",
    ("bce", "*"): "y (label 0/1)",
}


def label_parameters(model: MLP) -> None:
    """Name every weight and bias by layer, neuron and input: w[layer][neuron][input], b[layer][neuron]."""
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                w.label = f"w{i + 1}[{j}][{k}]"
            neuron.b.label = f"b{i + 1}[{j}]"


def neuron_name(layer: int, neuron: int, layers: int) -> str:
    """The page's name for a neuron: ``L1 N3`` (layer from 1, neuron from 0), or ``output 0`` in the last layer."""
    return f"output {neuron}" if layer == layers else f"L{layer} N{neuron}"


def _claim(out: Value, group: str) -> None:
    """Put ``out`` and every Value that made it, back to the Values already claimed, in ``group``."""
    stack = [out]
    while stack:
        node = stack.pop()
        if node in _GROUPS:
            continue
        _GROUPS[node] = group
        stack.extend(node._prev)


def _fresh(neuron: Neuron, fused: bool) -> Neuron:
    """A copy of ``neuron`` with weight and bias Values of its own (the same numbers and labels), so that an
    example's backward fills their grads, never the model's. Cheaper than a deep copy of the model."""
    twin = copy.copy(neuron)
    twin.w = [Value(w.data, label=w.label) for w in neuron.w]
    twin.b = Value(neuron.b.data, label=neuron.b.label)
    twin.fused = fused
    return twin


def example_loss(model: MLP, loss: str, x: list[float], label: float, names: Sequence[str] = ("x1", "x2")) -> Value:
    """The loss of one example, built on copies of the model's neurons, so its backward leaves the real grads alone.

    Run neuron by neuron, so that every Value is put in the group of the neuron that made it (see ``graph``); a
    forward pass that fails leaves the Values made so far grouped too (``failed_graph`` shows them). Up to
    ``PRODUCT_NEURONS`` hidden neurons, each neuron is the lecture's chain of ``*`` and ``+`` (the same numbers as
    one ``wx+b`` node). ``x`` is what the network takes (the point's features), each input labelled with its name
    in ``names``."""
    fused = sum(model.nouts[:-1]) > PRODUCT_NEURONS
    inputs = [Value(v, label=name) for v, name in zip(x, names, strict=True)]
    for v in inputs:
        _GROUPS[v] = "input"
    values: list[Value] = inputs
    group = "input"
    try:
        for i, layer in enumerate(model.layers):  # what MLP.__call__ does, a neuron at a time
            outs = []
            for j, neuron in enumerate(layer.neurons):
                group = neuron_name(i + 1, j, len(model.layers))
                outs.append(_fresh(neuron, fused)(values))
                _claim(outs[-1], group)
            values = outs
        group = "loss"
        out = values[0] if len(values) == 1 else values
        if isinstance(out, Value):
            out.label = "score"
        row = LOSSES[loss]
        root = row.mean([out], row.targets([label], model.nouts[-1]))  # the training loss, on this one example
    except ArithmeticError as err:  # what the failing op was given belongs to the part being computed
        for v in getattr(err, "operands", ()):
            if isinstance(v, Value):
                _claim(v, group)
        _FAILED_IN[err] = group
        raise
    root.label = "loss"
    _claim(root, "loss")
    _name_constants(root, loss)
    return root


def _name_constants(root: Value, loss: str) -> None:
    """Say what each constant of the loss is: the mean's factor 1/n (n = 1 example), the sum's start 0, the
    target or label, the margin."""
    total = root._prev[0] if root._op == "*" else None  # mean = (0 + term) * (1/n)
    for node in topological_order(root):
        for v in node._prev:
            if v._maker is not None or v.label or _GROUPS.get(v) != "loss":
                continue
            if node is root:
                _ROLES[v] = "1/n (mean, n=1)"
            elif node is total and v.data == 0:
                _ROLES[v] = "sum's start"
            else:
                _ROLES[v] = _CONSTANT_ROLES.get((loss, node._op), "constant")


def _json_number(x: float) -> float | str:
    """JSON has no NaN or infinity: send those as strings."""
    return x if math.isfinite(x) else str(x)


def _names(order: list[Value]) -> list[str]:
    """What the page calls each Value: its label; else what it is in its group ("L1 N3 ReLU", "w1[3][0]*x1",
    "L1 N3 sum 2" for the running sum after 2 products, "loss **2"), a constant its role ("target")."""
    names: list[str] = []
    sums: dict[str, int] = {}
    index = {node: i for i, node in enumerate(order)}
    for i, node in enumerate(order):
        group = _GROUPS.get(node, "")
        if node.label:
            name = node.label
        elif node in _ROLES:
            name = _ROLES[node]
        elif node._maker is None:
            name = "constant" if not group or group == "loss" else f"{group} constant"
        elif node._op == "*" and group.startswith(("L", "output")) and len(node._prev) == 2:
            a, b = (names[index[p]] if p.label else _GROUPS.get(p, "?") for p in node._prev)
            name = f"{a}*{b}"
        elif node._op == "+" and group.startswith(("L", "output")):
            sums[group] = sums.get(group, 0) + 1
            name = f"{group} sum {sums[group]}"
        elif group:
            name = f"{group} {node._op}"
        else:
            name = f"{node._op} #{i}"
        names.append(name)
    return names


def _lecture(order: list[Value]) -> bool:
    """Whether a graph is small enough to draw Value by Value: products and sums of at most LECTURE_NEURONS
    hidden neurons (a graph not made by ``example_loss``, whatever its size, too)."""
    hidden = {_GROUPS.get(n, "") for n in order} - {"", "input", "loss"}
    hidden = {g for g in hidden if not g.startswith("output")}
    return len(hidden) <= LECTURE_NEURONS and not any(n._op == "wx+b" for n in order)


def _node(i: int, n: Value, name: str, grad: float | str) -> dict[str, Any]:
    node = {"id": i, "label": n.label, "name": name, "op": n._op, "group": _GROUPS.get(n, ""),
            "data": _json_number(n.data), "grad": grad}  # fmt: skip
    if n in _ROLES:
        node["role"] = _ROLES[n]
    return node


def graph(root: Value) -> dict[str, Any]:
    """Nodes (topological order), edges with local derivatives, and the order backward visits op nodes.

    Each node has its ``label``, a ``name`` to show (the label, or what it is: ``L1 N3 ReLU``), its ``group``
    (``input``, ``L1 N3``, ``output 0``, ``loss``; empty for a graph not made by ``example_loss``) and, for a
    constant of the loss, its ``role`` (``target``, ``margin``...). ``lecture`` says whether the page should draw
    every Value by default: a network of at most ``LECTURE_NEURONS`` hidden neurons, built with every product
    and sum its own node."""
    try:
        root.backward()
    except ArithmeticError as err:  # a domain error on the way back: show what there is, and why
        failure = str(err)
    else:
        failure = None
    order = topological_order(root)
    ids = {node: i for i, node in enumerate(order)}
    names = _names(order)
    nodes = [_node(i, n, names[i], _json_number(n.grad)) for i, n in enumerate(order)]
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
            "failure": failure, "lecture": _lecture(order)}  # fmt: skip


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
    names = _names(order)
    nodes = [_node(i, n, names[i], "–") for i, n in enumerate(order)]
    failed = len(order)
    nodes.append({"id": failed, "label": "failed here", "name": "failed here", "op": getattr(err, "op", "?"),
                  "group": _FAILED_IN.get(err, ""), "data": "error", "grad": "–"})  # fmt: skip
    edges = [{"from": ids[p], "to": ids[n], "local": "–"} for n in order for p in n._prev]
    edges += [{"from": ids[v], "to": failed, "local": "–"} for v in operands]
    return {"nodes": nodes, "edges": edges, "root": failed, "backward": [], "bad": failed, "failure": str(err),
            "lecture": _lecture(order)}  # fmt: skip
