"""Avatars from two photos: a front and a side view of a person, plus their stated height.

The photos: the whole person standing upright, from the hair to the soles, in fitted clothes, against a
plain wall; the front photo in an A-pose (arms 30–60° below the horizontal, legs a little apart), the side
photo in an A-pose or with relaxed arms, facing either way. The phone upright, at waist to chest height,
about 3 m away, the photos uncropped; its 35 mm-equivalent focal length (EXIF) or its distance makes the
perspective correction exact (:class:`.photo_profile.Lens`).

1. :mod:`.silhouette` cuts the person out (colour model + GrabCut, or rembg's u2net_human_seg when
   installed) and refuses what is not one whole standing person, saying what to retake.
2. :mod:`.photo_profile` scales each silhouette to the stated height, correcting for the feet standing
   nearer the lens than the body's centre plane, finds the crotch and the armpits,
   places the chest, underbust, waist, hip and neck levels, and reads the width (front) and depth
   (side) of the body at each.
3. :mod:`.girth_table` turns width and depth into tape girths with a cross-section model learned from
   Anny bodies, and gives the inside leg and the shoulder width.
4. The measurements feed the Anny fit (:func:`.build.avatar_from_measurements`); the arm length is not
   measured and comes from the body model's proportions.

Every measurement carries a one-sigma uncertainty: the learned model's cross-validated residual, one
pixel of edge position in each photo, and 1 cm of doubt about the stated height, added in quadrature.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..core.errors import InvalidInputError
from ..core.measurements import check_measurements
from ..core.progress import ProgressFn, report
from .girth_table import PhotoTable, load_table
from .photo_profile import ASSUMED_DISTANCE, Lens, Profile, body_profile
from .silhouette import PhotoRejected, as_rgb, silhouette

#: [m] one-sigma doubt about a stated height (people round, shoes, posture)
HEIGHT_SIGMA = 0.01
#: [px] one-sigma doubt about where an edge is, per silhouette width
EDGE_PX = 1.0
GIRTHS = {"chest": "chest_girth", "underbust": "underbust_girth", "waist": "waist_girth", "hip": "hip_girth",
          "neck": "neck_girth"}
SEXES = ("female", "male")


@dataclass(frozen=True, eq=False)
class PhotoMeasurements:
    """What the photos measured [m] (ISO 8559-1 names) and how sure it is."""

    values: dict  # name -> [m]; height is the stated one
    uncertainty: dict  # name -> [m] one standard deviation
    levels: dict  # level name -> [m] height above the floor (chest, underbust, waist, hip, neck, crotch, armpit)
    sections: dict  # girth level -> (front width, side depth) [m]
    notes: tuple  # what was estimated rather than seen
    profile: Profile
    sex: str

    def table(self) -> str:
        """Text table in cm: measurement, value, ± one sigma."""
        lines = [f"{'measurement':<20}{'photos':>9}{'± 1σ':>8}"]
        for k, v in self.values.items():
            lines.append(f"{k:<20}{v * 100:9.1f}{self.uncertainty[k] * 100:8.1f}")
        return "\n".join(lines + ["(cm)"] + [f"note: {n}" for n in self.notes])

    def to_dict(self) -> dict:
        return {"values": dict(self.values), "uncertainty": dict(self.uncertainty), "levels": dict(self.levels),
                "sections": {k: list(v) for k, v in self.sections.items()}, "notes": list(self.notes),
                "segmentation": self.profile.front.sil.method, "sex": self.sex}


def _check(height: float, sex: str, allowance: float) -> None:
    if sex not in SEXES:
        raise InvalidInputError(f"must be one of {SEXES}, got {sex!r}", field="sex")
    check_measurements({"height": height})
    if not (np.isfinite(allowance) and 0.0 <= allowance <= 0.1):
        raise InvalidInputError(f"must lie in [0, 10] cm, got {allowance * 100:.1f} cm", field="allowance")


def exif_focal_35mm(image) -> float:
    """The 35 mm-equivalent focal length [mm] a camera wrote into a PIL image's EXIF
    (``FocalLengthIn35mmFilm``, tag 0xA405 of the Exif IFD), or 0.0 when it is absent."""
    try:
        value = image.getexif().get_ifd(0x8769).get(0xA405, 0)
        return float(value) if 13 <= float(value) <= 300 else 0.0
    except (AttributeError, TypeError, ValueError, KeyError):
        return 0.0


def _check_not_swapped(front, side, cause: Exception | None = None) -> None:
    """Refuse a side photo given as the front and the front as the side: seen from the front, a person is
    wider across the shoulders than they are deep anywhere seen from the side."""
    def widest(sil, lo, hi):  # widest single run [px] between lo and hi of the height above the soles
        rows = sil.mask[sil.top + int((1 - hi) * sil.height_px): sil.top + int((1 - lo) * sil.height_px)]
        return max((int(np.ptp(np.nonzero(r)[0])) + 1 for r in rows if r.any()), default=0) / sil.height_px

    if widest(front, 0.72, 0.84) < widest(side, 0.72, 0.84):
        raise PhotoRejected("front", "the front and side photos look swapped: the person in the front photo is "
                                     "narrower across the shoulders than the one in the side photo",
                            "put the photo facing the camera first and the one turned sideways second"
                            ) from cause


def measure_photos(front, side, height: float, sex: str, *, segmentation: str = "auto",
                   model_path: str | Path | None = None, allowance: float = 0.0, table: PhotoTable | None = None,
                   lens: Lens = Lens(), on_progress: ProgressFn | None = None) -> PhotoMeasurements:
    """Measurements of the person in a ``front`` and a ``side`` photo ((H, W, 3) 0..1 or uint8), ``height``
    [m] tall, ``sex`` "female"/"male"; ``allowance`` [m] is hair volume plus sole height seen in the
    photos but not part of ``height``. Raises :class:`.silhouette.PhotoRejected` for unusable photos."""
    _check(height, sex, allowance)
    for name, value, hi in (("focal_mm_35", lens.focal_mm, 300.0), ("camera_distance_m", lens.distance, 10.0)):
        if not (np.isfinite(value) and 0.0 <= value <= hi):
            raise InvalidInputError(f"must lie in [0, {hi:g}] (0 = unknown), got {value!r}", field=name)
    if 0 < lens.focal_mm < 13:
        raise InvalidInputError(f"a 35 mm-equivalent focal length is 13 mm or more, got {lens.focal_mm:g} mm (the "
                                "phone's real focal length is not it: look for FocalLengthIn35mmFilm)",
                                field="focal_mm_35")
    if 0 < lens.distance < 1.0:
        raise InvalidInputError(f"the whole body cannot be in the picture from {lens.distance:g} m; give the "
                                "distance in metres", field="camera_distance_m")
    tab = (table or load_table())[sex]
    report(on_progress, 0, 3)
    sil_f = silhouette(front, "front", segmentation, model_path)
    report(on_progress, 1, 3)
    try:
        sil_s = silhouette(side, "side", segmentation, model_path)
    except PhotoRejected as exc:
        _check_not_swapped(sil_f, silhouette(side, "front", segmentation, model_path), exc)
        raise
    report(on_progress, 2, 3)
    _check_not_swapped(sil_f, sil_s)
    prof = body_profile(sil_f, sil_s, height, tab.crotch_fraction, allowance, lens, tab.crotch_sigma)
    levels = prof.levels(tab.rules)
    for lv in ("chest", "underbust", "waist", "hip"):
        touching = prof.arms_clear(levels[lv])
        if touching:
            raise PhotoRejected("front", f"an arm touches the body at the {lv} in the front photo "
                                         f"(picture's {' and '.join(touching)})",
                                "hold both arms a little further from the body, so the wall shows between the "
                                "arms and the waist and hips")
    values, sigma, sections, notes = {"height": float(height)}, {"height": HEIGHT_SIGMA}, {}, []
    for lv, name in GIRTHS.items():
        model = tab.girths[lv]
        w, d = prof.front_width(levels[lv]), prof.side_depth(levels[lv])
        g = model(w, d)
        gw, gd = model.gradient(w, d)
        s2 = model.sigma ** 2 + (gw * EDGE_PX * prof.front.scale) ** 2 + (gd * EDGE_PX * prof.side.scale) ** 2
        s2 += (g * HEIGHT_SIGMA / height) ** 2
        if model.extrapolates(w, d):
            s2 *= 4.0
            notes.append(f"{name}: width {w * 100:.0f} cm / depth {d * 100:.0f} cm lie outside the bodies the "
                         "table was fitted on; uncertainty doubled")
        values[name], sigma[name], sections[lv] = g, float(np.sqrt(s2)), (w, d)
    il = tab.inside_leg
    values["inside_leg_length"] = il(prof.crotch)
    sigma["inside_leg_length"] = float(np.hypot(il.sigma, prof.front.scale * EDGE_PX))
    if not prof.crotch_measured:
        sigma["inside_leg_length"] = float(np.hypot(sigma["inside_leg_length"], il.b * tab.crotch_sigma))
        notes.append("the legs touch in the front photo (or the thighs below the crotch): the crotch height comes "
                     "from body proportions")
    sh = tab.shoulder
    fw = prof.full_width(prof.armpit + tab.shoulder_fraction * (prof.height - prof.armpit))
    values["shoulder_width"] = sh(fw)
    sigma["shoulder_width"] = float(np.hypot(sh.sigma, sh.b * prof.front.scale * EDGE_PX))
    notes.append("arm length is not measured: the fitted body keeps its model's proportions")
    if not lens.parallel:
        how = (f"a {lens.focal_mm:g} mm-equivalent lens" if lens.focal_mm else
               f"the phone {lens.distance or ASSUMED_DISTANCE:g} m away" + ("" if lens.distance else " (assumed)"))
        notes.append(f"perspective corrected for {how}, an upright phone and an uncropped photo")
    notes.append(f"silhouettes by {sil_f.method}; {prof.front.scale * 1000:.1f} mm/px (front), "
                 f"{prof.side.scale * 1000:.1f} mm/px (side)")
    levels = {**levels, "crotch": prof.crotch, "armpit": prof.armpit}
    report(on_progress, 3, 3)
    return PhotoMeasurements(values, sigma, levels, sections, tuple(notes), prof, sex)


def avatar_from_photos(front, side, height: float, sex: str, *, segmentation: str = "auto",
                       model_path: str | Path | None = None, allowance: float = 0.0, lens: Lens = Lens(),
                       age: float = 0.5,
                       muscle: float = 0.5, pose: str = "a_pose", arm_angle: float = 45.0, frame: int = 0,
                       max_iterations: int = 12, with_sdf: bool = True, on_progress: ProgressFn | None = None):
    """Measure the photos (:func:`measure_photos`) and fit Anny to the result.

    Returns ``(avatar, fit_report, photo_measurements)``; the avatar's metadata keeps the photo
    measurements and their uncertainties under ``"photos"``.
    """
    from .build import avatar_from_measurements

    pm = measure_photos(front, side, height, sex, segmentation=segmentation, model_path=model_path,
                        allowance=allowance, lens=lens)
    try:
        targets = check_measurements(pm.values)
    except InvalidInputError as exc:
        raise PhotoRejected("front", f"the photos give an implausible body ({exc})",
                            "check the stated height and that both photos show the same person, whole, "
                            "against a plain wall") from exc
    avatar, rep = avatar_from_measurements(targets, body=sex, age=age, muscle=muscle, pose=pose,
                                           arm_angle=arm_angle, frame=frame, max_iterations=max_iterations,
                                           with_sdf=with_sdf, on_progress=on_progress)
    meta = {**avatar.metadata, "source": "anny_from_photos", "photos": pm.to_dict()}
    return replace(avatar, metadata=meta), rep, pm


def photo_report(pm: PhotoMeasurements, rep) -> str:
    """Text table in cm: photo value ± one sigma, what the fitted avatar measures, and the residual."""
    lines = [f"{'measurement':<20}{'photos':>9}{'± 1σ':>7}{'avatar':>9}{'residual':>10}"]
    for k, v in rep.achieved.items():
        if k in pm.values:
            lines.append(f"{k:<20}{pm.values[k] * 100:9.1f}{pm.uncertainty[k] * 100:7.1f}{v * 100:9.1f}"
                         f"{(v - pm.values[k]) * 100:+10.2f}")
        else:
            lines.append(f"{k:<20}{'—':>9}{'':>7}{v * 100:9.1f}{'':>10}")
    return "\n".join(lines + ["(cm)"] + [f"note: {n}" for n in pm.notes])


# --- the overlay ------------------------------------------------------------------------------------

LEVEL_COLOURS = {"chest": (220, 60, 50), "underbust": (230, 140, 40), "waist": (40, 150, 70),
                 "hip": (40, 90, 220), "neck": (150, 60, 190), "crotch": (90, 90, 90), "armpit": (90, 90, 90)}


def _panel(sil, image, height_px: int):
    """The photo dimmed, the silhouette tinted, scaled to ``height_px`` rows; returns (PIL image, scale)."""
    from PIL import Image

    rgb = as_rgb(image) if image is not None else np.zeros(sil.mask.shape + (3,), np.float32)
    tint = np.array([0.55, 0.75, 1.0], np.float32)
    out = 0.35 * rgb + np.where(sil.mask[..., None], 0.5 * tint, 0.0)
    s = height_px / out.shape[0]
    img = Image.fromarray((np.clip(out, 0, 1) * 255).astype(np.uint8))
    return img.resize((max(1, int(round(out.shape[1] * s))), height_px), Image.BILINEAR), s


def overlay_image(pm: PhotoMeasurements, front=None, side=None, height_px: int = 768) -> np.ndarray:
    """Front and side silhouettes (over the photos when given) with every measured level drawn across
    the body — the measured width (front) and depth (side) — and the values listed: (H, W, 3) float32."""
    from PIL import Image, ImageDraw

    prof = pm.profile
    panels = []
    for view, image in ((prof.front, front), (prof.side, side)):
        img, s = _panel(view.sil, image, height_px)
        draw = ImageDraw.Draw(img)
        for lv, y in pm.levels.items():
            r = view.row(y)
            run = prof.front_run(int(round(r))) if view is prof.front else prof.side_run(int(round(r)))
            colour = LEVEL_COLOURS.get(lv, (0, 0, 0))
            yy = (r + 0.5) * s
            draw.line([(0, yy), (img.width, yy)], fill=colour, width=1)
            if run is not None and lv in pm.sections:
                draw.line([(run[0] * s, yy), (run[1] * s, yy)], fill=colour, width=3)
        panels.append(img)
    text_w = 300
    canvas = Image.new("RGB", (sum(p.width for p in panels) + text_w, height_px), (250, 250, 248))
    x = 0
    for p in panels:
        canvas.paste(p, (x, 0))
        x += p.width
    draw = ImageDraw.Draw(canvas)
    y = 10
    for k, v in pm.values.items():
        lv = next((lv for lv, n in GIRTHS.items() if n == k), None)
        draw.text((x + 8, y), f"{k}: {v * 100:.1f} ± {pm.uncertainty[k] * 100:.1f} cm",
                  fill=LEVEL_COLOURS.get(lv, (30, 30, 30)))
        y += 16
    draw.text((x + 8, y + 8), f"segmentation: {prof.front.sil.method}", fill=(90, 90, 90))
    return np.asarray(canvas, np.float32) / 255.0
