"""Person parsing: an ATR-18 label map from a photo with a SegFormer clothes-parsing model.

The model is ``mattmdjaga/segformer_b2_clothes`` (transformers ``SegformerForSemanticSegmentation``,
18 labels, see :mod:`.labels`) read from a LOCAL folder only (``local_files_only=True``). Any
transformers SegFormer checkpoint with 18 labels in the same order works. Label maps or masks made
elsewhere skip this step entirely (see :func:`labels_from_mask`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import cv2
import numpy as np

from ..core.errors import DependencyMissingError, InvalidInputError
from .images import as_rgb
from .labels import ATR_LABELS, L
from .models import SEGFORMER_CLOTHES, locate

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class SegformerParser:
    """Callable: (H, W, 3) photo → (H, W) uint8 ATR label map."""

    def __init__(self, folder: Path, model, size: tuple[int, int], mean, std):
        self.folder, self.model, self.size = folder, model, size
        self.mean = np.asarray(mean, np.float32)
        self.std = np.asarray(std, np.float32)

    def __call__(self, image) -> np.ndarray:
        import torch

        rgb = as_rgb(image)
        h, w = rgb.shape[:2]
        x = cv2.resize(rgb, (self.size[1], self.size[0]), interpolation=cv2.INTER_LINEAR)
        x = (x - self.mean) / self.std
        with torch.no_grad():
            logits = self.model(pixel_values=torch.from_numpy(x.transpose(2, 0, 1)[None].copy())).logits
            logits = torch.nn.functional.interpolate(logits, size=(h, w), mode="bilinear", align_corners=False)
        return logits.argmax(1)[0].numpy().astype(np.uint8)


def _preprocessing(folder: Path) -> tuple[tuple[int, int], tuple, tuple]:
    """Input size and normalisation from ``preprocessor_config.json`` if present, else SegFormer's 512²."""
    size, mean, std = (512, 512), IMAGENET_MEAN, IMAGENET_STD
    cfg = folder / "preprocessor_config.json"
    if cfg.is_file():
        data = json.loads(cfg.read_text())
        s = data.get("size", {})
        if isinstance(s, dict) and "height" in s:
            size = (int(s["height"]), int(s["width"]))
        elif isinstance(s, int):
            size = (s, s)
        mean, std = tuple(data.get("image_mean", mean)), tuple(data.get("image_std", std))
    return size, mean, std


def load_segformer(path: str | Path | None = None) -> SegformerParser:
    """Load the clothes-parsing SegFormer from ``path`` or ``models/atelier/segformer_b2_clothes/``.

    Loaded models are cached per folder (and reloaded when its files change).
    """
    folder = locate(SEGFORMER_CLOTHES, path)
    stamp = max(f.stat().st_mtime_ns for f in folder.iterdir() if f.is_file())
    return _load_segformer(str(folder), stamp)


@functools.lru_cache(maxsize=2)
def _load_segformer(folder: str, stamp: int) -> SegformerParser:
    try:
        import torch  # noqa: F401
        from transformers import SegformerForSemanticSegmentation
    except ImportError as exc:
        raise DependencyMissingError(exc.name or "transformers", "Person parsing", "tryon") from exc
    model = SegformerForSemanticSegmentation.from_pretrained(folder, local_files_only=True)
    if model.config.num_labels != len(ATR_LABELS):
        raise InvalidInputError(f"expected a {len(ATR_LABELS)}-label ATR model, '{folder}' has "
                                f"{model.config.num_labels} labels", path=folder)
    model.eval()
    return SegformerParser(Path(folder), model, *_preprocessing(Path(folder)))


def labels_from_mask(mask: np.ndarray, garment: str = "upper") -> np.ndarray:
    """A minimal label map from a garment mask made elsewhere: masked pixels become that garment's label.

    Without the other classes nothing is protected by parsing; the pose still protects hands and the
    agnostic mask still adds arm/leg bands, so pair it with a pose.
    """
    m = np.asarray(mask) > 0.5
    value = {"upper": L["upper_clothes"], "lower": L["pants"], "dress": L["dress"]}.get(garment)
    if value is None:
        raise InvalidInputError(f"must be upper, lower or dress, got {garment!r}", field="garment")
    return np.where(m, value, 0).astype(np.uint8)
