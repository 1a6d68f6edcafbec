"""What two silhouettes (front, side) and a stated height say about a body: scale, anchors, levels,
and the width and depth of the body at each level.

**Scale.** The silhouette runs from the top of the head (hair included) to the soles, and that span is
the stated height: metres per pixel = height / rows of the silhouette, separately for each photo. Hair
volume and shoe soles make the span longer than the body; ``allowance`` [m] (what the photo shows
above the scalp plus under the feet) is added to the height before scaling.

**Anchors** found in the front silhouette: the crotch (the top of the gap between the legs on the body's
centre line) and the armpits (the highest rows where an arm is still a separate run of pixels beside
the torso; averaged over both sides). Legs held together hide the crotch: its height then comes from
the body's proportions (a learned fraction of the height) with a larger uncertainty.

**Levels.** Each girth level sits at a learned fraction between two anchors (chest, waist and hip
between the crotch and the armpits; the neck between the armpits and the top of the head), optionally
refined by the silhouette's own shape in a window around it: the chest at the most forward point of the
side view, the waist where the front is narrowest, the hip at the most backward point of the side view
(the buttocks). Which rule each level uses, and the fractions, are fitted once on Anny bodies
(``tools/fit_photo_table.py``) and read from the table. The underbust follows the chest and waist the
way :mod:`.anny_body` defines it.

**Widths and depths.** At a level's row, the front width is the run of the torso (the run that holds
the body's centre column: arms held away from the body are separate runs and are left out); the side
depth is the longest run of that row. Fractional rows interpolate between the two nearest rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .silhouette import PhotoRejected, Silhouette

GIRTH_LEVELS = ("chest", "waist", "hip", "neck")
#: underbust level: this fraction of the way from the chest down to the waist (as in anny_body)
UNDERBUST_FRACTION = 0.35
#: the crotch must lie within this fraction of the height to be believed
CROTCH_RANGE = (0.36, 0.56)
#: the window [fraction of height] a refining rule searches around a level's prior height
WINDOW = 0.035
#: the arm/torso gap counts as found when it is at least this many pixels wide
GAP_PX = 1
#: [deg] arms hanging steeper than this below the horizontal touch the torso near the armpits (the
#: chest width would include them): the front photo must show an A-pose
MAX_ARM_ANGLE = 65.0


def runs(row: np.ndarray) -> np.ndarray:
    """(k, 2) [start, end) of the True runs of a boolean row."""
    d = np.diff(np.concatenate([[0], row.astype(np.int8), [0]]))
    return np.stack([np.where(d == 1)[0], np.where(d == -1)[0]], 1)


def _run_at(rs: np.ndarray, x: float) -> np.ndarray | None:
    """The run holding column ``x``, else the nearest run, else None."""
    if len(rs) == 0:
        return None
    inside = (rs[:, 0] <= x) & (x < rs[:, 1])
    if inside.any():
        return rs[np.argmax(inside)]
    dist = np.minimum(np.abs(rs[:, 0] - x), np.abs(rs[:, 1] - 1 - x))
    return rs[np.argmin(dist)]


@dataclass(frozen=True, eq=False)
class View:
    """One silhouette with its scale: rows ↔ heights above the floor on the body's centre plane.

    ``m_per_px`` 0 (a parallel projection): the silhouette's top edge is ``height`` and its bottom edge
    the floor. Otherwise (a phone's perspective, :func:`perspective_scale`): the top edge is ``height``
    and each row is ``m_per_px`` lower; the toes, nearer the lens than the centre plane, reach a little
    below the floor."""

    sil: Silhouette
    height: float  # [m] what the silhouette spans (stated height + allowance)
    m_per_px: float = 0.0

    @property
    def scale(self) -> float:
        """[m / px] on the body's centre plane"""
        return self.m_per_px or self.height / self.sil.height_px

    @property
    def floor(self) -> float:
        """Fractional row of the floor under the body's centre plane (row r spans r − ½ … r + ½)."""
        return self.sil.top - 0.5 + self.height / self.scale

    def row(self, y: float) -> float:
        """Fractional row whose centre is ``y`` [m] above the floor."""
        return self.floor - y / self.scale

    def y(self, row: float) -> float:
        """[m] height above the floor of the centre of ``row``."""
        return (self.floor - row) * self.scale

    def rows_between(self, y0: float, y1: float) -> np.ndarray:
        """Integer rows whose centres lie between heights ``y0`` < ``y1`` [m], top to bottom."""
        r0, r1 = int(np.ceil(self.row(y1))), int(np.floor(self.row(y0)))
        return np.arange(max(r0, self.sil.top), min(r1, self.sil.bottom) + 1)

    def runs(self, r: int) -> np.ndarray:
        return runs(self.sil.mask[int(np.clip(r, 0, self.sil.mask.shape[0] - 1))])


def _interp(view: View, y: float, fn) -> float:
    """``fn(row)`` linearly interpolated at the fractional row of height ``y``."""
    r = view.row(y)
    r0 = int(np.floor(r))
    t = r - r0
    return (1 - t) * fn(r0) + t * fn(r0 + 1)


@dataclass(frozen=True, eq=False)
class Profile:
    """The two views, the anchors and everything measured on the way [m unless said otherwise]."""

    front: View
    side: View
    centre: float  # [px] the body's centre column in the front photo
    side_facing: int  # +1: the side photo's person faces the picture's right; −1: left
    crotch: float  # [m] height of the crotch (measured, or from proportions)
    crotch_measured: bool
    armpit: float  # [m] mean height of the two armpits
    arm_rows: dict = field(default_factory=dict)  # side → (top, bottom) rows where that arm is separate

    @property
    def height(self) -> float:
        return self.front.height

    # --- front -------------------------------------------------------------------------------------

    def front_run(self, r: int) -> np.ndarray | None:
        return _run_at(self.front.runs(r), self.centre)

    def front_width_px(self, r: int) -> float:
        run = self.front_run(r)
        return 0.0 if run is None else float(run[1] - run[0])

    def front_width(self, y: float) -> float:
        """[m] the torso's width at height ``y`` in the front photo."""
        return _interp(self.front, y, self.front_width_px) * self.front.scale

    def full_width(self, y: float) -> float:
        """[m] everything's width (arms included) at height ``y`` in the front photo."""
        def px(r):
            rs = self.front.runs(r)
            return 0.0 if len(rs) == 0 else float(rs[-1, 1] - rs[0, 0])
        return _interp(self.front, y, px) * self.front.scale

    # --- side --------------------------------------------------------------------------------------

    def side_run(self, r: int) -> np.ndarray | None:
        rs = self.side.runs(r)
        return None if len(rs) == 0 else rs[np.argmax(rs[:, 1] - rs[:, 0])]

    def side_depth(self, y: float) -> float:
        """[m] the body's depth (front to back) at height ``y`` in the side photo."""
        def px(r):
            run = self.side_run(r)
            return 0.0 if run is None else float(run[1] - run[0])
        return _interp(self.side, y, px) * self.side.scale

    def side_edges(self, r: int) -> tuple[float, float]:
        """(front, back) edge of row ``r`` of the side photo, in px along the facing direction."""
        run = self.side_run(r)
        if run is None:
            return np.nan, np.nan
        a, b = float(run[0]), float(run[1])
        return (b, a) if self.side_facing > 0 else (-a, -b)

    # --- levels ------------------------------------------------------------------------------------

    def prior_level(self, level: str, fraction: float) -> float:
        """[m] a level at ``fraction`` between its anchors."""
        if level == "neck":
            return self.armpit + fraction * (self.height - self.armpit)
        return self.crotch + fraction * (self.armpit - self.crotch)

    def refine(self, rule: str, y0: float) -> float:
        """[m] the level near ``y0`` that ``rule`` picks (``fraction`` keeps ``y0``)."""
        if rule == "fraction":
            return y0
        win = WINDOW * self.height
        if rule == "min_width":
            rows = self.front.rows_between(y0 - win, y0 + win)
            if len(rows) == 0:
                return y0
            w = np.array([self.front_width_px(r) for r in rows], float)
            w = np.convolve(w, np.ones(3) / 3, mode="same") if len(w) >= 3 else w
            return self.front.y(float(rows[int(np.argmin(w[1:-1])) + 1 if len(w) >= 3 else int(np.argmin(w))]))
        rows = self.side.rows_between(y0 - win, y0 + win)
        if len(rows) == 0:
            return y0
        edges = np.array([self.side_edges(r) for r in rows], float)
        if rule == "front_max":
            score = edges[:, 0]
        elif rule == "back_max":
            score = -edges[:, 1]
        else:
            raise ValueError(f"unknown level rule {rule!r}")
        score = np.convolve(np.nan_to_num(score, nan=-1e9), np.ones(3) / 3, mode="same")
        best = rows[int(np.argmax(score[1:-1])) + 1] if len(rows) >= 3 else rows[int(np.argmax(score))]
        return self.side.y(float(best))

    def levels(self, rules: dict) -> dict[str, float]:
        """[m] every girth level's height, from ``rules``: level → (rule, fraction)."""
        out = {}
        for level in GIRTH_LEVELS:
            rule, fraction = rules[level][:2]
            out[level] = self.refine(rule, self.prior_level(level, fraction))
        # above the armpit gap the front width would take in the arms
        out["chest"] = min(out["chest"], self.armpit - 2 * self.front.scale)
        out["underbust"] = out["chest"] - UNDERBUST_FRACTION * (out["chest"] - out["waist"])
        return out

    def arms_clear(self, y: float) -> list[str]:
        """Sides ('left'/'right' of the picture) whose arm touches the torso at height ``y``."""
        r = int(round(self.front.row(y)))
        rs = self.front.runs(r)
        run = self.front_run(r)
        bad = []
        for side, (top, bottom) in self.arm_rows.items():
            if not top <= r <= bottom:
                continue  # the arm does not reach down to this level (or starts below it)
            beside = rs[rs[:, 1] <= run[0]] if side == "left" else rs[rs[:, 0] >= run[1]]
            if len(beside) == 0:
                bad.append(side)
        return bad


def _centre(view: View) -> float:
    """[px] the torso's centre column: median midpoint of the widest run over 55–70 % of the height."""
    mids = []
    for r in view.rows_between(0.55 * view.height, 0.70 * view.height):
        rs = view.runs(r)
        if len(rs):
            k = np.argmax(rs[:, 1] - rs[:, 0])
            mids.append(0.5 * (rs[k, 0] + rs[k, 1]))
    if not mids:
        raise PhotoRejected("front", "no torso found in the front photo", "stand upright, facing the camera")
    return float(np.median(mids))


def _facing(view: View) -> int:
    """+1 when the person in the side photo faces the picture's right (the toes point that way)."""
    m = view.sil.mask
    cols = np.arange(m.shape[1])

    def mean_x(y0, y1):
        rows = view.rows_between(y0 * view.height, y1 * view.height)
        sub = m[rows]
        return float((sub * cols).sum() / max(sub.sum(), 1))

    foot, shin = mean_x(0.0, 0.025), mean_x(0.07, 0.13)
    return 1 if foot > shin else -1


def _crotch(view: View, centre: float) -> float | None:
    """[m] top of the gap between the legs on the centre line, or None when the legs touch."""
    m = view.sil.mask
    c = int(round(centre))
    lo, hi = CROTCH_RANGE
    rows = view.rows_between(0.25 * view.height, hi * view.height)
    gap = ~m[rows, max(c - 1, 0): c + 2].any(1)
    need = max(3, int(0.04 * view.sil.height_px))
    for i, r in enumerate(rows):  # top to bottom
        if gap[i: i + need].all() and len(gap[i: i + need]) == need:
            y = view.y(r) + 0.5 * view.scale
            return y if y >= lo * view.height else None
    return None


def _arms(view: View, centre: float, crotch: float) -> tuple[float, dict]:
    """[m] mean armpit height, and per picture side the rows where that arm is a separate run.

    An arm is the longest stretch of consecutive rows with a separate run on that side (ears, fingers
    or a strand of hair beside the head make only short stretches); its top row is the armpit."""
    rows = view.rows_between(crotch, 0.85 * view.height)
    found = {}
    for side in ("left", "right"):
        sep = np.zeros(len(rows), bool)
        for i, r in enumerate(rows):
            rs = view.runs(r)
            run = _run_at(rs, centre)
            if run is None:
                continue
            beside = rs[rs[:, 1] + GAP_PX <= run[0]] if side == "left" else rs[rs[:, 0] >= run[1] + GAP_PX]
            sep[i] = len(beside) > 0
        d = np.diff(np.concatenate([[0], sep.astype(np.int8), [0]]))
        starts, ends = np.where(d == 1)[0], np.where(d == -1)[0]
        if len(starts):
            k = int(np.argmax(ends - starts))
            if ends[k] - starts[k] >= 0.05 * view.sil.height_px:
                found[side] = (int(rows[starts[k]]), int(rows[ends[k] - 1]))
    if len(found) < 2:
        missing = " and ".join(s for s in ("left", "right") if s not in found)
        raise PhotoRejected("front", f"no gap between the arm and the body on the picture's {missing} in the "
                                     "front photo", "hold both arms a little away from the body (A-pose, about "
                                                    "30–45°), so the wall shows between arms and waist")
    angle = max(_arm_angle(view, centre, side, rows) for side, rows in found.items())
    if angle > MAX_ARM_ANGLE:
        raise PhotoRejected("front", f"the arms hang {angle:.0f}° below the horizontal in the front photo, so "
                                     "they cover the sides of the chest",
                            "hold both arms away from the body in an A-pose (about 30–60° below the "
                            "horizontal); the side photo may be taken with relaxed arms")
    armpit = float(np.mean([view.y(top) + 0.5 * view.scale for top, _ in found.values()]))
    return armpit, found


def _arm_angle(view: View, centre: float, side: str, rows: tuple[int, int]) -> float:
    """[deg] below the horizontal of one arm: a line through the middles of its separate runs over the
    upper two thirds of the rows where it is separate (the upper arm and forearm, not the hand)."""
    top, bottom = rows
    xs, ys = [], []
    for r in range(top, top + max(2, (2 * (bottom - top)) // 3)):
        rs = view.runs(r)
        run = _run_at(rs, centre)
        if run is None:
            continue
        beside = rs[rs[:, 1] <= run[0]] if side == "left" else rs[rs[:, 0] >= run[1]]
        if len(beside):
            arm = beside[-1] if side == "left" else beside[0]  # the run next to the torso
            xs.append(0.5 * (arm[0] + arm[1]))
            ys.append(r)
    if len(xs) < 3:
        return 90.0
    slope = np.polyfit(ys, xs, 1)[0]  # columns per row
    return float(np.degrees(np.arctan2(1.0, abs(slope))))


@dataclass(frozen=True)
class Lens:
    """What is known of the phone that took the photos. ``focal_mm``: 35 mm-equivalent focal length
    (EXIF ``FocalLengthIn35mmFilm``), 0 = unknown; ``distance`` [m] from the lens to the person, 0 =
    unknown (then :data:`ASSUMED_DISTANCE`, what the photo instructions ask for); ``parallel``: the
    photos are parallel projections (renders), nothing to correct."""

    focal_mm: float = 0.0
    distance: float = 0.0
    parallel: bool = False


#: [m] the distance the photo instructions ask for, assumed when neither focal length nor distance is known
ASSUMED_DISTANCE = 3.0
#: [mm] the diagonal of a 36 × 24 mm frame, on which 35 mm-equivalent focal lengths are defined
FULL_FRAME_DIAGONAL = float(np.hypot(36.0, 24.0))
#: a gap between the legs that opens this many sigmas below the usual crotch height is not the crotch
TOUCHING_THIGHS = 2.5
#: the lowest part of the silhouette that stands on the floor (the feet) [fraction of its height]
FOOT_BAND = 0.025


def perspective_scale(sil: Silhouette, span: float, reach: float, lens: Lens) -> float:
    """[m/px] on the body's centre plane of a photo taken by an upright phone (level, uncropped, so the
    horizon is the picture's middle row).

    A level pinhole camera images the body's centre plane (the vertical plane through the top of the
    head) at a uniform scale ``s = distance / f`` [m/px]. The silhouette's top edge is the head top, on
    that plane; its bottom edge is the toes (front photo) or the outer edge of the nearer foot (side
    photo), ``reach`` [m] nearer the lens, so they show ``distance / (distance − reach)`` lower below the
    horizon than the floor under the head. With ``r_t``, ``r_b`` the top and bottom edge rows, ``c_y``
    the middle row and ``f`` the focal length in pixels::

        r_b − c_y = c·f / (d − reach),   c_y − r_t = (H − c)·f / d

    (``c`` the lens height, ``H`` the span). Given ``f`` (from the 35 mm-equivalent focal length and the
    picture's diagonal): ``d = (f·H + (r_b − c_y)·reach) / (r_b − r_t)``. Given ``d`` instead:
    ``s = s0 / (1 − k·reach / d)``, ``s0 = H / (r_b − r_t)`` the scale a parallel projection would give and
    ``k = (r_b − c_y) / (r_b − r_t)`` the share of the body below the horizon."""
    rows, cols = sil.mask.shape
    r_t, r_b, c_y = sil.top - 0.5, sil.bottom + 0.5, 0.5 * (rows - 1)
    if lens.focal_mm > 0:
        f = lens.focal_mm / FULL_FRAME_DIAGONAL * float(np.hypot(rows, cols))
        return (f * span + (r_b - c_y) * reach) / (r_b - r_t) / f  # d / f
    d = lens.distance or ASSUMED_DISTANCE
    k = (r_b - c_y) / (r_b - r_t)
    return span / (r_b - r_t) / (1.0 - k * reach / d)


def _foot_reach(fv: View, sv: View, centre: float, facing: int) -> tuple[float, float]:
    """[m] how far the feet reach towards the lens in each photo, measured in the other one: in the
    front photo the toes, ahead of the head top (seen in the side photo); in the side photo the outer
    edge of the nearer foot, beside the body's centre line (seen in the front photo)."""
    def band(view, lo, hi):
        rows = view.rows_between(lo * view.height, hi * view.height)
        return view.sil.mask[rows]

    head = band(sv, 0.98, 1.0).any(0).nonzero()[0]
    feet = band(sv, 0.0, FOOT_BAND).any(0).nonzero()[0]
    toes = 0.0
    if len(head) and len(feet):
        toes = max(0.0, (feet.max() - head.mean()) if facing > 0 else (head.mean() - feet.min())) * sv.scale
    feet = band(fv, 0.0, FOOT_BAND).any(0).nonzero()[0]
    beside = float(np.abs(feet - centre).max() + 0.5) * fv.scale if len(feet) else 0.0
    return toes, beside


def body_profile(front: Silhouette, side: Silhouette, height: float, crotch_fraction: float,
                 allowance: float = 0.0, lens: Lens = Lens(), crotch_sigma: float = 0.0) -> Profile:
    """The :class:`Profile` of a front and a side silhouette of a person ``height`` [m] tall.

    ``crotch_fraction`` (crotch height / height, from the table) stands in when the legs touch, or when
    the gap between the legs opens more than :data:`TOUCHING_THIGHS` × ``crotch_sigma`` [m] (the table's
    spread of crotch heights) below it: full thighs that touch under the crotch. ``lens``
    says what is known of the camera; unless ``lens.parallel`` each photo's scale is corrected for the
    feet being nearer the lens than the body's centre plane (:func:`perspective_scale`).
    """
    span = height + allowance
    fv, sv = View(front, span), View(side, span)
    centre = _centre(fv)
    if not lens.parallel:
        toes, beside = _foot_reach(fv, sv, centre, _facing(sv))
        fv = View(front, span, perspective_scale(front, span, toes, lens))
        sv = View(side, span, perspective_scale(side, span, beside, lens))
    crotch = _crotch(fv, centre)
    if crotch is not None and crotch_sigma and crotch < crotch_fraction * span - TOUCHING_THIGHS * crotch_sigma:
        crotch = None  # the gap opens far below where crotches sit: the thighs touch under the crotch
    measured = crotch is not None
    if crotch is None:
        crotch = crotch_fraction * span
    armpit, arm_rows = _arms(fv, centre, crotch)
    if not crotch + 0.15 * span < armpit < 0.9 * span:
        raise PhotoRejected("front", "the arms meet the body at an implausible height in the front photo",
                            "stand upright facing the camera, arms a little away from the body (A-pose)")
    return Profile(fv, sv, centre, _facing(sv), crotch, measured, armpit, arm_rows)
