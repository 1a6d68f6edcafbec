"""The Ray backend's rules that need no Ray: where a workflow is split, which nodes rows share, what
``--ray`` says without Ray installed, and that Ray stays out of the node pack."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

from studio import workflows
from studio.__main__ import main as cli
from studio.ray_backend import INSTALL_HINT, shared_nodes, split_workflow

REPO = Path(__file__).resolve().parents[2]


def test_sdxl_workflow_splits_at_the_comfyui_boundary():
    prompt = workflows.load("drape_render_sdxl")
    split = split_workflow(prompt)
    pack = {e["class_type"] for nid, e in split.local.items() if not nid.startswith("__handoff")}
    assert {"AtelierDrape", "AtelierRenderMaps", "AtelierAvatarFromMeasurements", "AtelierRenderPrompt"} <= pack
    assert "30" in split.local  # Save maps: a core node fed by the pack, so it runs with the pack
    comfy = {e["class_type"] for nid, e in split.comfy.items() if not nid.startswith("__handoff")}
    assert {"KSampler", "CheckpointLoaderSimple", "ControlNetApplyAdvanced", "VAEDecode"} <= comfy
    assert "29" in split.comfy and not (pack & {"KSampler"})  # Save render: after the sampler, on ComfyUI
    # the maps (depth, normal, pose) and the swatch cross as images, read by LoadImage stand-ins
    crossing = {split.local[save]["inputs"]["images"][0] + "." + str(split.local[save]["inputs"]["images"][1])
                for save in split.images.values()}
    assert crossing == {"10.0", "10.1", "10.2", "8.0"}
    assert all(split.comfy[stub]["class_type"] == "LoadImage" for stub in split.images)
    assert split.comfy["17"]["inputs"]["image"][0] in split.images
    # the prompt text crosses as values written into the ComfyUI prompt
    assert split.literals == {("13", "text"): ("11", 0), ("14", "text"): ("11", 1)}
    assert not set(split.local) & set(split.comfy)


def test_pack_only_workflow_has_no_comfyui_part():
    split = split_workflow(workflows.load("drape_preview"))
    assert split.comfy == {} and split.images == {} and len(split.local) == 16


def test_a_value_that_cannot_cross_is_refused_in_words():
    prompt = workflows.load("drape_preview")
    prompt["99"] = {"class_type": "SomeComfyOnlyNode", "_meta": {"title": "Thing"}, "inputs": {"drape": ["7", 0]}}
    with pytest.raises(workflows.WorkflowError, match="Drape passes a ATELIER_DRAPE to Thing.*without --ray"):
        split_workflow(prompt)


def test_rows_with_the_same_avatar_share_one():
    base = workflows.load("batch_colorways")
    a = split_workflow(workflows.with_settings(base, {"Colour.colour": "#ff0000"})).local
    b = split_workflow(workflows.with_settings(base, {"Colour.colour": "#00ff00"})).local
    c = split_workflow(workflows.with_settings(base, {"Avatar.size": "L"})).local
    assert set(shared_nodes(a)) == {"3"}
    assert shared_nodes(a) == shared_nodes(b) != shared_nodes(c)


def test_ray_flag_without_ray_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8,
                                                                            "batch_size": 1, "color": 0}}}))
    rows = tmp_path / "rows.csv"
    rows.write_text("1.width\n8\n")
    assert cli(["batch", str(path), str(rows), "--ray", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert INSTALL_HINT in err and 'pip install "atelier[cluster]"' in err and "Traceback" not in err


def _imports_ray(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
        lines += [node.lineno for name in names if name == "ray" or name.startswith("ray.")]
    return lines


def test_custom_nodes_never_import_ray():
    assert _imports_ray("import os\ndef f():\n    from ray import util\n") == [3]  # the checker sees it
    found = {str(p.relative_to(REPO)): hits for p in (REPO / "custom_nodes").rglob("*.py")
             if (hits := _imports_ray(p.read_text(encoding="utf-8")))}
    assert found == {}, f"Ray belongs in studio/, never in the node pack: {found}"
