"""Write every workflow in ``studio/workflow_defs.py`` in both ComfyUI formats (and a picture of each).

    python tools/build_workflows.py            writes workflows/<name>.json (UI) and workflows/api/<name>.json
    python tools/build_workflows.py --images   also docs/images/workflows/<name>.png

The schemas come from ComfyUI's recorded /object_info (tests/fixtures/comfyui) plus our own nodes, so the UI
files lay out widgets exactly as the canvas expects. Tests fail when the files are out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from studio.workflow_defs import WORKFLOWS  # noqa: E402


RECORDED = REPO / "tests" / "fixtures" / "comfyui"  # what a real ComfyUI 0.3.64 answered (README there)


def schemas(recorded: Path = RECORDED) -> dict:
    """Core + third-party recorded object_info, the local runner's core stand-ins, and our nodes."""
    from studio.runner import LocalRunner

    info = json.loads((recorded / "object_info.json").read_text())
    info.update(json.loads((recorded / "object_info_third_party.json").read_text()))
    ours = LocalRunner().object_info()
    for name, entry in ours.items():
        info.setdefault(name, entry)  # recorded core schemas win; LoadImage is missing from the recording
    return info


def render_all(object_info: dict) -> dict[str, tuple[str, str]]:
    """name → (UI JSON text, API JSON text)."""
    out = {}
    for name, build in WORKFLOWS.items():
        graph = build()
        out[name] = (json.dumps(graph.ui(object_info), indent=1) + "\n",
                     json.dumps(graph.api(object_info), indent=1) + "\n")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", action="store_true")
    ap.add_argument("--recorded", type=Path, default=RECORDED,
                    help="folder with a real ComfyUI's object_info.json and object_info_third_party.json")
    args = ap.parse_args()
    info = schemas(args.recorded)
    (REPO / "workflows" / "api").mkdir(parents=True, exist_ok=True)
    for name, (ui, api) in render_all(info).items():
        (REPO / "workflows" / f"{name}.json").write_text(ui)
        (REPO / "workflows" / "api" / f"{name}.json").write_text(api)
        if args.images:
            from studio.workflow_image import render

            render(json.loads(ui), REPO / "docs" / "images" / "workflows" / f"{name}.png")
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
