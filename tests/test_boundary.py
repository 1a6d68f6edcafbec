"""Engine modules import nothing from ComfyUI; only node wrappers (lazily) and two bridges may."""

from __future__ import annotations

import ast
from pathlib import Path

COMFY_MODULES = {"comfy", "comfy_api", "comfy_extras", "folder_paths", "server", "nodes", "execution"}
ROOT = Path(__file__).resolve().parents[1] / "custom_nodes"
#: Bridges that reach ComfyUI on purpose, lazily and guarded: progress bar/interrupt and folder paths.
BRIDGES = {"core/progress.py", "core/paths.py"}


def comfy_imports(source: str) -> list[tuple[int, str, bool]]:
    """(line, module, at_top_level) for each ComfyUI import in ``source``."""
    tree = ast.parse(source)
    top = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            if name.split(".")[0] in COMFY_MODULES:
                found.append((node.lineno, name, id(node) in top))
    return found


def test_engine_modules_import_no_comfyui():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        imports = comfy_imports(path.read_text())
        if path.name == "nodes.py" or rel in BRIDGES:
            offenders += [f"{rel}:{line} imports {mod} at module level" for line, mod, top in imports if top]
        else:
            offenders += [f"{rel}:{line} imports {mod}" for line, mod, _ in imports]
    assert offenders == []


def test_checker_sees_imports():
    src = "import numpy\nimport folder_paths\ndef f():\n    from comfy.utils import ProgressBar\n"
    assert comfy_imports(src) == [(2, "folder_paths", True), (4, "comfy.utils", False)]


def test_package_imports_are_relative():
    """ComfyUI has its own top-level ``custom_nodes``: our pack must never import itself by that name."""
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("custom_nodes"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Import) and any(a.name.startswith("custom_nodes") for a in node.names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
