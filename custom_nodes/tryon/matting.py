"""Person / garment matting with a U²-Net ONNX file (rembg's models), run through onnxruntime.

We run the ONNX file ourselves with rembg's exact pre- and post-processing (resize to the model's input
size — 320² for u2net —, divide by the image maximum, ImageNet mean/std, take output 0 channel 0,
min-max normalise, resize back) instead of importing rembg, whose session factory would download
missing models. Files are found by :func:`.models.locate`: an explicit path, ``$U2NET_HOME`` (or rembg's
default ``~/.u2net``), then ``models/rembg/``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np

from ..core.errors import DependencyMissingError, FileFormatError
from .images import as_rgb
from .models import U2NET, ModelSpec, locate

MEAN = np.array((0.485, 0.456, 0.406), np.float32)
STD = np.array((0.229, 0.224, 0.225), np.float32)


class OnnxMatting:
    """Callable: (H, W, 3) photo → (H, W) float32 alpha 0..1 (1 = foreground)."""

    def __init__(self, path: Path):
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise DependencyMissingError("onnxruntime", "Matting", "tryon") from exc
        try:
            self.session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise FileFormatError(f"not a loadable ONNX model ({type(exc).__name__}: {exc})", path=path) from exc
        self.path = path
        spec = self.session.get_inputs()[0]
        self.input_name = spec.name
        dims = spec.shape[2:4] if len(spec.shape) == 4 else [None, None]
        self.size = tuple(int(d) if isinstance(d, int) else 320 for d in dims)

    def __call__(self, image) -> np.ndarray:
        rgb = as_rgb(image)
        h, w = rgb.shape[:2]
        x = cv2.resize(rgb, (self.size[1], self.size[0]), interpolation=cv2.INTER_LANCZOS4)
        x = (x / max(float(x.max()), 1e-6) - MEAN) / STD
        out = self.session.run(None, {self.input_name: x.transpose(2, 0, 1)[None].astype(np.float32)})[0]
        pred = np.asarray(out, np.float32).reshape(out.shape[0], -1, *out.shape[-2:])[0, 0]
        lo, hi = float(pred.min()), float(pred.max())
        pred = (pred - lo) / (hi - lo) if hi > lo else np.zeros_like(pred)
        return np.clip(cv2.resize(pred, (w, h), interpolation=cv2.INTER_LINEAR), 0, 1)


def load_matting(path: str | Path | None = None, spec: ModelSpec = U2NET) -> OnnxMatting:
    """Load a U²-Net ONNX matting model from ``path`` or the usual folders; never downloads. Cached per file."""
    found = locate(spec, path)
    return _load(str(found), found.stat().st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _load(path: str, stamp: int) -> OnnxMatting:
    return OnnxMatting(Path(path))
