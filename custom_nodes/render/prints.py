"""Prints on garments: pattern-space metres → artwork coordinates, composited over the fabric.

One function, :func:`surface_albedo`, gives the colour of the garment at any pattern-space point of any
panel; the preview render and the albedo control map call it per sample (``maps.albedo_compact``) and the
GLB export bakes it into a per-panel texture atlas (:func:`bake_albedo`), so all three show the same print.

**Placement** (:class:`~..core.fabric.PrintLayer`): a point ``p`` [m] in a panel's own 2D pattern frame
lands on the artwork at ``q = R(−rotation) (p − offset) / (width, height) + 0.5`` (u right, v up, 0..1 over
the artwork); a repeating print wraps ``q``, a placement print is empty outside [0, 1]². The print thus
keeps its physical size on every garment size and follows the pattern, not the mesh.

**Compositing: replace, keeping the weave.** Where the artwork is opaque its ink *replaces* the fabric's
colour (alpha-over, premultiplied so edges do not darken); the ink is then multiplied by the fabric tile's
lightness relative to the tile's mean, so yarns and twill lines still show through the ink as on printed
cloth. A plain fabric (no albedo map) shows the artwork's colours exactly.

**Matching across a seam**: :func:`continue_print` re-expresses a panel's print in the frame of the panel
sewn to it, fitted on the seam's vertex pairs, so the artwork runs on across the seam.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..core.errors import InvalidInputError
from ..core.fabric import Fabric, PrintLayer
from ..core.garment import Garment
from .scenes import tile_coordinates
from .texture import fabric_albedo, sample_tile

_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def print_coordinates(layer: PrintLayer, pattern_uv: np.ndarray) -> np.ndarray:
    """Artwork coordinates (k, 2) of pattern-space points ``pattern_uv`` [m] (k, 2): u right, v up,
    0..1 over one copy of the artwork (not wrapped: a repeating print continues past 1)."""
    p = np.asarray(pattern_uv, np.float64) - np.asarray(layer.offset_m, np.float64)
    a = np.radians(layer.rotation_deg)
    c, s = np.cos(a), np.sin(a)
    x = c * p[:, 0] + s * p[:, 1]  # R(−a) p
    y = -s * p[:, 0] + c * p[:, 1]
    return np.stack([x / layer.width_m + 0.5, y / layer.height_m + 0.5], 1)


def print_texels(layer: PrintLayer, pattern_uv: np.ndarray) -> np.ndarray:
    """The same points in artwork pixels (k, 2): x right, y up (what "within one texel" is measured in)."""
    h, w = layer.image.shape[:2]
    return print_coordinates(layer, pattern_uv) * [w, h]


def sample_print(layer: PrintLayer, pattern_uv: np.ndarray) -> np.ndarray:
    """Premultiplied ink (k, 4) (rgb·alpha, alpha) of ``layer`` at pattern-space points [m]."""
    q = print_coordinates(layer, pattern_uv)
    img = layer.image
    premultiplied = np.concatenate([img[..., :3] * img[..., 3:], img[..., 3:]], -1)
    ink = sample_tile(premultiplied, q, wrap=layer.repeat)
    if not layer.repeat:
        outside = (q < 0).any(1) | (q > 1).any(1)
        ink[outside] = 0.0
    return ink


def _panel_mask(layer: PrintLayer, panel_ids: np.ndarray, panel_names: tuple[str, ...]) -> np.ndarray:
    if not layer.panels:
        return np.ones(len(panel_ids), bool)
    wanted = [i for i, name in enumerate(panel_names) if name in layer.panels]
    return np.isin(panel_ids, wanted)


def surface_albedo(fabric: Fabric | None, tile_uv: np.ndarray, pattern_uv: np.ndarray, panel_ids: np.ndarray,
                   panel_names: tuple[str, ...] = ()) -> np.ndarray:
    """sRGB 0..1 colour (k, 3) of the garment: the fabric at tile coordinates ``tile_uv`` (k, 2) with every
    print layer of ``fabric`` composited at pattern-space points ``pattern_uv`` [m] (k, 2) of panels
    ``panel_ids`` (k,) (indices into ``panel_names``; a layer naming panels prints only on those)."""
    base = fabric_albedo(fabric, tile_uv)
    if fabric is None or not fabric.prints or len(base) == 0:
        return base
    weave = np.ones((len(base), 1), np.float32)
    if fabric.albedo is not None and fabric.albedo.size:
        mean = float(np.asarray(fabric.albedo, np.float32).reshape(-1, 3).mean(0) @ _LUMA)
        weave = np.clip((base @ _LUMA)[:, None] / max(mean, 1e-3), 0.0, 2.0)
    out = base.copy()
    panel_ids = np.asarray(panel_ids)
    for layer in fabric.prints:
        on = _panel_mask(layer, panel_ids, panel_names)
        if not on.any():
            continue
        ink = sample_print(layer, np.asarray(pattern_uv)[on])
        alpha = ink[:, 3:]
        out[on] = out[on] * (1.0 - alpha) + ink[:, :3] * weave[on]
    return np.clip(out, 0.0, 1.0).astype(np.float32)


# --- matching a print across a seam -----------------------------------------------------------------


def seam_frame(garment: Garment, seam: str, from_panel: str) -> tuple[str, np.ndarray, np.ndarray, float]:
    """The panel sewn to ``from_panel`` by ``seam`` (a seam label), and the rigid map (rotation (2, 2),
    translation (2,)) taking that panel's pattern frame onto ``from_panel``'s so the seam's two sides
    coincide (least squares over the seam's vertex pairs), and the largest gap left [m] (0 when both sides
    have the same shape; eased seams leave some)."""
    if seam not in garment.seam_labels:
        raise InvalidInputError(f"the garment has no seam '{seam}'; its seams: {', '.join(garment.seam_labels)}",
                                field="seam")
    pairs = np.asarray(garment.seam_pairs)[np.asarray(garment.seam_of_pair) == garment.seam_labels.index(seam)]
    names = garment.panel_names
    sides = [names[i] for i in np.unique(garment.vertex_panel[pairs])]
    if from_panel not in sides:
        raise InvalidInputError(f"seam '{seam}' joins {' and '.join(sides)}, not '{from_panel}'", field="panel")
    if len(sides) != 2 or len(pairs) < 2:
        raise InvalidInputError(f"seam '{seam}' joins a panel to itself, so a print cannot run on across it",
                                field="seam")
    to_panel = sides[1] if sides[0] == from_panel else sides[0]
    if garment.vertex_panel[pairs[0, 0]] != names.index(from_panel):
        pairs = pairs[:, ::-1]
    src = garment.rest[pairs[:, 1]].astype(np.float64)  # the seam in to_panel's frame
    dst = garment.rest[pairs[:, 0]].astype(np.float64)  # the same points in from_panel's frame
    cs, cd = src.mean(0), dst.mean(0)
    u, _, vt = np.linalg.svd((src - cs).T @ (dst - cd))
    d = np.sign(np.linalg.det(vt.T @ u.T)) or 1.0
    rot = vt.T @ np.diag([1.0, d]) @ u.T  # a proper rotation: both panels are laid out seen from outside
    shift = cd - rot @ cs
    gap = float(np.linalg.norm(src @ rot.T + shift - dst, axis=1).max())
    return to_panel, rot, shift, gap


def continue_print(layer: PrintLayer, garment: Garment, seam: str, from_panel: str) -> PrintLayer:
    """``layer`` as printed on ``from_panel``, placed on the panel ``seam`` sews to it so the artwork runs on
    across that seam (one print in a shared frame, expressed in the other panel's own frame)."""
    to_panel, rot, shift, _ = seam_frame(garment, seam, from_panel)
    # p_from = rot p_to + shift, so an offset o (from-frame) is rotᵀ (o − shift) in the to-frame
    offset = rot.T @ (np.asarray(layer.offset_m, np.float64) - shift)
    angle = np.degrees(np.arctan2(rot[1, 0], rot[0, 0]))
    return dataclasses.replace(layer, offset_m=offset.astype(np.float32),
                               rotation_deg=float(layer.rotation_deg - angle), panels=(to_panel,))


# --- baking for GLB: a per-panel atlas in pattern space -----------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class BakedAlbedo:
    """The garment's colour baked into one image: each panel's pattern-space box, ``texel_m`` a pixel."""

    image: np.ndarray  # sRGB 0..1, (H, W, 3) float32, row 0 at the top
    uv: np.ndarray  # (n, 2) float32 per vertex: x / W, y / H from the top-left (glTF's TEXCOORD convention)
    texel_m: float  # [m] side of one pixel on the cloth


def _pack(sizes: list[tuple[int, int]], width: int) -> tuple[list[tuple[int, int]], int]:
    """Shelf packing of (w, h) boxes into a strip ``width`` wide: positions (x, y) and the height used."""
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i][1])
    pos: list[tuple[int, int]] = [(0, 0)] * len(sizes)
    x = y = shelf = 0
    for i in order:
        w, h = sizes[i]
        if x + w > width and x > 0:
            x, y, shelf = 0, y + shelf, 0
        pos[i] = (x, y)
        x, shelf = x + w, max(shelf, h)
    return pos, y + shelf


