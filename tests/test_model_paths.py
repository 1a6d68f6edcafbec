"""Registering our models/ in ComfyUI adds folders and never hides ComfyUI's own (IP-Adapter weights vanish).

ComfyUI is not installed here, so its model-folder registry is replaced by a small stand-in with the same
semantics, written from Comfy-Org/ComfyUI a125cd8 (v0.3.64) — folder_paths.py and utils/extra_config.py,
lines cited per function — and cubiq/ComfyUI_IPAdapter_plus 9d076a3, IPAdapterPlus.py:36-40. The order of
events is ComfyUI's: the defaults at import (folder_paths.py:23-51), extra_model_paths.yaml from main.py
(main.py:103), custom nodes after that (main.py:318).
"""

from __future__ import annotations

import os

import pytest
import yaml

import install

SUPPORTED_PT_EXTENSIONS = {".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft"}  # folder_paths.py:12


class FolderPaths:
    """The parts of ComfyUI's ``folder_paths`` module that model lookups go through."""

    def __init__(self, base_path: str):
        self.models_dir = os.path.join(base_path, "models")  # folder_paths.py:22
        join = os.path.join
        self.folder_names_and_paths: dict[str, tuple[list[str], set[str]]] = {  # folder_paths.py:23-39 (those we use)
            "checkpoints": ([join(self.models_dir, "checkpoints")], SUPPORTED_PT_EXTENSIONS),
            "loras": ([join(self.models_dir, "loras")], SUPPORTED_PT_EXTENSIONS),
            "vae": ([join(self.models_dir, "vae")], SUPPORTED_PT_EXTENSIONS),
            "clip_vision": ([join(self.models_dir, "clip_vision")], SUPPORTED_PT_EXTENSIONS),
            "controlnet": ([join(self.models_dir, "controlnet"), join(self.models_dir, "t2i_adapter")],
                           SUPPORTED_PT_EXTENSIONS),
            "upscale_models": ([join(self.models_dir, "upscale_models")], SUPPORTED_PT_EXTENSIONS),
        }
        self.supported_pt_extensions = SUPPORTED_PT_EXTENSIONS

    @staticmethod
    def map_legacy(folder_name: str) -> str:  # folder_paths.py:95-98
        return {"unet": "diffusion_models", "clip": "text_encoders"}.get(folder_name, folder_name)

    def add_model_folder_path(self, folder_name: str, full_folder_path: str, is_default: bool = False) -> None:
        folder_name = self.map_legacy(folder_name)  # folder_paths.py:214-230
        if folder_name in self.folder_names_and_paths:
            paths, _exts = self.folder_names_and_paths[folder_name]
            if full_folder_path in paths:
                if is_default and paths[0] != full_folder_path:
                    paths.remove(full_folder_path)
                    paths.insert(0, full_folder_path)
            elif is_default:
                paths.insert(0, full_folder_path)
            else:
                paths.append(full_folder_path)
        else:
            self.folder_names_and_paths[folder_name] = ([full_folder_path], set())

    def get_folder_paths(self, folder_name: str) -> list[str]:  # folder_paths.py:232-234
        return self.folder_names_and_paths[self.map_legacy(folder_name)][0][:]

    def get_filename_list(self, folder_name: str) -> list[str]:
        # get_filename_list_ (folder_paths.py:312-323) without the cache; recursive_search (:236-274) and
        # filter_files_extensions (:277-278): an empty extension set lets every file through.
        paths, extensions = self.folder_names_and_paths[self.map_legacy(folder_name)]
        found = set()
        for folder in paths:
            if not os.path.isdir(folder):
                continue
            for dirpath, subdirs, filenames in os.walk(folder, followlinks=True, topdown=True):
                subdirs[:] = [d for d in subdirs if d != ".git"]
                files = [os.path.relpath(os.path.join(dirpath, f), folder) for f in filenames]
                found.update(f for f in files if os.path.splitext(f)[-1].lower() in extensions or not extensions)
        return sorted(found)

    def get_full_path(self, folder_name: str, filename: str) -> str | None:  # folder_paths.py:282-299
        folder_name = self.map_legacy(folder_name)
        if folder_name not in self.folder_names_and_paths:
            return None
        filename = os.path.relpath(os.path.join("/", filename), "/")
        for folder in self.folder_names_and_paths[folder_name][0]:
            if os.path.isfile(os.path.join(folder, filename)):
                return os.path.join(folder, filename)
        return None


def load_extra_path_config(yaml_path: str, folder_paths: FolderPaths) -> None:
    """utils/extra_config.py:6-34."""
    with open(yaml_path, encoding="utf-8") as stream:
        config = yaml.safe_load(stream)
    yaml_dir = os.path.dirname(os.path.abspath(yaml_path))
    for conf in config.values():
        if conf is None:
            continue
        base_path = None
        if "base_path" in conf:
            base_path = os.path.expandvars(os.path.expanduser(conf.pop("base_path")))
            if not os.path.isabs(base_path):
                base_path = os.path.abspath(os.path.join(yaml_dir, base_path))
        is_default = conf.pop("is_default", False)
        for name, value in conf.items():
            for line in value.split("\n"):
                if len(line) == 0:
                    continue
                full_path = line
                if base_path:
                    full_path = os.path.join(base_path, full_path)
                elif not os.path.isabs(full_path):
                    full_path = os.path.abspath(os.path.join(yaml_dir, line))
                folder_paths.add_model_folder_path(name, os.path.normpath(full_path), is_default)


