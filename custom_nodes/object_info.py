"""Our nodes' ``/object_info`` entries, in exactly the format ComfyUI 0.3.64 serves for V1 nodes.

Used by workflow validation, the studio's pre-flight check and the local runner, so all three see what
a real ComfyUI would report for this pack.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def pack_module_name(file: str = __file__) -> str:
    """``custom_nodes.<folder>``: the ``python_module`` ComfyUI reports for this pack's nodes.

    ComfyUI names a pack after its entry in ``custom_nodes/``: ``module_path`` is that folder joined with
    the entry's name (nodes.py:2225), ``get_module_name`` keeps its basename (nodes.py:2105-2108) and
    ``load_custom_node`` sets ``RELATIVE_PYTHON_MODULE = "custom_nodes.<name>"`` (nodes.py:2164), which
    ``/object_info`` serves (server.py:605; Comfy-Org/ComfyUI a125cd8, v0.3.64). The entry is never
    resolved, so a symlinked pack goes by the link's name, and the package is loaded from that
    unresolved path (nodes.py:2126), so this file's own path ends in ``<name>/custom_nodes/object_info.py``.
    Outside ComfyUI the name is the repository folder's, as if it were cloned into ``custom_nodes/``.
    """
    return f"custom_nodes.{Path(os.path.abspath(file)).parents[1].name}"


#: What ComfyUI would report for a class it has not stamped with ``RELATIVE_PYTHON_MODULE`` itself.
PYTHON_MODULE = pack_module_name()


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def node_info(node_id: str, cls: type, display_name: str | None = None) -> dict[str, Any]:
    """One node's entry, mirroring ComfyUI's ``server.node_info`` for a V1 class."""
    spec = cls.INPUT_TYPES()
    info: dict[str, Any] = {
        "input": {k: _jsonable(v) for k, v in spec.items()},
        "input_order": {k: list(v.keys()) for k, v in spec.items()},
        "output": list(cls.RETURN_TYPES),
        "output_is_list": list(getattr(cls, "OUTPUT_IS_LIST", [False] * len(cls.RETURN_TYPES))),
        "output_name": list(getattr(cls, "RETURN_NAMES", cls.RETURN_TYPES)),
        "name": node_id,
        "display_name": display_name or node_id,
        "description": getattr(cls, "DESCRIPTION", ""),
        "python_module": getattr(cls, "RELATIVE_PYTHON_MODULE", PYTHON_MODULE),
        "category": getattr(cls, "CATEGORY", "sd"),
        "output_node": bool(getattr(cls, "OUTPUT_NODE", False)),
    }
    if hasattr(cls, "OUTPUT_TOOLTIPS"):
        info["output_tooltips"] = list(cls.OUTPUT_TOOLTIPS)
    if getattr(cls, "DEPRECATED", False):
        info["deprecated"] = True
    if getattr(cls, "EXPERIMENTAL", False):
        info["experimental"] = True
    return info


def object_info(mappings: dict[str, type] | None = None, names: dict[str, str] | None = None) -> dict[str, Any]:
    """``/object_info`` for every registered Atelier node (or the given mappings)."""
    if mappings is None:
        from .registry import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS

        mappings, names = NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS
    names = names or {}
    return {nid: node_info(nid, cls, names.get(nid)) for nid, cls in mappings.items()}
