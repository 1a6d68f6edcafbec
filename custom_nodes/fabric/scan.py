"""Fabric photo → flat, evenly lit, square, power-of-two swatch with a known physical size.

Steps (each usable on its own):

1. perspective correction: the swatch's four corners (given, or found as the largest solid
   four-sided outline — a card or the swatch itself) are mapped to an upright rectangle whose aspect
   ratio is the card's (when its size is known) or recovered from the perspective (Zhang & He 2007);
2. flat-field delighting: linear RGB is divided by a smooth model of the luminance (a degree-4
   polynomial surface times a large-scale blur of the rest), which removes lamp fall-off and
   vignetting but not the fabric's colour (every channel gets the same gain, so chromaticity is
   untouched), then rescaled so the mean luminance is that of the photo; optional mild CLAHE on Lab
   lightness only, after which the mean lightness is restored;
3. crop a border margin (the swatch edge, the card rim);
4. physical scale: pixels per cm given, or measured from a card of known size — either a reference
   card lying beside the swatch (its corners are mapped through the swatch's rectifying homography, so
   perspective does not bias the scale) or the rectified outline itself;
5. centre square crop and resize to a power of two (area interpolation).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..core.errors import InvalidInputError
from ..core.progress import ProgressFn, report
from .color import lab_to_srgb, linear_to_srgb, srgb_to_lab, srgb_to_linear
from .filters import blur
from .image_io import check_image

#: Largest output side (px); the power of two chosen never exceeds it.
MAX_TILE = 4096


def parse_corners(text: str) -> np.ndarray | None:
    """``"x,y; x,y; x,y; x,y"`` (pixels) → ``(4, 2)`` float32, or None for an empty string."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        pts = [[float(v) for v in p.split(",")] for p in text.replace("\n", ";").split(";") if p.strip()]
        arr = np.array(pts, np.float32)
    except ValueError:
        raise InvalidInputError(f"cannot read corners from {text!r}; write 'x,y; x,y; x,y; x,y'",
                                field="corners") from None
    if arr.shape != (4, 2):
        raise InvalidInputError(f"need exactly four 'x,y' corners, got {len(pts)}", field="corners")
    return arr


def check_corners(corners: np.ndarray, width: int, height: int) -> np.ndarray:
    """Validate four corners in order around the quad (either direction) → ``(4, 2)`` float32.

    Corners that cross (a bow-tie), are not convex, enclose (almost) no area, or lie far outside the
    image raise ``InvalidInputError`` naming the problem.
    """
    pts = np.asarray(corners, np.float32)
    if pts.shape != (4, 2) or not np.isfinite(pts).all():
        raise InvalidInputError(f"need four finite (x, y) corners, got shape {pts.shape}", field="corners")
    margin = 0.05 * max(width, height)
    if (pts < -margin).any() or (pts[:, 0] > width + margin).any() or (pts[:, 1] > height + margin).any():
        raise InvalidInputError(f"corners {pts.tolist()} lie outside the {width}×{height} image", field="corners")
    edges = np.roll(pts, -1, axis=0) - pts
    turns = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    if not ((turns > 0).all() or (turns < 0).all()):
        raise InvalidInputError("the corners cross or do not form a convex quadrilateral; give them in order "
                                "around the swatch (top-left, top-right, bottom-right, bottom-left)",
                                field="corners")
    area = 0.5 * abs(float((pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1]).sum()))
    if area < 64.0:
        raise InvalidInputError(f"the corners enclose only {area:.0f} px²", field="corners")
    return pts


def order_corners(corners: np.ndarray) -> np.ndarray:
    """Sort four points as top-left, top-right, bottom-right, bottom-left (image coordinates, y down)."""
    pts = np.asarray(corners, np.float32)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise on screen, starting at the left-most angle (-pi)
    start = int(np.argmin(pts.sum(axis=1)))  # top-left has the smallest x + y
    return np.roll(pts, -start, axis=0)


