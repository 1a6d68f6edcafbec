"""Our nodes' ``/object_info`` entries, in exactly the format ComfyUI 0.3.64 serves for V1 nodes.

Used by workflow validation, the studio's pre-flight check and the local runner, so all three see what
a real ComfyUI would report for this pack.
"""

from __future__ import annotations

from typing import Any

PYTHON_MODULE = "custom_nodes.atelier"


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
