"""The numerical-derivative helper agrees with backprop on every op, and reports disagreement."""

from __future__ import annotations

import pytest

from micrograd import Value, check_grad, numerical_grad
from tests.oracle import ALL, OpCase

POINTS = [0.37, 1.3, -0.8, 2.2]


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.name)
def test_check_grad_agrees_with_backprop_on_every_op(case: OpCase) -> None:
    point = next(xs for xs in ([p, q] for p in POINTS for q in POINTS[::-1]) if case.domain(*xs[: case.arity]))
    report = check_grad(case.ours, point[: case.arity])
    assert report.ok, str(report)
    assert len(report.rows) == case.arity


def test_numerical_grad_of_the_lecture_polynomial() -> None:
    (slope,) = numerical_grad(lambda x: 3 * x**2 - 4 * x + 5, [3.0])
    assert slope == pytest.approx(14.0, abs=1e-6)


def test_a_wrong_derivative_is_reported_with_its_input_label() -> None:
    from micrograd import Op

    class WrongSquare(Op):
        name = "wrong"

        def forward(self, x):
            return x * x

        def backward(self, g, out, x):
            return (g * x,)  # should be 2x

    report = check_grad(lambda a: WrongSquare()(a), [Value(1.5, label="a")])
    assert not report.ok
    text = str(report)
    assert "a " in text and "MISMATCH" in text and "NO" in text
    assert report.rows[0].backprop == 1.5 and report.rows[0].numerical == pytest.approx(3.0)
