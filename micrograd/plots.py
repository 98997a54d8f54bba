"""Pictures of a training run (matplotlib, drawn off-screen): decision boundary and loss curves."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path


def _save(fig, path: str | Path) -> None:
    """Save ``fig`` at ``path`` (PNG unless its suffix says otherwise) as every file here is written: atomically,
    never over a device or a pipe (``micrograd.files.write_atomically``)."""
    import io

    from micrograd.files import write_atomically

    buffer = io.BytesIO()
    fig.savefig(buffer, format=Path(path).suffix[1:] or "png", dpi=100)  # as savefig(path) would choose
    write_atomically(path, buffer.getvalue())


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
    try:
        _save(fig, path)
    finally:
        plt.close(fig)


def loss_curve(loss: Sequence[float | None], accuracy: Sequence[float | None], path: str | Path) -> None:
    """Loss (left axis) and accuracy (right axis) per step; save a PNG. A loss that is not a finite number, and an
    accuracy of None, leave a gap."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    steps = range(len(loss))
    ax.plot(
        steps, [v if v is not None and math.isfinite(v) else math.nan for v in loss], color="tab:blue", label="loss"
    )
    ax.set_xlabel("step")
    ax.set_ylabel("loss", color="tab:blue")
    ax2 = ax.twinx()
    ax2.plot(steps, [math.nan if v is None else v for v in accuracy], color="tab:orange", label="accuracy")
    ax2.set_ylabel("accuracy", color="tab:orange")
    ax2.set_ylim(0, 1.05)
    fig.tight_layout()
    try:
        _save(fig, path)
    finally:
        plt.close(fig)
