"""Preview shading for people: a lit studio look from the same one-pass buffers as the control maps.

Three lights fixed to the camera (so a turntable shows the subject turning under studio lights):
a warm key from the upper left, a cool fill from the right and a rim (Fresnel) light that outlines
the silhouette; the key casts soft shadows (a PCF-filtered shadow map from the same rasteriser); a sky/floor hemisphere ambient darkened by screen-space ambient occlusion (depth
against its blur); Blinn-Phong sheen from the fabric roughness; a soft contact shadow on a grey
studio-sweep gradient. Colours are lit in linear light, tone-mapped (ACES fit) and encoded to sRGB.
The fabric's normal map (tangent space, OpenGL green-up) bumps the garment's shading normals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from ..core.camera import Camera
from .maps import RenderPass, albedo_compact, render_pass
from .raster import box_down, interpolate, rasterize, scatter
from .scenes import BODY, GARMENT, RenderScene
from .texture import face_tangents, linear_to_srgb, sample_tile, srgb_to_linear


@dataclass(frozen=True)
class Light:
    direction: tuple[float, float, float]  # towards the light, camera space (x right, y up, z to viewer)
    color: tuple[float, float, float]  # linear RGB × intensity


KEY = Light((-0.6, 0.55, 0.55), (1.75, 1.62, 1.45))
FILL = Light((0.8, 0.1, 0.6), (0.22, 0.25, 0.32))
RIM_STRENGTH = 0.6
SKY, GROUND = np.array([0.26, 0.28, 0.31], np.float32), np.array([0.1, 0.09, 0.08], np.float32)
BACKDROP_TOP, BACKDROP_BOTTOM = np.array([0.94, 0.94, 0.95]), np.array([0.70, 0.70, 0.72])
SKIN_ROUGHNESS = 0.5


def _aces(x: np.ndarray) -> np.ndarray:
    return np.clip((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0)


def ambient_occlusion(rp: RenderPass, radius: float = 0.08, strength: float = 0.7) -> np.ndarray:
    """(k,) float32 in (0, 1]: how open each hit sample is, from its depth against a blurred depth.

    ``radius`` [m] is the depth difference that counts as fully occluded.
    """
    d = rp.frags.depth
    if not rp.frags.hit.any():
        return np.ones(0, np.float32)
    far = float(d[rp.frags.hit].max()) + 0.5
    filled = np.where(rp.frags.hit, d, far).astype(np.float32)
    ss = rp.frags.ss
    coarse = box_down(filled, ss)  # blur at pixel resolution: ss² less work, same look
    blurred = gaussian_filter(coarse, 0.012 * max(coarse.shape), mode="nearest")
    row, col = np.divmod(rp.frags.hit_index, d.shape[1])
    own = filled.reshape(-1)[rp.frags.hit_index]
    occl = np.clip((own - blurred[row // ss, col // ss]) / radius, 0.0, 1.0)
    return (1.0 - strength * occl).astype(np.float32)


def key_shadow(rp: RenderPass, light: Light, resolution: int = 512, bias: float = 0.012,
               taps: int = 2) -> np.ndarray:
    """(k,) float32 in [0, 1]: how much of ``light`` reaches each hit sample (1 = fully lit).

    A shadow map: the scene is rasterised once more from the light (orthographic, ``resolution``²);
    a sample is shadowed when it lies more than ``bias`` [m] behind what the light sees. Averaging a
    (2·taps + 1)² neighbourhood of the map (PCF) softens the edge like an area light; the bias grows
    with the surface's tilt to the light so lit surfaces do not shadow themselves.
    """
    scene, k = rp.scene, len(rp.frags.hit_index)
    if k == 0 or scene.n_faces == 0:
        return np.ones(k, np.float32)
    view = rp.camera.view_matrix()
    to_light = np.asarray(light.direction, np.float64) @ view[:3, :3]  # camera → world direction
    to_light /= np.linalg.norm(to_light)
    lo, hi = scene.bounds().astype(np.float64)
    center, radius = (lo + hi) / 2, max(float(np.linalg.norm(hi - lo)) / 2, 1e-3)
    up = np.array([0, 1.0, 0]) if abs(to_light[1]) < 0.95 else np.array([0, 0, 1.0])
    cam = Camera(eye=center + to_light * (radius + 1.0), target=center, up=up, projection="orthographic",
                 ortho_height=2.1 * radius, width=resolution, height=resolution, near=0.01, far=2 * radius + 2.0)
    depth = rasterize(scene.vertices, scene.faces, cam, 1).depth
    # sample → world → light camera in one affine map (the light camera is orthographic)
    to_world = np.eye(4)
    to_world[:3, :3], to_world[:3, 3] = view[:3, :3].T, -view[:3, :3].T @ view[:3, 3]
    m = cam.view_matrix() @ to_world
    p = rp.position @ m[:3, :3].T.astype(np.float32) + m[:3, 3].astype(np.float32)
    d = -p[:, 2]
    half = cam.ortho_height / 2
    col = np.clip(((p[:, 0] / half + 1) * 0.5 * resolution).astype(np.int64), 0, resolution - 1)
    row = np.clip(((1 - p[:, 1] / half) * 0.5 * resolution).astype(np.int64), 0, resolution - 1)
    # slope-scaled bias: a surface tilted away from the light changes depth across the PCF footprint
    L_cam = (np.asarray(light.direction, np.float64) / np.linalg.norm(light.direction)).astype(np.float32)
    cos = np.clip(np.abs(rp.normal @ L_cam), 0.2, 1.0)
    texel = 2.1 * radius / resolution
    limit = d - (bias + texel * (taps + 1) * np.sqrt(1 - cos ** 2) / cos)
    padded = np.pad(depth, taps, constant_values=np.inf).reshape(-1)
    stride = resolution + 2 * taps
    base = (row + taps) * stride + col + taps
    lit = np.zeros(k, np.float32)
    for dy in range(-taps, taps + 1):
        for dx in range(-taps, taps + 1):
            lit += padded[base + dy * stride + dx] >= limit
    return lit / (2 * taps + 1) ** 2


def _roughness(rp: RenderPass, obj: np.ndarray) -> np.ndarray:
    fab = rp.scene.fabric
    fabric_r = 0.8 if fab is None else (float(fab.roughness_map.mean()) if fab.roughness_map is not None
                                        and fab.roughness_map.size else fab.roughness)
    return np.where(obj == GARMENT, fabric_r, SKIN_ROUGHNESS).astype(np.float32)


def bumped_normals(rp: RenderPass, strength: float = 1.0) -> np.ndarray:
    """(k, 3) camera-space shading normals with the fabric's tangent-space normal map applied on the
    garment (OpenGL green-up: +G follows the tile's +v, i.e. up the print)."""
    n = rp.normal.copy()
    fab, scene = rp.scene.fabric, rp.scene
    g = scene.face_object[rp.frags.hit_face] == GARMENT
    if fab is None or fab.normal_map is None or not fab.normal_map.size or not g.any():
        return n
    tan, bit = face_tangents(scene.vertices, scene.faces, scene.tile_uv)
    rot = rp.camera.view_matrix()[:3, :3].T
    faces = rp.frags.hit_face[g]
    t, b, ng = tan[faces] @ rot, bit[faces] @ rot, n[g].astype(np.float64)
    t -= ng * np.einsum("kc,kc->k", ng, t)[:, None]
    t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)
    b = np.cross(ng, t) * np.sign(np.einsum("kc,kc->k", np.cross(ng, t), b))[:, None]
    m = sample_tile(fab.normal_map, interpolate(scene.tile_uv, scene.faces, rp.frags, subset=g)) * 2 - 1
    m[:, :2] *= strength
    out = m[:, :1] * t + m[:, 1:2] * b + m[:, 2:] * ng
    length = np.linalg.norm(out, axis=1, keepdims=True)
    ok = (length[:, 0] > 1e-6) & (np.abs(t).sum(1) > 0)
    n[np.flatnonzero(g)[ok]] = (out[ok] / length[ok]).astype(np.float32)
    return n


