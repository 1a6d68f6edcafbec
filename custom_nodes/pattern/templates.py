"""Parametric garment templates drafted from body measurements, and grading across the size table.

Every template takes ISO 8559-1 measurements in metres (``core.measurements``) and a
:class:`~.params.TemplateSettings`; it returns a :class:`Pattern` whose panels, edge labels and seams
are the same for every body, so graded sizes stay seam-compatible. Drafts are simple block patterns
(no darts) meant for simulation: ease, lengths and shaping come from the measurements.
"""

from __future__ import annotations

from dataclasses import asdict, replace

import numpy as np

from ..core.errors import InvalidInputError
from ..core.measurements import SIZES, check_measurements, size_measurements
from ..core.pattern import Pattern
from ..core.units import CM
from .curves import edge_length
from .drafting import LINE, edge_index, loop_panel, mirror, seam
from .params import FIT_EASE, GARMENTS, TemplateSettings

BODICE_LABELS = ("hem", "side_{a}", "armhole_{a}", "shoulder_{a}", "neck_{a}", "neck_{b}", "shoulder_{b}",
                 "armhole_{b}", "side_{b}")


def _bodice(name: str, facing: str, m: dict, s: TemplateSettings, length: float, hem_extra: float = 0.0):
    """Full front or back torso panel: hem, side, armhole, shoulder, two neckline halves (split at the
    centre so a hood or collar can sew to each half), then the other side."""
    ease = FIT_EASE[s.fit]
    chest = m["chest_girth"] + s.chest_ease * CM * ease
    hip = m["hip_girth"] + s.hip_ease * CM * ease
    hw = chest / 4
    hw_hem = max(hw, hip / 4) + hem_extra
    ad = chest / 8 + 0.085  # armhole depth below the side-neck point
    sx = min(m["shoulder_width"] / 2, hw - 0.03)
    nx = m["neck_girth"] / 6 + 0.012
    nd = nx + 0.02 if facing == "front" else 0.022
    slope, L = 0.045, length
    a, b = ("left", "right") if facing == "front" else ("right", "left")
    corners = [(-hw_hem, 0), (hw_hem, 0), (hw, L - ad), (sx, L - slope), (nx, L), (0, L - nd), (-nx, L),
               (-sx, L - slope), (-hw, L - ad)]
    deep = L - slope - 0.45 * (ad - slope)
    specs = [LINE, LINE, ("cubic", (hw - 0.5 * (hw - sx), L - ad), (sx, deep)), LINE,
             ("cubic", (nx, L - 0.6 * nd), (0.5 * nx, L - nd)), ("cubic", (-0.5 * nx, L - nd), (-nx, L - 0.6 * nd)),
             LINE, ("cubic", (-sx, deep), (-hw + 0.5 * (hw - sx), L - ad)), LINE]
    labels = [lab.format(a=a, b=b) for lab in BODICE_LABELS]
    return loop_panel(name, corners, specs, labels, body_part="torso", facing=facing,
                      seam_allowance=s.seam_allowance * CM)


def _sleeve_panel(name: str, part: str, bw: float, sl: float, ch: float, hem_hw: float, s: TemplateSettings):
    corners = [(-hem_hw, 0), (hem_hw, 0), (bw / 2, sl - ch), (0, sl), (-bw / 2, sl - ch)]
    specs = [LINE, LINE, ("cubic", (bw * 0.28, sl - ch + 0.15 * ch), (bw * 0.22, sl)),
             ("cubic", (-bw * 0.22, sl), (-bw * 0.28, sl - ch + 0.15 * ch)), LINE]
    labels = ["hem", "underarm_a", "cap_a", "cap_b", "underarm_b"]
    return loop_panel(name, corners, specs, labels, body_part=part, facing="side",
                      lateral="left" if part == "arm_left" else "right", seam_allowance=s.seam_allowance * CM)


def _sleeves(m: dict, s: TemplateSettings, armhole: float, default_len: float):
    """Two one-piece sleeves whose cap halves match ``armhole`` [m] (+2 % ease), by bisection on cap height."""
    ease = FIT_EASE[s.fit]
    bw = min(0.26 * m["chest_girth"] + 0.08 * ease, 1.8 * armhole)  # the cap must be able to reach the armhole
    sl = s.sleeve_length * CM if s.sleeve_length > 0 else default_len
    lo, hi = 0.02, 0.35
    for _ in range(40):
        ch = 0.5 * (lo + hi)
        probe = _sleeve_panel("probe", "arm_left", bw, max(sl, ch + 0.04), ch, bw / 2, s)
        lo, hi = (ch, hi) if edge_length(probe, 2) < 1.02 * armhole else (lo, ch)
    sl = max(sl, ch + 0.04)
    hem_hw = bw / 2 * (0.92 if sl < 0.35 else 0.62)
    left = _sleeve_panel("sleeve_left", "arm_left", bw, sl, ch, hem_hw, s)
    right = _sleeve_panel("sleeve_right", "arm_right", bw, sl, ch, hem_hw, s)
    return left, right


