"""One browser tab's playground: its data, network, optimizer and history, and the pictures sent to the page.

Training runs on the scalar engine through ``micrograd.compile`` (the same numbers as the eager engine, to the
last bit on these losses, at array speed). The pictures (decision boundary, neuron thumbnails, test metrics) are
read off a Tensor copy of the network, the same weights evaluated on whole grids at once.
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np

from micrograd import nn
from micrograd.playground import inspect
from micrograd.playground import messages as msg
from micrograd.playground.datasets import DATASETS, make
from micrograd.tensor import nn as tnn
from micrograd.tensor.tensor import no_grad
from micrograd.tensor.training import batch_loss
from micrograd.train import Config, compiled_batch_loss, make_optimizer

GRID = 40  # decision-boundary resolution
THUMB = 12  # neuron-thumbnail resolution


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
        c = self.config
        X, y = make(c["dataset"], c["samples"], c["noise"], c["seed"])
        if self.points:
            X = np.concatenate([X, np.array([p[:2] for p in self.points])])
            y = np.concatenate([y, np.array([p[2] for p in self.points], dtype=int)])
        order = np.random.default_rng(c["seed"]).permutation(len(X))
        n_test = round(c["test_ratio"] * len(X))
        test, train = order[:n_test], order[n_test:]
        self.X_train, self.y_train = X[train].tolist(), y[train].tolist()
        self.X_test, self.y_test = X[test].tolist(), y[test].tolist()
        lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
        self.bounds = [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])]
        nout = self.classes if c["loss"] == "ce" else 1
        random.seed(c["seed"])
        self.build(nn.MLP(2, [*c["hidden"], nout], activation=c["activation"]))

    def build(self, model: nn.MLP) -> None:
        c = self.config
        self.model = model
        inspect.label_parameters(model)
        momentum = 0.9 if c["optimizer"] == "momentum" else 0.0
        run = Config(loss=c["loss"], optimizer="adam" if c["optimizer"] == "adam" else "sgd", lr=c["lr"],
                     schedule="constant", momentum=momentum, l2=c["l2"])  # fmt: skip
        self.optimizer = make_optimizer(run, model)
        self.batch_loss = compiled_batch_loss(model, run)
        self.step_count = 0
        self.history: list[list[float]] = []  # [step, train loss, train accuracy] per step, not yet sent
        self.error: str | None = None
        self.selected = min(self.selected, max(len(self.X_train) - 1, 0))
        self.graph_root = None

    # ------------------------------------------------------------------------------------- training
    def train_step(self) -> None:
        if not self.X_train:
            raise msg.BadMessage("there are no training points")
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
            return p.argmax(axis=1) + p.max(axis=1) / 2
        s = scores[:, 0]
        return 1 / (1 + np.exp(-(s if self.config["loss"] == "bce" else 2 * s)))  # overflow: 0 or 1, as it should

    def _metrics(self, tmodel: tnn.MLP, X: list, y: list) -> tuple[float | None, float | None]:
        """Data loss (no L2) and accuracy on X, as ``micrograd train`` computes them for the Tensor engine."""
        if not X:
            return None, None
        with no_grad():
            loss, acc = batch_loss(tmodel, self.config["loss"], 0.0, X, y)
        return (loss.item() if math.isfinite(loss.item()) else None), acc

    def frame(self, with_graph: bool = True) -> dict[str, Any]:
        """Everything the page shows, for the current weights."""
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
        out: dict[str, Any] = {
            "type": "frame",
            "step": self.step_count,
            "playing": self.playing,
            "history": [[s, _finite(v), a] for s, v, a in history],
            "train": train,
            "test": test,
            "boundary": np.round(np.nan_to_num(self._probability(scores), nan=0.5), 3).tolist(),
            "grid": GRID,
            "network": {
                "weights": [np.round(layer.w.data, 4).tolist() for layer in tmodel.layers],
                "biases": [np.round(layer.b.data, 4).tolist() for layer in tmodel.layers],
                "thumbs": [np.round(a.T, 3).tolist() for a in acts],  # per layer: neurons x THUMB^2
            },
            "error": self.error,
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

    # ------------------------------------------------------------------------------------- messages
    def handle(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Act on one checked message; return what to send back."""
        kind = message["type"]
        if kind == "config":
            self.config = msg.config(message.get("config", {}))
            raw = message.get("points", self.points)
            if not isinstance(raw, list) or len(raw) > msg.MAX_POINTS:
                raise msg.BadMessage(f"points must be a list of at most {msg.MAX_POINTS}")
            self.points = [msg.point(p, self.classes) for p in raw]
            self.playing = False
            self.reset()
            return [self.data(), self.frame()]
        if kind == "reset":
            self.playing = False
            self.reset()
            return [self.data(), self.frame()]
        if kind == "add_point":
            if len(self.points) >= msg.MAX_POINTS:
                raise msg.BadMessage(f"at most {msg.MAX_POINTS} added points")
            self.points.append(msg.point(message.get("point"), self.classes))
            x, y, k = self.points[-1]
            self.X_train.append([x, y])
            self.y_train.append(k)
            return [self.data(), self.frame(with_graph=False)]
        if kind == "play":
            self.playing = True
            return []
        if kind == "pause":
            self.playing = False
            return [self.frame()]
        if kind == "step":
            self.playing = False
            self.train_step()
            return [self.frame()]
        if kind == "speed":
            self.steps_per_second = msg._number(message.get("steps_per_second"), "steps_per_second", int, 1, 500)
            return []
        if kind == "select":
            self.selected = msg._number(message.get("index"), "index", int, 0, max(len(self.X_train) - 1, 0))
            return [{"type": "graph", "graph": self.graph()}]
        if kind == "fd":
            if self.graph_root is None:
                self.graph()
            if self.graph_root is None:
                raise msg.BadMessage("this example's graph could not be computed, so there is nothing to check")
            node = msg._number(message.get("node"), "node", int, 0, 10**6)
            try:
                return [{"type": "fd", **inspect.finite_difference(self.graph_root, node)}]
            except ValueError as err:
                raise msg.BadMessage(str(err)) from None
        if kind == "export_model":
            return [{"type": "model", "model": self.model.to_state()}]
        if kind == "import_model":
            return self._import(message.get("model"))
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
        self.config.update(hidden=hidden, activation=state_model.activation)
        self.playing = False
        self.build(state_model)
        return [self.data(), self.frame()]


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None
