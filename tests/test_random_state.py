"""Installing micrograd must not change what a seeded learner's notebook computes.

The original's demo notebook seeds Python's ``random`` first, then imports scikit-learn, then builds
``MLP(2, [16, 16, 1])``. If anything imported on the way draws from the global ``random`` (``rich`` does, at
import time, and scikit-learn imports ``rich`` whenever it is installed), every weight after that changes. Each
check runs in a fresh interpreter, so that nothing this test session imported earlier hides a draw.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

#: The first weight of the original's demo model after ``random.seed(1337)``: what the original prints.
ORIGINAL_FIRST_WEIGHT = 0.23550571390294128


def run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_original_demo_notebook_gets_the_original_first_weight() -> None:
    # the original demo's cells, in its order: seed, then scikit-learn, then the model
    out = run(
        """
        import random
        import numpy as np
        import matplotlib.pyplot as plt
        from micrograd.engine import Value
        from micrograd.nn import Neuron, Layer, MLP

        np.random.seed(1337)
        random.seed(1337)
        from sklearn.datasets import make_moons, make_blobs
        X, y = make_moons(n_samples=100, noise=0.1)
        model = MLP(2, [16, 16, 1])
        print(repr(model.parameters()[0].data))
        """
    )
    assert float(out) == ORIGINAL_FIRST_WEIGHT


def test_importing_the_package_and_what_it_pulls_in_leaves_random_alone() -> None:
    # every module of the package (which imports its dependencies: NumPy, scikit-learn, matplotlib, tqdm,
    # graphviz, Starlette, uvicorn...), plus scikit-learn's and matplotlib's own entry points
    out = run(
        """
        import importlib, pkgutil, random
        random.seed(1337)
        before = random.getstate()
        import sklearn, sklearn.datasets, sklearn.model_selection, matplotlib.pyplot
        import micrograd
        names = [m.name for m in pkgutil.walk_packages(micrograd.__path__, "micrograd.")]
        for name in names:
            importlib.import_module(name)
        import micrograd.cli
        micrograd.cli.build_parser()
        changed = random.getstate() != before
        print(len(names), "changed" if changed else "unchanged")
        """
    )
    count, verdict = out.split()
    assert int(count) > 20  # the walk found the package's modules
    assert verdict == "unchanged"
