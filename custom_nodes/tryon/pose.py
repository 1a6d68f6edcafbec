"""Body keypoints for try-on: OpenPose-18 in image pixels, from any producer.

A pose here is a (18, 3) float32 array ``[x_px, y_px, confidence]`` in :data:`OPENPOSE18` order (x right,
y down, pixel centres at +0.5; confidence 0 = missing).

``POSE_KEYPOINT`` (comfyui_controlnet_aux's DWPose / OpenPose nodes, ``SavePoseKpsAsJsonFile``) is a
list with one dict per image::

    {"people": [{"pose_keypoints_2d": [x0, y0, c0, x1, y1, c1, ...], "face_keypoints_2d": [...],
                 "hand_left_keypoints_2d": [...], "hand_right_keypoints_2d": [...]}],
     "canvas_width": W, "canvas_height": H}

Producers disagree on units: some write pixels of the canvas, others 0..1 fractions of it. We detect
it by range: if every visible coordinate lies in [0, 1] the pose is normalised and is scaled by the
canvas size; otherwise it is in canvas pixels. (A person fitting in a 1×1 pixel canvas is not a case.)
Poses on a canvas of another size than the photo are rescaled to the photo.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core.avatar import OPENPOSE18
from ..core.errors import InvalidInputError

K = {name: i for i, name in enumerate(OPENPOSE18)}
CONFIDENCE_MIN = 0.1
MAX_POSE_BYTES = 16 << 20  # a pose JSON of many frames is a few MB at most


def visible(pose: np.ndarray, *names: str) -> bool:
    """True if every named keypoint has confidence ≥ :data:`CONFIDENCE_MIN`."""
    return all(pose[K[n], 2] >= CONFIDENCE_MIN for n in names)


def point(pose: np.ndarray, name: str) -> np.ndarray:
    """(2,) float64 pixel position of a keypoint."""
    return pose[K[name], :2].astype(np.float64)


def _numbers(value) -> np.ndarray | None:
    """A flat float64 array of a JSON list of numbers; None when it is anything else."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        return None
    try:
        arr = np.asarray(value, np.float64)
    except (TypeError, ValueError):  # strings, nested or ragged lists, dicts
        return None
    return arr.reshape(-1)


def _canvas(frame: dict, key: str, default: float, field: str) -> float:
    value = frame.get(key) or default
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise InvalidInputError(f"'{key}' must be a positive number of pixels, got {str(value)[:40]!r}", field=field)
    return float(value)


def _person_array(person: dict, field: str) -> np.ndarray:
    flat = person.get("pose_keypoints_2d") if isinstance(person, dict) else None
    if flat is None:
        raise InvalidInputError("a person has no 'pose_keypoints_2d'", field=field)
    arr = _numbers(flat)
    if arr is None:
        raise InvalidInputError("'pose_keypoints_2d' must be a flat list of numbers", field=field)
    if arr.size < 54 or arr.size % 3:
        raise InvalidInputError(f"'pose_keypoints_2d' must hold 18 × (x, y, c), got {arr.size} numbers", field=field)
    pts = arr[:54].reshape(18, 3)
    if not np.isfinite(pts).all():
        raise InvalidInputError("keypoints hold NaN or infinite values", field=field)
    pts[pts[:, 2] <= 0, :] = 0.0
    return pts


def _hand_points(person: dict, key: str, scale: np.ndarray) -> np.ndarray | None:
    flat = _numbers(person.get(key) or [])
    if flat is None or flat.size < 3 or flat.size % 3 or not np.isfinite(flat).all():
        return None
    pts = flat.reshape(-1, 3)
    pts = pts[pts[:, 2] > 0, :2] * scale
    return pts.astype(np.float32) if len(pts) >= 3 else None


def parse_frame(frame: dict, width: int, height: int, field: str = "pose") -> list[tuple[np.ndarray, list[np.ndarray]]]:
    """Every person of one POSE_KEYPOINT frame: ((18, 3) pose, [hand points (n, 2)…]) in photo pixels.

    Hands come from DWPose's ``hand_left/right_keypoints_2d`` when present (empty list otherwise).
    """
    if not isinstance(frame, dict) or "people" not in frame:
        raise InvalidInputError("expected a POSE_KEYPOINT frame: a dict with 'people'", field=field)
    cw = _canvas(frame, "canvas_width", width, field)
    ch = _canvas(frame, "canvas_height", height, field)
    if not isinstance(frame["people"] or [], list):
        raise InvalidInputError("'people' must be a list", field=field)
    people = []
    for i, person in enumerate(frame["people"] or []):
        pts = _person_array(person, f"{field}.people[{i}]")
        seen = pts[:, 2] > 0
        if not seen.any():
            continue
        normalised = pts[seen, :2].max() <= 1.0 and pts[seen, :2].min() >= 0.0
        scale = np.array([width, height]) if normalised else np.array([width / cw, height / ch])
        pts[:, :2] *= scale
        hands = [h for key in ("hand_left_keypoints_2d", "hand_right_keypoints_2d")
                 if (h := _hand_points(person, key, scale)) is not None]
        people.append((pts.astype(np.float32), hands))
    return people