def shade(rp: RenderPass) -> np.ndarray:
    """Linear RGB (k, 3) of every hit sample under the studio lights."""
    n = bumped_normals(rp)
    v = -rp.position / np.maximum(np.linalg.norm(rp.position, axis=1, keepdims=True), 1e-8)
    if rp.camera.projection == "orthographic":
        v = np.broadcast_to(np.array([0, 0, 1.0], np.float32), n.shape)
    obj = rp.scene.face_object[rp.frags.hit_face]
    base = srgb_to_linear(albedo_compact(rp))
    rough = _roughness(rp, obj)
    shininess = (2.0 / np.maximum(rough ** 4, 1e-3) - 2.0)[:, None]
    ks = np.where(obj == BODY, 0.06, 0.035)[:, None].astype(np.float32)
    ao = ambient_occlusion(rp)[:, None]
    up = (n @ rp.camera.view_matrix()[:3, :3].astype(np.float32))[:, 1:2]  # world-space n.y
    color = base * (GROUND + (SKY - GROUND) * (0.5 + 0.5 * up)) * ao
    shadow = key_shadow(rp, KEY)[:, None]
    for light in (KEY, FILL):
        L = np.asarray(light.direction, np.float32)
        L /= np.linalg.norm(L)
        ndl = np.clip(n @ L, 0.0, 1.0)[:, None]
        h = L + v
        h /= np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-8)
        spec = ks * np.clip(np.einsum("kc,kc->k", n, h), 0, 1)[:, None] ** shininess * (shininess + 8) / 8
        visible = shadow if light is KEY else 1.0
        color += np.asarray(light.color, np.float32) * ndl * (base + spec) * (0.35 + 0.65 * ao) * visible
    fresnel = (1.0 - np.clip(np.einsum("kc,kc->k", n, v), 0, 1)) ** 3
    color += RIM_STRENGTH * fresnel[:, None] * (0.5 + 0.5 * np.clip(up, -1, 1)) * (0.4 + base)
    return color


