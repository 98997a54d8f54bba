"""The ``micrograd`` command."""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence

from micrograd.engine import Value
from micrograd.nn import MLP


def readme_example() -> tuple[Value, Value, Value]:
    """The expression from the README (and the lecture's opening): returns g, a, b after backward."""
    a = Value(-4.0, label="a")
    b = Value(2.0, label="b")
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g, a, b


def lecture_mlp(steps: int = 20, lr: float = 0.05, seed: int = 1337) -> list[float]:
    """The lecture's tiny network: MLP(3, [4, 4, 1]) with tanh, four examples, MSE, plain gradient descent."""
    random.seed(seed)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    model = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
    losses = []
    for _ in range(steps):
        preds = [model(x) for x in xs]
        loss = sum((p - y) ** 2 for p, y in zip(preds, ys))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data += -lr * p.grad
        losses.append(loss.data)
    return losses


def demo(args: argparse.Namespace) -> int:
    g, a, b = readme_example()
    print(f"README example: g = {g.data:.4f}, dg/da = {a.grad:.4f}, dg/db = {b.grad:.4f}")
    losses = lecture_mlp(steps=args.steps)
    print(f"lecture MLP(3, [4, 4, 1]), {len(losses)} steps of gradient descent on MSE:")
    for i, loss in enumerate(losses):
        print(f"  step {i:3d}  loss {loss:.6f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="micrograd", description="A tiny autograd engine: train and explore.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="run the README example and train the lecture's tiny MLP")
    p.add_argument("--steps", type=int, default=20, help="gradient-descent steps (default: 20)")
    p.set_defaults(func=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
