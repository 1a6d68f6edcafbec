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
