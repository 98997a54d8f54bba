"""Issue 19's benchmark: a training step (forward, backward, update) of W1 and W2, five ways, side by side.

Contenders, all float64, from the same initial weights, on the same data and minibatches:

- ``eager``: our Tensor engine, ``loss = f(X, y); opt.zero_grad(); loss.backward(); opt.step()``;
- ``compiled``: the same with ``step = micrograd.compile(f)``;
- ``fused``: ``step = micrograd.compile(f, optimizer=opt)``, whose call is the whole step (``loss = step(X, y)``);
- ``jax``: JAX ``jit`` of the whole step (loss, gradient and update), CPU, float64 enabled;
- ``numpy``: the step written by hand in NumPy (forward, derivatives, update): the floor;
- ``torch``: PyTorch, one thread.

One process, one thread each (OMP/OpenBLAS/MKL/XLA limited to one before anything is imported): the contenders
take turns step by step, in an order that rotates, so the noise of a shared machine falls on all alike. Reported:
the median time per step after warm-up, the spread (10th-90th percentile), the ratio to JAX, and how far apart the
loss curves are (compiled vs eager must be identical; compiled vs JAX within 1e-9 relative is the issue's target).

JAX lives in the benchmark's own virtual environment, never in the package's dependencies: ``benchmarks/.venv-jax``
(git-ignored), made on first use with ``pip install jax==0.10.2 jaxlib==0.10.2`` for the Python running this script;
its site-packages are appended to ``sys.path`` (NumPy comes from this environment: the versions must agree).

    python benchmarks/tensor_vs_jax.py [--rounds 5] [--steps 300] [--json out.json]
"""

from __future__ import annotations

import os
import sys

ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "JAX_PLATFORMS": "cpu",
}
if any(os.environ.get(k) != v for k, v in ONE_THREAD.items()):  # before NumPy, PyTorch or JAX is imported
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **ONE_THREAD})

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

VENV = Path(__file__).resolve().parent / ".venv-jax"
JAX = ["jax==0.10.2", "jaxlib==0.10.2"]


