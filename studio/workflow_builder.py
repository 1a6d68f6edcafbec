"""Write workflows in Python once; get both ComfyUI formats from the same definition.

    g = Graph("drape_preview")
    garment = g.add("AtelierPatternTemplate", "Garment", group="Pattern", template="tshirt")
    g.add("SaveImage", "Save", images=preview[0], filename_prefix="atelier/preview")
    g.note("Pick a template and a size, then Queue.")
    api, ui = g.api(), g.ui(object_info)

Node ids are "1", "2", … in insertion order, titles go to ``_meta.title`` (API) and ``title`` (UI).

With :class:`PackIds`, every node of the UI file names the pack it comes from the way ComfyUI saves it
(ComfyUI-Manager's ``workflow-metadata.js``, read back by ComfyUI_frontend's missing-nodes dialog):
``properties = {"cnr_id": "comfy-core", "ver": "<ComfyUI version>", "Node name for S&R": …}`` for core
nodes, the pack's Comfy Registry id (``cnr_id``) — or ``aux_id: "owner/repo"`` for a GitHub pack that is
not in the registry — for the others. UI-only nodes (Note) have no pack and get none.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .workflow_format import UI_ONLY_TYPES, Layout, WorkflowFormatError, api_to_ui, is_widget

#: Core ComfyUI: what ``python_module`` starts with for its nodes (``nodes``, ``comfy_extras.nodes_mask``…).
CORE_MODULES = ("nodes", "comfy_extras", "comfy_api_nodes")
COMFY_CORE = "comfy-core"

#: The third-party packs our workflows use — one table (``studio/known_packs.json``, also read by pre-flight and
#: ``install.py --check``) for the UI files' ``cnr_id`` and the README. Keyed by the folder ComfyUI imports the
#: pack from (``python_module = "custom_nodes.<folder>"`` in the recorded /object_info); ``cnr_id`` is the pack's
#: Comfy Registry id (its pyproject ``[project].name``). No ``ver``: the recorded schemas do not say which
#: release they came from.
THIRD_PARTY_PACKS: dict[str, dict[str, str]] = {
    folder: {"cnr_id": spec["cnr_id"], "repository": spec["repository"]}
    for folder, spec in json.loads(Path(__file__).with_name("known_packs.json").read_text())["packs"].items()}


def github_aux_id(url: str) -> str | None:
    """``owner/repo`` of a GitHub repository URL (the form ``aux_id`` takes), else None."""
    m = re.match(r"^(?:https?://|git@)github\.com[/:]([^/]+)/([^/]+?)(?:\.git)?/?$", url.strip())
    return f"{m.group(1)}/{m.group(2)}" if m else None


@dataclass(frozen=True)
class PackIds:
    """Where each node type comes from, for the UI files' ``cnr_id``/``aux_id``/``ver`` properties."""

    core_version: str  # the ComfyUI release the schemas were recorded from
    own: dict[str, str]  # this pack's id: {"cnr_id": …, "ver": …} or {"aux_id": "owner/repo", "ver": …}
    own_nodes: frozenset[str] = frozenset()  # our node types
    core_nodes: frozenset[str] = frozenset()  # core types whose schema is our stand-in's (LoadImage)
    third_party: dict[str, dict[str, str]] = field(default_factory=lambda: THIRD_PARTY_PACKS)

    def source(self, class_type: str, info: dict) -> dict[str, str]:
        """``{"cnr_id"|"aux_id": …[, "ver": …]}`` for a node type with schema ``info``."""
        module = str(info.get("python_module", ""))
        if class_type in self.core_nodes or module.split(".")[0] in CORE_MODULES:
            return {"cnr_id": COMFY_CORE, "ver": self.core_version}
        if class_type in self.own_nodes:
            return dict(self.own)
        folder = module.split(".")[1] if module.startswith("custom_nodes.") else ""
        pack = self.third_party.get(folder)
        if pack is None:
            raise WorkflowFormatError(f"{class_type} comes from '{module}', a pack missing from THIRD_PARTY_PACKS "
                                      "(studio/workflow_builder.py): add its registry id and repository")
        ids = {"cnr_id": pack["cnr_id"]} if pack.get("cnr_id") else {"aux_id": github_aux_id(pack["repository"])}
        return {**ids, **({"ver": pack["ver"]} if pack.get("ver") else {})}


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

    def ui(self, object_info: dict, packs: PackIds | None = None) -> dict:
        """UI format; with ``packs``, each node's properties name its pack (``cnr_id``/``aux_id``, ``ver``)."""
        plain = {nid: {"class_type": e["class_type"], "inputs": e["inputs"]} for nid, e in self.api(object_info).items()}
        workflow = api_to_ui(plain, object_info, self.layout)
        if packs is not None:
            for node in workflow["nodes"]:
                if node["type"] not in UI_ONLY_TYPES:
                    node["properties"] = {**packs.source(node["type"], object_info[node["type"]]),
                                          **node["properties"]}
        workflow["extra"]["atelier"] = {"workflow": self.name}
        return workflow
