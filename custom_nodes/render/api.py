"""One call per node: drape in, arrays / files out (what nodes.py, the studio and scripts use)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.camera import Camera
from ..core.drape import DrapeResult
from ..core.errors import InvalidInputError
from .cameras import flat_lay_mesh, frame
from .export import parts_from_drape, save_glb, save_obj
from .maps import ControlMaps, control_maps
from .scenes import RenderScene, build_scene, scene_from_drape
from .shading import render_preview
from .turntable import turntable_frames, write_mp4


def _drape(drape) -> DrapeResult:
    if not isinstance(drape, DrapeResult):
        raise InvalidInputError(f"expected a drape (DrapeResult), got {type(drape).__name__}", field="drape")
    return drape


def flat_lay_scene(drape: DrapeResult) -> RenderScene:
    """The drape's pattern panels laid flat on the floor (no avatar), fabric and grain kept."""
    from .scenes import tile_coordinates

    g = _drape(drape).garment
    if len(g.faces) == 0:
        raise InvalidInputError("the drape has no garment triangles to render", field="drape.garment")
    mesh, panel = flat_lay_mesh(g)
    tiles = tile_coordinates(g.rest, g.vertex_panel, g.panel_grain, drape.fabric.tile_size)
    return build_scene(None, mesh, garment_tile_uv=tiles, garment_panel=panel, fabric=drape.fabric,
                       panel_names=g.panel_names, garment_pattern_uv=g.rest)


def scene_for(drape: DrapeResult, camera: Camera) -> RenderScene:
    """The flat-lay scene for the top-down orthographic flat-lay camera, the dressed avatar otherwise."""
    is_flat = camera.projection == "orthographic" and np.allclose(camera.up, [0, 0, -1])
    return flat_lay_scene(drape) if is_flat else scene_from_drape(_drape(drape))


def frame_drape(drape: DrapeResult, preset: str, **kw) -> Camera:
    """Camera for ``preset`` (cameras.PRESETS) framing the drape; ``kw`` as :func:`cameras.frame`."""
    scene = flat_lay_scene(drape) if preset == "flat_lay" else scene_from_drape(_drape(drape))
    return frame(scene, preset, **kw)


def drape_maps(drape: DrapeResult, camera: Camera, ss: int = 2, crease_deg: float = 40.0,
               on_progress=None) -> ControlMaps:
    return control_maps(scene_for(drape, camera), camera, ss, crease_deg, on_progress)


def drape_preview(drape: DrapeResult, camera: Camera, ss: int = 2, exposure: float = 1.0,
                  on_progress=None) -> np.ndarray:
    return render_preview(scene_for(drape, camera), camera, ss, exposure, on_progress)


def drape_turntable(drape: DrapeResult, mp4_path: str | Path | None, views: int = 36, fps: int = 24,
                    on_progress=None, **kw) -> np.ndarray:
    """(views, H, W, 3) frames; also written to ``mp4_path`` when given. ``kw`` as turntable_frames."""
    frames = turntable_frames(scene_from_drape(_drape(drape)), views, on_progress=on_progress, **kw)
    if mp4_path is not None:
        write_mp4(frames, mp4_path, fps)
    return frames


def export_drape(drape: DrapeResult, path: str | Path) -> list[Path]:
    """Avatar + garment to ``path`` (.glb, or .obj with .mtl and textures); returns the files written."""
    path = Path(path)
    parts = parts_from_drape(_drape(drape))
    if path.suffix.lower() == ".glb":
        return [save_glb(parts, path)]
    if path.suffix.lower() == ".obj":
        return save_obj(parts, path)
    raise InvalidInputError(f"cannot export '{path.suffix}'; use .glb or .obj", path=path)
