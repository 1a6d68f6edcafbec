"""Fabric: the physical properties the solver needs and the look the renderer needs, prints included."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .checks import array_field, in_range, optional_array, positive, set_field
from .errors import InvalidInputError
from .serial import Record

#: Longest side of a print's artwork kept in memory [px]; loaders downscale larger images to it.
PRINT_MAX_SIDE = 2048


@dataclass(frozen=True, eq=False)
class PrintLayer(Record):
    """Artwork printed on the garment, placed in each panel's own 2D pattern frame (metres).

    A pattern-space point ``p`` of a printed panel lands on the artwork at
    ``R(−rotation) (p − offset) / (width_m, height_m) + 0.5`` (u right, v up, 0..1 over the artwork), so
    the print keeps its physical size on every garment size; ``repeat`` tiles it, otherwise it is printed
    once. Colour is composited over the fabric by :func:`render.prints.surface_albedo`.
    """

    image: np.ndarray  # sRGB 0..1, (h, w, 4) float32, straight alpha (1 = ink, 0 = fabric shows)
    width_m: float  # [m] printed width of the artwork, or of one repeat (its height follows the aspect)
    offset_m: np.ndarray = field(default_factory=lambda: np.zeros(2, np.float32))  # [m], (2,) artwork centre
    rotation_deg: float = 0.0  # [deg] counter-clockwise from the panel's x axis
    repeat: bool = False  # tile the artwork over the whole panel
    panels: tuple[str, ...] = ()  # panel names it is printed on; () = every panel
    name: str = ""  # the artwork's name (file or catalog id), for reports

    def __post_init__(self):
        img = np.asarray(self.image)
        if img.ndim == 3 and img.shape[-1] == 3:
            img = np.concatenate([img, np.ones(img.shape[:2] + (1,), img.dtype)], -1)
        img = array_field(img, "PrintLayer.image", np.float32, (None, None, 4), allow_empty=False)
        if img.min() < 0 or img.max() > 1:
            raise InvalidInputError("colours and alpha must lie in [0, 1]", field="PrintLayer.image")
        if max(img.shape[:2]) > PRINT_MAX_SIDE:
            raise InvalidInputError(f"artwork is {img.shape[1]}×{img.shape[0]} px; keep it to {PRINT_MAX_SIDE} px "
                                    "a side (the loaders downscale larger files)", field="PrintLayer.image")
        set_field(self, "image", img)
        in_range(self.width_m, "PrintLayer.width_m", 1e-3, 10.0)
        set_field(self, "width_m", float(self.width_m))
        set_field(self, "offset_m", array_field(self.offset_m, "PrintLayer.offset_m", np.float32, (2,)))
        set_field(self, "rotation_deg", in_range(self.rotation_deg, "PrintLayer.rotation_deg", -3600.0, 3600.0))
        set_field(self, "repeat", bool(self.repeat))
        set_field(self, "panels", tuple(str(p) for p in self.panels))
        set_field(self, "name", str(self.name))

    @property
    def height_m(self) -> float:
        """[m] printed height of the artwork (or of one repeat), from its pixel aspect."""
        return self.width_m * self.image.shape[0] / self.image.shape[1]

    def prints_on(self, panel: str) -> bool:
        return not self.panels or panel in self.panels


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
    prints: tuple[PrintLayer, ...] = ()  # artwork printed on it, bottom layer first

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
        prints = tuple(self.prints or ())
        if not all(isinstance(p, PrintLayer) for p in prints):
            raise InvalidInputError("expected print layers", field="Fabric.prints")
        set_field(self, "prints", prints)
