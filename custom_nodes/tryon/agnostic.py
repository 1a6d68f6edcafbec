"""The agnostic mask: which pixels of a person photo a new garment may repaint.

Follows the published recipes (VITON-HD's agnostic person, OOTDiffusion's ``get_mask_location``, CatVTON's
AutoMasker): start from the parsed garment, add body bands drawn from the pose (arms from
shoulder–elbow–wrist, legs from hip–knee–ankle) with widths relative to the image height, a torso
polygon from shoulders and hips, and the neck between chin and shoulders; dilate relative to the
resolution, fill holes, apply the user's offsets, and finally remove every protected pixel: face, hair,
hat, sunglasses, hands, shoes, bag, the other garment and any other person. Protection is applied
last, so no setting can ever mask a face or hand pixel.

Modes: ``normal`` covers the garment and the upper arm (thigh for bottoms) — same-length swaps;
``relaxed`` covers the whole sleeve (leg) region down to the wrists (ankles), so a long sleeve can
become a short one and back. ``relaxed`` ⊇ ``normal`` for the same settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from ..core.errors import InvalidInputError
from ..core.params import param
from .labels import ALWAYS_PROTECTED, ARMS, GARMENT_LABELS, LEGS, OTHER_GARMENT, L, any_of, check_label_map
from .pose import point, visible

GREY = 0.5  # agnostic fill value (VITON-HD uses grey 128)


@dataclass(frozen=True)
class MaskSettings:
    """How to build the agnostic mask. Lengths are fractions of the image height, so one setting works
    at every resolution."""

    garment: str = param("upper", choices=("upper", "lower", "dress"),
                         tooltip="Which garment is replaced: upper (tops), lower (trousers, skirts), dress (full body).")
    mode: str = param("normal", choices=("normal", "relaxed"),
                      tooltip="normal: garment + upper arms/thighs. relaxed: whole sleeve/leg region, for long↔short swaps.")
    arm_width: float = param(0.05, lo=0.005, hi=0.2, step=0.005, tooltip="Arm band width, fraction of image height.")
    leg_width: float = param(0.07, lo=0.005, hi=0.25, step=0.005, tooltip="Leg band width, fraction of image height.")
    dilation: float = param(0.012, lo=0.0, hi=0.1, step=0.001, tooltip="Dilation radius, fraction of image height.")
    grow: float = param(0.0, lo=-0.05, hi=0.05, step=0.001,
                        tooltip="User offset: grow (+) or shrink (−) the mask, fraction of image height.")
    hem_offset: float = param(0.0, lo=-0.3, hi=0.3, step=0.005,
                              tooltip="User offset: move the mask's lower edge down (+) or up (−), fraction of image height.")
    include_neck: bool = param(True, tooltip="Mask the neck between chin and shoulders (new necklines).")

    def __post_init__(self):
        if self.garment not in GARMENT_LABELS:
            raise InvalidInputError(f"must be upper, lower or dress, got {self.garment!r}", field="garment")
        if self.mode not in ("normal", "relaxed"):
            raise InvalidInputError(f"must be normal or relaxed, got {self.mode!r}", field="mode")


@dataclass(frozen=True)
class AgnosticResult:
    mask: np.ndarray  # (H, W) bool, True = to repaint
    protected: np.ndarray  # (H, W) bool, never repainted (face, hair, hands, shoes, bag, other garment…)
    face_hands: np.ndarray  # (H, W) bool, what paste-back restores from the original
    torso: np.ndarray  # (H, W) bool, torso polygon (shoulders–hips), the warp-quality reference


def _band(shape, pts, width: float) -> np.ndarray:
    """(H, W) bool: a polyline through ``pts`` [px] drawn ``width`` px thick with round caps."""
    canvas = np.zeros(shape, np.uint8)
    w = max(1, int(round(width)))
    pts = [np.round(p).astype(np.int32) for p in pts]
    for a, b in zip(pts[:-1], pts[1:], strict=False):
        cv2.line(canvas, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), 1, w)
    for p in pts:
        cv2.circle(canvas, (int(p[0]), int(p[1])), max(1, w // 2), 1, -1)
    return canvas.astype(bool)


def _polygon(shape, pts) -> np.ndarray:
    canvas = np.zeros(shape, np.uint8)
    cv2.fillPoly(canvas, [np.round(np.asarray(pts)).astype(np.int32)], 1)
    return canvas.astype(bool)


def _disk(radius: float) -> np.ndarray:
    r = max(1, int(round(radius)))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def limb_band(pose, shape, joints: tuple[str, str, str], full: bool, width: float) -> np.ndarray:
    """Band along shoulder→elbow(→wrist) or hip→knee(→ankle); only the visible part of the chain."""
    chain = [point(pose, joints[0])] if visible(pose, joints[0]) else []
    for j in joints[1:3] if full else joints[1:2]:
        if not visible(pose, j):
            break
        chain.append(point(pose, j))
    return _band(shape, chain, width) if len(chain) > 1 else np.zeros(shape, bool)


def torso_polygon(pose: np.ndarray, shape) -> np.ndarray:
    """(H, W) bool polygon through both shoulders and both hips, widened 15 % sideways."""
    names = ("right_shoulder", "left_shoulder", "left_hip", "right_hip")
    if not visible(pose, *names):
        return np.zeros(shape, bool)
    pts = np.array([point(pose, n) for n in names])
    centre = pts.mean(0)
    pts[:, 0] = centre[0] + 1.15 * (pts[:, 0] - centre[0])
    return _polygon(shape, pts)


def neck_region(pose, labels, height) -> np.ndarray:
    """Quad from under the chin to the shoulder line; the chin is the lowest face pixel near the nose."""
    shape = labels.shape
    if not visible(pose, "nose", "neck"):
        return np.zeros(shape, bool)
    nose, neck = point(pose, "nose"), point(pose, "neck")
    half = max(2.0, 0.3 * np.linalg.norm(neck - nose))
    cols = slice(max(0, int(nose[0] - half)), int(nose[0] + half) + 1)
    rows = np.nonzero((labels[:, cols] == L["face"]).any(1))[0]
    chin_y = rows.max() if rows.size and rows.max() > nose[1] else nose[1] + 0.5 * (neck[1] - nose[1])
    chin_y = min(chin_y - 0.02 * height, neck[1])
    return _polygon(shape, [(nose[0] - half, chin_y), (nose[0] + half, chin_y),
                            (neck[0] + 1.6 * half, neck[1] + 0.02 * height), (neck[0] - 1.6 * half, neck[1] + 0.02 * height)])


def hands_mask(pose: np.ndarray, labels: np.ndarray, hands: list[np.ndarray] | None = None) -> np.ndarray:
    """(H, W) bool hands: arm-labelled pixels past the wrist (along the forearm) plus a disc there, plus
    the dilated hull of each hand's keypoints when a detector gave them (``hands``: (n, 2) px arrays).

    ATR has no hand class, so without hand keypoints the hand is the end of the arm beyond the wrist.
    """
    shape = labels.shape
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32) + 0.5
    out = np.zeros(shape, bool)
    arm = any_of(labels, ARMS)
    for side in ("right", "left"):
        if not visible(pose, f"{side}_elbow", f"{side}_wrist"):
            continue
        el, wr = point(pose, f"{side}_elbow"), point(pose, f"{side}_wrist")
        fore = wr - el
        length = max(np.linalg.norm(fore), 2.0)
        d = fore / length
        along = (xx - wr[0]) * d[0] + (yy - wr[1]) * d[1]
        dist = np.hypot(xx - wr[0], yy - wr[1])
        out |= arm & (along > -0.1 * length) & (dist < 0.7 * length)
        centre = wr + 0.25 * length * d
        out |= np.hypot(xx - centre[0], yy - centre[1]) < 0.28 * length
    for pts in hands or []:
        hull = cv2.convexHull(np.round(np.asarray(pts, np.float32)).astype(np.int32))
        canvas = np.zeros(shape, np.uint8)
        cv2.fillConvexPoly(canvas, hull, 1)
        out |= cv2.dilate(canvas, _disk(0.012 * shape[0])).astype(bool)
    return out


def _target_person(labels: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """(H, W) bool: the connected person region holding this pose's torso; other people excluded.

    Pixels touching diagonally are connected, and specks under 0.1 % of the photo (a parser's stray pixels
    at an outline) are this person's: no other person is that small."""
    person = labels > 0
    comp, n = ndimage.label(person, structure=np.ones((3, 3), bool))
    if n <= 1:
        return person
    keep = set()
    for name in ("neck", "right_shoulder", "left_shoulder", "right_hip", "left_hip", "nose"):
        if visible(pose, name):
            x, y = np.round(point(pose, name)).astype(int)
            if 0 <= y < labels.shape[0] and 0 <= x < labels.shape[1] and comp[y, x] > 0:
                keep.add(int(comp[y, x]))
    if not keep:
        return person
    sizes = ndimage.sum(person, comp, index=np.arange(1, n + 1))
    keep |= {i + 1 for i in np.flatnonzero(sizes < 1e-3 * labels.size)}
    return np.isin(comp, list(keep))


