"""The saved workflows as ComfyUI templates: every node names its pack, the README names the third-party
packs, each template has a thumbnail where the template browser looks, and runs as loaded on its samples."""

from __future__ import annotations

import copy
import glob
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from custom_nodes.core.samples import PREFIX, SAMPLES_DIR, install_samples, sample_files
from studio import preflight
from studio.runner import LocalRunner
from studio.validation import validate_prompt
from studio.workflow_builder import COMFY_CORE, THIRD_PARTY_PACKS
from studio.workflow_defs import SAMPLES, WORKFLOWS
from studio.workflow_format import UI_ONLY_TYPES
from tests.conftest import FIXTURES
from tests.workflows.conftest import run_prestartup_script
from tools.build_workflows import README, own_pack, packs_section, packs_used

REPO = Path(__file__).resolve().parents[2]
NAMES = sorted(WORKFLOWS)
COMFYUI_VERSION = json.loads((FIXTURES / "comfyui" / "system_stats.json").read_text())["system"]["comfyui_version"]

# ComfyUI_frontend's workflow schema (src/platform/workflow/validation/schemas/workflowSchema.ts): a saved
# workflow whose node properties break these fails validation when it is loaded.
REPO_LIKE_ID = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?$")
GITHUB_USER = re.compile(r"^(?!-)(?!.*--)[a-zA-Z0-9-]+(?<!-)$")
GIT_HASH = re.compile(r"^[0-9a-f]{4,40}$", re.I)
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([\da-z-]+(?:\.[\da-z-]+)*))?"
                    r"(?:\+([\da-z-]+(?:\.[\da-z-]+)*))?$")


def ui(name: str) -> dict:
    return json.loads((REPO / "workflows" / f"{name}.json").read_text())


def api(name: str) -> dict:
    return json.loads((REPO / "workflows" / "api" / f"{name}.json").read_text())


def frontend_accepts(props: dict) -> bool:
    """Whether ComfyUI_frontend's zod schema takes these ``cnr_id``/``aux_id``/``ver`` values."""
    ok = True
    if "cnr_id" in props:
        ok &= bool(REPO_LIKE_ID.match(props["cnr_id"])) and len(props["cnr_id"]) <= 100
    if "aux_id" in props:
        user, _, repo = props["aux_id"].partition("/")
        ok &= bool(GITHUB_USER.match(user)) and len(user) <= 39 and bool(REPO_LIKE_ID.match(repo))
    if "ver" in props:
        ver = props["ver"].removeprefix("v")
        ok &= bool(SEMVER.match(ver) or GIT_HASH.match(ver)) or ver == "unknown"
    return ok


def test_frontend_rules_are_the_frontends():
    assert frontend_accepts({"cnr_id": "comfyui_controlnet_aux", "ver": "1.1.5"})
    assert frontend_accepts({"aux_id": "cubiq/ComfyUI_IPAdapter_plus", "ver": "12f35647f0d510e03b45a47fb420fe1245a575df"})
    assert not frontend_accepts({"aux_id": "atelier"})  # aux_id must be a GitHub owner/repo
    assert not frontend_accepts({"cnr_id": "comfy-core", "ver": "0.3"})


# --- cnr_id / aux_id / ver -------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_node_names_its_pack_as_comfyui_saves_it(name, core_object_info, third_party_object_info):
    ours = own_pack()
    for node in ui(name)["nodes"]:
        props, kind = node["properties"], node["type"]
        if kind in UI_ONLY_TYPES:  # frontend-only nodes (Note) belong to no pack, as in ComfyUI's own files
            assert "cnr_id" not in props and "aux_id" not in props
            continue
        assert ("cnr_id" in props) != ("aux_id" in props), f"{name}: {kind} must name exactly one of cnr_id/aux_id"
        assert props["Node name for S&R"] == kind
        assert frontend_accepts(props), f"{name}: {kind} {props} would fail ComfyUI_frontend's validation"
        if kind.startswith("Atelier"):
            assert {k: v for k, v in props.items() if k != "Node name for S&R"} == ours
        elif kind in third_party_object_info:
            folder = third_party_object_info[kind]["python_module"].split(".")[1]
            assert props.get("cnr_id") == THIRD_PARTY_PACKS[folder]["cnr_id"], f"{name}: {kind}"
        else:
            assert kind in core_object_info or kind == "LoadImage", f"{name}: {kind} is from no known pack"
            assert props["cnr_id"] == COMFY_CORE and props["ver"] == COMFYUI_VERSION


