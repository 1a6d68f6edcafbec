"""install.py: idempotent linking into a ComfyUI folder, model paths, requirement hygiene."""

from __future__ import annotations

import json
import re

import pytest
import yaml

import install


@pytest.fixture()
def comfyui(tmp_path):
    root = tmp_path / "ComfyUI"
    (root / "custom_nodes").mkdir(parents=True)
    (root / "main.py").write_text("# stand-in")
    return root


def test_link_is_idempotent_and_registers_models(comfyui, capsys):
    install.link_into_comfyui(comfyui)
    install.link_into_comfyui(comfyui)
    link = comfyui / "custom_nodes" / "atelier"
    assert link.is_symlink() and link.resolve() == install.REPO
    config = yaml.safe_load((comfyui / "extra_model_paths.yaml").read_text())
    assert config["atelier"]["base_path"] == str(install.REPO / "models")
    assert config["atelier"]["controlnet"] == "controlnet"
    assert "already linked" in capsys.readouterr().out


def test_existing_model_paths_are_kept(comfyui):
    (comfyui / "extra_model_paths.yaml").write_text(yaml.safe_dump({"a111": {"base_path": "/sd"}}))
    install.link_into_comfyui(comfyui)
    config = yaml.safe_load((comfyui / "extra_model_paths.yaml").read_text())
    assert config["a111"] == {"base_path": "/sd"} and "atelier" in config


def test_refuses_foreign_folder_and_non_comfyui(comfyui, tmp_path):
    (comfyui / "custom_nodes" / "atelier").mkdir()
    with pytest.raises(SystemExit, match="is not a link"):
        install.link_into_comfyui(comfyui)
    with pytest.raises(SystemExit, match="does not look like a ComfyUI"):
        install.link_into_comfyui(tmp_path)


def test_requirements_are_comfyui_manager_safe():
    text = (install.REPO / "requirements.txt").read_text()
    names = install.requirement_names()
    assert "torch" not in names and "torchvision" not in names
    assert not re.search(r"git\+|https?://", text)
    assert "taichi" in names and "trimesh" in names


def test_check_reports_packages_and_nodes(capsys):
    install.check()
    out = capsys.readouterr().out
    assert "Python packages:" in out and "trimesh" in out and "Nodes:" in out


