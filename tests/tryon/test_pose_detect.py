"""Pose detection with an RTMPose/DWPose ONNX file: SimCC decoding, the crop maths, loading a tiny
random-weight model with the real input/output names and shapes, and the missing-model error."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core.errors import FileFormatError, ModelMissingError
from custom_nodes.tryon.pose import K, parse_frame
from custom_nodes.tryon.pose_detect import (
    COCO17_TO_OPENPOSE18,
    OnnxPoseDetector,
    box_center_scale,
    crop_affine,
    decode_simcc,
    detection_to_pose_keypoint,
    load_pose_detector,
    person_box,
    to_openpose18,
)
from custom_nodes.tryon.synthetic import synthetic_person
from custom_nodes.tryon.tiny_onnx import tiny_rtmpose_onnx


def _peaks(bins_x, bins_y, wx, wy, height=1.0):
    k = len(bins_x)
    sx, sy = np.full((1, k, wx), -0.5, np.float32), np.full((1, k, wy), -0.5, np.float32)
    sx[0, np.arange(k), bins_x] = height
    sy[0, np.arange(k), bins_y] = height
    return sx, sy


def test_simcc_decoding_finds_known_peaks():
    sx, sy = _peaks([10, 301, 575], [0, 400, 767], 576, 768)
    sy[0, 1, 400] = 0.7  # score = the smaller maximum
    sx[0, 2] = -1.0  # no positive response: missing
    locs, scores = decode_simcc(sx, sy, 2.0)
    assert locs.shape == (1, 3, 2) and scores.shape == (1, 3)
    np.testing.assert_allclose(locs[0, :2], [[5.0, 0.0], [150.5, 200.0]])
    np.testing.assert_allclose(scores[0, :2], [1.0, 0.7])
    assert (locs[0, 2] == -1).all()


def test_coco_to_openpose_mapping_and_neck():
    kp = np.arange(34, dtype=np.float32).reshape(17, 2)
    sc = np.full(17, 0.9, np.float32)
    sc[15] = 0.1  # left ankle below the threshold
    pose = to_openpose18(kp, sc)
    assert np.allclose(pose[K["right_shoulder"], :2], kp[6]) and np.allclose(pose[K["left_wrist"], :2], kp[9])
    assert np.allclose(pose[K["neck"], :2], (kp[5] + kp[6]) / 2) and pose[K["neck"], 2] == pytest.approx(0.9)
    assert pose[K["left_ankle"], 2] == 0
    assert sorted(c for c in COCO17_TO_OPENPOSE18 if c is not None) == list(range(17))


class _FakeSession:
    """Returns SimCC peaks exactly where a true pose falls in the crop: checks crop + decode end to end."""

    def __init__(self, truth17: np.ndarray, input_size, matrix, k=133):
        self.truth, self.size, self.mat, self.k = truth17, input_size, matrix, k

    def run(self, names, feeds):
        x = feeds["input"]
        assert x.shape == (1, 3, self.size[1], self.size[0]) and x.dtype == np.float32
        idx = self.truth - 0.5  # pixel centres → pixel indices
        crop = idx @ self.mat[:, :2].T + self.mat[:, 2]
        bx, by = np.zeros(self.k, int), np.zeros(self.k, int)
        bx[:17], by[:17] = np.round(crop[:, 0] * 2).astype(int), np.round(crop[:, 1] * 2).astype(int)
        sx, sy = _peaks(bx, by, self.size[0] * 2, self.size[1] * 2)
        sx[0, 17:], sy[0, 17:] = -1, -1
        return [sx, sy]


def test_detector_maps_a_known_pose_back_to_the_photo(tmp_path):
    path = tmp_path / "dw-ll_ucoco_384.onnx"
    path.write_bytes(tiny_rtmpose_onnx())
    det = OnnxPoseDetector(path)
    assert det.input_size == (288, 384) and det.outputs == ["simcc_x", "simcc_y"]
    person = synthetic_person(256, 192)
    truth = np.zeros((17, 2), np.float32)
    for op, coco in enumerate(COCO17_TO_OPENPOSE18):
        if coco is not None:
            truth[coco] = person.pose[op, :2]
    box = person_box(person.labels)
    centre, scale = box_center_scale(box)
    mat, _ = crop_affine(centre - 0.5, scale, det.input_size)
    det.session = _FakeSession(truth, det.input_size, mat)
    found = det(person.image, box)
    step = 1 / (2 * mat[0, 0])  # half a crop pixel, in photo pixels
    expected = person.pose[:, :2].copy()
    expected[K["neck"]] = (expected[K["right_shoulder"]] + expected[K["left_shoulder"]]) / 2  # DWPose's neck
    np.testing.assert_allclose(found.pose[:, :2], expected, atol=step + 1e-3)
    assert (found.pose[:, 2] > 0).all() and len(found.hands) == 2 and not (found.hands[0][:, 2] > 0).any()


def test_tiny_random_model_runs_and_gives_a_pose_keypoint(tmp_path):
    path = tmp_path / "dwpose" / "dw-ll_ucoco_384.onnx"
    path.parent.mkdir()
    path.write_bytes(tiny_rtmpose_onnx(133, 288, 384))
    det = load_pose_detector(path.parent)  # a folder holding the file is enough
    person = synthetic_person(128, 96)
    found = det(person.image)
    assert found.keypoints.shape == (133, 2) and found.scores.shape == (133,) and found.pose.shape == (18, 3)
    frame = detection_to_pose_keypoint(found, 96, 128)
    assert frame["canvas_width"] == 96 and len(frame["people"]) <= 1
    if frame["people"]:
        parse_frame(frame, 96, 128)  # what the other nodes read


def test_body_only_rtmpose_loads_too(tmp_path):
    path = tmp_path / "rtmpose.onnx"
    path.write_bytes(tiny_rtmpose_onnx(17, 192, 256))
    det = OnnxPoseDetector(path)
    found = det(synthetic_person(128, 96).image)
    assert det.input_size == (192, 256) and found.hands == () and found.keypoints.shape == (17, 2)


def test_missing_model_names_file_folder_url_and_licence(tmp_path):
    with pytest.raises(ModelMissingError) as err:
        load_pose_detector(tmp_path / "nothing")
    msg = str(err.value)
    assert "dw-ll_ucoco_384.onnx" in msg and "atelier/dwpose" in msg
    assert "huggingface.co/yzd-v/DWPose" in msg and "Apache-2.0" in msg


def test_a_broken_file_is_a_format_error(tmp_path):
    bad = tmp_path / "dw-ll_ucoco_384.onnx"
    bad.write_bytes(b"not onnx")
    with pytest.raises(FileFormatError):
        OnnxPoseDetector(bad)
