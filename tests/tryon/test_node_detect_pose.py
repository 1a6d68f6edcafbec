"""AtelierDetectPose: runs a local RTMPose/DWPose ONNX file, and without one names what to install."""

from __future__ import annotations

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
        frames, preview, info = AtelierDetectPose().detect(numpy_to_image(synthetic_person(64, 48).image), str(path))
    assert isinstance(frames, list) and len(frames) == 1 and tuple(preview.shape) == (1, 64, 48, 3)
    assert "body keypoints" in info
    if frames[0]["people"]:
        parse_frame(frames[0], 48, 64)
