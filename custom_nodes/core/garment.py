"""Garment: triangulated pattern panels with seams and 2D rest coordinates — what the solver sews."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .checks import array_field, index_field, set_field
from .errors import InvalidInputError
from .mesh import TriangleMesh
from .pattern import BODY_PARTS, Pattern
from .serial import Record


@dataclass(frozen=True, eq=False)
class Garment(Record):
    """All panels of a pattern meshed into one vertex array.

    ``rest`` holds each vertex's position in its panel's own 2D frame: the rest shape of the cloth,
    the pattern-space UVs and the warp/weft frame (with ``panel_grain``). ``positions`` is where the
    vertex starts in 3D (placed around the avatar, or flat on z = 0 before placement).
    """

    name: str
    rest: np.ndarray  # [m], (n, 2) float32, pattern-space coordinates
    positions: np.ndarray  # [m], (n, 3) float32, initial 3D positions
    faces: np.ndarray  # (m, 3) int32, counter-clockwise in pattern space (outside of the garment)
    vertex_panel: np.ndarray  # (n,) int32, index into panel_names
    panel_names: tuple[str, ...]
    panel_body_parts: tuple[str, ...]  # placement hint per panel, from pattern.BODY_PARTS
    panel_grain: np.ndarray  # (p, 2) float32 unit warp direction per panel in pattern space
    seam_pairs: np.ndarray  # (k, 2) int32, vertex pairs that the sewing pulls together
    seam_of_pair: np.ndarray  # (k,) int32, index into seam_labels
    seam_labels: tuple[str, ...] = ()
    pattern: Pattern | None = None  # provenance; not needed to simulate

    def __post_init__(self):
        rest = array_field(self.rest, "Garment.rest", np.float32, (None, 2))
        n = len(rest)
        set_field(self, "rest", rest)
        set_field(self, "positions", array_field(self.positions, "Garment.positions", np.float32, (n, 3)))
        set_field(self, "faces", index_field(self.faces, "Garment.faces", n, (None, 3)))
        set_field(self, "panel_names", tuple(self.panel_names))
        p = len(self.panel_names)
        set_field(self, "vertex_panel", index_field(self.vertex_panel, "Garment.vertex_panel", max(p, 1), (n,)))
        set_field(self, "panel_body_parts", tuple(self.panel_body_parts))
        if len(self.panel_body_parts) != p:
            raise InvalidInputError(f"needs {p} entries", field="Garment.panel_body_parts")
        bad = [b for b in self.panel_body_parts if b not in BODY_PARTS]
        if bad:
            raise InvalidInputError(f"unknown body parts {bad}", field="Garment.panel_body_parts")
        set_field(self, "panel_grain", array_field(self.panel_grain, "Garment.panel_grain", np.float32, (p, 2)))
        pairs = index_field(self.seam_pairs, "Garment.seam_pairs", n, (None, 2))
        set_field(self, "seam_pairs", pairs)
        set_field(self, "seam_labels", tuple(self.seam_labels))
        set_field(self, "seam_of_pair", index_field(
            self.seam_of_pair, "Garment.seam_of_pair", max(len(self.seam_labels), 1), (len(pairs),)))

    @property
    def n_vertices(self) -> int:
        return len(self.rest)

    @cached_property
    def mesh(self) -> TriangleMesh:
        """The garment at its initial positions, pattern coordinates as UVs."""
        return TriangleMesh(self.positions, self.faces, self.rest, self.name)

    @cached_property
    def face_rest_areas(self) -> np.ndarray:
        """[m²], (m,) float64 area of each triangle in pattern space."""
        r = self.rest.astype(np.float64)
        a, b, c = r[self.faces[:, 0]], r[self.faces[:, 1]], r[self.faces[:, 2]]
        return 0.5 * np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))

    def with_positions(self, positions: np.ndarray) -> Garment:
        """The same garment starting from other 3D positions (placement)."""
        from dataclasses import replace

        return replace(self, positions=positions)
