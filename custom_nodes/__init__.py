"""Atelier's node pack: one sub-package per domain (core, pattern, avatar, cloth_sim, render, tryon, fabric).

Engine modules take and return NumPy arrays and frozen dataclasses from ``core``; only each domain's
``nodes.py`` knows about ComfyUI. ``registry.py`` gathers the nodes for ComfyUI and the local runner.
"""