def _outline_cues(img: np.ndarray) -> list[np.ndarray]:
    """uint8 images in which swatch and background differ: lightness, and local texture energy
    (fabric is textured, a table or backdrop mostly is not — this finds a dark swatch on a dark desk)."""
    light = srgb_to_lab(img)[..., 0] / 100.0
    size = max(3, int(min(img.shape[:2]) / 80) | 1)
    mean = cv2.blur(light, (size, size))
    energy = np.sqrt(np.maximum(cv2.blur(light * light, (size, size)) - mean * mean, 0.0))
    energy = energy / max(float(np.percentile(energy, 99)), 1e-6)
    return [np.round(np.clip(c, 0, 1) * 255).astype(np.uint8) for c in (light, energy)]


def _refine_quad(contour: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Sub-pixel corners: fit a line to the contour points along the middle of each side and
    intersect neighbouring lines (corners of a thresholded mask are rounded; sides are not)."""
    quad = quad.astype(np.float64)
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = (b - a) / max(np.linalg.norm(b - a), 1e-9)
        rel = contour - a
        t = rel @ d / max(np.linalg.norm(b - a), 1e-9)
        dist = np.abs(rel[:, 0] * d[1] - rel[:, 1] * d[0])
        pts = contour[(t > 0.15) & (t < 0.85) & (dist < 4.0)]
        if len(pts) < 5:
            return quad.astype(np.float32)
        vx, vy, x0, y0 = cv2.fitLine(pts, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append(np.cross([x0, y0, 1.0], [x0 + vx, y0 + vy, 1.0]))
    corners = []
    for i in range(4):
        p = np.cross(lines[i - 1], lines[i])
        if abs(p[2]) < 1e-9:
            return quad.astype(np.float32)
        corners.append(p[:2] / p[2])
    # the contour runs along pixel centres; corners are given in pixel-edge coordinates
    return (np.array(corners) + 0.5).astype(np.float32)


def detect_corners(image: np.ndarray) -> np.ndarray:
    """Find the swatch (or card) as the largest four-sided contour → ordered ``(4, 2)`` corners.

    Otsu threshold (both polarities) of lightness and of texture energy, largest external contour,
    polygon approximation. Raises ``InvalidInputError`` when no clear quadrilateral is found.
    """
    img = check_image(image)
    h, w = img.shape[:2]
    best = None
    kernel = np.ones((max(3, min(h, w) // 60 | 1),) * 2, np.uint8)  # odd: no half-pixel shift
    for cue in _outline_cues(img):
        cue = cv2.GaussianBlur(cue, (5, 5), 0)
        for flag in (cv2.THRESH_BINARY, cv2.THRESH_BINARY_INV):
            _, mask = cv2.threshold(cue, 0, 255, flag | cv2.THRESH_OTSU)
            mask = cv2.morphologyEx(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel), cv2.MORPH_OPEN, kernel)
            contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            for c in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
                area = cv2.contourArea(c)
                if area < 0.05 * h * w or area > 0.98 * h * w:
                    continue
                quad = cv2.approxPolyDP(cv2.convexHull(c), 0.02 * cv2.arcLength(c, True), True)
                # a swatch fills its quadrilateral; a blob of texture does not
                solid = len(quad) == 4 and area > 0.9 * cv2.contourArea(quad)
                if solid and (best is None or area > best[0]):
                    best = (area, _refine_quad(c.reshape(-1, 2).astype(np.float32), quad.reshape(4, 2)))
        if best is not None:
            break  # lightness found it; texture energy is the fallback
    if best is None:
        raise InvalidInputError("no four-cornered swatch or card found; give the corners explicitly",
                                field="corners")
    return order_corners(best[1])


def rectangle_aspect(corners: np.ndarray, width: int, height: int) -> float | None:
    """True width ÷ height of a rectangle seen in perspective, or None when it cannot be told.

    Zhang & He (2007), "Whiteboard scanning and image enhancement": with the principal point at the
    image centre and square pixels, the four corners fix the focal length and hence the aspect ratio.
    When the view is (nearly) fronto-parallel the ratio of the mean edge lengths is used instead.
    """
    tl, tr, br, bl = (np.append(p, 1.0).astype(np.float64) for p in np.asarray(corners, np.float64))
    m1, m2, m3, m4 = tl, tr, bl, br
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1
    u0, v0 = width / 2.0, height / 2.0
    if abs(n2[2] * n3[2]) < 1e-9 * np.linalg.norm(n2) * np.linalg.norm(n3):
        return float(np.hypot(n2[0], n2[1]) / np.hypot(n3[0], n3[1]))
    f2 = -((n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + n2[2] * n3[2] * u0 * u0)
           + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + n2[2] * n3[2] * v0 * v0)) / (n2[2] * n3[2])
    if not np.isfinite(f2) or f2 <= 0:
        return None  # corners inconsistent with a centred pinhole camera (e.g. a cropped photo)
    a_inv = np.linalg.inv(np.array([[np.sqrt(f2), 0, u0], [0, np.sqrt(f2), v0], [0, 0, 1.0]]))
    q = a_inv.T @ a_inv
    ratio = float(np.sqrt((n2 @ q @ n2) / (n3 @ q @ n3)))
    return ratio if np.isfinite(ratio) and ratio > 0 else None


def rectify_transform(corners: np.ndarray, width: int, height: int, *,
                      aspect: float | None = None) -> tuple[np.ndarray, int, int]:
    """(3×3 homography photo → upright rectangle, output width, output height) for TL, TR, BR, BL.

    The larger output side is the larger mean length of opposite edges; the aspect ratio is ``aspect``
    (width ÷ height, e.g. of a card of known size) or else estimated from the perspective
    (:func:`rectangle_aspect`), falling back to the ratio of mean edge lengths.
    """
    pts = check_corners(corners, width, height)
    tl, tr, br, bl = pts
    out_w = 0.5 * (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl))
    out_h = 0.5 * (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr))
    if aspect is None:
        aspect = rectangle_aspect(pts, width, height)
    if aspect is not None:
        side = max(out_w, out_h)
        out_w, out_h = (side, side / aspect) if aspect >= 1 else (side * aspect, side)
    out_w, out_h = max(2, int(round(out_w))), max(2, int(round(out_h)))
    dst = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], np.float32)
    # pixel centres: corner points are pixel-edge coordinates, OpenCV maps pixel centres
    m = cv2.getPerspectiveTransform((pts - 0.5).astype(np.float32), (dst - 0.5).astype(np.float32))
    return m, out_w, out_h


def rectify(image: np.ndarray, corners: np.ndarray, *, aspect: float | None = None) -> np.ndarray:
    """Warp the quadrilateral ``corners`` (TL, TR, BR, BL) to an upright rectangle → ``(h, w, 3)``
    (size and aspect as in :func:`rectify_transform`)."""
    img = check_image(image)
    m, out_w, out_h = rectify_transform(corners, img.shape[1], img.shape[0], aspect=aspect)
    return cv2.warpPerspective(img, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def scale_from_card(card_corners: np.ndarray, card_size_cm: tuple[float, float],
                    transform: np.ndarray | None = None) -> float:
    """Pixels per cm from a card of known size lying on the fabric plane → float.

    ``card_corners`` (TL, TR, BR, BL) are photo pixels; ``transform`` is the rectifying homography of
    the swatch (the card is on the same plane, so it maps to its true shape and the scale is exact).
    Without one the photo is assumed to be taken square-on.
    """
    if min(card_size_cm) <= 0:
        raise InvalidInputError(f"card sides must be positive, got {card_size_cm}", field="card_size_cm")
    pts = order_corners(np.asarray(card_corners, np.float32))
    if transform is not None:
        pts = cv2.perspectiveTransform((pts - 0.5)[None], transform)[0] + 0.5
    tl, tr, br, bl = pts
    width = 0.5 * (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl))
    height = 0.5 * (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr))
    return float(0.5 * (width / card_size_cm[0] + height / card_size_cm[1]))


def delight(image: np.ndarray, *, sigma_fraction: float = 0.125, clahe: float = 0.0) -> np.ndarray:
    """Flat-field delighting → ``(h, w, 3)`` sRGB 0..1 (see module doc).

    ``sigma_fraction``: blur sigma as a fraction of the longer side (the scale of the lighting).
    ``clahe``: 0..1 mix of a contrast-limited equalisation of Lab lightness (0 = off; 0.2–0.3 is mild).
    """
    img = check_image(image)
    if not 0.0 <= clahe <= 1.0:
        raise InvalidInputError(f"must lie in [0, 1], got {clahe}", field="clahe")
    lin = srgb_to_linear(img)
    lum = lin @ np.array([0.2126729, 0.7151522, 0.0721750], np.float32)
    shade = lighting_field(lum, sigma_fraction * max(img.shape[:2]))
    gain = float(lum.mean()) / shade
    out = linear_to_srgb(lin * gain[..., None])
    if clahe > 0:
        out = _mild_clahe(out, clahe)
    return out


def _poly_basis(xn: np.ndarray, yn: np.ndarray, degree: int) -> np.ndarray:
    """Monomials x^i y^j with i + j ≤ degree, stacked on the last axis."""
    return np.stack([xn ** i * yn ** j for i in range(degree + 1) for j in range(degree + 1 - i)], -1)


def lighting_field(lum: np.ndarray, sigma: float, degree: int = 4) -> np.ndarray:
    """Smooth estimate of the illumination over a luminance image ``(h, w)`` → ``(h, w)`` > 0.

    A degree-4 polynomial surface fitted by least squares (lamp fall-off and vignetting are smooth;
    unlike a plain blur of a ramp it is unbiased at the borders), times a Gaussian blur of what the
    surface leaves over (light too uneven for the polynomial), so texture finer than ``sigma`` [px]
    stays in the image.
    """
    h, w = lum.shape
    step = max(1, min(h, w) // 64)
    ys, xs = np.mgrid[0:h:step, 0:w:step].astype(np.float32)
    coef, *_ = np.linalg.lstsq(_poly_basis((xs + 0.5) / w - 0.5, (ys + 0.5) / h - 0.5, degree).reshape(-1, (degree + 1) * (degree + 2) // 2),
                               lum[::step, ::step].reshape(-1), rcond=None)
    # evaluate on a coarse grid and upsample: the surface is smooth, full-size powers would be slow
    gh, gw = min(h, 128), min(w, 128)
    gy, gx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    coarse = (_poly_basis((gx + 0.5) / gw - 0.5, (gy + 0.5) / gh - 0.5, degree) @ coef.astype(np.float32))
    surface = cv2.resize(coarse.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    surface = np.maximum(surface, 1e-4 + 0.05 * float(lum.mean()))
    residual = blur(lum / surface, sigma, wrap=False)
    return np.maximum(surface * residual, 1e-4).astype(np.float32)


def _mild_clahe(img: np.ndarray, amount: float) -> np.ndarray:
    """CLAHE on Lab lightness only, mixed in by ``amount``, then the mean lightness put back."""
    lab = srgb_to_lab(img)
    light = np.clip(lab[..., 0] * 2.55, 0, 255).astype(np.uint8)
    tiles = max(2, min(8, min(img.shape[:2]) // 64))
    eq = cv2.createCLAHE(clipLimit=1.5, tileGridSize=(tiles, tiles)).apply(light).astype(np.float32) / 2.55
    new_l = (1.0 - amount) * lab[..., 0] + amount * eq
    lab[..., 0] = new_l - new_l.mean() + lab[..., 0].mean()
    return lab_to_srgb(lab)


def crop_margin(image: np.ndarray, fraction: float) -> np.ndarray:
    """Cut ``fraction`` (0..0.4) of each side away: the swatch edge, the card rim, curling corners."""
    if not 0.0 <= fraction <= 0.4:
        raise InvalidInputError(f"must lie in [0, 0.4], got {fraction}", field="crop")
    h, w = image.shape[:2]
    dy, dx = int(round(h * fraction)), int(round(w * fraction))
    return image[dy:h - dy, dx:w - dx]


def to_power_of_two(image: np.ndarray, max_size: int = 2048) -> np.ndarray:
    """Centre square crop, then resize to the largest power of two ≤ the side (and ≤ ``max_size``)."""
    if max_size < 8 or max_size > MAX_TILE:
        raise InvalidInputError(f"must lie in [8, {MAX_TILE}], got {max_size}", field="max_size")
    h, w = image.shape[:2]
    side = min(h, w)
    y0, x0 = (h - side) // 2, (w - side) // 2
    square = image[y0:y0 + side, x0:x0 + side]
    target = 1 << int(np.floor(np.log2(max(min(side, max_size), 8))))
    if target == side:
        return np.ascontiguousarray(square)
    return cv2.resize(square, (target, target), interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class ScanResult:
    """A scanned swatch: the corrected tile and how big it is in the world."""

    image: np.ndarray  # sRGB 0..1, (n, n, 3) float32, n a power of two
    tile_size: float | None  # [m] side of the tile, None when the scale is unknown
    corners: np.ndarray | None  # (4, 2) corners used in the photo [px], None when not rectified


def scan_fabric(photo: np.ndarray, *, corners: np.ndarray | None = None, detect: bool = False,
                delight_sigma: float = 0.125, clahe: float = 0.0, crop: float = 0.02,
                px_per_cm: float = 0.0, card_size_cm: tuple[float, float] | None = None,
                card_corners: np.ndarray | None = None, max_size: int = 2048,
                on_progress: ProgressFn | None = None) -> ScanResult:
    """Photo ``(h, w, 3)`` 0..1 → :class:`ScanResult` (steps in the module doc).

    ``corners`` (TL, TR, BR, BL, px) or ``detect=True`` rectifies. Scale, first match wins:
    ``card_size_cm`` (width, height) with ``card_corners`` — a reference card lying beside the swatch;
    ``card_size_cm`` alone — the rectified quadrilateral *is* the card (a swatch mounted on it), which
    also fixes the aspect; ``px_per_cm`` (> 0, in the photo); otherwise the scale is unknown.
    """
    img = check_image(photo, "photo")
    if px_per_cm < 0 or not np.isfinite(px_per_cm):
        raise InvalidInputError(f"must be ≥ 0 (0 = unknown), got {px_per_cm}", field="px_per_cm")
    report(on_progress, 0, 4)
    if corners is None and detect:
        corners = detect_corners(img)
    card_is_swatch = card_size_cm is not None and card_corners is None
    if card_is_swatch and (corners is None or min(card_size_cm) <= 0):
        raise InvalidInputError("a card size needs the card's four corners (given or detected) and "
                                "positive sides", field="card_size_cm")
    transform = None
    if corners is not None:
        ordered = order_corners(check_corners(corners, img.shape[1], img.shape[0]))
        aspect = card_size_cm[0] / card_size_cm[1] if card_is_swatch else None
        transform, out_w, out_h = rectify_transform(ordered, img.shape[1], img.shape[0], aspect=aspect)
        img = cv2.warpPerspective(img, transform, (out_w, out_h), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)
    if card_is_swatch:
        px_per_cm = img.shape[1] / card_size_cm[0]
    elif card_size_cm is not None:
        px_per_cm = scale_from_card(card_corners, card_size_cm, transform)
    report(on_progress, 1, 4)
    img = crop_margin(delight(img, sigma_fraction=delight_sigma, clahe=clahe), crop)
    report(on_progress, 2, 4)
    check_image(img, "cropped photo")
    side = min(img.shape[:2])
    tile = to_power_of_two(img, max_size)
    report(on_progress, 4, 4)
    tile_size = side / px_per_cm / 100.0 if px_per_cm > 0 else None
    return ScanResult(tile.astype(np.float32), tile_size, None if corners is None else np.asarray(corners, np.float32))
