"""One browser tab's playground: its data, network, optimizer and history, and the pictures sent to the page.

Training runs on the scalar engine through ``micrograd.compile`` (the eager engine's numbers, to rounding, at array
speed). The compiled programs are kept per *padded* batch size (a quarter octave apart: 80 training points use the
program for 91, padded with zero-weight copies of the first point; over CHUNK points, the program for CHUNK runs
chunk by chunk), at most CACHED of them, so adding points one by one reuses a program instead of tracing a new one
each time, and no trace is ever of more than CHUNK examples. The pictures (decision boundary, neuron thumbnails,
test metrics) are read off a Tensor copy of the network, the same weights evaluated on whole grids at once. Numbers
that overflow are sent as null, and the frame says "diverged".

A Session is not thread-safe, and sessions may not even work at the same time as each other (see ENGINE): the app
runs their methods in worker threads, one at a time, under ENGINE.
"""

from __future__ import annotations

import functools
import math
import random
import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np

from micrograd import losses, nn
from micrograd.compiler import compile
from micrograd.data import labels_for
from micrograd.engine import Value
from micrograd.playground import inspect
from micrograd.playground import messages as msg
from micrograd.playground.datasets import DATASETS, make
from micrograd.tensor import nn as tnn
from micrograd.tensor.tensor import no_grad
from micrograd.tensor.training import batch_loss
from micrograd.train import Config, make_optimizer

GRID = 40  # decision-boundary resolution
THUMB = 12  # neuron-thumbnail resolution
CACHED = 2  # compiled programs kept per session (one per padded batch size)
CHUNK = 256  # the largest batch one program takes: larger ones run it chunk by chunk (so traces stay short)
DIVERGED = "the network diverged: its numbers overflow (left blank in the pictures); lower the learning rate and reset"


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
ENGINE = TakingTurns()


def padded_size(n: int) -> int:
    """The batch size whose compiled program serves ``n`` examples (n up to CHUNK): n rounded up to the next of
    8, 10, 12, 14, 16, 20, 23, 27, 32, 39, ... (2 to the power k/4, rounded up): at most 19% more, plus one."""
    if n <= 8:
        return 8
    k = math.floor(4 * math.log2(n)) - 1
    while math.ceil(2 ** (k / 4)) < n:
        k += 1
    return math.ceil(2 ** (k / 4))


def _batch_loss(model: nn.MLP, loss: str, with_l2: bool, X: list[list[float]], targets: list[Any],
                weights: list[float], scale: float, l2: float) -> tuple[Value, list[Any]]:  # fmt: skip
    """The weighted batch loss that CompiledLoss compiles (the terms are those of ``micrograd.losses``)."""
    scores = [model(x) for x in X]
    if loss == "ce":  # z[k] as sum of t_i z_i (one-hot t): every batch of one size shares a program
        terms = [losses.logsumexp(z) - sum(t * zi for t, zi in zip(row, z)) for z, row in zip(scores, targets)]
    elif loss == "hinge":
        terms = [(1 + -t * s).relu() for s, t in zip(scores, targets)]
    elif loss == "mse":
        terms = [(s - t) ** 2 for s, t in zip(scores, targets)]
    else:  # bce
        terms = [s.softplus() - t * s for s, t in zip(scores, targets)]
    data_loss = sum(w * term for w, term in zip(weights, terms)) * scale
    total = data_loss + losses.l2(model.parameters(), l2) if with_l2 else data_loss
    return total, scores


