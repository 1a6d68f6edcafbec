"""Node path inputs stay inside the input, output and models folders (and, outside ComfyUI, the
Atelier data folder): ``..``, absolute paths elsewhere and links leading out are refused in user words."""

from __future__ import annotations

import json
import os
import sys
import types
from pathlib import Path

import pytest

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.paths import MODELS_DIR, resolve_input, user_data_dir, using_directories


@pytest.fixture()
def dirs(tmp_path):
    """input/output/temp folders in ``tmp_path``, active for the test; ``outside`` is none of them."""
    d = {k: tmp_path / k for k in ("input", "output", "temp", "outside")}
    for p in d.values():
        p.mkdir()
    (d["input"] / "pose.json").write_text("{}")
    (d["output"] / "made.obj").write_text("")
    (d["outside"] / "secret.txt").write_text("secret")
    with using_directories(input=d["input"], output=d["output"], temp=d["temp"]):
        yield d


@pytest.fixture()
def comfyui(tmp_path, monkeypatch):
    """A stand-in for ComfyUI's ``folder_paths`` (its input/output/models folders under ``tmp_path/comfy``)."""
    base = tmp_path / "comfy"
    fp = types.ModuleType("folder_paths")
    fp.models_dir = str(base / "models")
    extra = tmp_path / "extra_models" / "checkpoints"
    fp.folder_names_and_paths = {"checkpoints": ([str(base / "models" / "checkpoints"), str(extra)], set()),
                                 "custom_nodes": ([str(base / "custom_nodes")], set())}
    for kind in ("input", "output", "temp"):
        (base / kind).mkdir(parents=True)
        setattr(fp, f"get_{kind}_directory", lambda kind=kind: str(base / kind))
    for p in (base / "models" / "checkpoints", extra, base / "custom_nodes"):
        p.mkdir(parents=True)
    monkeypatch.setitem(sys.modules, "folder_paths", fp)
    return base


def refused(text, match, **kw) -> str:
    with pytest.raises(InvalidInputError, match=match) as err:
        resolve_input(text, **kw)
    return str(err.value)


def test_names_resolve_inside_the_input_folder(dirs):
    assert resolve_input("pose.json") == (dirs["input"] / "pose.json").resolve()
    assert resolve_input("  sub/../pose.json ") == (dirs["input"] / "pose.json").resolve()
    assert resolve_input("not_there_yet.json").parent == dirs["input"].resolve()  # the loader says it is missing


@pytest.mark.parametrize("text", ["../outside/secret.txt", "x/../../outside/secret.txt", "..", "../../../../etc/passwd"])
def test_dot_dot_leaving_the_input_folder_is_refused(dirs, text):
    msg = refused(text, "leaves it")
    assert "Atelier's input folder" in msg and repr(text) in msg
    assert str(dirs["input"].parent) not in msg  # the kind of folder, never the server path


def test_a_name_may_not_reach_output_through_dot_dot(dirs):
    refused("../output/made.obj", "input folder; '../output/made.obj' leaves it")


def test_absolute_paths_outside_the_allowed_folders_are_refused(dirs):
    for text in ("/etc/passwd", str(dirs["outside"] / "secret.txt"), str(dirs["input"] / ".." / "outside")):
        msg = refused(text, "must be inside Atelier's input, output, models or data folder")
        assert "is not" in msg
    refused("~/../../etc/passwd", "is not")


def test_absolute_paths_inside_each_allowed_folder_are_accepted(dirs):
    assert resolve_input(str(dirs["input"] / "pose.json")) == (dirs["input"] / "pose.json").resolve()
    assert resolve_input(str(dirs["output"] / "made.obj")) == (dirs["output"] / "made.obj").resolve()
    model = MODELS_DIR / "atelier" / "some_model.onnx"
    assert resolve_input(str(model)) == model.resolve()
    data = user_data_dir() / "jobs" / "x" / "pose.json"  # the studio's work folder, outside ComfyUI
    assert resolve_input(str(data)) == data.resolve()


def test_links_are_followed_before_the_check(dirs):
    (dirs["input"] / "escape.txt").symlink_to(dirs["outside"] / "secret.txt")
    (dirs["input"] / "escape_dir").symlink_to(dirs["outside"], target_is_directory=True)
    (dirs["input"] / "inside.json").symlink_to(dirs["input"] / "pose.json")
    assert "is a link that leads outside it" in refused("escape.txt", "link")
    refused("escape_dir/secret.txt", "link")
    refused(str(dirs["input"] / "escape.txt"), "link")
    assert resolve_input("inside.json") == (dirs["input"] / "pose.json").resolve()


