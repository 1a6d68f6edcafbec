"""Synthetic front/side photo pairs of Anny bodies with tape-measure ground truth, to judge
:mod:`.photos` with a ruler it did not make.

Bodies are random Anny phenotypes (both sexes, adult ages, weight from thin to well past Anny's own
"max weight" anchor, muscle, proportions, cup size, ethnic mix) plus random MakeHuman torso changes,
so the set spans the XS–3XL size table and beyond. Each body is posed (A-pose with a random arm angle,
or relaxed) and drawn by the project's rasteriser (:mod:`..render.maps`) with an orthographic camera
or, with ``perspective=True``, as a phone photo (:func:`draw_shot`: a pinhole camera 2–4 m away, 28–85
mm equivalent as far as the person fits, small tilt, random light, half on a textured wall): the torso
and legs in a flat "clothing" colour, head and arms in a skin tone, lambert shading, a plain wall with a
gradient and sensor noise behind. The ground truth is taken on the
mesh itself (:func:`.anny_body.measure_anny`: horizontal plane sections at the body's own landmarks,
tape = convex hull of the section loop, ISO 8559-1 definitions), never from a silhouette.

Also makes the photos a user should be told to retake: a cluttered background, a person cut off at
the bottom of the frame, two people side by side, a person seated (:func:`seated_mesh`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.camera import Camera
from ..core.errors import InvalidInputError
from ..core.measurements import check_measurements

#: torso changes drawn uniformly in ±this (MakeHuman "measure"/shape targets): body shapes the
#: phenotypes alone do not reach (a fuller stomach, flatter buttocks, a deeper chest…)
LOCAL_SPREAD = {
    "measure-bust-circ-incr": 0.6, "measure-waist-circ-incr": 0.6, "measure-hips-circ-incr": 0.6,
    "stomach-pregnant-incr": 0.35, "buttocks-volume-incr": 0.6, "hip-scale-depth-incr": 0.5,
    "torso-scale-depth-incr": 0.5, "torso-scale-horiz-incr": 0.4, "measure-shoulder-dist-incr": 0.6,
    "measure-neck-circ-incr": 0.6, "measure-upperleg-height-incr": 0.5,
}
#: [m] adult heights kept (others are drawn again)
HEIGHTS = (1.48, 2.0)
SKIN = np.array([0.86, 0.70, 0.58])
#: lambert shading between these factors (ambient … fully lit)
SHADE = (0.55, 1.0)


@dataclass(frozen=True, eq=False)
class BodySample:
    """One random body: its Anny parameters, sex, pose and tape-measure truth [m]."""

    phenotypes: np.ndarray  # (P,) Anny phenotype vector
    local_changes: np.ndarray  # (L,) Anny local changes
    sex: str  # "female" / "male"
    pose: str  # "a_pose" / "relaxed"
    arm_angle: float  # [deg]
    truth: dict  # ISO name -> [m], the tape on the posed mesh, arms excluded (:func:`tape_measure`)
    truth_levels: dict  # level name -> [m] height above the floor in the posed body
    vertices: np.ndarray | None = None  # [m], (n, 3) the posed body (kept on request)
    parts: np.ndarray | None = None  # (n,) AVATAR_PARTS index per vertex (kept on request)


def tape_measure(vertices: np.ndarray, faces: np.ndarray, parts: np.ndarray, landmarks: dict) -> dict:
    """The nine measurements [m] of a posed body the way a tape takes them (ISO 8559-1): each girth is
    the convex hull of the horizontal section at its landmark (chest/bust girth at the bust points,
    underbust below them, waist girth at the natural waist, hip girth at the greatest prominence of the
    buttocks, neck girth at the base of the neck) over the faces of the trunk, legs and head only — the
    arms are left outside the tape even where they touch the body (a tape passes under the armpits).
    Lengths as :func:`.measure.measure_body` takes them."""
    from ..core.avatar import AVATAR_PARTS
    from .measure import GIRTH_LANDMARKS, measure_body
    from .sections import hull_perimeter, section_polylines

    arms = np.isin(parts, [AVATAR_PARTS.index("arm_left"), AVATAR_PARTS.index("arm_right")])
    trunk = faces[~arms[faces].any(1)]
    out = measure_body(vertices, faces, landmarks)
    for name, lm in GIRTH_LANDMARKS.items():
        y = float(np.asarray(landmarks[lm])[1])
        loops = section_polylines(vertices, trunk, y)
        out[name] = hull_perimeter(np.concatenate(loops)) if loops else 0.0
    return out


def sample_bodies(body, n: int, seed: int, relaxed_fraction: float = 0.0, keep_mesh: bool = False
                  ) -> list[BodySample]:
    """``n`` random bodies, alternating female / male (deterministic for a ``seed``)."""
    from .anny_body import anny_landmarks, measure_anny
    from .build import body_parts, landmark_ids, posed_anny

    rng = np.random.default_rng(seed)
    ids = landmark_ids(body)
    out = []
    while len(out) < n:
        female = len(out) % 2 == 0
        eth = rng.dirichlet([1.0, 1.0, 1.0])
        phen = {"gender": rng.uniform(0.85, 1.0) if female else rng.uniform(0.0, 0.15),
                "age": rng.uniform(0.5, 0.85), "muscle": rng.uniform(0.15, 0.85),
                "weight": rng.uniform(0.05, 1.35), "height": rng.uniform(0.15, 0.85),
                "proportions": rng.uniform(0.2, 0.8), "cupsize": rng.uniform(0.2, 0.95) if female else 0.5,
                "firmness": rng.uniform(0.3, 0.8), "african": eth[0], "asian": eth[1], "caucasian": eth[2]}
        local = {k: rng.uniform(-s, s) for k, s in LOCAL_SPREAD.items()}
        local["stomach-pregnant-incr"] = abs(local["stomach-pregnant-incr"])
        p, loc = body.params(phen, local)
        pose = "relaxed" if rng.uniform() < relaxed_fraction else "a_pose"
        angle = float(rng.uniform(35.0, 55.0)) if pose == "a_pose" else 75.0
        v, h, pv, ph = posed_anny(body, p, loc, pose, angle)
        rest = measure_anny(body, ids, v, h)
        if not HEIGHTS[0] <= rest["height"] <= HEIGHTS[1]:
            continue  # children's and giants' heights: outside the adult size range
        lm = anny_landmarks(pv, ph, ids)
        parts = body_parts(body, ids, v)
        truth = tape_measure(pv, body.faces, parts, lm)
        truth["height"] = rest["height"]
        try:
            check_measurements(truth)
        except InvalidInputError:
            continue  # a body the size table's plausible adult ranges do not cover
        levels = {k: float(lm[n][1]) for k, n in (("chest", "bust"), ("underbust", "underbust"),
                                                    ("waist", "waist"), ("hip", "hip"),
                                                    ("neck", "neck_girth_level"), ("crotch", "crotch"))}
        levels["armpit"] = float(0.5 * (lm["armpit_left"][1] + lm["armpit_right"][1]))
        mesh = (pv, parts) if keep_mesh else (None, None)
        out.append(BodySample(p[0], loc[0], "female" if female else "male", pose, angle, truth, levels, *mesh))
    return out


def seated_mesh(body, sample: BodySample):
    """``sample`` sitting on an unseen stool, thighs level and shins hanging, arms in its pose: the
    photo a user must be told to retake standing. Vertices (n, 3) [m] with the soles on y = 0, parts."""
    from .build import body_parts, landmark_ids, posed_anny
    from .pose import rot_x

    sitting = {f"{bone}.{s}": rot_x(angle) for s in ("L", "R")
               for bone, angle in (("upperleg01", -85.0), ("lowerleg01", 85.0))}
    v, _, pv, _ = posed_anny(body, sample.phenotypes[None], sample.local_changes[None], sample.pose,
                             sample.arm_angle, extra_rotations=sitting)
    return pv - np.array([0.0, pv[:, 1].min(), 0.0]), body_parts(body, landmark_ids(body), v)


def posed_mesh(body, sample: BodySample):
    """Posed vertices (n, 3) [m] and the per-vertex part labels of ``sample``."""
    from .build import body_parts, landmark_ids, posed_anny

    if sample.vertices is not None:
        return sample.vertices, sample.parts
    v, _, pv, _ = posed_anny(body, sample.phenotypes[None], sample.local_changes[None], sample.pose,
                             sample.arm_angle)
    return pv, body_parts(body, landmark_ids(body), v)


def photo_camera(height: float, view: str, frame_ratio: float, width: int, rows: int, shift=(0.0, 0.0)) -> Camera:
    """Orthographic camera seeing a body ``height`` [m] tall from the front or its left side.

    ``frame_ratio`` = picture height / body height (> 1: space above the head and under the feet);
    ``shift`` moves the body in the picture [fraction of the picture width, height].
    """
    yaw = 0.0 if view == "front" else 90.0
    ortho = height * frame_ratio
    tx = -shift[0] * ortho * width / rows
    ty = height / 2 + shift[1] * ortho
    target = (tx, ty, 0.0) if view == "front" else (0.0, ty, -tx)
    return Camera.orbit(yaw, 0.0, 4.0, target=target, width=width, height=rows, projection="orthographic",
                        ortho_height=ortho, near=0.5, far=8.0)


#: [mm] the 35 mm-equivalent focal length is defined on the 43.27 mm diagonal of a 36 × 24 mm frame; a
#: 3:4 portrait photo's long side is 0.8 of its diagonal, so its half-height is 17.3 mm at that scale
HALF_FRAME_MM = 0.5 * 0.8 * float(np.hypot(36.0, 24.0))
#: [m] how far the toes reach in front of the top of the head, at most (what must stay in the frame)
TOE_REACH = 0.25


@dataclass(frozen=True)
class Shot:
    """Where a hand-held camera stood for one photo: ``distance`` [m] from the body's centre plane,
    ``height`` [m] of the lens above the floor, ``focal_mm`` 35 mm-equivalent focal length, ``pitch``
    [deg] (+ tilted up) and ``roll`` [deg] of the phone's small errors against the vertical."""

    distance: float
    height: float
    focal_mm: float
    pitch: float = 0.0
    roll: float = 0.0

    @property
    def fov_y(self) -> float:
        """[deg] vertical field of view of a 3:4 portrait photo."""
        return float(np.degrees(2 * np.arctan(HALF_FRAME_MM / self.focal_mm)))


