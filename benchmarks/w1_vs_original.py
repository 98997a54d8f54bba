"""Benchmark W1 (SPEC §6): the original micrograd demo, ours against the original, side by side.

The original (``micrograd==0.1.0`` from PyPI) shares our import name, so it goes into a virtual
environment of its own, made here on first use. Both run benchmarks/w1_worker.py on the same moons data
with the same seed and steps; this script prints per-step times, their ratio and both loss curves.

    python benchmarks/w1_vs_original.py [--steps 100]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import numpy as np
from sklearn.datasets import make_moons

HERE = Path(__file__).resolve().parent
ORIGINAL_ENV = HERE / ".venv-original"


def original_python() -> Path:
    """The Python of a virtual environment holding the original micrograd, created if missing."""
    python = ORIGINAL_ENV / "bin" / "python"
    if not (ORIGINAL_ENV / ".ready").exists():
        venv.create(ORIGINAL_ENV, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "micrograd==0.1.0"], check=True)
        (ORIGINAL_ENV / ".ready").touch()
    return python


def moons_file(directory: str) -> str:
    np.random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    path = Path(directory) / "moons.json"
    path.write_text(json.dumps({"X": X.tolist(), "y": [int(v) for v in y]}))
    return str(path)


def run(python: str | Path, data: str, steps: int, *flags: str) -> dict:
    cmd = [str(python), str(HERE / "w1_worker.py"), data, str(steps), *flags]
    result = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=HERE)
    return json.loads(result.stdout)


def max_relative_difference(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) / max(abs(y), 1e-300) for x, y in zip(a, b))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps for each engine (default 100)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        data = moons_file(tmp)
        runs = {
            "original micrograd 0.1.0": run(original_python(), data, args.steps),
            "ours (default: fused neurons)": run(sys.executable, data, args.steps),
            "ours, fused=False (lecture graph)": run(sys.executable, data, args.steps, "--unfused"),
            "ours, micrograd.compile": run(sys.executable, data, args.steps, "--compiled"),
        }
    base = statistics.median(runs["original micrograd 0.1.0"]["seconds"])
    print(f"W1: moons demo, MLP(2, [16, 16, 1]), {args.steps} steps, median time per step\n")
    print(f"{'engine':<36} {'ms/step':>10} {'speed-up':>10} {'final loss':>12} {'accuracy':>9}")
    for name, r in runs.items():
        t = statistics.median(r["seconds"])
        print(f"{name:<36} {t * 1e3:>10.1f} {base / t:>9.1f}x {r['loss'][-1]:>12.6f} {r['accuracy'][-1]:>9.0%}")
    reference = runs["original micrograd 0.1.0"]["loss"]
    print("\nloss curves (every 10th step):")
    print(f"{'step':>5} " + " ".join(f"{name[:24]:>26}" for name in runs))
    for k in range(0, args.steps, max(1, args.steps // 10)):
        print(f"{k:>5} " + " ".join(f"{r['loss'][k]:>26.16f}" for r in runs.values()))
    ok = True
    for name, r in runs.items():
        diff = max_relative_difference(r["loss"], reference)
        ok &= diff <= 1e-9 and all(math.isfinite(v) for v in r["loss"])
        print(f"max relative difference from the original, {name}: {diff:.2e}")
    print("curves agree to 1e-9" if ok else "CURVES DISAGREE")
    first = runs["ours, micrograd.compile"]["seconds"][0]
    print(f"micrograd.compile: the first step (tracing and building the program) took {first * 1e3:.1f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
