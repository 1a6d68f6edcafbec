"""Atelier — digital-fashion node pack for ComfyUI.

ComfyUI imports this folder as a package (clone or link it into ``ComfyUI/custom_nodes/``); the nodes
come from ``custom_nodes/registry.py``. Everything below uses relative imports, because ComfyUI has a
``custom_nodes`` folder of its own.
"""

from .custom_nodes.registry import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS

WEB_DIRECTORY = None
__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"]