def test_own_pack_id_comes_from_pyproject():
    ids = own_pack()
    assert ids == {"cnr_id": "atelier", "ver": "0.1.0"} or set(ids) == {"aux_id", "ver"}
    assert frontend_accepts(ids)


def test_third_party_table_covers_the_recorded_packs(third_party_object_info):
    """One table: its keys are the folders the recorded nodes come from and the packs pre-flight knows."""
    folders = {e["python_module"].split(".")[1] for e in third_party_object_info.values()}
    assert folders == set(THIRD_PARTY_PACKS)
    known = json.loads((REPO / "studio" / "known_packs.json").read_text())["packs"]
    assert set(known) == set(THIRD_PARTY_PACKS)
    for folder, spec in THIRD_PARTY_PACKS.items():
        assert REPO_LIKE_ID.match(spec["cnr_id"]) and spec["cnr_id"] == spec["cnr_id"].lower()
        assert spec["repository"].startswith("https://github.com/") and spec["repository"].endswith("/" + folder)


def test_the_sdxl_workflows_name_their_third_party_packs():
    # the pose comes from the pack's own detector: comfyui_controlnet_aux is no longer needed (issue #18)
    assert packs_used(ui("tryon_sdxl")) == {"ComfyUI_IPAdapter_plus": ["IPAdapterAdvanced", "IPAdapterUnifiedLoader"]}
    assert list(packs_used(ui("drape_render_sdxl"))) == ["ComfyUI_IPAdapter_plus"]
    assert packs_used(ui("tryon_classic")) == {}


def test_readme_lists_the_packs_each_workflow_needs():
    readme = README.read_text()
    assert packs_section({n: ui(n) for n in NAMES}) in readme, "run tools/build_workflows.py (README table)"
    rows = {line.split("|")[1].strip(" *"): line for line in readme.splitlines()
            if line.startswith("| **")}
    assert set(rows) == set(NAMES)
    for name in NAMES:
        for folder in packs_used(ui(name)):
            spec = THIRD_PARTY_PACKS[folder]
            assert spec["repository"] in rows[name] and spec["cnr_id"] in rows[name], name


# --- thumbnails ------------------------------------------------------------------------------------


def test_comfyui_lists_exactly_the_workflows_as_templates():
    """ComfyUI's /workflow_templates globs ``<pack>/*workflow*/*.json`` and ``*example*``: only our templates."""
    listed = {Path(f).stem for pattern in ("*example*/*.json", "*workflow*/*.json")
              for f in glob.glob(str(REPO / pattern))}
    assert listed == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_template_has_a_jpeg_thumbnail_beside_it(name):
    # the frontend asks /api/workflow_templates/<pack>/<name>.jpg for a custom-node template
    path = REPO / "workflows" / f"{name}.jpg"
    assert path.is_file(), f"run tools/build_workflows.py ({name}.jpg missing)"
    assert path.stat().st_size < 80_000
    with Image.open(path) as im:
        assert im.format == "JPEG"
        im.load()
        assert im.size[0] == im.size[1] >= 256
        assert np.asarray(im.convert("L"), np.float32).std() > 5  # not blank


# --- sample inputs ---------------------------------------------------------------------------------


def file_inputs(prompt: dict) -> list[str]:
    """Every input that names a file in the input folder: LoadImage's image, AtelierLoadPose's path."""
    return [e["inputs"][key] for e in prompt.values()
            for key in {"LoadImage": ["image"], "AtelierLoadPose": ["path"]}.get(e["class_type"], [])]


def test_samples_are_shipped_and_readable():
    assert {p.name for p in sample_files()} == set(SAMPLES.values())
    ignored = subprocess.run(["git", "check-ignore", *map(str, sample_files())], cwd=REPO, capture_output=True,
                             text=True).stdout.split()
    assert ignored == [], "the samples must be committed (.gitignore ignores every folder named input/)"
    for path in sample_files():
        assert path.name.startswith(PREFIX) and path.stat().st_size < 100_000
        if path.suffix == ".json":
            assert json.loads(path.read_text())["people"]
        else:
            with Image.open(path) as im:
                im.load()
                assert min(im.size) >= 256


@pytest.mark.parametrize("name", NAMES)
def test_every_file_a_template_loads_is_a_shipped_sample(name):
    shipped = {p.name for p in sample_files()}
    assert set(file_inputs(api(name))) <= shipped


