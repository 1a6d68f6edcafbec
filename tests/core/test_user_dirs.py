"""Caches and outputs live in the user's folders, never in the pack; the one-time body-model build says so.

Every test points HOME and the XDG / Atelier variables at a temporary folder, so nothing here reads or
writes the real user folders, and compares against the repository to show nothing lands inside it.
"""

from __future__ import annotations

import hashlib
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from custom_nodes.core.paths import (
    REPO_ROOT,
    next_output_path,
    output_directory,
    user_cache_dir,
    user_data_dir,
)
from custom_nodes.core.progress import reporting_to

VARIABLES = ("ATELIER_CACHE_DIR", "ATELIER_WORK_DIR", "ANNY_CACHE_DIR", "XDG_CACHE_HOME", "XDG_DATA_HOME")


@pytest.fixture()
def home(monkeypatch, tmp_path) -> Path:
    """A fake HOME with none of the folder variables set."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def outside_repo(path: Path) -> bool:
    repo = REPO_ROOT.resolve()
    path = path.resolve()
    return path != repo and repo not in path.parents


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# --- where things go ---------------------------------------------------------------------------


def test_defaults_follow_xdg_under_home_and_stay_outside_the_repo(home):
    assert user_cache_dir() == home / ".cache" / "atelier"
    assert user_data_dir() == home / ".local" / "share" / "atelier"
    assert outside_repo(user_cache_dir()) and outside_repo(user_data_dir())


def test_xdg_variables_then_atelier_variables_override(home, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xc"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xd"))
    assert user_cache_dir() == tmp_path / "xc" / "atelier"
    assert user_data_dir() == tmp_path / "xd" / "atelier"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # the XDG spec says: ignore a relative one
    assert user_cache_dir() == home / ".cache" / "atelier"
    monkeypatch.setenv("ATELIER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ATELIER_WORK_DIR", str(tmp_path / "work"))
    assert user_cache_dir() == tmp_path / "cache"
    assert user_data_dir() == tmp_path / "work"


def test_anny_cache_is_annys_variable_else_the_user_cache_never_the_repo(home, monkeypatch, tmp_path):
    from custom_nodes.avatar.anny_model import cache_dir

    assert cache_dir() == home / ".cache" / "atelier" / "anny" and outside_repo(cache_dir())
    monkeypatch.setenv("ATELIER_CACHE_DIR", str(tmp_path / "cache"))
    assert cache_dir() == tmp_path / "cache" / "anny"
    monkeypatch.setenv("ANNY_CACHE_DIR", str(tmp_path / "anny_own"))
    assert cache_dir() == tmp_path / "anny_own"


def test_outputs_outside_comfyui_land_in_the_user_data_dir(home, monkeypatch):
    monkeypatch.setitem(sys.modules, "folder_paths", None)  # not inside ComfyUI, whatever else is loaded
    assert output_directory() == user_data_dir() / "output"
    path, name, _ = next_output_path("atelier/drape", "glb")
    assert path.parent == user_data_dir() / "output" / "atelier" and outside_repo(path)


def test_cli_runner_and_studio_default_to_the_user_data_dir(home, monkeypatch):
    from studio.app_logic import StudioContext
    from studio.runner import LocalRunner

    monkeypatch.setenv("ATELIER_WORK_DIR", str(home / "work"))
    runner = LocalRunner()  # what `python -m studio run` and batches use
    assert runner.dirs == {k: home / "work" / k for k in ("output", "input", "temp")}
    prompt = {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
              "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "cli"}}}
    entry = runner.run(prompt)
    assert entry["status"]["status_str"] == "success"
    assert [p.name for p in (home / "work" / "output").iterdir()] == ["cli_00001_.png"]
    ctx = StudioContext.from_env()
    assert ctx.work_dir == home / "work" and ctx.runner.dirs["output"] == home / "work" / "output"


# --- fabric scans ------------------------------------------------------------------------------


@pytest.fixture()
def maps():
    from custom_nodes.fabric.maps import make_pbr_maps

    return make_pbr_maps(np.random.default_rng(3).random((32, 32, 3), dtype=np.float32))


def test_a_scan_named_like_a_bundled_fabric_goes_to_the_user_catalog(home, maps):
    from custom_nodes.core.errors import InvalidInputError
    from custom_nodes.fabric.catalog import Catalog, default_catalog_dir, user_catalog_dir

    bundled = default_catalog_dir()
    before, listing = tree_hash(bundled / "denim"), sorted(p.name for p in bundled.iterdir())
    catalog = Catalog()
    entry = catalog.import_scan(maps, "Denim", preset="denim", tile_size=0.05)
    assert entry.id == "denim_2" and entry.name == "Denim"
    assert entry.folder == user_catalog_dir() / "denim_2" == home / ".local/share/atelier/fabrics/denim_2"
    again = catalog.import_scan(maps, "Denim", preset="denim", overwrite=True)  # replaces the user's own
    assert again.id == "denim_2"
    assert tree_hash(bundled / "denim") == before and sorted(p.name for p in bundled.iterdir()) == listing
    ids = catalog.ids()
    assert {"denim", "denim_2", "cotton_jersey"} <= set(ids)  # bundled and the user's, listed together
    assert catalog.get("denim").folder == bundled / "denim" and catalog.get("denim_2").folder == entry.folder
    assert catalog.fabric("denim_2").name == "Denim"
    with pytest.raises(InvalidInputError, match="bundled fabric"):
        catalog.save(catalog.get("denim"), maps, overwrite=True)
    assert tree_hash(bundled / "denim") == before


def test_save_node_and_studio_scan_write_the_user_catalog(home, maps, tmp_path):
    from PIL import Image

    from custom_nodes.core.bridge import numpy_to_image
    from custom_nodes.fabric.catalog import default_catalog_dir, user_catalog_dir
    from custom_nodes.fabric.nodes import AtelierSaveToCatalog
    from studio import app_logic

    before = tree_hash(default_catalog_dir())
    tile = numpy_to_image(np.random.default_rng(0).random((32, 32, 3), dtype=np.float32))
    out = AtelierSaveToCatalog().save(tile, "scanned fabric", "cotton_jersey", "", "", 0.0, 5.0, 4.0, "", False)
    assert out["result"][0] == "scanned_fabric"
    assert (user_catalog_dir() / "scanned_fabric" / "fabric.json").is_file()
    out = AtelierSaveToCatalog().save(tile, "Denim", "denim", "", "", 0.0, 5.0, 4.0, "", False)
    assert out["result"][0] == "denim_2" and "left as it is" in out["ui"]["text"][0]

    photo = tmp_path / "photo.png"
    Image.fromarray((np.random.default_rng(1).random((96, 96, 3)) * 255).astype(np.uint8)).save(photo)
    shown, report = app_logic.scan_to_catalog(str(photo), "Poplin", "poplin", 0)
    assert shown and "poplin_2" in report and (user_catalog_dir() / "poplin_2" / "fabric.json").is_file()
    assert tree_hash(default_catalog_dir()) == before


# --- the first-run build message -----------------------------------------------------------------


class _Stop(Exception):
    """Raised by the stubbed Anny constructor: the test ends where the 90 s build would begin."""


@pytest.fixture()
def stub_anny(home, monkeypatch, tmp_path):
    """anny_model with the heavy build stubbed out, an empty ANNY_CACHE_DIR and a fake repository (so a
    real old cache in ``<repo>/.cache/anny`` is never moved); restores Anny's cache path afterwards."""
    anny_paths = pytest.importorskip("anny.paths")
    from custom_nodes.avatar import anny_model

    def stub():
        raise _Stop

    monkeypatch.setenv("ANNY_CACHE_DIR", str(tmp_path / "anny_cache"))
    monkeypatch.setattr(anny_model, "REPO_ROOT", tmp_path / "repo")
    monkeypatch.setattr(anny_model, "_new_anny", stub)
    saved = anny_paths.get_anny_cache_path()
    yield anny_model
    anny_paths.set_anny_cache_path(saved)


