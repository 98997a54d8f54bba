"""Benchmarks W1 and W2 (SPEC §6) on the Tensor engine against PyTorch 2.13 CPU, float64, side by side.

Runs benchmarks/tensor_worker.py twice: single-threaded (PyTorch set to 1 thread and NumPy's BLAS limited to 1
through the environment, before either is imported) and at each library's default thread count. Within a run the
two engines alternate step by step on the same data, weights and minibatches. Prints per-step medians and the
ratio ours / PyTorch (below 1.0: we are faster).

    python benchmarks/tensor_vs_torch.py [--rounds 5] [--steps 600]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

WORKER = Path(__file__).resolve().parent / "tensor_worker.py"
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def run(threads: int, rounds: int, steps: int) -> dict:
    env = {**os.environ, **(ONE_THREAD if threads == 1 else {})}
    cmd = [sys.executable, str(WORKER), "--threads", str(threads), "--rounds", str(rounds), "--steps", str(steps)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="W1: runs of the 100-step demo (default 5)")
    parser.add_argument("--steps", type=int, default=600, help="W2: Adam steps on digits (default 600)")
    args = parser.parse_args()
    print(f"{'workload':<36} {'threads':>11} {'ours':>10} {'PyTorch':>10} {'ours/PyTorch':>13}  loss curves agree to")
    for threads, label in ((1, "1"), (0, "default")):
        result = run(threads, args.rounds, args.steps)
        for work, name in (("w1", "W1 moons demo, batch 100"), ("w2", "W2 digits MLP(64,[64,10]), batch 64")):
            r = result[work]
            ours, theirs = r["median_step_us"]["ours"], r["median_step_us"]["torch"]
            shown = label if threads == 1 else f"{label} ({result['torch_threads']})"
            print(
                f"{name:<36} {shown:>11} {ours:>8.0f}us {theirs:>8.0f}us {ours / theirs:>12.2f}x"
                f"  {r['max_relative_loss_difference']:.1e}"
            )
        acc = result["w2"]["test_accuracy"]
        print(f"{'':<36} W2 held-out accuracy: ours {acc[0]:.1%}, PyTorch {acc[1]:.1%}")


if __name__ == "__main__":
    main()
