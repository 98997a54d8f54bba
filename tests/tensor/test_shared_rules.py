"""One rule per op: an elementwise Tensor op is the scalar engine's op, so values and gradients agree per element."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd import Value, ops
from micrograd.tensor import Tensor
from tests.oracle import BINARY, UNARY, OpCase
from tests.tensor.tensor_oracle import BINARY_DOMAINS, PER_OP, arrays, tensor_fn


def same(a: float, b: float, rel: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300) or (math.isnan(a) and math.isnan(b))


def rule_on_numbers(node, i: int, g: float = 1.0) -> tuple:
    """The node's op rule run by the scalar engine's arithmetic on element i of the node's own numbers."""
    return node._maker.backward(g, float(node.data.flat[i]), *[float(np.broadcast_to(p.data, node.shape).flat[i])
                                                            for p in node._prev])  # fmt: skip


@pytest.mark.parametrize("case", UNARY, ids=lambda c: c.name)
@PER_OP
@given(data=st.data())
def test_unary_tensor_op_equals_the_scalar_op_per_element(case: OpCase, data: st.DataObject) -> None:
    a = data.draw(arrays((5,), case.domain))
    x = Tensor(a, requires_grad=True)
    y = tensor_fn(case)(x)
    y.sum().backward()
    for i, ai in enumerate(a):
        v = Value(ai)
        w = case.ours(v)
        w.backward()
        assert y._maker.__class__ is w._maker.__class__  # the very same op, hence the very same rule
        assert same(y.data[i], w.data), (i, ai)  # NumPy's and math's forwards agree to an ulp or two
        assert same(x.grad[i], rule_on_numbers(y, i)[y._prev.index(x)], rel=1e-13), (i, ai)  # the same rule, on arrays
        assert same(x.grad[i], v.grad, rel=1e-9), (i, ai)  # 1 - tanh^2 may magnify an ulp near saturation


@pytest.mark.parametrize("case", BINARY, ids=lambda c: c.name)
@PER_OP
@given(data=st.data())
def test_binary_tensor_op_equals_the_scalar_op_per_element(case: OpCase, data: st.DataObject) -> None:
    dx, dy = BINARY_DOMAINS[case.name]
    a, b = data.draw(arrays((4,), dx)), data.draw(arrays((4,), dy))
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = case.ours(x, y)
    out.sum().backward()
    for i in range(4):
        u, v = Value(a[i]), Value(b[i])
        w = case.ours(u, v)
        w.backward()
        assert out._maker is w._maker
        assert same(out.data[i], w.data)
        gx, gy = rule_on_numbers(out, i)
        assert same(x.grad[i], gx, rel=1e-13) and same(y.grad[i], gy, rel=1e-13)
        assert same(x.grad[i], u.grad, rel=1e-9) and same(y.grad[i], v.grad, rel=1e-9)


def test_the_builtin_ops_are_shared_singletons() -> None:
    x, v = Tensor([0.5]), Value(0.5)
    for name, op in {"exp": ops.EXP, "log": ops.LOG, "tanh": ops.TANH, "sigmoid": ops.SIGMOID, "relu": ops.RELU,
                     "abs": ops.ABS, "sqrt": ops.SQRT, "softplus": ops.SOFTPLUS, "sin": ops.SIN,
                     "cos": ops.COS}.items():  # fmt: skip
        t = getattr(Tensor(x, requires_grad=True), name)()
        assert t._maker is op is getattr(v, name)()._maker and t._op == op.name


def test_the_rules_run_on_plain_arrays() -> None:
    """A rule called with arrays is NumPy arithmetic: the tensor engine adds nothing to the derivative itself."""
    x = np.array([-1.0, 0.5, 2.0])
    out = np.tanh(x)
    (g,) = ops.TANH.backward(np.ones(3), out, x)
    np.testing.assert_array_equal(g, 1 - out * out)
    (g,) = ops.SOFTPLUS.backward(np.ones(3), None, x)  # calls SIGMOID on an array
    np.testing.assert_allclose(g, 1 / (1 + np.exp(-x)), rtol=1e-15)