def draw_shot(rng, body_height: float, distances=(2.0, 4.0), focals=(28.0, 85.0), heights=(0.7, 1.5),
              margin: float = 0.04) -> Shot:
    """A random phone photo as the instructions ask for it: the phone upright (pitch and roll within a
    couple of degrees, what a level guide allows), ``distances`` [m] away, its lens ``heights`` [m] above
    the floor, a 35 mm-equivalent focal length in ``focals``. The longest lenses cannot show a whole
    adult from 2–4 m, so the focal length is drawn up to the longest that keeps the head and the toes
    ``margin`` (fraction of the picture height) inside the frame; the lens height is drawn again when even
    the shortest lens cannot."""
    room = HALF_FRAME_MM * (1 - 2 * margin)
    while True:
        d = float(rng.uniform(*distances))
        c = float(rng.uniform(*heights))
        # level camera: a point y [m] high, z [m] nearer than the centre plane, lies (c − y)/(d − z)·f
        # from the picture's middle row (in 35 mm-equivalent mm); keep the head and toes inside
        reach = max((body_height + 0.02 - c) / d, c / (d - TOE_REACH))
        f_max = min(focals[1], room / (reach + np.tan(np.radians(3.0))))
        if f_max >= focals[0]:
            f = float(rng.uniform(focals[0], f_max))
            pitch, roll = (float(np.clip(rng.normal(0.0, 1.0), -2.0, 2.0)) for _ in range(2))
            return Shot(d, c, f, pitch, roll)