def _top(m: dict, s: TemplateSettings, name: str, default_sleeve: float):
    length = s.body_length * CM if s.body_length > 0 else 0.40 * m["height"]
    front = _bodice("front", "front", m, s, length)
    back = _bodice("back", "back", m, s, length)
    armhole = edge_length(front, edge_index(front, "armhole_left"))
    sl, sr = _sleeves(m, s, armhole, default_sleeve)
    seams = [seam(front, "side_left", back, "side_left", "side left"),
             seam(front, "side_right", back, "side_right", "side right"),
             seam(front, "shoulder_left", back, "shoulder_left", "shoulder left"),
             seam(front, "shoulder_right", back, "shoulder_right", "shoulder right"),
             # left arm: the sleeve's u > 0 half lies behind (see placement), right arm: in front
             seam(front, "armhole_left", sl, "cap_b", "armhole front left"),
             seam(back, "armhole_left", sl, "cap_a", "armhole back left"),
             seam(front, "armhole_right", sr, "cap_a", "armhole front right"),
             seam(back, "armhole_right", sr, "cap_b", "armhole back right"),
             seam(sl, "underarm_a", sl, "underarm_b", "underarm left"),
             seam(sr, "underarm_a", sr, "underarm_b", "underarm right")]
    return [front, back, sl, sr], seams


def _hood(m: dict, s: TemplateSettings, front, back):
    nf = edge_length(front, edge_index(front, "neck_left"))
    nb = edge_length(back, edge_index(back, "neck_left"))
    hh, w = s.hood_height * CM, nf + nb
    corners = [(0, 0), (nf, 0), (w, 0), (w + 0.015, 0.55 * hh), (0.5 * w + 0.04, hh), (0.0, 0.9 * hh)]
    specs = [LINE, LINE, ("quadratic", (w + 0.04, 0.25 * hh)),
             ("cubic", (w + 0.01, 0.9 * hh), (0.75 * w + 0.04, hh)), LINE, LINE]
    labels = ["neck_front", "neck_back", "back_lower", "crown", "top", "face"]
    left = loop_panel("hood_left", corners, specs, labels, body_part="head", facing="side", lateral="left",
                      seam_allowance=s.seam_allowance * CM)
    right = mirror(left, "hood_right", "right")
    centre = ("back_lower", "crown", "top")
    seams = [seam(front, "neck_left", left, "neck_front", "hood neck front left"),
             seam(back, "neck_left", left, "neck_back", "hood neck back left"),
             seam(front, "neck_right", right, "neck_front", "hood neck front right"),
             seam(back, "neck_right", right, "neck_back", "hood neck back right"),
             seam(left, centre, right, centre[::-1], "hood centre")]
    return [left, right], seams


def _skirt(m: dict, s: TemplateSettings, pencil: bool):
    ease = FIT_EASE[s.fit]
    waist = m["waist_girth"] + s.waist_ease * CM * ease
    hip = m["hip_girth"] + s.hip_ease * CM * ease
    L = s.body_length * CM if s.body_length > 0 else 0.36 * m["height"]
    hip_depth = 0.2
    wh, hh = waist / 4, hip / 4
    hem = hh - 0.02 if pencil else hh + s.hem_flare * CM
    panels = []
    for facing in ("front", "back"):
        a, b = ("left", "right") if facing == "front" else ("right", "left")
        corners = [(-hem, 0), (hem, 0), (hh, L - hip_depth), (wh, L), (-wh, L), (-hh, L - hip_depth)]
        specs = [LINE, LINE, ("quadratic", (hh, L - 0.3 * hip_depth)), LINE,
                 ("quadratic", (-hh, L - 0.3 * hip_depth)), LINE]
        labels = ["hem", f"side_{a}", f"hip_{a}", "waist", f"hip_{b}", f"side_{b}"]
        panels.append(loop_panel(f"skirt_{facing}", corners, specs, labels, body_part="torso", facing=facing,
                                 seam_allowance=s.seam_allowance * CM))
    f, k = panels
    seams = [seam(f, ("side_left", "hip_left"), k, ("hip_left", "side_left"), "side left"),
             seam(f, ("hip_right", "side_right"), k, ("side_right", "hip_right"), "side right")]
    return panels, seams


