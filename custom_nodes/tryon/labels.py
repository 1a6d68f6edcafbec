"""The 18 ATR clothes-parsing labels (mattmdjaga/segformer_b2_clothes) and the groups masks use.

A label map is an (H, W) integer array whose values index :data:`ATR_LABELS`. Note that ATR has no
neck and no hand classes: necks come out as face or background, hands as arms; the agnostic mask
recovers both from the pose.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InvalidInputError

ATR_LABELS = (
    "background", "hat", "hair", "sunglasses", "upper_clothes", "skirt", "pants", "dress", "belt",
    "left_shoe", "right_shoe", "face", "left_leg", "right_leg", "left_arm", "right_arm", "bag", "scarf",
)
L = {name: i for i, name in enumerate(ATR_LABELS)}

HEAD = (L["hat"], L["hair"], L["sunglasses"], L["face"])
SHOES = (L["left_shoe"], L["right_shoe"])
ARMS = (L["left_arm"], L["right_arm"])
LEGS = (L["left_leg"], L["right_leg"])
UPPER_GARMENT = (L["upper_clothes"],)
LOWER_GARMENT = (L["skirt"], L["pants"], L["belt"])
DRESS_GARMENT = (L["upper_clothes"], L["skirt"], L["pants"], L["dress"], L["belt"])

#: What each garment kind replaces, and which other parsed parts it must never touch.
GARMENT_LABELS = {"upper": UPPER_GARMENT + (L["dress"],), "lower": LOWER_GARMENT, "dress": DRESS_GARMENT}
OTHER_GARMENT = {"upper": LOWER_GARMENT + LEGS, "lower": UPPER_GARMENT + ARMS + (L["scarf"],), "dress": ()}
ALWAYS_PROTECTED = HEAD + SHOES + (L["bag"],)


def check_label_map(labels, shape: tuple[int, int] | None = None, field: str = "labels") -> np.ndarray:
    """Validate an ATR label map; returns it as (H, W) uint8.

    Accepts integer arrays, or float arrays holding whole numbers (a label map that travelled as an
    IMAGE channel scaled by 1/255 is recognised by its values being multiples of 1/255).
    """
    arr = np.asarray(labels)
    if arr.ndim == 3 and arr.shape[-1] in (1, 3, 4):
        arr = arr[..., 0]
    if arr.ndim != 2:
        raise InvalidInputError(f"a label map must be (H, W), got shape {arr.shape}", field=field)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise InvalidInputError("the label map holds NaN or infinite values", field=field)
        if arr.max() <= 1.0 and np.allclose(arr * 255, np.round(arr * 255), atol=1e-3):
            arr = np.round(arr * 255)
        if not np.allclose(arr, np.round(arr)):
            raise InvalidInputError("the label map must hold whole label numbers 0..17", field=field)
        arr = np.round(arr)
    if arr.min() < 0 or arr.max() >= len(ATR_LABELS):
        raise InvalidInputError(f"labels must lie in 0..{len(ATR_LABELS) - 1} (ATR-18), found "
                                f"{int(arr.min())}..{int(arr.max())}", field=field)
    if shape is not None and arr.shape != tuple(shape):
        raise InvalidInputError(f"the label map is {arr.shape[1]}×{arr.shape[0]} but the image is "
                                f"{shape[1]}×{shape[0]}", field=field)
    return arr.astype(np.uint8)


def any_of(labels: np.ndarray, values) -> np.ndarray:
    """(H, W) bool: pixels whose label is in ``values``."""
    return np.isin(labels, np.asarray(values, np.uint8))


class PersonParse:
    """What travels on the ``ATELIER_PARSE`` socket: an ATR-18 label map and where it came from."""

    __slots__ = ("labels", "source")

    def __init__(self, labels: np.ndarray, source: str):
        lab = check_label_map(labels)
        lab.setflags(write=False)
        self.labels, self.source = lab, str(source)

    def __repr__(self) -> str:
        return f"PersonParse({self.labels.shape[1]}×{self.labels.shape[0]}, source={self.source!r})"
