"""The repository stands alone: no code reads the workspace folder it was born in.

Everything the tests and tools need lives in the checkout: recorded ComfyUI answers in ``tests/fixtures/comfyui``,
real patterns in ``corpus/``. This test fails on any code file that still points outside the checkout.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CODE_SUFFIXES = {".py", ".sh", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".json", ".mjs", ".js"}
CODE_NAMES = {"Makefile", "run"}
# the variable that used to name that folder, a path into it, or a join of "shared" onto a parent folder
FORBIDDEN = re.compile("|".join([
    "ATELIER_" + "SHARED_DIR",
    r"\.\./" + "shared",
    "/work/" + "shared",
    r"""parent\s*/\s*["']""" + "shared",
    r"""/\s*["']""" + "shared" + r"""["']""",
]))


def _tracked_code() -> list[Path]:
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.split("\n")
    out = []
    for name in names:
        path = REPO / name
        if name and path.is_file() and (path.suffix in CODE_SUFFIXES or path.name in CODE_NAMES) \
                and not name.startswith(("corpus/", "tests/fixtures/")):
            out.append(path)
    return out


def offending_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if FORBIDDEN.search(line)]


def test_the_rule_catches_the_old_lookups():
    word = "sha" + "red"  # spelt in two halves so this file does not trip its own rule
    old = (f'SHARED = Path(os.environ.get("ATELIER_{word.upper()}_DIR", REPO.parent / "{word}"))\n'
           f'make_pictures(out, "../{word}")\n'
           f'candidate = ancestor / "{word}" / "comfyui"\n')
    assert len(offending_lines(old)) == 3
    assert offending_lines('x = shared_path  # a shared cache\nfrom .filters import shared_edges\n') == []


def test_no_code_reads_outside_the_checkout():
    files = _tracked_code()
    assert len(files) > 100  # the listing really found the code
    bad = {str(p.relative_to(REPO)): lines for p in files
           if (lines := offending_lines(p.read_text(encoding="utf-8", errors="replace")))}
    assert bad == {}, f"code that reads outside the repository: {bad}"
