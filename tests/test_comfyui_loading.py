"""ComfyUI imports the repository folder itself as a package; the pack must load that way."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_pack_loads_as_comfyui_loads_custom_nodes():
    # ComfyUI's nodes.load_custom_node: spec_from_file_location(<folder name>, <folder>/__init__.py)
    name = "atelier_under_comfyui"
    spec = importlib.util.spec_from_file_location(name, REPO / "__init__.py",
                                                  submodule_search_locations=[str(REPO)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        mappings = module.NODE_CLASS_MAPPINGS
        assert "AtelierSaveGLB" in mappings and set(mappings) == set(module.NODE_DISPLAY_NAME_MAPPINGS)
        # the classes come from the package loaded under ComfyUI's name, not from a top-level custom_nodes
        assert mappings["AtelierSaveGLB"].__module__.startswith(f"{name}.custom_nodes.")
    finally:
        for key in [k for k in sys.modules if k == name or k.startswith(f"{name}.")]:
            del sys.modules[key]
