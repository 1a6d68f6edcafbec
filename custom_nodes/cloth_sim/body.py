"""The avatar as the solver sees it: SDF grid, a part label per grid sample, and per-vertex filters."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from ..core.avatar import AVATAR_PARTS, Avatar
from ..core.errors import InvalidInputError
from ..core.garment import Garment

#: Avatar parts a panel placed on a given pattern body part does NOT collide with (a skirt ignores arms).
IGNORED_PARTS: dict[str, tuple[str, ...]] = {
    "torso": (),
    "neck": (),
    "head": (),
    "arm_left": ("leg_left", "leg_right"),
    "arm_right": ("leg_left", "leg_right"),
    "leg_left": ("arm_left", "arm_right", "head"),
    "leg_right": ("arm_left", "arm_right", "head"),
    "none": (),
}
SEWING_IGNORED_PARTS: dict[str, tuple[str, ...]] = {"torso": ("arm_left", "arm_right"),
                                                    "none": ("arm_left", "arm_right"),
                                                    "arm_left": ("torso",), "arm_right": ("torso",)}


@dataclass(frozen=True, eq=False)
class BodyCollider:
    """SDF samples [m] (nx, ny, nz), nearest-part label per sample, grid origin [m] and spacing [m]."""

    sdf: np.ndarray
    parts: np.ndarray  # (nx, ny, nz) int32 index into AVATAR_PARTS
    origin: np.ndarray  # (3,) float32
    voxel: float

    def query(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance [m] (n,) and unit outward normal (n, 3) at ``points``."""
        from ..core.sdf import SDFGrid

        grid = self.__dict__.get("_grid")
        if grid is None:  # validated once, not per query (the solver asks every frame)
            grid = SDFGrid(self.origin, self.voxel, self.sdf)
            object.__setattr__(self, "_grid", grid)
        d, g = grid.query(points)
        n = g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12)
        return d, n

    def nearest_sample(self, points: np.ndarray) -> np.ndarray:
        """(n, 3) int64 grid index of the sample nearest each point (clamped to the grid), as the solver's
        collision kernel reads part labels."""
        cell = np.round((np.asarray(points, np.float64) - self.origin) / self.voxel).astype(np.int64)
        return np.clip(cell, 0, np.array(self.sdf.shape) - 1)


_COLLIDERS: dict[int, tuple[weakref.ref, BodyCollider]] = {}  # id(avatar) -> (avatar, its collider)
_KEEP = 4  # colliders kept (a few avatars in one workflow; each is ~40 MB)


def body_collider(avatar: Avatar) -> BodyCollider:
    """Collider from ``avatar.sdf``; part labels come from the nearest labelled body vertex. Built once per
    avatar object (avatars are immutable) and reused by later drapes of the same avatar."""
    hit = _COLLIDERS.get(id(avatar))
    if hit is not None and hit[0]() is avatar:
        return hit[1]
    collider = _build_collider(avatar)
    for key in [k for k, (ref, _) in _COLLIDERS.items() if ref() is None]:
        del _COLLIDERS[key]
    while len(_COLLIDERS) >= _KEEP:  # oldest first
        del _COLLIDERS[next(iter(_COLLIDERS))]
    _COLLIDERS[id(avatar)] = (weakref.ref(avatar), collider)
    return collider


def _build_collider(avatar: Avatar) -> BodyCollider:
    if avatar.sdf is None:
        raise InvalidInputError("the avatar has no collision proxy (sdf); build it with the avatar nodes "
                                "(e.g. AtelierAvatarFromMeasurements) before draping", field="Avatar.sdf")
    grid = avatar.sdf
    if not np.all(np.isfinite(grid.values)):
        raise InvalidInputError("the collision SDF contains NaN/inf", field="Avatar.sdf.values")
    from scipy.spatial import cKDTree

    # Labels matter only where the cloth can touch or be inside the body: samples outside the narrow band
    # (clamped to +band) never push, so only samples below it are labelled (~10 % of the grid).
    shape = grid.values.shape
    near = np.argwhere(grid.values < 0.999 * grid.band) if grid.band > 0 else np.argwhere(np.ones(shape, bool))
    parts = np.zeros(shape, np.int32)
    if len(near):
        pts = grid.origin + near * grid.voxel_size
        _, nearest = cKDTree(avatar.mesh.vertices).query(pts, workers=-1)
        parts[near[:, 0], near[:, 1], near[:, 2]] = avatar.vertex_part[nearest]
    return BodyCollider(grid.values.astype(np.float32), parts, grid.origin.astype(np.float32),
                        float(grid.voxel_size))


