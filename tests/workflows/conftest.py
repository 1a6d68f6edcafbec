"""Fixtures for the saved workflows: the merged schemas and the pack's sample inputs."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import FIXTURES, REPO, fixture_path
from tools.build_workflows import schemas


@pytest.fixture(scope="session")
def all_object_info() -> dict:
    fixture_path("comfyui", "object_info.json")
    return schemas(FIXTURES / "comfyui")


@pytest.fixture()
def tryon_inputs(runner_dirs):
    """The pack's sample inputs in the runner's input folder, put there as ComfyUI's start-up does
    (``prestartup_script.py``); returns the sample person (image and exact label map)."""
    from custom_nodes.core.samples import SAMPLES_DIR
    from custom_nodes.tryon.synthetic import SyntheticPerson
    from studio.workflow_defs import SAMPLES

    run_prestartup_script(runner_dirs["input"])
    image = np.asarray(Image.open(SAMPLES_DIR / SAMPLES["person"]).convert("RGB"), np.float32) / 255
    labels = np.asarray(Image.open(SAMPLES_DIR / SAMPLES["person_labels"]))
    pose = json.loads((SAMPLES_DIR / SAMPLES["person_pose"]).read_text())["people"][0]["pose_keypoints_2d"]
    return SyntheticPerson(image, labels, np.asarray(pose, np.float32).reshape(18, 3))


def run_prestartup_script(input_dir: Path) -> None:
    """Run the pack's ``prestartup_script.py`` as ComfyUI's main.py does, against a stand-in
    ``folder_paths`` whose input folder is ``input_dir``."""
    fake = types.ModuleType("folder_paths")
    fake.get_input_directory = lambda: str(input_dir)
    saved = sys.modules.get("folder_paths")
    sys.modules["folder_paths"] = fake
    try:
        script = REPO / "prestartup_script.py"
        spec = importlib.util.spec_from_file_location(str(script.with_suffix("")), script)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    finally:
        if saved is None:
            sys.modules.pop("folder_paths", None)
        else:
            sys.modules["folder_paths"] = saved