def backdrop(camera: Camera, ss: int, scene: RenderScene) -> np.ndarray:
    """(Hs, Ws, 3) sRGB studio sweep: vertical gradient, soft vignette, contact shadow under the subject."""
    H, W = camera.height * ss, camera.width * ss
    y = (np.arange(H, dtype=np.float32) + 0.5)[:, None] / H
    x = (np.arange(W, dtype=np.float32) + 0.5)[None, :] / W
    t = np.clip(y, 0, 1)[..., None]
    img = BACKDROP_TOP * (1 - t) + BACKDROP_BOTTOM * t
    vignette = 1.0 - 0.12 * ((x - 0.5) ** 2 + (y - 0.5) ** 2)[..., None]
    img = img * vignette
    used = scene.vertices[np.unique(scene.faces)] if scene.n_faces else np.zeros((0, 3))
    if len(used):
        floor = used[used[:, 1] <= used[:, 1].min() + 0.05].astype(np.float64)
        lo, hi = floor.min(0), floor.max(0)
        ring = np.array([[sx, lo[1], sz] for sx in (lo[0] - 0.12, hi[0] + 0.12) for sz in (lo[2] - 0.12, hi[2] + 0.12)])
        px, d = camera.project(np.vstack([ring, (lo + hi) / 2]))
        if np.all(d > camera.near):
            c = px[-1] * ss
            r = np.maximum(np.ptp(px[:-1], axis=0) * ss / 2, ss * 2.0)
            q = ((np.arange(W)[None, :] + 0.5 - c[0]) / r[0]) ** 2 + ((np.arange(H)[:, None] + 0.5 - c[1]) / r[1]) ** 2
            img = img * (1.0 - 0.45 * np.exp(-2.5 * q))[..., None]
    return img.astype(np.float32)


def render_preview(scene: RenderScene, camera: Camera, ss: int = 2, exposure: float = 1.0,
                   on_progress=None) -> np.ndarray:
    """(H, W, 3) float32 sRGB 0..1 studio preview of ``scene`` through ``camera``."""
    rp = render_pass(scene, camera, ss, on_progress)
    img = backdrop(camera, ss, scene)
    if len(rp.frags.hit_index):
        lit = linear_to_srgb(_aces(shade(rp) * exposure))
        fg = scatter(lit, rp.frags)
        img = np.where(rp.frags.hit[..., None], fg, img)
    return np.clip(box_down(img, ss), 0.0, 1.0)
