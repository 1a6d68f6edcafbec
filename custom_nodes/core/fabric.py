"""Fabric: the physical properties the solver needs and the look the renderer needs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .checks import array_field, in_range, optional_array, positive, set_field
from .serial import Record


@dataclass(frozen=True, eq=False)
class Fabric(Record):
    """A woven or knitted fabric, SI units inside (weight enters as g/m² at the node and is converted).

    Stretch stiffness is the membrane stiffness per unit width (Young's modulus × thickness) along the
    warp (grain), weft (cross grain) and bias (45°). Bending stiffness is per unit width.
    """

    name: str
    area_density: float  # [kg/m²], e.g. 0.18 for a 180 g/m² jersey
    thickness: float  # [m]
    stretch_warp: float  # [N/m]
    stretch_weft: float  # [N/m]
    stretch_bias: float  # [N/m]
    bend_warp: float  # [N·m]
    bend_weft: float  # [N·m]
    friction: float = 0.3  # Coulomb coefficient against the body, dimensionless
    damping: float = 0.1  # air damping [1/s]: velocity lost per second as a fraction
    color: np.ndarray = field(default_factory=lambda: np.array([0.8, 0.8, 0.8], np.float32))  # sRGB 0..1
    roughness: float = 0.8  # 0..1, used when there is no roughness map
    albedo: np.ndarray | None = None  # sRGB 0..1, (h, w, 3) float32, one tile
    normal_map: np.ndarray | None = None  # tangent space, OpenGL green-up, 0..1, (h, w, 3) float32
    roughness_map: np.ndarray | None = None  # 0..1, (h, w) float32
    tile_size: np.ndarray = field(default_factory=lambda: np.array([0.1, 0.1], np.float32))  # [m], (2,)
    metadata: dict = field(default_factory=dict)  # preset name, composition, source, tags…

    def __post_init__(self):
        positive(self.area_density, "Fabric.area_density")
        positive(self.thickness, "Fabric.thickness")
        for name in ("stretch_warp", "stretch_weft", "stretch_bias"):
            positive(getattr(self, name), f"Fabric.{name}")
        for name in ("bend_warp", "bend_weft"):
            positive(getattr(self, name), f"Fabric.{name}", allow_zero=True)
        in_range(self.friction, "Fabric.friction", 0.0, 2.0)
        positive(self.damping, "Fabric.damping", allow_zero=True)
        in_range(self.roughness, "Fabric.roughness", 0.0, 1.0)
        color = array_field(self.color, "Fabric.color", np.float32, (3,))
        if color.min() < 0 or color.max() > 1:
            from .errors import InvalidInputError

            raise InvalidInputError("sRGB components must lie in [0, 1]", field="Fabric.color")
        set_field(self, "color", color)
        set_field(self, "albedo", optional_array(self.albedo, "Fabric.albedo", np.float32, (None, None, 3)))
        set_field(self, "normal_map", optional_array(self.normal_map, "Fabric.normal_map", np.float32,
                                                     (None, None, 3)))
        set_field(self, "roughness_map", optional_array(self.roughness_map, "Fabric.roughness_map", np.float32,
                                                        (None, None)))
        tile = array_field(self.tile_size, "Fabric.tile_size", np.float32, (2,))
        positive(float(tile.min()), "Fabric.tile_size")
        set_field(self, "tile_size", tile)
        set_field(self, "metadata", dict(self.metadata))
