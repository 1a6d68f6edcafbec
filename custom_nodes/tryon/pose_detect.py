"""Detect a person's pose from the photo with an RTMPose / DWPose ONNX file, run through onnxruntime.

The default weights are DWPose's ``dw-ll_ucoco_384.onnx`` (yzd-v/DWPose on Hugging Face, Apache-2.0; see
``models/manifest.json``): a top-down RTMPose-l whole-body model, 133 COCO-WholeBody keypoints, input
288×384 (w×h), SimCC outputs ``simcc_x`` (1, 133, 576) and ``simcc_y`` (1, 133, 768). RTMPose body models
(17 COCO keypoints, 192×256) load through the same code: sizes and keypoint count are read from the file.

Pre- and post-processing follow the published code (read, not imported — rtmlib's and DWPose's session
helpers download weights):

* crop: the person box → centre and size × 1.25 padding (rtmlib ``pose_estimation/pre_processings.py``
  ``bbox_xyxy2cs``, called with ``padding=1.25`` in ``rtmpose.py`` ``RTMPose.preprocess``), widened to the
  model's aspect ratio and warped to the input size with an axis-aligned affine (``top_down_affine``,
  ``get_warp_matrix`` with rotation 0);
* normalise: (pixel − mean) / std with mean (123.675, 116.28, 103.53), std (58.395, 57.12, 57.375) on 0..255
  RGB (``RTMPose.__init__`` defaults and ``preprocess``; DWPose's ControlNet annotator
  ``annotator/dwpose/onnxpose.py`` ``preprocess`` feeds the RGB photo; mmpose trains with ``bgr_to_rgb=True``);
* decode: argmax of each SimCC vector / split ratio 2.0, score = the smaller of the two maxima, keypoints
  with a score ≤ 0 are missing (``post_processings.py`` ``get_simcc_maximum``, ``RTMPose.postprocess``),
  then back to the photo: ``locs / input_size × scale + centre − scale / 2``;
* OpenPose-18: COCO-17 reordered, neck = mean of the shoulders, visible when both shoulders score > 0.3
  (DWPose ``annotator/dwpose/wholebody.py`` ``Wholebody.__call__``: ``mmpose_idx``/``openpose_idx``).
  Hands: COCO-WholeBody 91–111 (left) and 112–132 (right).

No person detector is run: the crop is the person's box from a parsing / mask when one is given, else
the whole photo (fine for a one-person fashion photo). Positions returned here use this pack's
convention (pixel centres at +0.5).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..core.errors import DependencyMissingError, FileFormatError, InvalidInputError
from .images import as_rgb
from .models import DWPOSE, ModelSpec, locate

MEAN = np.array((123.675, 116.28, 103.53), np.float32)
STD = np.array((58.395, 57.12, 57.375), np.float32)
PADDING = 1.25
SPLIT_RATIO = 2.0
#: DWPose shows a keypoint (and the neck) only above this score.
SCORE_MIN = 0.3
#: OpenPose-18 index → COCO-17 index (None: the neck, made from the shoulders).
COCO17_TO_OPENPOSE18 = (0, None, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3)
HAND_LEFT = slice(91, 112)
HAND_RIGHT = slice(112, 133)


@dataclass(frozen=True)
class PoseDetection:
    pose: np.ndarray  # (18, 3) float32 [x_px, y_px, confidence], OpenPose-18; confidence 0 = missing
    hands: tuple[np.ndarray, ...]  # (n, 3) [x_px, y_px, score] per hand (left, right) when the model has hands
    keypoints: np.ndarray  # (K, 2) float32, every keypoint of the model [px]
    scores: np.ndarray  # (K,) float32, raw SimCC scores
    box: tuple[float, float, float, float]  # the crop used, (x0, y0, x1, y1) [px, pixel edges]


def box_center_scale(box, padding: float = PADDING) -> tuple[np.ndarray, np.ndarray]:
    """(x0, y0, x1, y1) → centre (2,) and padded size (2,), as rtmlib's ``bbox_xyxy2cs``."""
    x0, y0, x1, y1 = (float(v) for v in box)
    return np.array([x0 + x1, y0 + y1]) * 0.5, np.array([x1 - x0, y1 - y0]) * padding


