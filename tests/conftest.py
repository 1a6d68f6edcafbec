"""Shared fixtures. The repository sits next to ``shared/`` (recorded ComfyUI answers, real patterns)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ATELIER_SHARED_DIR", REPO.parent / "shared"))


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path} is missing: clone the repository next to shared/ or set ATELIER_SHARED_DIR")
    return path


@pytest.fixture(scope="session")
def core_object_info() -> dict:
    """What a real ComfyUI 0.3.64 serves at /object_info (core nodes)."""
    return json.loads(shared_path("comfyui", "object_info.json").read_text())


@pytest.fixture(scope="session")
def third_party_object_info() -> dict:
    return json.loads(shared_path("comfyui", "object_info_third_party.json").read_text())


@pytest.fixture()
def runner_dirs(tmp_path) -> dict[str, Path]:
    dirs = {k: tmp_path / k for k in ("output", "input", "temp")}
    for d in dirs.values():
        d.mkdir()
    return dirs
