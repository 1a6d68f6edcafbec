"""Saved workflows: find them, load them, and set their inputs by node title or id.

API-format files live in ``workflows/api/<name>.json``. Nodes carry ComfyUI's ``_meta.title`` so a
script can say ``Garment.template=hoodie`` instead of ``12.template=hoodie``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

WORKFLOWS_DIR = Path(__file__).resolve().parents[1] / "workflows"


class WorkflowError(ValueError):
    """A workflow name, file or setting that cannot be used; the message says which and why."""


def available(folder: Path = WORKFLOWS_DIR) -> list[str]:
    return sorted(p.stem for p in (folder / "api").glob("*.json"))


def load(name_or_path: str | Path, folder: Path = WORKFLOWS_DIR) -> dict:
    """An API-format prompt from a workflow name (``drape_preview``) or a path to a JSON file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = folder / "api" / f"{name_or_path}.json"
    if not path.is_file():
        raise WorkflowError(f"no workflow '{name_or_path}' (looked for {path}); available: {available(folder)}")
    try:
        prompt = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise WorkflowError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(prompt, dict) or not all(isinstance(v, dict) and "class_type" in v for v in prompt.values()):
        raise WorkflowError(f"{path}: not an API-format workflow (expected {{id: {{class_type, inputs}}}})")
    return prompt


def find_node(prompt: dict, ref: str) -> str:
    """Node id for ``ref``: an id, or a unique ``_meta.title`` / class type."""
    if ref in prompt:
        return ref
    for key in ("title", "class_type"):
        hits = [nid for nid, e in prompt.items()
                if (e.get("_meta", {}).get("title") if key == "title" else e["class_type"]) == ref]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise WorkflowError(f"'{ref}' matches several nodes ({', '.join(hits)}); use the node id")
    titles = sorted(e.get("_meta", {}).get("title", e["class_type"]) for e in prompt.values())
    raise WorkflowError(f"no node '{ref}' in the workflow; nodes: {', '.join(titles)}")


def parse_value(text: str) -> Any:
    """``--set`` values: JSON when it parses (numbers, true/false, lists), else the plain string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def with_settings(prompt: dict, settings: dict[str, Any]) -> dict:
    """A copy of ``prompt`` with ``{"Node.input": value}`` applied; links cannot be overwritten by mistake."""
    out = copy.deepcopy(prompt)
    for key, value in settings.items():
        if "." not in key:
            raise WorkflowError(f"setting '{key}' must look like NODE.INPUT (e.g. Garment.template)")
        ref, name = key.rsplit(".", 1)
        nid = find_node(out, ref)
        inputs = out[nid].setdefault("inputs", {})
        if isinstance(inputs.get(name), list) and not isinstance(value, list):
            raise WorkflowError(f"{key} is a connection from another node, not a setting")
        inputs[name] = value
    return out
