"""Check this pack against a real, running ComfyUI (started with the pack linked in by install.py).

    python tools/comfyui_smoke.py --url http://127.0.0.1:8188 --input-dir /path/to/ComfyUI/input

1. every Atelier node's ``/object_info`` entry equals what ``custom_nodes/object_info.py`` generates;
2. a prompt mixing Atelier and core 3D nodes (LoadMesh → SaveGLB / → MESH → core SaveGLB → Preview3D)
   runs to success and produces both GLBs.
Exit status 0 when both hold. Talks only to the URL given (use a local server).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_nodes.core import examples  # noqa: E402
from custom_nodes.core.mesh_io import save_mesh  # noqa: E402
from custom_nodes.object_info import object_info  # noqa: E402


def _get(url: str):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8188")
    ap.add_argument("--input-dir", type=Path, required=True, help="the server's input folder")
    args = ap.parse_args()
    served, ours = _get(args.url + "/object_info"), object_info()
    bad = [nid for nid in ours if served.get(nid) != ours[nid]]
    print(f"object_info: {len(ours) - len(bad)}/{len(ours)} Atelier nodes identical" + (f"; differ: {bad}" if bad else ""))
    save_mesh(examples.box(), args.input_dir / "atelier_smoke_box.obj")
    prompt = {"1": {"class_type": "AtelierLoadMesh", "inputs": {"path": "atelier_smoke_box.obj"}},
              "2": {"class_type": "AtelierSaveGLB", "inputs": {"mesh": ["1", 0], "filename_prefix": "atelier/smoke"}},
              "3": {"class_type": "AtelierMeshToCoreMesh", "inputs": {"mesh": ["1", 0]}},
              "4": {"class_type": "SaveGLB", "inputs": {"mesh": ["3", 0], "filename_prefix": "mesh/atelier_smoke"}},
              "5": {"class_type": "Preview3D", "inputs": {"model_file": ["2", 0]}}}
    body = json.dumps({"prompt": prompt, "client_id": str(uuid.uuid4())}).encode()
    req = urllib.request.Request(args.url + "/prompt", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        prompt_id = json.load(r)["prompt_id"]
    for _ in range(120):
        history = _get(f"{args.url}/history/{prompt_id}")
        if history:
            break
        time.sleep(0.5)
    else:
        print("prompt did not finish within 60 s")
        return 1
    entry = history[prompt_id]
    print("prompt:", entry["status"]["status_str"], json.dumps(entry["outputs"]))
    ok = not bad and entry["status"]["status_str"] == "success" and {"2", "4"} <= set(entry["outputs"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
