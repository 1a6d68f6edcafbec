"""The rasteriser's scan and depth test in PyTorch, for a CUDA GPU when one is present.

Same algorithm and numbers as raster.py (which sets the triangles up in NumPy): each size class of
triangles is tested against the sample centres of its bounding boxes with affine edge functions,
then ``scatter_reduce(amin)`` keeps the nearest fragment per sample. Ties at equal depth (shared
edges) are broken by the highest fragment index, so face and barycentrics always come from the same
fragment even though CUDA scatters in no fixed order. Chosen by ``rasterize(..., backend=)``.
"""

from __future__ import annotations

import numpy as np

from ..core.progress import report


def torch_device(prefer: str = "auto"):
    """The torch device to rasterise on (``cuda`` when available for ``auto``), or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    if prefer == "auto":
        return torch.device("cuda") if torch.cuda.is_available() else None
    return torch.device(prefer)


def scan_and_resolve(tri: dict, W: int, H: int, depth_bias, device, chunk: int, on_progress=None):
    """(depth (H·W,), face (H·W,), bary (H·W, 3)) NumPy buffers from the triangles set up in raster.py."""
    import torch

    t = {k: torch.as_tensor(np.ascontiguousarray(v), device=device) for k, v in tri.items()}
    cls = torch.ceil(torch.log2(t["size"].double())).long()
    key = cls[:, 0] * 64 + cls[:, 1]
    order = torch.argsort(key, stable=True)
    classes, counts = torch.unique_consecutive(key[order], return_counts=True)
    depth = torch.full((W * H,), float("inf"), dtype=torch.float32, device=device)
    parts, start = [], 0
    for n, (k, c) in enumerate(zip(classes.tolist(), counts.tolist(), strict=True)):
        sx, sy = 1 << (k // 64), 1 << (k % 64)
        sel = order[start:start + c]
        start += c
        per = max(1, chunk // (sx * sy))
        band = sy if sx * sy <= chunk else max(1, chunk // sx)  # huge triangles: a band of rows at a time
        for i in range(0, len(sel), per):
            for y0 in range(0, sy, band):
                out = _scan(t, sel[i:i + per], sx, min(band, sy - y0), W, device, y0)
                if out is not None:
                    parts.append(out)
        report(on_progress, n + 1, len(classes))
    face_buf = torch.full((W * H,), -1, dtype=torch.int64, device=device)
    bary = torch.zeros((W * H, 3), dtype=torch.float32, device=device)
    if parts:
        pix, z, face, b0, b1 = (torch.cat(p) for p in zip(*parts, strict=True))
        if depth_bias is not None:
            z = z - torch.as_tensor(np.asarray(depth_bias, np.float32), device=device)[face]
        depth.scatter_reduce_(0, pix, z, reduce="amin")
        win = torch.nonzero(z <= depth[pix]).squeeze(1)
        best = torch.full((W * H,), -1, dtype=torch.int64, device=device)
        best.scatter_reduce_(0, pix[win], win, reduce="amax")
        hit = torch.nonzero(best >= 0).squeeze(1)
        f = best[hit]
        face_buf[hit] = face[f]
        bary[hit] = torch.stack([b0[f], b1[f], 1.0 - b0[f] - b1[f]], 1)
        if depth_bias is not None:
            depth[hit] = depth[hit] + torch.as_tensor(np.asarray(depth_bias, np.float32), device=device)[face[f]]
    return depth.cpu().numpy(), face_buf.int().cpu().numpy(), bary.cpu().numpy()


def _scan(t: dict, sel, sx: int, sy: int, W: int, device, y0: int = 0):
    import torch

    ar = torch.arange(sx * sy, device=device)
    oy, ox = ar // sx + y0, ar % sx
    size, base, dx, dy = t["size"][sel], t["base"][sel], t["dx"][sel], t["dy"][sel]
    l0 = base[:, :1] + dx[:, :1] * ox + dy[:, :1] * oy
    l1 = base[:, 1:] + dx[:, 1:] * ox + dy[:, 1:] * oy
    inside = (l0 >= 0) & (l1 >= 0) & (l0 + l1 <= 1) & (ox < size[:, :1]) & (oy < size[:, 1:])
    rows, cols = torch.nonzero(inside, as_tuple=True)
    if len(rows) == 0:
        return None
    l0, l1 = l0[rows, cols], l1[rows, cols]
    tri = sel[rows]
    weight, w = t["weight"][tri], t["w"][tri]
    q0, q1, q2 = l0 * weight[:, 0], l1 * weight[:, 1], (1.0 - l0 - l1) * weight[:, 2]
    s = q0 + q1 + q2
    b0, b1 = q0 / s, q1 / s
    depth = b0 * w[:, 0] + b1 * w[:, 1] + (1.0 - b0 - b1) * w[:, 2]
    lo = t["lo"][tri]
    pix = (lo[:, 1] + oy[cols]) * W + lo[:, 0] + ox[cols]
    return pix, depth.float(), t["id"][tri].long(), b0.float(), b1.float()
