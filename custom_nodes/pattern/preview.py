"""2D preview of a pattern: panels laid out side by side, seams coloured in pairs, grain lines, labels.

Drawn with PIL; returns an (H, W, 3) uint8 array (nodes turn it into an IMAGE).
"""

from __future__ import annotations

import colorsys

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..core.errors import InvalidInputError
from ..core.pattern import Pattern
from .curves import dense_edge

MARGIN = 0.04  # [m] gap between panels in the layout


def seam_colours(n: int) -> list[tuple[int, int, int]]:
    """``n`` well separated saturated colours (golden-ratio hues)."""
    out = []
    for i in range(n):
        r, g, b = colorsys.hsv_to_rgb((i * 0.618034) % 1.0, 0.85, 0.85)
        out.append((int(r * 255), int(g * 255), int(b * 255)))
    return out


def layout(pattern: Pattern, aspect: float = 4 / 3) -> list[np.ndarray]:
    """Per panel, a 2D offset [m] placing it on a shelf layout (rows left to right) whose shape best
    fills a picture of the given width/height ``aspect``."""
    boxes = []
    for p in pattern.panels:
        pts = np.concatenate([dense_edge(p, k, 16) for k in range(len(p.edges))])
        boxes.append((pts.min(0), pts.max(0)))
    widths = [float((hi - lo)[0]) + MARGIN for lo, hi in boxes]
    best, best_fit = None, -1.0
    for row_width in np.linspace(max(widths), sum(widths), 16):
        offsets = _shelves(boxes, row_width)
        lo = np.min([b[0] + o for b, o in zip(boxes, offsets, strict=True)], axis=0)
        hi = np.max([b[1] + o for b, o in zip(boxes, offsets, strict=True)], axis=0)
        fit = min(aspect / (hi - lo)[0], 1.0 / (hi - lo)[1])
        if fit > best_fit:
            best, best_fit = offsets, fit
    return best


def _shelves(boxes, row_width: float) -> list[np.ndarray]:
    offsets, x, y, row_h = [], 0.0, 0.0, 0.0
    for lo, hi in boxes:
        w, h = (hi - lo)
        if x > 0 and x + w > row_width:
            x, y, row_h = 0.0, y - row_h - MARGIN, 0.0
        offsets.append(np.array([x, y - h]) - lo)
        x += w + MARGIN
        row_h = max(row_h, h)
    return offsets


