"""Every Python example in the README and on the documentation site runs on its own and prints what the text shows.

A ```python block is either a doctest (it contains `>>>`: run with `python -m doctest`), or a script followed at once
by a ```text block holding what it prints (compared as doctest compares: `...` matches anything, runs of blank
space are equal). A python block with neither is a defect: the reader cannot see what it does. Each block runs in a
fresh interpreter, in an empty folder, with nothing from the blocks before it.
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\S*)\s*$")


@dataclass
class Example:
    page: Path
    line: int
    code: str
    output: str | None  # the ```text block right after it, if any

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def fenced_blocks(text: str) -> list[tuple[str, int, int, str]]:
    """(language, first line, last line, body) of each fenced block, lines counted from 1."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match:
            end = i + 1
            while end < len(lines) and lines[end].rstrip() != "```":
                end += 1
            blocks.append((match.group(1), i + 1, end + 1, "\n".join(lines[i + 1 : end]) + "\n"))
            i = end
        i += 1
    return blocks


def examples(page: Path) -> list[Example]:
    text = page.read_text(encoding="utf-8")
    lines = text.splitlines()
    blocks = fenced_blocks(text)
    found = []
    for k, (lang, first, last, body) in enumerate(blocks):
        if lang != "python":
            continue
        output = None
        if k + 1 < len(blocks):
            next_lang, next_first, _, next_body = blocks[k + 1]
            between = lines[last : next_first - 1]
            if next_lang == "text" and not any(line.strip() for line in between):
                output = next_body
        found.append(Example(page, first, body, output))
    return found


ALL = [example for page in PAGES for example in examples(page)]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore::RuntimeWarning"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_pages_have_examples():
    assert len(ALL) >= 15, [e.name for e in ALL]
    assert any(e.page.name == "README.md" for e in ALL)


@pytest.mark.parametrize("example", ALL, ids=lambda e: e.name)
def test_example_runs_and_prints_what_the_page_shows(example: Example, tmp_path: Path):
    if ">>>" in example.code:
        (tmp_path / "example.txt").write_text(example.code)
        done = run(
            [sys.executable, "-m", "doctest", "-o", "ELLIPSIS", "-o", "NORMALIZE_WHITESPACE", "example.txt"], tmp_path
        )
        assert done.returncode == 0, f"{example.name}: the doctest fails:\n{done.stdout}{done.stderr}"
        return
    assert example.output is not None, (
        f"{example.name}: a python block must be a doctest or be followed by a ```text block of what it prints"
    )
    (tmp_path / "example.py").write_text(example.code)
    done = run([sys.executable, "example.py"], tmp_path)
    assert done.returncode == 0, f"{example.name}: the example fails:\n{done.stderr}"
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    assert checker.check_output(example.output, done.stdout, flags), (
        f"{example.name}: it prints\n{done.stdout}\nbut the page shows\n{example.output}"
    )


def test_a_wrong_output_is_caught(tmp_path: Path):
    """The comparison can fail: a block whose shown output is wrong is reported."""
    page = tmp_path / "page.md"
    page.write_text("```python\nprint(1 + 1)\n```\n\n```text\n3\n```\n")
    (example,) = examples(page)
    assert example.output == "3\n"
    done = run([sys.executable, "-c", example.code], tmp_path)
    assert not doctest.OutputChecker().check_output(example.output, done.stdout, doctest.ELLIPSIS)