def jax_module() -> Any:
    """JAX from the benchmark's own environment (made on first use), float64 enabled."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *JAX], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    sys.path.append(str(VENV / "lib" / version / "site-packages"))
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


# ------------------------------------------------------------------------------------------------ W1


def w1_contenders(jax: Any, torch: Any) -> tuple[dict[str, Callable[[int], float]], Callable[[int], None]]:
    """The moons demo: MLP(2, [16, 16, 1]), hinge + 1e-4 L2, SGD with lr 1.0 -> 0.1 over 100 full-batch steps.
    Returns one step function per contender (step index -> loss) and a reset for a new round."""
    import micrograd
    from micrograd import data as datasets
    from micrograd.optim import SGD, linear_decay
    from micrograd.tensor import functional as F
    from micrograd.tensor import nn as tnn

    jnp = jax.numpy
    d = datasets.load("moons", 100, 0.1, 1337, 0.0, 2)
    X = np.asarray(d.X_train, dtype=np.float64)
    ypm = np.where(np.asarray(d.y_train) == 1, 1.0, -1.0)
    y = ypm  # an array: hinge's labels are an operand of its product, which the compiled function replays
    schedule = linear_decay(1.0, 0.1, 100)
    state: dict[str, Any] = {}

    def loss_of(model: Any) -> Callable[..., Any]:
        return lambda X, y: F.hinge(model(X).reshape(-1), y) + F.l2(model.parameters(), 1e-4)

    @jax.jit
    def jax_step(params: Any, X: Any, y: Any, lr: Any) -> Any:
        def loss(params: Any) -> Any:
            h = X
            for i, (w, b) in enumerate(params):
                h = h @ w + b
                if i < len(params) - 1:
                    h = jnp.where(h <= 0, 0.0, h)
            data_loss = jnp.mean(jnp.where(1 - y * h.reshape(-1) <= 0, 0.0, 1 - y * h.reshape(-1)))
            return data_loss + 1e-4 * sum((p * p).sum() for layer in params for p in layer)

        value, grads = jax.value_and_grad(loss)(params)
        return [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(params, grads)], value

    def reset(_: int) -> None:
        random.seed(1337)
        state["eager"] = eager = tnn.MLP(2, [16, 16, 1])
        random.seed(1337)
        state["compiled"] = compiled = tnn.MLP(2, [16, 16, 1])
        state["f"], state["step"] = loss_of(eager), micrograd.compile(loss_of(compiled))
        state["opt"], state["copt"] = SGD(eager.parameters(), lr=schedule), SGD(compiled.parameters(), lr=schedule)
        random.seed(1337)
        fused = tnn.MLP(2, [16, 16, 1])
        state["fused"] = micrograd.compile(loss_of(fused), optimizer=SGD(fused.parameters(), lr=schedule))
        weights = [(layer.w.data.copy(), layer.b.data.copy()) for layer in eager.layers]
        state["np"] = [(w.copy(), b.copy()) for w, b in weights]
        state["jax"] = [(jnp.asarray(w), jnp.asarray(b)) for w, b in weights]
        net = torch.nn.Sequential(
            torch.nn.Linear(2, 16, dtype=torch.float64), torch.nn.ReLU(),
            torch.nn.Linear(16, 16, dtype=torch.float64), torch.nn.ReLU(),
            torch.nn.Linear(16, 1, dtype=torch.float64),
        )  # fmt: skip
        with torch.no_grad():
            for linear, (w, b) in zip(net[::2], weights):
                linear.weight.copy_(torch.tensor(w.T))
                linear.bias.copy_(torch.tensor(b))
        state["torch"], state["topt"] = net, torch.optim.SGD(net.parameters(), lr=1.0)

    def eager(k: int) -> float:
        loss = state["f"](X, y)
        state["opt"].zero_grad()
        loss.backward()
        state["opt"].step()
        return loss.item()

    def compiled(k: int) -> float:
        loss = state["step"](X, y)
        state["copt"].zero_grad()
        loss.backward()
        state["copt"].step()
        return loss.item()

    def fused(k: int) -> float:
        return state["fused"](X, y).item()

    def jax_(k: int) -> float:
        state["jax"], value = jax_step(state["jax"], X, ypm, schedule(k))
        jax.block_until_ready(state["jax"])
        return float(value)

    def numpy_(k: int) -> float:
        (w1, b1), (w2, b2), (w3, b3) = params = state["np"]
        n = len(X)
        z1 = X @ w1 + b1
        h1 = np.maximum(z1, 0.0)
        z2 = h1 @ w2 + b2
        h2 = np.maximum(z2, 0.0)
        s = (h2 @ w3 + b3).reshape(-1)
        margin = 1 - ypm * s
        loss = np.maximum(margin, 0.0).mean() + 1e-4 * sum((p * p).sum() for layer in params for p in layer)
        dz3 = (-(ypm * (margin > 0)) / n).reshape(-1, 1)
        dh2 = dz3 @ w3.T
        dz2 = dh2 * (z2 > 0)
        dz1 = (dz2 @ w2.T) * (z1 > 0)
        lr = schedule(k)
        for (w, b), h, dz in zip(params, (X, h1, h2), (dz1, dz2, dz3)):
            w -= lr * (h.T @ dz + 2e-4 * w)
            b -= lr * (dz.sum(axis=0) + 2e-4 * b)
        return float(loss)

    tX, ty = torch.tensor(X), torch.tensor(ypm)

    def torch_(k: int) -> float:
        net, opt = state["torch"], state["topt"]
        for group in opt.param_groups:
            group["lr"] = schedule(k)
        loss = torch.relu(1 - ty * net(tX).reshape(-1)).mean() + 1e-4 * sum((p * p).sum() for p in net.parameters())
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    contenders = {"eager": eager, "compiled": compiled, "fused": fused, "jax": jax_, "numpy": numpy_, "torch": torch_}
    return contenders, reset


# ------------------------------------------------------------------------------------------------ W2


def w2_contenders(jax: Any, torch: Any) -> tuple[dict[str, Callable[[int], float]], Callable[[int], None]]:
    """Digits: MLP(64, [64, 10]), softmax cross-entropy, Adam 0.01, minibatches of 64 (20 % held out)."""
    import micrograd
    from micrograd import data as datasets
    from micrograd.optim import Adam
    from micrograd.tensor import functional as F
    from micrograd.tensor import nn as tnn

    jnp = jax.numpy
    d = datasets.load("digits", 0, 0.0, 1337, 0.2, 10)
    X, y = np.asarray(d.X_train, dtype=np.float64), np.asarray(d.y_train)
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    state: dict[str, Any] = {}

    def loss_of(model: Any) -> Callable[..., Any]:
        return lambda xb, yb: F.softmax_cross_entropy(model(xb), yb)

    @jax.jit
    def jax_step(params: Any, m: Any, v: Any, xb: Any, yb: Any, step_size: Any, root: Any) -> Any:
        def loss(params: Any) -> Any:
            (w1, c1), (w2, c2) = params
            logits = jnp.where(xb @ w1 + c1 <= 0, 0.0, xb @ w1 + c1) @ w2 + c2
            logp = jax.nn.log_softmax(logits, axis=1)
            return -jnp.mean(logp[jnp.arange(len(yb)), yb])

        value, grads = jax.value_and_grad(loss)(params)
        m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        params = jax.tree.map(lambda p, m, v: p - step_size * m / (v**0.5 / root + eps), params, m, v)
        return params, m, v, value

    def reset(_: int) -> None:
        random.seed(1337)
        state["eager"] = eager = tnn.MLP(64, [64, 10])
        random.seed(1337)
        state["compiled"] = compiled = tnn.MLP(64, [64, 10])
        state["f"], state["step"] = loss_of(eager), micrograd.compile(loss_of(compiled))
        state["opt"], state["copt"] = Adam(eager.parameters(), lr=lr), Adam(compiled.parameters(), lr=lr)
        random.seed(1337)
        fused = tnn.MLP(64, [64, 10])
        state["fused"] = micrograd.compile(loss_of(fused), optimizer=Adam(fused.parameters(), lr=lr))
        weights = [(layer.w.data.copy(), layer.b.data.copy()) for layer in eager.layers]
        state["np"] = [[w.copy(), b.copy()] for w, b in weights]
        state["np_m"] = [[np.zeros_like(w), np.zeros_like(b)] for w, b in weights]
        state["np_v"] = [[np.zeros_like(w), np.zeros_like(b)] for w, b in weights]
        state["jax"] = [(jnp.asarray(w), jnp.asarray(b)) for w, b in weights]
        state["jax_m"] = [(jnp.zeros_like(w), jnp.zeros_like(b)) for w, b in weights]
        state["jax_v"] = [(jnp.zeros_like(w), jnp.zeros_like(b)) for w, b in weights]
        net = torch.nn.Sequential(
            torch.nn.Linear(64, 64, dtype=torch.float64), torch.nn.ReLU(), torch.nn.Linear(64, 10, dtype=torch.float64)
        )
        with torch.no_grad():
            for linear, (w, b) in zip(net[::2], weights):
                linear.weight.copy_(torch.tensor(w.T))
                linear.bias.copy_(torch.tensor(b))
        state["torch"], state["topt"] = net, torch.optim.Adam(net.parameters(), lr=lr)
        batches = datasets.minibatches(len(X), 64, 1337)
        state["batches"] = [np.asarray(next(batches)) for _ in range(state["steps"])]

    def batch(k: int) -> tuple[np.ndarray, np.ndarray]:
        idx = state["batches"][k]
        return X[idx], y[idx]

    def eager(k: int) -> float:
        loss = state["f"](*batch(k))
        state["opt"].zero_grad()
        loss.backward()
        state["opt"].step()
        return loss.item()

    def compiled(k: int) -> float:
        loss = state["step"](*batch(k))
        state["copt"].zero_grad()
        loss.backward()
        state["copt"].step()
        return loss.item()

    def fused(k: int) -> float:
        return state["fused"](*batch(k)).item()

    def corrections(k: int) -> tuple[float, float]:
        t = k + 1
        return lr / (1 - b1**t), (1 - b2**t) ** 0.5

    def jax_(k: int) -> float:
        xb, yb = batch(k)
        step_size, root = corrections(k)
        state["jax"], state["jax_m"], state["jax_v"], value = jax_step(
            state["jax"], state["jax_m"], state["jax_v"], xb, yb, step_size, root
        )
        jax.block_until_ready(state["jax"])
        return float(value)

    def numpy_(k: int) -> float:
        xb, yb = batch(k)
        (w1, c1), (w2, c2) = params = state["np"]
        z = xb @ w1 + c1
        h = np.maximum(z, 0.0)
        logits = h @ w2 + c2
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = len(yb)
        loss = -logp[np.arange(n), yb].mean()
        dlogits = np.exp(logp)
        dlogits[np.arange(n), yb] -= 1.0
        dlogits /= n
        dz = (dlogits @ w2.T) * (z > 0)
        grads = [[xb.T @ dz, dz.sum(axis=0)], [h.T @ dlogits, dlogits.sum(axis=0)]]
        step_size, root = corrections(k)
        for layer, gl, ml, vl in zip(params, grads, state["np_m"], state["np_v"]):
            for i in range(2):
                ml[i] = b1 * ml[i] + (1 - b1) * gl[i]
                vl[i] = b2 * vl[i] + (1 - b2) * gl[i] * gl[i]
                layer[i] -= step_size * ml[i] / (np.sqrt(vl[i]) / root + eps)
        return float(loss)

    tX, ty = torch.tensor(X), torch.tensor(y)

    def torch_(k: int) -> float:
        idx = state["batches"][k]
        loss = torch.nn.functional.cross_entropy(state["torch"](tX[idx]), ty[idx])
        state["topt"].zero_grad()
        loss.backward()
        state["topt"].step()
        return loss.item()

    contenders = {"eager": eager, "compiled": compiled, "fused": fused, "jax": jax_, "numpy": numpy_, "torch": torch_}
    return contenders, reset, state  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------------ running


def race(contenders: dict[str, Callable[[int], float]], reset: Callable[[int], None], rounds: int, steps: int,
         warmup: int) -> dict[str, Any]:  # fmt: skip
    """Every contender's step k, in turn (the order rotating with k), for ``rounds`` runs of ``steps`` steps."""
    names = list(contenders)
    times: dict[str, list[float]] = {n: [] for n in names}
    worst = {f"compiled vs {other}": 0.0 for other in ("eager", "fused", "jax", "numpy", "torch")}
    for r in range(rounds):
        reset(r)
        curves: dict[str, list[float]] = {n: [] for n in names}
        for k in range(steps):
            for j in range(len(names)):
                name = names[(k + j) % len(names)]
                t0 = time.perf_counter()
                curves[name].append(contenders[name](k))
                if k >= warmup:
                    times[name].append(time.perf_counter() - t0)
        ours = np.array(curves["compiled"])
        for other in ("eager", "fused", "jax", "numpy", "torch"):
            theirs = np.array(curves[other])
            worst[f"compiled vs {other}"] = max(
                worst[f"compiled vs {other}"], float(np.max(np.abs(ours - theirs) / np.abs(theirs)))
            )
    summary = {}
    for name, t in times.items():
        q = statistics.quantiles(t, n=10)
        summary[name] = {"median_us": statistics.median(t) * 1e6, "p10_us": q[0] * 1e6, "p90_us": q[-1] * 1e6}
    return {"steps": summary, "max_relative_loss_difference": worst}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="W1: runs of the 100-step demo (default 5)")
    parser.add_argument("--steps", type=int, default=300, help="W2: Adam steps (default 300)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    jax = jax_module()
    import torch

    torch.set_num_threads(1)
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.processor() or platform.platform()}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "versions": {"numpy": np.__version__, "jax": jax.__version__, "torch": torch.__version__},
    }
    contenders, reset = w1_contenders(jax, torch)
    results["W1"] = race(contenders, reset, args.rounds, 100, 10)
    contenders, reset, state = w2_contenders(jax, torch)  # type: ignore[misc]
    state["steps"] = args.steps
    results["W2"] = race(contenders, reset, 1, args.steps, 20)
    print(f"{results['machine']}; {results['date']}; {results['versions']}")
    print(f"{'workload':<6} {'contender':<10} {'median':>9} {'p10-p90':>15} {'/ jax':>6} {'/ numpy':>8}")
    for work in ("W1", "W2"):
        steps = results[work]["steps"]
        for name, s in steps.items():
            print(
                f"{work:<6} {name:<10} {s['median_us']:>7.0f}us {s['p10_us']:>6.0f}-{s['p90_us']:<6.0f}us "
                f"{s['median_us'] / steps['jax']['median_us']:>6.2f} "
                f"{s['median_us'] / steps['numpy']['median_us']:>8.2f}"
            )
        diffs = ", ".join(f"{k} {v:.1e}" for k, v in results[work]["max_relative_loss_difference"].items())
        print(f"{work:<6} loss curves, largest relative difference: {diffs}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
