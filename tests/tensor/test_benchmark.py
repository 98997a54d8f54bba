"""The Tensor-vs-PyTorch benchmark stays runnable and compares like with like (no timing is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

WORKER = Path(__file__).resolve().parents[2] / "benchmarks" / "tensor_worker.py"


def test_both_engines_compute_the_same_losses_in_the_benchmark() -> None:
    cmd = [sys.executable, str(WORKER), "--threads", "1", "--rounds", "1", "--steps", "30"]
    result = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    assert result["torch_threads"] == 1
    for work in ("w1", "w2"):
        assert result[work]["max_relative_loss_difference"] < 1e-12
        assert set(result[work]["median_step_us"]) == {"ours", "torch"}
