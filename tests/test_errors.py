"""The bad-input policy, one test per row of the README's table ("Bad input and edge cases")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd import DomainError, Op, Value
from micrograd.nn import MLP, Neuron


@pytest.mark.parametrize("bad", ["2.0", None, [1.0], 1 + 2j, Value(1.0), {"a": 1}])
def test_value_rejects_non_real_data_naming_the_type(bad) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("good", [3, 2.5, True, np.float64(1.5), np.float32(0.25), np.int64(-4)])
def test_value_accepts_ints_floats_bools_and_numpy_scalars_as_float(good) -> None:
    v = Value(good)
    assert type(v.data) is float and v.data == float(good)


@pytest.mark.parametrize("bad", ["a", None, [1.0], 1j])
def test_arithmetic_with_a_non_number_raises_type_error_naming_both_types(bad) -> None:
    with pytest.raises(TypeError, match="Value"):
        Value(1.0) + bad
    with pytest.raises(TypeError, match="Value"):
        bad * Value(1.0)
    with pytest.raises(TypeError, match="Value"):
        _ = Value(1.0) < bad


@pytest.mark.parametrize(
    ("make", "op"),
    [
        (lambda a: a.log(), "log"),
        (lambda a: a.sqrt(), "sqrt"),
    ],
)
@pytest.mark.parametrize("x", [-1.0, 0.0])
def test_log_and_sqrt_outside_their_domain_raise_domain_error(make, op: str, x: float) -> None:
    if op == "sqrt" and x == 0.0:
        assert Value(0.0).sqrt().data == 0.0  # sqrt(0) itself is fine; its derivative is not (below)
        return
    a = Value(x, label="a")
    with pytest.raises(DomainError, match=rf"{op}.*x={x!r} \(label 'a'\)"):
        make(a)


def test_division_by_zero_raises_domain_error_naming_both_operands() -> None:
    with pytest.raises(DomainError, match=r"/: .*x=1.0 \(label 'num'\), y=0.0 \(label 'den'\)"):
        Value(1.0, label="num") / Value(0.0, label="den")
    with pytest.raises(DomainError, match="division by zero"):
        2.0 / Value(0.0)


def test_zero_to_a_negative_power_raises_domain_error() -> None:
    with pytest.raises(DomainError, match=r"\*\*-1"):
        Value(0.0) ** -1
    with pytest.raises(DomainError, match=r"\*\*"):
        Value(0.0) ** Value(-2.0)


def test_negative_base_with_fractional_exponent_raises_instead_of_going_complex() -> None:
    with pytest.raises(DomainError, match="complex"):
        Value(-8.0) ** (1 / 3)
    with pytest.raises(DomainError, match="complex"):
        (-8.0) ** Value(0.5)
    assert (Value(-2.0) ** 3).data == -8.0  # an integer exponent is fine


@pytest.mark.parametrize("make", [lambda: Value(1000.0).exp(), lambda: Value(10.0) ** 400, lambda: 10.0 ** Value(400)])
def test_overflow_in_exp_and_pow_raises_domain_error(make) -> None:
    with pytest.raises(DomainError, match=r"too large|overflow"):
        make()


def test_domain_error_is_a_value_error_and_an_arithmetic_error() -> None:
    with pytest.raises(ValueError):
        Value(-1.0).log()
    with pytest.raises(ArithmeticError):
        Value(1.0) / 0


@pytest.mark.parametrize("make", [lambda x: x.sqrt(), lambda x: x**0.5, lambda x: x ** Value(0.5)])
def test_infinite_derivative_in_backward_raises_domain_error_naming_the_op(make) -> None:
    x = Value(0.0, label="x")
    y = make(x)
    assert y.data == 0.0
    with pytest.raises(DomainError, match=r"backward through .*x=0.0 \(label 'x'\)"):
        y.backward()


def test_exponent_gradient_of_a_negative_base_is_nan_as_in_torch() -> None:
    a, b = Value(-2.0), Value(2.0)
    (a**b).backward()
    assert a.grad == -4.0 and math.isnan(b.grad)


@pytest.mark.parametrize("f", [Value.relu, Value.abs])
def test_kinks_at_zero_have_derivative_zero_as_in_torch(f) -> None:
    x = Value(0.0)
    f(x).backward()
    assert x.grad == 0.0


def test_infinities_and_nans_propagate_by_ieee_rules_in_add_sub_mul() -> None:
    big = Value(1e308)
    assert (big * 10).data == math.inf
    assert math.isnan((Value(math.inf) - math.inf).data)
    assert math.isnan((Value(math.nan) + 1).data)
    assert Value(math.inf).tanh().data == 1.0


@pytest.mark.parametrize("x", [1e4, -1e4])
def test_tanh_and_sigmoid_are_stable_at_large_inputs(x: float) -> None:
    v = Value(x)
    (v.tanh() + v.sigmoid()).backward()
    assert math.isfinite(v.grad) and v.grad == 0.0


def test_custom_op_with_a_bad_forward_or_backward_gets_a_clear_type_error() -> None:
    class BadForward(Op):
        name = "bad-forward"

        def forward(self, x):
            return "nope"

        def backward(self, g, out, x):
            return (g,)

    class BadBackward(Op):
        name = "bad-backward"

        def forward(self, x):
            return x

        def backward(self, g, out, x):
            return g  # not a tuple

    with pytest.raises(TypeError, match=r"bad-forward.*str"):
        BadForward()(Value(1.0))
    y = BadBackward()(Value(1.0))
    with pytest.raises(TypeError, match=r"bad-backward.*one gradient per input"):
        y.backward()


def test_wrong_input_length_raises_value_error_with_both_lengths() -> None:
    with pytest.raises(ValueError, match="expects 3 inputs, got 2"):
        Neuron(3)([1.0, 2.0])
    with pytest.raises(ValueError, match="expects 2 inputs, got 4"):
        MLP(2, [3, 1])([1.0, 2.0, 3.0, 4.0])


def test_unknown_activation_is_named() -> None:
    with pytest.raises(ValueError, match="'swish'"):
        MLP(2, [3, 1], activation="swish")


def test_a_failed_backward_leaves_every_grad_as_it_was() -> None:
    a, b, c = Value(3.0), Value(2.0), Value(0.0)
    a.grad = 0.25  # a leaf's grad from an earlier call: kept, not half-updated
    r = a * b + c.sqrt()
    for _ in range(2):  # and a retry fails the same way, without compounding
        with pytest.raises(DomainError, match="sqrt"):
            r.backward()
        assert (a.grad, b.grad, c.grad, r.grad) == (0.25, 0.0, 0.0, 0.0)

    class Boom(Op):
        name = "boom"

        def forward(self, x):
            return 2 * x

        def backward(self, g, out, x):
            raise RuntimeError("my rule is broken")

    y = a * b + Boom()(c)
    with pytest.raises(RuntimeError, match="broken"):
        y.backward()
    assert (a.grad, b.grad, c.grad) == (0.25, 0.0, 0.0)


def test_a_custom_op_that_declares_an_arity_is_still_checked() -> None:
    class Half(Op):
        name, arity = "half", 2  # says two inputs, as built-in ops do, but its rule gives one gradient

        def forward(self, x, y):
            return x + y

        def backward(self, g, out, x, y):
            return (g,)

    z = Half()(Value(1.0), Value(2.0))
    with pytest.raises(TypeError, match=r"'half'.*one gradient per input"):
        z.backward()


def test_numbers_enter_the_engine_as_python_floats() -> None:
    import numpy as np

    a = Value(2.0)
    for y in (a ** np.float32(0.1), np.float32(0.1) * a ** Value(1.0), a ** np.float16(1.5)):
        assert type(y.data) is float
    assert (a ** np.float32(0.1)).data == 2.0 ** float(np.float32(0.1))  # float64 arithmetic, not float32's
    y = a ** np.float32(0.1)
    y.backward()
    assert type(a.grad) is float


@pytest.mark.parametrize(
    "make", [lambda: Value(10**400), lambda: Value(1.0) + 10**400, lambda: -(10**400) * Value(1.0)]
)
def test_an_integer_too_large_for_a_float_is_a_domain_error_naming_the_op(make) -> None:
    with pytest.raises(DomainError, match=r"(Value|\+|\*): an integer of 401 digits is too large for a float"):
        make()
