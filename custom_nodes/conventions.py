"""The rules every Atelier node follows, as a checker the contract tests (and reviewers) run.

``node_problems(node_id, cls, core_info)`` returns a list of plain-language problems; an empty list
means the node follows the conventions in DESIGN.md: prefix-first id, ``Atelier/<domain>`` category,
a description, a tooltip on every input, ComfyUI-valid input specs, and our own socket types
prefixed ``ATELIER_`` (core types only where the value is exactly what core passes).
"""

from __future__ import annotations

import re

CATEGORIES = ("Atelier/Pattern", "Atelier/Avatar", "Atelier/Cloth", "Atelier/Render", "Atelier/TryOn",
              "Atelier/Fabric", "Atelier/Design", "Atelier/IO")
WIDGET_TYPES = ("INT", "FLOAT", "STRING", "BOOLEAN")
#: Core / popular-pack socket types whose values we pass exactly as their owners define them.
CORE_SOCKETS = ("IMAGE", "MASK", "MESH", "STRING", "INT", "FLOAT", "BOOLEAN", "POSE_KEYPOINT", "LATENT",
                "CONDITIONING", "VIDEO", "LOAD3D_CAMERA", "*")
_TYPE_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _socket_problem(kind: str, where: str, core_types: set[str]) -> str | None:
    if not isinstance(kind, str) or not _TYPE_NAME.match(kind):
        return f"{where}: type {kind!r} is not an upper-case socket name"
    if kind.startswith("ATELIER_") or kind in core_types:
        return None
    return f"{where}: socket type '{kind}' is neither ATELIER_-prefixed nor a core type"


def _input_problems(name: str, spec, option_keys: set[str], core_types: set[str]) -> list[str]:
    where = f"input '{name}'"
    if not isinstance(spec, (tuple, list)) or not 1 <= len(spec) <= 2:
        return [f"{where}: spec must be (type,) or (type, options)"]
    kind, opts = spec[0], (spec[1] if len(spec) == 2 else {})
    problems = []
    if not isinstance(opts, dict):
        return [f"{where}: options must be a dict"]
    if not opts.get("tooltip"):
        problems.append(f"{where}: no tooltip")
    unknown = set(opts) - option_keys
    if unknown:
        problems.append(f"{where}: options {sorted(unknown)} are not ComfyUI widget options")
    if isinstance(kind, (list, tuple)):
        if not kind or not all(isinstance(c, str) for c in kind):
            problems.append(f"{where}: a combo needs a non-empty list of strings")
        elif "default" in opts and opts["default"] not in kind:
            problems.append(f"{where}: default {opts['default']!r} is not among the choices")
        return problems
    problem = _socket_problem(kind, where, core_types)
    if problem:
        problems.append(problem)
    if kind in ("INT", "FLOAT"):
        missing = [k for k in ("default", "min", "max") if k not in opts]
        if missing:
            problems.append(f"{where}: numeric widget without {missing}")
        elif not opts["min"] <= opts["default"] <= opts["max"]:
            problems.append(f"{where}: default {opts['default']} outside [{opts['min']}, {opts['max']}]")
    return problems


def node_problems(node_id: str, cls: type, option_keys: set[str], core_types: set[str] | None = None) -> list[str]:
    """Everything ``cls`` (registered as ``node_id``) does against the conventions."""
    core = set(CORE_SOCKETS) | set(core_types or ())
    problems = []
    if not re.match(r"^Atelier[A-Z][A-Za-z0-9]+$", node_id):
        problems.append(f"id '{node_id}' is not 'Atelier' + CamelCase")
    if getattr(cls, "CATEGORY", None) not in CATEGORIES:
        problems.append(f"category {getattr(cls, 'CATEGORY', None)!r} is not one of {CATEGORIES}")
    if not getattr(cls, "DESCRIPTION", "").strip():
        problems.append("no DESCRIPTION")
    if not callable(getattr(cls, getattr(cls, "FUNCTION", ""), None)):
        problems.append(f"FUNCTION {getattr(cls, 'FUNCTION', None)!r} is not a method")
    returns = getattr(cls, "RETURN_TYPES", None)
    if not isinstance(returns, tuple):
        return problems + ["RETURN_TYPES must be a tuple"]
    if len(getattr(cls, "RETURN_NAMES", returns)) != len(returns):
        problems.append("RETURN_NAMES and RETURN_TYPES differ in length")
    if not returns and not getattr(cls, "OUTPUT_NODE", False):
        problems.append("returns nothing but is not an OUTPUT_NODE")
    for i, kind in enumerate(returns):
        p = _socket_problem(kind, f"output {i}", core)
        if p:
            problems.append(p)
    spec = cls.INPUT_TYPES()
    if set(spec) - {"required", "optional", "hidden"}:
        problems.append(f"INPUT_TYPES has unknown sections {sorted(set(spec) - {'required', 'optional', 'hidden'})}")
    for section in ("required", "optional"):
        for name, entry in spec.get(section, {}).items():
            problems += _input_problems(name, entry, option_keys, core)
    return problems
