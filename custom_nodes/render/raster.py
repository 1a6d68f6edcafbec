"""Rasteriser in vectorised NumPy (CPU) or PyTorch (CUDA when present): one pass → per-sample depth,
face id and barycentrics.

Why NumPy and not Taichi or OpenGL: CI and this machine have no GPU, Taichi's first-call compile
costs seconds on every fresh process, and headless Mesa is a system dependency. Triangles are
grouped by the power-of-two size of their pixel bounding box; each group is tested against all the
sample centres of its boxes at once (edge functions), and the nearest fragment per sample wins through
``np.minimum.at`` on a depth buffer. The same scan runs in raster_torch.py on a GPU (``backend``).
Measured in ``bench/bench_render_maps.py``.

Conventions (core/camera.py): x right, y down, origin at the image's top-left corner, sample centres
at +0.5. With supersampling ``ss`` the image has ``ss`` × ``ss`` samples per pixel, sample (i, j)
sitting at ((j + 0.5) / ss, (i + 0.5) / ss) in pixel units, so a box filter over each ss × ss block
gives exactly the pixel grid. Depth is view depth [m]; barycentrics are perspective-correct (linear for orthographic cameras).
Triangles that reach behind the near plane are dropped (the camera checks keep the subject in front).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..core.camera import Camera
from ..core.errors import InvalidInputError
from ..core.progress import report

#: At most this many candidate samples are tested at once (memory: ~10 float64 arrays of this size).
CHUNK = 1 << 21
#: Largest supersampled side the rasteriser accepts [samples].
MAX_SAMPLES_SIDE = 4096


@dataclass(frozen=True, eq=False)
class Fragments:
    """The nearest surface at every sample of a ``(height·ss, width·ss)`` grid."""

    depth: np.ndarray  # [m], (H, W) float32 view depth, +inf where nothing was hit
    face: np.ndarray  # (H, W) int32 face index, −1 where nothing was hit
    bary: np.ndarray  # (H, W, 3) float32 perspective-correct barycentrics (0 where nothing was hit)
    ss: int  # samples per pixel along each axis

    @cached_property
    def hit(self) -> np.ndarray:
        """(H, W) bool: a surface covers the sample."""
        return self.face >= 0

    @cached_property
    def hit_index(self) -> np.ndarray:
        """(k,) int64 flat indices of the hit samples (the order of every compact per-hit array)."""
        return np.flatnonzero(self.face.reshape(-1) >= 0)

    @cached_property
    def hit_face(self) -> np.ndarray:
        """(k,) int32 face of every hit sample."""
        return self.face.reshape(-1)[self.hit_index]

    @cached_property
    def hit_bary(self) -> np.ndarray:
        """(k, 3) float32 barycentrics of every hit sample."""
        return self.bary.reshape(-1, 3)[self.hit_index]


def check_resolution(camera: Camera, ss: int) -> None:
    """Raise a clear error for a supersampling factor the rasteriser cannot honour."""
    if int(ss) != ss or not 1 <= ss <= 4:
        raise InvalidInputError(f"must be an integer 1..4, got {ss!r}", field="supersample")
    side = max(camera.width, camera.height) * ss
    if side > MAX_SAMPLES_SIDE:
        raise InvalidInputError(f"{camera.width}×{camera.height} px at {ss}× supersampling needs {side} samples "
                                f"a side, over the {MAX_SAMPLES_SIDE} limit; lower the supersampling",
                                field="supersample")


def rasterize(vertices: np.ndarray, faces: np.ndarray, camera: Camera, ss: int = 1,
              cull_back: np.ndarray | None = None, depth_bias: np.ndarray | None = None,
              backend: str = "auto", on_progress=None) -> Fragments:
    """Rasterise ``faces`` (m, 3) of ``vertices`` (n, 3) [m] as seen by ``camera``.

    ``cull_back`` (m,) bool marks faces to skip when they face away (closed bodies); garments are
    two-sided. ``depth_bias`` (m,) [m] is subtracted from a face's depth in the depth test only
    (a garment lying on or a little inside the skin still wins); stored depths are true depths.
    ``backend``: ``numpy``, ``torch`` (PyTorch on its default device, CPU), ``cuda``, or ``auto``
    (CUDA through PyTorch when a GPU is present, NumPy otherwise). Returns :class:`Fragments` at
    ``ss``× the camera resolution.
    """
    check_resolution(camera, ss)
    W, H = camera.width * ss, camera.height * ss
    depth = np.full(W * H, np.inf, np.float32)
    face_buf = np.full(W * H, -1, np.int32)
    bary = np.zeros((W * H, 3), np.float32)
    tri = _setup(np.asarray(vertices), np.asarray(faces), camera, ss, W, H, cull_back)
    device = _device(backend)
    if tri is not None and device is not None:
        from .raster_torch import scan_and_resolve

        depth, face_buf, bary = scan_and_resolve(tri, W, H, depth_bias, device, CHUNK, on_progress)
    elif tri is not None:
        frags = _scan_all(tri, W, on_progress)
        if frags is not None:
            _resolve(frags, depth, face_buf, bary, depth_bias)
    return Fragments(depth.reshape(H, W), face_buf.reshape(H, W), bary.reshape(H, W, 3), ss)


def _device(backend: str):
    """None for NumPy, else the torch device to use."""
    if backend not in ("auto", "numpy", "torch", "cuda"):
        raise InvalidInputError(f"must be auto, numpy, torch or cuda, got {backend!r}", field="backend")
    if backend == "numpy":
        return None
    from .raster_torch import torch_device

    device = torch_device({"auto": "auto", "torch": "cpu", "cuda": "cuda"}[backend])
    if device is None and backend != "auto":
        from ..core.errors import DependencyMissingError

        raise DependencyMissingError("torch", f"The '{backend}' rasteriser backend")
    return device


def _setup(vertices, faces, camera, ss, W, H, cull_back):
    """Screen-space triangles that can cover a sample: dict of per-triangle arrays, or None."""
    if len(faces) == 0:
        return None
    px, w = camera.project(vertices)
    px = px * ss
    p, wf = px[faces], w[faces]  # (m, 3, 2), (m, 3)
    keep = np.all(wf > camera.near, axis=1) & np.all(np.isfinite(p), axis=(1, 2))
    area = ((p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1])
            - (p[:, 1, 1] - p[:, 0, 1]) * (p[:, 2, 0] - p[:, 0, 0]))
    keep &= np.abs(area) > 1e-12
    if cull_back is not None:  # y points down on screen, so a front-facing CCW face has area < 0
        keep &= ~(np.asarray(cull_back, bool) & (area > 0))
    lo = np.ceil(p.min(1) - 0.5).astype(np.int64)
    hi = np.floor(p.max(1) - 0.5).astype(np.int64)
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, [W - 1, H - 1])
    keep &= np.all(hi >= lo, axis=1)
    idx = np.nonzero(keep)[0]
    if len(idx) == 0:
        return None
    # perspective-correct weights 1/w; an orthographic projection interpolates linearly on screen
    weight = 1.0 / wf[idx] if camera.projection == "perspective" else np.ones_like(wf[idx])
    return _edge_setup(p[idx], wf[idx], weight, area[idx], lo[idx], hi[idx] - lo[idx] + 1, idx)


def _edge_setup(p, w, weight, area, lo, size, idx):
    """Affine edge functions per triangle: l_k(sample) = base_k + dx_k·ox + dy_k·oy at offset (ox, oy)
    from the first sample centre of the bounding box, already divided by the signed area."""
    cx, cy = lo[:, 0] + 0.5, lo[:, 1] + 0.5
    base, dx, dy = [], [], []
    for k in range(2):  # l0 uses edge (1, 2), l1 edge (2, 0)
        a, b = p[:, (k + 1) % 3], p[:, (k + 2) % 3]
        base.append(((a[:, 0] - cx) * (b[:, 1] - cy) - (a[:, 1] - cy) * (b[:, 0] - cx)) / area)
        dx.append((a[:, 1] - b[:, 1]) / area)
        dy.append((b[:, 0] - a[:, 0]) / area)
    return {"id": idx.astype(np.int32), "base": np.stack(base, 1), "dx": np.stack(dx, 1),
            "dy": np.stack(dy, 1), "weight": weight, "w": w, "lo": lo, "size": size}


def _scan_all(tri, W, on_progress):
    """Candidate fragments of every triangle, grouped by bounding-box size class."""
    cls = np.ceil(np.log2(tri["size"])).astype(np.int64)  # (k, 2) power-of-two class per axis
    key = cls[:, 0] * 64 + cls[:, 1]
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    out = []
    for n, (s, e) in enumerate(zip(starts, ends, strict=True)):
        sx, sy = 1 << int(key[s] // 64), 1 << int(key[s] % 64)
        sel = order[s:e]
        per = max(1, CHUNK // (sx * sy))
        band = sy if sx * sy <= CHUNK else max(1, CHUNK // sx)  # huge triangles: a band of rows at a time
        for c in range(0, len(sel), per):
            for y0 in range(0, sy, band):
                out.append(_scan(tri, sel[c:c + per], sx, min(band, sy - y0), W, y0))
        report(on_progress, n + 1, len(starts))
    out = [o for o in out if o is not None]
    if not out:
        return None
    return tuple(np.concatenate(parts) for parts in zip(*out, strict=True))


def _scan(tri, sel, sx, sy, W, y0=0):
    """Test rows y0 … y0 + sy − 1 (sx wide) of each selected triangle's sample block; returns the
    inside fragments or None."""
    oy, ox = np.divmod(np.arange(sx * sy), sx)
    oy = oy + y0
    size = tri["size"][sel]
    base, dx, dy = tri["base"][sel], tri["dx"][sel], tri["dy"][sel]
    l0 = base[:, :1] + dx[:, :1] * ox + dy[:, :1] * oy  # (k, sx·sy)
    l1 = base[:, 1:] + dx[:, 1:] * ox + dy[:, 1:] * oy
    inside = (l0 >= 0) & (l1 >= 0) & (l0 + l1 <= 1) & (ox < size[:, :1]) & (oy < size[:, 1:])
    rows, cols = np.nonzero(inside)
    if len(rows) == 0:
        return None
    l0, l1 = l0[rows, cols], l1[rows, cols]
    t = sel[rows]
    weight, w = tri["weight"][t], tri["w"][t]
    q0, q1, q2 = l0 * weight[:, 0], l1 * weight[:, 1], (1.0 - l0 - l1) * weight[:, 2]
    s = q0 + q1 + q2
    b0, b1 = q0 / s, q1 / s
    depth = b0 * w[:, 0] + b1 * w[:, 1] + (1.0 - b0 - b1) * w[:, 2]  # = 1/s for perspective
    lo = tri["lo"][t]
    pix = (lo[:, 1] + oy[cols]) * W + lo[:, 0] + ox[cols]
    return (pix, depth.astype(np.float32), tri["id"][t], b0.astype(np.float32), b1.astype(np.float32))


def _resolve(frags, depth, face_buf, bary, depth_bias=None):
    """Depth test: the nearest fragment per sample writes its face, barycentrics and true depth."""
    pix, z, face, b0, b1 = frags
    if depth_bias is not None:
        z = z - np.asarray(depth_bias, np.float32)[face]
    np.minimum.at(depth, pix, z)
    win = z <= depth[pix]
    pix, face, b0, b1 = pix[win], face[win], b0[win], b1[win]
    if depth_bias is not None:
        depth[pix] += np.asarray(depth_bias, np.float32)[face]
    face_buf[pix] = face
    bary[pix, 0] = b0
    bary[pix, 1] = b1
    bary[pix, 2] = 1.0 - b0 - b1


def box_down(a: np.ndarray, ss: int) -> np.ndarray:
    """Average each ss × ss block of an (H·ss, W·ss, …) array → (H, W, …) float32 (the pixel filter)."""
    if ss == 1:
        return a.astype(np.float32, copy=False)
    acc = None
    for i in range(ss):
        for j in range(ss):
            part = a[i::ss, j::ss].astype(np.float32)
            acc = part if acc is None else np.add(acc, part, out=acc)
    return acc * np.float32(1.0 / (ss * ss))


def pick_down(a: np.ndarray, ss: int) -> np.ndarray:
    """One sample per pixel (the one nearest the pixel centre) for labels that must not be averaged."""
    if ss == 1:
        return a
    k = ss // 2
    return a[k::ss, k::ss]


def interpolate(attr: np.ndarray, faces: np.ndarray, frags: Fragments, subset: np.ndarray | None = None) -> np.ndarray:
    """Per-vertex ``attr`` (n, c) at every hit sample, compact: (k, c) float32 in ``frags.hit_index`` order
    (only the hits selected by the bool ``subset`` (k,) when given)."""
    face, b = frags.hit_face, frags.hit_bary
    if subset is not None:
        face, b = face[subset], b[subset]
    f = faces[face]
    a = np.asarray(attr, np.float32)
    return a[f[:, 0]] * b[:, :1] + a[f[:, 1]] * b[:, 1:2] + a[f[:, 2]] * b[:, 2:]


def camera_positions(frags: Fragments, camera: Camera) -> np.ndarray:
    """[m], (k, 3) float32 camera-space position of every hit sample, from its depth and pixel ray."""
    H, W = frags.face.shape
    row, col = np.divmod(frags.hit_index, W)
    ndc_x = (col + 0.5) * (2.0 / W) - 1.0
    ndc_y = 1.0 - (row + 0.5) * (2.0 / H)
    d = frags.depth.reshape(-1)[frags.hit_index].astype(np.float64)
    proj = camera.projection_matrix()
    scale = d if camera.projection == "perspective" else 1.0
    return np.stack([ndc_x * scale / proj[0, 0], ndc_y * scale / proj[1, 1], -d], 1).astype(np.float32)


def scatter(values: np.ndarray, frags: Fragments, fill=0.0) -> np.ndarray:
    """Compact per-hit ``values`` (k, …) → full (H, W, …) array with ``fill`` where nothing was hit."""
    H, W = frags.face.shape
    out = np.empty((H * W,) + values.shape[1:], values.dtype)
    out[...] = fill
    out[frags.hit_index] = values
    return out.reshape((H, W) + values.shape[1:])


def point_inside_mesh(point: np.ndarray, vertices: np.ndarray, faces: np.ndarray) -> bool:
    """Ray-parity test: is ``point`` (3,) inside the closed mesh? (Möller–Trumbore over all faces.)"""
    d = np.array([0.5773, 0.5774, 0.5775])  # skewed so the ray does not graze axis-aligned edges
    v = vertices.astype(np.float64)
    a, b, c = v[faces[:, 0]], v[faces[:, 1]], v[faces[:, 2]]
    e1, e2 = b - a, c - a
    h = np.cross(d, e2)
    det = np.einsum("ij,ij->i", e1, h)
    ok = np.abs(det) > 1e-12
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    s = point - a
    u = inv * np.einsum("ij,ij->i", s, h)
    q = np.cross(s, e1)
    vv = inv * (q @ d)
    t = inv * np.einsum("ij,ij->i", e2, q)
    hits = ok & (u >= 0) & (vv >= 0) & (u + vv <= 1) & (t > 1e-9)
    return bool(hits.sum() % 2 == 1)
