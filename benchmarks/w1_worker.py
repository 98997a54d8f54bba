"""W1, the original micrograd demo, run with whichever ``micrograd`` this Python imports.

Reads the moons data from a JSON file so both engines see identical inputs; prints JSON with the loss,
accuracy and wall time of every step. The training loop is the demo notebook's, unchanged.
"""

import json
import random
import sys
import time

from micrograd.engine import Value
from micrograd.nn import MLP


def main() -> None:
    with open(sys.argv[1]) as f:
        data = json.load(f)
    steps = int(sys.argv[2])
    kwargs = {"fused": False} if "--unfused" in sys.argv else {}
    X, y = data["X"], data["y"]

    random.seed(1337)
    model = MLP(2, [16, 16, 1], **kwargs)

    def loss(batch_size=None):
        Xb, yb = X, y
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    if "--compiled" in sys.argv:  # ours only: the same loss, traced once by micrograd.compile and replayed
        import micrograd

        def loss_and_scores(Xb, yb):
            scores = [model(xrow) for xrow in Xb]  # the inputs arrive as Values already
            losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = 1e-4 * sum(p * p for p in model.parameters())
            return data_loss + reg_loss, scores

        step = micrograd.compile(loss_and_scores)

        def loss(batch_size=None):  # replaces the notebook's loss for this run
            total_loss, scores = step(X, y)
            accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
            return total_loss, sum(accuracy) / len(accuracy)

    out = {"loss": [], "accuracy": [], "seconds": []}
    for k in range(steps):
        t0 = time.perf_counter()
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        out["seconds"].append(time.perf_counter() - t0)
        out["loss"].append(total_loss.data)
        out["accuracy"].append(acc)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
