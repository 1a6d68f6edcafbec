"""Drape result: where the garment came to rest on the avatar, and how good that rest is."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .avatar import Avatar
from .checks import array_field, set_field
from .errors import InvalidInputError
from .fabric import Fabric
from .garment import Garment
from .mesh import TriangleMesh
from .serial import Record


@dataclass(frozen=True, eq=False)
class DrapeResult(Record):
    """The output of the cloth solver. ``report`` is the quality report (JSON-able dict)."""

    garment: Garment
    avatar: Avatar
    fabric: Fabric
    positions: np.ndarray  # [m], (n, 3) float32, final garment vertex positions
    report: dict[str, Any] = field(default_factory=dict)
    sequence: np.ndarray | None = None  # [m], (frames, n, 3) float32 for animated drapes

    def __post_init__(self):
        n = self.garment.n_vertices
        set_field(self, "positions", array_field(self.positions, "DrapeResult.positions", np.float32, (n, 3)))
        if self.sequence is not None:
            seq = array_field(self.sequence, "DrapeResult.sequence", np.float32, (None, n, 3))
            set_field(self, "sequence", seq)
        if not isinstance(self.report, dict):
            raise InvalidInputError("must be a dict", field="DrapeResult.report")
        set_field(self, "report", dict(self.report))

    @cached_property
    def garment_mesh(self) -> TriangleMesh:
        """The draped garment with pattern-space UVs [m]."""
        return TriangleMesh(self.positions, self.garment.faces, self.garment.rest, self.garment.name)