class CompiledLoss:
    """The batch loss (data term plus L2) and accuracy of ``model``, compiled once per padded batch size.

    A batch of n examples, n up to CHUNK, runs the program for ``padded_size(n)``: the missing examples are copies
    of the first with weight 0, and the mean divides by n, so the loss and every gradient are those of the n
    examples, to the last bit (adding 0 is exact). A larger batch runs the program for CHUNK on each CHUNK examples
    in turn (the last padded) and adds the parts, so one program, quick to trace, serves every large batch (the sum
    is grouped by chunk: the same to rounding). At most CACHED programs are kept, least recently used dropped first.
    """

    def __init__(self, model: nn.MLP, loss: str, l2: float):
        self.model, self.loss, self.l2 = model, loss, l2
        self.programs: OrderedDict[int, Any] = OrderedDict()

    def _program(self, size: int) -> Any:
        if size in self.programs:
            self.programs.move_to_end(size)
        else:
            # a partial, not a bound method: the programs must not refer back to this object (a reference cycle
            # would keep them, many MB each, until the cycle collector runs)
            # verify=0: no eager re-run of the first replay; _batch_loss has no Python branch on a value (the tests
            # check its numbers against micrograd.train's compiled loss, which is verified)
            loss = functools.partial(_batch_loss, self.model, self.loss, bool(self.l2))
            self.programs[size] = compile(loss, verify=0)
            while len(self.programs) > CACHED:
                self.programs.popitem(last=False)
        return self.programs[size]

    def __call__(self, X: list[list[float]], y: list[int]) -> tuple[Value, float]:
        n, size = len(X), padded_size(len(X)) if len(X) <= CHUNK else CHUNK
        width = self.model.nouts[-1]
        if self.loss == "ce":
            targets: list[Any] = [[float(i == k) for i in range(width)] for k in y]
        else:
            targets = labels_for(self.loss, y)
        program, parts, scores = self._program(size), [], []
        for start in range(0, n, size):
            Xc, tc = X[start : start + size], targets[start : start + size]
            m, pad = len(Xc), size - len(Xc)
            part, part_scores = program([*Xc, *[Xc[0]] * pad], [*tc, *[tc[0]] * pad], [1.0] * m + [0.0] * pad, 1.0 / n,
                                        self.l2 if start == 0 else 0.0)  # fmt: skip
            parts.append(part)
            scores += part_scores[:m]
        total = parts[0] if len(parts) == 1 else sum(parts[1:], parts[0])
        if self.loss == "ce":
            hits = [max(range(width), key=lambda i, s=s: s[i].data) == k for s, k in zip(scores, y)]
        else:
            hits = [(s.data > 0) == (k == 1) for s, k in zip(scores, y)]
        return total, sum(hits) / n


