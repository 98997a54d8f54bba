"""Pictures of a training run (matplotlib, drawn off-screen): decision boundary and loss curves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, no display needed
    import matplotlib.pyplot as plt

    return plt


def decision_boundary(
    predict: Callable[[list[float]], int],
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    path: str | Path,
    resolution: int = 60,
    title: str = "decision boundary",
) -> None:
    """Colour the plane by the class ``predict`` gives each point, with the data on top; save a PNG."""
    import numpy as np

    plt = _pyplot()
    X = np.asarray(X, dtype=float)
    pad = 0.25 * (X.max(axis=0) - X.min(axis=0)) + 0.1
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    grid = np.array([[predict([float(a), float(b)]) for a in xs] for b in ys])
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contourf(xs, ys, grid, alpha=0.35, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, s=18, cmap="coolwarm", edgecolors="k", linewidths=0.4)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def loss_curve(loss: Sequence[float], accuracy: Sequence[float], path: str | Path) -> None:
    """Loss (left axis) and accuracy (right axis) per step; save a PNG."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    steps = range(len(loss))
    ax.plot(steps, loss, color="tab:blue", label="loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss", color="tab:blue")
    ax2 = ax.twinx()
    ax2.plot(steps, accuracy, color="tab:orange", label="accuracy")
    ax2.set_ylabel("accuracy", color="tab:orange")
    ax2.set_ylim(0, 1.05)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
