"""ComfyUI's two workflow formats and the conversion between them.

*API format* (what ``POST /prompt`` takes): ``{node_id: {"class_type", "inputs": {name: value | [src, slot]}}}``.
*UI format* (what the canvas saves and lists as templates): litegraph nodes with positions, ``links``,
``groups`` and ``widgets_values`` — the widget inputs' values in ``input_order`` (required, then optional),
with one extra entry after widgets that have ``control_after_generate`` (seeds) and after image-upload
combos. Converting needs the node schemas, so both directions take an ``/object_info`` mapping.

``api_to_ui`` lays a prompt out for people (columns by dependency depth, groups, Note nodes) and
``ui_to_api`` turns a saved UI workflow back into a prompt; the workflow tests check that the two
describe the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .validation import input_spec

UI_ONLY_TYPES = ("Note", "MarkdownNote", "Reroute", "PrimitiveNode")
WIDGET_KINDS = ("INT", "FLOAT", "STRING", "BOOLEAN", "COMBO")
COLUMN_WIDTH, ROW_GAP, NODE_WIDTH, ROW_WIDTH = 400, 40, 340, 3200


class WorkflowFormatError(ValueError):
    """A workflow file is not a ComfyUI workflow, or uses nodes the schema does not know."""


def is_widget(kind: Any) -> bool:
    return isinstance(kind, list) or kind in WIDGET_KINDS


def widget_names(info: dict) -> list[str]:
    """Widget inputs of a node, in the order ``widgets_values`` stores them."""
    names = []
    for section in ("required", "optional"):
        for name in info.get("input_order", {}).get(section, info.get("input", {}).get(section, {})):
            _, kind, _ = input_spec(info, name)
            if is_widget(kind):
                names.append(name)
    return names


def _extra_slot(info: dict, name: str) -> Any:
    """The frontend's extra widget value after ``name`` (seed control / upload button), or None."""
    _, _, opts = input_spec(info, name)
    if opts.get("control_after_generate"):
        return "fixed"
    if opts.get("image_upload"):
        return "image"
    return None


@dataclass
class Layout:
    """Optional presentation for ``api_to_ui``: titles, groups (title → node ids) and notes."""

    titles: dict[str, str] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # Note nodes placed above the graph


def _depths(prompt: dict) -> dict[str, int]:
    depth: dict[str, int] = {}

    def visit(nid: str, seen: frozenset) -> int:
        if nid in depth:
            return depth[nid]
        if nid in seen:
            raise WorkflowFormatError(f"dependency cycle through node {nid}")
        ups = [visit(str(v[0]), seen | {nid}) + 1 for v in prompt[nid].get("inputs", {}).values()
               if isinstance(v, list) and len(v) == 2]
        depth[nid] = max(ups, default=0)
        return depth[nid]

    for nid in prompt:
        visit(nid, frozenset())
    return depth


def _node_height(info: dict) -> int:
    rows = len(info.get("output", [])) + sum(len(v) for k, v in info.get("input", {}).items() if k != "hidden")
    return 60 + 24 * rows


def _positions(prompt: dict, depth: dict, layout: Layout, object_info: dict) -> dict[str, tuple[int, int]]:
    """Groups side by side, left to right in order; inside a group, columns by dependency depth."""
    grouped = [list(m) for m in layout.groups.values()]
    seen = {n for m in grouped for n in m}
    loose = [n for n in prompt if n not in seen]
    blocks = [m for m in grouped if m] + ([loose] if loose else [])
    blocks.sort(key=lambda m: max(depth[n] for n in m))  # a block's last step decides: upstream blocks first
    positions, x0, row_top, row_bottom = {}, 0, 200, 200
    for members in blocks:
        levels = sorted({depth[n] for n in members})
        if x0 and x0 + len(levels) * COLUMN_WIDTH > ROW_WIDTH:  # wrap into a new row of groups
            x0, row_top = 0, row_bottom + 120
        column_y: dict[int, int] = {}
        for n in sorted(members, key=lambda n: (depth[n], int(n) if n.isdigit() else n)):
            col = levels.index(depth[n])
            y = column_y.get(col, row_top)
            positions[n] = (x0 + col * COLUMN_WIDTH, y)
            column_y[col] = y + _node_height(object_info[prompt[n]["class_type"]]) + ROW_GAP
            row_bottom = max(row_bottom, column_y[col])
        x0 += len(levels) * COLUMN_WIDTH + 60
    return positions