def _squarest(sizes: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], int, int]:
    """The shelf packing (positions, width, height) whose longer side is shortest, over strip widths from
    the widest box to all boxes in one row."""
    widths = sorted(w for w, _ in sizes)
    best = None
    for width in range(widths[-1], sum(widths) + 1, max(1, sum(widths) // 64)):
        pos, height = _pack(sizes, width)
        used = max(x + w for (x, _), (w, _) in zip(pos, sizes, strict=True))
        key = (max(used, height), used * height)
        if best is None or key < best[0]:
            best = (key, pos, used, height)
    return best[1], best[2], best[3]


def _prefiltered(fabric: Fabric, texel_m: float) -> Fabric:
    """``fabric`` with its albedo tile box-filtered to the atlas texel's footprint, so a weave finer than a
    texel bakes to its average colour instead of aliasing (the normal map keeps the weave's relief)."""
    if fabric.albedo is None or not fabric.albedo.size:
        return fabric
    from scipy.ndimage import uniform_filter

    h, w = fabric.albedo.shape[:2]
    size = (round(texel_m / fabric.tile_size[1] * h), round(texel_m / fabric.tile_size[0] * w), 1)
    if max(size) <= 1:
        return fabric
    size = (min(max(size[0], 1), h), min(max(size[1], 1), w), 1)
    return dataclasses.replace(fabric, albedo=uniform_filter(fabric.albedo, size, mode="wrap"))


def bake_albedo(fabric: Fabric, rest: np.ndarray, vertex_panel: np.ndarray, panel_grain: np.ndarray,
                panel_names: tuple[str, ...] = (), texel_m: float = 0.0015, max_side: int = 4096,
                pad: int = 4) -> BakedAlbedo:
    """Bake :func:`surface_albedo` into an atlas: every panel's pattern-space bounding box (plus ``pad``
    pixels, filled with the print's and fabric's own continuation so filtering never bleeds) at ``texel_m``
    metres a pixel, coarsened until the atlas fits ``max_side``. The fabric's weave is averaged over each
    texel first (:func:`_prefiltered`); the artwork is sampled bilinearly."""
    rest = np.asarray(rest, np.float64)
    vertex_panel = np.asarray(vertex_panel)
    panels = [p for p in range(len(panel_grain)) if (vertex_panel == p).any()]
    boxes = {p: (rest[vertex_panel == p].min(0), rest[vertex_panel == p].max(0)) for p in panels}
    if not panels:
        raise InvalidInputError("the garment has no panels to bake", field="garment")
    while True:
        sizes = [tuple(int(np.ceil((boxes[p][1][k] - boxes[p][0][k]) / texel_m)) + 2 * pad for k in (0, 1))
                 for p in panels]
        pos, width, height = _squarest(sizes)
        if max(width, height) <= max_side:
            break
        texel_m *= 1.05 * max(width, height) / max_side
    fabric = _prefiltered(fabric, texel_m)
    image = np.zeros((max(height, 1), max(width, 1), 3), np.float32)
    uv = np.zeros((len(rest), 2), np.float32)
    for p, (w, h), (x0, y0) in zip(panels, sizes, pos, strict=True):
        lo, hi = boxes[p]
        cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
        points = np.stack([lo[0] + (cols - pad) * texel_m, hi[1] - (rows - pad) * texel_m], -1).reshape(-1, 2)
        ids = np.full(len(points), p, np.int32)
        tiles = tile_coordinates(points, ids, panel_grain, fabric.tile_size)
        colour = surface_albedo(fabric, tiles, points, ids, panel_names)
        image[y0:y0 + h, x0:x0 + w] = colour.reshape(h, w, 3)
        sel = vertex_panel == p
        uv[sel, 0] = (x0 + pad + (rest[sel, 0] - lo[0]) / texel_m) / image.shape[1]
        uv[sel, 1] = (y0 + pad + (hi[1] - rest[sel, 1]) / texel_m) / image.shape[0]
    return BakedAlbedo(image, uv, float(texel_m))