@pytest.fixture()
def file_server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving tmp_path/served (bounded: stops with the test)."""
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _entry(url, data, **over):
    import hashlib

    return {"id": "tiny", "folder": "checkpoints", "file": "tiny.safetensors", "download_url": url,
            "sha256": hashlib.sha256(data).hexdigest(), "size_bytes": len(data), **over}


def test_download_verifies_and_places_file(file_server, tmp_path, monkeypatch):
    served, base = file_server
    data = b"weights" * 1000
    (served / "tiny.safetensors").write_bytes(data)
    monkeypatch.setattr(install, "REPO", tmp_path / "repo")
    path = install.download(_entry(f"{base}/tiny.safetensors", data))
    assert path.read_bytes() == data and path == tmp_path / "repo" / "models" / "checkpoints" / "tiny.safetensors"


def test_download_with_wrong_hash_leaves_nothing(file_server, tmp_path, monkeypatch):
    served, base = file_server
    (served / "tiny.safetensors").write_bytes(b"tampered")
    monkeypatch.setattr(install, "REPO", tmp_path / "repo")
    entry = _entry(f"{base}/tiny.safetensors", b"tampered", sha256="0" * 64)
    with pytest.raises(RuntimeError, match="does not match"):
        install.download(entry)
    folder = tmp_path / "repo" / "models" / "checkpoints"
    assert list(folder.iterdir()) == []


def test_models_command_lists_missing(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(install, "REPO", tmp_path)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "manifest.json").write_text(
        '[{"id": "sdxl", "folder": "checkpoints", "file": "sd.safetensors", "licence": "x", "commercial_use": true}]')
    assert install.models_command(False, None) == 1
    assert "missing  models/checkpoints/sd.safetensors" in capsys.readouterr().out


# --- models --download: a file without a published SHA-256 is named, per file ------------------------------

def _manifest(tmp_path, entries):
    (tmp_path / "models").mkdir(exist_ok=True)
    (tmp_path / "models" / "manifest.json").write_text(json.dumps(entries))


def test_download_names_each_unverified_file(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(install, "REPO", tmp_path)
    base = {"folder": "checkpoints", "licence": "x", "commercial_use": True, "source_url": "https://example.org/m"}
    _manifest(tmp_path, [
        {**base, "id": "hashed", "file": "a.safetensors", "download_url": "https://example.org/a", "sha256": "a" * 64},
        {**base, "id": "md5_only", "file": "b.onnx", "download_url": "https://example.org/b", "sha256": None,
         "md5": "b" * 32},
        {**base, "id": "bare", "file": "c.pth", "download_url": "https://example.org/c", "sha256": None},
        {**base, "id": "by_hand", "file": "d.pth", "download_url": None, "sha256": None},
    ])
    fetched = []

    def fake_download(entry):  # no network: record the call, place nothing
        if not entry.get("download_url"):
            raise RuntimeError(f"{entry['id']}: no download_url")
        fetched.append(entry["id"])
        return tmp_path / "models" / entry["folder"] / entry["file"]

    monkeypatch.setattr(install, "download", fake_download)
    assert install.models_command(True, None) == 1  # by_hand cannot be downloaded
    out = capsys.readouterr().out
    assert fetched == ["hashed", "md5_only", "bare"]
    lines = out.splitlines()
    assert not any("nverified: hashed" in line for line in lines)
    assert any(line.startswith("unverified: md5_only:") and "MD5" in line for line in lines)
    assert any(line.startswith("UNVERIFIED: bare:") and "no published SHA-256" in line for line in lines)
    assert not any("nverified: by_hand" in line for line in lines)  # it is not downloaded at all
    assert "downloading hashed -> " in out and "(SHA-256 verified)" in out
    assert "(MD5 checked)" in out and "(NOT verified)" in out
    # the warning comes before that file's download line
    assert out.index("UNVERIFIED: bare:") < out.index("downloading bare ->")


def test_download_checks_the_publishers_md5_when_there_is_no_sha256(file_server, tmp_path, monkeypatch):
    import hashlib

    served, base = file_server
    (served / "tiny.onnx").write_bytes(b"onnx bytes")
    monkeypatch.setattr(install, "REPO", tmp_path / "repo")
    entry = {"id": "tiny", "folder": "rembg", "file": "tiny.onnx", "download_url": f"{base}/tiny.onnx",
             "sha256": None, "md5": "0" * 32}
    with pytest.raises(RuntimeError, match="MD5 .* does not match"):
        install.download(entry)
    assert list((tmp_path / "repo" / "models" / "rembg").iterdir()) == []
    entry["md5"] = hashlib.md5(b"onnx bytes").hexdigest()
    assert install.download(entry).read_bytes() == b"onnx bytes"


def test_every_downloadable_weight_has_a_published_checksum_with_its_source():
    for e in install.manifest_entries():
        if e["sha256"] is not None:
            assert re.fullmatch(r"[0-9a-f]{64}", e["sha256"]), e["id"]
            assert e["sha256_source"], f"{e['id']}: say where the SHA-256 comes from"
        if e.get("download_url"):
            assert e["sha256"] or re.fullmatch(r"[0-9a-f]{32}", e.get("md5") or ""), e["id"]
            assert e["sha256_source"], e["id"]
    unverified = [e["id"] for e in install.manifest_entries() if e.get("download_url") and not e["sha256"]]
    assert unverified == ["u2net", "u2net_human_seg"]  # rembg publishes MD5s only


# --- --check inside ComfyUI: the node packs each workflow needs ---------------------------------------------

def test_workflows_need_these_packs():
    needs = {name: packs for name, packs in install.workflow_packs().items() if packs}
    assert needs == {
        "drape_render_sdxl": {"ComfyUI_IPAdapter_plus": ["IPAdapterAdvanced", "IPAdapterUnifiedLoader"]},
        # the pose comes from Atelier's own detector (issue #18): no comfyui_controlnet_aux any more
        "tryon_sdxl": {"ComfyUI_IPAdapter_plus": ["IPAdapterAdvanced", "IPAdapterUnifiedLoader"]},
    }


def test_comfyui_is_found_above_the_pack_folder(comfyui, tmp_path):
    assert install.find_comfyui(pack_dirs=[comfyui / "custom_nodes" / "atelier"]) == comfyui
    assert install.find_comfyui(pack_dirs=[tmp_path / "elsewhere" / "atelier"]) is None
    assert install.find_comfyui(comfyui) == comfyui.resolve()
    with pytest.raises(SystemExit, match="does not look like a ComfyUI"):
        install.find_comfyui(tmp_path)


def _pack_lines(out: str, workflow: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index(f"  {workflow}:") + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        block.append(line.strip())
    return block


def test_check_inside_comfyui_reports_packs_per_workflow(comfyui, monkeypatch, capsys):
    (comfyui / "custom_nodes" / "comfyui_ipadapter_plus").mkdir()  # the Comfy registry's lowercase name
    (comfyui / "custom_nodes" / "atelier").symlink_to(install.REPO, target_is_directory=True)
    install.check(comfyui)  # the whole report, as `install.py --check --comfyui PATH` prints it
    out = capsys.readouterr().out
    assert f"looked for in {comfyui.resolve() / 'custom_nodes'}" in out
    drape, tryon = _pack_lines(out, "drape_render_sdxl"), _pack_lines(out, "tryon_sdxl")
    assert drape == ["ok       ComfyUI_IPAdapter_plus  for IPAdapterAdvanced, IPAdapterUnifiedLoader  "
                     "(custom_nodes/comfyui_ipadapter_plus)"]
    assert tryon == drape
    assert "no third-party packs: " in out and "drape_preview" in out.split("no third-party packs: ")[1]


def test_packs_are_found_by_folder_name_or_by_their_node_ids(comfyui, capsys):
    nodes = comfyui / "custom_nodes"
    assert install.find_pack(nodes, "comfyui_controlnet_aux", ["DWPreprocessor"]) == ("missing", None)
    (nodes / "ComfyUI_IPAdapter_plus-main").mkdir()  # a GitHub zip download
    assert install.find_pack(nodes, "ComfyUI_IPAdapter_plus", ["IPAdapterUnifiedLoader"]) == (
        "ok", nodes / "ComfyUI_IPAdapter_plus-main")
    # a disabled pack is not loaded by ComfyUI (nodes.py:2227)
    (nodes / "comfyui_controlnet_aux.disabled").mkdir()
    assert install.find_pack(nodes, "comfyui_controlnet_aux", ["DWPreprocessor"])[0] == "disabled"
    # naming a node is not defining it (our own workflow builder names DWPreprocessor)
    (nodes / "workflow-helper").mkdir()
    (nodes / "workflow-helper" / "build.py").write_text('g.add("DWPreprocessor", image=x)\n')
    assert install.find_pack(nodes, "comfyui_controlnet_aux", ["DWPreprocessor"])[0] == "disabled"
    # a renamed fork that maps the node id to a class, one folder down like node_wrappers/dwpose.py
    (nodes / "aux-fork" / "node_wrappers").mkdir(parents=True)
    (nodes / "aux-fork" / "node_wrappers" / "dwpose.py").write_text(
        'NODE_CLASS_MAPPINGS = {\n    "DWPreprocessor": DWPose_Preprocessor,\n}\n')
    assert install.find_pack(nodes, "comfyui_controlnet_aux", ["DWPreprocessor"]) == ("ok", nodes / "aux-fork")
    install.report_node_packs(comfyui)
    out = capsys.readouterr().out
    assert ("ok       ComfyUI_IPAdapter_plus  for IPAdapterAdvanced, IPAdapterUnifiedLoader  "
            "(custom_nodes/ComfyUI_IPAdapter_plus-main)") in out


def test_check_outside_comfyui_still_names_the_packs(capsys):
    assert install.report_node_packs(None) == 0
    out = capsys.readouterr().out
    assert "not run inside ComfyUI" in out and "--comfyui PATH" in out
    assert _pack_lines(out, "tryon_sdxl") == ["ComfyUI_IPAdapter_plus  for IPAdapterAdvanced, IPAdapterUnifiedLoader"]
