"""The pictures of a run: size, labels and legend, every class visible and told apart, a smooth boundary."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest

from micrograd import plots


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels, from the PNG's header."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def captured(monkeypatch) -> list[dict]:
    """What each figure saved by micrograd.plots shows: per axes its labels, title, legend texts and y scale."""
    shown: list[dict] = []
    save = plots._save

    def spy(fig, path) -> None:
        axes = []
        for ax in fig.axes:
            legend = ax.get_legend()
            axes.append({
                "xlabel": ax.get_xlabel(),
                "ylabel": ax.get_ylabel(),
                "title": ax.get_title(),
                "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
                "yscale": ax.get_yscale(),
            })  # fmt: skip
        shown.append({"axes": axes})
        save(fig, path)

    monkeypatch.setattr(plots, "_save", spy)
    return shown


# --- colours: Okabe & Ito's palette, each class visible on its own region and on white -------------------------------


def lab(rgb: tuple[float, float, float]) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour in 0..1, to measure how different two colours look (Delta E 1976)."""
    c = np.asarray(rgb, dtype=float)
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a, b) -> float:
    return float(np.linalg.norm(lab(a) - lab(b)))


def rgb(colour) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


#: Machado, Oliveira and Fernandes (2009), severity 1.0: how a colour looks with each colour-vision deficiency
#: (applied to linear RGB).
DEFICIENCIES = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def as_seen(colour, matrix) -> tuple[float, float, float]:
    c = np.asarray(rgb(colour))
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    seen = np.clip(np.asarray(matrix) @ linear, 0, 1)
    return tuple(np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055))  # type: ignore[return-value]


@pytest.mark.parametrize("k", range(len(plots.PALETTE)))
def test_each_class_stands_out_from_its_region_and_from_white(k: int) -> None:
    point, region = rgb(plots.class_colour(k)), plots.region_colour(k)
    assert delta_e(point, region) > 20, (k, plots.class_colour(k))  # the blobs' old middle class: white on near-white
    assert delta_e(region, (1, 1, 1)) > 2  # a region is tinted, so where one class ends shows without the line


@pytest.mark.parametrize("name", [None, *DEFICIENCIES])
def test_the_first_classes_are_told_apart_with_colour_blindness_too(name: str | None) -> None:
    n = 4  # classification has at most 4 classes, moons and circles 2, the blobs default 3
    seen = [rgb(c) if name is None else as_seen(c, DEFICIENCIES[name]) for c in plots.PALETTE[:n]]
    closest = min(delta_e(seen[i], seen[j]) for i in range(n) for j in range(i + 1, n))
    assert closest > 15, (name, closest)
    regions = [plots.region_colour(k) for k in range(n)]
    if name is None:
        assert min(delta_e(regions[i], regions[j]) for i in range(n) for j in range(i + 1, n)) > 5


def test_markers_tell_apart_classes_that_share_a_colour() -> None:
    n = 3 * len(plots.PALETTE)
    styles = {(plots.class_colour(k), plots.MARKERS[k % len(plots.MARKERS)]) for k in range(n)}
    assert len(styles) == n


# --- the decision boundary --------------------------------------------------------------------------------------------


def blobs() -> tuple[np.ndarray, np.ndarray]:
    from micrograd.data import load

    data = load("blobs", samples=90, classes=3, seed=3)
    return np.asarray(data.X_train), np.asarray(data.y_train)


def nearest_centre(X: np.ndarray, y: np.ndarray):
    centres = np.array([X[y == k].mean(axis=0) for k in range(y.max() + 1)])

    def predict(points):
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        return np.linalg.norm(points[:, None, :] - centres[None], axis=2).argmin(axis=1)

    return predict


def test_decision_boundary_is_one_batch_on_a_fine_grid(tmp_path: Path, monkeypatch) -> None:
    X, y = blobs()
    classify, calls = nearest_centre(X, y), []

    def predict(points):
        calls.append(np.asarray(points).shape)
        return classify(points)

    shown = captured(monkeypatch)
    plots.decision_boundary(predict, X, y, tmp_path / "b.png", title="blobs", batch=True, X_test=X[:5], y_test=y[:5])
    assert calls == [(plots.BATCH_RESOLUTION**2, 2)] and plots.BATCH_RESOLUTION >= 300
    width, height = png_size(tmp_path / "b.png")
    assert width >= 1000 and height >= 800, (width, height)
    (ax,) = shown[0]["axes"]
    assert ax["xlabel"] and ax["ylabel"] and ax["title"] == "blobs"
    legend = ax["legend"]
    assert legend[:3] == ["class 0", "class 1", "class 2"]
    assert "training point" in legend and "test point" in legend and "decision boundary" in legend


