"""Sewing pattern: panels as closed 2D edge loops (metres), seams pairing edge runs with a direction.

This is the exchange type between importers, templates, grading, export and triangulation. Curve
evaluation, drafting and meshing live in ``custom_nodes/pattern``; this module only holds and checks
the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .checks import array_field, one_of, positive, set_field
from .errors import InvalidInputError
from .serial import Record

EDGE_KINDS = ("line", "quadratic", "cubic", "arc")
#: Control points each curve kind carries (arc: one point the arc passes through, between its ends).
CONTROL_COUNT = {"line": 0, "quadratic": 1, "cubic": 2, "arc": 1}
BODY_PARTS = ("torso", "arm_left", "arm_right", "leg_left", "leg_right", "head", "neck", "none")
FACINGS = ("front", "back", "side", "none")
LATERAL = ("left", "right", "center")


@dataclass(frozen=True, eq=False)
class Edge(Record):
    """One outline edge from ``Panel.vertices[start]`` to ``Panel.vertices[end]``."""

    start: int
    end: int
    kind: str = "line"  # one of EDGE_KINDS
    controls: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))  # [m], (k, 2)
    label: str = ""
    notches: tuple[float, ...] = ()  # positions along the edge as fractions of its length, 0..1

    def __post_init__(self):
        one_of(self.kind, "Edge.kind", EDGE_KINDS)
        ctrl = array_field(self.controls, "Edge.controls", np.float32, (None, 2))
        if len(ctrl) != CONTROL_COUNT[self.kind]:
            raise InvalidInputError(
                f"a {self.kind} edge needs {CONTROL_COUNT[self.kind]} control points, got {len(ctrl)}",
                field="Edge.controls",
            )
        set_field(self, "controls", ctrl)
        set_field(self, "start", int(self.start))
        set_field(self, "end", int(self.end))
        notches = tuple(float(t) for t in self.notches)
        if any(not (0.0 <= t <= 1.0) for t in notches):
            raise InvalidInputError("must lie in [0, 1]", field="Edge.notches")
        set_field(self, "notches", notches)


@dataclass(frozen=True, eq=False)
class Panel(Record):
    """A pattern piece: a closed loop of edges in its own 2D frame, plus what sewing needs to know."""

    name: str
    vertices: np.ndarray  # [m], (n, 2) float32, outline corners
    edges: tuple[Edge, ...]  # closed loop: edges[i].end == edges[i + 1].start
    grain: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0], np.float32))  # warp dir, (2,)
    fold_edge: int = -1  # edge that lies on the fold (cut on fold → mirrored panel); -1: none
    internal_lines: tuple[np.ndarray, ...] = ()  # [m], each (k, 2): darts and internal seams
    body_part: str = "torso"  # placement hint, one of BODY_PARTS
    facing: str = "front"  # placement hint, one of FACINGS
    lateral: str = "center"  # placement hint, one of LATERAL
    translation: np.ndarray | None = None  # [m], (3,): 3D placement of the panel origin, if known
    rotation: np.ndarray | None = None  # [deg], (3,): XYZ Euler rotation of the panel, if known
    seam_allowance: float = 0.01  # [m]; metadata only, never meshed

    def __post_init__(self):
        where = f"Panel '{self.name}'"
        verts = array_field(self.vertices, f"{where}.vertices", np.float32, (None, 2))
        if len(verts) < 2:
            raise InvalidInputError("needs at least 2 outline vertices", field=f"{where}.vertices")
        set_field(self, "vertices", verts)
        edges = tuple(self.edges)
        if not edges:
            raise InvalidInputError("has no edges", field=f"{where}.edges")
        for i, e in enumerate(edges):
            if not (0 <= e.start < len(verts) and 0 <= e.end < len(verts)):
                raise InvalidInputError(f"edge {i} refers to a missing vertex", field=f"{where}.edges")
            nxt = edges[(i + 1) % len(edges)]
            if e.end != nxt.start:
                raise InvalidInputError(
                    f"outline is not closed: edge {i} ends at vertex {e.end} but edge "
                    f"{(i + 1) % len(edges)} starts at {nxt.start}", field=f"{where}.edges")
        set_field(self, "edges", edges)
        grain = array_field(self.grain, f"{where}.grain", np.float32, (2,))
        if np.linalg.norm(grain) < 1e-6:
            raise InvalidInputError("must not be zero", field=f"{where}.grain")
        set_field(self, "grain", (grain / np.linalg.norm(grain)).astype(np.float32))
        if not -1 <= self.fold_edge < len(edges):
            raise InvalidInputError(f"no edge {self.fold_edge}", field=f"{where}.fold_edge")
        set_field(self, "internal_lines", tuple(
            array_field(line, f"{where}.internal_lines", np.float32, (None, 2)) for line in self.internal_lines))
        one_of(self.body_part, f"{where}.body_part", BODY_PARTS)
        one_of(self.facing, f"{where}.facing", FACINGS)
        one_of(self.lateral, f"{where}.lateral", LATERAL)
        if self.translation is not None:
            set_field(self, "translation", array_field(self.translation, f"{where}.translation", np.float32, (3,)))
        if self.rotation is not None:
            set_field(self, "rotation", array_field(self.rotation, f"{where}.rotation", np.float32, (3,)))
        positive(self.seam_allowance, f"{where}.seam_allowance", allow_zero=True)


@dataclass(frozen=True, eq=False)
class SeamSide(Record):
    """A run of consecutive edges of one panel, walked from its first edge's start (or backwards)."""

    panel: str
    edges: tuple[int, ...]  # consecutive edge indices, in walking order
    reverse: bool = False  # walk the run end → start

    def __post_init__(self):
        if not self.edges:
            raise InvalidInputError("is empty", field=f"SeamSide '{self.panel}'.edges")
        set_field(self, "edges", tuple(int(e) for e in self.edges))