def _body_region(labels, pose, s: MaskSettings) -> np.ndarray:
    """Garment labels + pose bands + torso/pelvis polygons, before dilation and protection."""
    h = labels.shape[0]
    relaxed = s.mode == "relaxed"
    region = any_of(labels, GARMENT_LABELS[s.garment])
    if s.garment in ("upper", "dress"):
        region |= torso_polygon(pose, labels.shape)
        for side in ("right", "left"):
            region |= limb_band(pose, labels.shape, (f"{side}_shoulder", f"{side}_elbow", f"{side}_wrist"),
                            relaxed, s.arm_width * h)
        if relaxed:
            region |= any_of(labels, ARMS)
        if s.include_neck:
            region |= neck_region(pose, labels, h)
    if s.garment in ("lower", "dress"):
        full_legs = relaxed and s.garment == "lower"
        for side in ("right", "left"):
            region |= limb_band(pose, labels.shape, (f"{side}_hip", f"{side}_knee", f"{side}_ankle"),
                            full_legs, s.leg_width * h)
        if full_legs:
            region |= any_of(labels, LEGS)
        if visible(pose, "right_hip", "left_hip", "right_knee", "left_knee"):
            region |= _polygon(labels.shape, [point(pose, n) for n in ("right_hip", "left_hip", "left_knee", "right_knee")])
    return region


