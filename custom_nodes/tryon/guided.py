"""Guided inputs for a photo try-on when no pose or parsing model is installed.

A person clicks the joints (neck, shoulders, elbows, wrists, hips, in photo pixels) and draws a rough box
(optionally strokes on the person / on the background). From that:

* :func:`pose_from_clicks` builds the (18, 3) OpenPose-18 pose (and the POSE_KEYPOINT frame);
* :func:`grabcut_person` cuts the person out with OpenCV GrabCut, seeded by the box, the strokes and the
  clicked skeleton (drawn as sure-foreground lines);
* :func:`coarse_labels` turns person mask + pose into a coarse ATR-18 label map — hair/face above the
  chin, arms along shoulder→elbow→wrist, upper clothes on the torso, the lower garment below the hips,
  the neck left unlabelled as ATR does — good enough for the classic try-on's masks.

:data:`AUTOMATIC_HINT` is the line to show a user: which ``install.py`` command makes this automatic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from ..core.errors import InvalidInputError
from .images import as_rgb
from .labels import L
from .pose import K, point, to_pose_keypoint, visible

INSTALL_POSE = "python install.py models --download --only dwpose_wholebody"
AUTOMATIC_HINT = (f"No pose model installed: the pose comes from your clicks. Run `{INSTALL_POSE}` "
                  "once to detect it automatically.")
CLICK_JOINTS = ("neck", "right_shoulder", "left_shoulder", "right_elbow", "left_elbow", "right_wrist",
                "left_wrist", "right_hip", "left_hip")


@dataclass(frozen=True)
class GuidedInputs:
    pose: np.ndarray  # (18, 3) float32 [x_px, y_px, confidence]
    labels: np.ndarray  # (H, W) uint8, coarse ATR-18
    person_mask: np.ndarray  # (H, W) bool
    pose_keypoint: dict  # one POSE_KEYPOINT frame
    notes: tuple[str, ...]


def pose_from_clicks(joints: Mapping[str, Sequence[float]], width: int, height: int) -> np.ndarray:
    """(18, 3) pose from clicked joints {OpenPose-18 name: (x, y) px}; unclicked joints are missing.

    Both shoulders (or both hips) are required; a missing neck is the shoulders' midpoint.
    """
    pose = np.zeros((18, 3), np.float32)
    for name, xy in joints.items():
        if name not in K:
            raise InvalidInputError(f"unknown joint {name!r}; use OpenPose-18 names such as {', '.join(CLICK_JOINTS)}",
                                    field="joints")
        try:
            x, y = (float(v) for v in xy)
        except (TypeError, ValueError):
            raise InvalidInputError(f"{name} must be (x, y) pixels, got {str(xy)[:40]!r}", field="joints") from None
        if not (np.isfinite(x) and np.isfinite(y) and 0 <= x <= width and 0 <= y <= height):
            raise InvalidInputError(f"{name} ({x:.0f}, {y:.0f}) lies outside the {width}×{height} photo",
                                    field="joints")
        pose[K[name]] = (x, y, 1.0)
    if not (visible(pose, "right_shoulder", "left_shoulder") or visible(pose, "right_hip", "left_hip")):
        raise InvalidInputError("click both shoulders (or both hips) at least", field="joints")
    if not visible(pose, "neck") and visible(pose, "right_shoulder", "left_shoulder"):
        pose[K["neck"]] = (*((point(pose, "right_shoulder") + point(pose, "left_shoulder")) / 2), 1.0)
    return pose


def _strokes(strokes, shape, width: int) -> np.ndarray:
    """(H, W) bool from a mask array or a list of polylines [(x, y), …]."""
    if strokes is None:
        return np.zeros(shape, bool)
    arr = np.asarray(strokes, dtype=object) if not isinstance(strokes, np.ndarray) else strokes
    if isinstance(arr, np.ndarray) and arr.dtype != object and arr.shape == tuple(shape):
        return arr > 0
    canvas = np.zeros(shape, np.uint8)
    for line in strokes:
        pts = np.round(np.asarray(line, np.float64).reshape(-1, 2)).astype(np.int32)
        if len(pts) == 1:
            cv2.circle(canvas, tuple(int(v) for v in pts[0]), max(1, width // 2), 1, -1)
        else:
            cv2.polylines(canvas, [pts], False, 1, max(1, width))
    return canvas.astype(bool)


def _skeleton(pose: np.ndarray, shape, width: int) -> np.ndarray:
    """Sure-foreground lines along the clicked skeleton (neck–shoulders–elbows–wrists, neck–hips)."""
    canvas = np.zeros(shape, np.uint8)
    chains = [("neck", "right_shoulder", "right_elbow", "right_wrist"), ("neck", "left_shoulder", "left_elbow", "left_wrist"),
              ("neck", "right_hip"), ("neck", "left_hip"), ("right_hip", "left_hip")]
    for chain in chains:
        pts = [point(pose, n) for n in chain if visible(pose, n)]
        for a, b in zip(pts[:-1], pts[1:], strict=False):
            cv2.line(canvas, tuple(int(v) for v in np.round(a)), tuple(int(v) for v in np.round(b)), 1, max(1, width))
    return canvas.astype(bool)


def grabcut_person(image, box=None, foreground=None, background=None, pose: np.ndarray | None = None,
                   iterations: int = 5, max_side: int = 512) -> np.ndarray:
    """(H, W) bool person mask by GrabCut from a rough ``box`` (x0, y0, x1, y1) px and/or strokes.

    ``foreground`` / ``background``: (H, W) masks or lists of polylines drawn on the person / the
    background. A ``pose`` adds its skeleton as sure foreground. Runs at ≤ ``max_side`` px.
    """
    rgb = as_rgb(image, "image")
    h, w = rgb.shape[:2]
    fg = _strokes(foreground, (h, w), max(2, h // 100))
    bg = _strokes(background, (h, w), max(2, h // 100))
    if box is None and not fg.any():
        raise InvalidInputError("draw a box around the person or a stroke on them", field="box")
    if pose is not None:
        fg |= _skeleton(pose, (h, w), max(2, h // 150))
    gc = np.full((h, w), cv2.GC_PR_BGD if box is None else cv2.GC_BGD, np.uint8)
    if box is not None:
        x0, y0, x1, y1 = (int(round(float(v))) for v in box)
        x0, y0, x1, y1 = max(0, min(x0, x1)), max(0, min(y0, y1)), min(w, max(x0, x1)), min(h, max(y0, y1))
        if x1 - x0 < 4 or y1 - y0 < 4:
            raise InvalidInputError(f"the box {tuple(box)} is (nearly) empty", field="box")
        gc[y0:y1, x0:x1] = cv2.GC_PR_FGD
        if not (gc == cv2.GC_BGD).any() and not bg.any():  # box = whole photo: the border is probably background
            b = max(1, int(0.02 * max(h, w)))
            for sl in (np.s_[:b], np.s_[-b:], np.s_[:, :b], np.s_[:, -b:]):
                gc[sl] = cv2.GC_PR_BGD
    gc[fg] = cv2.GC_FGD
    gc[bg] = cv2.GC_BGD
    f = min(1.0, max_side / max(h, w))
    size = (max(8, int(round(w * f))), max(8, int(round(h * f))))
    small = cv2.resize(np.round(rgb * 255).astype(np.uint8), size, interpolation=cv2.INTER_AREA)
    small_gc = cv2.resize(gc, size, interpolation=cv2.INTER_NEAREST)
    # strokes thinner than the downscale step must survive it
    small_gc[cv2.resize(fg.astype(np.uint8), size, interpolation=cv2.INTER_AREA) > 0] = cv2.GC_FGD
    small_gc[cv2.resize(bg.astype(np.uint8), size, interpolation=cv2.INTER_AREA) > 0] = cv2.GC_BGD
    cv2.setRNGSeed(0)  # GrabCut's GMM start uses OpenCV's global RNG: same photo, same cut
    cv2.grabCut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), small_gc, None, np.zeros((1, 65), np.float64),
                np.zeros((1, 65), np.float64), iterations, cv2.GC_INIT_WITH_MASK)
    person = np.isin(small_gc, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    person = cv2.resize(person, (w, h), interpolation=cv2.INTER_LINEAR).astype(bool)
    comp, n = ndimage.label(person)
    if n > 1:  # keep the pieces touching the sure foreground, or the largest one
        touched = np.unique(comp[fg & person])
        touched = touched[touched > 0]
        if touched.size == 0:
            touched = [1 + int(np.argmax(ndimage.sum(person, comp, range(1, n + 1))))]
        person = np.isin(comp, touched)
    return ndimage.binary_fill_holes(person)


def _band(shape, pts, width: float) -> np.ndarray:
    canvas = np.zeros(shape, np.uint8)
    w = max(1, int(round(width)))
    pts = [tuple(int(v) for v in np.round(p)) for p in pts]
    for a, b in zip(pts[:-1], pts[1:], strict=False):
        cv2.line(canvas, a, b, 1, w)
    for p in pts:
        cv2.circle(canvas, p, max(1, w // 2), 1, -1)
    return canvas.astype(bool)


def coarse_labels(person_mask: np.ndarray, pose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coarse ATR-18 labels from a person mask (H, W) and an (18, 3) pose → (labels, pose).

    The returned pose gains an estimated nose (confidence 0.5) when none was given, so the neck region
    can be found. Lengths scale with the shoulder width.
    """
    mask = np.asarray(person_mask, bool)
    shape = mask.shape
    pose = np.array(pose, np.float32, copy=True)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32) + 0.5
    both_sh = visible(pose, "right_shoulder", "left_shoulder")
    sw = float(np.linalg.norm(point(pose, "right_shoulder") - point(pose, "left_shoulder"))) if both_sh else 0.0
    if sw < 2:
        ys = np.nonzero(mask.any(1))[0]
        sw = 0.25 * (ys.max() - ys.min() + 1) if ys.size else 0.25 * shape[0]
    labels = np.zeros(shape, np.uint8)
    torso_end = np.inf
    if visible(pose, "right_hip", "left_hip"):
        torso_end = (point(pose, "right_hip")[1] + point(pose, "left_hip")[1]) / 2 + 0.15 * sw
    labels[mask & (yy < torso_end)] = L["upper_clothes"]
    labels[mask & (yy >= torso_end)] = L["pants"]
    if visible(pose, "neck"):
        neck = point(pose, "neck")
        chin_y = neck[1] - 0.35 * sw
        head = mask & (yy < chin_y) & (np.abs(xx - neck[0]) < 0.6 * sw)
        if head.any():
            top = float(yy[head].min())
            labels[head & (yy < top + 0.4 * (chin_y - top))] = L["hair"]
            labels[head & (yy >= top + 0.4 * (chin_y - top))] = L["face"]
            if not visible(pose, "nose"):
                pose[K["nose"]] = (neck[0], chin_y - 0.3 * (chin_y - top), 0.5)
        shoulder_y = (point(pose, "right_shoulder")[1] + point(pose, "left_shoulder")[1]) / 2 if both_sh else neck[1]
        neck_px = mask & (yy >= chin_y) & (yy < shoulder_y) & (np.abs(xx - neck[0]) < 0.22 * sw)
        labels[neck_px] = 0  # ATR has no neck class
    for side, label in (("right", L["right_arm"]), ("left", L["left_arm"])):
        chain = [point(pose, f"{side}_{j}") for j in ("shoulder", "elbow", "wrist") if visible(pose, f"{side}_{j}")]
        if len(chain) < 2:
            continue
        arm = _band(shape, chain, 0.32 * sw)
        if len(chain) == 3:  # the hand, past the wrist
            fore = chain[2] - chain[1]
            arm |= _band(shape, [chain[2], chain[2] + 0.3 * fore], 0.4 * sw)
        labels[arm & mask & (labels != L["face"]) & (labels != L["hair"])] = label
    return labels, pose


def guided_inputs(image, joints: Mapping[str, Sequence[float]], box=None, foreground=None,
                  background=None) -> GuidedInputs:
    """Pose, person mask and coarse labels from clicks + a box / strokes, for the classic try-on."""
    rgb = as_rgb(image, "image")
    h, w = rgb.shape[:2]
    pose = pose_from_clicks(joints, w, h)
    mask = grabcut_person(rgb, box, foreground, background, pose)
    if mask.sum() < 1e-3 * mask.size:
        raise InvalidInputError("GrabCut found no person inside the box; draw the box closer or add strokes",
                                field="box")
    labels, pose = coarse_labels(mask, pose)
    notes = (AUTOMATIC_HINT, "parsing: coarse labels from GrabCut + clicked joints")
    return GuidedInputs(pose, labels, mask, to_pose_keypoint([pose], w, h), notes)

