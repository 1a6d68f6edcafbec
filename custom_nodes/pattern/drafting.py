"""Drafting helpers: build panels from corner lists, mirror them, look edges up by label.

Pattern-space convention (shared with :mod:`placement`): ``v`` (y) runs up the body or up the arm,
``u`` (x) runs to the right of someone looking at the panel's outside, outlines counter-clockwise.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core.errors import InvalidInputError
from ..core.pattern import Edge, Panel, Seam, SeamSide

LINE = ("line",)


def loop_panel(name: str, corners, specs, labels, **hints) -> Panel:
    """Panel whose edge i runs from ``corners[i]`` to ``corners[i + 1]`` (closing back to the first).

    ``specs[i]``: ``("line",)``, ``("quadratic", c)`` or ``("cubic", c1, c2)`` with absolute controls [m].
    """
    n = len(corners)
    edges = []
    for i, (spec, label) in enumerate(zip(specs, labels, strict=True)):
        ctrl = np.array(spec[1:], np.float64).reshape(-1, 2)
        edges.append(Edge(i, (i + 1) % n, spec[0], ctrl, label=label))
    return Panel(name, np.array(corners, np.float64), tuple(edges), **hints)


def rotate_quarter(panel: Panel) -> Panel:
    """The panel turned a quarter turn counter-clockwise in its own plane, (u, v) -> (-v, u): the same piece of
    cloth (lengths, winding and grain kept), drawn the other way up."""
    turn = np.array([[0.0, 1.0], [-1.0, 0.0]])  # row vectors: p @ turn = (-p_v, p_u)
    edges = tuple(replace(e, controls=e.controls.astype(np.float64) @ turn) for e in panel.edges)
    lines = tuple(np.asarray(line, np.float64) @ turn for line in panel.internal_lines)
    return replace(panel, vertices=panel.vertices.astype(np.float64) @ turn, edges=edges, internal_lines=lines,
                   grain=panel.grain.astype(np.float64) @ turn)


def mirror(panel: Panel, name: str, lateral: str, relabel: dict[str, str] | None = None) -> Panel:
    """Mirror image (u → −u) kept counter-clockwise: edge i becomes edge n − 1 − i, walked backwards.

    ``relabel`` renames labels (``{"side_left": "side_right"}``); unnamed ones keep their label.
    """
    relabel = relabel or {}
    flip = np.array([-1.0, 1.0])
    edges = []
    for e in reversed(panel.edges):
        ctrl = e.controls[::-1] * flip
        edges.append(Edge(e.end, e.start, e.kind, ctrl, relabel.get(e.label, e.label),
                          tuple(1.0 - t for t in e.notches)))
    return replace(panel, name=name, vertices=panel.vertices * flip, edges=tuple(edges), lateral=lateral,
                   grain=panel.grain * flip)


def edge_index(panel: Panel, label: str) -> int:
    for i, e in enumerate(panel.edges):
        if e.label == label:
            return i
    raise InvalidInputError(f"no edge labelled {label!r}", field=f"Panel '{panel.name}'.edges")


def seam(pa: Panel, la: str | tuple[str, ...], pb: Panel, lb: str | tuple[str, ...], label: str,
         reverse: bool = True) -> Seam:
    """Seam between labelled edge runs; ``reverse`` (the usual case for two panels seen from outside)."""
    la = (la,) if isinstance(la, str) else la
    lb = (lb,) if isinstance(lb, str) else lb
    a = SeamSide(pa.name, tuple(edge_index(pa, x) for x in la))
    b = SeamSide(pb.name, tuple(edge_index(pb, x) for x in lb), reverse=reverse)
    return Seam(a, b, label)


def swap_sides(labels: list[str]) -> dict[str, str]:
    """Relabel map exchanging ``_left`` and ``_right`` suffixes."""
    out = {}
    for lab in labels:
        if lab.endswith("_left"):
            out[lab] = lab[:-5] + "_right"
        elif lab.endswith("_right"):
            out[lab] = lab[:-6] + "_left"
    return out


def hints_from_name(name: str) -> dict:
    """Placement hints guessed from a piece name (``sleeve_left``, ``back``, ``hood_right``, ``front_leg``)."""
    n = name.lower()
    lateral = "left" if "left" in n else "right" if "right" in n else "center"
    if "sleeve" in n or "cuff" in n:
        return {"body_part": "arm_right" if lateral == "right" else "arm_left", "facing": "side",
                "lateral": "right" if lateral == "right" else "left"}
    if "hood" in n:
        return {"body_part": "head", "facing": "side", "lateral": "right" if lateral == "right" else "left"}
    facing = "back" if "back" in n else "front"
    if "leg" in n or "trouser" in n or "pant" in n:
        return {"body_part": "leg_right" if lateral == "right" else "leg_left", "facing": facing,
                "lateral": "right" if lateral == "right" else "left"}
    return {"body_part": "torso", "facing": facing, "lateral": lateral}