def people_from_pose_keypoint(frame: dict, width: int, height: int, field: str = "pose") -> list[np.ndarray]:
    """All people of one POSE_KEYPOINT frame as (18, 3) float32 poses in pixels of a width×height photo."""
    return [pose for pose, _ in parse_frame(frame, width, height, field)]


def person_size(pose: np.ndarray) -> float:
    """Bounding-box diagonal of the visible keypoints [px]."""
    seen = pose[pose[:, 2] >= CONFIDENCE_MIN, :2]
    return float(np.linalg.norm(seen.max(0) - seen.min(0))) if len(seen) > 1 else 0.0


def select_person(people: list[np.ndarray], index: int = -1, field: str = "pose") -> tuple[np.ndarray, str]:
    """Pick one pose: ``index`` ≥ 0 picks that person, -1 the largest. Returns (pose, note for the user).

    Use :func:`select_index` for the index itself (to pick the same person's hands).

    Raises if there is nobody, or if the chosen person lacks both shoulders or both hips (a try-on
    cannot place a garment without them).
    """
    chosen = select_index(people, index, field)
    pose = people[chosen]
    if not (visible(pose, "right_shoulder", "left_shoulder") or visible(pose, "right_hip", "left_hip")):
        raise InvalidInputError("the person has neither both shoulders nor both hips visible", field=field)
    note = "" if len(people) == 1 else (f"{len(people)} people found; using person {chosen} "
                                        f"({'largest' if index < 0 else 'requested'})")
    return pose, note


def select_index(people: list[np.ndarray], index: int = -1, field: str = "pose") -> int:
    """Index of the person :func:`select_person` picks."""
    if not people:
        raise InvalidInputError("no person found in the pose (is there a person in the photo?)", field=field)
    if index >= len(people):
        raise InvalidInputError(f"person {index} requested but the pose holds {len(people)}", field=field)
    return index if index >= 0 else int(np.argmax([person_size(p) for p in people]))


def to_pose_keypoint(people: list[np.ndarray], width: int, height: int) -> dict:
    """One POSE_KEYPOINT frame (pixels, as DWPose writes it) from (18, 3) poses."""
    out = []
    for pose in people:
        flat = np.asarray(pose, np.float64).reshape(-1).tolist()
        out.append({"pose_keypoints_2d": flat, "face_keypoints_2d": [], "hand_left_keypoints_2d": [],
                    "hand_right_keypoints_2d": []})
    return {"people": out, "canvas_width": int(width), "canvas_height": int(height)}


def pose_from_avatar(avatar, camera) -> np.ndarray:
    """Project an :class:`Avatar`'s OpenPose-18 keypoints [m] through a :class:`Camera` → (18, 3) pixels."""
    px, depth = camera.project(np.asarray(avatar.keypoints, np.float64))
    conf = (np.asarray(avatar.keypoint_visible) & (depth > 0)).astype(np.float32)
    pose = np.zeros((18, 3), np.float32)
    pose[:, :2] = px
    pose[:, 2] = conf
    return pose


def load_pose_json(path) -> list[dict]:
    """POSE_KEYPOINT frames from an OpenPose/DWPose JSON file (one frame dict or a list of them).

    Each frame is checked with :func:`parse_frame`, so a malformed file fails here, naming the file.
    """
    import json
    from pathlib import Path

    from ..core.errors import FileFormatError

    path = Path(path)
    if not path.is_file():
        raise InvalidInputError("no such pose file", path=path)
    if path.stat().st_size > MAX_POSE_BYTES:
        raise FileFormatError(f"is over {MAX_POSE_BYTES >> 20} MB; a pose file takes a few kB", path=path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"not a JSON pose file ({exc})", path=path) from None
    except RecursionError:  # e.g. 100 000 nested '[': Python's decoder gives up
        raise FileFormatError("not a pose file: its JSON is nested far too deeply", path=path) from None
    frames = data if isinstance(data, list) else [data]
    for i, frame in enumerate(frames):
        try:
            parse_frame(frame, 1, 1, f"frame {i}")
        except InvalidInputError as exc:
            raise FileFormatError(str(exc), path=path) from None
    return frames