def _leg_panel(name: str, m: dict, s: TemplateSettings, back: bool, part: str):
    """One trouser leg half, crotch at low u (front left / back right); others are mirrored."""
    ease = FIT_EASE[s.fit]
    hip = m["hip_girth"] + s.hip_ease * CM * ease
    inseam = m["inside_leg_length"] - 0.03
    rise = 0.115 * m["height"] + 0.04
    L = s.body_length * CM if s.body_length > 0 else inseam + rise
    inseam = min(inseam, L - 0.12)
    ext = hip / (10 if back else 16)
    hq = hip / 4 + (0.01 if back else -0.01)
    hem = 0.11 + (0.01 if back else 0.0) + 0.02 * ease
    mid = ext + hq / 2
    corners = [(mid - hem, 0), (mid + hem, 0), (ext + hq, L), (ext, L), (0, inseam)]
    specs = [LINE, LINE, LINE, ("quadratic", (ext, inseam)), LINE]
    return loop_panel(name, corners, specs, ["hem", "outseam", "waist", "crotch", "inseam"], body_part=part,
                      facing="back" if back else "front", lateral=part.split("_")[1],
                      seam_allowance=s.seam_allowance * CM)


def _trousers(m: dict, s: TemplateSettings):
    fl = _leg_panel("front_left", m, s, False, "leg_left")
    br = _leg_panel("back_right", m, s, True, "leg_right")
    fr = mirror(_leg_panel("front_right", m, s, False, "leg_right"), "front_right", "right")
    bl = mirror(_leg_panel("back_left", m, s, True, "leg_left"), "back_left", "left")
    seams = [seam(fl, "outseam", bl, "outseam", "outseam left"), seam(fl, "inseam", bl, "inseam", "inseam left"),
             seam(fr, "outseam", br, "outseam", "outseam right"), seam(fr, "inseam", br, "inseam", "inseam right"),
             seam(fl, "crotch", fr, "crotch", "front rise"), seam(bl, "crotch", br, "crotch", "back rise")]
    return [fl, fr, bl, br], seams


def _dress(m: dict, s: TemplateSettings):
    length = s.body_length * CM if s.body_length > 0 else 0.55 * m["height"]
    front = _bodice("front", "front", m, s, length, hem_extra=s.hem_flare * CM * 0.5)
    back = _bodice("back", "back", m, s, length, hem_extra=s.hem_flare * CM * 0.5)
    seams = [seam(front, f"{k}_{side}", back, f"{k}_{side}", f"{k} {side}")
             for k in ("side", "shoulder") for side in ("left", "right")]
    return [front, back], seams


def draft(measurements: dict[str, float], settings: TemplateSettings | None = None) -> Pattern:
    """Draft ``settings.garment`` for a body (ISO 8559-1 names, metres). Missing measurements are filled
    from the female M row of the size table and listed in the pattern's metadata."""
    s = settings or TemplateSettings()
    if s.garment not in GARMENTS:
        raise InvalidInputError(f"must be one of {list(GARMENTS)}, got {s.garment!r}", field="garment")
    given = check_measurements(measurements)
    m = {**size_measurements("M", "female"), **given}
    anchors = {}
    if s.garment in ("tshirt", "hoodie"):
        panels, seams = _top(m, s, s.garment, 0.2 if s.garment == "tshirt" else m["arm_length"] + 0.02)
        if s.garment == "hoodie":
            hood, hood_seams = _hood(m, s, panels[0], panels[1])
            panels, seams = panels + hood, seams + hood_seams
    elif s.garment == "trousers":
        panels, seams = _trousers(m, s)
        anchors = {p.name: "waist" for p in panels}
    elif s.garment.startswith("skirt"):
        panels, seams = _skirt(m, s, pencil=s.garment == "skirt_pencil")
        anchors = {p.name: "waist" for p in panels}
    else:
        panels, seams = _dress(m, s)
    meta = {"source": "template", "template": s.garment, "settings": asdict(s), "measurements": m,
            "defaulted": sorted(set(m) - set(given)), "anchors": anchors}
    return Pattern(s.garment, tuple(panels), tuple(seams), meta)


def grade(settings: TemplateSettings | None = None, sizes=SIZES, body: str = "female",
          on_progress=None) -> dict[str, Pattern]:
    """One pattern per size of the shared size table (``XS``…``3XL``), all seam-compatible."""
    s = settings or TemplateSettings()
    out = {}
    for i, size in enumerate(sizes):
        p = draft(size_measurements(size, body), s)
        out[size] = replace(p, name=f"{p.name}_{size}", metadata={**p.metadata, "size": size, "body": body})
        if on_progress:
            on_progress(i + 1, len(sizes))
    return out


def seam_signature(pattern: Pattern) -> list[tuple]:
    """What must match between graded sizes: panels, their edge labels and the seams' edge runs."""
    panels = [(p.name, tuple(e.label for e in p.edges)) for p in pattern.panels]
    seams = [(sm.a.panel, sm.a.edges, sm.a.reverse, sm.b.panel, sm.b.edges, sm.b.reverse) for sm in pattern.seams]
    return panels + seams


__all__ = ["draft", "grade", "seam_signature", "np"]
