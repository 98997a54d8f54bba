"""Rendering without the Graphviz system package (WebAssembly Graphviz), and with it where it is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import graphviz
import pytest

from micrograd import draw_dot
from micrograd.lecture import neuron
from micrograd.viz import backend
from micrograd.viz.render import ENV_VAR
from tests.svgtext import neuron_numbers_shown, svg_texts
from tools.refresh_notebooks import path_without_dot

# CI installs Graphviz (see .ci/run) so that the system path is tested there, not skipped.
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"), reason="the Graphviz system package is not installed"
)


@pytest.fixture
def wasm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "wasm")


def test_the_wasm_renderer_draws_svg_in_process(wasm: None) -> None:
    assert backend() == "wasm"
    svg = draw_dot(neuron()[0]).pipe(encoding="utf-8")
    assert neuron_numbers_shown(svg_texts(svg))


def test_render_writes_the_source_and_the_svg_beside_it(
    wasm: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # nothing may be written where the user happens to be
    dot = draw_dot(neuron()[0])
    written = dot.render(tmp_path / "gout")
    assert written == str(tmp_path / "gout.svg")
    assert (tmp_path / "gout").read_text() == dot.source
    assert neuron_numbers_shown(svg_texts((tmp_path / "gout.svg").read_bytes()))
    out = dot.render(outfile=tmp_path / "sub" / "n.svg", cleanup=True)
    assert out == str(tmp_path / "sub" / "n.svg") and svg_texts(Path(out).read_bytes())
    assert not (tmp_path / "sub" / "n.gv").exists()  # cleanup removed the source
    with pytest.raises(graphviz.FileExistsError):
        dot.render(outfile=tmp_path / "sub" / "n.svg", raise_if_result_exists=True)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["cwd", "gout", "gout.svg", "n.svg", "sub"]  # no temp files


def test_jupyter_display_goes_through_the_wasm_renderer(wasm: None) -> None:
    bundle = draw_dot(neuron()[0])._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert neuron_numbers_shown(svg_texts(bundle["image/svg+xml"]))


def test_formats_the_wasm_build_cannot_write_are_a_clear_error(wasm: None, tmp_path: Path) -> None:
    dot = draw_dot(neuron()[0])
    with pytest.raises(ValueError, match=r"format 'png' needs the Graphviz system package.*use format='svg'"):
        dot.pipe(format="png")
    with pytest.raises(ValueError, match="format 'pdf'"):
        dot.render(tmp_path / "g", format="pdf")
    assert list(tmp_path.iterdir()) == []  # nothing half-written
    assert dot.pipe(format="dot").startswith(b"digraph")


def test_a_malformed_graph_is_a_value_error(wasm: None) -> None:
    bad = draw_dot(neuron()[0])
    bad.body.append("  v0 -> -> v1\n")
    with pytest.raises(ValueError, match=r"Graphviz \(dot, WebAssembly\) could not draw this graph"):
        bad.pipe()


def test_the_renderer_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "gpu")
    with pytest.raises(ValueError, match=r"MICROGRAD_GRAPHVIZ='gpu' is not a renderer"):
        backend()
    monkeypatch.setenv(ENV_VAR, "system")
    monkeypatch.setenv("PATH", path_without_dot())
    with pytest.raises(RuntimeError, match="'dot' is not on PATH"):
        backend()
    monkeypatch.setenv(ENV_VAR, "auto")
    assert backend() == "wasm"


def test_micrograd_graph_works_where_dot_is_not_installed(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": path_without_dot()}
    env.pop(ENV_VAR, None)
    code = "import shutil; from micrograd.viz import backend; print(shutil.which('dot'), backend())"
    probe = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.split() == ["None", "wasm"]
    cmd = [sys.executable, "-m", "micrograd.cli", "graph", "--example", "neuron", "--out", "g.svg"]
    result = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert neuron_numbers_shown(svg_texts((tmp_path / "g.svg").read_bytes()))


@needs_dot
def test_the_system_dot_is_used_where_installed_and_draws_the_same_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert backend() == "system"
    dot = draw_dot(neuron()[0])
    system_svg = dot.pipe(encoding="utf-8")
    png = dot.render(tmp_path / "g", format="png")  # the system package writes PNG too
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setenv(ENV_VAR, "wasm")
    assert svg_texts(system_svg) == svg_texts(dot.pipe(encoding="utf-8"))
    assert neuron_numbers_shown(svg_texts(system_svg))


def test_the_readme_pictures_are_what_micrograd_graph_draws_now(tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs"
    for name, args in {"neuron": [], "readme": ["--highlight", "2"]}.items():
        cmd = [sys.executable, "-m", "micrograd.cli", "graph", "--example", name, "--out", "g.svg", *args]
        subprocess.run(cmd, cwd=tmp_path, check=True, capture_output=True)
        assert svg_texts((docs / f"{name}.svg").read_bytes()) == svg_texts((tmp_path / "g.svg").read_bytes())
    assert neuron_numbers_shown(svg_texts((docs / "neuron.svg").read_bytes()))