def test_a_linked_input_folder_still_works(tmp_path):
    real = tmp_path / "real_input"
    real.mkdir()
    (real / "a.json").write_text("{}")
    (tmp_path / "input_link").symlink_to(real, target_is_directory=True)
    with using_directories(input=tmp_path / "input_link", output=tmp_path / "out"):
        assert resolve_input("a.json") == (real / "a.json").resolve()
        assert resolve_input(str(tmp_path / "input_link" / "a.json")) == (real / "a.json").resolve()


def test_empty_and_invalid_names(dirs):
    refused("", "no file given")
    refused("   ", "no file given")
    refused("a\0b", "not a valid file name")
    refused("x" * 5000, "not a valid file name")


def test_model_inputs_are_relative_to_the_models_folder(dirs):
    assert resolve_input("atelier/segformer", relative_to="models") == (MODELS_DIR / "atelier/segformer").resolve()
    msg = refused("../custom_nodes", "models folder", relative_to="models", what="model", field="model_path")
    assert msg.startswith("field 'model_path': the model must be inside Atelier's models folder")


def test_inside_comfyui_the_messages_name_comfyui_and_its_folders(comfyui, tmp_path):
    assert resolve_input("a.png") == (comfyui / "input" / "a.png").resolve()
    assert resolve_input(str(comfyui / "output" / "b.png")).parent == (comfyui / "output").resolve()
    assert resolve_input(str(comfyui / "models" / "checkpoints" / "c.safetensors")).name == "c.safetensors"
    extra = tmp_path / "extra_models" / "checkpoints" / "d.safetensors"  # extra_model_paths.yaml
    assert resolve_input(str(extra)) == extra.resolve()
    assert "ComfyUI's input folder; 'x/../../etc/passwd' leaves it" in refused("x/../../etc/passwd", "leaves")
    refused(str(comfyui / "custom_nodes" / "pack" / "x.py"), "ComfyUI's input, output or models folder")
    refused(str(user_data_dir() / "x.json"), "is not")  # the Atelier data folder only counts outside ComfyUI


def test_every_node_path_input_goes_through_the_check(dirs, tmp_path):
    from custom_nodes.avatar.nodes import AtelierLoadAvatar
    from custom_nodes.core.bridge import numpy_to_image
    from custom_nodes.core.nodes import AtelierLoadMesh
    from custom_nodes.pattern.nodes import AtelierPatternLoad
    from custom_nodes.tryon.nodes import AtelierGarmentPrep, AtelierLoadPose, AtelierPersonParse
    from custom_nodes.tryon.synthetic import synthetic_garment, synthetic_person

    secret = str(dirs["outside"] / "secret.txt")
    calls = [lambda: AtelierLoadMesh().load(secret), lambda: AtelierLoadAvatar().load("../outside/x.obj", 60000),
             lambda: AtelierPatternLoad().load("../outside/p.json"),
             lambda: AtelierPatternLoad().load("p.svg", sidecar=secret),
             lambda: AtelierLoadPose().load("../../../etc/passwd")]
    person = numpy_to_image(synthetic_person(96, 72, "short", "pants").image)
    calls.append(lambda: AtelierPersonParse().parse(person, "segformer", model_path=str(dirs["outside"])))
    garment = numpy_to_image(synthetic_garment("top", 64, 64))
    calls.append(lambda: AtelierGarmentPrep().prepare(garment, method="matting", matting_model="../../etc/x.onnx"))
    for call in calls:
        with pytest.raises(InvalidInputError, match="must be inside"):
            call()
    # an unused model path is not checked: the default method never opens it
    assert AtelierGarmentPrep().prepare(garment, method="threshold", matting_model="../../etc/x.onnx")


def test_load_pose_node_reads_a_name_in_the_input_folder(dirs):
    from custom_nodes.tryon.nodes import AtelierLoadPose
    from custom_nodes.tryon.pose import to_pose_keypoint
    from custom_nodes.tryon.synthetic import person_pose

    (dirs["input"] / "p.json").write_text(json.dumps(to_pose_keypoint([person_pose(64, 48)], 48, 64)))
    (frames,) = AtelierLoadPose().load("p.json")
    assert len(frames) == 1 and len(frames[0]["people"]) == 1


@pytest.mark.skipif(os.name == "nt", reason="POSIX links")
def test_next_output_path_also_refuses_links_out(tmp_path):
    from custom_nodes.core.paths import next_output_path

    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(InvalidInputError, match="outside the output folder"):
        next_output_path("link/x", "png", Path(tmp_path / "out"))
