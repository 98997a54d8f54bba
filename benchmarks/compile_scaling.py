"""How micrograd.compile's costs grow with the graph: 1e4 to 1e6 Values.

The W1 loss (moons, MLP(2, [16, 16, 1]), hinge + L2) on batches of growing size. For each size: the eager
engine's step (forward and backward), the first compiled call (trace and build the program), and a replayed
step (forward and backward), lowered (the default: one matmul per layer) and with ``lower=False`` (level
groups), median of a few runs, all in this one process.

    python benchmarks/compile_scaling.py [--sizes 120,1200,13500]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import micrograd
from micrograd import losses
from micrograd.data import labels_for, load
from micrograd.nn import MLP


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(model: MLP, n: int) -> tuple[int, float, float, float, float]:
    """Graph size, eager step, first compiled call, replayed step and replayed step with ``lower=False``, for a
    batch of ``n`` examples."""
    d = load("moons", n, 0.1, 1337)
    X, y = d.X_train, labels_for("hinge", d.y_train)

    def loss_fn(X, y):
        return losses.hinge([model(x) for x in X], y) + losses.l2(model.parameters(), 1e-4)

    def eager() -> None:
        model.zero_grad()
        loss_fn(X, y).backward()

    step, plain = micrograd.compile(loss_fn, verify=0), micrograd.compile(loss_fn, verify=0, lower=False)
    t = time.perf_counter()
    step(X, y)
    trace = time.perf_counter() - t
    plain(X, y)

    def replay(step=step) -> None:
        model.zero_grad()
        step(X, y).backward()

    repeat = 3 if n > 5000 else 7
    return step.program.size, timed(eager, repeat), trace, timed(replay, repeat), timed(lambda: replay(plain), repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="120,1200,13500", help="batch sizes (examples per step)")
    args = parser.parse_args()
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    print(f"{'examples':>9} {'Values':>10} {'eager step':>11} {'trace':>9} {'replay step':>12} {'eager/replay':>13} "
          f"{'lower=False':>12}")  # fmt: skip
    for n in (int(s) for s in args.sizes.split(",")):
        size, e, trace, r, plain = measure(model, n)
        print(f"{n:>9} {size:>10,} {e * 1e3:>9.1f}ms {trace * 1e3:>7.0f}ms {r * 1e3:>10.2f}ms {e / r:>12.1f}x "
              f"{plain * 1e3:>10.2f}ms")  # fmt: skip


if __name__ == "__main__":
    main()
