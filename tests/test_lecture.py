"""The lecture's numbers (SPEC §5), reproduced by the package."""

from __future__ import annotations

import random

import pytest

from micrograd import Value, numerical_grad
from micrograd.lecture import lecture_mlp, readme_example
from micrograd.nn import MLP


def test_readme_example() -> None:
    g, a, b = readme_example()
    assert round(g.data, 4) == 24.7041
    assert round(a.grad, 4) == 138.8338
    assert round(b.grad, 4) == 645.5773


def f(x):
    return 3 * x**2 - 4 * x + 5


def test_derivative_of_a_simple_function() -> None:
    assert f(3.0) == 20.0
    assert numerical_grad(f, [3.0])[0] == pytest.approx(14.0, abs=1e-6)
    assert numerical_grad(f, [2 / 3])[0] == pytest.approx(0.0, abs=1e-6)
    x = Value(3.0)
    f(x).backward()
    assert x.grad == 14.0


def test_manual_backprop_example_one() -> None:
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    d = e + c
    f_ = Value(-2.0, label="f")
    L = d * f_
    L.backward()
    assert L.data == -8.0
    assert (d.grad, f_.grad, c.grad, e.grad, a.grad, b.grad) == (-2.0, 4.0, -2.0, -2.0, 6.0, -4.0)


@pytest.mark.parametrize("split_tanh", [False, True])
def test_the_neuron(split_tanh: bool) -> None:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    if split_tanh:
        e = (2 * n).exp()
        o = (e - 1) / (e + 1)
    else:
        o = n.tanh()
    o.backward()
    assert round(o.data, 4) == 0.7071
    assert x1.grad == pytest.approx(-1.5) and w1.grad == pytest.approx(1.0)
    assert x2.grad == pytest.approx(0.5) and w2.grad == 0.0


def test_reused_nodes() -> None:
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0
    a, b = Value(-2.0), Value(3.0)
    d = a * b
    e = a + b
    f_ = d * e
    f_.backward()
    assert (a.grad, b.grad) == (-3.0, -8.0)


def test_lecture_mlp_has_41_parameters_and_learns() -> None:
    random.seed(0)
    assert len(MLP(3, [4, 4, 1]).parameters()) == 41
    losses = lecture_mlp(steps=20)
    assert losses[-1] < 0.1 * losses[0] and losses[-1] < 0.1


def test_lecture_example_script_runs_and_learns() -> None:
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "lecture_mlp.py"
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "41 parameters" in out.stdout
    losses = [float(line.split()[1]) for line in out.stdout.splitlines() if line[:1].isdigit()]
    assert len(losses) == 20 and losses[-1] < 0.1 * losses[0]


def test_the_neuron_example_has_the_lecture_numbers() -> None:
    from micrograd.lecture import neuron

    o, v = neuron()
    assert round(o.data, 4) == 0.7071
    assert {k: round(x.grad, 4) for k, x in v.items()} == {"x1": -1.5, "x2": 0.5, "w1": 1.0, "w2": 0.0, "b": 0.5}


def test_the_tiny_mlp_loss_is_the_same_fused_or_not() -> None:
    from micrograd.lecture import tiny_mlp_loss

    fused, m1 = tiny_mlp_loss()
    unfused, m2 = tiny_mlp_loss(fused=False)
    assert fused.data == unfused.data > 0
    assert [p.grad for p in m1.parameters()] == pytest.approx([p.grad for p in m2.parameters()], rel=1e-12)
    assert any(p.grad != 0 for p in m1.parameters())
