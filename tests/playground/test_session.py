"""A session's training: compiled programs per padded batch size (exactly the unpadded numbers), at most CACHED
of them, so that adding points one by one neither retraces every time nor keeps every trace."""

from __future__ import annotations

import random

import pytest

from micrograd import nn
from micrograd.losses import LOSSES
from micrograd.playground import messages as msg
from micrograd.playground.session import Session
from micrograd.training import padded as session_module
from micrograd.training.engines import ENGINES
from micrograd.training.padded import CACHED, CHUNK, CompiledLoss, padded_size


def compiled_batch_loss(model: nn.MLP, loss: str, l2: float):  # the command line's compiled engine
    return ENGINES["compiled"].batch_loss(model, LOSSES[loss], l2)


def test_padded_sizes_are_a_quarter_octave_apart() -> None:
    sizes = [padded_size(n) for n in range(1, CHUNK + 1)]
    assert sizes[:8] == [8] * 8 and sizes[79] == 91 and sizes[CHUNK - 1] == CHUNK == 256
    assert all(n <= s <= max(8, 1.19 * n + 1) for n, s in zip(range(1, CHUNK + 1), sizes))
    assert len(set(sizes)) == 21  # 21 programs at most for every batch size (larger batches run CHUNK's)


@pytest.mark.parametrize("loss", ["hinge", "mse", "bce", "ce"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_a_padded_batch_gives_exactly_the_numbers_of_the_unpadded_one(loss: str, activation: str) -> None:
    random.seed(3)
    nout = 3 if loss == "ce" else 1
    model = nn.MLP(2, [6, 5, nout], activation=activation)
    X = [[random.uniform(-2, 2), random.uniform(-2, 2)] for _ in range(21)]  # runs the program for 23
    y = [random.randrange(max(nout, 2)) for _ in X]
    padded, plain = CompiledLoss(model, loss, 1e-3), compiled_batch_loss(model, loss, 1e-3)
    for _ in range(3):  # the trace, then replays (micrograd.train checks its first replay against the eager engine)
        results = []
        for run in (padded, plain):
            model.zero_grad()
            total, acc = run(X, y)
            total.backward()
            results.append((total.data, acc, [p.grad for p in model.parameters()]))
        assert results[0] == results[1]  # to the last bit: the padding adds exact zeros
    assert list(padded.programs) == [23]


@pytest.mark.parametrize("loss", ["hinge", "ce"])
def test_a_large_batch_runs_one_program_chunk_by_chunk_with_the_same_numbers_to_rounding(loss: str) -> None:
    random.seed(4)
    nout = 3 if loss == "ce" else 1
    model = nn.MLP(2, [4, nout], activation="tanh")
    X = [[random.uniform(-2, 2), random.uniform(-2, 2)] for _ in range(2 * CHUNK + 30)]  # 3 chunks, the last padded
    y = [random.randrange(max(nout, 2)) for _ in X]
    chunked, plain = CompiledLoss(model, loss, 1e-3), compiled_batch_loss(model, loss, 1e-3)
    for _ in range(2):
        results = []
        for run in (chunked, plain):
            model.zero_grad()
            total, acc = run(X, y)
            total.backward()
            results.append((total.data, acc, [p.grad for p in model.parameters()]))
        (loss_a, acc_a, grads_a), (loss_b, acc_b, grads_b) = results
        assert acc_a == acc_b and loss_a == pytest.approx(loss_b, rel=1e-13)
        assert grads_a == pytest.approx(grads_b, rel=1e-11, abs=1e-15)
    assert list(chunked.programs) == [CHUNK]


def test_adding_points_reuses_a_program_and_at_most_two_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    traced = []
    real = session_module.compile
    monkeypatch.setattr(session_module, "compile", lambda fn, **options: traced.append(1) or real(fn, **options))
    session = Session()
    session.handle(msg.check({"type": "config", "config": {"hidden": [4]}}))  # 80 training points: the program for 91
    for i in range(11):
        session.handle({"type": "add_point", "point": [0.1 * i, -0.5, i % 2]})
        session.handle({"type": "step"})
    assert len(session.X_train) == 91 and list(session.batch_loss.programs) == [91] and len(traced) == 1
    for i in range(40):  # 92 to 131 training points: the programs for 108 and 128, then 153
        session.handle({"type": "add_point", "point": [0.05 * i, 0.5, i % 2]})
        session.handle({"type": "step"})
        assert len(session.batch_loss.programs) <= CACHED
    assert list(session.batch_loss.programs) == [128, 153] and len(traced) == 4
    assert session.step_count == 51 and session.error is None


def test_a_large_data_set_traces_one_program_however_many_points_are_added(monkeypatch: pytest.MonkeyPatch) -> None:
    traced = []
    real = session_module.compile
    monkeypatch.setattr(session_module, "compile", lambda fn, **options: traced.append(1) or real(fn, **options))
    session = Session()
    session.handle(msg.check({"type": "config", "config": {"samples": 300, "test_fraction": 0.0, "hidden": [4]}}))
    for i in range(5):
        session.handle({"type": "add_point", "point": [0.1 * i, -0.5, i % 2]})
        session.handle({"type": "step"})
    assert len(session.X_train) == 305 and list(session.batch_loss.programs) == [CHUNK] and len(traced) == 1
