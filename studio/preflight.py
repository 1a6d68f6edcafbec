"""Pre-flight: before a job is sent, say in plain words what a workflow needs that a backend lacks.

Given an API prompt and the ``/object_info`` of the backend that would run it (a ComfyUI server's,
or the local runner's), list the node packs to install and the model files to put in place — with
the folder, source and licence from ``models/manifest.json`` — instead of letting the job fail later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .validation import input_spec

KNOWN_PACKS = Path(__file__).with_name("known_packs.json")
MANIFEST = Path(__file__).resolve().parents[1] / "models" / "manifest.json"
#: Loader inputs whose combo lists are model files in a ComfyUI model folder.
MODEL_INPUTS = {"ckpt_name": "checkpoints", "control_net_name": "controlnet", "ipadapter_file": "ipadapter",
                "clip_name": "clip_vision", "model_name": "upscale_models", "vae_name": "vae",
                "lora_name": "loras", "unet_name": "diffusion_models"}


@dataclass
class Preflight:
    missing_packs: dict[str, list[str]] = field(default_factory=dict)  # pack → node types
    unknown_nodes: list[str] = field(default_factory=list)  # neither core, nor a known pack, nor ours
    missing_models: list[dict] = field(default_factory=list)  # {input, file, folder, source_url, licence}
    needs_comfyui: bool = False  # core nodes the backend lacks (the local runner, or an old ComfyUI)

    @property
    def ok(self) -> bool:
        return not (self.missing_packs or self.unknown_nodes or self.missing_models or self.needs_comfyui)

    def messages(self) -> list[str]:
        out = []
        if self.needs_comfyui:
            out.append("This workflow needs a running ComfyUI (it uses sampling/model nodes the local runner "
                       "does not have). Start ComfyUI and list its address in ATELIER_COMFYUI_URLS for the studio "
                       "(--server for python -m studio).")
        for pack, nodes in self.missing_packs.items():
            out.append(f"Install the node pack {pack} ({_packs()['packs'][pack]['install']}); "
                       f"needed for {', '.join(sorted(nodes))}.")
        if self.unknown_nodes:
            out.append(f"Unknown node types {', '.join(self.unknown_nodes)}: the pack that provides them is not installed.")
        for m in self.missing_models:
            where = f" from {m['source_url']} (licence: {m['licence']})" if m.get("source_url") else ""
            out.append(f"Model file '{m['file']}' is missing: put it in ComfyUI's models/{m['folder']}/{where}.")
        return out


@lru_cache(maxsize=1)
def _packs() -> dict:
    return json.loads(KNOWN_PACKS.read_text())


def manifest(path: Path = MANIFEST) -> list[dict]:
    if not path.is_file():
        return []
    data = json.loads(path.read_text())
    return data["models"] if isinstance(data, dict) else data


def _missing_nodes(prompt: dict, object_info: dict, result: Preflight) -> None:
    pack_of = {n: p for p, spec in _packs()["packs"].items() for n in spec["nodes"]}
    core = set(_packs()["core_nodes"])
    for class_type in sorted({e.get("class_type") for e in prompt.values()} - set(object_info)):
        if class_type in pack_of:
            result.missing_packs.setdefault(pack_of[class_type], []).append(class_type)
        elif class_type in core:
            result.needs_comfyui = True
        else:
            result.unknown_nodes.append(class_type)


def check(prompt: dict, object_info: dict, models: list[dict] | None = None) -> Preflight:
    """What ``prompt`` needs that the backend described by ``object_info`` lacks."""
    result = Preflight()
    _missing_nodes(prompt, object_info, result)
    by_file = {m["file"]: m for m in (manifest() if models is None else models)}
    for entry in prompt.values():
        info = object_info.get(entry.get("class_type"))
        if info is None:
            continue
        for name, value in entry.get("inputs", {}).items():
            if name not in MODEL_INPUTS or isinstance(value, list):
                continue
            try:
                _, choices, _ = input_spec(info, name)
            except KeyError:
                continue
            if isinstance(choices, list) and value not in choices:
                known = by_file.get(value, {})
                result.missing_models.append({"input": name, "file": value,
                                              "folder": known.get("folder", MODEL_INPUTS[name]),
                                              "source_url": known.get("source_url"), "licence": known.get("licence")})
    return result
