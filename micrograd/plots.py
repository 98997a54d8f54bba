"""Pictures of a training run (matplotlib, drawn off-screen): decision boundary and loss/accuracy curves.

Both are drawn to be kept: labelled axes, a legend, and Okabe and Ito's colour-blind-safe palette, in which every
class stays visible on the tint of its own region. At ``DPI`` they are 1200 pixels wide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

#: Okabe & Ito (2008), "Color Universal Design": eight colours told apart with every common colour-vision
#: deficiency. Class k is drawn in ``PALETTE[k % 8]`` with marker ``MARKERS[k % 7]``, so that classes 0 and 8
#: (same colour) still differ in shape.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
#: How much of its class colour tints a region of the plane (the rest is white): light, so the points stand out.
REGION_TINT = 0.25
#: Pixels per inch of the saved PNGs (a figure 8 inches wide is 1200 pixels).
DPI = 150
#: Grid points per side of a decision boundary computed in one batch (``batch=True``), or point by point.
BATCH_RESOLUTION = 800
POINTWISE_RESOLUTION = 60
#: Classes beyond this many share one legend entry ("...") rather than one each.
MAX_LEGEND_CLASSES = 12


def class_colour(k: int) -> str:
    """The colour of class ``k`` (hex)."""
    return PALETTE[k % len(PALETTE)]


def region_colour(k: int) -> tuple[float, float, float]:
    """The colour of class ``k``'s region: white tinted with ``REGION_TINT`` of the class colour (RGB in 0..1)."""
    from matplotlib.colors import to_rgb

    return tuple(1 - REGION_TINT + REGION_TINT * c for c in to_rgb(class_colour(k)))  # type: ignore[return-value]


def _save(fig, path: str | Path) -> None:
    """Save ``fig`` at ``path`` (PNG unless its suffix says otherwise) as every file here is written: atomically,
    never over a device or a pipe (``micrograd.files.write_atomically``)."""
    import io

    from micrograd.files import write_atomically

    buffer = io.BytesIO()
    fig.savefig(buffer, format=Path(path).suffix[1:] or "png", dpi=DPI)  # as savefig(path) would choose
    write_atomically(path, buffer.getvalue())


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, no display needed
    import matplotlib.pyplot as plt

    return plt


def _points(X: Any, what: str) -> Any:
    import numpy as np

    X = np.asarray(X, dtype=float).reshape(-1, 2) if len(X) == 0 else np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary: {what} must be points of 2 numbers, got an array of shape {X.shape}")
    return X


