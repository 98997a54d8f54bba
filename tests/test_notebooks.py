"""The companion notebooks in examples/: stored executed, and still producing what they store.

Each notebook is kept with its outputs, so it reads on GitHub without running it; ``make notebooks``
(tools/refresh_notebooks.py) runs them all and writes them back. Here each one runs again, the same way
(``tools.refresh_notebooks.execute``: a Jupyter kernel on this Python, a PATH without Graphviz's ``dot`` so the
graphs come from the WebAssembly Graphviz, inline matplotlib), and every printed number and every result's text
must equal what is stored, cell by cell. Drawings need not be byte-equal, but each stored graph or plot must
still come out, as the same kind of image. Every notebook also asserts the lecture's numbers in its own cells.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tests.svgtext import svg_texts
from tools.refresh_notebooks import ROOT, execute, notebooks

NOTEBOOKS = notebooks()
NOTEBOOKS_PAGE = ROOT / "docs" / "notebooks.md"
REFRESH = "run `make notebooks` to refresh the stored outputs"
IMAGES = ("image/svg+xml", "image/png")

#: The lecture's chapters (from its video description), as in ../shared/reference/chapters.md.
CHAPTERS = (
    ("00:00:00", "intro"),
    ("00:00:25", "micrograd overview"),
    ("00:08:08", "derivative of a simple function with one input"),
    ("00:14:12", "derivative of a function with multiple inputs"),
    ("00:19:09", "starting the core Value object of micrograd and its visualization"),
    ("00:32:10", "manual backpropagation example #1: simple expression"),
    ("00:51:10", "preview of a single optimization step"),
    ("00:52:52", "manual backpropagation example #2: a neuron"),
    ("01:09:02", "implementing the backward function for each operation"),
    ("01:17:32", "implementing the backward function for a whole expression graph"),
    ("01:22:28", "fixing a backprop bug when one node is used multiple times"),
    ("01:27:05", "breaking up a tanh, exercising with more operations"),
    ("01:39:31", "doing the same thing but in PyTorch: comparison"),
    ("01:43:55", "building out a neural net library (multi-layer perceptron) in micrograd"),
    ("01:51:04", "creating a tiny dataset, writing the loss function"),
    ("01:57:56", "collecting all of the parameters of the neural net"),
    ("02:01:12", "doing gradient descent optimization manually, training the network"),
    ("02:14:03", "summary of what we learned, how to go towards modern neural nets"),
    ("02:16:46", "walkthrough of the full code of micrograd on github"),
    ("02:21:10", "real stuff: diving into PyTorch, finding their backward pass for tanh"),
    ("02:24:39", "conclusion"),
)
CHAPTERS_MD = ROOT.parent / "shared" / "reference" / "chapters.md"

#: What must never be stored, because it changes from run to run or machine to machine.
UNSTABLE = re.compile(r"0x[0-9a-fA-F]{6,}|/tmp/|\d+(\.\d+)? ?(s|ms|seconds)\b|\d\d:\d\d:\d\d\.\d")


def code_cells(nb: nbformat.NotebookNode) -> list[tuple[int, nbformat.NotebookNode]]:
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def draws(cell: nbformat.NotebookNode) -> bool:
    """Whether the cell ends in a graph drawing (its last line displays ``draw_dot(...)`` or a ``graph``)."""
    lines = cell.source.rstrip().splitlines()
    return bool(lines) and lines[-1].startswith(("draw_dot(", "graph"))


def texts(cell: nbformat.NotebookNode) -> list[str]:
    """The cell's text outputs, in order: what it printed to stdout, and its result's ``text/plain``."""
    found = []
    for o in cell.outputs:
        if o.output_type == "stream" and o.name == "stdout":
            found.append(o.text)
        elif o.output_type == "execute_result" and "text/plain" in o.data:
            found.append(o.data["text/plain"])
    return found


def images(cell: nbformat.NotebookNode) -> list[str]:
    """The image types the cell displayed (SVG graphs, PNG plots), in order."""
    return [mime for o in cell.outputs for mime in IMAGES if mime in o.get("data", {})]


def svgs(cell: nbformat.NotebookNode) -> list[str]:
    return [o.data["image/svg+xml"] for o in cell.outputs if "image/svg+xml" in o.get("data", {})]


def graph_shows_data(svg: str) -> bool:
    return any(t.startswith("data ") for t in svg_texts(svg))


def test_there_is_a_notebook_for_every_chapter_with_code_and_the_docs_list_them() -> None:
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(1, 16)]
    listed = re.findall(r"\(\.\./examples/(\d\d_\w+\.ipynb)\)", NOTEBOOKS_PAGE.read_text())
    assert listed == [p.name for p in NOTEBOOKS]


def test_the_chapter_list_here_is_the_lectures() -> None:
    """The copy above is what the notebooks are checked against; compare it with the reference when it is there."""
    if not CHAPTERS_MD.exists():
        pytest.skip(f"{CHAPTERS_MD} is not beside this clone")
    listed = re.findall(r"^(\d\d:\d\d:\d\d) (.+?)\s*$", CHAPTERS_MD.read_text(), flags=re.MULTILINE)
    assert tuple(listed) == CHAPTERS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_names_its_lecture_chapter_and_timestamp(path: Path) -> None:
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), path.name
    named = re.findall(r"\*([^*\n]+)\* \((\d\d:\d\d:\d\d)\)", first.source)
    assert "Lecture chapter" in first.source and named, f"{path.name}: the first cell names no lecture chapter"
    for title, timestamp in named:
        assert (timestamp, title) in CHAPTERS, f"{path.name}: no lecture chapter {title!r} at {timestamp}"


def test_notebooks_are_stored_executed_with_their_drawings() -> None:
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        cells = code_cells(nb)
        assert cells, path.name
        counts = [c.execution_count for _, c in cells]
        assert counts == list(range(1, len(cells) + 1)), f"{path.name}: not stored executed top to bottom; {REFRESH}"
        for i, cell in cells:
            where = f"{path.name}, cell {i}"
            assert "execution" not in cell.metadata, f"{where}: timings are stored; {REFRESH}"
            assert all(o.output_type != "error" for o in cell.outputs), f"{where}: stored with an error"
            if draws(cell):
                graphs = svgs(cell)
                assert graphs, f"{where} ends in a drawing but stores no SVG; {REFRESH}"
                assert all(graph_shows_data(svg) for svg in graphs), f"{where}: a stored graph shows no data"
            for text in texts(cell):
                unstable = UNSTABLE.search(text)
                assert unstable is None, (
                    f"{where} stores output that changes between runs (an address, a temporary path or a timing): "
                    f"{unstable.group()!r} in {text!r}; change the cell so that it prints none"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_gives_what_it_stores(path: Path) -> None:
    stored = nbformat.read(path, as_version=4)
    new = execute(path)  # raises CellExecutionError, with the cell and traceback, if any cell fails

    old_cells, new_cells = code_cells(stored), code_cells(new)
    assert [c.source for _, c in old_cells] == [c.source for _, c in new_cells]
    for (i, old), (_, now) in zip(old_cells, new_cells):
        where = f"{path.name}, cell {i} ({old.source.strip().splitlines()[0]!r})"
        assert texts(now) == texts(old), (
            f"{where}: the stored text output is no longer what the cell gives\n"
            f"stored: {texts(old)!r}\nnew:    {texts(now)!r}\n{REFRESH}"
        )
        assert images(now) == images(old), (
            f"{where}: stored images {images(old)} but the cell now displays {images(now)}; {REFRESH}"
        )
        if draws(old):  # every cell that ends in a drawing displays it inline, as SVG, without system Graphviz
            assert svgs(now) and all(graph_shows_data(svg) for svg in svgs(now)), where
    drawn = sum(draws(c) for _, c in new_cells)
    assert drawn >= 1 or "draw_dot" not in "".join(c.source for _, c in new_cells)
