"""Writing an MLP as an ONNX model: MatMul, Add and an activation per layer, in float64, written atomically."""

from __future__ import annotations

import os
from typing import Any

from micrograd.activations import ACTIVATIONS
from micrograd.files import write_atomically
from micrograd.interop.layers import dense_layers, optional

INSTALL = "pip install onnx onnxruntime (micrograd-lab's 'onnx' extra)"
OPSET = 17


def to_onnx(model: Any, path: str | os.PathLike[str]) -> Any:
    """Write ``model`` (either engine) to ``path`` as an ONNX model and return it (an ``onnx.ModelProto``).

    Input ``x`` and output ``y`` are float64 of shape (batch, nin) and (batch, nout); the batch size is free.
    The model is checked with ``onnx.checker`` before the file is written (atomically).
    """
    onnx = optional("onnx", "micrograd.interop.to_onnx", INSTALL)
    from onnx import TensorProto, helper, numpy_helper

    layers = dense_layers(model)
    nodes, weights, current = [], [], "x"
    for i, (w, b, activation) in enumerate(layers):
        weights += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes.append(helper.make_node("MatMul", [current, f"w{i}"], [f"xw{i}"]))
        last = i == len(layers) - 1
        op = ACTIVATIONS[activation].onnx  # None: no node (the identity)
        summed = "y" if last and op is None else f"z{i}"
        nodes.append(helper.make_node("Add", [f"xw{i}", f"b{i}"], [summed]))
        current = summed
        if op is not None:
            current = "y" if last else f"h{i}"
            nodes.append(helper.make_node(op, [summed], [current]))
    nin, nout = layers[0][0].shape[0], layers[-1][0].shape[1]
    graph = helper.make_graph(
        nodes,
        "micrograd_mlp",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["batch", nin])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["batch", nout])],
        initializer=weights,
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="micrograd",
                              ir_version=8)  # fmt: skip
    onnx.checker.check_model(proto, full_check=True)
    write_atomically(path, proto.SerializeToString())
    return proto