def decision_boundary(
    predict: Callable[[Any], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    path: str | Path,
    resolution: int | None = None,
    title: str = "decision boundary",
    *,
    batch: bool = False,
    X_test: Sequence[Sequence[float]] = (),
    y_test: Sequence[int] = (),
    n_classes: int | None = None,
) -> None:
    """Colour the plane by the class ``predict`` gives each point, with the data on top; save a PNG.

    ``batch=True``: ``predict`` takes an array of shape (N, 2) and returns the N classes, and is called once on a
    ``BATCH_RESOLUTION``-square grid (smooth). ``batch=False``: ``predict`` takes one point ``[x0, x1]`` and is
    called per point of a ``POINTWISE_RESOLUTION``-square grid. Training points are filled markers; test points
    (``X_test``, ``y_test``), if given, hollow ones. Class k has colour ``class_colour(k)`` on a region tinted
    ``region_colour(k)``, with the boundaries between regions drawn as lines.
    """
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D

    X, X_test = _points(X, "X"), _points(X_test, "X_test")
    if len(X) == 0 or len(X) != len(y) or len(X_test) != len(y_test):
        raise ValueError(f"decision_boundary: need as many labels as points, got {len(X)} and {len(y)} (train), "
                         f"{len(X_test)} and {len(y_test)} (test)")  # fmt: skip
    resolution = resolution or (BATCH_RESOLUTION if batch else POINTWISE_RESOLUTION)
    if resolution < 2:
        raise ValueError(f"decision_boundary: resolution must be >= 2, got {resolution}")
    every = np.concatenate([X, X_test])
    pad = 0.15 * (every.max(axis=0) - every.min(axis=0)) + 0.1
    lo, hi = every.min(axis=0) - pad, every.max(axis=0) + pad
    xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    grid_points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # row by row: y fixed, x varying
    if batch:
        found = np.asarray(predict(grid_points)).reshape(-1)
        if len(found) != len(grid_points):
            raise ValueError(f"decision_boundary: predict gave {len(found)} classes for {len(grid_points)} points")
    else:
        found = np.array([predict([float(a), float(b)]) for a, b in grid_points])
    grid = found.astype(int).reshape(resolution, resolution)
    n = n_classes or int(max(grid.max(), *y, *y_test)) + 1

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 6.4))
    try:
        regions = ListedColormap([region_colour(k) for k in range(n)])
        ax.imshow(grid, origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]), cmap=regions, vmin=-0.5,
                  vmax=n - 0.5, interpolation="nearest", aspect="auto")  # fmt: skip
        for k in np.unique(grid):  # each region's edge; two neighbours draw the same line between them
            if 0 < (grid == k).sum() < grid.size:
                ax.contour(xs, ys, (grid == k).astype(float), levels=[0.5], colors="#333333", linewidths=1.2)
        y, y_test = np.asarray(y), np.asarray(y_test)
        handles = []
        for k in range(n):
            style = {"marker": MARKERS[k % len(MARKERS)], "s": 36, "linewidths": 0.8}
            ax.scatter(X[y == k, 0], X[y == k, 1], color=class_colour(k), edgecolors="black", zorder=3, **style)
            if len(X_test):
                ax.scatter(X_test[y_test == k, 0], X_test[y_test == k, 1], facecolors="white", zorder=3,
                           edgecolors=class_colour(k), **{**style, "linewidths": 1.8})  # fmt: skip
            if k < MAX_LEGEND_CLASSES:
                handles.append(Line2D([], [], linestyle="", marker=style["marker"], markersize=7,
                                      markerfacecolor=class_colour(k), markeredgecolor="black",
                                      label=f"class {k}"))  # fmt: skip
        if n > MAX_LEGEND_CLASSES:
            handles.append(Line2D([], [], linestyle="", label=f"... ({n} classes)"))
        handles.append(Line2D([], [], linestyle="", marker="o", markersize=7, markerfacecolor="0.6",
                              markeredgecolor="black", label="training point"))  # fmt: skip
        if len(X_test):
            handles.append(Line2D([], [], linestyle="", marker="o", markersize=7, markerfacecolor="white",
                                  markeredgecolor="0.3", markeredgewidth=1.8, label="test point"))  # fmt: skip
        handles.append(Line2D([], [], color="#333333", linewidth=1.2, label="decision boundary"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0, frameon=False)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_xlabel("x[0] (first input)")
        ax.set_ylabel("x[1] (second input)")
        ax.set_title(title)
        fig.tight_layout()
        _save(fig, path)
    finally:
        plt.close(fig)


def _finite_or_nan(values: Sequence[float | None]) -> list[float]:
    return [v if v is not None and math.isfinite(v) else math.nan for v in values]


def loss_curve(
    loss: Sequence[float | None],
    accuracy: Sequence[float | None] | None,
    path: str | Path,
    *,
    evaluated: Sequence[tuple[int, float | None, float | None]] = (),
    title: str | None = None,
    loss_label: str = "loss on the step's batch",
) -> None:
    """The loss per step (top) and the accuracy (bottom; left out when there is none, as in a regression run);
    save a PNG.

    ``loss[i]`` is the loss of step i's batch (after i updates): drawn as is, and as a moving average when the
    run is long. ``evaluated`` holds ``(step, train accuracy, test accuracy)`` of the whole sets after that many
    updates (``micrograd.train.Checkpoint``), drawn as two curves; without it, ``accuracy`` (each step's batch)
    is drawn instead. A loss that is not a finite number, and an accuracy of None, leave a gap. The loss axis is
    logarithmic when every loss is a finite number > 0.
    """
    import numpy as np
    from matplotlib.ticker import FuncFormatter, NullFormatter

    plt = _pyplot()
    measured = any(c[1] is not None or c[2] is not None for c in evaluated)
    if measured or (not evaluated and accuracy is not None):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6.4), sharex=True, height_ratios=(3, 2))
    else:  # no accuracy at all (a regression run): the loss alone
        fig, top = plt.subplots(figsize=(8, 4.2))
        bottom = None
    try:
        values = np.array(_finite_or_nan(loss))
        steps = np.arange(len(values))
        window = len(values) // 50
        top.plot(steps, values, color=PALETTE[0], linewidth=1.0 if window >= 5 else 1.8,
                 alpha=0.45 if window >= 5 else 1.0, label=loss_label)  # fmt: skip
        if window >= 5 and np.isfinite(values).all():
            mean = np.convolve(values, np.ones(window) / window, mode="valid")
            top.plot(steps[window - 1 :], mean, color=PALETTE[0], linewidth=2.2,
                     label=f"moving average over {window} steps")  # fmt: skip
        if len(values) and np.isfinite(values).all() and (values > 0).all():
            top.set_yscale("log")
            plain = FuncFormatter(lambda v, _: f"{v:g}")  # 0.2, not 2 x 10^-1
            top.yaxis.set_major_formatter(plain)
            if values.max() < 10 * values.min():  # less than a decade: label the ticks between powers of 10 too
                top.yaxis.set_minor_formatter(plain)
            else:
                top.yaxis.set_minor_formatter(NullFormatter())
        top.set_ylabel("loss" + (" (log scale)" if top.get_yscale() == "log" else ""))
        top.legend(loc="upper right")
        top.grid(True, alpha=0.3)

        if bottom is None:
            top.set_xlabel("step (updates of the weights)")
        elif evaluated:
            at = [c[0] for c in evaluated]
            train = [math.nan if c[1] is None else 100 * c[1] for c in evaluated]
            bottom.plot(at, train, color=PALETTE[1], marker="o", markersize=4, linewidth=2, label="training set")
            test = [math.nan if c[2] is None else 100 * c[2] for c in evaluated]
            if not all(math.isnan(v) for v in test):
                bottom.plot(at, test, color=PALETTE[2], marker="s", markersize=4, linewidth=2, linestyle="--",
                            label="test set")  # fmt: skip
        elif accuracy is not None:
            batch = [math.nan if v is None else 100 * v for v in accuracy]
            bottom.plot(range(len(batch)), batch, color=PALETTE[1], label="accuracy on the step's batch")
        if bottom is not None:
            bottom.set_ylim(-2, 102)
            bottom.set_ylabel("accuracy (%)")
            bottom.set_xlabel("step (updates of the weights)")
            if bottom.get_legend_handles_labels()[0]:
                bottom.legend(loc="lower right")
            bottom.grid(True, alpha=0.3)
        if title:
            top.set_title(title)
        fig.tight_layout()
        _save(fig, path)
    finally:
        plt.close(fig)
