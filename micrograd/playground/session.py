"""One browser tab's playground: a training run (``micrograd.train.Run``, the command line's training code), the
points added by clicking, and the messages the page gets.

Training runs on the scalar engine through ``micrograd.compile`` (the eager engine's numbers, to rounding, at array
speed), with a program per padded batch size (``micrograd.training.padded``), so adding points one by one reuses a
program. The pictures are read off a Tensor copy of the network (``frames.py``).

A Session is not thread-safe, and sessions may not even work at the same time as each other (see TURNS): the app
runs their methods in worker threads, one at a time, under TURNS.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

from micrograd import features, nn
from micrograd.losses import LOSSES
from micrograd.playground import explain, frames
from micrograd.playground import messages as msg
from micrograd.train import Diverged, Run
from micrograd.training.padded import Padded

#: Settings a running model takes at once (its weights and data kept); any other change starts a new run.
LIVE_SETTINGS = ("lr", "l2", "l1", "optimizer", "batch_size", "activation")
#: What the page says to do when training stops on a number that is not finite.
ADVICE = "lower the learning rate, then reset"

#: While playing, the example's graph (rebuilt and sent with a frame) may take at most this share of the time: a
#: graph that takes 35 ms (4 hidden layers of 16) rides along every 0.35 s, one of 10 ms with every frame.
GRAPH_SHARE = 0.1

#: The playground's engine: compiled, one program per padded batch size.
PLAYGROUND_ENGINE = Padded()


class TakingTurns:
    """A lock that threads get in the order they asked for it: first come, first served."""

    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._next = self._serving = 0

    def __enter__(self) -> None:
        with self._turns:
            ticket, self._next = self._next, self._next + 1
            self._turns.wait_for(lambda: self._serving == ticket)

    def __exit__(self, *exc: object) -> None:
        with self._turns:
            self._serving += 1
            self._turns.notify_all()


#: The sessions of one process take turns (the app holds this around everything a session does, in worker threads):
#: ``micrograd.compile`` traces a function by watching the Value class itself, so while one session traces no
#: other thread may make or use Values; and building a network draws from Python's global ``random``, seeded.
TURNS = TakingTurns()


class Session:
    def __init__(self) -> None:
        self.config = dict(msg.DEFAULT_CONFIG)
        self.points: list[tuple[float, float, int]] = []  # added by clicking
        self.steps_per_second = 30
        self.playing = False
        self.selected = 0
        self.selected_set = "train"  # or "test": the set the shown example comes from
        self._graph_sent = self._graph_cost = 0.0  # when the example's graph was last sent, and what it took
        self.reset()

    # ------------------------------------------------------------------------------------- building
    @property
    def classes(self) -> int:
        return msg.classes(self.config)

    def reset(self) -> None:
        """New data and new weights for the current config and points."""
        self._start(self.config, self.points)

    def _run(self, config: dict[str, Any], points: list[tuple[float, float, int]], **given: Any) -> Run:
        """The run of ``config``, with ``points`` added to its training set; a BadMessage if it cannot run."""
        try:
            run = Run(msg.run_config(config), engine=PLAYGROUND_ENGINE, **given)
        except ValueError as err:  # a split that cannot hold every class, say
            raise msg.BadMessage(str(err)) from None
        if points:
            run.add_examples([[x, y] for x, y, _ in points], [k for _, _, k in points])
        return run

    def _start(self, config: dict[str, Any], points: list[tuple[float, float, int]]) -> None:
        """Everything for ``config`` and ``points`` is made first; only then does the session switch to it."""
        run = self._run(config, points)
        self.config, self.points = config, points
        self.bounds = _bounds(run.data.X_train + run.data.X_test)
        self._use(run)

    def _use(self, run: Run) -> None:
        self.run = run
        explain.label_parameters(run.model)
        self.history: list[list[Any]] = []  # [step, train loss, train accuracy] per step, not yet sent
        self.error: str | None = None
        if self.selected_set == "test" and self.selected >= len(self.X_test):
            self.selected_set = "train"
        if self.selected_set == "train":
            self.selected = min(self.selected, max(len(self.X_train) - 1, 0))
        self.graph_root = None

    # the run's parts, by the names the rest of the playground uses
    model = property(lambda self: self.run.model)
    optimizer = property(lambda self: self.run.optimizer)
    batch_loss = property(lambda self: self.run.batch_loss)
    step_count = property(lambda self: self.run.steps)
    X_train = property(lambda self: self.run.data.X_train)
    y_train = property(lambda self: self.run.data.y_train)
    X_test = property(lambda self: self.run.data.X_test)
    y_test = property(lambda self: self.run.data.y_test)

    # ------------------------------------------------------------------------------------- training
    def train_step(self) -> None:
        if not self.X_train:
            self.playing = False
            self.error = "there are no training points"
            return
        try:
            self.run.step()
        except Diverged:
            self.playing = False
            self.error = f"{_divergence(self.run.loss_log[-1])} at step {self.step_count}: {ADVICE}"
        self.history.append([self.step_count, self.run.loss_log[-1], self.run.accuracy_log[-1]])
        self.graph_root = None  # the example's graph is rebuilt with the new weights

    def play(self, steps: int, frame: bool, budget: float = 0.1) -> list[dict[str, Any]]:
        """While playing: up to ``steps`` training steps (fewer if they take over ``budget`` seconds), then a frame
        if ``frame`` is asked for or training stopped. The example's graph rides along when it is due
        (``GRAPH_SHARE``); a frame without one leaves the page's graph as it was, and the last frame has one."""
        end = time.perf_counter() + budget
        for _ in range(steps):
            if not self.playing:
                break
            self.train_step()
            if time.perf_counter() > end:
                break
        if not (frame or not self.playing):
            return []
        due = not self.playing or time.perf_counter() >= self._graph_sent + self._graph_cost / GRAPH_SHARE
        return [self.frame(with_graph=due)]

    # ------------------------------------------------------------------------------------- pictures
    def frame(self, with_graph: bool = True) -> dict[str, Any]:
        """Everything the page shows, for the current weights. Only finite numbers: what overflowed is null,
        and ``diverged`` says so."""
        tmodel = self.run.engine.snapshot(self.model)
        shown = frames.pictures(tmodel, self.config["loss"], self.bounds, (self.X_train, self.y_train),
                                (self.X_test, self.y_test), self.run.inputs)  # fmt: skip
        history, self.history = self.history, []
        out: dict[str, Any] = {
            "type": "frame",
            "step": self.step_count,
            "playing": self.playing,
            "history": [[s, frames.finite_number(v), a] for s, v, a in history],
            **shown,
            "error": self.error or (frames.DIVERGED if shown["diverged"] else None),
        }
        if with_graph:
            start = time.perf_counter()
            out["graph"] = self.graph()
            self._graph_sent = time.perf_counter()
            self._graph_cost = self._graph_sent - start
        return out

    def graph(self) -> dict[str, Any] | None:
        X, y = (self.X_test, self.y_test) if self.selected_set == "test" else (self.X_train, self.y_train)
        if not X:
            return None
        x, label = X[self.selected], y[self.selected]
        try:
            self.graph_root = explain.example_loss(self.model, self.config["loss"], self.run.inputs([x])[0], label,
                                                   self.config["features"])  # fmt: skip
        except ArithmeticError as err:  # this example's forward pass fails: show the graph up to the failure
            self.graph_root = None
            out = explain.failed_graph(err)
        else:
            out = explain.graph(self.graph_root)
        if out["failure"]:  # the page gets words, not Python's error text
            out["failure"] = _failure_words(self.graph_root is None)
        out.update(example=self.selected, set=self.selected_set, x=x, label=label)
        return out

    def data(self) -> dict[str, Any]:
        return {"type": "data", "train": [[*x, k] for x, k in zip(self.X_train, self.y_train)],
                "test": [[*x, k] for x, k in zip(self.X_test, self.y_test)], "bounds": self.bounds,
                "classes": self.classes, "config": self.config, "points": self.points}  # fmt: skip

    def _ack(self, kind: str) -> dict[str, Any]:
        return {"type": "ack", "to": kind, "playing": self.playing, "steps_per_second": self.steps_per_second}

    # ------------------------------------------------------------------------------------- messages
    def handle(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Act on one message checked by ``messages.check``; return what to send back (never nothing).

        All or nothing: everything the message says is checked before the session changes, so a BadMessage
        leaves the session exactly as it was."""
        kind = message["type"]
        if kind not in msg.TYPES:  # pragma: no cover - check() lets only known types in
            raise msg.BadMessage(f"unknown message {msg.show(kind)}")
        return getattr(self, f"_on_{kind}")(message)

    def _on_config(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """A new config. If only settings a running model can take change (``LIVE_SETTINGS``) and no points are
        given, the model keeps its weights, data, step count and play state; anything else starts a new run."""
        config, points = message["config"], message.get("points")
        changed = {key for key in config if config[key] != self.config[key]}
        if points is None and changed <= set(LIVE_SETTINGS):
            return self._retune(config)
        if points is None:  # keep the clicked points, if the new data set has their classes
            same_kind = (msg.classes(config) == 0) == (self.classes == 0)  # classes, or real-number targets
            points = msg.points([list(p) for p in self.points], msg.classes(config)) if same_kind else []
        self._start(config, points)
        self.playing = False
        return [self.data(), self.frame()]

    def _retune(self, config: dict[str, Any]) -> list[dict[str, Any]]:
        """The same weights and data, trained from the next step on with ``config``'s live settings."""
        old = self.run
        model = old.model
        if config["activation"] != self.config["activation"]:  # the same weights, another activation
            layers = [[([w.data for w in n.w], n.b.data) for n in layer.neurons] for layer in model.layers]
            model = nn.MLP.from_layers(layers, config["activation"], model.output_activation)
        run = self._run(config, [], data=old.data, model=model)
        run.continue_from(old)
        history, error = self.history, self.error
        self.config = config
        self._use(run)
        self.history, self.error = history, error
        return [self.settings(), self.frame()]

    def settings(self) -> dict[str, Any]:
        """The config the session now trains with, and its added points (the page shows exactly these)."""
        return {"type": "settings", "config": self.config, "points": self.points}

    def _on_reset(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        self.reset()
        self.playing = False
        return [self.data(), self.frame()]

    def _on_add_point(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        if len(self.points) >= msg.MAX_POINTS:
            raise msg.BadMessage(f"at most {msg.MAX_POINTS} added points")
        x, y, k = msg.point(message["point"], self.classes)
        self.points = [*self.points, (x, y, k)]
        self.run.add_examples([[x, y]], [k])
        return [self.data(), self.frame(with_graph=False)]

    def _stopped(self) -> None:
        """A BadMessage saying why training cannot go on, if it cannot."""
        if not self.X_train:
            raise msg.BadMessage("there are no training points: click the plot to add some")
        if self.error:
            raise msg.BadMessage(f"training stopped: {self.error}")

    def _on_play(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        self._stopped()
        self.playing = True
        return [self._ack("play")]

    def _on_pause(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        self.playing = False
        return [self.frame()]

    def _on_step(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        self._stopped()
        self.playing = False
        self.train_step()
        return [self.frame()]

    def _on_speed(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        self.steps_per_second = message["steps_per_second"]
        return [self._ack("speed")]

    def _on_select(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        which = message.get("set", "train")
        if which not in ("train", "test"):
            raise msg.BadMessage(f"set must be train or test, got {msg.show(which)}")
        if which == "test" and not self.X_test:
            raise msg.BadMessage("there are no test points")
        size = len(self.X_test if which == "test" else self.X_train)
        self.selected = msg.number(message["index"], "index", int, 0, max(size - 1, 0))
        self.selected_set = which
        return [{"type": "graph", "graph": self.graph()}]

    def _on_fd(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        node = msg.number(message["node"], "node", int, 0, 10**6)
        if self.graph_root is None:
            self.graph()
        if self.graph_root is None:
            raise msg.BadMessage("this example's graph could not be computed, so there is nothing to check")
        try:
            return [{"type": "fd", **explain.finite_difference(self.graph_root, node)}]
        except ValueError as err:
            raise msg.BadMessage(str(err)) from None

    def _on_set_weight(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """One weight or bias set to a value (``messages.set_weight``): training goes on from it (the compiled
        programs read every parameter's ``.data`` at each call), with the step count and play state kept."""
        layer, neuron, source = msg.weight_place(message, self.model.nin, self.model.nouts)
        unit = self.model.layers[layer - 1].neurons[neuron]
        (unit.b if source == "bias" else unit.w[source]).data = message["value"]
        self.graph_root = None  # the example's graph is rebuilt with the new weight
        return [self.frame()]

    def _on_export_model(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        if not self.run.engine.finite(self.model):
            raise msg.BadMessage("the model has weights that are not finite numbers (it diverged): nothing to save")
        state = self.model.to_state()
        if not features.is_default(self.config["features"]):  # the file says what its inputs are
            state["features"] = list(self.config["features"])
        return [{"type": "model", "model": state}]

    def _on_import_model(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            model = nn.from_state(message["model"], "the imported model")
            trained_on = features.of_model_state(message["model"], "the imported model")
        except ValueError as err:
            raise msg.BadMessage(str(err)) from None
        hidden = model.nouts[:-1]
        if len(hidden) > msg.MAX_LAYERS or any(n > msg.MAX_NEURONS for n in hidden):
            raise msg.BadMessage(f"at most {msg.MAX_LAYERS} hidden layers of {msg.MAX_NEURONS} neurons")
        offered = msg.choice_names()["activation"]
        if model.activation not in offered or model.output_activation != "linear":
            choices = ", ".join(offered)
            raise msg.BadMessage(f"the playground's models have {choices} hidden layers and a linear output")
        config = {**self.config, "hidden": hidden, "activation": model.activation, "features": trained_on}
        data = self.run.data
        nout = model.nouts[-1]
        outputs = LOSSES[config["loss"]].outputs(msg.classes(config))
        if model.nin != len(trained_on) or nout != outputs:
            raise msg.BadMessage(f"the model must take {len(trained_on)} inputs ({', '.join(trained_on)}) and give "
                                 f"{outputs} output(s) for this data and loss")  # fmt: skip
        run = self._run(config, [], data=data, model=model)
        self.config = config
        self.playing = False
        self._use(run)
        return [self.data(), self.frame()]


def _divergence(loss: float) -> str:
    """Which number stopped training, in words."""
    if not math.isfinite(loss):
        return f"the loss became {loss}"
    return "a weight or an intermediate result grew too large for a float"


def _failure_words(forward: bool) -> str:
    """Why an example's graph could not be computed, in words (DomainError's text quotes Python's own)."""
    where = "forward pass" if forward else "backward pass"
    return f"this example's {where} hit a number too large or undefined for a float (the red node)"


def _bounds(X: list[list[float]]) -> list[float]:
    """The view: the points' extent and half a unit more on every side (x0, x1, y0, y1)."""
    xs, ys = [p[0] for p in X], [p[1] for p in X]
    return [min(xs) - 0.5, max(xs) + 0.5, min(ys) - 0.5, max(ys) + 0.5]
