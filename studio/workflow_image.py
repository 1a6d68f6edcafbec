"""Draw a UI-format workflow as a picture (nodes, titles, sockets, links, groups, notes).

An honest, readable rendering for reviews and docs — not the ComfyUI canvas, but the same layout.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

TYPE_COLOURS = {"IMAGE": (100, 181, 246), "MASK": (129, 199, 132), "MODEL": (179, 157, 219),
                "CONDITIONING": (255, 167, 38), "LATENT": (255, 138, 128), "VAE": (255, 99, 99),
                "CLIP": (255, 214, 0), "STRING": (160, 160, 160)}


def _font(size: int):
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def _colour(kind: str) -> tuple[int, int, int]:
    if kind in TYPE_COLOURS:
        return TYPE_COLOURS[kind]
    h = abs(hash(kind)) % 360 / 360.0
    return tuple(int(150 + 100 * np.cos(2 * np.pi * (h + k / 3))) for k in range(3))


def _socket_y(node: dict, index: int) -> float:
    return node["pos"][1] + 38 + 22 * index


def render(workflow: dict, path: str | Path, scale: float = 0.6) -> Path:
    """Write a PNG of ``workflow`` to ``path``."""
    nodes = {n["id"]: n for n in workflow["nodes"]}
    xs = [n["pos"][0] for n in nodes.values()] + [n["pos"][0] + n["size"][0] for n in nodes.values()]
    ys = [n["pos"][1] for n in nodes.values()] + [n["pos"][1] + n["size"][1] for n in nodes.values()]
    for g in workflow.get("groups", []):
        x, y, w, h = g["bounding"]
        xs += [x, x + w]
        ys += [y, y + h]
    x0, y0 = min(xs) - 40, min(ys) - 40
    width, height = int((max(xs) - x0 + 40) * scale), int((max(ys) - y0 + 40) * scale)
    img = Image.new("RGB", (width, height), (32, 32, 36))
    draw = ImageDraw.Draw(img)
    tf, sf = _font(max(10, int(20 * scale))), _font(max(8, int(14 * scale)))

    def p(x, y):
        return ((x - x0) * scale, (y - y0) * scale)

    for g in workflow.get("groups", []):
        x, y, w, h = g["bounding"]
        colour = tuple(int(g.get("color", "#3f789e")[i:i + 2], 16) for i in (1, 3, 5)) if len(g.get("color", "")) == 7 else (63, 120, 158)
        draw.rectangle([p(x, y), p(x + w, y + h)], fill=tuple(c // 3 for c in colour), outline=colour, width=2)
        draw.text(p(x + 10, y + 8), g["title"], fill=(235, 235, 235), font=tf)
    for _link_id, src, slot, dst, dslot, kind in workflow["links"]:
        a, b = nodes[src], nodes[dst]
        start = np.array(p(a["pos"][0] + a["size"][0], _socket_y(a, slot)))
        end = np.array(p(b["pos"][0], _socket_y(b, dslot)))
        t = np.linspace(0, 1, 32)[:, None]
        c1, c2 = start + [60 * scale, 0], end - [60 * scale, 0]
        curve = (1 - t) ** 3 * start + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t ** 2 * c2 + t ** 3 * end
        draw.line([tuple(q) for q in curve], fill=_colour(kind), width=max(2, int(3 * scale)))
    for n in nodes.values():
        x, y = n["pos"]
        w, h = n["size"]
        note = n["type"] in ("Note", "MarkdownNote")
        draw.rounded_rectangle([p(x, y), p(x + w, y + h)], radius=int(8 * scale),
                               fill=(80, 64, 40) if note else (53, 53, 58), outline=(90, 90, 96))
        draw.rounded_rectangle([p(x, y), p(x + w, y + 30)], radius=int(8 * scale), fill=(40, 40, 44))
        draw.text(p(x + 10, y + 6), n.get("title", n["type"]), fill=(240, 240, 240), font=tf)
        if note:
            text = str(n.get("widgets_values", [""])[0])
            lines = [text[i:i + 52] for i in range(0, min(len(text), 52 * 5), 52)]
            for i, line in enumerate(lines):
                draw.text(p(x + 10, y + 40 + 20 * i), line, fill=(230, 220, 200), font=sf)
            continue
        for i, slot in enumerate(n.get("inputs", [])):
            cx, cy = p(x, _socket_y(n, i))
            draw.ellipse([cx - 4, cy - 4, cx + 4, cy + 4], fill=_colour(slot["type"]))
            draw.text((cx + 8, cy - 8), slot["name"], fill=(200, 200, 200), font=sf)
        for i, slot in enumerate(n.get("outputs", [])):
            cx, cy = p(x + w, _socket_y(n, i))
            draw.ellipse([cx - 4, cy - 4, cx + 4, cy + 4], fill=_colour(slot["type"]))
            label = slot["name"]
            draw.text((cx - 8 - draw.textlength(label, font=sf), cy - 8), label, fill=(200, 200, 200), font=sf)
        widgets = [v for v in n.get("widgets_values", []) if v is not None]
        first = len(n.get("inputs", [])) + len(n.get("outputs", []))
        for i, v in enumerate(widgets[:8]):
            draw.text(p(x + 14, _socket_y(n, first + i)), f"{v}"[:40], fill=(170, 190, 170), font=sf)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path
