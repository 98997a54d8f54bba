"""Loss functions on Values, and ``LOSSES``: the table every part of training reads.

The functions each return one Value, the mean over the examples given. Labels: ``hinge`` takes ±1,
``bce_with_logits`` 0/1, ``softmax_cross_entropy`` class indices, ``mse`` any numbers.

``LOSSES`` holds one ``Loss`` row per loss the command line, ``micrograd.train`` (on every engine) and the
playground offer: its rule for one example, its rule on Tensors, the label form it expects, its number of outputs
and how a class is read from its scores. Adding a loss is one row (and its rule, if it is a new one) here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from micrograd import ops
from micrograd.engine import Value, apply


def _mean(terms: list[Value], name: str) -> Value:
    if not terms:
        raise ValueError(f"{name}: no examples given")
    return sum(terms) * (1.0 / len(terms))


def _pairs(scores: Sequence[Value], targets: Sequence[float], name: str) -> zip:
    if len(scores) != len(targets):
        raise ValueError(f"{name}: {len(scores)} predictions but {len(targets)} targets")
    return zip(scores, targets)


# Each loss's rule for one example (scores, target). The same expressions run on Tensors (a batch at once), which
# is how the Tensor engine uses the elementwise ones (``Loss.on_tensors``).
def squared_error(p: Any, t: Any) -> Any:
    """(p - t)^2."""
    return (p - t) ** 2


def margin(s: Any, y: Any) -> Any:
    """max(0, 1 - y * s), for a label y of ±1 (y may be a number, an array or a Tensor: an op's operand either way,
    so a compiled function sees it)."""
    return (1 - y * s).relu()


def logistic(z: Any, y: Any) -> Any:
    """softplus(z) - y * z, for a label y of 0/1: -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))], written so
    that no step overflows or takes the log of 0, whatever the size of z."""
    return z.softplus() - y * z


def logsumexp(xs: Sequence[Value]) -> Value:
    """log(sum of e^x), stable for any sizes of x (one node; its derivative is the softmax)."""
    return apply(ops.LOGSUMEXP, *xs)


def cross_entropy(z: Sequence[Value], k: int) -> Value:
    """logsumexp(z) - z[k]: -log softmax(z)[k], for a class index k."""
    if not 0 <= k < len(z):
        raise ValueError(f"softmax_cross_entropy: class {k} out of range for {len(z)} logits")
    return logsumexp(z) - z[k]


def mse(preds: Sequence[Value], targets: Sequence[float]) -> Value:
    """Mean squared error: mean of (pred - target)^2."""
    return _mean([squared_error(p, t) for p, t in _pairs(preds, targets, "mse")], "mse")


def hinge(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    """SVM max-margin loss for labels ±1: mean of max(0, 1 - y * score), as in the original demo."""
    return _mean([margin(s, y) for s, y in _pairs(scores, labels, "hinge")], "hinge")


def bce_with_logits(logits: Sequence[Value], labels: Sequence[float]) -> Value:
    """Binary cross-entropy for labels 0/1 from raw scores z: mean of softplus(z) - y * z (see ``logistic``)."""
    return _mean([logistic(z, y) for z, y in _pairs(logits, labels, "bce_with_logits")], "bce_with_logits")


def softmax_cross_entropy(logits: Sequence[Sequence[Value]], classes: Sequence[int]) -> Value:
    """Cross-entropy of softmax(logits) against class indices: mean of logsumexp(z) - z[class]."""
    return _mean([cross_entropy(z, k) for z, k in _pairs(logits, classes, "softmax_cross_entropy")],
                 "softmax_cross_entropy")  # fmt: skip


def l2(parameters: Iterable[Value], alpha: float) -> Value:
    """L2 regularisation: alpha * sum of p^2, as in the original demo."""
    return alpha * sum(p * p for p in parameters)


def l1(parameters: Iterable[Value], alpha: float) -> Value:
    """L1 regularisation: alpha * sum of |p|; its derivative is alpha * sign(p), 0 at p == 0 (as torch.sign)."""
    return alpha * sum(p.abs() for p in parameters)


# ------------------------------------------------------------------------------------------ the penalties
def _square(p: Any) -> Any:
    """p^2, elementwise (a Value or a Tensor)."""
    return p * p


def _magnitude(p: Any) -> Any:
    """|p|, elementwise (a Value or a Tensor); d|p|/dp = sign(p), 0 at 0."""
    return p.abs()


@dataclass(frozen=True)
class Penalty:
    """One weight penalty: the run's loss gets ``strength * sum of term(p)`` over every parameter p. ``term`` is
    written with what Values and Tensors both have, so every engine applies the same rule."""

    name: str  # also the name of its strength in micrograd.train.Config (and the playground's config)
    title: str
    term: Callable[[Any], Any]  # a parameter (a Value, or a Tensor of them) -> its penalty, elementwise


#: Every weight penalty a run can add to its loss (TensorFlow Playground's "regularization"), each with its own
#: strength in ``micrograd.train.Config`` (``l1``, ``l2``): 0 leaves it out.
PENALTIES: dict[str, Penalty] = {
    p.name: p
    for p in (
        Penalty("l1", "L1 (sum of |w|)", _magnitude),
        Penalty("l2", "L2 (sum of w²)", _square),
    )
}


def penalty(parameters: Sequence[Any], strengths: Mapping[str, float] | float) -> Any:
    """The sum of every penalty of ``PENALTIES`` whose strength in ``strengths`` (name -> strength) is not 0, over
    ``parameters`` (Values, or Tensors, whose terms are summed over their elements); None if there is none. A bare
    number is the L2 strength (what engines took before L1 was added)."""
    if not isinstance(strengths, Mapping):
        strengths = {"l2": strengths}
    total = None
    for name, strength in strengths.items():
        if name not in PENALTIES:
            raise ValueError(f"unknown penalty {name!r}: choose one of {', '.join(PENALTIES)}")
        if not strength:
            continue
        rule = PENALTIES[name].term
        terms = [rule(p) for p in parameters]
        if terms and not isinstance(terms[0], Value):  # Tensors: each term summed over its elements
            terms = [t.sum() for t in terms]
        part = strength * sum(terms)
        total = part if total is None else total + part
    return total


def with_penalty(data_loss: Any, parameters: Sequence[Any], strengths: Mapping[str, float] | float) -> Any:
    """``data_loss`` plus ``penalty(parameters, strengths)`` (just ``data_loss`` when every strength is 0)."""
    extra = penalty(parameters, strengths)
    return data_loss if extra is None else data_loss + extra


# ------------------------------------------------------------------------------------------------ the table
def signs(y: Sequence[int], classes: int = 2) -> list[int]:
    """Classes 0/1 as the labels -1/+1."""
    return [2 * k - 1 for k in y]


def bits(y: Sequence[int], classes: int = 2) -> list[float]:
    """Classes 0/1 as the numbers 0.0/1.0."""
    return [float(k) for k in y]


def indices(y: Sequence[int], classes: int = 2) -> list[int]:
    """Class indices, as they are."""
    return list(y)


def reals(y: Sequence[float], classes: int = 0) -> list[float]:
    """Real-number targets (a regression data set's), as floats."""
    return [float(v) for v in y]


def one_hot(y: Sequence[int], classes: int) -> list[list[float]]:
    """Class k as ``classes`` numbers, 1.0 at k and 0.0 elsewhere."""
    return [[float(i == k) for i in range(classes)] for k in y]


def _cross_entropy_one_hot(z: Sequence[Value], t: Sequence[float]) -> Value:
    """logsumexp(z) - z[k] written as a sum over a one-hot t (no index that depends on the label: traceable)."""
    return logsumexp(z) - sum(ti * zi for ti, zi in zip(t, z))


def batch_cross_entropy(logits: Any, classes: Sequence[int]) -> Any:
    """``cross_entropy`` for a batch of Tensor logits (N, C) at once: mean of -log_softmax(logits)[i, class_i]."""
    xp = logits.data.__array_namespace__()  # the array library of the Tensor's data (NumPy), not imported here
    k = xp.asarray(classes)
    return -logits.log_softmax(axis=1)[xp.arange(len(k)), k].mean()


def _sign(scores: Any) -> Any:
    """Class 1 where the (single) score is above 0, else 0: a (N,) array from (N, 1) scores."""
    return (scores[:, 0] > 0).astype(int)


def _output(scores: Any) -> Any:
    """The (single) output itself: a regression model's prediction, and what the playground shades for it."""
    return scores[:, 0]


def _largest(scores: Any) -> Any:
    """The class of the largest score."""
    return scores.argmax(axis=1)


def _sigmoid(scale: float) -> Callable[[Any], Any]:
    """The probability of class 1 read as sigmoid(scale * score) (an overflow gives 0 or 1, as it should)."""

    def probability(scores: Any) -> Any:
        xp = scores.__array_namespace__()
        return 1 / (1 + xp.exp(-scale * scores[:, 0]))

    return probability


_MARGIN = _sigmoid(2.0)  # a margin of 1 (hinge, mse on ±1) read as a probability of sigmoid(2) = 0.88


def _softmax_confidence(scores: Any) -> Any:
    """The class and its softmax probability packed as class + p / 2 (NaN where a score is not finite)."""
    xp = scores.__array_namespace__()
    e = xp.exp(scores - xp.max(scores, axis=1, keepdims=True))
    p = e / xp.sum(e, axis=1, keepdims=True)
    return xp.where(xp.all(xp.isfinite(p), axis=1), xp.argmax(p, axis=1) + xp.max(p, axis=1) / 2, xp.nan)


@dataclass(frozen=True)
class Loss:
    """One loss as training uses it. ``term(scores, target)`` is one example's loss on Values; unless ``tensor``
    is given, the same rule applied to a batch of Tensor scores and averaged is the Tensor engine's loss (it is
    written with operators and methods that both engines have)."""

    name: str
    title: str  # for help texts and the page: "hinge (max-margin)"
    term: Callable[[Any, Any], Any]  # (one example's scores, its target) -> its loss
    targets: Callable[[Sequence[int], int], list]  # (class indices, number of classes) -> the targets term takes
    multiclass: bool = False  # False: for 2 classes, one output; True: one output (a logit) per class
    predict: Callable[[Any], Any] = _sign  # scores, an (N, outputs) array -> the N classes
    confidence: Callable[[Any], Any] = _MARGIN  # scores -> what the playground's boundary shades
    tensor: Callable[[Any, Any], Any] | None = None  # (Tensor scores (N, outputs), class indices) -> mean loss
    traced_term: Callable[[Any, Any], Any] | None = None  # term, for micrograd.compile (no branch on a label)
    traced_targets: Callable[[Sequence[int], int], list] | None = None  # the targets traced_term takes
    regression: bool = False  # True: for real-number targets (data of 0 classes), one output, no accuracy

    def outputs(self, classes: int) -> int:
        """How many outputs a model needs for data of ``classes`` classes (0: real-number targets)."""
        return classes if self.multiclass else 1

    def check_classes(self, classes: int, dataset: str = "the data") -> None:
        """A ValueError if this loss cannot learn data of ``classes`` classes (0: real-number targets, a regression
        data set), naming the losses that can."""
        if self.regression != (classes == 0):
            fits = ", ".join(name for name, loss in LOSSES.items() if loss.regression == (classes == 0))
            if self.regression:
                raise ValueError(f"loss {self.name!r} is for real-number targets (regression); {dataset} has "
                                 f"{classes} classes: use --loss {fits}")  # fmt: skip
            raise ValueError(f"loss {self.name!r} is for classes; {dataset} has real-number targets (regression): use "
                             f"--loss {fits}")  # fmt: skip
        if not self.multiclass and not self.regression and classes != 2:
            others = ", ".join(name for name, loss in LOSSES.items() if loss.multiclass)
            raise ValueError(f"loss {self.name!r} is for 2 classes; {dataset} has {classes}: use --loss {others}")

    def mean(self, scores: Sequence[Any], targets: Sequence[Any]) -> Value:
        """The mean of ``term`` over a batch of Values (the scalar engine's data loss)."""
        return _mean([self.term(s, t) for s, t in zip(scores, targets)], self.name)

    def on_tensors(self, scores: Any, y: Sequence[int]) -> Any:
        """The mean loss of a batch of Tensor scores, shape (N, outputs), against its N classes."""
        if self.tensor is not None:
            return self.tensor(scores, y)
        targets = self.targets(list(y), scores.shape[-1])
        xp = scores.data.__array_namespace__()
        return self.term(scores.reshape(-1), xp.asarray(targets, dtype=scores.data.dtype)).mean()

    def traced(self) -> tuple[Callable[[Any, Any], Any], Callable[[Sequence[int], int], list]]:
        """(term, targets) for a compiled program: the same loss, with labels given as numbers."""
        return self.traced_term or self.term, self.traced_targets or self.targets


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("hinge", "hinge (max-margin)", margin, signs),
        Loss("mse", "MSE", squared_error, signs),
        Loss("bce", "BCE from logits", logistic, bits, confidence=_sigmoid(1.0)),
        Loss("ce", "softmax cross-entropy", cross_entropy, indices, multiclass=True, predict=_largest,
             confidence=_softmax_confidence, tensor=batch_cross_entropy, traced_term=_cross_entropy_one_hot,
             traced_targets=one_hot),
        Loss("regression", "MSE (regression)", squared_error, reals, predict=_output,
             confidence=_output, regression=True),
    )
}  # fmt: skip