class Session:
    def __init__(self) -> None:
        self.config = dict(msg.DEFAULT_CONFIG)
        self.points: list[tuple[float, float, int]] = []  # added by clicking
        self.steps_per_second = 30
        self.playing = False
        self.selected = 0
        self.reset()

    # ------------------------------------------------------------------------------------- building
    @property
    def classes(self) -> int:
        return DATASETS[self.config["dataset"]]

    def reset(self) -> None:
        """New data and new weights for the current config and points."""
        self._start(self.config, self.points)

    def _start(self, config: dict[str, Any], points: list[tuple[float, float, int]]) -> None:
        """Everything for ``config`` and ``points`` is made first; only then does the session switch to it."""
        X, y = make(config["dataset"], config["samples"], config["noise"], config["seed"])
        if points:
            X = np.concatenate([X, np.array([p[:2] for p in points])])
            y = np.concatenate([y, np.array([p[2] for p in points], dtype=int)])
        order = np.random.default_rng(config["seed"]).permutation(len(X))
        n_test = round(config["test_ratio"] * len(X))
        test, train = order[:n_test], order[n_test:]
        lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
        nout = DATASETS[config["dataset"]] if config["loss"] == "ce" else 1
        random.seed(config["seed"])
        model = nn.MLP(2, [*config["hidden"], nout], activation=config["activation"])
        self.config, self.points = config, points
        self.X_train, self.y_train = X[train].tolist(), y[train].tolist()
        self.X_test, self.y_test = X[test].tolist(), y[test].tolist()
        self.bounds = [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])]
        self.build(model)

    def build(self, model: nn.MLP) -> None:
        c = self.config
        self.model = model
        inspect.label_parameters(model)
        momentum = 0.9 if c["optimizer"] == "momentum" else 0.0
        run = Config(loss=c["loss"], optimizer="adam" if c["optimizer"] == "adam" else "sgd", lr=c["lr"],
                     schedule="constant", momentum=momentum, l2=c["l2"])  # fmt: skip
        self.optimizer = make_optimizer(run, model)
        self.batch_loss = CompiledLoss(model, c["loss"], c["l2"])
        self.step_count = 0
        self.history: list[list[Any]] = []  # [step, train loss, train accuracy] per step, not yet sent
        self.error: str | None = None
        self.selected = min(self.selected, max(len(self.X_train) - 1, 0))
        self.graph_root = None

    # ------------------------------------------------------------------------------------- training
    def train_step(self) -> None:
        if not self.X_train:
            self.playing = False
            self.error = "there are no training points"
            return
        size = self.config["batch_size"] or len(self.X_train)
        idx = random.Random(self.config["seed"] + self.step_count).sample(range(len(self.X_train)),
                                                                          min(size, len(self.X_train)))  # fmt: skip
        try:
            total, acc = self.batch_loss([self.X_train[i] for i in idx], [self.y_train[i] for i in idx])
            self.optimizer.zero_grad()
            total.backward()
        except ArithmeticError as err:  # a DomainError: the scalar engine names the op and its operands
            self.playing = False
            self.error = f"training stopped at step {self.step_count + 1}: {err}"
            return
        self.optimizer.step()
        self.step_count += 1
        self.history.append([self.step_count, total.data, acc])
        if not math.isfinite(total.data):
            self.playing = False
            self.error = f"the loss became {total.data} at step {self.step_count}: lower the learning rate and reset"
        self.graph_root = None  # the example's graph is rebuilt with the new weights

    def play(self, steps: int, frame: bool, budget: float = 0.1) -> list[dict[str, Any]]:
        """While playing: up to ``steps`` training steps (fewer if they take over ``budget`` seconds), then a frame
        if ``frame`` is asked for or training stopped."""
        end = time.perf_counter() + budget
        for _ in range(steps):
            if not self.playing:
                break
            self.train_step()
            if time.perf_counter() > end:
                break
        return [self.frame()] if frame or not self.playing else []

    # ------------------------------------------------------------------------------------- pictures
    def _predict(self, tmodel: tnn.MLP, X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Scores for X and each layer's activations (for the thumbnails)."""
        acts, h = [], X
        with no_grad():
            for layer in tmodel.layers:
                h = layer(h)
                acts.append(h.data)
        return h.data, acts

    def _probability(self, scores: np.ndarray) -> np.ndarray:
        """Class-1 probability (2 classes) or, for K classes, class + confidence packed as class + p/2."""
        if self.config["loss"] == "ce":
            z = scores - scores.max(axis=1, keepdims=True)
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            return np.where(np.isfinite(p).all(axis=1), p.argmax(axis=1) + p.max(axis=1) / 2, np.nan)
        s = scores[:, 0]
        return 1 / (1 + np.exp(-(s if self.config["loss"] == "bce" else 2 * s)))  # overflow: 0 or 1, as it should

    def _metrics(self, tmodel: tnn.MLP, X: list, y: list) -> tuple[float | None, float | None]:
        """Data loss (no L2) and accuracy on X, as ``micrograd train`` computes them for the Tensor engine."""
        if not X:
            return None, None
        with no_grad():
            loss, acc = batch_loss(tmodel, self.config["loss"], 0.0, X, y)
        return _finite(loss.item()), acc

    def frame(self, with_graph: bool = True) -> dict[str, Any]:
        """Everything the page shows, for the current weights. Only finite numbers: what overflowed is null,
        and ``diverged`` says so."""
        with np.errstate(all="ignore"):  # a diverging network overflows here; the page shows what it can
            return self._frame(with_graph)

    def _frame(self, with_graph: bool) -> dict[str, Any]:
        tmodel = tnn.MLP.from_scalar(self.model)
        x0, x1, y0, y1 = self.bounds
        gx, gy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y1, y0, GRID))
        scores, _ = self._predict(tmodel, np.stack([gx.ravel(), gy.ravel()], axis=1))
        tx, ty = np.meshgrid(np.linspace(x0, x1, THUMB), np.linspace(y1, y0, THUMB))
        _, acts = self._predict(tmodel, np.stack([tx.ravel(), ty.ravel()], axis=1))
        train = self._metrics(tmodel, self.X_train, self.y_train)
        test = self._metrics(tmodel, self.X_test, self.y_test)
        history, self.history = self.history, []
        pictures = {
            "boundary": (self._probability(scores), 3),
            "weights": [(layer.w.data, 4) for layer in tmodel.layers],
            "biases": [(layer.b.data, 4) for layer in tmodel.layers],
            "thumbs": [(a.T, 3) for a in acts],  # per layer: neurons x THUMB^2
        }
        diverged = False

        def finite(item: tuple[np.ndarray, int]) -> list:
            nonlocal diverged
            values, bad = _finite_list(*item)
            diverged |= bad
            return values

        boundary = finite(pictures["boundary"])
        network = {key: [finite(item) for item in pictures[key]] for key in ("weights", "biases", "thumbs")}
        out: dict[str, Any] = {
            "type": "frame",
            "step": self.step_count,
            "playing": self.playing,
            "history": [[s, _finite(v), a] for s, v, a in history],
            "train": train,
            "test": test,
            "boundary": boundary,
            "grid": GRID,
            "network": network,
            "diverged": diverged,
            "error": self.error or (DIVERGED if diverged else None),
        }
        if with_graph:
            out["graph"] = self.graph()
        return out

    def graph(self) -> dict[str, Any] | None:
        if not self.X_train:
            return None
        x, label = self.X_train[self.selected], self.y_train[self.selected]
        try:
            self.graph_root = inspect.example_loss(self.model, self.config["loss"], x, label)
        except ArithmeticError as err:  # this example's forward pass fails: show the graph up to the failure
            self.graph_root = None
            out = inspect.failed_graph(err)
            out.update(example=self.selected, x=x, label=label)
            return out
        out = inspect.graph(self.graph_root)
        out.update(example=self.selected, x=x, label=label)
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
        if kind == "config":
            config = message["config"]
            points = message.get("points")
            if points is None:  # keep the clicked points, if the new data set has their classes
                points = msg.points([list(p) for p in self.points], DATASETS[config["dataset"]])
            self._start(config, points)
            self.playing = False
            return [self.data(), self.frame()]
        if kind == "reset":
            self.reset()
            self.playing = False
            return [self.data(), self.frame()]
        if kind == "add_point":
            if len(self.points) >= msg.MAX_POINTS:
                raise msg.BadMessage(f"at most {msg.MAX_POINTS} added points")
            x, y, k = msg.point(message["point"], self.classes)
            self.points = [*self.points, (x, y, k)]
            self.X_train.append([x, y])
            self.y_train.append(k)
            return [self.data(), self.frame(with_graph=False)]
        if kind == "play":
            if not self.X_train:
                raise msg.BadMessage("there are no training points")
            self.playing = True
            return [self._ack(kind)]
        if kind == "pause":
            self.playing = False
            return [self.frame()]
        if kind == "step":
            if not self.X_train:
                raise msg.BadMessage("there are no training points")
            self.playing = False
            self.train_step()
            return [self.frame()]
        if kind == "speed":
            self.steps_per_second = message["steps_per_second"]
            return [self._ack(kind)]
        if kind == "select":
            last = max(len(self.X_train) - 1, 0)
            self.selected = msg._number(message["index"], "index", int, 0, last)
            return [{"type": "graph", "graph": self.graph()}]
        if kind == "fd":
            node = msg._number(message["node"], "node", int, 0, 10**6)
            if self.graph_root is None:
                self.graph()
            if self.graph_root is None:
                raise msg.BadMessage("this example's graph could not be computed, so there is nothing to check")
            try:
                return [{"type": "fd", **inspect.finite_difference(self.graph_root, node)}]
            except ValueError as err:
                raise msg.BadMessage(str(err)) from None
        if kind == "export_model":
            state = self.model.to_state()
            if not all(math.isfinite(p.data) for p in self.model.parameters()):
                raise msg.BadMessage("the model has weights that are not finite numbers (it diverged): nothing to save")
            return [{"type": "model", "model": state}]
        if kind == "import_model":
            return self._import(message["model"])
        raise msg.BadMessage(f"unknown message {kind!r}")  # pragma: no cover - check() lets only known types in

    def _import(self, state: Any) -> list[dict[str, Any]]:
        try:
            state_model = nn.from_state(state, "the imported model")
        except ValueError as err:
            raise msg.BadMessage(str(err)) from None
        nout = self.classes if self.config["loss"] == "ce" else 1
        if state_model.nin != 2 or state_model.nouts[-1] != nout:
            raise msg.BadMessage(f"the model must take 2 inputs and give {nout} output(s) for this data and loss")
        hidden = state_model.nouts[:-1]
        if len(hidden) > msg.MAX_LAYERS or any(n > msg.MAX_NEURONS for n in hidden):
            raise msg.BadMessage(f"at most {msg.MAX_LAYERS} hidden layers of {msg.MAX_NEURONS} neurons")
        if state_model.activation not in msg.CHOICES["activation"] or state_model.output_activation != "linear":
            raise msg.BadMessage("the playground's models have relu, tanh or sigmoid hidden layers and a linear output")
        self.config = {**self.config, "hidden": hidden, "activation": state_model.activation}
        self.playing = False
        self.build(state_model)
        return [self.data(), self.frame()]


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _finite_list(values: np.ndarray, decimals: int) -> tuple[list, bool]:
    """``values`` rounded to ``decimals`` as nested lists, with null for what is not finite; and whether any was."""
    rounded = np.round(values, decimals)
    rounded = np.where(np.isfinite(rounded), rounded, values)  # rounding overflows near the largest floats
    ok = np.isfinite(rounded)
    if ok.all():
        return rounded.tolist(), False
    out = rounded.astype(object)
    out[~ok] = None
    return out.tolist(), True
