"""The package as a user gets it: a built wheel, installed into a clean virtual environment away from the source
tree, runs the main job; its name and extras are the ones the README and error messages tell people to install."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
import tomllib

import micrograd

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def run(*cmd: str | Path, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_the_distribution_name_is_ours_and_every_install_hint_uses_it() -> None:
    name = PYPROJECT["project"]["name"]
    assert name == micrograd.DISTRIBUTION != "micrograd"  # "micrograd" on PyPI is the original
    assert PYPROJECT["project"]["version"] == micrograd.__version__
    readme = (ROOT / "README.md").read_text()
    assert f"`{name}`" in readme and "pip install ." in readme
    install = (ROOT / "docs" / "install.md").read_text()
    for extra in set(PYPROJECT["project"]["optional-dependencies"]) - {"dev"}:  # dev: for working on this repo
        assert f"pip install '.[{extra}]'" in install, f"docs/install.md does not say how to install the {extra} extra"
    sources = [p.read_text() for p in (ROOT / "micrograd").rglob("*.py")] + [readme, install]
    assert not any("micrograd[" in text for text in sources)  # the original's name with our extras: wrong package


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, ROOT, cwd=out)
    (built,) = out.glob("*.whl")
    return built


def test_the_wheel_holds_the_package_its_data_and_its_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(zf.read(meta).decode())
    assert metadata["Name"] == PYPROJECT["project"]["name"]
    assert set(metadata.get_all("Provides-Extra")) >= {"torch", "onnx"}
    assert "micrograd/py.typed" in names and "micrograd/playground/static/index.html" in names
    assert not any(n.startswith(("tests/", "examples/", "benchmarks/", "tools/")) for n in names)


def test_the_wheel_installs_into_a_clean_environment_and_trains(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)
    where = run(python, "-c", "import micrograd; print(micrograd.__file__)", cwd=tmp_path).stdout.strip()
    assert Path(where).is_relative_to(venv)  # the installed copy, not this source tree
    result = run(venv / "bin" / "micrograd", "train", "--quiet", "--out", tmp_path / "run", cwd=tmp_path)
    assert "train accuracy 100.0%" in result.stdout
    assert {p.name for p in (tmp_path / "run").iterdir()} >= {"metrics.json", "model.json"}
    # the light install: no test tools came with it
    missing = run(python, "-c", "import importlib.util as u; print(u.find_spec('torch') is None)", cwd=tmp_path)
    assert missing.stdout.strip() == "True"
