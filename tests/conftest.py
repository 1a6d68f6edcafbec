"""Fixtures for every test. Everything they read is in the repository: recorded ComfyUI answers in
``tests/fixtures/comfyui`` and real patterns in ``corpus/``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
CORPUS = REPO / "corpus"


def fixture_path(*parts: str) -> Path:
    """A file under ``tests/fixtures``; a missing one fails the test with its name (the checkout is incomplete)."""
    path = FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path.relative_to(REPO)} is missing from the checkout")
    return path


def corpus_path(*parts: str) -> Path:
    """A file of the pattern corpus (``corpus/``, see corpus/README.md for sources and licences)."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path.relative_to(REPO)} is missing from the checkout")
    return path


@pytest.fixture(scope="session")
def core_object_info() -> dict:
    """What a real ComfyUI 0.3.64 serves at /object_info (core nodes)."""
    return json.loads(fixture_path("comfyui", "object_info.json").read_text())


@pytest.fixture(scope="session")
def third_party_object_info() -> dict:
    return json.loads(fixture_path("comfyui", "object_info_third_party.json").read_text())


@pytest.fixture(scope="session", autouse=True)
def _user_data_in_a_temporary_folder(tmp_path_factory):
    """Outputs, studio jobs and scanned fabrics of the whole run go to a temporary folder, never into the
    tester's own ``~/.local/share/atelier`` (nor the checkout). Caches (the Anny model) stay shared."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ATELIER_WORK_DIR", str(tmp_path_factory.mktemp("atelier_work")))
        yield


@pytest.fixture()
def runner_dirs(tmp_path) -> dict[str, Path]:
    dirs = {k: tmp_path / k for k in ("output", "input", "temp")}
    for d in dirs.values():
        d.mkdir()
    return dirs
