"""Place a flat garment around a body: panels wrapped on cylinders around torso, arms, legs and head.

The body is read from an :class:`Avatar`'s OpenPose-18 keypoints and measurements (or, without an
avatar, a simple mannequin built from measurements). Each panel's placement hints pick its cylinder
(``body_part``), the side it faces (``facing``/``lateral``) and which of its edges is the centre line.
Pattern space convention: ``v`` (y) runs up the body / up the arm, ``u`` (x) runs to the right of
someone looking at the panel's outside, so outlines are counter-clockwise seen from outside. Panels
that carry GarmentCode's own 3D placement (translation + rotation) are placed that way instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from ..core.avatar import AVATAR_PARTS, OPENPOSE18, Avatar
from ..core.errors import InvalidInputError
from ..core.garment import Garment
from ..core.measurements import size_measurements
from ..core.pattern import Panel

KP = {name: i for i, name in enumerate(OPENPOSE18)}
PROFILE_T = np.linspace(-0.15, 1.0, 24)  # where limb radii are sampled, as a fraction of the limb length
LIMB_CLEARANCE = 0.015  # [m] a sleeve or trouser leg is wrapped this close to its limb's measured girth
HOOD_RADIUS = 0.11  # [m] a hood's cylinder round the head (an adult head is ~0.15 x 0.2 m across)


@dataclass(frozen=True)
class Body:
    """What placement needs of a body [m]: OpenPose-18 keypoints (18, 3) and girth radii."""

    keypoints: np.ndarray
    torso_radii: tuple[float, float]  # half width (x), half depth (z)
    arm_radius: float
    leg_radius: float
    head_radius: float
    waist_y: float
    waist_radii: tuple[float, float] = (0.13, 0.11)
    #: measured arms: part -> (radii [m], centre offsets [m]) at PROFILE_T along shoulder -> elbow -> wrist
    #: (0 = shoulder, 1 = wrist); empty without an avatar mesh (then a straight tapered cylinder is assumed)
    limb_profiles: dict = field(default_factory=dict)
    #: measured torso and hips: (heights (k,), half widths (k,), half depths (k,), centres (k, 3)) [m] of
    #: the body's cross-section (no arms, no head) every few centimetres; None without an avatar mesh (then
    #: ``torso_radii`` / ``waist_radii`` hold at every height)
    torso_profile: tuple | None = None

    def kp(self, name: str) -> np.ndarray:
        return self.keypoints[KP[name]].astype(np.float64)


def mannequin_keypoints(m: dict[str, float]) -> np.ndarray:
    """OpenPose-18 keypoints (18, 3) [m] of an A-posed body (arms 45° down) from measurements."""
    h = m.get("height", 1.7)
    sw = m.get("shoulder_width", 0.4)
    arm = m.get("arm_length", 0.6)
    hip_x = m.get("hip_girth", 1.0) / (2 * np.pi) * 0.55
    sy, hy = 0.818 * h, 0.52 * h
    d = np.array([np.sin(np.radians(45)), -np.cos(np.radians(45)), 0.0])
    pts = {"nose": [0, 0.93 * h, 0.09], "neck": [0, 0.84 * h, 0], "right_hip": [-hip_x, hy, 0],
           "left_hip": [hip_x, hy, 0], "right_knee": [-hip_x, 0.285 * h, 0], "left_knee": [hip_x, 0.285 * h, 0],
           "right_ankle": [-hip_x, 0.045 * h, 0], "left_ankle": [hip_x, 0.045 * h, 0],
           "right_eye": [-0.03, 0.945 * h, 0.08], "left_eye": [0.03, 0.945 * h, 0.08],
           "right_ear": [-0.075, 0.935 * h, 0], "left_ear": [0.075, 0.935 * h, 0]}
    for side, sx in (("left", 1.0), ("right", -1.0)):
        shoulder = np.array([sx * sw / 2, sy, 0.0])
        step = d * np.array([sx, 1.0, 1.0]) * arm / 2
        pts[f"{side}_shoulder"], pts[f"{side}_elbow"], pts[f"{side}_wrist"] = shoulder, shoulder + step, shoulder + 2 * step
    return np.array([pts[n] for n in OPENPOSE18], np.float32)


def body_from(avatar: Avatar | None = None, measurements: dict[str, float] | None = None) -> Body:
    """A :class:`Body` from an avatar (keypoints, measurements, torso vertices) or from measurements."""
    m = dict(size_measurements("M", "female"))
    if avatar is not None:
        m.update(avatar.measurements)
    m.update(measurements or {})
    kp = mannequin_keypoints(m)
    if avatar is not None:
        vis = np.asarray(avatar.keypoint_visible, bool)
        kp = np.where(vis[:, None], avatar.keypoints, kp).astype(np.float32)
    a = m["chest_girth"] / (2 * np.pi) * 1.18
    b = m["chest_girth"] / (2 * np.pi) * 0.80
    if avatar is not None:
        verts = avatar.mesh.vertices
        torso = verts[avatar.vertex_part == AVATAR_PARTS.index("torso")]
        chest_y = 0.5 * (kp[KP["neck"], 1] + 0.5 * (kp[KP["left_hip"], 1] + kp[KP["right_hip"], 1]))
        band = torso[np.abs(torso[:, 1] - chest_y) < 0.1] if len(torso) else torso
        band = band if len(band) >= 4 else torso  # coarse meshes (a box) have no vertices near the chest
        if len(band) >= 4:
            cx, cz = np.median(band[:, 0]), np.median(band[:, 2])
            a = max(float(np.percentile(np.abs(band[:, 0] - cx), 98)), 0.05)
            b = max(float(np.percentile(np.abs(band[:, 2] - cz), 98)), 0.05)
            inside = np.sqrt(((band[:, 0] - cx) / a) ** 2 + ((band[:, 2] - cz) / b) ** 2)
            grow = float(np.percentile(inside, 99))  # ellipse that holds (almost) the whole chest band
            a, b = a * max(grow, 1.0), b * max(grow, 1.0)
    waist_y = float(avatar.landmarks["waist"][1]) if avatar is not None and "waist" in avatar.landmarks else \
        float(0.5 * (kp[KP["neck"], 1] + kp[KP["left_hip"], 1]) - 0.05)
    rw = m["waist_girth"] / (2 * np.pi)
    profiles = _limb_profiles(avatar, kp) if avatar is not None else {}
    return Body(kp, (a, b), m["chest_girth"] / (2 * np.pi) * 0.33, m["hip_girth"] / (2 * np.pi) * 0.62,
                m.get("neck_girth", 0.36) / (2 * np.pi) * 2.6, waist_y, (rw * 1.1, rw * 0.9), profiles,
                _torso_profile(avatar, kp) if avatar is not None else None)


TORSO_STEP = 0.02  # [m] between the heights where the torso's cross-section is measured


def _torso_profile(avatar: Avatar, kp: np.ndarray) -> tuple | None:
    """The body's cross-section from the knees to the neck (arms and head left out; below the crotch both
    legs together, as a skirt wraps them): per height, an ellipse about the slice's centre that holds
    (almost) all of it. A panel wrapped at its own height's girth is not pushed out at the hips, which
    stretched a skirt wrapped at the waist's girth by up to 70 % before the drape began."""
    keep = np.isin(avatar.vertex_part, [AVATAR_PARTS.index(p) for p in ("torso", "leg_left", "leg_right", "other")])
    verts = avatar.mesh.vertices[keep].astype(np.float64)
    if len(verts) < 200:
        return None
    lo = 0.5 * (kp[KP["left_knee"], 1] + kp[KP["right_knee"], 1])
    ys = np.arange(float(lo), float(kp[KP["neck"], 1]) + 1e-9, TORSO_STEP)
    if len(ys) < 3:
        return None
    a, b, centres = np.full(len(ys), np.nan), np.full(len(ys), np.nan), np.zeros((len(ys), 3))
    for k, y in enumerate(ys):
        band = verts[np.abs(verts[:, 1] - y) < 0.75 * TORSO_STEP]
        if len(band) < 8:
            continue
        cx = 0.5 * (band[:, 0].min() + band[:, 0].max())
        cz = 0.5 * (band[:, 2].min() + band[:, 2].max())
        ak = max(float(np.percentile(np.abs(band[:, 0] - cx), 98)), 0.04)
        bk = max(float(np.percentile(np.abs(band[:, 2] - cz), 98)), 0.04)
        inside = np.sqrt(((band[:, 0] - cx) / ak) ** 2 + ((band[:, 2] - cz) / bk) ** 2)
        grow = max(float(np.percentile(inside, 99)), 1.0)
        a[k], b[k], centres[k] = ak * grow, bk * grow, (cx, y, cz)
    known = np.isfinite(a)
    if known.sum() < 3:
        return None
    idx = np.arange(len(ys))
    fill = lambda v: np.interp(idx, idx[known], v[known])  # noqa: E731
    centres = np.stack([fill(centres[:, 0]), ys, fill(centres[:, 2])], 1)
    return ys, _smooth(fill(a), 3), _smooth(fill(b), 3), centres


