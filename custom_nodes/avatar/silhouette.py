"""The person's silhouette in a full-body photo, and the checks that it really is one whole standing person.

Two ways to cut the person out:

* ``classical`` (the default; no weights): the background is modelled from the picture's border (a few
  colour clusters, k-means in CIE Lab, with their spread; a cluster holding few border pixels — a head
  or hand reaching the edge — is not wall); every pixel's distance to the nearest wall colour, in
  spreads, with lightness weighted half so shading and soft shadows matter less, gives a first mask;
  GrabCut (OpenCV) refines it, started the usual way (far from the person: wall; near it: maybe
  person), at ≤ 720 px, and the edges are redone at full resolution in a narrow band; scikit-image
  cleans the mask up (specks removed, small holes filled). A border that is not plain — many edges,
  colours far apart — and a person who hardly stands out from the wall are refused before anything is
  cut: neither can be told apart by colour.
* ``u2net_human_seg`` (when that ONNX file is installed; ``models/rembg/u2net_human_seg.onnx``,
  ``$U2NET_HOME`` or ``~/.u2net``): rembg's person-segmentation network, run with onnxruntime through
  :mod:`..tryon.matting` (rembg's own pre/post-processing, never its downloader). It copes with
  ordinary rooms.

:func:`check_person` then refuses what is not plausibly one whole standing person — cut off at a
border, several blobs, a mask covering too much or too little of the picture, too few pixels, the
wrong shape — with a message that says what to retake.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import InvalidInputError

METHODS = ("auto", "classical", "u2net_human_seg")
#: the person must be at least this many pixels tall
MIN_HEIGHT_PX = 300
#: a standing person covers this fraction of the picture, at most / at least
MAX_AREA_FRACTION = 0.6
MIN_AREA_FRACTION = 0.005  # a whole person 2–4 m away with a 28 mm lens covers about 1.5 %
#: mask pixels this close [px] to a picture border count as touching it
BORDER_PX = 2
#: a second blob this large (fraction of the largest) means a second person or object
SECOND_BLOB = 0.12
#: border clutter: fraction of border pixels far from every background cluster, and edge density
CLUTTER_OUTLIERS = 0.06
CLUTTER_EDGES = 0.06
#: [Lab units] a border whose pixels lie this far from their colour cluster is not a plain wall
CLUTTER_SPREAD = 12.0
#: a border colour cluster with less than this share of the border pixels is not wall
MIN_CLUSTER_SHARE = 0.08
#: a pixel this many background spreads from every wall colour is the person (before GrabCut)
WALL_DISTANCE = 2.5
#: pixels between these many spreads and WALL_DISTANCE are neither clearly wall nor clearly person;
#: more of them than MAX_FAINT × the person's area means too little contrast to measure by
AMBIGUOUS = 0.55
MAX_FAINT = 0.15
#: GrabCut's mask must overlap the colour cut this much (IoU), else the colour cut is kept
GRABCUT_AGREE = 0.9
#: the longest side GrabCut runs at [px]; the mask is refined back to full resolution
GRABCUT_SIDE = 720


#: legs deeper than this fraction of the cut-out's height (side photo, 10–42 % above the soles): sitting
SEATED_DEPTH = 0.24


class PhotoRejected(InvalidInputError):
    """The photo cannot be measured; the message says what to retake."""

    def __init__(self, view: str, problem: str, retake: str):
        self.view, self.problem, self.retake = view, problem, retake
        super().__init__(f"{problem}. Retake it: {retake}", field=f"{view}_photo")


@dataclass(frozen=True, eq=False)
class Silhouette:
    """A person's mask in one photo."""

    mask: np.ndarray  # (H, W) bool, True = person
    view: str  # "front" or "side"
    method: str  # "classical" or "u2net_human_seg"
    top: int  # [px] first row of the person (top of the head or hair)
    bottom: int  # [px] last row (soles)

    @property
    def height_px(self) -> int:
        return self.bottom - self.top + 1


def as_rgb(image) -> np.ndarray:
    """(H, W, 3) float32 0..1 from (H, W, 3|4) or (1, H, W, C) floats 0..1 or uint8; refuses others."""
    arr = np.asarray(image.detach().cpu().numpy() if hasattr(image, "detach") else image)
    if arr.ndim == 4:
        if arr.shape[0] != 1:
            raise InvalidInputError(f"expected one photo, got a batch of {arr.shape[0]}", field="image")
        arr = arr[0]
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, -1)
    if arr.ndim != 3 or arr.shape[-1] not in (3, 4):
        raise InvalidInputError(f"expected an (H, W, 3) picture, got shape {arr.shape}", field="image")
    arr = arr[..., :3]
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255.0
    arr = np.asarray(arr, np.float32)
    if not np.isfinite(arr).all():
        raise InvalidInputError("the picture has NaN or infinite values", field="image")
    return np.clip(arr, 0.0, 1.0)