def crop_affine(center: np.ndarray, scale: np.ndarray, input_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(2, 3) affine photo → model input, and the size widened to the input's aspect ratio (rtmlib
    ``top_down_affine`` with rotation 0: an axis-aligned scale about the box centre)."""
    w, h = input_size
    aspect = w / h
    bw, bh = float(scale[0]), float(scale[1])
    scale = np.array([bw, bw / aspect]) if bw > bh * aspect else np.array([bh * aspect, bh])
    s = w / scale[0]
    mat = np.array([[s, 0.0, w / 2 - s * center[0]], [0.0, s, h / 2 - s * center[1]]])
    return mat, scale


def decode_simcc(simcc_x: np.ndarray, simcc_y: np.ndarray, split_ratio: float = SPLIT_RATIO
                 ) -> tuple[np.ndarray, np.ndarray]:
    """SimCC vectors (N, K, Wx), (N, K, Wy) → locations (N, K, 2) in model-input pixels and scores (N, K).

    Argmax per vector divided by the split ratio; the score is the smaller of the two maxima; a keypoint
    whose score is ≤ 0 gets location −1 (rtmlib's ``get_simcc_maximum``).
    """
    sx, sy = np.asarray(simcc_x, np.float32), np.asarray(simcc_y, np.float32)
    if sx.ndim == 2:
        sx, sy = sx[None], sy[None]
    if sx.ndim != 3 or sy.ndim != 3 or sx.shape[:2] != sy.shape[:2]:
        raise InvalidInputError(f"SimCC outputs must be (N, K, W) and (N, K, H) with the same N, K; got "
                                f"{sx.shape} and {sy.shape}", field="simcc")
    locs = np.stack([sx.argmax(-1), sy.argmax(-1)], -1).astype(np.float32)
    scores = np.minimum(sx.max(-1), sy.max(-1))
    locs[scores <= 0] = -1
    locs[scores > 0] /= split_ratio
    return locs, scores


def to_openpose18(keypoints: np.ndarray, scores: np.ndarray, score_min: float = SCORE_MIN) -> np.ndarray:
    """COCO-17 (or COCO-WholeBody, first 17) keypoints (K, 2) [px] + scores (K,) → (18, 3) OpenPose-18.

    Confidence is the score clipped to 1 where it exceeds ``score_min``, else 0 (missing).
    """
    kp, sc = np.asarray(keypoints, np.float32), np.asarray(scores, np.float32)
    if kp.ndim != 2 or kp.shape[0] < 17 or kp.shape[1] != 2 or sc.shape != kp.shape[:1]:
        raise InvalidInputError(f"need at least the 17 COCO body keypoints, got {kp.shape}", field="keypoints")
    conf = np.where(sc > score_min, np.minimum(sc, 1.0), 0.0)
    pose = np.zeros((18, 3), np.float32)
    for op, coco in enumerate(COCO17_TO_OPENPOSE18):
        if coco is not None and conf[coco] > 0:
            pose[op] = (*kp[coco], conf[coco])
    if conf[5] > 0 and conf[6] > 0:
        pose[1] = (*((kp[5] + kp[6]) / 2), min(conf[5], conf[6]))
    return pose


def person_box(mask, margin: float = 0.02) -> tuple[float, float, float, float] | None:
    """Box (x0, y0, x1, y1) [pixel edges] of the non-zero pixels of a mask / label map, grown by ``margin`` ×
    its size; None when the mask is empty."""
    m = np.asarray(mask) > 0
    ys, xs = np.nonzero(m)
    if ys.size == 0:
        return None
    x0, x1, y0, y1 = xs.min(), xs.max() + 1.0, ys.min(), ys.max() + 1.0
    g = margin * max(x1 - x0, y1 - y0)
    h, w = m.shape
    return max(0.0, x0 - g), max(0.0, y0 - g), min(float(w), x1 + g), min(float(h), y1 + g)


class OnnxPoseDetector:
    """Callable: (photo, optional person box) → :class:`PoseDetection`."""

    def __init__(self, path: Path | str | bytes):
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise DependencyMissingError("onnxruntime", "Pose detection", "tryon") from exc
        where = path if isinstance(path, bytes) else str(path)
        try:
            self.session = ort.InferenceSession(where, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise FileFormatError(f"not a loadable ONNX model ({type(exc).__name__}: {exc})",
                                  path=None if isinstance(path, bytes) else path) from exc
        spec = self.session.get_inputs()[0]
        self.input_name = spec.name
        dims = spec.shape[2:4] if len(spec.shape) == 4 else [None, None]
        h, w = (int(d) if isinstance(d, int) else dflt for d, dflt in zip(dims, (384, 288), strict=True))
        self.input_size = (w, h)  # (w, h), as rtmlib writes it
        names = [o.name for o in self.session.get_outputs()]
        if len(names) < 2:
            raise FileFormatError(f"a SimCC pose model has two outputs (simcc_x, simcc_y), this one has {names}",
                                  path=None if isinstance(path, bytes) else path)
        self.outputs = ["simcc_x", "simcc_y"] if {"simcc_x", "simcc_y"} <= set(names) else names[:2]

    def __call__(self, image, box=None) -> PoseDetection:
        rgb = as_rgb(image)
        h, w = rgb.shape[:2]
        box = tuple(float(v) for v in (box if box is not None else (0, 0, w, h)))
        if not (box[2] > box[0] and box[3] > box[1]):
            raise InvalidInputError(f"the person box {box} is empty", field="box")
        # the box is in pixel edges; the affine works on pixel indices (centres at integers)
        center, scale = box_center_scale(box)
        center = center - 0.5
        mat, scale = crop_affine(center, scale, self.input_size)
        crop = cv2.warpAffine(rgb * 255.0, mat, self.input_size, flags=cv2.INTER_LINEAR)
        x = ((crop - MEAN) / STD).transpose(2, 0, 1)[None].astype(np.float32)
        simcc_x, simcc_y = self.session.run(self.outputs, {self.input_name: x})
        ratio = simcc_x.shape[-1] / self.input_size[0]
        locs, scores = decode_simcc(simcc_x, simcc_y, ratio)
        locs, scores = locs[0], scores[0]
        seen = scores > 0
        pts = np.where(seen[:, None], locs / np.array(self.input_size) * scale + center - scale / 2 + 0.5, 0.0)
        pts = pts.astype(np.float32)
        pose = to_openpose18(pts, scores)
        hands = ()
        if len(scores) >= 133:
            hands = tuple(np.column_stack([pts[s], np.where(scores[s] > SCORE_MIN, np.minimum(scores[s], 1), 0)])
                          .astype(np.float32) for s in (HAND_LEFT, HAND_RIGHT))
        return PoseDetection(pose, hands, pts, scores.astype(np.float32), box)


def detection_to_pose_keypoint(det: PoseDetection, width: int, height: int) -> dict:
    """One POSE_KEYPOINT frame (pixels, comfyui_controlnet_aux's layout) holding the detected person;
    ``people`` is empty when no body keypoint was found."""
    if not (det.pose[:, 2] > 0).any():
        return {"people": [], "canvas_width": int(width), "canvas_height": int(height)}
    person = {"pose_keypoints_2d": det.pose.astype(np.float64).reshape(-1).tolist(), "face_keypoints_2d": [],
              "hand_left_keypoints_2d": [], "hand_right_keypoints_2d": []}
    for key, hand in zip(("hand_left_keypoints_2d", "hand_right_keypoints_2d"), det.hands, strict=False):
        person[key] = hand.astype(np.float64).reshape(-1).tolist()
    return {"people": [person], "canvas_width": int(width), "canvas_height": int(height)}


def load_pose_detector(path: str | Path | None = None, spec: ModelSpec = DWPOSE) -> OnnxPoseDetector:
    """Load the RTMPose/DWPose ONNX file from ``path`` or the usual folders; never downloads. Cached per file.

    Raises :class:`~..core.errors.ModelMissingError` naming the file, folder, source URL and licence.
    """
    found = locate(spec, path)
    return _load(str(found), found.stat().st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _load(path: str, stamp: int) -> OnnxPoseDetector:
    return OnnxPoseDetector(Path(path))


@dataclass(frozen=True, eq=False)
class PoseResult:
    """What the Detect Pose node outputs, made by :func:`detect_pose`."""

    frame: dict  # POSE_KEYPOINT frame (comfyui_controlnet_aux's format, pixels)
    preview: np.ndarray  # (H, W, 3) float32 the skeleton drawn on the photo
    info: str  # keypoints found and the crop used
    openpose: np.ndarray  # (H, W, 3) float32 OpenPose-18 skeleton on black, the ControlNet OpenPose input


def detect_pose(photo: np.ndarray, model_path: str | Path | None = None, labels: np.ndarray | None = None
                ) -> PoseResult:
    """Detect the person's pose in ``photo`` (H, W, 3) with the installed RTMPose/DWPose file (or
    ``model_path``), looking inside the person's box of the label map ``labels`` when given."""
    from ..render.pose import draw_openpose
    from .preview import draw_pose

    detector = load_pose_detector(model_path)
    det = detector(photo, None if labels is None else person_box(labels))
    h, w = photo.shape[:2]
    found = int((det.pose[:, 2] > 0).sum())
    x0, y0, x1, y1 = det.box
    info = (f"{found}/18 body keypoints; crop {x1 - x0:.0f}×{y1 - y0:.0f} px at ({x0:.0f}, {y0:.0f})"
            + ("" if found else "; no person found"))
    points = np.where(det.pose[:, 2:3] > 0, det.pose[:, :2], np.nan)
    skeleton = draw_openpose(points, w, h).astype(np.float32) / 255.0
    return PoseResult(detection_to_pose_keypoint(det, w, h), draw_pose(photo, det.pose), info, skeleton)