def test_prestartup_script_copies_samples_and_never_overwrites(tmp_path):
    mine = tmp_path / SAMPLES["person"]
    mine.write_bytes(b"the user's own file")
    run_prestartup_script(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == set(SAMPLES.values())
    assert mine.read_bytes() == b"the user's own file"
    for name in set(SAMPLES.values()) - {mine.name}:
        assert (tmp_path / name).read_bytes() == (SAMPLES_DIR / name).read_bytes()
    assert install_samples(tmp_path) == []  # a second start-up copies nothing


@pytest.mark.parametrize("name", ["tryon_sdxl", "drape_render_sdxl"])
def test_comfyui_only_templates_validate_against_the_input_folder_as_started(name, all_object_info, tmp_path):
    """On ComfyUI, LoadImage's choices are the files in its input folder: after start-up they hold the
    samples, so the prompt validates as saved (the models are checked against the manifest elsewhere)."""
    run_prestartup_script(tmp_path)
    info = copy.deepcopy(all_object_info)
    image = info["LoadImage"]["input"]["required"]["image"]
    info["LoadImage"]["input"]["required"]["image"] = [sorted(p.name for p in tmp_path.iterdir()), *image[1:]]
    prompt = api(name)
    for entry in prompt.values():  # model combos list what is installed: accept the manifest's files
        for key, value in entry["inputs"].items():
            spec = info[entry["class_type"]]["input"].get("required", {}).get(key)
            if key in preflight.MODEL_INPUTS and spec and isinstance(spec[0], list):
                spec[0] = sorted(set(spec[0]) | {value})
    result = validate_prompt(prompt, info)
    assert result.ok and result.node_errors == {}, json.dumps(result.response_body(), indent=1)[:2000]


def test_fabric_scan_runs_as_saved_on_the_local_runner(runner_dirs, tmp_path):
    run_prestartup_script(runner_dirs["input"])
    prompt = api("fabric_scan")
    assert file_inputs(prompt) == [SAMPLES["fabric"]]
    # the scan is saved to a scratch catalog, not the bundled one
    save = next(n for n, e in prompt.items() if e["class_type"] == "AtelierSaveToCatalog")
    prompt[save]["inputs"]["catalog_dir"] = str(runner_dirs["output"] / "catalog")
    runner = LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"])
    # everything up to the catalog entry; the drape and render after it are drape_preview's, tested there
    keep = {n for n, e in prompt.items() if e["class_type"] in
            ("LoadImage", "AtelierFabricScan", "AtelierMakeTileable", "AtelierFabricMaps", "SaveImage",
             "AtelierSaveToCatalog") and not e["_meta"]["title"] == "Save preview"}
    entry = runner.run({n: e for n, e in prompt.items() if n in keep})
    assert entry["status"]["status_str"] == "success", entry["status"]
    assert (runner_dirs["output"] / "catalog" / "scanned_fabric" / "fabric.json").is_file()
    maps = next(o["images"][0] for o in entry["outputs"].values() if "images" in o)
    with Image.open(runner_dirs["output"] / maps["subfolder"] / maps["filename"]) as im:
        assert np.asarray(im, np.float32).std() > 10  # the woven sample's maps, not a flat image


@pytest.mark.slow
def test_fabric_scan_runs_end_to_end_as_saved(runner_dirs, tmp_path):
    run_prestartup_script(runner_dirs["input"])
    prompt = api("fabric_scan")
    save = next(n for n, e in prompt.items() if e["class_type"] == "AtelierSaveToCatalog")
    prompt[save]["inputs"]["catalog_dir"] = str(runner_dirs["output"] / "catalog")
    entry = LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"]).run(prompt)
    assert entry["status"]["status_str"] == "success", entry["status"]
    saved = [i for o in entry["outputs"].values() for i in o.get("images", [])]
    assert {i["filename"].split("_0")[0] for i in saved} == {"fabric_maps", "fabric_rerender"}


@pytest.mark.slow
def test_avatar_from_photos_runs_as_saved_on_the_local_runner(runner_dirs):
    """The sample photos (an Anny body rendered front and side) give a fitted avatar, an overlay and a drape."""
    pytest.importorskip("anny")
    run_prestartup_script(runner_dirs["input"])
    prompt = api("avatar_from_photos")
    assert sorted(file_inputs(prompt)) == sorted([SAMPLES["body_front"], SAMPLES["body_side"]])
    entry = LocalRunner(runner_dirs["output"], runner_dirs["input"], runner_dirs["temp"]).run(prompt)
    assert entry["status"]["status_str"] == "success", entry["status"]
    saved = {i["filename"].split("_0")[0] for o in entry["outputs"].values() for i in o.get("images", [])}
    assert saved == {"photo_overlay", "photo_avatar", "photo_drape"}
