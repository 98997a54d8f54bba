"""The files a training run leaves behind: its folder, checked before the run, and what is written into it."""

from __future__ import annotations

import errno
import functools
import json
import math
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from micrograd.features import of_array, of_points, save_model
from micrograd.files import write_atomically
from micrograd.training.evaluate import batch_predictor, data_loss

#: The files ``write_outputs`` may write into a run's folder.
OUTPUT_NAMES = ("metrics.json", "model.json", "loss.png", "decision_boundary.png")


def prepare_output_folder(out: Path) -> list[Path]:
    """Make sure ``write_outputs`` can write into ``out``, before a run starts: create it if need be (returning
    the folders created, outermost first, so a caller can remove them again) and try writing a file there.

    Raises ``NotADirectoryError`` if ``out`` (or a folder above it) is a file or a device, ``FileExistsError``
    if it already holds a run's files (nothing saved is ever replaced), or the ``OSError`` that writing gave.
    """
    created = []
    for folder in [*reversed(out.parents), out]:
        if folder.is_dir():
            continue
        if os.path.lexists(folder) and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder", str(folder))
        folder.mkdir()
        created.append(folder)
    try:
        taken = [name for name in OUTPUT_NAMES if os.path.lexists(out / name)]
        if taken:
            what = f"already holds {', '.join(taken)} from an earlier run: choose a new folder (or move them)"
            raise FileExistsError(errno.EEXIST, what, str(out))
        fd, probe = tempfile.mkstemp(dir=out, prefix=".micrograd-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except BaseException:
        remove_folders(created)
        raise
    return created


def remove_folders(folders: list[Path]) -> None:
    """Remove these folders (made by ``prepare_output_folder``) again, innermost first, if they are empty."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return


def _json_numbers(x: Any) -> Any:
    """``x`` with every non-finite float replaced by None, so that it is valid JSON (null)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _json_numbers(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_numbers(v) for v in x]
    return x


def write_outputs(result: Any, out: Path) -> list[Path]:
    """Write metrics.json, model.json, loss.png and (for 2-D data) decision_boundary.png into ``out``.

    metrics.json is valid JSON whatever happened: a number that is not finite is written as null. After
    divergence (``result.diverged_at_step``) only metrics.json and loss.png are written: the model's weights
    are not finite numbers, or are the ones that made the run diverge, and its accuracies mean nothing.
    """
    from micrograd import plots

    out.mkdir(parents=True, exist_ok=True)
    metrics = {
        "loss": result.loss,
        "accuracy": result.accuracy,
        "accuracy_curve": {
            "step": [c.step for c in result.checkpoints],
            "train": [c.train_accuracy for c in result.checkpoints],
            "test": [c.test_accuracy for c in result.checkpoints],
        },
        "train_accuracy": result.train_accuracy,
        "test_accuracy": result.test_accuracy,
        "diverged_at_step": result.diverged_at_step,
        "diverged_because": result.diverged_because,
        "wall_time_seconds": result.seconds,
        "parameters": result.model.num_parameters(),
        "config": asdict(result.config),
    }
    if result.data.regression and result.diverged_at_step is None:  # no accuracy: the whole sets' loss instead
        metrics["train_loss"], metrics["test_loss"] = _losses(result)
    written = [out / "metrics.json", out / "loss.png"]
    write_atomically(written[0], json.dumps(_json_numbers(metrics), indent=1, allow_nan=False))
    size = result.config.batch_size
    label = (
        "loss on the training set"
        if size is None or size >= len(result.data.X_train)
        else f"loss on the step's batch of {size}"
    )
    plots.loss_curve(
        result.loss, None, written[1], evaluated=result.checkpoints, title=_title(result), loss_label=label
    )
    if result.diverged_at_step is not None:
        return written
    written.insert(1, out / "model.json")
    save_model(result.model, written[1], result.config.features)  # the file names its features, if not x1, x2
    data = result.data
    if data.n_features == 2 and not data.regression:  # a regression model has no boundary between classes
        path = out / "decision_boundary.png"
        plots.decision_boundary(
            _on_points(batch_predictor(result.model, result.config.loss), result.config.features),
            data.X_train,
            data.y_train,
            path,
            title=_title(result),
            batch=True,
            X_test=data.X_test,
            y_test=data.y_test,
            n_classes=data.n_classes,
        )
        written.append(path)
    return written


def _losses(result: Any) -> tuple[float, float | None]:
    """The data loss of the whole training set and of the whole test set (None without one), after the run."""
    featurize = functools.partial(of_points, result.config.features)
    data, loss = result.data, result.config.loss
    return (data_loss(result.model, loss, featurize(data.X_train), data.y_train),
            data_loss(result.model, loss, featurize(data.X_test), data.y_test))  # fmt: skip


def _on_points(predict: Any, features: list[str]) -> Any:
    """``predict`` (of the network's inputs) as a function of 2-D points: each point first becomes its features."""
    return lambda X: predict(of_array(features, X))


def _title(result: Any) -> str:
    """'moons, MLP 2-16-16-1, 100 steps: train accuracy 100.0%' (and the test accuracy, if there is a test set)."""
    sizes = "-".join(str(n) for n in [result.model.nin, *result.model.nouts])
    head = f"{result.data.name}, MLP {sizes}, {result.config.steps} steps"
    if result.diverged_at_step is not None:
        return f"{head}: diverged at step {result.diverged_at_step}"
    if result.data.regression:
        train, test_loss = _losses(result)
        return f"{head}: train loss {train:.4g}" + ("" if test_loss is None else f", test loss {test_loss:.4g}")
    test = "" if result.test_accuracy is None else f", test accuracy {result.test_accuracy:.1%}"
    return f"{head}: train accuracy {result.train_accuracy:.1%}{test}"