def render_pattern(pattern: Pattern, width: int = 1024, height: int = 768, title: str | None = None) -> np.ndarray:
    """(height, width, 3) uint8 picture of the pattern."""
    if not (64 <= width <= 8192 and 64 <= height <= 8192):
        raise InvalidInputError(f"image size {width}×{height} must lie in 64..8192", field="width")
    offsets = layout(pattern, width / height)
    polys = [[dense_edge(p, k, 48) + off for k in range(len(p.edges))] for p, off in zip(pattern.panels, offsets,
                                                                                          strict=True)]
    allpts = np.concatenate([np.concatenate(e) for e in polys])
    lo, hi = allpts.min(0), allpts.max(0)
    top = 40
    scale = min((width - 40) / max(hi[0] - lo[0], 1e-6), (height - top - 30) / max(hi[1] - lo[1], 1e-6))

    def px(p):
        p = np.atleast_2d(p)
        return [(20 + (x - lo[0]) * scale, top + (hi[1] - y) * scale) for x, y in p]

    img = Image.new("RGB", (width, height), (250, 248, 243))
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=max(12, width // 70))
    colour_of = {}
    for k, seam in enumerate(pattern.seams):
        for side in (seam.a, seam.b):
            for e in side.edges:
                colour_of[(side.panel, e)] = k
    colours = seam_colours(max(1, len(pattern.seams)))
    for p_i, (panel, edges) in enumerate(zip(pattern.panels, polys, strict=True)):
        draw.polygon(px(np.concatenate(edges)), fill=(236, 230, 218))
        for k, pts in enumerate(edges):
            if (panel.name, k) in colour_of:
                seam_k = colour_of[(panel.name, k)]
                draw.line(px(pts), fill=colours[seam_k], width=max(3, width // 300))
                inward = _inward(pts, np.concatenate(edges)) * 14 / scale
                mx, my = px(pts[len(pts) // 2] + inward)[0]
                draw.text((mx, my), str(seam_k), fill=colours[seam_k], font=font, anchor="mm")
            else:
                draw.line(px(pts), fill=(40, 40, 40), width=max(1, width // 700))
            if k == panel.fold_edge:
                draw.line(px(pts), fill=(90, 90, 200), width=max(2, width // 400))
            for t in panel.edges[k].notches:
                q = pts[min(int(round(t * (len(pts) - 1))), len(pts) - 1)]
                draw.ellipse([(c - 3, d - 3, c + 3, d + 3) for c, d in px(q)][0], fill=(0, 0, 0))
        _grain_and_label(draw, panel, offsets[p_i], np.concatenate(edges), px, font, scale)
    if title:
        draw.text((20, 10), title, fill=(20, 20, 20), font=font)
    return np.asarray(img, np.uint8)


def _inward(edge_pts: np.ndarray, outline_pts: np.ndarray) -> np.ndarray:
    """Unit vector from an edge's midpoint towards the panel's centre (where its seam number goes)."""
    mid = edge_pts[len(edge_pts) // 2]
    d = outline_pts.mean(0) - mid
    return d / max(float(np.linalg.norm(d)), 1e-9)


def _grain_and_label(draw, panel, offset, pts, px, font, scale):
    """Grain line (arrow through the panel centre along the warp) and the panel name."""
    c = pts.mean(0)
    half = 0.3 * float(np.ptp(pts, axis=0).min() if np.ptp(pts, axis=0).min() > 0 else 0.1)
    g = panel.grain.astype(np.float64)
    a, b = c - g * half, c + g * half
    draw.line(px(np.stack([a, b])), fill=(60, 60, 60), width=2)
    tip = px(b)[0]
    side = np.array([-g[1], g[0]]) * 8
    back = -g * 12
    draw.polygon([tip, (tip[0] + back[0] + side[0], tip[1] - back[1] - side[1]),
                  (tip[0] + back[0] - side[0], tip[1] - back[1] + side[1])], fill=(60, 60, 60))
    lx, ly = px(c + np.array([0.0, -0.05]))[0]
    label = f"{panel.name}"
    draw.text((lx, ly), label, fill=(10, 10, 10), font=font, anchor="mm")


def render_grading_nest(graded: dict[str, Pattern], width: int = 1024, height: int = 768) -> np.ndarray:
    """(H, W, 3) uint8: every size's panels overlaid (aligned at each panel's bottom centre), the
    classic grading nest; smallest size blue, largest red."""
    sizes = list(graded)
    if not sizes:
        raise InvalidInputError("no sizes to draw", field="graded")
    largest = graded[sizes[-1]]
    offsets = layout(largest, width / height)
    outlines = {}
    for s in sizes:
        for panel in graded[s].panels:
            pts = np.concatenate([dense_edge(panel, k, 32) for k in range(len(panel.edges))])
            anchor = np.array([0.5 * (pts[:, 0].min() + pts[:, 0].max()), pts[:, 1].min()])
            outlines[(s, panel.name)] = pts - anchor
    ref = {p.name: np.concatenate([dense_edge(p, k, 8) for k in range(len(p.edges))]) for p in largest.panels}
    anchors = {n: np.array([0.5 * (r[:, 0].min() + r[:, 0].max()), r[:, 1].min()]) + o
               for (n, r), o in zip(ref.items(), offsets, strict=True)}
    allpts = np.concatenate([pts + anchors[n] for (s, n), pts in outlines.items() if n in anchors])
    lo, hi = allpts.min(0), allpts.max(0)
    scale = min((width - 40) / (hi[0] - lo[0]), (height - 70) / (hi[1] - lo[1]))
    img = Image.new("RGB", (width, height), (250, 248, 243))
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=max(12, width // 70))
    for i, s in enumerate(sizes):
        f = i / max(1, len(sizes) - 1)
        col = (int(40 + 200 * f), 60, int(220 - 180 * f))
        for (size, name), pts in outlines.items():
            if size != s or name not in anchors:
                continue
            q = pts + anchors[name]
            xy = [(20 + (x - lo[0]) * scale, 40 + (hi[1] - y) * scale) for x, y in q]
            draw.line(xy + [xy[0]], fill=col, width=2)
        draw.text((20 + 60 * i, 10), s, fill=col, font=font)
    return np.asarray(img, np.uint8)


def grade_with_nest(settings, body: str, size: str, on_progress=None) -> tuple[Pattern, np.ndarray]:
    """Grade ``settings`` over every size; returns the pattern in ``size`` and the nest picture."""
    from .templates import grade

    graded = grade(settings, body=body, on_progress=on_progress)
    if size not in graded:
        raise InvalidInputError(f"must be one of {list(graded)}, got {size!r}", field="size")
    return graded[size], render_grading_nest(graded)


def render_placed(garment, width: int = 900, height: int = 600, avatar=None) -> np.ndarray:
    """(H, W, 3) uint8: the garment at its 3D positions seen from the front, the side and above
    (orthographic, flat-shaded by panel, painter's order); the avatar's keypoints as dots."""
    pos = garment.positions.astype(np.float64)
    colours = np.array(seam_colours(max(1, len(garment.panel_names))), np.float64)
    img = Image.new("RGB", (width, height), (250, 248, 243))
    draw = ImageDraw.Draw(img)
    views = [("front", 0, 1, 2, 1.0), ("side", 2, 1, 0, -1.0), ("top", 0, 2, 1, -1.0)]
    lo, hi = pos.min(0), pos.max(0)
    span = float(max(hi - lo)) * 1.1
    scale = min(width / 3, height) * 0.9 / span
    tri = pos[garment.faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    base = colours[garment.vertex_panel[garment.faces[:, 0]]]
    for k, (name, ax, ay, az, sign) in enumerate(views):
        cx = width / 3 * (k + 0.5)
        centre = (lo + hi) / 2
        depth = tri[:, :, az].mean(1) * sign
        shade = 0.45 + 0.55 * np.abs(normals[:, az])
        order = np.argsort(depth)
        flip = -1.0 if name == "top" else 1.0
        for f in order:
            xy = [(cx + (v[ax] - centre[ax]) * scale * (1 if name != "side" else -1),
                   height / 2 - flip * (v[ay] - centre[ay]) * scale) for v in tri[f]]
            c = tuple(int(x) for x in base[f] * shade[f])
            draw.polygon(xy, fill=c)
        if avatar is not None:
            for p in avatar.keypoints:
                x = cx + (p[ax] - centre[ax]) * scale * (1 if name != "side" else -1)
                y = height / 2 - flip * (p[ay] - centre[ay]) * scale
                draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=(0, 0, 0))
        draw.text((cx - 20, 8), name, fill=(20, 20, 20))
    return np.asarray(img, np.uint8)