def _fake_built_cache(folder: Path) -> None:
    from anny.models.model_data import CURRENT_DATA_VERSION

    (folder / f"v{CURRENT_DATA_VERSION}").mkdir(parents=True)
    (folder / f"v{CURRENT_DATA_VERSION}" / "build_compact_model_data_0.safetensors").write_bytes(b"x")


def test_first_build_announces_itself_before_it_starts(stub_anny, tmp_path, capsys):
    from anny.paths import get_anny_cache_path

    seen, said = [], []
    with reporting_to(lambda done, total: seen.append((done, total)), said.append), pytest.raises(_Stop):
        stub_anny._build(None)  # no callback given: the running node's progress (here the hook) is used
    assert said == [stub_anny.FIRST_RUN_MESSAGE] == ["building the body model (first run, about 90 s)"]
    assert seen == [(0, 3)]
    assert stub_anny.FIRST_RUN_MESSAGE in capsys.readouterr().err  # the console too
    assert get_anny_cache_path() == tmp_path / "anny_cache"  # Anny builds into the user's cache


def test_no_message_when_the_cache_is_already_built(stub_anny, tmp_path, capsys):
    _fake_built_cache(tmp_path / "anny_cache")
    said = []
    with reporting_to(lambda done, total: None, said.append), pytest.raises(_Stop):
        stub_anny._build(None)
    assert said == [] and stub_anny.FIRST_RUN_MESSAGE not in capsys.readouterr().err


