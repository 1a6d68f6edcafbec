"""Saved workflows: up to date in both formats, valid against real ComfyUI schemas, and runnable."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio import preflight
from studio.runner import LocalRunner
from studio.validation import validate_prompt
from studio.workflow_defs import WORKFLOWS
from studio.workflow_format import ui_to_api
from tools.build_workflows import render_all

REPO = Path(__file__).resolve().parents[2]
NAMES = sorted(WORKFLOWS)
#: Inputs whose values are files on the serving machine, checked against the manifest instead.
FILE_INPUTS = set(preflight.MODEL_INPUTS) | {"image"}


def load(name: str, form: str = "api") -> dict:
    folder = REPO / "workflows" / ("api" if form == "api" else "")
    return json.loads((folder / f"{name}.json").read_text())


def files_accepted(object_info: dict, prompt: dict) -> dict:
    """object_info whose file combos accept the workflow's own file names (so validation checks the rest)."""
    info = copy.deepcopy(object_info)
    for entry in prompt.values():
        schema = info.get(entry["class_type"], {}).get("input", {})
        for section in ("required", "optional"):
            for name, spec in schema.get(section, {}).items():
                value = entry["inputs"].get(name)
                if name in FILE_INPUTS and isinstance(value, str) and isinstance(spec[0], list):
                    spec[0] = sorted(set(spec[0]) | {value})
    return info


def test_files_are_generated_from_the_definitions(all_object_info):
    for name, (ui, api) in render_all(all_object_info).items():
        assert (REPO / "workflows" / f"{name}.json").read_text() == ui, f"run tools/build_workflows.py ({name})"
        assert (REPO / "workflows" / "api" / f"{name}.json").read_text() == api
    on_disk = {p.stem for p in (REPO / "workflows" / "api").glob("*.json")}
    assert on_disk == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_api_workflow_validates_against_comfyui_schemas(name, all_object_info):
    prompt = load(name)
    result = validate_prompt(prompt, files_accepted(all_object_info, prompt))
    assert result.ok and result.node_errors == {}, json.dumps(result.response_body(), indent=1)[:2000]


@pytest.mark.parametrize("name", NAMES)
def test_ui_and_api_describe_the_same_graph(name, all_object_info):
    api = {nid: {"class_type": e["class_type"], "inputs": e["inputs"]} for nid, e in load(name).items()}
    assert ui_to_api(load(name, "ui"), all_object_info) == api


@pytest.mark.parametrize("name", NAMES)
def test_model_files_are_in_the_manifest(name):
    files = {m["file"] for m in preflight.manifest()}
    for entry in load(name).values():
        for key, value in entry["inputs"].items():
            if key in preflight.MODEL_INPUTS:
                assert value in files, f"{name}: {value} is not in models/manifest.json"


@pytest.mark.parametrize("name", NAMES)
def test_every_workflow_explains_itself(name):
    notes = [n for n in load(name, "ui")["nodes"] if n["type"] == "Note"]
    assert notes and len(notes[0]["widgets_values"][0]) > 80
    assert all("title" in n for n in load(name, "ui")["nodes"] if n["type"] != "Note")


@pytest.mark.parametrize("break_it, kind", [
    (lambda p, nid: p[nid]["inputs"].update({next(k for k, v in p[nid]["inputs"].items() if isinstance(v, list)): ["999", 0]}),
     "exception_during"),
    (lambda p, nid: p[nid].update(class_type="NoSuchNode"), "invalid_prompt"),
])
def test_validation_catches_broken_workflows(break_it, kind, all_object_info):
    prompt = load("tryon_sdxl")
    nid = next(n for n, e in prompt.items() if e["class_type"] == "KSampler")
    break_it(prompt, nid)
    result = validate_prompt(prompt, files_accepted(all_object_info, prompt))
    assert not result.ok
    assert kind in json.dumps(result.response_body())


def test_validation_catches_out_of_range_and_wrong_link_type(all_object_info):
    prompt = load("tryon_sdxl")
    sampler = next(n for n, e in prompt.items() if e["class_type"] == "KSampler")
    prompt[sampler]["inputs"]["steps"] = 0
    result = validate_prompt(prompt, files_accepted(all_object_info, prompt))
    assert "value_smaller_than_min" in json.dumps(result.response_body())
    prompt = load("tryon_sdxl")
    decode = next(n for n, e in prompt.items() if e["class_type"] == "VAEDecode")
    prompt[decode]["inputs"]["samples"] = [sampler, 0] if False else [decode, 0]
    prompt[sampler]["inputs"]["latent_image"] = [next(n for n, e in prompt.items() if e["class_type"] == "LoadImage"), 0]
    result = validate_prompt(prompt, files_accepted(all_object_info, prompt))
    assert "return_type_mismatch" in json.dumps(result.response_body())


def test_preflight_on_the_local_runner_explains_what_tryon_sdxl_needs(runner_dirs):
    runner = LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"])
    messages = " ".join(preflight.check(load("tryon_sdxl"), runner.object_info()).messages())
    assert "needs a running ComfyUI" in messages
    assert "ComfyUI_IPAdapter_plus" in messages
    assert "comfyui_controlnet_aux" not in messages  # the pose comes from Atelier's own detector now


def test_tryon_classic_runs_end_to_end_on_the_local_runner(runner_dirs, tryon_inputs):
    runner = LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"])
    entry = runner.run(load("tryon_classic"))
    assert entry["status"]["status_str"] == "success", entry["status"]
    saved = next(o for o in entry["outputs"].values() if o["images"][0]["type"] == "output")["images"][0]
    result = np.asarray(Image.open(runner_dirs["output"] / saved["subfolder"] / saved["filename"]), np.float32) / 255
    person = tryon_inputs.image[..., :3]
    assert result.shape == person.shape
    face = tryon_inputs.labels == 11  # ATR 'face' stays the person's own
    assert np.abs(result[face] - person[face]).max() < 0.02
    upper = tryon_inputs.labels == 4  # the upper garment changed
    assert np.abs(result[upper] - person[upper]).mean() > 0.05


@pytest.mark.slow
def test_drape_preview_runs_end_to_end_and_passes(runner_dirs):
    import trimesh

    runner = LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"])
    entry = runner.run(load("drape_preview"))
    assert entry["status"]["status_str"] == "success", entry["status"]
    outputs = entry["outputs"].values()
    text = next(o["text"][0] for o in outputs if "text" in o and o["text"][0].startswith("Drape "))
    assert text.startswith("Drape PASS"), text

    def saved(key: str, suffix: str):
        items = [f for o in outputs for f in o.get(key, []) if f["filename"].endswith(suffix)]
        assert items, f"no {suffix} among the outputs"
        path = runner_dirs["output"] / items[0]["subfolder"] / items[0]["filename"]
        assert path.is_file() and path.stat().st_size > 0, path
        return path

    preview = np.asarray(Image.open(saved("images", ".png")))
    assert preview.shape[0] == 768 and preview.shape[1] == 576 and preview.std() > 5
    saved("videos", ".mp4")
    glb = trimesh.load(saved("3d", ".glb"))
    assert len(glb.geometry) >= 1
    assert "<svg" in saved("files", ".svg").read_text()
    assert "SECTION" in saved("files", ".dxf").read_text()
