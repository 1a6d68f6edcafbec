"""``python_module`` names the pack's folder in custom_nodes/, as ComfyUI does, not a fixed "atelier".

ComfyUI (Comfy-Org/ComfyUI a125cd8, v0.3.64) loads each entry of custom_nodes/ from
``module_path = os.path.join(custom_node_path, entry)`` (nodes.py:2225), unresolved, registers the package
as ``module_path.replace(".", "_x_")`` (nodes.py:2118) from ``<module_path>/__init__.py`` (nodes.py:2126)
and stamps each class with ``RELATIVE_PYTHON_MODULE = "custom_nodes." + basename(module_path)``
(nodes.py:2105-2108, 2164).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

from custom_nodes import object_info

REPO = Path(__file__).resolve().parents[1]


def load_like_comfyui(module_path: str):
    """nodes.load_custom_node's import of a folder entry; returns (package, sys.modules name)."""
    sys_module_name = module_path.replace(".", "_x_")
    spec = importlib.util.spec_from_file_location(sys_module_name, os.path.join(module_path, "__init__.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[sys_module_name] = module
    spec.loader.exec_module(module)
    return module, sys_module_name


def comfyui_stamp(module_path: str) -> str:
    """The RELATIVE_PYTHON_MODULE ComfyUI gives a folder entry (nodes.py:2105-2108, 2164)."""
    return f"custom_nodes.{os.path.basename(module_path)}"


def test_outside_comfyui_the_repository_folder_names_the_module():
    here = Path(os.path.abspath(object_info.__file__)).parents[1]
    assert object_info.PYTHON_MODULE == f"custom_nodes.{here.name}" == comfyui_stamp(str(here))


@pytest.mark.parametrize("entry", ["atelier", "ComfyUI-Atelier", "atelier.v2"])
def test_a_symlinked_pack_goes_by_the_links_name(tmp_path, entry):
    custom_nodes = tmp_path / "ComfyUI" / "custom_nodes"
    custom_nodes.mkdir(parents=True)
    (custom_nodes / entry).symlink_to(REPO, target_is_directory=True)
    module_path = os.path.join(str(custom_nodes), entry)
    package, name = load_like_comfyui(module_path)
    try:
        info_module = importlib.import_module(f"{name}.custom_nodes.object_info")
        assert info_module.__file__.startswith(module_path)  # loaded through the link, not the resolved path
        assert info_module.PYTHON_MODULE == comfyui_stamp(module_path) == f"custom_nodes.{entry}"
        # a class ComfyUI has not stamped (yet) reports what ComfyUI would stamp on it
        node_id, cls = next(iter(package.NODE_CLASS_MAPPINGS.items()))
        assert not hasattr(cls, "RELATIVE_PYTHON_MODULE")
        assert info_module.node_info(node_id, cls)["python_module"] == f"custom_nodes.{entry}"
    finally:
        for key in [k for k in sys.modules if k == name or k.startswith(f"{name}.")]:
            del sys.modules[key]


def test_a_cloned_folder_goes_by_its_own_name(tmp_path):
    # a clone is a real folder, e.g. custom_nodes/ComfyUI-Atelier; object_info.py only needs itself to load
    clone = tmp_path / "ComfyUI" / "custom_nodes" / "ComfyUI-Atelier"
    (clone / "custom_nodes").mkdir(parents=True)
    shutil.copy(REPO / "custom_nodes" / "object_info.py", clone / "custom_nodes" / "object_info.py")
    spec = importlib.util.spec_from_file_location("clone_object_info", clone / "custom_nodes" / "object_info.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.PYTHON_MODULE == comfyui_stamp(str(clone)) == "custom_nodes.ComfyUI-Atelier"


def test_comfyuis_own_stamp_wins():
    class Node:
        RELATIVE_PYTHON_MODULE = "custom_nodes.somewhere_else"
        RETURN_TYPES = ("IMAGE",)

        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {}}

    assert object_info.node_info("Node", Node)["python_module"] == "custom_nodes.somewhere_else"
