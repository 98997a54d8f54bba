"""The Tensor engine's oracle fuzzer (``tests/tensor/random_programs.py``): random programs against PyTorch.

A few hundred programs here (the Hypothesis profile sets how many); ``python -m tests.tensor.random_programs
--graphs 100000`` runs the same check at scale and prints every disagreement.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from micrograd import ops
from micrograd.tensor import array_ops
from tests.tensor.random_programs import Program, main, programs, run

SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


@settings(max_examples=2 * settings.default.max_examples, suppress_health_check=SLOW_DATA)
@given(programs())
def test_random_programs_agree_with_pytorch(program: Program) -> None:
    assert run(program) == []


# The fuzzer must see a wrong number when there is one: each sabotage below breaks one rule, and a program that
# uses it is reported.

PROGRAM = Program(
    leaves=[np.array([[0.5, -1.0, 2.0], [float("nan"), 0.0, 1.5]]), np.array([1.0, 2.0, 3.0])],
    steps=[  # (step, node, other node, numbers, flag, number): see random_programs.py
        ("unary", 0, 0, (4, 0, 0, 0, 0, 0), False, 0.0),  # tanh of the second leaf
        ("unary", 2, 0, (6, 0, 0, 0, 0, 0), False, 0.0),  # relu of the first leaf
        ("binary", 0, 1, (2, 0, 0, 0, 0, 0), False, 0.0),  # relu * tanh, broadcast
        ("index", 0, 0, (3, 0, 0, 0, 1, 0), False, 0.0),  # x[(-2, -2, -2),]: a tuple of repeated indices
        ("reduce", 0, 0, (1, 1, 0, 4, 0, 0), True, 0.0),  # logsumexp
        ("softmax", 1, 0, (0, 1, 0, 0, 0, 0), True, 0.0),  # log_softmax of the indexed rows
    ],
    seed=3,
    twice=True,
    second_order=True,
)

SABOTAGES = {
    "tanh's derivative": (ops.Tanh, "backward", lambda self, g, out, x: (g * (1 - out),)),
    "relu hides a NaN": (ops.ReLU, "forward_array", lambda op, x: np.fmax(x, 0.0)),
    "repeated indices assign": (array_ops, "_has_array", lambda index: False),
    "log_softmax's gradient": (array_ops.LogSoftmax, "backward", lambda self, g, out, x: (g,)),
}


def test_the_program_used_below_agrees_as_it_is() -> None:
    assert run(PROGRAM) == []


@pytest.mark.parametrize("name", SABOTAGES)
def test_a_wrong_rule_is_reported(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    target, attribute, wrong = SABOTAGES[name]
    monkeypatch.setattr(target, attribute, wrong)
    problems = run(PROGRAM)
    assert problems, f"the fuzzer missed: {name}"


def test_the_command_line_runs_graphs_and_reports_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--graphs", "20"]) == 0
    assert "done: 20 graphs, 0 with mismatches" in capsys.readouterr().out
