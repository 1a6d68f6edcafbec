"""Hold a garment worn from the waist at the body's waist line while it settles: GarmentCode's attachment.

GarmentCode (github maria-korosteleva/GarmentCode, commit d449629) keeps the top edge of a skirt or a pair of
trousers, the edges it labels ``lower_interface``, from dropping below the body's waist level for the first
400 frames of every drape, then lets go:

- assets/Sim_props/default_sim_props.yaml:40-52: ``enable_attachment_constraint: true``,
  ``attachment_frames: 400``, ``attachment_label_names: [lower_interface, ...]``;
- pygarment/meshgen/garment.py:276-287: the constraint is the half-space ``y >= waist_level`` with normal
  ``(0, 1, 0)`` (an inequality: the waist may rise, never sink);
- its Warp fork, warp/sim/integrator_xpbd.py:2131-2175 (``attachment_constraint``): applied only where
  ``err < 0``, i.e. below the plane.

A skirt or trousers placed at the waist and let go without it slide down the hips while the seams close. Here
the solver keeps the waist's vertices on or above the plane at every substep (a per-vertex floor, applied with
the body collision). It is let go once the drape is static while held,
or after GarmentCode's 400 frames, whichever comes first; the drape then has to come to rest on its own.

Which vertices: edges labelled ``lower_interface`` (GarmentCode) or ``waist`` (templates); for a pattern with
neither, the unsewn vertices of the top side of each panel hung from the waist (a FreeSewing trousers'
waist, see svg_import.worn_as_tagged).
"""

from __future__ import annotations

import numpy as np

from ..core.garment import Garment
from ..pattern.curves import dense_edge

ATTACH_FRAMES = 400  # GarmentCode default_sim_props.yaml:51
WAIST_LABELS = ("lower_interface", "waist")
ON_EDGE = 5e-4  # [m] a mesh vertex this close to an edge's curve (in pattern space) lies on that edge


def _on_edges(rest: np.ndarray, panel, edges: list[int]) -> np.ndarray:
    """Mask of ``rest`` points (k, 2) lying on any of the panel's ``edges``."""
    hit = np.zeros(len(rest), bool)
    for k in edges:
        poly = dense_edge(panel, k, 256)
        a, b = poly[:-1], poly[1:]
        ab = b - a
        t = np.clip(((rest[:, None] - a[None]) * ab[None]).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-18), 0, 1)
        d = np.linalg.norm(rest[:, None] - (a[None] + t[..., None] * ab[None]), axis=-1).min(axis=1)
        hit |= d < ON_EDGE
    return hit


def _top_side(panel) -> list[int]:
    """Edges of the panel's top side: of the sides (runs between corners) whose chord runs mostly across, the
    one whose middle is highest."""
    from ..pattern.seam_infer import _run_points, panel_sides

    best, best_v = [], -np.inf
    for run in panel_sides(panel):
        uv = _run_points(panel, run, (0.0, 0.5, 1.0))
        chord = uv[2] - uv[0]
        if abs(chord[0]) > 2 * abs(chord[1]) and uv[1, 1] > best_v:
            best, best_v = list(run), uv[1, 1]
    return best


def waist_vertices(garment: Garment) -> np.ndarray:
    """Vertex ids of the garment's waist edge (see the module doc); empty for a garment worn from the
    shoulders."""
    pattern = garment.pattern
    if pattern is None:
        return np.zeros(0, np.int64)
    labelled = any(e.label in WAIST_LABELS for p in pattern.panels for e in p.edges)
    anchors = pattern.metadata.get("anchors", {}) or {}
    sewn = np.zeros(garment.n_vertices, bool)
    sewn[garment.seam_pairs.ravel()] = True
    rest = garment.rest.astype(np.float64)
    out = []
    for i, panel in enumerate(pattern.panels):
        ids = np.flatnonzero(garment.vertex_panel == i)
        if labelled:
            edges = [k for k, e in enumerate(panel.edges) if e.label in WAIST_LABELS]
            if edges:
                out.append(ids[_on_edges(rest[ids], panel, edges)])
        elif anchors.get(panel.name) == "waist":
            top = _top_side(panel)
            if top:
                out.append(ids[_on_edges(rest[ids], panel, top) & ~sewn[ids]])
    return np.concatenate(out) if out else np.zeros(0, np.int64)


class WaistHold:
    """Keeps ``ids`` at or above ``level`` [m] (y) through the solver's per-vertex floor until released."""

    def __init__(self, ids: np.ndarray, level: float):
        self.ids, self.level = ids, float(level)
        self.released_at: int | None = None

    @property
    def active(self) -> bool:
        return len(self.ids) > 0 and self.released_at is None

    def start(self, solver) -> None:
        if self.active:
            solver.set_floor(self.ids, self.level)

    def release(self, solver, frame: int) -> None:
        self.released_at = frame
        solver.set_floor(self.ids, None)
