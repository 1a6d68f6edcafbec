"""Pixel-aligned ControlNet maps from ONE rasterisation of a scene.

Conventions (all maps share the camera's pixel grid, core/camera.py):

* **depth** — ControlNet/MiDaS style: near is bright. Over the subject, view depth is mapped
  linearly so the nearest point is 1.0 and the farthest ``DEPTH_FLOOR`` (so the back of the subject
  stays distinct from the background, which is 0). ``depth_m`` keeps metres (+inf = background).
  :func:`depth_to_uint16` gives the 16-bit version for PNG.
* **normal** — the "normalbae" convention of ControlNet 1.1 (``control_v11p_sd15_normalbae`` and the
  SDXL normal ControlNets trained on BAE / controlnet_aux ``NormalBaeDetector`` output, ScanNet
  protocol: "blue is front, red is left, green is top"). Camera-space unit normal n (OpenGL camera:
  x right, y up, z toward the viewer) → ``R = (1 − n.x)/2, G = (1 + n.y)/2, B = (1 + n.z)/2``.
  A surface facing the camera is (0.5, 0.5, 1.0); the background is that same flat lavender.
* **pose** — OpenPose-18 skeleton (see pose.py). **lineart** — white lines on black: silhouettes,
  depth jumps, creases sharper than ``crease_deg`` and panel seams. **albedo** — unlit sRGB colour:
  fabric tile through pattern UVs with its prints (``prints.surface_albedo``), neutral skin on the body,
  black background.
* masks are anti-aliased coverage (0..1) of the visible garment / visible body / whole subject.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.camera import Camera
from ..core.errors import InvalidInputError
from ..core.progress import report
from .pose import draw_openpose, project_keypoints
from .prints import surface_albedo
from .raster import (
    Fragments,
    box_down,
    camera_positions,
    interpolate,
    pick_down,
    point_inside_mesh,
    rasterize,
    scatter,
)
from .scenes import BODY, GARMENT, SKIN_SRGB, RenderScene
from .texture import panel_palette

DEPTH_FLOOR = 0.15
NORMAL_BACKGROUND = np.array([0.5, 0.5, 1.0], np.float32)
#: [m] the garment wins the depth test against skin up to this far behind it (cloth lying on the body,
#: solver contact tolerance), so the body never pokes through a fitted garment in the maps.
GARMENT_DEPTH_BIAS = 0.004


@dataclass(frozen=True, eq=False)
class RenderPass:
    """One rasterisation and the per-sample buffers every map is derived from (ss× resolution).

    Per-hit arrays are compact, in ``frags.hit_index`` order; :func:`raster.scatter` makes images.
    """

    scene: RenderScene
    camera: Camera
    frags: Fragments
    obj: np.ndarray  # (Hs, Ws) int8: 0 background, BODY, GARMENT
    normal: np.ndarray  # (k, 3) float32 camera-space unit normals, turned to face the camera
    position: np.ndarray  # [m], (k, 3) float32 camera-space positions


@dataclass(frozen=True, eq=False)
class ControlMaps:
    depth: np.ndarray  # (H, W) float32 0..1, near = 1, background 0
    depth_m: np.ndarray  # [m], (H, W) float32 view depth at the pixel centre, +inf = background
    normal: np.ndarray  # (H, W, 3) float32 0..1, normalbae convention
    pose: np.ndarray  # (H, W, 3) float32 0..1
    keypoints_px: np.ndarray  # [px], (18, 2) float64, NaN = not drawn
    lineart: np.ndarray  # (H, W) float32 0..1, white lines
    albedo: np.ndarray  # (H, W, 3) float32 sRGB 0..1
    panel_id: np.ndarray  # (H, W) int32 garment panel index, −1 elsewhere
    panel_color: np.ndarray  # (H, W, 3) float32 0..1, one flat colour per panel
    garment_mask: np.ndarray  # (H, W) float32 0..1
    body_mask: np.ndarray  # (H, W) float32 0..1, visible body only
    subject_mask: np.ndarray  # (H, W) float32 0..1


def check_camera(scene: RenderScene, camera: Camera) -> None:
    """Errors for cameras that cannot see the subject: inside the body or with it behind the camera."""
    body = scene.faces[scene.face_object == BODY]
    if len(body) and point_inside_mesh(camera.eye.astype(np.float64), scene.vertices, body):
        raise InvalidInputError(f"the camera at {np.round(camera.eye, 3).tolist()} m is inside the body; "
                                "increase the distance", field="camera.eye")
    if scene.n_faces:
        _, d = camera.project(scene.vertices[np.unique(scene.faces)])
        if d.max() <= camera.near:
            raise InvalidInputError("the whole subject is behind the camera", field="camera.target")


def render_pass(scene: RenderScene, camera: Camera, ss: int = 2, on_progress=None) -> RenderPass:
    """Rasterise ``scene`` once (bodies back-face culled, garments two-sided) and shade normals."""
    check_camera(scene, camera)
    frags = rasterize(scene.vertices, scene.faces, camera, ss, cull_back=scene.face_object == BODY,
                      depth_bias=np.where(scene.face_object == GARMENT, GARMENT_DEPTH_BIAS, 0.0),
                      on_progress=on_progress)
    obj = np.zeros(frags.face.shape, np.int8)
    obj.reshape(-1)[frags.hit_index] = scene.face_object[frags.hit_face]
    view = camera.view_matrix()
    rot = view[:3, :3].T.astype(np.float32)
    p = camera_positions(frags, camera)
    n = interpolate(scene.normals @ rot, scene.faces, frags)
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-8)
    fn_world = face_normals(scene)
    # hard edges (box corners, limb caps): faces whose vertex normals bend > 30° from the face are flat
    bend = np.einsum("mkc,mc->mk", scene.normals[scene.faces], fn_world).min(1) if scene.n_faces else np.ones(0)
    flat = (bend < np.cos(np.radians(30.0)))[frags.hit_face]
    fn = (fn_world @ rot)[frags.hit_face]
    n[flat] = fn[flat]
    ray = p if camera.projection == "perspective" else np.array([[0.0, 0.0, -1.0]], np.float32)
    # a face seen from behind (inside of a skirt) shows its other side: decided per face, so smooth
    # normals that graze past 90° at silhouettes are not flipped
    away = np.einsum("kc,kc->k", fn, np.broadcast_to(ray, n.shape)) > 0
    n[away] *= -1
    return RenderPass(scene, camera, frags, obj, n, p)


def _depth_maps(rp: RenderPass) -> tuple[np.ndarray, np.ndarray]:
    d, hit, ss = rp.frags.depth, rp.frags.hit, rp.frags.ss
    value = np.zeros(d.shape, np.float32)
    if hit.any():
        lo, hi = float(d[hit].min()), float(d[hit].max())
        span = max(hi - lo, 1e-6)
        value[hit] = 1.0 - (1.0 - DEPTH_FLOOR) * (d[hit] - lo) / span
    return box_down(value, ss), pick_down(d, ss).astype(np.float32)


def encode_normals(n: np.ndarray) -> np.ndarray:
    """Camera-space unit normals (…, 3) → normalbae RGB 0..1: R = (1 − x)/2, G = (1 + y)/2, B = (1 + z)/2."""
    return (np.stack([1 - n[..., 0], 1 + n[..., 1], 1 + n[..., 2]], -1) * 0.5).astype(np.float32)


def _normal_map(rp: RenderPass) -> np.ndarray:
    enc = scatter(encode_normals(rp.normal), rp.frags, NORMAL_BACKGROUND)
    return np.clip(box_down(enc, rp.frags.ss), 0, 1)


def _lineart(rp: RenderPass, crease_deg: float) -> np.ndarray:
    """Silhouettes, depth jumps, creases and seams, found between neighbouring samples.

    The label per sample is its panel (garment ≥ 0, body −1, background −2), so object boundaries
    and panel seams are both label changes.
    """
    f, d = rp.frags.face, rp.frags.depth
    n = scatter(face_normals(rp.scene)[rp.frags.hit_face], rp.frags)
    label = np.append(rp.scene.face_panel, -2)[f]  # face −1 (background) → −2, unlike any panel
    cos_crease = np.float32(np.cos(np.radians(crease_deg)))
    line = np.zeros(f.shape, bool)
    with np.errstate(invalid="ignore"):  # background depth is +inf: inf − inf comparisons are False
        for a, b in (((slice(None, -1), slice(None)), (slice(1, None), slice(None))),
                     ((slice(None), slice(None, -1)), (slice(None), slice(1, None)))):
            da, db = d[a], d[b]
            jump = np.abs(da - db) > 0.01 + 0.02 * np.minimum(da, db)
            na, nb = n[a], n[b]
            dot = np.abs(na[..., 0] * nb[..., 0] + na[..., 1] * nb[..., 1] + na[..., 2] * nb[..., 2])
            edge = (label[a] != label[b]) | jump | ((dot < cos_crease) & (label[a] != -2))
            line[a] |= edge
            line[b] |= edge
    return box_down(line, rp.frags.ss)


def face_normals(scene: RenderScene) -> np.ndarray:
    v = scene.vertices.astype(np.float64)
    f = scene.faces
    n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    return (n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def albedo_samples(rp: RenderPass) -> np.ndarray:
    """(Hs, Ws, 3) sRGB per sample: fabric and prints, skin on the body, black elsewhere."""
    return scatter(albedo_compact(rp), rp.frags)


def albedo_compact(rp: RenderPass) -> np.ndarray:
    """(k, 3) sRGB albedo of every hit sample (the preview shades the same colours)."""
    scene = rp.scene
    obj = scene.face_object[rp.frags.hit_face]
    out = np.empty((len(obj), 3), np.float32)
    out[:] = SKIN_SRGB
    g = obj == GARMENT
    if g.any():
        uv = interpolate(scene.tile_uv, scene.faces, rp.frags, subset=g)
        printed = scene.fabric is not None and scene.fabric.prints and scene.pattern_uv is not None
        pattern = interpolate(scene.pattern_uv, scene.faces, rp.frags, subset=g) if printed else uv
        panel = scene.face_panel[rp.frags.hit_face[g]]
        out[g] = surface_albedo(scene.fabric, uv, pattern, panel, scene.panel_names)
    return out


def _panels(rp: RenderPass) -> tuple[np.ndarray, np.ndarray]:
    f = pick_down(rp.frags.face, rp.frags.ss)
    lut = np.append(rp.scene.face_panel, -1).astype(np.int32)  # face −1 → the appended −1
    ids = lut[f]
    n = max(int(rp.scene.face_panel.max(initial=-1)) + 1, len(rp.scene.panel_names), 1)
    pal = np.vstack([panel_palette(n), np.zeros((1, 3), np.float32)])  # index −1 → black
    return ids, pal[ids]


def _pose(rp: RenderPass, depth_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cam = rp.camera
    s = rp.scene
    if s.keypoints is None:
        return np.zeros((cam.height, cam.width, 3), np.float32), np.full((18, 2), np.nan)
    vis = s.keypoint_visible if s.keypoint_visible is not None else np.ones(18, bool)
    pts = project_keypoints(s.keypoints, vis, cam, depth_m)
    return draw_openpose(pts, cam.width, cam.height).astype(np.float32) / 255.0, pts


def control_maps(scene: RenderScene, camera: Camera, ss: int = 2, crease_deg: float = 40.0,
                 on_progress=None) -> ControlMaps:
    """Every control map of ``scene`` seen by ``camera``, from one rasterisation at ``ss``× supersampling."""
    rp = render_pass(scene, camera, ss, on_progress=None)
    report(on_progress, 1, 3)
    depth, depth_m = _depth_maps(rp)
    ids, colors = _panels(rp)
    pose, pts = _pose(rp, depth_m)
    report(on_progress, 2, 3)
    maps = ControlMaps(
        depth=depth, depth_m=depth_m, normal=_normal_map(rp), pose=pose, keypoints_px=pts,
        lineart=_lineart(rp, crease_deg), albedo=box_down(albedo_samples(rp), ss), panel_id=ids,
        panel_color=colors, garment_mask=box_down(rp.obj == GARMENT, ss),
        body_mask=box_down(rp.obj == BODY, ss), subject_mask=box_down(rp.frags.hit, ss))
    report(on_progress, 3, 3)
    return maps


def depth_to_uint16(depth: np.ndarray) -> np.ndarray:
    """0..1 depth map → (H, W) uint16 for a 16-bit PNG (65535 = nearest)."""
    return np.round(np.clip(depth, 0, 1) * 65535).astype(np.uint16)