def _polyline_coords(points: np.ndarray, joints: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(position along the joint polyline as a fraction of its length (n,), offset from the polyline's
    nearest point (n, 3) [m], the polyline's length [m]); the two segments extend past the ends."""
    seg = np.diff(joints, axis=0)
    lens = np.linalg.norm(seg, axis=1)
    best_t, best_r = np.zeros(len(points)), np.full(len(points), np.inf)
    offset = np.zeros_like(points)
    for k in range(2):
        u = seg[k] / max(lens[k], 1e-9)
        along = (points - joints[k]) @ u
        clipped = np.clip(along, -np.inf if k == 0 else 0.0, np.inf if k == 1 else lens[k])
        off = points - joints[k] - np.outer(clipped, u)
        r = np.linalg.norm(off, axis=1)
        closer = r < best_r
        best_t[closer] = (clipped + (lens[0] if k == 1 else 0.0))[closer]
        best_r[closer], offset[closer] = r[closer], off[closer]
    total = float(lens.sum())
    return best_t / max(total, 1e-9), offset, total


def _smooth(values: np.ndarray, width: int = 5) -> np.ndarray:
    """Running mean along axis 0 (edges padded with the end values)."""
    pad = np.pad(values, [(width // 2, width // 2)] + [(0, 0)] * (values.ndim - 1), mode="edge")
    kernel = np.ones(width) / width
    if values.ndim == 1:
        return np.convolve(pad, kernel, mode="valid")
    return np.stack([np.convolve(pad[:, k], kernel, mode="valid") for k in range(values.shape[1])], 1)


def _limb_profiles(avatar: Avatar, kp: np.ndarray) -> dict:
    """part -> (radii (k,) [m], centre offsets (k, 3) [m]) at ``PROFILE_T`` along shoulder -> elbow -> wrist:
    per slice, the centre of the arm's cross-section (joints sit off-centre, near the top of the arm) and
    the median distance to it (a circle that long round is about as long as the cross-section), so a
    sleeve wraps a bent or muscular arm at its own girth."""
    out = {}
    for part, side in (("arm_left", "left"), ("arm_right", "right")):
        verts = avatar.mesh.vertices[avatar.vertex_part == AVATAR_PARTS.index(part)].astype(np.float64)
        joints = np.asarray([kp[KP[f"{side}_{j}"]] for j in ("shoulder", "elbow", "wrist")], np.float64)
        t, offset, length = _polyline_coords(verts, joints)
        keep = (t >= PROFILE_T[0]) & (t <= 1.0)  # not the hand
        if keep.sum() < 20 or length < 0.05:
            continue
        t, offset = t[keep], offset[keep]
        slot = np.clip(np.searchsorted(PROFILE_T, t), 0, len(PROFILE_T) - 1)
        radii, centres = np.full(len(PROFILE_T), np.nan), np.zeros((len(PROFILE_T), 3))
        for k in np.unique(slot):
            centres[k] = offset[slot == k].mean(0)
            radii[k] = np.median(np.linalg.norm(offset[slot == k] - centres[k], axis=1))
        known = np.flatnonzero(np.isfinite(radii))
        idx = np.arange(len(radii))
        radii = np.interp(idx, known, radii[known])
        centres = np.stack([np.interp(idx, known, centres[known, a]) for a in range(3)], 1)
        widest = np.max(np.stack([radii, np.r_[radii[0], radii[:-1]], np.r_[radii[1:], radii[-1]]]), 0)
        out[part] = (_smooth(widest), _smooth(centres))
    return out


def row_extent(outline_pts: np.ndarray, v: np.ndarray, step: float = 0.005) -> tuple[np.ndarray, np.ndarray]:
    """Leftmost and rightmost outline ``u`` at each height ``v`` (n,) [m], evaluated on rows ``step`` apart."""
    rows = np.round(v / step).astype(np.int64)
    uniq, inv = np.unique(rows, return_inverse=True)
    y = uniq * step
    p, q = outline_pts, np.roll(outline_pts, -1, axis=0)
    y0, y1 = np.minimum(p[:, 1], q[:, 1]), np.maximum(p[:, 1], q[:, 1])
    yy = np.clip(y[:, None], y0[None] , y1[None])  # clamp rows outside a segment onto its end
    t = np.where(y1 - y0 > 1e-12, (yy - p[None, :, 1]) / np.where(q[:, 1] != p[:, 1], q[:, 1] - p[:, 1], 1.0), 0.0)
    x = p[None, :, 0] + np.clip(t, 0, 1) * (q[None, :, 0] - p[None, :, 0])
    hit = (y[:, None] >= y0[None] - 1e-9) & (y[:, None] <= y1[None] + 1e-9)
    lo = np.where(hit, x, np.inf).min(1)
    hi = np.where(hit, x, -np.inf).max(1)
    lo = np.where(np.isfinite(lo), lo, outline_pts[:, 0].min())
    hi = np.where(np.isfinite(hi), hi, outline_pts[:, 0].max())
    return lo[inv], hi[inv]


def _span(panel: Panel) -> tuple[float, float, str]:
    """(angle at the low-u edge, angle at the high-u edge, which edge is the centre line: "low", "high"
    or "centre") of the panel on its cylinder; angle 0 faces +Z, +π/2 faces +X (the body's left).
    Increasing u always runs to the viewer's right seen from outside."""
    part, facing, lateral = panel.body_part, panel.facing, panel.lateral
    if part.startswith("arm") and facing not in ("front", "back"):
        outer = np.pi / 2 if part == "arm_left" else -np.pi / 2
        return outer - np.pi, outer + np.pi, "centre"
    if facing == "side":  # hood halves: wrapped from the centre back seam towards the face
        return (0.2 * np.pi, np.pi, "high") if lateral != "right" else (-np.pi, -0.2 * np.pi, "low")
    base = 0.0 if facing != "back" else np.pi
    if lateral == "center" or part.startswith(("leg", "arm")):
        return base - np.pi / 2, base + np.pi / 2, "centre"
    if (lateral == "left") == (facing != "back"):  # front-left, back-right: centre line at low u
        return base, base + np.pi / 2, "low"
    return base - np.pi / 2, base, "high"


def _limb_frame(body: Body, part: str) -> tuple[np.ndarray, np.ndarray]:
    """(top of the limb, unit direction from its extremity up to the top)."""
    side = part.split("_")[1]
    if part.startswith("arm"):
        top, end = body.kp(f"{side}_shoulder"), body.kp(f"{side}_wrist")
    else:
        top, end = body.kp(f"{side}_hip"), body.kp(f"{side}_ankle")
    up = top - end
    if np.linalg.norm(up) < 1e-6:
        raise InvalidInputError(f"{side} {part.split('_')[0]} keypoints coincide", field="Avatar.keypoints")
    return top, up / np.linalg.norm(up)


def _frame(body: Body, panel: Panel, uv: np.ndarray, anchor: str | float, clearance: float):
    """(origin, up, radii at the top, taper) of the panel's cylinder; ``origin`` is where the panel's top
    sits; ``taper`` = (length [m], end radius / top radius) for limbs that thin towards wrist/ankle.
    ``anchor``: "shoulder", "waist", or the height [m] of the panel's top (a skirt sewn under a bodice)."""
    part = panel.body_part
    up = np.array([0.0, 1.0, 0.0])
    neck = body.kp("neck")
    if part in ("torso", "none"):
        a, b = body.waist_radii if anchor == "waist" else body.torso_radii
        top_y = body.waist_y + 0.03 if anchor == "waist" else neck[1] + 0.02
        if not isinstance(anchor, str):
            top_y = float(anchor)
        return np.array([neck[0], top_y, neck[2]]), up, (a + clearance, b + clearance), (1.0, 1.0)
    if part in ("head", "neck"):
        r = HOOD_RADIUS + clearance
        height = float(uv[:, 1].max() - uv[:, 1].min())
        return np.array([neck[0], neck[1] + 0.02 + height, neck[2] - 0.02]), up, (r, r), (1.0, 1.0)
    top, up = _limb_frame(body, part)
    side = part.split("_")[1]
    if part.startswith("arm"):
        r, end = body.arm_radius, 0.55
        length = float(np.linalg.norm(body.kp(f"{side}_shoulder") - body.kp(f"{side}_elbow"))
                       + np.linalg.norm(body.kp(f"{side}_elbow") - body.kp(f"{side}_wrist")))
        origin = top + up * 0.03
    else:
        r, end = body.leg_radius, 0.4
        length = float(np.linalg.norm(body.kp(f"{side}_hip") - body.kp(f"{side}_ankle")))
        origin = np.array([top[0], body.waist_y + 0.03, top[2]])
    return origin, up, (r + clearance, r + clearance), (max(length, 0.1), (end * r + clearance) / (r + clearance))


def _place_panel(panel: Panel, uv: np.ndarray, body: Body, clearance: float, anchor: str | float,
                 drop: float = 0.0, span: tuple[float, float, str] | None = None, whole: bool = True) -> np.ndarray:
    """Wrap one panel on its body part's cylinder, row by row without stretching: the cylinder grows
    where a row is wider than the body needs, so the panel's side edges land where its neighbours' do.
    ``drop`` [m]: start that far down the limb (a cuff below the sleeve or trouser leg it is sewn to).
    ``span``: (angle, angle, anchoring) round the body instead of the one the panel's side names (see
    :func:`_ring_spans`). ``whole``: ``uv`` is the whole panel's mesh (False: a few sample points)."""
    from .curves import outline

    origin, up, (a, b), (length, end) = _frame(body, panel, uv, anchor, clearance)
    lo, hi = row_extent(outline(panel, 24), uv[:, 1])
    along = uv[:, 1] - float(uv[:, 1].max()) - drop
    taper = 1.0 - (1.0 - end) * np.clip(-along / length, 0.0, 1.0)
    a, b = a * taper, b * taper
    profile = body.limb_profiles.get(panel.body_part)
    offset = np.zeros((len(uv), 3))  # torso: the measured cross-section's centre off the cylinder's axis
    if panel.body_part in ("torso", "none") and body.torso_profile is not None and isinstance(anchor, str):
        # (a skirt sewn under a bodice keeps the bodice's cylinder: its waist seam starts shut)
        ys, pa, pb, pc = body.torso_profile
        y = origin[1] + along
        if anchor == "shoulder":  # hung from the shoulders: the chest's cylinder, wider where the hips are
            a = np.maximum(a, np.interp(y, ys, pa) + clearance)
            b = np.maximum(b, np.interp(y, ys, pb) + clearance)
        else:  # hung from the waist: the body's own girth at each height, about its own centre
            a = np.interp(y, ys, pa) + clearance
            b = np.interp(y, ys, pb) + clearance
            offset[:, 0] = np.interp(y, ys, pc[:, 0]) - origin[0]
            offset[:, 2] = np.interp(y, ys, pc[:, 2]) - origin[2]
    down = float(np.dot(_limb_frame(body, panel.body_part)[0] - origin, up)) - along if profile is not None else None
    if profile is not None:  # the measured arm (``down``: distance below the shoulder joint), plus a little
        a = b = np.interp(down / length, PROFILE_T, profile[0]) + min(clearance, LIMB_CLEARANCE)
    th_lo, th_hi, anchored = span if span is not None else _span(panel)
    if panel.body_part in ("torso", "none") and anchor != "shoulder" and panel.facing in ("front", "back"):
        top = int(np.argmax(uv[:, 1]))
        cone = _cone_wrap(panel, uv, origin + offset[top], float(a[top] if np.ndim(a) else a),
                          float(b[top] if np.ndim(b) else b), th_lo, th_hi, anchored)
        if cone is not None:
            return cone
    width = np.maximum(hi - lo, 1e-6)
    if anchored == "centre":  # rows sit about the panel's centre line, not their own middles: a slanted or
        # notched hem has rows that cover one side only, and centring those folds the side seam inwards
        mid = 0.5 * (float(uv[:, 0].min()) + float(uv[:, 0].max()))
        width = 2.0 * np.maximum(np.maximum(mid - lo, hi - mid), 1e-6)
    elif anchored == "low":  # likewise a half panel's rows start at its centre line, not at their own ends:
        # a row beside a neckline starts at the shoulder, not at the centre, or both halves pile up there
        lo = np.full(len(uv), float(uv[:, 0].min()))
        width = np.maximum(hi - lo, 1e-6)
    elif anchored == "high":
        hi = np.full(len(uv), float(uv[:, 0].max()))
        width = np.maximum(hi - lo, 1e-6)
    if panel.body_part in ("head", "neck"):  # a hood: a circle round the head, as wide as its widest row
        a = b = np.full(len(uv), float(np.max(a)))
    a, b = np.broadcast_to(a, (len(uv),)).astype(np.float64), np.broadcast_to(b, (len(uv),)).astype(np.float64)
    # grow the ellipse where the row is wider than the body's span (cloth hanging free of the body)
    scale = np.maximum(1.0, width / _ellipse_arc(a, b, th_lo, np.full(len(uv), th_hi - th_lo)))
    if whole and panel.body_part in ("torso", "none") and anchor != "shoulder":  # hanging: see _row_max
        mean_r = 0.5 * (a + b)
        scale = _row_max(scale * mean_r, uv[:, 1], down_only=True) / mean_r
    elif whole:  # (a few sample points, as seam inference passes, have no rows to even out)
        scale = _row_max(scale, uv[:, 1])
    a, b = a * scale, b * scale
    # rows keep their length (no initial strain): angles follow the ellipse's arc length, measured from the
    # panel's centre line (centre front/back, top of the arm) outwards; a narrow row covers fewer angles
    if anchored == "low":
        theta = _ellipse_angle(a, b, th_lo, uv[:, 0] - lo)
    elif anchored == "high":
        theta = _ellipse_angle(a, b, th_hi, uv[:, 0] - hi)
    else:
        theta = _ellipse_angle(a, b, 0.5 * (th_lo + th_hi), uv[:, 0] - mid)
    depth = b * np.cos(theta)
    if down is not None:  # an arm bent at the elbow: follow shoulder -> elbow -> wrist
        centre, up_at = _arm_axis(body, panel.body_part, down)
        centre = centre + np.stack([np.interp(down / length, PROFILE_T, profile[1][:, k]) for k in range(3)], 1)
    else:
        if panel.body_part == "torso" and anchor == "shoulder" and panel.facing in ("front", "back"):
            # (only panels hung from the shoulders: a band or skirt sewn under a bodice hangs straight)
            along, depth = _over_shoulder(along, depth, 0.6 * (body.torso_radii[1] + clearance))
        elif panel.body_part in ("torso", "none") and anchor != "shoulder":
            along = _slant(along, 0.5 * (a + b))
        centre, up_at = origin + np.outer(along, up) + offset, np.broadcast_to(up, (len(uv), 3))
    ez = np.array([0.0, 0.0, 1.0]) - up_at[:, 2:3] * up_at
    ez /= np.maximum(np.linalg.norm(ez, axis=1, keepdims=True), 1e-9)
    ex = np.cross(up_at, ez)
    return centre + (a * np.sin(theta))[:, None] * ex + depth[:, None] * ez


_ARC_STEPS = np.linspace(0.0, 1.0, 129)
CONE_MIN_SAGITTA = 0.015  # [m] a waist edge curved at least this much is a flared panel's waist arc
CONE_MIN_SIN = 0.5  # flares of 30 degrees and more off the vertical (circle skirts) are laid on their cone


def _waist_arc(panel: Panel) -> tuple[np.ndarray, float, np.ndarray] | None:
    """(centre (2,), radius [m], points (k, 2)) of the circle through a panel's curved top edge, or None.

    A flared or circle skirt's panel is a ring sector: its waist is an arc whose ends rise above its middle.
    The top edges are the mostly horizontal ones in the panel's upper part."""
    from .curves import dense_edge

    pts_all = [dense_edge(panel, i, 24) for i in range(len(panel.edges))]
    allp = np.concatenate(pts_all)
    v_lo, v_hi = float(allp[:, 1].min()), float(allp[:, 1].max())
    top = [q for q in pts_all if (np.ptp(q[:, 1]) < 0.5 * np.ptp(q[:, 0]) or np.ptp(q[:, 1]) < 1e-3)
           and q[:, 1].mean() > v_lo + 0.6 * (v_hi - v_lo)]
    if not top:
        return None
    q = np.concatenate(top)
    if np.ptp(q[:, 1]) < CONE_MIN_SAGITTA:
        return None
    # algebraic circle fit (Kåsa): x² + y² + D x + E y + F = 0
    m = np.c_[q, np.ones(len(q))]
    sol, *_ = np.linalg.lstsq(m, -(q ** 2).sum(1), rcond=None)
    centre = -0.5 * sol[:2]
    radius2 = centre @ centre - sol[2]
    if radius2 <= 0:
        return None
    radius = float(np.sqrt(radius2))
    resid = np.abs(np.linalg.norm(q - centre, axis=1) - radius)
    if resid.max() > 0.005 or not (0.05 <= radius <= 3.0) or centre[1] <= q[:, 1].mean():
        return None
    return centre, radius, q


def _cone_wrap(panel: Panel, uv: np.ndarray, top: np.ndarray, a: float, b: float, th_lo: float, th_hi: float,
               anchored: str) -> np.ndarray | None:
    """A ring-sector panel (flared skirt) laid on the cone it develops onto, or None for other panels.

    Wrapped row by row, a ring sector's rising waist ends start high and twisted, through the panel beside
    them. A ring sector of inner radius R is exactly a cone whose waist is R sin α round: pattern radius ρ
    goes to slant distance ρ − R below the waist, pattern angle φ to angle φ / sin α round the body. The
    waist circle's radius is the body's (``a``, ``b`` at the top, clearance included) or, when the waist
    arc is longer than the span it must cover, as wide as that arc needs."""
    arc = _waist_arc(panel)
    if arc is None:
        return None
    centre, radius, q = arc
    phi_of = lambda p: np.arctan2(p[:, 0] - centre[0], centre[1] - p[:, 1])  # noqa: E731  0 straight down
    phis = phi_of(q)
    phi_lo, phi_hi = float(phis.min()), float(phis.max())
    waist_len = radius * (phi_hi - phi_lo)
    span = th_hi - th_lo
    mean_r = 0.5 * (a + b)
    r_cloth = max(mean_r, waist_len / max(span, 1e-6))
    sin_a = r_cloth / radius
    if not CONE_MIN_SIN <= sin_a < 1.0:  # an A-line's gentle flare wraps well row by row; an arc tighter
        return None  # than the waist it must go round is no flared panel
    cos_a = float(np.sqrt(1.0 - sin_a * sin_a))
    rho, phi = np.linalg.norm(uv - centre, axis=1), phi_of(uv)
    theta_ref, phi_ref = {"low": (th_lo, phi_lo), "high": (th_hi, phi_hi)}.get(
        anchored, (0.5 * (th_lo + th_hi), 0.5 * (phi_lo + phi_hi)))
    theta = theta_ref + (phi - phi_ref) / sin_a  # R Δφ of waist round a waist circle R sin α
    r = rho * sin_a
    y = top[1] - (rho - radius) * cos_a
    # a round cone: an elliptic one (the body's cross-section) stretches the slant by up to a/b (16 %); the
    # body clearing that follows pushes the few waist points a round waist leaves inside the hips out
    return np.column_stack([top[0] + r * np.sin(theta), y, top[2] + r * np.cos(theta)])


ROW_WINDOW = 0.02  # [m] a row's cylinder is as wide as the widest row this close to it


def _row_max(values: np.ndarray, v: np.ndarray, step: float = 0.005, down_only: bool = False) -> np.ndarray:
    """Per point, the largest of ``values`` over the rows within ``ROW_WINDOW`` of its row (``v`` [m]); with
    ``down_only`` also over every row above it in the panel's lower half (a skirt hangs: the radius
    of its flare never shrinks again where a curved hem cuts the lowest rows short).

    A row cut short by a slanted hem or cap covers only part of the panel's width; given a cylinder of its
    own it lands at other angles than the full row 7 mm above, and the edges between them start stretched
    to nearly three times their length (GarmentCode's sleeves), which snaps the sleeve through itself."""
    rows = np.round(v / step).astype(np.int64)
    uniq, inv = np.unique(rows, return_inverse=True)
    per_row = np.full(len(uniq), -np.inf)
    np.maximum.at(per_row, inv, values)
    reach = int(round(ROW_WINDOW / step))
    near = np.abs(uniq[:, None] - uniq[None, :]) <= reach
    out = np.where(near, per_row[None, :], -np.inf).max(1)
    if down_only:  # the lower half only: the top rows of a curved waist are its two far-apart ends
        low = uniq <= 0.5 * (uniq[0] + uniq[-1])
        out[low] = np.maximum.accumulate(out[low][::-1])[::-1]  # rows ascend in v: the middle row last
    return out[inv]


SLANT_MIN_DROP = 0.2  # a row at least this share of its pattern spacing below the one above it


def _slant(along: np.ndarray, radius: np.ndarray, step: float = 0.005) -> np.ndarray:
    """Heights below the panel's top (n,) [m, <= 0] for rows whose radius round the body grows downwards.

    A flared skirt wrapped with rows at their pattern heights has its flare stretched: where the radius grows
    by dr over a row spacing dv, the cloth between rows spans √(dv² + dr²). Rows drop by √(dv² − dr²)
    instead, as on the cone the panel is, and by at least ``SLANT_MIN_DROP`` × dv where the flare is
    wider than a cone can be (the rest the solver relaxes)."""
    rows = np.round(along / step).astype(np.int64)
    uniq, inv = np.unique(rows, return_inverse=True)
    r = np.full(len(uniq), -np.inf)
    np.maximum.at(r, inv, radius)
    v = uniq * step  # ascending: the lowest row first, the top row (0) last
    dv = np.diff(v)
    dr = np.abs(np.diff(r))
    drop = np.sqrt(np.maximum(dv * dv - dr * dr, (SLANT_MIN_DROP * dv) ** 2))
    heights = np.concatenate([-np.cumsum(drop[::-1])[::-1], [0.0]]) + v[-1]
    return heights[inv] + (along - v[inv])


def _ellipse_arc(a: np.ndarray, b: np.ndarray, th0: float, dth: np.ndarray) -> np.ndarray:
    """Arc length [m] of the ellipse (a sin θ, b cos θ) from ``th0`` over ``dth`` (n,) radians (signed)."""
    th = th0 + dth[:, None] * _ARC_STEPS[None]
    speed = np.sqrt((a[:, None] * np.cos(th)) ** 2 + (b[:, None] * np.sin(th)) ** 2)
    return np.abs(dth) * np.trapezoid(speed, _ARC_STEPS, axis=1)


def _ellipse_angle(a: np.ndarray, b: np.ndarray, th0: float, arc: np.ndarray) -> np.ndarray:
    """The angles θ (n,) at signed arc length ``arc`` (n,) [m] from ``th0`` along the ellipse (a sin θ, b cos θ)."""
    turn = np.sign(arc) * np.minimum(np.abs(arc) / np.maximum(np.minimum(a, b), 1e-6), 2 * np.pi)  # past it
    th = th0 + turn[:, None] * _ARC_STEPS[None]
    speed = np.sqrt((a[:, None] * np.cos(th)) ** 2 + (b[:, None] * np.sin(th)) ** 2)
    step = np.abs(turn)[:, None] / (len(_ARC_STEPS) - 1)
    cum = np.concatenate([np.zeros((len(a), 1)), np.cumsum(0.5 * (speed[:, 1:] + speed[:, :-1]) * step, 1)], 1)
    k = np.clip((cum < np.abs(arc)[:, None]).sum(1), 1, len(_ARC_STEPS) - 1)
    rows = np.arange(len(a))
    c0, c1 = cum[rows, k - 1], cum[rows, k]
    f = np.clip((np.abs(arc) - c0) / np.maximum(c1 - c0, 1e-12), 0.0, 1.0)
    return th0 + np.sign(arc) * np.abs(turn) * ((k - 1) + f) / (len(_ARC_STEPS) - 1)


def _arm_axis(body: Body, part: str, down: np.ndarray, blend: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """Centre (n, 3) and unit up direction (n, 3) of the arm ``down`` [m] below the shoulder joint along
    shoulder -> elbow -> wrist; the direction turns smoothly over ``blend`` [m] round the elbow."""
    side = part.split("_")[1]
    s, e, w = (body.kp(f"{side}_{j}") for j in ("shoulder", "elbow", "wrist"))
    l1 = max(float(np.linalg.norm(e - s)), 1e-3)
    d1 = (e - s) / l1
    d2 = (w - e) / max(float(np.linalg.norm(w - e)), 1e-3)
    centre = np.where((down <= l1)[:, None], s + np.outer(down, d1), e + np.outer(down - l1, d2))
    k = np.clip((down - l1) / blend + 0.5, 0.0, 1.0)
    k = k * k * (3 - 2 * k)  # smoothstep
    d = (1 - k)[:, None] * d1 + k[:, None] * d2
    return centre, -d / np.linalg.norm(d, axis=1, keepdims=True)


def _limb_upright(panel: Panel, uv: np.ndarray, body: Body) -> tuple[Panel, np.ndarray]:
    """A limb panel and its points turned in pattern space so ``v`` runs up the limb, as wrapping needs.

    Templates draw sleeves upright already; GarmentCode draws them lengthwise and says, in the panel's 3D
    rotation, which pattern direction points along the arm. A rotation keeps the outline's winding.
    """
    from dataclasses import replace

    if panel.rotation is None or not panel.body_part.startswith(("arm", "leg")):
        return panel, uv
    _, up = _limb_frame(body, panel.body_part)
    axes = Rotation.from_euler("XYZ", panel.rotation, degrees=True).as_matrix()[:, :2]  # pattern x, y in 3D
    w = up @ axes  # the pattern direction pointing up the limb (unnormalised)
    if np.linalg.norm(w) < 1e-6:
        return panel, uv
    alpha = float(np.arctan2(w[0], w[1]))
    c, s = np.cos(alpha), np.sin(alpha)
    turn = np.array([[c, -s], [s, c]]).T  # row vectors: p @ turn rotates p counter-clockwise by alpha
    edges = tuple(replace(e, controls=(e.controls.astype(np.float64) @ turn)) for e in panel.edges)
    return replace(panel, vertices=panel.vertices.astype(np.float64) @ turn, edges=edges), uv @ turn


HOOD_LIFT_STEP, HOOD_MAX_LIFT_STEPS = 0.005, 30  # [m] a hood sheet rises at most 15 cm to clear the shoulders


def _place_hood_half(panel: Panel, uv: np.ndarray, body: Body, avatar: Avatar | None, clearance: float) -> np.ndarray:
    """A hood half (pattern: face edge at u = 0, neck edge at v = 0, centre seam along the back and top) as
    a vertical sheet beside the head, face edge at the face, bottom at the neck: the crown seam then closes
    over the head, which holds the hood up once gravity starts (a hood hung behind the head falls and
    crumples round the neck)."""
    neck, nose = body.kp("neck"), body.kp("nose")
    half_width, back = 0.08, neck[2] - 0.1
    if avatar is not None:
        head = avatar.mesh.vertices[avatar.vertex_part == AVATAR_PARTS.index("head")]
        if len(head) >= 20:
            half_width = float(np.percentile(np.abs(head[:, 0] - neck[0]), 99))
            back = float(head[:, 2].min())
    side = -1.0 if panel.lateral == "right" else 1.0
    depth = float(np.abs(uv[:, 0]).max())
    front = max(float(nose[2]), back + depth)  # the sheet reaches from the face back past the head
    x = np.full(len(uv), neck[0] + side * (half_width + clearance))
    sheet = np.column_stack([x, neck[1] - 0.02 + uv[:, 1], front - np.abs(uv[:, 0])])
    if avatar is not None and avatar.sdf is not None:
        # Beside the neck the shoulders rise wider than the head: raise the sheet until it clears them
        # (pushing its lower edge out of the trapezius folds the sheet through itself); the neck seam
        # pulls it down while sewing.
        for _ in range(HOOD_MAX_LIFT_STEPS):
            if avatar.sdf.query(sheet)[0].min() >= 0.5 * clearance:
                break
            sheet[:, 1] += HOOD_LIFT_STEP
    return sheet


def _over_shoulder(along: np.ndarray, depth: np.ndarray, fold: float) -> tuple[np.ndarray, np.ndarray]:
    """Bend the top ``fold`` [m] of a front/back torso panel over the shoulders along a quarter circle
    (arc length kept), so front and back shoulder seams start close together instead of a body apart."""
    rho = 2 * fold / np.pi
    s = np.clip(along + fold, 0.0, None)  # arc length into the bend, 0 below it
    phi = s / rho
    new_along = np.where(s > 0, -fold + rho * np.sin(phi), along)
    shrink = np.where(s > 0, rho * (1 - np.cos(phi)), 0.0)
    new_depth = np.sign(depth) * np.maximum(np.abs(depth) - shrink, 0.01)
    return new_along - (new_along.max() if len(new_along) else 0.0), new_depth


def _garmentcode_positions(panel: Panel, uv: np.ndarray, body: Body) -> np.ndarray:
    rot = Rotation.from_euler("XYZ", panel.rotation, degrees=True)
    pos = rot.apply(np.c_[uv, np.zeros(len(uv))]) + panel.translation
    neck = body.kp("neck")
    return pos + np.array([neck[0], 0.0, neck[2]])


def place_garment(garment: Garment, avatar: Avatar | None = None, *, measurements: dict | None = None,
                  clearance: float = 0.02, use_pattern_placement: bool = False, on_progress=None) -> Garment:
    """Return ``garment`` with 3D ``positions`` around the body (avatar, or mannequin from measurements).

    ``clearance`` [m] is the gap between body and cloth. Panels with GarmentCode translation/rotation
    keep that flat placement when ``use_pattern_placement`` (it was made for GarmentCode's body; flat
    panels 45 cm apart slide and crumple while frictionless seams pull, so by default they are wrapped
    like template panels, turned upright by their stored rotation).
    """
    if garment.pattern is None:
        raise InvalidInputError("garment has no pattern, so its panels' placement hints are unknown",
                                field="Garment.pattern")
    if not (0.0 <= clearance <= 0.3):
        raise InvalidInputError(f"must lie in [0, 30] cm, got {clearance * 100:g} cm", field="clearance")
    body = body_from(avatar, measurements)
    pattern = garment.pattern
    anchors = dict(pattern.metadata.get("anchors", {}))
    rest = garment.rest.astype(np.float64)
    positions = np.zeros((garment.n_vertices, 3))
    order, above, level = _hang_order(garment, anchors)
    spans = _ring_spans(pattern, anchors, level)
    for done, i in enumerate(order):  # waist-anchored panels last: they may hang from a placed bodice
        panel = pattern.panels[i]
        sel = garment.vertex_panel == i
        uv = rest[sel]
        anchor = anchors.get(panel.name, "shoulder")
        if anchor == "waist":
            hem = _under_bodice(garment, i, positions, anchors, above.get(i, ()))
            anchor = anchor if hem is None else hem
        if use_pattern_placement and panel.translation is not None and panel.rotation is not None:
            positions[sel] = _garmentcode_positions(panel, uv, body)
        elif panel.body_part in ("head", "neck") and panel.facing == "side":
            positions[sel] = _place_hood_half(panel, uv, body, avatar, clearance)
        else:
            panel, uv = _limb_upright(panel, uv, body)
            positions[sel] = _place_panel(panel, uv, body, clearance, anchor, span=spans.get(i))
        if on_progress:
            on_progress(done + 1, len(pattern.panels))
    for i, panel in enumerate(pattern.panels):  # cuffs: below the limb panels they are sewn to
        drop = _limb_drop(garment, i, positions, body)
        if drop > LIMB_DROP_MIN and not (use_pattern_placement and panel.translation is not None):
            sel = garment.vertex_panel == i
            turned, uv = _limb_upright(panel, rest[sel], body)
            positions[sel] = _place_panel(turned, uv, body, clearance, "shoulder", drop)
    if avatar is not None and avatar.sdf is not None:
        parts = np.array([garment.panel_body_parts[i] for i in garment.vertex_panel])
        tree, gap = _body_tree(avatar), max(clearance, 0.005)
        positions = clear_of_body(positions, avatar, gap, parts, tree=tree)
        positions = relax(positions, garment, avatar, gap, parts, tree=tree)
        positions = clear_of_body(positions, avatar, gap, parts, tree=tree)  # what relaxing pulled in
    if not np.isfinite(positions).all():
        raise InvalidInputError("placement produced non-finite positions", field="Garment.positions")
    return garment.with_positions(positions.astype(np.float32))


LIMB_DROP_MIN = 0.05  # [m] a limb panel this much above the seam it shares with a lower panel is moved down


def _limb_drop(garment: Garment, panel: int, positions: np.ndarray, body: Body) -> float:
    """How far [m] down its limb a sleeve or trouser-leg panel must move so its seams meet the panels of the
    same limb it is sewn to: a cuff wrapped from the top of the limb sits a limb's length above the hem it
    is sewn to (GarmentCode's trouser and sleeve cuffs). 0 when no such seam lies below it."""
    part = garment.panel_body_parts[panel]
    if not part.startswith(("arm", "leg")) or len(garment.seam_pairs) == 0:
        return 0.0
    pairs, vp = garment.seam_pairs, garment.vertex_panel
    parts = np.asarray(garment.panel_body_parts)
    mine = np.concatenate([pairs[vp[pairs[:, 0]] == panel, 0], pairs[vp[pairs[:, 1]] == panel, 1]])
    other = np.concatenate([pairs[vp[pairs[:, 0]] == panel, 1], pairs[vp[pairs[:, 1]] == panel, 0]])
    keep = (vp[other] != panel) & (parts[vp[other]] == part)
    if not keep.any():
        return 0.0
    top, up = _limb_frame(body, part)
    down = lambda idx: float(np.mean((top - positions[idx]) @ up))  # noqa: E731  distance down the limb
    # per neighbour: a cuff's side seams to the other cuff half say 0, its seam to the hem says how far
    gaps = [down(other[keep & (vp[other] == q)]) - down(mine[keep & (vp[other] == q)])
            for q in np.unique(vp[other[keep]])]
    return max(max(gaps), 0.0)


HANG_SHARE = 0.3  # a seam within this share of a panel's height from its top (bottom) edge is at its top (bottom)


def _hang_order(garment: Garment, anchors: dict) -> tuple[list[int], dict[int, list[int]], dict[int, int]]:
    """(panel placing order, per waist panel the waist panels it hangs under, per waist panel its level).

    Waist-anchored panels are all wrapped from the waist down, so a skirt and its waistband, or a tiered
    skirt's tiers, start on top of each other, cloth through cloth. The seams say which hangs under which:
    a panel whose top edge is sewn to another's bottom edge hangs under it. Shoulder-hung panels come
    first, then waist panels top level first (level 0: hung under no waist panel)."""
    panels = garment.pattern.panels
    waist = [i for i, p in enumerate(panels) if anchors.get(p.name) == "waist"]
    rest, vp, pairs = garment.rest, garment.vertex_panel, garment.seam_pairs
    # height up each panel: the pattern's v, or, for GarmentCode panels, the height GarmentCode lays the point
    # at on its own body, with the panel's mean height in ``laid``: a circle tier's waist is an arc whose ends
    # are the panel's highest rows, so its rows cannot say which edge is its top
    height = rest[:, 1].astype(np.float64).copy()
    laid: dict[int, float] = {}
    for i in waist:
        if panels[i].translation is not None and panels[i].rotation is not None:
            mine = vp == i
            height[mine] = _garmentcode_points(panels[i], rest[mine])[:, 1]
            laid[i] = float(height[mine].mean())
    lo = {i: float(height[vp == i].min()) for i in waist}
    hi = {i: float(height[vp == i].max()) for i in waist}
    above: dict[int, list[int]] = {i: [] for i in waist}
    if len(pairs):
        side_a, side_b = vp[pairs[:, 0]], vp[pairs[:, 1]]
        for p in waist:
            for q in waist:
                if p == q:
                    continue
                fwd = (side_a == p) & (side_b == q)
                bwd = (side_b == p) & (side_a == q)
                mine = np.concatenate([pairs[fwd, 0], pairs[bwd, 1]])
                theirs = np.concatenate([pairs[fwd, 1], pairs[bwd, 0]])
                if len(mine) < 2:
                    continue
                if p in laid and q in laid:  # the seam runs between the two, p's middle below it, q's above
                    seam = 0.5 * (height[mine].mean() + height[theirs].mean())
                    at_my_top = laid[p] < seam - HANG_SHARE / 2 * (hi[p] - lo[p])
                    at_their_bottom = laid[q] > seam + HANG_SHARE / 2 * (hi[q] - lo[q])
                else:
                    at_my_top = height[mine].mean() >= hi[p] - HANG_SHARE * (hi[p] - lo[p])
                    at_their_bottom = height[theirs].mean() <= lo[q] + HANG_SHARE * (hi[q] - lo[q])
                if at_my_top and at_their_bottom:
                    above[p].append(q)
    level: dict[int, int] = {}
    todo = list(waist)
    while todo:  # levels by repeated passes; a cycle (never in a real garment) is broken at level 0
        ready = [i for i in todo if all(q in level for q in above[i])]
        if not ready:
            ready = todo[:1]
            above[ready[0]] = []
        for i in ready:
            level[i] = 1 + max((level[q] for q in above[i]), default=-1)
            todo.remove(i)
    order = [i for i in range(len(panels)) if i not in level] + sorted(level, key=lambda i: (level[i], i))
    return order, above, level


def _garmentcode_points(panel: Panel, uv: np.ndarray) -> np.ndarray:
    """Points ``uv`` (k, 2) of a GarmentCode panel where GarmentCode lays them round its own body, (k, 3)."""
    v = np.asarray(uv, np.float64)
    pts = Rotation.from_euler("XYZ", panel.rotation, degrees=True).apply(np.c_[v, np.zeros(len(v))])
    return pts + np.asarray(panel.translation, np.float64)


def _garmentcode_centre(panel: Panel) -> np.ndarray | None:
    """Centre (3,) of a GarmentCode panel as GarmentCode lays it round its own body, or None."""
    if panel.translation is None or panel.rotation is None:
        return None
    return _garmentcode_points(panel, panel.vertices).mean(0)


RING_MIN_GAP = 0.05  # [rad] panels of one ring closer than this round the body (3 degrees) are not side by side


def _ring_spans(pattern, anchors: dict, level: dict[int, int]) -> dict[int, tuple[float, float, str]]:
    """Angle spans round the body for torso panels that name alone would stack on one another.

    Front/back and left/right say where two or four panels go; a skirt of eleven gores has three "front
    right" panels, and wrapping all three at the front right puts them through each other. GarmentCode
    stores where each panel sits round its body: where panels of one ring (same anchor and hanging level)
    share a side, the ring's panels are spread by that stored angle instead, each between the midpoints
    to its neighbours. Panels whose side is unique keep the usual span."""
    rings: dict[tuple, list[int]] = {}
    centres = {i: _garmentcode_centre(p) for i, p in enumerate(pattern.panels)}
    for i, p in enumerate(pattern.panels):
        if p.body_part in ("torso", "none") and p.facing in ("front", "back") and centres[i] is not None:
            rings.setdefault((anchors.get(p.name, "shoulder"), level.get(i, -1)), []).append(i)
    out: dict[int, tuple[float, float, str]] = {}
    for members in rings.values():
        sides = [(pattern.panels[i].facing, pattern.panels[i].lateral) for i in members]
        if len(set(sides)) == len(sides) or len(members) < 3:
            continue
        az = np.array([np.arctan2(*centres[i][[0, 2]]) for i in members])
        order = np.argsort(az)
        a = az[order]
        gap_next = np.mod(np.roll(a, -1) - a, 2 * np.pi)
        gap_prev = np.mod(a - np.roll(a, 1), 2 * np.pi)
        if gap_next.min() < RING_MIN_GAP:  # two panels at one angle are stacked (tiers a ring's levels could
            continue  # not tell apart, a circle tier's flat waist), not side by side: spreading them gives
            # one a sliver of the round, which its width then blows up (a 76 m circle)
        for k, i in enumerate(np.asarray(members)[order]):
            out[int(i)] = (float(a[k] - 0.5 * gap_prev[k]), float(a[k] + 0.5 * gap_next[k]), "centre")
    return out


def _under_bodice(garment: Garment, panel: int, positions: np.ndarray, anchors: dict,
                  above=()) -> float | None:
    """Height [m] for the top of waist-anchored ``panel`` when it is sewn to panels hung from the
    shoulders (a dress's skirt under its bodice) or to the waist panels ``above`` it (a skirt under its
    waistband, a tier under the one above): the mean height of their seam vertices, so the seam starts
    closed instead of the two overlapping. None for a skirt on its own."""
    names = garment.pattern.panels
    hung = np.array([anchors.get(p.name, "shoulder") != "waist" for p in names])
    hung[list(above)] = True
    pairs = garment.seam_pairs
    vp = garment.vertex_panel
    ours = (vp[pairs] == panel)
    other = np.where(ours[:, 0], pairs[:, 1], pairs[:, 0])
    sewn = ours.any(axis=1) & ~ours.all(axis=1) & hung[vp[other]]
    if not sewn.any():
        return None
    return float(positions[other[sewn], 1].mean())


def clear_of_body(positions: np.ndarray, avatar: Avatar, clearance: float, parts: np.ndarray | None = None,
                  passes: int = 4, tree=None) -> np.ndarray:
    """Move points that the cylinder wrap left inside (or too close to) the body out to ``clearance`` [m].

    Cylinders only approximate a body's cross-sections (hips are not ellipses, arm cylinders cut into
    the shoulder), so after wrapping, points in the SDF's narrow band are pushed out along its gradient,
    and points deeper than the band (where the clamped SDF has no gradient) jump to the nearest body
    vertex of their own part (``parts``: the panel's body part per point, e.g. a sleeve to the arm) plus
    the clearance along its normal. The solver then relaxes a little stretch instead of rescuing
    vertices from inside the body.
    """
    sdf = avatar.sdf
    out = np.asarray(positions, np.float64).copy()
    deep_limit = -0.9 * sdf.band
    tree = tree if tree is not None or parts is None else _body_tree(avatar)
    for _ in range(passes):
        dist, grad = sdf.query(out)
        g = grad.astype(np.float64)
        norm = np.linalg.norm(g, axis=1)
        if parts is not None:  # body parts a point need not clear count as far away
            dist = np.where(_must_clear(out, avatar, parts, tree), dist, np.inf)
        deep = (dist <= deep_limit) | ((dist < clearance) & (norm < 1e-6))
        if deep.any():
            out[deep] = _nearest_surface(out[deep], avatar, clearance, None if parts is None else parts[deep])
        near = (dist < clearance) & ~deep
        if not near.any() and not deep.any():
            break
        out[near] += (g[near] / norm[near, None]) * (clearance - dist[near])[:, None]
    return out


def relax(positions: np.ndarray, garment: Garment, avatar: Avatar, clearance: float, parts: np.ndarray,
          iterations: int = 300, tree=None) -> np.ndarray:
    """Even out the stretch that wrapping and clearing the body left (n, 3) [m]: Jacobi sweeps pull each
    mesh edge halfway to its pattern length, then points the body pushed are kept ``clearance`` out.
    A drape that starts strained snaps back in its first frames and flings the cloth about."""
    x = np.asarray(positions, np.float64).copy()
    e = garment.mesh.edges_unique
    rest = np.linalg.norm(garment.rest[e[:, 0]] - garment.rest[e[:, 1]], axis=1).astype(np.float64)
    count = np.bincount(e.ravel(), minlength=len(x)).astype(np.float64)[:, None]
    clear = _must_clear(x, avatar, parts, tree)
    for _ in range(iterations):
        d = x[e[:, 1]] - x[e[:, 0]]
        length = np.maximum(np.linalg.norm(d, axis=1), 1e-9)
        corr = 0.5 * ((length - rest) / length)[:, None] * d
        move = np.stack([np.bincount(e[:, 0], corr[:, k], len(x)) - np.bincount(e[:, 1], corr[:, k], len(x))
                         for k in range(3)], 1)
        x += move / np.maximum(count, 1.0)
        dist, grad = avatar.sdf.query(x)
        low = clear & (dist < clearance) & (np.linalg.norm(grad, axis=1) > 1e-6)
        g = grad[low].astype(np.float64)
        x[low] += g / np.linalg.norm(g, axis=1, keepdims=True) * (clearance - dist[low])[:, None]
    return x


#: Body parts a panel must clear when placed, by the panel's body part (default: all but the arms). A
#: sleeve cap wrapped round the top of the arm overlaps the torso at the armpit; pushing those points out of
#: the torso would tear the sleeve, so they stay, and the solver lets sleeves pass through the torso while
#: seams pull (cloth_sim.body.SEWING_IGNORED_PARTS), as a bodice passes through the arms.
CLEARS = {"arm_left": ("arm_left",), "arm_right": ("arm_right",)}
_DEFAULT_CLEARS = tuple(p for p in AVATAR_PARTS if not p.startswith("arm"))


def _body_tree(avatar: Avatar):
    """KD-tree of the avatar's vertices (built once per placement, queried by every clearing pass)."""
    from scipy.spatial import cKDTree

    return cKDTree(avatar.mesh.vertices)


def _must_clear(points: np.ndarray, avatar: Avatar, parts: np.ndarray, tree=None) -> np.ndarray:
    """(n,) bool: whether each point's nearest body part is one its panel (body part ``parts``) must clear.
    ``tree``: :func:`_body_tree` of the avatar (built here when not given)."""
    _, nearest = (tree if tree is not None else _body_tree(avatar)).query(points)
    near_part = np.asarray(AVATAR_PARTS)[avatar.vertex_part[nearest]]
    ok = np.zeros(len(points), bool)
    for part in np.unique(parts):
        sel = parts == part
        ok[sel] = np.isin(near_part[sel], CLEARS.get(str(part), _DEFAULT_CLEARS))
    return ok


def _nearest_surface(points: np.ndarray, avatar: Avatar, clearance: float, parts: np.ndarray | None) -> np.ndarray:
    from scipy.spatial import cKDTree

    from ..core.avatar import AVATAR_PARTS

    verts, normals = avatar.mesh.vertices.astype(np.float64), avatar.mesh.vertex_normals.astype(np.float64)
    labels = np.asarray(AVATAR_PARTS)[avatar.vertex_part]
    result = points.copy()
    groups = np.unique(parts) if parts is not None else [None]
    for part in groups:
        sel = np.ones(len(points), bool) if part is None else parts == part
        pool = labels == part if part is not None else np.ones(len(verts), bool)
        if not pool.any():
            pool = np.ones(len(verts), bool)
        idx = np.flatnonzero(pool)
        _, nearest = cKDTree(verts[idx]).query(points[sel])
        hit = idx[nearest]
        result[sel] = verts[hit] + normals[hit] * clearance
    return result
