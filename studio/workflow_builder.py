"""Write workflows in Python once; get both ComfyUI formats from the same definition.

    g = Graph("drape_preview")
    garment = g.add("AtelierPatternTemplate", "Garment", group="Pattern", template="tshirt")
    g.add("SaveImage", "Save", images=preview[0], filename_prefix="atelier/preview")
    g.note("Pick a template and a size, then Queue.")
    api, ui = g.api(), g.ui(object_info)

Node ids are "1", "2", … in insertion order, titles go to ``_meta.title`` (API) and ``title`` (UI).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .workflow_format import Layout, api_to_ui, is_widget


@dataclass(frozen=True)
class Ref:
    """A node in a Graph; ``ref[i]`` is its output slot i (``ref`` alone means slot 0)."""

    node_id: str

    def __getitem__(self, slot: int) -> list:
        return [self.node_id, slot]


class Graph:
    def __init__(self, name: str):
        self.name = name
        self.nodes: dict[str, dict] = {}
        self.layout = Layout()

    def add(self, class_type: str, title: str, group: str | None = None, **inputs: Any) -> Ref:
        node_id = str(len(self.nodes) + 1)
        resolved = {k: (v[0] if isinstance(v, Ref) else v) for k, v in inputs.items() if v is not None}
        self.nodes[node_id] = {"class_type": class_type, "inputs": resolved, "_meta": {"title": title}}
        self.layout.titles[node_id] = title
        if group:
            self.layout.groups.setdefault(group, []).append(node_id)
        return Ref(node_id)

    def note(self, text: str) -> None:
        self.layout.notes.append(text)

    def api(self, object_info: dict | None = None) -> dict:
        """API format; with ``object_info``, widgets left out get their schema default, as the canvas would."""
        out = {}
        for nid, entry in self.nodes.items():
            inputs = dict(entry["inputs"])
            info = (object_info or {}).get(entry["class_type"]) or {}
            specs = {**info.get("input", {}).get("required", {}), **info.get("input", {}).get("optional", {})}
            for name, spec in specs.items():
                if name in inputs or not is_widget(spec[0]):
                    continue
                opts = spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}
                if "default" in opts:
                    inputs[name] = opts["default"]
                elif isinstance(spec[0], list) and spec[0]:
                    inputs[name] = spec[0][0]
            out[nid] = {"class_type": entry["class_type"], "inputs": inputs, "_meta": dict(entry["_meta"])}
        return out

    def ui(self, object_info: dict) -> dict:
        plain = {nid: {"class_type": e["class_type"], "inputs": e["inputs"]} for nid, e in self.api(object_info).items()}
        workflow = api_to_ui(plain, object_info, self.layout)
        workflow["extra"]["atelier"] = {"workflow": self.name}
        return workflow
