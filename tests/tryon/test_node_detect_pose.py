"""AtelierDetectPose: runs a local RTMPose/DWPose ONNX file, and without one names what to install."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core.bridge import numpy_to_image
from custom_nodes.core.errors import ModelMissingError
from custom_nodes.core.paths import using_directories
from custom_nodes.tryon.nodes import AtelierDetectPose
from custom_nodes.tryon.pose import parse_frame
from custom_nodes.tryon.synthetic import synthetic_person
from custom_nodes.tryon.tiny_onnx import tiny_rtmpose_onnx


def test_without_the_model_the_node_names_file_folder_source_and_licence(tmp_path, monkeypatch):
    monkeypatch.setattr("custom_nodes.tryon.models.model_search_paths", lambda folder: [tmp_path / "models" / folder])
    with pytest.raises(ModelMissingError) as err:
        AtelierDetectPose().detect(numpy_to_image(synthetic_person(64, 48).image))
    msg = str(err.value)
    for part in ("dw-ll_ucoco_384.onnx", "atelier/dwpose", "https://huggingface.co/yzd-v/DWPose", "Apache-2.0"):
        assert part in msg


def test_the_node_runs_a_model_file_it_is_given(tmp_path):
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "tiny.onnx"
    path.write_bytes(tiny_rtmpose_onnx(133, 48, 64))
    with using_directories(input=tmp_path / "in"):
        frames, preview, info, skeleton = AtelierDetectPose().detect(numpy_to_image(synthetic_person(64, 48).image),
                                                                     str(path))
    assert isinstance(frames, list) and len(frames) == 1 and tuple(preview.shape) == (1, 64, 48, 3)
    assert tuple(skeleton.shape) == (1, 64, 48, 3)
    assert "body keypoints" in info
    if frames[0]["people"]:
        parse_frame(frames[0], 48, 64)


def test_the_openpose_image_draws_the_detected_keypoints_on_black(tmp_path, monkeypatch):
    """The ControlNet input: the skeleton of the detected keypoints on black, nothing of the photo."""
    from custom_nodes.tryon import pose_detect

    pose = np.zeros((18, 3), np.float32)
    pose[1] = (24, 20, 0.9)  # neck
    pose[2] = (14, 22, 0.9)  # right shoulder
    pose[5] = (34, 22, 0.9)  # left shoulder
    det = pose_detect.PoseDetection(pose=pose, hands=(), keypoints=pose[:, :2], scores=pose[:, 2],
                                    box=(0.0, 0.0, 48.0, 64.0))
    monkeypatch.setattr(pose_detect, "load_pose_detector", lambda path=None: (lambda image, box=None: det))
    photo = np.full((64, 48, 3), 0.8, np.float32)
    _, _, info, skeleton = AtelierDetectPose().detect(numpy_to_image(photo))
    img = np.asarray(skeleton)[0]
    assert "3/18 body keypoints" in info
    assert img[5:60, :8].max() == 0.0 and img[50:, :].max() == 0.0  # black away from the skeleton
    assert img[20, 24].max() > 0.3 and img[22, 16].max() > 0.3  # the neck and the right shoulder's limb