def api_to_ui(prompt: dict, object_info: dict, layout: Layout | None = None) -> dict:
    """A readable UI workflow for ``prompt``: columns by dependency depth, groups and notes."""
    layout = layout or Layout()
    missing = sorted({e["class_type"] for e in prompt.values()} - set(object_info))
    if missing:
        raise WorkflowFormatError(f"no schema for {missing}")
    depth, ids = _depths(prompt), {nid: i + 1 for i, nid in enumerate(prompt)}
    positions = _positions(prompt, depth, layout, object_info)
    nodes, links = [], []
    for order, nid in enumerate(sorted(prompt, key=lambda n: (depth[n], ids[n]))):
        entry, info = prompt[nid], object_info[prompt[nid]["class_type"]]
        x, y = positions[nid]
        node = {"id": ids[nid], "type": entry["class_type"], "pos": [x, y], "size": [NODE_WIDTH, _node_height(info)],
                "flags": {}, "order": order, "mode": 0, "inputs": [], "outputs": [],
                "properties": {"Node name for S&R": entry["class_type"]}, "widgets_values": []}
        if nid in layout.titles:
            node["title"] = layout.titles[nid]
        for name in [n for s in ("required", "optional") for n in info.get("input_order", {}).get(s, [])]:
            _, kind, _ = input_spec(info, name)
            value = entry.get("inputs", {}).get(name)
            linked = isinstance(value, list) and len(value) == 2
            if is_widget(kind):
                node["widgets_values"].append(None if linked else value)
                if _extra_slot(info, name) is not None:
                    node["widgets_values"].append(_extra_slot(info, name))
            if linked or not is_widget(kind):
                slot = {"name": name, "type": "COMBO" if isinstance(kind, list) else kind, "link": None}
                if is_widget(kind):
                    slot["widget"] = {"name": name}
                if linked:
                    link_id = len(links) + 1
                    src = prompt[str(value[0])]
                    src_type = object_info[src["class_type"]]["output"][value[1]]
                    links.append([link_id, ids[str(value[0])], value[1], ids[nid], len(node["inputs"]), src_type])
                    slot["link"] = link_id
                node["inputs"].append(slot)
        for slot, (kind, name) in enumerate(zip(info["output"], info["output_name"])):
            node["outputs"].append({"name": name, "type": kind, "slot_index": slot,
                                    "links": []})
        nodes.append(node)
    by_id = {n["id"]: n for n in nodes}
    for lk in links:
        by_id[lk[1]]["outputs"][lk[2]]["links"].append(lk[0])
    _add_notes_and_groups(nodes, layout, ids, by_id)
    return {"last_node_id": max(n["id"] for n in nodes), "last_link_id": len(links), "nodes": nodes,
            "links": links, "groups": _groups(layout, ids, by_id), "config": {},
            "extra": {"ds": {"scale": 0.8, "offset": [0, 0]}}, "version": 0.4}


def _add_notes_and_groups(nodes: list, layout: Layout, ids: dict, by_id: dict) -> None:
    next_id = max(ids.values()) + 1
    for i, text in enumerate(layout.notes):
        nodes.append({"id": next_id, "type": "Note", "pos": [i * 420, -160], "size": [400, 140], "flags": {},
                      "order": len(nodes), "mode": 0, "inputs": [], "outputs": [], "properties": {},
                      "widgets_values": [text], "color": "#432", "bgcolor": "#653"})
        by_id[next_id] = nodes[-1]
        next_id += 1


def _groups(layout: Layout, ids: dict, by_id: dict) -> list[dict]:
    colours = ["#3f789e", "#8A8", "#a1309b", "#b58b2a", "#88A", "#b06634"]
    groups = []
    for i, (title, members) in enumerate(layout.groups.items()):
        boxes = [by_id[ids[m]] for m in members if m in ids]
        if not boxes:
            continue
        x0 = min(b["pos"][0] for b in boxes) - 20
        y0 = min(b["pos"][1] for b in boxes) - 60
        x1 = max(b["pos"][0] + b["size"][0] for b in boxes) + 20
        y1 = max(b["pos"][1] + b["size"][1] for b in boxes) + 20
        groups.append({"title": title, "bounding": [x0, y0, x1 - x0, y1 - y0], "color": colours[i % len(colours)],
                       "font_size": 24, "flags": {}})
    return groups


def ui_to_api(workflow: dict, object_info: dict) -> dict:
    """The API-format prompt a UI workflow describes (UI-only nodes such as Note are dropped)."""
    if not isinstance(workflow, dict) or "nodes" not in workflow or "links" not in workflow:
        raise WorkflowFormatError("not a ComfyUI UI workflow (no 'nodes'/'links')")
    links = {lk[0]: lk for lk in workflow["links"]}
    prompt = {}
    for node in workflow["nodes"]:
        if node["type"] in UI_ONLY_TYPES or node.get("mode", 0) in (2, 4):  # muted / bypassed
            continue
        info = object_info.get(node["type"])
        if info is None:
            raise WorkflowFormatError(f"node {node['id']} has unknown type '{node['type']}'")
        inputs: dict[str, Any] = {}
        values = list(node.get("widgets_values", []))
        for name in widget_names(info):
            if not values:
                raise WorkflowFormatError(f"node {node['id']} ({node['type']}) has too few widget values")
            inputs[name] = values.pop(0)
            if _extra_slot(info, name) is not None and values:
                values.pop(0)
        for slot in node.get("inputs", []):
            if slot.get("link") is not None:
                lk = links[slot["link"]]
                inputs[slot["name"]] = [str(lk[1]), lk[2]]
        prompt[str(node["id"])] = {"class_type": node["type"], "inputs": inputs}
    return prompt
