"""Fixtures for the saved workflows: the merged schemas and the synthetic try-on inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from tests.conftest import FIXTURES, fixture_path
from tools.build_workflows import schemas


@pytest.fixture(scope="session")
def all_object_info() -> dict:
    fixture_path("comfyui", "object_info.json")
    return schemas(FIXTURES / "comfyui")


@pytest.fixture()
def tryon_inputs(runner_dirs):
    """person.png, garment.png, person_labels.png and person_pose.json in the runner's input folder."""
    from custom_nodes.tryon.pose import to_pose_keypoint
    from custom_nodes.tryon.synthetic import synthetic_garment, synthetic_person

    person = synthetic_person(256, 192)
    folder = runner_dirs["input"]
    Image.fromarray((person.image * 255).astype(np.uint8)).save(folder / "person.png")
    Image.fromarray((synthetic_garment("top", 256, 256) * 255).astype(np.uint8)).save(folder / "garment.png")
    Image.fromarray(person.labels.astype(np.uint8)).convert("RGB").save(folder / "person_labels.png")
    (folder / "person_pose.json").write_text(json.dumps(to_pose_keypoint([person.pose], 192, 256)))
    return person
