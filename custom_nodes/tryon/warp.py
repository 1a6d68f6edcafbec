"""Place a cut-out garment on a person: landmark targets from the pose, affine + TPS warp, quality score.

Targets: the garment's shoulders go to the person's shoulders (a little outside the joints), its collar
to the neck; every other landmark keeps its position relative to the shoulders (a similarity fitted on
the shoulder pair, so a cropped top stays cropped), except sleeve ends, which slide along
shoulder→elbow→wrist by the sleeve's scaled length, and hems, which take the hip width. Bottoms anchor
on the hips (waist corners a little above and outside the hip joints) and their leg hems slide along
hip→knee→ankle. Image left = the person's right side, as in a photo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InvalidInputError
from .pose import point, visible
from .tps import fit_affine, warp_image


@dataclass(frozen=True)
class WarpResult:
    image: np.ndarray  # (H, W, 3) float32, the garment warped into the person photo's frame
    mask: np.ndarray  # (H, W) bool, where the warped garment is
    src: np.ndarray  # (n, 2) garment landmarks used [px of the garment photo]
    dst: np.ndarray  # (n, 2) their targets [px of the person photo]
    names: tuple[str, ...]  # landmark names, in src/dst order
    quality: float  # IoU of the warped mask with the reference region (agnostic mask), 0..1; NaN if none


def _along(chain: list[np.ndarray], distance: float) -> np.ndarray:
    """Point ``distance`` px along a polyline (extrapolated past its end)."""
    for a, b in zip(chain[:-1], chain[1:], strict=False):
        seg = float(np.linalg.norm(b - a))
        if distance <= seg or b is chain[-1]:
            return a + (b - a) * (distance / max(seg, 1e-6))
        distance -= seg
    return chain[-1]


def _pair(pose, a: str, b: str) -> tuple[np.ndarray, np.ndarray]:
    """Two keypoints ordered image-left first."""
    pa, pb = point(pose, a), point(pose, b)
    return (pa, pb) if pa[0] <= pb[0] else (pb, pa)


def _outward(left, right, amount: float, up: float = 0.0):
    """Move a left/right pair apart by ``amount`` × their distance, and up by ``up`` × it."""
    d = right - left
    n = np.linalg.norm(d)
    perp_up = np.array([d[1], -d[0]]) / max(n, 1e-6)
    return left - amount * d + up * n * perp_up, right + amount * d + up * n * perp_up


def _body_sides(pose, joint: str) -> dict[str, str]:
    """Image side → body side: facing the camera, the person's right is on the image's left."""
    left_is_right = point(pose, f"right_{joint}")[0] <= point(pose, f"left_{joint}")[0]
    return {"left": "right", "right": "left"} if left_is_right else {"left": "left", "right": "right"}


def person_targets(kind: str, landmarks: dict[str, np.ndarray], pose: np.ndarray) -> dict[str, np.ndarray]:
    """Target pixel position on the person for each garment landmark that can be placed."""
    joint = "shoulder" if kind in ("top", "dress") else "hip"
    if not visible(pose, f"right_{joint}", f"left_{joint}"):
        raise InvalidInputError(f"both {joint}s must be visible to place a {kind}", field="pose")
    if joint == "shoulder":  # garment shoulder seams sit a little outside the joints (inside for dresses)
        anchor = "shoulder"
        al, ar = _outward(*_pair(pose, "right_shoulder", "left_shoulder"), 0.08 if kind == "top" else 0.0)
    else:  # waistband corners: above and outside the hip joints
        anchor = "waist"
        al, ar = _outward(*_pair(pose, "right_hip", "left_hip"), 0.45, up=0.35)
    sim = fit_affine(np.stack([landmarks[f"{anchor}_left"], landmarks[f"{anchor}_right"]]), np.stack([al, ar]))
    scale = float(np.sqrt(abs(np.linalg.det(sim[:, :2]))))
    out = {n: landmarks[n] @ sim[:, :2].T + sim[:, 2] for n in landmarks}
    out[f"{anchor}_left"], out[f"{anchor}_right"] = al, ar
    if "collar" in landmarks and visible(pose, "neck"):
        out["collar"] = np.array([point(pose, "neck")[0], out["collar"][1]])
    if kind == "top" and visible(pose, "right_hip", "left_hip"):  # hems take the hip width
        hl, hr = _outward(*_pair(pose, "right_hip", "left_hip"), 0.4)
        out["hem_left"] = np.array([hl[0], out["hem_left"][1]])
        out["hem_right"] = np.array([hr[0], out["hem_right"][1]])
    if kind == "dress":
        return out
    limb = ("shoulder", "elbow", "wrist") if kind == "top" else ("hip", "knee", "ankle")
    end = "sleeve" if kind == "top" else "hem"
    for img_side, body in _body_sides(pose, joint).items():  # sleeves/legs slide along the limb
        name = f"{end}_{img_side}"
        if name in landmarks and visible(pose, *(f"{body}_{j}" for j in limb)):
            length = float(np.linalg.norm(landmarks[name] - landmarks[f"{anchor}_{img_side}"])) * scale
            chain = [out[f"{anchor}_{img_side}"]] + [point(pose, f"{body}_{j}") for j in limb[1:]]
            out[name] = _along(chain, length)
    return out


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two bool masks; NaN when both are empty."""
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else float("nan")


def warp_garment(image: np.ndarray, mask: np.ndarray, landmarks: dict[str, np.ndarray], targets: dict[str, np.ndarray],
                 out_shape: tuple[int, int], rigidity: float = 0.3, reference: np.ndarray | None = None,
                 on_progress=None) -> WarpResult:
    """Warp a garment photo (H, W, 3) + mask so its landmarks land on ``targets`` in an ``out_shape`` frame.

    ``reference`` (out_shape bool, e.g. the agnostic mask) gives the quality score: IoU with the warped mask.
    """
    names = tuple(n for n in landmarks if n in targets)
    if len(names) < 2:
        raise InvalidInputError("need at least two garment landmarks with person targets", field="landmarks")
    src = np.stack([landmarks[n] for n in names]).astype(np.float64)
    dst = np.stack([targets[n] for n in names]).astype(np.float64)
    stacked = np.dstack([image, mask.astype(np.float32)])
    warped = warp_image(stacked, src, dst, out_shape, rigidity)
    if on_progress is not None:
        on_progress(1, 1)
    wmask = warped[..., 3] > 0.5
    quality = iou(wmask, reference) if reference is not None else float("nan")
    return WarpResult(np.clip(warped[..., :3], 0, 1), wmask, src, dst, names, quality)