@dataclass(frozen=True, eq=False)
class Seam(Record):
    """Sew side ``a`` to side ``b``: a point at fraction t along ``a`` meets fraction t along ``b``.

    The direction is explicit on both sides (``SeamSide.reverse``), so there is no guessing which end
    meets which — the ambiguity GarmentCode users hit.
    """

    a: SeamSide
    b: SeamSide
    label: str = ""


@dataclass(frozen=True, eq=False)
class Pattern(Record):
    """A whole garment pattern."""

    name: str
    panels: tuple[Panel, ...]
    seams: tuple[Seam, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)  # source file, size, template parameters…

    def __post_init__(self):
        panels = tuple(self.panels)
        if not panels:
            raise InvalidInputError("a pattern needs at least one panel", field="Pattern.panels")
        names = [p.name for p in panels]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InvalidInputError(f"duplicate panel names {dupes}", field="Pattern.panels")
        set_field(self, "panels", panels)
        by_name = {p.name: p for p in panels}
        for i, seam in enumerate(self.seams):
            for side in (seam.a, seam.b):
                if side.panel not in by_name:
                    raise InvalidInputError(f"seam {i} names unknown panel '{side.panel}'", field="Pattern.seams")
                n_edges = len(by_name[side.panel].edges)
                if any(not 0 <= e < n_edges for e in side.edges):
                    raise InvalidInputError(
                        f"seam {i} uses edge {side.edges} of panel '{side.panel}', which has {n_edges} edges",
                        field="Pattern.seams")
        set_field(self, "seams", tuple(self.seams))
        set_field(self, "metadata", dict(self.metadata))

    @cached_property
    def panel_index(self) -> dict[str, int]:
        return {p.name: i for i, p in enumerate(self.panels)}

    def panel(self, name: str) -> Panel:
        if name not in self.panel_index:
            raise InvalidInputError(f"no panel named '{name}'", field="Pattern.panels")
        return self.panels[self.panel_index[name]]