# --- the background model ---------------------------------------------------------------------------


def _lab(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(rgb.astype(np.float32), cv2.COLOR_RGB2LAB)


def _border(a: np.ndarray, k: int) -> np.ndarray:
    """Pixels of the left, right and top strips ``k`` px wide (the floor under the feet is left out)."""
    return np.concatenate([a[:, :k].reshape(-1, a.shape[-1]), a[:, -k:].reshape(-1, a.shape[-1]),
                           a[:k, k:-k].reshape(-1, a.shape[-1])])


@dataclass(frozen=True)
class Background:
    centres: np.ndarray  # (k, 3) Lab cluster centres
    spread: float  # typical distance of a border pixel to its centre (Lab units)
    outliers: float  # fraction of border pixels far from every centre
    edges: float  # fraction of border pixels on an edge (Canny)


WEIGHTS = np.array([0.5, 1.0, 1.0], np.float32)  # Lab: lightness counts half (shadows, shading)


def background_model(rgb: np.ndarray, clusters: int = 3) -> Background:
    """Colour clusters of the picture's border strips (k-means in Lab), their spread and the border's
    clutter (outliers, edge density)."""
    import cv2

    h, w = rgb.shape[:2]
    k = max(4, int(round(0.03 * min(h, w))))
    lab = _lab(rgb) * WEIGHTS
    px = _border(lab, k).astype(np.float32)
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    cv2.setRNGSeed(0)
    _, labels, centres = cv2.kmeans(px, clusters, None, crit, 2, cv2.KMEANS_PP_CENTERS)
    # a cluster holding few border pixels is not wall (a head or hand reaching the border, a picture
    # frame): it is left out of the model and its pixels count as outliers
    share = np.bincount(labels[:, 0], minlength=clusters) / len(px)
    wall = share >= MIN_CLUSTER_SHARE
    lab_of = labels[:, 0]
    on_wall = wall[lab_of]
    d = np.linalg.norm(px - centres[lab_of], axis=1)
    spread = max(float(np.percentile(d[on_wall], 90)), 2.0) + 1.0  # a noiseless wall is still a few units wide
    centres = centres[wall]
    dist = np.min(np.linalg.norm(px[:, None] - centres[None], axis=2), 1)
    outliers = float(np.mean((dist > 3.0 * spread) | ~on_wall))
    grey = cv2.cvtColor((rgb * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    edge = cv2.Canny(cv2.GaussianBlur(grey, (5, 5), 0), 40, 100) > 0
    edges = float(_border(edge[..., None], k).mean())
    return Background(centres, spread, outliers, edges)


def _distance(rgb: np.ndarray, bg: Background) -> np.ndarray:
    lab = _lab(rgb) * WEIGHTS
    d = np.full(rgb.shape[:2], np.inf, np.float32)
    for c in bg.centres:
        d = np.minimum(d, np.linalg.norm(lab - c, axis=-1))
    return d / bg.spread


def segment_classical(rgb: np.ndarray, view: str = "front") -> np.ndarray:
    """(H, W) bool person mask of a photo against a plain background (see the module notes)."""
    import cv2

    bg = background_model(rgb)
    if bg.outliers > CLUTTER_OUTLIERS or bg.edges > CLUTTER_EDGES or bg.spread > CLUTTER_SPREAD:
        raise PhotoRejected(view, f"the background of the {view} photo is cluttered "
                                  f"(its border has {bg.edges:.0%} edges and colours "
                                  f"{bg.spread:.0f} Lab units apart; a plain wall has about 5)",
                            "stand in front of a plain, evenly lit wall, in clothes of a different colour, "
                            "or install u2net_human_seg (models/rembg/u2net_human_seg.onnx) to cut people "
                            "out of ordinary rooms")
    h, w = rgb.shape[:2]
    s = min(1.0, GRABCUT_SIDE / max(h, w))
    small = cv2.resize(rgb, (max(1, int(round(w * s))), max(1, int(round(h * s)))), interpolation=cv2.INTER_AREA)
    d = _distance(small, bg)
    thr = WALL_DISTANCE
    fg = clean_mask(d > thr)
    # GrabCut's usual start: everything well away from the person is wall (its colour model learns the
    # wall alone); near the person, what is not plainly wall may be the person
    r = max(3, int(round(0.03 * max(d.shape))))
    region = cv2.dilate(fg.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))) > 0
    faint = region & (d > AMBIGUOUS * thr) & (d <= thr)
    # anti-aliased edges are faint too, but only a pixel or two wide: an opening removes them
    faint = cv2.morphologyEx(faint.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
    if faint.sum() > MAX_FAINT * max(fg.sum(), 1):
        raise PhotoRejected(view, f"the person hardly stands out from the wall in the {view} photo "
                                  f"({faint.sum() / max(fg.sum(), 1):.0%} of the body is nearly wall-coloured)",
                            "wear clothes that differ clearly in colour and brightness from the wall, and light "
                            "the wall and the person evenly")
    gc = np.full(d.shape, cv2.GC_BGD, np.uint8)
    gc[region] = np.where(d[region] > 0.5 * thr, cv2.GC_PR_FGD, cv2.GC_PR_BGD)
    sure_fg = cv2.erode(fg.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    gc[sure_fg & (d > 2 * thr)] = cv2.GC_FGD
    k = max(2, int(round(0.01 * min(d.shape))))
    frame = np.zeros(d.shape, bool)
    frame[:, :k] = frame[:, -k:] = frame[:k] = True
    gc[frame & ~fg] = cv2.GC_BGD  # the wall at the border; a person reaching it stays (and is refused later)
    if (gc == cv2.GC_FGD).sum() < 50 or (gc == cv2.GC_BGD).sum() < 50:
        return fg if s == 1.0 else _upsample(fg, (h, w))
    bgm, fgm = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut((small * 255).astype(np.uint8), gc, None, bgm, fgm, 4, cv2.GC_INIT_WITH_MASK)
    low = (gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)
    if (low & fg).sum() < GRABCUT_AGREE * (low | fg).sum():
        low = fg  # GrabCut gave a whole colour of the person to the wall (skin vs clothes): keep the colour cut
    if s == 1.0:
        return clean_mask(low)
    return clean_mask(_refine(rgb, low, bg))


def _upsample(mask: np.ndarray, shape) -> np.ndarray:
    import cv2

    return cv2.resize(mask.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR) > 0.5


def _refine(rgb: np.ndarray, low: np.ndarray, bg: Background) -> np.ndarray:
    """Full-resolution edges: in a band around the upsampled GrabCut edge, each pixel goes to the side
    whose colour it is nearer to (background clusters vs the person's pixels just inside the edge)."""
    import cv2

    h, w = rgb.shape[:2]
    up = _upsample(low, (h, w))
    r = max(2, int(round(max(h, w) / GRABCUT_SIDE)) + 1)
    ker = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
    inner = cv2.erode(up.astype(np.uint8), ker) > 0
    outer = cv2.dilate(up.astype(np.uint8), ker) > 0
    band = outer & ~inner
    if not band.any() or not inner.any():
        return up
    lab = _lab(rgb) * WEIGHTS
    d_bg = _distance(rgb, bg) * bg.spread
    # the person's colour near each band pixel: a blurred average of the inner pixels
    num = cv2.blur(lab * inner[..., None], (4 * r + 1, 4 * r + 1))
    den = cv2.blur(inner.astype(np.float32), (4 * r + 1, 4 * r + 1))[..., None]
    person = num / np.maximum(den, 1e-6)
    d_fg = np.linalg.norm(lab - person, axis=-1)
    out = inner.copy()
    out[band] = (d_fg < d_bg)[band] & (den[..., 0] > 0.05)[band]
    return out


def clean_mask(mask: np.ndarray) -> np.ndarray:
    """Small specks removed, small holes filled (not the gaps between arms and body, which are open)."""
    from skimage import morphology

    m = np.asarray(mask, bool)
    n = m.size
    m = morphology.remove_small_objects(m, max_size=max(16, n // 20000))
    m = morphology.remove_small_holes(m, max_size=max(16, n // 5000))
    return m


# --- the network ----------------------------------------------------------------------------------


def find_human_seg(path: str | Path | None = None) -> Path | None:
    """The u2net_human_seg ONNX file if installed (explicit path, $U2NET_HOME/~/.u2net, models/rembg/)."""
    from ..core.errors import ModelMissingError
    from ..tryon.models import U2NET_HUMAN, locate

    try:
        return locate(U2NET_HUMAN, path)
    except ModelMissingError:
        if path:
            raise
        return None


def segment_u2net(rgb: np.ndarray, path: str | Path | None = None) -> np.ndarray:
    """(H, W) bool person mask from rembg's u2net_human_seg (alpha > 0.5), cleaned up."""
    from ..tryon.matting import load_matting
    from ..tryon.models import U2NET_HUMAN

    alpha = load_matting(path, spec=U2NET_HUMAN)(rgb)
    return clean_mask(alpha > 0.5)


def segment(rgb: np.ndarray, view: str, method: str = "auto", model_path: str | Path | None = None
            ) -> tuple[np.ndarray, str]:
    """The person mask and the method that made it (``auto``: the network when installed)."""
    if method not in METHODS:
        raise InvalidInputError(f"must be one of {METHODS}, got {method!r}", field="segmentation")
    if method == "auto":
        method = "u2net_human_seg" if find_human_seg(model_path) is not None else "classical"
    if method == "u2net_human_seg":
        return segment_u2net(rgb, model_path), method
    return segment_classical(rgb, view), method


# --- plausibility ---------------------------------------------------------------------------------


def _components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from skimage import measure

    labels = measure.label(mask, connectivity=2)
    sizes = np.bincount(labels.ravel())[1:]
    return labels, sizes


def check_person(mask: np.ndarray, view: str, method: str = "classical") -> Silhouette:
    """The :class:`Silhouette` of the one standing person in ``mask``, or :class:`PhotoRejected`."""
    m = np.asarray(mask, bool)
    h, w = m.shape
    area = m.mean()
    if area < MIN_AREA_FRACTION:
        raise PhotoRejected(view, f"no person found in the {view} photo (the cut-out covers {area:.1%} of it)",
                            "stand in the middle of the picture, filling most of its height, against a "
                            "plain wall that differs in colour from your clothes")
    if area > MAX_AREA_FRACTION:
        raise PhotoRejected(view, f"the cut-out covers {area:.0%} of the {view} photo, far more than a person "
                                  "standing in it (the background could not be told apart)",
                            "use a plain wall that differs clearly in colour from your clothes, evenly lit")
    labels, sizes = _components(m)
    order = np.argsort(sizes)[::-1]
    if len(sizes) > 1 and sizes[order[1]] > SECOND_BLOB * sizes[order[0]]:
        raise PhotoRejected(view, f"the {view} photo shows {1 + int((sizes > SECOND_BLOB * sizes[order[0]]).sum() - 1)}"
                                  " separate figures or objects",
                            "photograph one person alone, with nothing else in front of the wall")
    person = labels == order[0] + 1
    rows = np.where(person.any(1))[0]
    cols = np.where(person.any(0))[0]
    top, bottom, left, right = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    cut = [name for name, hit in (("top (head)", top < BORDER_PX), ("bottom (feet)", bottom >= h - BORDER_PX),
                                  ("left", left < BORDER_PX), ("right", right >= w - BORDER_PX)) if hit]
    if cut:
        raise PhotoRejected(view, f"the person is cut off at the {' and '.join(cut)} edge of the {view} photo",
                            "step back (or zoom out) so the whole body from the hair to the soles is in the "
                            "picture with a little space all round")
    tall = bottom - top + 1
    if tall < MIN_HEIGHT_PX:
        raise PhotoRejected(view, f"the person is only {tall} px tall in the {view} photo",
                            f"use a larger picture or stand closer: at least {MIN_HEIGHT_PX} px from head to feet")
    ratio = tall / (right - left + 1)
    lo = 0.9 if view == "front" else 2.0
    if ratio < lo:
        raise PhotoRejected(view, f"the cut-out in the {view} photo is {ratio:.1f} times as tall as it is wide, "
                                  "not the shape of a person standing",
                            "stand upright, whole body in the picture, on a plain background")
    if view == "side":
        # standing, the legs seen from the side are never deeper than about 0.15 of the height between
        # the shins and the buttocks; seated, the thighs run level towards the camera's side
        band = person[top + int(0.58 * tall): top + int(0.90 * tall)]
        deepest = max((int(np.ptp(np.nonzero(r)[0])) + 1 for r in band if r.any()), default=0)
        if deepest > SEATED_DEPTH * tall:
            raise PhotoRejected(view, f"the legs in the side photo reach {deepest / tall:.0%} of the person's "
                                      "height forwards, as when sitting",
                                "stand upright, feet under the hips, for both photos")
    return Silhouette(person, view, method, top, bottom)


def silhouette(image, view: str, method: str = "auto", model_path: str | Path | None = None) -> Silhouette:
    """Cut the person out of one photo and check that it is one whole standing person."""
    rgb = as_rgb(image)
    h, w = rgb.shape[:2]
    if min(h, w) < 64:
        raise PhotoRejected(view, f"the {view} photo is only {w}×{h} px", "use the camera's full resolution")
    mask, used = segment(rgb, view, method, model_path)
    return check_person(mask, view, used)