def test_an_old_cache_in_the_repo_is_moved_out_not_rebuilt(stub_anny, tmp_path):
    old = tmp_path / "repo" / ".cache" / "anny"
    _fake_built_cache(old)
    said = []
    with reporting_to(lambda done, total: None, said.append), pytest.raises(_Stop):
        stub_anny._build(None)
    assert said == [] and not old.exists() and stub_anny.cache_ready(tmp_path / "anny_cache")


def test_install_anny_builds_ahead_of_time(stub_anny, monkeypatch, tmp_path, capsys):
    import install

    calls = []
    monkeypatch.setattr(stub_anny, "load_anny", lambda on_progress=None: calls.append(1))
    assert install.main(["anny"]) == 0 and calls == [1]
    assert str(tmp_path / "anny_cache") in capsys.readouterr().out
    _fake_built_cache(tmp_path / "anny_cache")
    assert install.main(["anny"]) == 0 and calls == [1]  # already built: nothing to do
    assert "already built" in capsys.readouterr().out


def test_studio_shows_the_message_from_the_local_runner(stub_anny, monkeypatch, runner_dirs):
    """A node that needs the body model while the cache is missing: the studio's job line says so."""
    from studio import core_nodes
    from studio.backends import LocalBackend
    from studio.jobs import Job
    from studio.runner import LocalRunner

    invert = core_nodes.NODE_CLASS_MAPPINGS["ImageInvert"]
    original = invert.invert

    def needs_body(self, image):
        with pytest.raises(_Stop):
            stub_anny._build(None)
        return original(self, image)

    monkeypatch.setattr(invert, "invert", needs_body)
    prompt = {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
              "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}, "_meta": {"title": "Avatar"}},
              "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "x"}}}
    runner = LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"])
    job = Job(LocalBackend(runner), prompt, runner_dirs["temp"] / "job").start()
    lines = [u.text for u in job.updates(timeout=60)]
    assert "Avatar: building the body model (first run, about 90 s)" in lines
    assert lines[-1] == "Done"


def test_comfyui_text_frames_become_the_job_line(tmp_path):
    from studio.comfy_job import preview_event
    from studio.jobs import Job

    prompt = {"7": {"class_type": "AtelierAvatarFromMeasurements", "inputs": {}, "_meta": {"title": "Avatar"}}}
    job = Job(None, prompt, tmp_path)
    text = b"building the body model (first run, about 90 s)"
    frame = struct.pack(">I", 3) + struct.pack(">I", 1) + b"7" + text  # ComfyUI's send_progress_text
    assert job._fold("preview", preview_event(frame)) == "Avatar: " + text.decode()
    assert job._fold("progress_text", {"node": "7", "text": text.decode()}) == "Avatar: " + text.decode()
    assert job._fold("preview", preview_event(struct.pack(">II", 1, 2) + b"png")) is None  # an image preview


def test_comfyui_progress_text_goes_to_the_running_node(monkeypatch, capsys):
    import types

    from custom_nodes.core.progress import announce

    sent = []
    server = types.ModuleType("server")
    server.PromptServer = types.SimpleNamespace(instance=types.SimpleNamespace(
        last_node_id="12", send_progress_text=lambda text, node: sent.append((text, node))))
    monkeypatch.setitem(sys.modules, "server", server)
    announce("building the body model (first run, about 90 s)")
    assert sent == [("building the body model (first run, about 90 s)", "12")]
    assert "[Atelier] building the body model" in capsys.readouterr().err
