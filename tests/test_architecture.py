"""The package's shape: no import cycles, the core below everything else, ops that mean one thing whatever was
imported before, and every built-in op able to run on whole arrays."""

from __future__ import annotations

import ast
import inspect
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from micrograd import ops

PACKAGE = Path(__file__).resolve().parent.parent / "micrograd"
CORE = {"micrograd.errors", "micrograd.ops", "micrograd.autodiff", "micrograd.engine"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The micrograd modules ``name`` imports when it runs: at the top or inside functions (not the names only
    a type checker reads, under ``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], *filter(None, [base])]
                )
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, or None (an iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            for nxt in stack[-1]:
                if state.get(nxt) == 1:
                    return [*path[path.index(nxt) :], nxt]
                if nxt not in state:
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append(iter(sorted(graph[nxt])))
                    break
            else:
                state[path.pop()] = 2
                stack.pop()
    return None


def test_there_are_no_import_cycles_counting_imports_inside_functions() -> None:
    graph = _graph()
    assert graph.get("micrograd.engine")  # the scan sees imports
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph) or [])}"


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


def test_the_core_imports_only_the_core() -> None:
    graph = _graph()
    for name in CORE:
        assert graph[name] <= CORE, f"{name} imports {sorted(graph[name] - CORE)}"
    assert graph["micrograd.ops"] == set()  # the maths needs nothing else


def test_an_op_on_an_array_is_the_same_whatever_was_imported_before() -> None:
    code = (
        "import numpy as np, sys\n"
        "from micrograd import ops\n"
        "before = ops.RELU(np.array([-1.0, 2.0, float('nan')])).tolist(), ops.EXP(np.array([0.0, 1.0])).tolist()\n"
        "assert 'micrograd.tensor' not in sys.modules\n"
        "import micrograd.tensor\n"
        "after = ops.RELU(np.array([-1.0, 2.0, float('nan')])).tolist(), ops.EXP(np.array([0.0, 1.0])).tolist()\n"
        "print(repr(before) == repr(after), before)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("True ([0.0, 2.0, nan], [1.0, 2.718281828459045])"), out


BUILTIN_OPS = [op for op in vars(ops).values() if isinstance(op, ops.Op) and type(op).__module__ == ops.__name__] + [
    ops.PowConst(2.5),
    ops.PowConst(-1.0),
    ops.ConstPow(3.0),
]


@pytest.mark.parametrize("op", BUILTIN_OPS, ids=lambda op: op.name)
def test_every_built_in_op_runs_on_whole_arrays_as_on_each_number(op: ops.Op) -> None:
    """Forgetting an op's array forward cannot pass silently: its forward_array must give what forward gives."""
    n = len(inspect.signature(type(op).forward).parameters) - 1
    if any(p.kind is p.VAR_POSITIONAL for p in inspect.signature(type(op).forward).parameters.values()):
        n = 5 if isinstance(op, ops.WeightedSum) else 3
    rng = np.random.default_rng(len(op.name))
    columns = [rng.uniform(0.1, 3.0, size=50) for _ in range(n)]
    columns[0][:3] = [0.5, 1.0, 2.0]
    with np.errstate(all="ignore"):
        got = op.forward_array(*columns)
    expected = [op.forward(*(float(c[i]) for c in columns)) for i in range(50)]
    assert isinstance(got, np.ndarray) and got.shape == (50,)
    np.testing.assert_allclose(got, expected, rtol=4 * np.finfo(float).eps)
    assert not math.isnan(sum(expected))  # the points are in every op's domain


def test_the_readme_states_the_size_of_the_core_truly() -> None:
    """The README says the engine is three files of about 1,000 lines: hold it to that (within 15 %)."""
    readme = (PACKAGE.parent / "README.md").read_text()
    assert "three files, about 1,000 lines" in readme
    lines = sum(len((PACKAGE / name).read_text().splitlines()) for name in ("engine.py", "ops.py", "autodiff.py"))
    assert 850 <= lines <= 1150, f"the core is {lines} lines: update the README's 'Read the engine'"


def test_a_subclass_that_writes_its_own_forward_never_runs_its_parents_array_forward() -> None:
    from micrograd.tensor import Tensor

    class Doubled(ops.Exp):  # a custom op: 2 e^x, with math (numbers only)
        name = "2exp"

        def forward(self, x):
            return 2 * math.exp(x)

    op = Doubled()
    assert not op.builtin and ops.Exp.builtin
    t = op(Tensor([0.0, 1.0]))  # element by element with its own forward, not NumPy's exp of the parent
    np.testing.assert_array_equal(t.data, [2.0, 2 * math.e])
