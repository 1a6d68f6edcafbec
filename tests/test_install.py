"""install.py: idempotent linking into a ComfyUI folder, model paths, requirement hygiene."""

from __future__ import annotations

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