def skip_masks(garment: Garment, sewing: bool = False) -> np.ndarray:
    """(n,) int32 bitmask per vertex of the avatar parts its panel ignores. While ``sewing`` (gravity
    off, seams pulling shut) torso panels also ignore the arms: a bodice wrapped round the chest starts
    with its armhole corners on either side of the armpit, and the arm would hold the side seam open."""
    per_panel = np.zeros(max(len(garment.panel_names), 1), np.int32)
    for p, part in enumerate(garment.panel_body_parts):
        extra = SEWING_IGNORED_PARTS.get(part, ()) if sewing else ()
        for ignored in IGNORED_PARTS.get(part, ()) + extra:
            per_panel[p] |= 1 << AVATAR_PARTS.index(ignored)
    return per_panel[garment.vertex_panel]


def ignored_here(collider: BodyCollider, points: np.ndarray, skip: np.ndarray | None) -> np.ndarray:
    """(n,) bool: whether the body part nearest each point is one its vertex ignores (``skip`` bitmasks)."""
    if skip is None:
        return np.zeros(len(points), bool)
    cell = collider.nearest_sample(points)
    part = collider.parts[cell[:, 0], cell[:, 1], cell[:, 2]]
    return ((skip >> part) & 1).astype(bool)


#: Vertices deeper in the body than the proxy's gradient reaches (an armpit crease) up to this share of the
#: garment are moved beside their nearest vertex outside; more means the garment was placed inside the body.
STUCK_SHARE = 0.01


def recover_inside(positions: np.ndarray, collider: BodyCollider, thickness: float,
                   iterations: int = 30, skip: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Move vertices that start inside (or within ``thickness`` of) the body out along the SDF gradient.

    ``skip`` (n,) bitmasks of body parts each vertex ignores (see :func:`skip_masks`): a sleeve cap that
    starts inside the torso at the armpit is left there while seams pull. Returns the new positions (n, 3)
    float32 and how many vertices started inside. A few vertices that cannot be pushed out (deep inside,
    where the proxy's gradient vanishes) join the nearest vertex that got out; raises when more than
    STUCK_SHARE of them cannot.
    """
    x = positions.astype(np.float64).copy()
    free = ignored_here(collider, x, skip)
    d, _ = collider.query(x)
    started_inside = int(np.sum((d < 0) & ~free))
    for _ in range(iterations):
        d, n = collider.query(x)
        low = (d < thickness) & ~free
        if not low.any():
            break
        x[low] += n[low] * (thickness - d[low])[:, None] * 1.05
    d, n = collider.query(x)
    stuck = np.flatnonzero((d < 0) & ~free)
    if len(stuck) > STUCK_SHARE * len(x):
        raise InvalidInputError(f"{len(stuck)} vertices start inside the body and cannot be pushed out (first: "
                                f"{stuck[:5].tolist()}); place the garment around the body", field="Garment.positions")
    if len(stuck):  # deep in a crease (armpit) where the field is flat: join the nearest vertex that got out
        from scipy.spatial import cKDTree

        out = np.flatnonzero(d >= thickness * 0.5)
        if not len(out):
            raise InvalidInputError("every vertex starts inside the body; place the garment around the body",
                                    field="Garment.positions")
        _, j = cKDTree(positions[out].astype(np.float64)).query(positions[stuck].astype(np.float64))
        x[stuck] = x[out[j]] + n[out[j]] * thickness
    return x.astype(np.float32), started_inside



def lift_out(positions: np.ndarray, collider: BodyCollider, thickness: float, rounds: int = 30) -> np.ndarray:
    """Move vertices that ended up inside the body (n, 3) [m] back out, without raising.

    Used after parts ignored during sewing (the arms, for a bodice) collide again: a vertex deep inside
    (where the clamped SDF has no gradient) jumps to the nearest grid sample outside the body, then
    every vertex closer than ``thickness`` [m] is pushed out along the gradient.
    """
    x = np.asarray(positions, np.float64).copy()
    d, g = collider.query(x)
    deep = np.flatnonzero((d < 0) & (np.linalg.norm(g, axis=1) < 0.5))
    if not len(deep):
        return x
    sub = _nearest_outside(collider, x[deep])  # only the deep ones move (the solver pushes the rest)
    for _ in range(rounds):
        d, g = collider.query(sub)
        low = (d < thickness) & (np.linalg.norm(g, axis=1) > 0.5)
        if not low.any():
            break
        sub[low] += g[low] * (thickness - d[low])[:, None] * 1.05
    x[deep] = sub
    return x


def _nearest_outside(collider: BodyCollider, points: np.ndarray) -> np.ndarray:
    """For points (k, 3) [m] inside the body: the centre of the nearest SDF sample outside it."""
    from scipy.ndimage import distance_transform_edt

    idx = collider.__dict__.get("_outside_index")
    if idx is None:  # computed once per collider (a frozen dataclass: cache it by hand)
        idx = distance_transform_edt(collider.sdf < 0, return_indices=True)[1].astype(np.int32)
        object.__setattr__(collider, "_outside_index", idx)
    cell = collider.nearest_sample(points)
    out = idx[:, cell[:, 0], cell[:, 1], cell[:, 2]].T  # (k, 3) nearest outside sample
    return collider.origin + out * collider.voxel
