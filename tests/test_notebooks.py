"""The companion notebooks in examples/: each runs top to bottom in a real Jupyter kernel, without system Graphviz.

Every notebook asserts the lecture's numbers in its own cells, so a drift fails here. The kernel is this test
run's Python (a kernelspec written to a temporary JUPYTER_PATH), started with a PATH that holds no 'dot' program,
so the inline graphs prove that draw_dot displays without the Graphviz system package.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.svgtext import svg_texts
from tests.viz.test_render import path_without_dot

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def kernel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "micrograd-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "micrograd", "language": "python"}))
    return root


def test_there_is_a_notebook_for_every_chapter_with_code_and_the_readme_lists_them() -> None:
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(1, 16)]
    listed = re.findall(r"\(examples/(\d\d_\w+\.ipynb)\)", README.read_text())
    assert listed == [p.name for p in NOTEBOOKS]


def test_notebooks_are_stored_without_outputs() -> None:
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(not c.outputs and c.execution_count is None for c in code), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, kernel_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_path))
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "PATH": path_without_dot(), "MPLBACKEND": "Agg"}
    env.pop("MICROGRAD_GRAPHVIZ", None)
    client = NotebookClient(
        nb, timeout=600, kernel_name="micrograd-test", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env=env)  # raises CellExecutionError, with the cell and traceback, if any cell fails

    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    graphs = [
        o["data"]["image/svg+xml"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/svg+xml" in o.get("data", {})
    ]
    drawn = sum(src.rstrip().splitlines()[-1].startswith(("draw_dot(", "graph")) for src in sources)
    assert drawn >= 1 or "draw_dot" not in "".join(sources)
    assert len(graphs) == drawn  # every cell that ends in a drawing displayed it inline, as SVG
    for svg in graphs:
        assert any(t.startswith("data ") for t in svg_texts(svg))
