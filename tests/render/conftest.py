"""Render fixtures: analytic scenes, and Khronos glTF-Validator installed through npm when node is present."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from custom_nodes.core import examples as ex
from custom_nodes.render.scenes import build_scene, checker_tile, cylinder_skirt

REPO = Path(__file__).resolve().parents[2]
NPM_DIR = REPO / ".cache" / "npm"
VALIDATE_JS = """
const v = require('gltf-validator'); const fs = require('fs');
v.validateBytes(new Uint8Array(fs.readFileSync(process.argv[2])), {maxIssues: 200})
  .then(r => console.log(JSON.stringify(r.issues)))
  .catch(e => { console.error(String(e)); process.exit(2); });
"""


@pytest.fixture(scope="session")
def gltf_validator():
    """A function path -> issues dict from Khronos glTF-Validator (npm ``gltf-validator``).

    Installed once into the git-ignored ``.cache/npm``; skipped only when node or npm is missing.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node/npm not installed: cannot run Khronos glTF-Validator (apt-get install nodejs npm)")
    if not (NPM_DIR / "node_modules" / "gltf-validator").is_dir():
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(NPM_DIR), "gltf-validator"],
                       check=True, capture_output=True, timeout=300)
    script = NPM_DIR / "validate_glb.js"
    script.write_text(VALIDATE_JS)

    def validate(path: Path) -> dict:
        out = subprocess.run([node, str(script), str(path)], capture_output=True, text=True, timeout=120,
                             cwd=NPM_DIR, check=True)
        return json.loads(out.stdout)

    return validate


@pytest.fixture(scope="session")
def printed_fabric():
    """Jersey with a 2×2 red/cream checker tile of 10 cm, a flat normal map and a roughness map."""
    return replace(ex.jersey(), albedo=checker_tile(2, 32, ((0.75, 0.1, 0.1), (0.95, 0.9, 0.8))),
                   normal_map=np.full((8, 8, 3), [0.5, 0.5, 1.0], np.float32),
                   roughness_map=np.full((8, 8), 0.7, np.float32), tile_size=np.array([0.1, 0.1], np.float32))


@pytest.fixture(scope="session")
def skirt_scene(printed_fabric):
    """The example box avatar wearing an analytic flared skirt."""
    av = ex.box_avatar()
    return build_scene(av.mesh, cylinder_skirt(segments=48, rows=12), fabric=printed_fabric,
                       keypoints=av.keypoints, keypoint_visible=av.keypoint_visible)