def shot_camera(shot: Shot, view: str, width: int, rows: int, across: float = 0.0) -> Camera:
    """The perspective :class:`Camera` of ``shot`` looking at the body from the front (+Z) or its left
    side (+X), ``across`` [m] to the side of the body's centre."""
    p, r = np.radians(shot.pitch), np.radians(shot.roll)
    fwd = np.array([0.0, np.sin(p), -np.cos(p)])  # front view: looking down −Z
    up = np.array([np.sin(r), np.cos(r) * np.cos(p), np.cos(r) * np.sin(p)])
    eye = np.array([across, shot.height, shot.distance])
    if view == "side":  # the same shot turned 90° about the vertical: looking down −X from +X
        turn = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])
        fwd, up, eye = turn @ fwd, turn @ up, turn @ eye
    return Camera(eye=eye, target=eye + fwd, up=up, fov_y=shot.fov_y, width=width, height=rows,
                  projection="perspective", near=0.3, far=10.0)


def render_photo(vertices: np.ndarray, faces: np.ndarray, parts: np.ndarray, camera: Camera, rng,
                 cloth: np.ndarray, wall: np.ndarray, background: np.ndarray | None = None,
                 light=(0.35, 0.55, 0.75), shade=SHADE) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) float32 sRGB "photo": clothing colour on torso and legs, skin on head and arms, shaded,
    over a plain wall (or ``background`` (H, W, 3)) with a gradient and sensor noise; and the body's
    coverage (H, W) float32 0..1 (the exact silhouette, anti-aliased)."""
    from ..core.avatar import AVATAR_PARTS
    from ..core.mesh import TriangleMesh
    from ..render.maps import render_pass
    from ..render.raster import box_down, scatter
    from ..render.scenes import build_scene

    ss = 2
    scene = build_scene(TriangleMesh(vertices.astype(np.float32), faces))
    rp = render_pass(scene, camera, ss)
    part = parts[faces[rp.frags.hit_face, 0]]
    skin = np.isin(part, [AVATAR_PARTS.index(p) for p in ("head", "arm_left", "arm_right")])
    albedo = np.where(skin[:, None], SKIN[None], np.asarray(cloth)[None])
    light = np.asarray(light, np.float64)
    light = light / np.linalg.norm(light)
    shade = shade[0] + (shade[1] - shade[0]) * np.clip(rp.normal @ light, 0.0, 1.0)
    colour = scatter((albedo * shade[:, None]).astype(np.float32), rp.frags, -1.0)
    cover = box_down(rp.frags.hit.astype(np.float32), ss)[..., None]
    fg = box_down(np.where(colour < 0, 0.0, colour), ss) / np.maximum(cover, 1e-6)
    H, W = camera.height, camera.width
    if background is None:
        ramp = np.linspace(1.04, 0.9, H)[:, None, None] * np.linspace(0.97, 1.03, W)[None, :, None]
        background = np.clip(np.asarray(wall)[None, None] * ramp, 0, 1)
    img = cover * fg + (1 - cover) * background
    img = img + rng.normal(0.0, 0.012, img.shape)
    return np.clip(img, 0, 1).astype(np.float32), cover[..., 0].astype(np.float32)


def contrasting_colours(rng) -> tuple[np.ndarray, np.ndarray]:
    """A clothing colour and a wall colour that differ clearly, lit and in shade (what the photo
    instructions ask for: clothes and skin that stand out from the wall)."""
    walls = np.array([[0.92, 0.92, 0.90], [0.85, 0.88, 0.92], [0.93, 0.90, 0.84], [0.78, 0.80, 0.78],
                      [0.55, 0.62, 0.70]])
    cloths = np.array([[0.12, 0.12, 0.14], [0.15, 0.22, 0.45], [0.55, 0.12, 0.15], [0.20, 0.40, 0.25],
                       [0.45, 0.40, 0.60], [0.70, 0.55, 0.20], [0.85, 0.85, 0.88]])

    import cv2

    def lab(c):
        return cv2.cvtColor(np.asarray(c, np.float32).reshape(1, -1, 3), cv2.COLOR_RGB2LAB)[0]

    def apart(a, b):  # at every shade the renderer uses, at least 25 CIE Lab units apart
        shades = np.linspace(SHADE[0], SHADE[1], 10)[:, None] * np.asarray(a)[None]
        return float(np.linalg.norm(lab(shades) - lab([b]), axis=1).min()) > 25.0

    while True:
        wall, cloth = walls[rng.integers(len(walls))], cloths[rng.integers(len(cloths))]
        if apart(cloth, wall) and apart(SKIN, wall):
            return cloth, wall


def textured_wall(rng, rows: int, width: int, wall: np.ndarray, amount: float = 0.05) -> np.ndarray:
    """(H, W, 3) a plain wall with a mild texture: soft blotches and a fine plaster grain, ± ``amount``
    of its brightness, and the same gradient a lamp leaves on the plain wall."""
    import cv2

    blot = cv2.GaussianBlur(rng.normal(0, 1, (rows, width)).astype(np.float32), (0, 0), rows / 25)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (rows, width)).astype(np.float32), (0, 0), 1.2)
    tex = blot / (np.abs(blot).max() + 1e-6) + 0.5 * grain / (np.abs(grain).max() + 1e-6)
    ramp = np.linspace(1.04, 0.9, rows)[:, None] * np.linspace(0.97, 1.03, width)[None, :]
    return np.clip(np.asarray(wall)[None, None] * (ramp * (1 + amount * tex))[..., None], 0, 1)


def photo_pair(body, sample: BodySample, seed: int, rows: int = 1024, width: int = 768,
               mirror_side: bool | None = None, with_masks: bool = False, colours=None,
               perspective: bool = False, with_shots: bool = False, mesh=None):
    """Front and side photos (H, W, 3) float32 of ``sample``; the side photo faces left or right.
    ``with_masks`` also returns their exact coverage masks (H, W) float32: (front, side, front_mask, side_mask).
    ``colours`` = (clothing, wall) sRGB replaces the random contrasting pair.

    ``perspective``: phone photos (:func:`draw_shot`: 2–4 m, 28–85 mm equivalent, the lens 0.7–1.5 m
    high, small pitch and roll), the light from a random direction and strength, and a mildly textured
    wall in half the pairs; the same phone position for both views, the person turned. ``with_shots``
    then appends the two :class:`Shot` records. Otherwise orthographic (the first evaluation set)."""
    rng = np.random.default_rng(seed)
    v, parts = mesh if mesh is not None else posed_mesh(body, sample)  # ``mesh``: (vertices, parts) instead
    h = float(v[:, 1].max())
    cloth, wall = contrasting_colours(rng)
    if colours is not None:
        cloth, wall = (np.asarray(c, float) for c in colours)
    shots: list[Shot] = []
    if perspective:
        base = draw_shot(rng, h)
        light = (rng.uniform(-0.6, 0.6), rng.uniform(0.3, 0.8), rng.uniform(0.5, 1.0))
        shade = (rng.uniform(0.45, 0.65), rng.uniform(0.9, 1.1))
        background = textured_wall(rng, rows, width, wall) if rng.uniform() < 0.5 else None
    out, masks = [], []
    for view in ("front", "side"):
        if perspective:
            shot = Shot(base.distance, base.height, base.focal_mm,
                        *(float(np.clip(rng.normal(0.0, 1.0), -2.0, 2.0)) for _ in range(2)))
            shots.append(shot)
            cam = shot_camera(shot, view, width, rows, across=float(rng.uniform(-0.1, 0.1)))
            img, cover = render_photo(v, body.faces, parts, cam, rng, cloth, wall, background, light, shade)
        else:
            across = np.ptp(v[:, 0]) if view == "front" else np.ptp(v[:, 2])
            centre = (0.5 * (v[:, 0].max() + v[:, 0].min())) if view == "front" else -0.5 * (v[:, 2].max() + v[:, 2].min())
            ratio = max(rng.uniform(1.08, 1.25), 1.08 * across / h * rows / width)
            room = 0.5 * (1 - across / (h * ratio * width / rows)) - 0.02  # free width each side [picture widths]
            shift = (rng.uniform(-1, 1) * max(room, 0.0) - centre / (h * ratio * width / rows),
                     rng.uniform(-0.02, 0.02))
            cam = photo_camera(h, view, ratio, width, rows, shift)
            img, cover = render_photo(v, body.faces, parts, cam, rng, cloth, wall)
        out.append(img)
        masks.append(cover)
    if mirror_side if mirror_side is not None else rng.uniform() < 0.5:
        out[1], masks[1] = out[1][:, ::-1].copy(), masks[1][:, ::-1].copy()
    res = (out[0], out[1], masks[0], masks[1]) if with_masks else (out[0], out[1])
    return res + tuple(shots) if with_shots else res

def cluttered(photo: np.ndarray, rng) -> np.ndarray:
    """The same person pasted (by colour key) over a busy room: shelves, frames, posters, a plant."""
    h, w = photo.shape[:2]
    bg = np.empty_like(photo)
    bg[:] = rng.uniform(0.2, 0.9, 3)
    for _ in range(60):
        x0, y0 = rng.integers(0, w), rng.integers(0, h)
        x1, y1 = x0 + rng.integers(10, w // 3), y0 + rng.integers(10, h // 3)
        bg[y0:y1, x0:x1] = rng.uniform(0, 1, 3)
    bg += rng.normal(0, 0.05, bg.shape)
    corner = photo[:8, :8].reshape(-1, 3).mean(0)
    person = (np.abs(photo - corner).sum(-1) > 0.12)[..., None]
    return np.clip(np.where(person, photo, bg), 0, 1).astype(np.float32)


def cut_off(photo: np.ndarray, fraction: float = 0.12) -> np.ndarray:
    """The photo with its bottom ``fraction`` removed (feet out of the frame)."""
    return photo[: int(round(photo.shape[0] * (1 - fraction)))].copy()


def two_people(photo: np.ndarray) -> np.ndarray:
    """Two people side by side: the photo shrunk to 45 % twice over the same wall, same picture size."""
    import cv2

    h, w = photo.shape[:2]
    small = cv2.resize(photo, (int(w * 0.45), int(h * 0.45)), interpolation=cv2.INTER_AREA)
    out = np.empty_like(photo)
    out[:] = photo[:8, :8].reshape(-1, 3).mean(0)
    out += np.random.default_rng(0).normal(0.0, 0.012, out.shape).astype(out.dtype)
    sh, sw = small.shape[:2]
    y0 = (h - sh) // 2
    for cx in (w // 4, 3 * w // 4):
        out[y0:y0 + sh, cx - sw // 2: cx - sw // 2 + sw] = small
    return out


#: what the photos measure, in the order reports list them
MEASURED = ("chest_girth", "underbust_girth", "waist_girth", "hip_girth", "neck_girth", "inside_leg_length",
            "shoulder_width")


def photo_errors(pm, truth: dict) -> dict:
    """name → (measured − truth, predicted one-sigma) [m] for every measured name."""
    return {k: (pm.values[k] - truth[k], pm.uncertainty[k]) for k in MEASURED if k in pm.values}


def summarise(rows: list[dict]) -> dict:
    """Per measurement over ``rows`` (each name → (error, sigma) [m]): n, MAE, 90th percentile of |error|,
    bias (mean error), fraction within ±2 cm and ±3 cm, fraction within ±1 predicted sigma; cm."""
    out = {}
    names = [k for k in MEASURED if any(k in r for r in rows)] + sorted(
        {k for r in rows for k in r} - set(MEASURED))
    for k in names:
        e = np.array([r[k][0] for r in rows if k in r]) * 100
        s = np.array([r[k][1] for r in rows if k in r]) * 100
        a = np.abs(e)
        out[k] = {"n": len(e), "mae": float(a.mean()), "p90": float(np.percentile(a, 90)), "bias": float(e.mean()),
                  "within2": float((a <= 2).mean()), "within3": float((a <= 3).mean()),
                  "within_sigma": float((a <= s).mean()) if np.isfinite(s).all() else float("nan")}
    return out


def format_summary(summary: dict) -> str:
    lines = [f"{'measurement':<20}{'n':>4}{'MAE':>7}{'P90':>7}{'bias':>7}{'≤2cm':>7}{'≤3cm':>7}{'≤1σ':>7}"]
    for k, s in summary.items():
        sig = "" if s["within_sigma"] != s["within_sigma"] else f"{s['within_sigma']:7.0%}"
        lines.append(f"{k:<20}{s['n']:4d}{s['mae']:7.2f}{s['p90']:7.2f}{s['bias']:+7.2f}{s['within2']:7.0%}"
                     f"{s['within3']:7.0%}{sig}")
    return "\n".join(lines + ["(cm; MAE mean absolute error, P90 90th percentile of |error|, bias mean error)"])


def mesh_mask(vertices: np.ndarray, faces: np.ndarray, view: str, body_px: int, pad: int = 24,
              mirror: bool = False, ss: int = 4) -> np.ndarray:
    """(H, W) bool orthographic silhouette of a mesh standing on y = 0, ``body_px`` rows from the top of
    the head to the soles: every triangle filled (OpenCV) at ``ss``× resolution, a pixel is inside when
    more than half of it is covered. Front looks from +Z, side from +X (the body faces the picture's
    left unless ``mirror``)."""
    import cv2

    v = np.asarray(vertices, np.float64)
    u = v[:, 0] if view == "front" else -v[:, 2]
    if mirror:
        u = -u
    lo_y, hi_y = v[:, 1].min(), v[:, 1].max()
    s = body_px / (hi_y - lo_y)
    col = (u - u.min()) * s + pad + 0.2 * body_px  # room beside the body, as in a photo
    row = (hi_y - v[:, 1]) * s + pad
    h = int(np.ceil(body_px + 2 * pad))
    w = int(np.ceil(col.max() + pad + 0.2 * body_px))
    img = np.zeros((h * ss, w * ss), np.uint8)
    # OpenCV puts integer coordinates at pixel centres: continuous x maps to x·ss − 0.5 (1/16 px units)
    pts = np.round((np.stack([col, row], 1)[faces] * ss - 0.5) * 16).astype(np.int32)
    for tri in pts:  # one call per triangle: a single fillPoly call would XOR overlapping ones
        cv2.fillConvexPoly(img, tri, 1, lineType=cv2.LINE_8, shift=4)
    return img.reshape(h, ss, w, ss).mean((1, 3)) > 0.5
