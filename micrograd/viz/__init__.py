"""Seeing the graph: draw_dot and the renderer that works without the Graphviz system package.

``draw_dot(root)`` returns a ``graphviz.Digraph`` (our subclass, ``Digraph``) that renders to SVG and shows inline in
Jupyter whether or not Graphviz's ``dot`` is installed; see ``micrograd.viz.render`` for how.
"""

from micrograd.viz.dot import draw_dot, trace
from micrograd.viz.render import Digraph, backend, render_source

__all__ = ["Digraph", "backend", "draw_dot", "render_source", "trace"]
