"""Reading what an SVG drawn by Graphviz says: its text elements, in document order."""

from __future__ import annotations

import xml.etree.ElementTree as ET

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: str | bytes) -> list[str]:
    """Every <text> element's content (the SVG must parse as XML)."""
    root = ET.fromstring(svg.encode() if isinstance(svg, str) else svg)
    assert root.tag == SVG_NS + "svg"
    return [t.text or "" for t in root.iter(SVG_NS + "text")]


def neuron_numbers_shown(texts: list[str]) -> bool:
    """Whether the lecture's neuron numbers are on the page: o = 0.7071, grads x1 -1.5, w1 1.0, x2 0.5, w2 0.0."""
    records = {}
    for i, t in enumerate(texts):
        if t in ("x1", "x2", "w1", "w2", "o"):
            records[t] = (texts[i + 1], texts[i + 2])
    return records == {
        "o": ("data 0.7071", "grad 1.0000"),
        "x1": ("data 2.0000", "grad -1.5000"),
        "w1": ("data -3.0000", "grad 1.0000"),
        "x2": ("data 0.0000", "grad 0.5000"),
        "w2": ("data 1.0000", "grad 0.0000"),
    }
