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


def scalar_loss(session: Session) -> float:
    """The training loss of the session's weights now, on the whole training set, by the eager scalar engine."""
    model = session.model
    layers = [[([w.data for w in n.w], n.b.data) for n in layer.neurons] for layer in model.layers]
    copy = nn.MLP.from_layers(layers, session.config["activation"], model.output_activation)
    strengths = {"l2": session.config["l2"], "l1": session.config["l1"]}
    total, _ = ENGINES["scalar"].batch_loss(copy, LOSSES[session.config["loss"]], strengths)(
        session.run.inputs(session.X_train), session.y_train
    )
    return total.data


def set_weight(session: Session, **fields) -> list[dict]:
    return session.handle(msg.check({"type": "set_weight", **fields}))


def test_a_set_weight_takes_effect_at_the_next_compiled_step_and_keeps_the_step_count() -> None:
    session = Session()
    for _ in range(3):  # the compiled program is traced and replayed before the edit
        session.handle({"type": "step"})
    assert list(session.batch_loss.programs)
    unit = session.model.layers[1].neurons[3]
    (frame,) = set_weight(session, layer=2, neuron=3, input=1, value=4.5)
    assert unit.w[1].data == 4.5 and frame["type"] == "frame" and frame["step"] == 3 and not frame["playing"]
    assert frame["network"]["weights"][1][1][3] == 4.5  # the picture's weights[layer-1][input][neuron]
    assert frame["graph"] is not None  # redrawn with the new weight
    (frame,) = set_weight(session, layer=3, neuron=0, input="bias", value=-7.25)
    assert session.model.layers[2].neurons[0].b.data == -7.25 and frame["network"]["biases"][2] == [-7.25]
    expected = scalar_loss(session)
    session.handle({"type": "step"})
    assert session.step_count == 4
    assert session.run.loss_log[-1] == pytest.approx(expected, rel=1e-12)  # the step's loss is of the edited weights
    assert unit.w[1].data != 4.5  # and the step trained on from it


def test_the_step_after_an_edit_differs_from_the_step_without_it() -> None:
    plain, edited = Session(), Session()  # the same seed: the same data and weights
    for s in (plain, edited):
        s.handle({"type": "step"})
    set_weight(edited, layer=1, neuron=0, input=0, value=-9.0)
    for s in (plain, edited):
        s.handle({"type": "step"})
    assert plain.run.loss_log[0] == edited.run.loss_log[0]
    assert plain.run.loss_log[1] != pytest.approx(edited.run.loss_log[1])


def test_a_weight_set_while_playing_keeps_playing_and_training_goes_on_from_it() -> None:
    session = Session()
    session.handle({"type": "play"})
    session.play(2, frame=False, budget=60.0)  # no time limit: both steps run
    (frame,) = set_weight(session, layer=1, neuron=2, input=1, value=0.0)
    assert frame["playing"] and session.playing and frame["step"] == 2
    expected = scalar_loss(session)
    session.play(1, frame=False, budget=60.0)
    assert session.step_count == 3 and session.run.loss_log[-1] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"layer": 4, "neuron": 0, "input": 0}, r"layer must be between 1 and 3, got 4 \(this network has 3 layers"),
        ({"layer": 2, "neuron": 8, "input": 0}, r"neuron must be between 0 and 7, got 8 \(layer 2 has 8 neurons\)"),
        ({"layer": 1, "neuron": 0, "input": 2}, r"input must be between 0 and 1, got 2 \(layer 1 takes 2 inputs\)"),
        ({"layer": 3, "neuron": 1, "input": "bias"}, r"neuron must be between 0 and 0, got 1"),
    ],
)
def test_a_weight_the_network_does_not_have_is_refused_and_nothing_changes(fields: dict, match: str) -> None:
    session = Session()
    before = session.model.to_state()
    with pytest.raises(msg.BadMessage, match=match):
        set_weight(session, value=1.0, **fields)
    assert session.model.to_state() == before


def test_while_playing_the_examples_graph_rides_along_only_when_due_and_always_at_the_end() -> None:
    session = Session()
    session.handle(msg.check({"type": "play"}))
    (first,) = session.play(1, frame=True)  # nothing sent yet: due
    assert first["graph"] is not None and session._graph_cost > 0
    session._graph_cost = 1e6  # a graph that costs "forever": never due again while playing
    (middle,) = session.play(1, frame=True)
    assert "graph" not in middle and middle["step"] == first["step"] + 1  # the frame itself still comes
    session._graph_cost = 0.0  # a graph that costs nothing: due at once
    (cheap,) = session.play(1, frame=True)
    assert cheap["graph"] is not None
    session._graph_cost = 1e6
    session.handle(msg.check({"type": "pause"}))
    (last,) = session.play(1, frame=True)  # not playing: the frame that stays on screen has the graph
    assert last["graph"] is not None and last["graph"]["example"] == session.selected