def import_ipadapter_plus(folder_paths: FolderPaths) -> None:
    """What importing ComfyUI_IPAdapter_plus does to the registry (IPAdapterPlus.py:36-40)."""
    if "ipadapter" not in folder_paths.folder_names_and_paths:
        current_paths = [os.path.join(folder_paths.models_dir, "ipadapter")]
    else:
        current_paths, _ = folder_paths.folder_names_and_paths["ipadapter"]
    folder_paths.folder_names_and_paths["ipadapter"] = (current_paths, folder_paths.supported_pt_extensions)


@pytest.fixture()
def setup(tmp_path, monkeypatch):
    """A ComfyUI folder and a pack repository, each with one weight file in every folder we register."""
    comfyui, repo = tmp_path / "ComfyUI", tmp_path / "atelier-repo"
    (comfyui / "custom_nodes").mkdir(parents=True)
    (comfyui / "main.py").write_text("# stand-in")
    for name in ("ipadapter", "controlnet", "clip_vision", "atelier"):
        (comfyui / "models" / name).mkdir(parents=True)
        (comfyui / "models" / name / f"comfy_{name}.safetensors").write_bytes(b"c")
        (repo / "models" / name).mkdir(parents=True)
        (repo / "models" / name / f"ours_{name}.safetensors").write_bytes(b"o")
    monkeypatch.setattr(install, "REPO", repo)
    return comfyui, repo


def start_comfyui(comfyui) -> FolderPaths:
    """ComfyUI's start-up order: defaults, then extra_model_paths.yaml, then the custom nodes."""
    folder_paths = FolderPaths(str(comfyui))
    load_extra_path_config(str(comfyui / "extra_model_paths.yaml"), folder_paths)
    import_ipadapter_plus(folder_paths)
    return folder_paths


def test_stand_in_reproduces_the_reported_bug(setup):
    comfyui, repo = setup
    old_section = {"base_path": str(repo / "models"), **{f: f for f in install.MODEL_FOLDERS}}
    (comfyui / "extra_model_paths.yaml").write_text(yaml.safe_dump({"atelier": old_section}))
    assert start_comfyui(comfyui).get_filename_list("ipadapter") == ["ours_ipadapter.safetensors"]


def test_both_ipadapter_folders_are_listed(setup):
    comfyui, repo = setup
    install.link_into_comfyui(comfyui)
    folder_paths = start_comfyui(comfyui)
    assert folder_paths.get_filename_list("ipadapter") == ["comfy_ipadapter.safetensors", "ours_ipadapter.safetensors"]
    # ComfyUI's own folder first, as for the folders ComfyUI registers itself
    assert folder_paths.get_folder_paths("ipadapter") == [str(comfyui / "models" / "ipadapter"),
                                                          str(repo / "models" / "ipadapter")]
    # IPAdapter_plus's filter (supported_pt_extensions) applies to both folders
    (comfyui / "models" / "ipadapter" / "notes.txt").write_text("x")
    assert "notes.txt" not in folder_paths.get_filename_list("ipadapter")


@pytest.mark.parametrize("name", ["controlnet", "clip_vision", "atelier"])
def test_other_folders_keep_comfyuis_own(setup, name):
    comfyui, repo = setup
    install.link_into_comfyui(comfyui)
    folder_paths = start_comfyui(comfyui)
    assert folder_paths.get_filename_list(name) == [f"comfy_{name}.safetensors", f"ours_{name}.safetensors"]
    assert folder_paths.get_full_path(name, f"ours_{name}.safetensors") == str(repo / "models" / name / f"ours_{name}.safetensors")


def test_without_ipadapter_plus_both_folders_are_still_there(setup):
    comfyui, _ = setup
    install.link_into_comfyui(comfyui)
    folder_paths = FolderPaths(str(comfyui))
    load_extra_path_config(str(comfyui / "extra_model_paths.yaml"), folder_paths)
    assert folder_paths.get_filename_list("ipadapter") == ["comfy_ipadapter.safetensors", "ours_ipadapter.safetensors"]


def test_an_old_section_is_rewritten_and_others_kept(setup, capsys):
    comfyui, repo = setup
    path = comfyui / "extra_model_paths.yaml"
    old_section = {"base_path": str(repo / "models"), **{f: f for f in install.MODEL_FOLDERS}}
    path.write_text(yaml.safe_dump({"a111": {"base_path": "/sd", "checkpoints": "models/Stable-diffusion"},
                                    "atelier": old_section}))
    install.write_model_paths(path)
    install.write_model_paths(path)
    out = capsys.readouterr().out
    assert "registered" in out and "already registered" in out
    config = yaml.safe_load(path.read_text())
    assert config["a111"] == {"base_path": "/sd", "checkpoints": "models/Stable-diffusion"}
    assert config["atelier"]["ipadapter"].split("\n") == [str(comfyui / "models" / "ipadapter"), "ipadapter"]
    assert config["atelier"]["controlnet"] == "controlnet"


def test_only_folders_comfyui_does_not_register_get_its_own_path_added():
    section = install.model_paths_section(install.Path("/C/models"))
    for name in install.MODEL_FOLDERS:
        if name in install.COMFYUI_FOLDERS:
            assert section[name] == name
        else:
            assert section[name] == f"/C/models/{name}\n{name}"
    assert {"ipadapter", "atelier"} <= set(install.MODEL_FOLDERS) - install.COMFYUI_FOLDERS
