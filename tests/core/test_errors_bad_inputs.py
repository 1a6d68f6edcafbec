"""Bad inputs end in an ``InvalidInputError`` worded for users, never in raw NumPy/JSON internals; and
:func:`user_message` is the one place any exception becomes user text."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from custom_nodes.core.bridge import numpy_to_image, numpy_to_mask
from custom_nodes.core.errors import (
    FileFormatError,
    InvalidInputError,
    ModelMissingError,
    user_message,
)
from custom_nodes.core.paths import using_directories
from custom_nodes.tryon.labels import PersonParse
from custom_nodes.tryon.nodes import (
    AtelierAgnosticMask,
    AtelierClassicTryOn,
    AtelierGarmentPrep,
    AtelierLoadPose,
    AtelierPersonParse,
    AtelierTryOnWarp,
)
from custom_nodes.tryon.pose import parse_frame, to_pose_keypoint
from custom_nodes.tryon.synthetic import synthetic_garment, synthetic_person

RAW = ("recursion", "zero-size", "reduction", "broadcast", "could not convert", "object is not iterable",
       "float() argument", "int() argument", "inhomogeneous")


def assert_user_worded(err: pytest.ExceptionInfo) -> None:
    assert isinstance(err.value, InvalidInputError)
    assert not any(raw in str(err.value).lower() for raw in RAW), str(err.value)


@pytest.fixture(scope="module")
def person():
    p = synthetic_person(96, 72, "short", "pants")
    return p, numpy_to_image(p.image), [to_pose_keypoint([p.pose], 72, 96)]


@pytest.fixture()
def input_dir(tmp_path):
    with using_directories(input=tmp_path, output=tmp_path / "out"):
        yield tmp_path


@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 100_000])
def test_deeply_nested_pose_json_is_a_file_format_error(input_dir, text):
    (input_dir / "deep.json").write_text(text)
    with pytest.raises(FileFormatError, match="nested far too deeply") as err:
        AtelierLoadPose().load("deep.json")
    assert_user_worded(err)


@pytest.mark.parametrize("content", ['{"people": [], "canvas_width": "abc"}', '{"people": 5}',
                                     '{"people": [{"pose_keypoints_2d": [[1, 2], [3]]}]}',
                                     '{"people": [{"pose_keypoints_2d": {"x": 1}}]}', "\udcff"])
def test_malformed_pose_files_are_named_errors(input_dir, content):
    (input_dir / "bad.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(FileFormatError) as err:
        AtelierLoadPose().load("bad.json")
    assert_user_worded(err)


def test_oversized_pose_file_is_refused_before_reading(input_dir, monkeypatch):
    import custom_nodes.tryon.pose as pose_mod

    monkeypatch.setattr(pose_mod, "MAX_POSE_BYTES", 100)
    (input_dir / "big.json").write_text(json.dumps({"people": [], "pad": "x" * 200}))
    with pytest.raises(FileFormatError, match="a pose file takes a few kB"):
        AtelierLoadPose().load("big.json")


@pytest.mark.parametrize("bad", [
    {"people": 5}, {"people": [], "canvas_width": "wide"}, {"people": [], "canvas_height": [1]},
    {"people": [], "canvas_width": -3}, {"people": [{"pose_keypoints_2d": "x"}]},
    {"people": [{"pose_keypoints_2d": [[1, 2], [3]]}]}, {"people": [{"pose_keypoints_2d": [None] * 54}]},
])
def test_malformed_pose_keypoint_values_are_refused_in_user_words(bad):
    with pytest.raises(InvalidInputError) as err:
        parse_frame(bad, 72, 96)
    assert_user_worded(err)


def test_malformed_optional_hand_keypoints_are_ignored(person):
    frame = copy.deepcopy(person[2][0])
    frame["people"][0]["hand_left_keypoints_2d"] = "zz"
    ((pose, hands),) = parse_frame(frame, 72, 96)
    assert pose.shape == (18, 3) and hands == []


def test_an_all_zero_label_map_is_a_user_error(person):
    p, image, pose = person
    empty = PersonParse(np.zeros_like(p.labels), "test")
    garment = numpy_to_image(synthetic_garment("top", 64, 64))
    for call in (lambda: AtelierAgnosticMask().mask(image, empty, pose),
                 lambda: AtelierClassicTryOn().tryon(image, empty, pose, garment)):
        with pytest.raises(InvalidInputError, match="no person in the label map") as err:
            call()
        assert_user_worded(err)
    zeros = numpy_to_image(np.zeros((96, 72, 3), np.float32))  # parsing it is fine; using it is not
    parse, _, mask = AtelierPersonParse().parse(image, "label_map", label_map=zeros)
    assert parse.labels.max() == 0


def test_a_one_pixel_photo_is_a_user_error(person):
    p, image, pose = person
    one = numpy_to_image(np.full((1, 1, 3), 0.5, np.float32))
    garment = numpy_to_image(synthetic_garment("top", 64, 64))
    tiny_parse = PersonParse(np.zeros((1, 1), np.uint8), "test")
    tiny_pose = [to_pose_keypoint([p.pose], 1, 1)]
    for call in (lambda: AtelierClassicTryOn().tryon(one, tiny_parse, tiny_pose, garment),
                 lambda: AtelierClassicTryOn().tryon(image, PersonParse(p.labels, "t"), pose, one),
                 lambda: AtelierGarmentPrep().prepare(one),
                 lambda: AtelierAgnosticMask().mask(one, tiny_parse, tiny_pose)):
        with pytest.raises(InvalidInputError, match="too small") as err:
            call()
        assert_user_worded(err)


def test_an_empty_garment_cut_out_is_a_user_error():
    white = numpy_to_image(np.ones((64, 64, 3), np.float32))
    with pytest.raises(InvalidInputError, match="no garment found") as err:
        AtelierGarmentPrep().prepare(white)
    assert_user_worded(err)


def test_label_maps_and_masks_of_another_size_are_user_errors(person):
    p, image, pose = person
    small = PersonParse(np.zeros((16, 16), np.uint8), "test")
    with pytest.raises(InvalidInputError, match="16×16 but the photo is 72×96") as err:
        AtelierAgnosticMask().mask(numpy_to_image(np.zeros((96, 72, 3), np.float32)), small, pose)
    assert_user_worded(err)
    garment, *_ = AtelierGarmentPrep().prepare(numpy_to_image(synthetic_garment("top", 64, 64)))
    with pytest.raises(InvalidInputError, match="agnostic_mask") as err:
        AtelierTryOnWarp().warp(garment, image, pose, agnostic_mask=numpy_to_mask(np.ones((1, 32, 32), np.float32)))
    assert_user_worded(err)


def test_junk_keypoints_through_the_try_on_node(person):
    _, image, pose = person
    bad = copy.deepcopy(pose)
    bad[0]["people"][0]["pose_keypoints_2d"] = "not numbers"
    with pytest.raises(InvalidInputError, match="flat list of numbers") as err:
        AtelierAgnosticMask().mask(image, PersonParse(person[0].labels, "t"), bad)
    assert_user_worded(err)


@pytest.mark.parametrize("name, text", [
    ("deep.json", "[" * 100_000),
    ("deep_specification.json", '{"pattern":' * 100_000),
    ("deep.svg", "<svg xmlns='http://www.w3.org/2000/svg'>" + "<g>" * 100_000 + "</g>" * 100_000 + "</svg>"),
    ("cut.dxf", "0\nSECTION\n"),  # cut short
])
def test_broken_pattern_files_are_file_format_errors(input_dir, name, text):
    from custom_nodes.pattern.nodes import AtelierPatternLoad

    (input_dir / name).write_text(text)
    with pytest.raises(FileFormatError) as err:
        AtelierPatternLoad().load(name)
    assert_user_worded(err)


def test_deeply_nested_fabric_json_is_a_file_format_error(tmp_path):
    from custom_nodes.fabric.catalog import Catalog

    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "fabric.json").write_text("[" * 100_000)
    with pytest.raises(FileFormatError, match="nested too deeply"):
        Catalog(tmp_path).get("deep")


def test_user_message_is_the_one_place_exceptions_become_user_text():
    assert user_message(InvalidInputError("must be positive", field="width")) == "field 'width': must be positive"
    assert "python install.py models" in user_message(ModelMissingError("m.onnx", "models/x", "https://e", "MIT"))
    assert user_message(RecursionError("maximum recursion depth exceeded while decoding")) == \
        "the input is nested too deeply to read"
    assert "not enough memory" in user_message(MemoryError())
    disk = user_message(OSError(28, "No space left on device", "/srv/secret/out.png"))
    assert disk == "a file could not be read or written (no space left on device)" and "/srv" not in disk
    assert "permission denied" in user_message(PermissionError(13, "Permission denied", "/root/x"))
    try:
        np.zeros(0).min()
    except ValueError as exc:
        raw = exc
    text = user_message(raw)
    assert "zero-size" not in text and text.startswith("Atelier stopped on an internal error (ValueError)")
