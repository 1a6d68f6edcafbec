"""Atelier studio back end: the ComfyUI client, server choice and test helpers (no Gradio imports)."""