def test_every_class_is_visible_in_the_picture(tmp_path: Path) -> None:
    from matplotlib.image import imread

    X, y = blobs()
    plots.decision_boundary(nearest_centre(X, y), X, y, tmp_path / "b.png", batch=True)
    pixels = imread(tmp_path / "b.png")[..., :3]
    for k in range(3):  # the inside of each class's markers: its own colour, drawn over its region's tint
        near = np.abs(pixels - np.asarray(rgb(plots.class_colour(k)))).max(axis=2) < 0.02
        assert near.sum() > 300, (k, near.sum())
        tint = np.abs(pixels - np.asarray(plots.region_colour(k))).max(axis=2) < 0.02
        assert tint.sum() > 20_000, (k, tint.sum())  # and its region takes a good part of the plane


def test_decision_boundary_one_point_at_a_time_still_works(tmp_path: Path) -> None:
    X, y = blobs()
    classify = nearest_centre(X, y)
    seen = []

    def predict(point):
        seen.append(len(point))
        return int(classify([point])[0])

    plots.decision_boundary(predict, X.tolist(), y.tolist(), tmp_path / "p.png", resolution=20)
    assert seen == [2] * 400 and png_size(tmp_path / "p.png")[0] >= 1000


def test_decision_boundary_refuses_what_it_cannot_draw(tmp_path: Path) -> None:
    X, y = blobs()
    with pytest.raises(ValueError, match=r"X must be points of 2 numbers, got an array of shape \(90, 3\)"):
        plots.decision_boundary(lambda p: p, np.ones((90, 3)), y, tmp_path / "x.png", batch=True)
    with pytest.raises(ValueError, match="need as many labels as points, got 90 and 89"):
        plots.decision_boundary(lambda p: p, X, y[:-1], tmp_path / "x.png", batch=True)
    with pytest.raises(ValueError, match=rf"predict gave 3 classes for {plots.BATCH_RESOLUTION**2} points"):
        plots.decision_boundary(lambda p: [0, 1, 2], X, y, tmp_path / "x.png", batch=True)
    assert list(tmp_path.iterdir()) == []


# --- the loss and accuracy curves -------------------------------------------------------------------------------------


def test_loss_curve_draws_loss_and_whole_set_accuracies(tmp_path: Path, monkeypatch) -> None:
    shown = captured(monkeypatch)
    loss = [2.0 / (1 + i) for i in range(300)]
    evaluated = [(0, 0.3, 0.25), (150, 0.9, 0.8), (300, 1.0, 0.85)]
    plots.loss_curve(loss, None, tmp_path / "l.png", evaluated=evaluated, title="run")
    assert png_size(tmp_path / "l.png")[0] >= 1000
    top, bottom = shown[0]["axes"]
    assert top["title"] == "run" and top["yscale"] == "log" and top["ylabel"] == "loss (log scale)"
    assert top["legend"] == ["loss on the step's batch", "moving average over 6 steps"]
    assert bottom["ylabel"] == "accuracy (%)" and bottom["xlabel"].startswith("step")
    assert bottom["legend"] == ["training set", "test set"]


def test_loss_curve_leaves_gaps_for_what_is_not_a_number(tmp_path: Path, monkeypatch) -> None:
    shown = captured(monkeypatch)
    plots.loss_curve([1.0, -0.5, math.nan, math.inf], [0.5, None, None, None], tmp_path / "l.png",
                     evaluated=[(0, 0.5, None), (2, math.nan, None)])  # fmt: skip
    top, bottom = shown[0]["axes"]
    assert top["yscale"] == "linear"  # a loss <= 0 (or not finite) cannot go on a log scale
    assert bottom["legend"] == ["training set"]  # no test set: no test curve
    plots.loss_curve([0.5, 0.4], [0.5, 0.75], tmp_path / "b.png")  # the batch accuracy, as before
    assert shown[1]["axes"][1]["legend"] == ["accuracy on the step's batch"]


def test_loss_curve_of_a_run_without_accuracy_draws_the_loss_alone(tmp_path: Path, monkeypatch) -> None:
    shown = captured(monkeypatch)
    plots.loss_curve([0.6, 0.1, 0.01], None, tmp_path / "r.png", evaluated=[(0, None, None), (2, None, None)])
    (only,) = shown[0]["axes"]  # a regression run: no empty accuracy panel
    assert only["ylabel"] == "loss (log scale)" and only["xlabel"].startswith("step")
    plots.loss_curve([0.6, 0.1], None, tmp_path / "n.png")  # nothing evaluated, no batch accuracy either
    assert len(shown[1]["axes"]) == 1
