"""Run the companion notebooks in examples/ and store them executed, with their outputs: ``make notebooks``.

How a notebook is run lives here only, and both ``make notebooks`` (which writes the results back) and
tests/test_notebooks.py (which runs each notebook again and compares it with what is stored) use ``execute``:

- the kernel is this very Python (the venv's), from a kernelspec in a temporary folder, so whatever kernels a
  machine has installed play no part;
- PATH leaves out every folder that holds Graphviz's ``dot``, so graphs come from the WebAssembly Graphviz and the
  stored SVG is the same on every machine;
- MPLBACKEND is matplotlib-inline's, so ``plt.show()`` stores a PNG (an inherited ``Agg`` would store nothing);
- PYTHONHASHSEED is fixed and the notebooks seed ``random`` themselves; no timings are recorded, streams are
  merged into one output per stream, and the notebook's own metadata is kept (not the running Python's version);
- the kernel runs in a temporary folder, so nothing a notebook writes is left behind.

Usage: ``python tools/refresh_notebooks.py [NOTEBOOK ...]`` (default: every examples/NN_*.ipynb).
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
KERNEL_NAME = "micrograd-notebooks"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
TIMEOUT = 600  # seconds per cell

#: ``<micrograd.viz.render.Digraph at 0x7f3a...>``: IPython's plain-text fallback for a displayed object.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


def notebooks() -> list[Path]:
    """The companion notebooks, in chapter order."""
    return sorted(EXAMPLES.glob("[0-9][0-9]_*.ipynb"))


def path_without_dot(path: str | None = None) -> str:
    """``path`` (default: this PATH) with every folder that holds a ``dot`` program left out."""
    dirs = (os.environ.get("PATH", "") if path is None else path).split(os.pathsep)
    return os.pathsep.join(d for d in dirs if d and not os.path.exists(os.path.join(d, "dot")))


def kernel_env() -> dict[str, str]:
    """The kernel's environment: this one, without system Graphviz, with inline plots and a fixed hash seed."""
    env = {**os.environ, "PATH": path_without_dot(), "MPLBACKEND": INLINE_BACKEND, "PYTHONHASHSEED": "0"}
    env.pop("MICROGRAD_GRAPHVIZ", None)  # auto: with no 'dot' on PATH, that is the WebAssembly Graphviz
    return env


def execute(path: str | Path, timeout: int = TIMEOUT) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` from a clean state and return it with its outputs (the file is not written).

    Raises ``nbclient.exceptions.CellExecutionError`` (naming the cell, with its traceback) if a cell fails.
    """
    nb = nbformat.read(path, as_version=4)
    metadata = copy.deepcopy(nb.metadata)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    with tempfile.TemporaryDirectory(prefix="micrograd-notebook-") as tmp:
        kernels = Path(tmp) / "kernels"
        spec = kernels / KERNEL_NAME
        spec.mkdir(parents=True)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "micrograd", "language": "python"}))
        workdir = Path(tmp) / "cwd"
        workdir.mkdir()
        km = AsyncKernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]),
            transport="ipc",  # local sockets in the temporary folder, rather than open TCP ports
            ip=str(Path(tmp) / "ipc"),
        )
        client = NotebookClient(
            nb,
            km=km,
            timeout=timeout,
            record_timing=False,
            coalesce_streams=True,
            resources={"metadata": {"path": str(workdir)}},
        )
        client.execute(env=kernel_env(), cleanup_kc=True)
    nb.metadata = metadata  # the kernel reported its exact Python version; keep the notebook's own metadata
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/plain" in data:
                data["text/plain"] = _ADDRESS.sub(">", data["text/plain"])
    return nb


def refresh(path: str | Path) -> nbformat.NotebookNode:
    """Execute the notebook at ``path`` and write it back with its outputs."""
    nb = execute(path)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return nb


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)] or notebooks()
    for path in paths:
        print(f"executing {path.name}", flush=True)
        refresh(path)
    total = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} notebooks written, {total / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