def _shift_hem(mask: np.ndarray, pixels: int) -> np.ndarray:
    """Move the mask's lower edges down (+) or up (−) by ``pixels``."""
    if pixels == 0:
        return mask
    k = np.zeros((abs(pixels) + 1, 1), np.uint8)
    k[:] = 1
    m = mask.astype(np.uint8)
    if pixels > 0:  # out(y) = max(m[y - pixels .. y]): extends downwards
        return cv2.dilate(m, k, anchor=(0, pixels)).astype(bool)
    return cv2.erode(m, k, anchor=(0, 0)).astype(bool)  # keeps y only if m[y .. y + |pixels|] all set


def agnostic_mask(labels, pose: np.ndarray, settings: MaskSettings | None = None,
                  hands: list[np.ndarray] | None = None) -> AgnosticResult:
    """Agnostic mask of one person from an ATR label map (H, W) and an (18, 3) pose in pixels.

    ``hands``: optional hand keypoints ((n, 2) px each, e.g. DWPose's) that are protected too.
    """
    s = settings or MaskSettings()
    labels = check_label_map(labels)
    pose = np.asarray(pose, np.float32)
    if pose.shape != (18, 3) or not np.isfinite(pose).all():
        raise InvalidInputError(f"expected a finite (18, 3) OpenPose-18 pose, got {pose.shape}", field="pose")
    h = labels.shape[0]
    person = _target_person(labels, pose)
    if person.sum() < 1e-3 * labels.size:
        raise InvalidInputError("no person in the label map (almost every pixel is background)", field="labels")
    hand_px = hands_mask(pose, labels, hands)
    face = any_of(labels, ALWAYS_PROTECTED[:4])
    protected = face | hand_px | any_of(labels, ALWAYS_PROTECTED) | (any_of(labels, OTHER_GARMENT[s.garment]) & ~any_of(labels, GARMENT_LABELS[s.garment]))
    protected |= (labels > 0) & ~person  # other people
    region = _body_region(labels, pose, s) & ~((labels > 0) & ~person)
    if s.dilation > 0:
        region = cv2.dilate(region.astype(np.uint8), _disk(s.dilation * h)).astype(bool)
    region = ndimage.binary_fill_holes(region)
    region = _shift_hem(region, int(round(s.hem_offset * h)))
    if s.grow > 0:
        region = cv2.dilate(region.astype(np.uint8), _disk(s.grow * h)).astype(bool)
    elif s.grow < 0:
        region = cv2.erode(region.astype(np.uint8), _disk(-s.grow * h)).astype(bool)
    mask = region & ~protected
    return AgnosticResult(mask, protected, face | hand_px, torso_polygon(pose, labels.shape))


def agnostic_image(image: np.ndarray, mask: np.ndarray, grey: float = GREY) -> np.ndarray:
    """(H, W, 3) float32: the photo with the masked region filled grey (what try-on models condition on)."""
    out = np.array(image, np.float32, copy=True)
    out[mask] = grey
    return out
