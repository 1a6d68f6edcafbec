"""Collect every domain's nodes for ComfyUI and the local runner.

Each domain's ``nodes.py`` is imported on its own: a domain whose optional dependency is missing (no
Taichi, no torch…) is left out with one summary line in the log instead of taking the whole pack down.
"""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger("atelier")

#: Domains in load order; each is ``custom_nodes/<name>/nodes.py``.
DOMAINS = ("core", "pattern", "avatar", "cloth_sim", "render", "tryon", "fabric", "design")

NODE_CLASS_MAPPINGS: dict[str, type] = {}
NODE_DISPLAY_NAME_MAPPINGS: dict[str, str] = {}
#: Domain → reason, for every domain that failed to load (shown by ``install.py --check`` too).
FAILED: dict[str, str] = {}
#: Node id → domain, for contract tests and error messages.
NODE_DOMAIN: dict[str, str] = {}


def _load(domain: str) -> None:
    try:
        module = importlib.import_module(f".{domain}.nodes", __package__)
    except ModuleNotFoundError as exc:
        if exc.name and f"{__package__}.{domain}.nodes".startswith(exc.name):
            return  # domain not built yet: nothing to report
        FAILED[domain] = f"missing Python package '{exc.name}'"
        return
    except Exception as exc:  # a broken domain must not take the others down
        FAILED[domain] = f"{type(exc).__name__}: {exc}"
        return
    for node_id, cls in getattr(module, "NODE_CLASS_MAPPINGS", {}).items():
        if node_id in NODE_CLASS_MAPPINGS:
            FAILED[domain] = f"node id '{node_id}' is already registered by '{NODE_DOMAIN[node_id]}'"
            continue
        NODE_CLASS_MAPPINGS[node_id] = cls
        NODE_DOMAIN[node_id] = domain
        NODE_DISPLAY_NAME_MAPPINGS[node_id] = getattr(module, "NODE_DISPLAY_NAME_MAPPINGS", {}).get(node_id, node_id)


for _domain in DOMAINS:
    _load(_domain)

if FAILED:
    log.warning("Atelier: %d nodes loaded; skipped %s", len(NODE_CLASS_MAPPINGS),
                "; ".join(f"{d} ({why})" for d, why in FAILED.items()))
else:
    log.info("Atelier: %d nodes loaded", len(NODE_CLASS_MAPPINGS))
