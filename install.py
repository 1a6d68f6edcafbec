"""Set up Atelier. Idempotent: running it twice changes nothing the second time.

    python install.py                    install requirements.txt into this Python (what ComfyUI-Manager runs)
    python install.py --comfyui PATH     link this pack into PATH/custom_nodes and add models/ to its model paths
    python install.py --check            show installed / missing packages, node domains and model files
    python install.py models [--download] [--only ID …]
                                         list the weights in models/manifest.json that are missing; with
                                         --download fetch them (by hand-run only; SHA-256 verified)

Installing never downloads model weights; ``python install.py models --download`` does, only when a
person runs it, verifying each file's size and SHA-256 where the manifest has them.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent
PACK_NAME = "atelier"
#: ComfyUI model folders that our models/ directory provides (extra_model_paths.yaml section).
MODEL_FOLDERS = ("checkpoints", "controlnet", "ipadapter", "clip_vision", "loras", "upscale_models",
                 "vae", "atelier")


def requirement_names(path: Path = REPO / "requirements.txt") -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0])
    return names


def install_requirements() -> int:
    """pip-install requirements.txt into the running interpreter (ComfyUI's, under ComfyUI-Manager)."""
    cmd = [sys.executable, "-m", "pip", "install", "-r", str(REPO / "requirements.txt")]
    print("running:", " ".join(cmd))
    return subprocess.call(cmd)


def link_into_comfyui(comfyui: Path) -> None:
    """Symlink the repo as ``custom_nodes/atelier`` and register ``models/`` in extra_model_paths.yaml."""
    comfyui = comfyui.expanduser().resolve()
    if not (comfyui / "main.py").is_file() or not (comfyui / "custom_nodes").is_dir():
        raise SystemExit(f"error: {comfyui} does not look like a ComfyUI folder (no main.py or custom_nodes/)")
    link = comfyui / "custom_nodes" / PACK_NAME
    if link.is_symlink() and link.resolve() == REPO:
        print(f"already linked: {link}")
    elif link.exists() or link.is_symlink():
        raise SystemExit(f"error: {link} exists and is not a link to {REPO}; move it away first")
    else:
        link.symlink_to(REPO, target_is_directory=True)
        print(f"linked {link} -> {REPO}")
    write_model_paths(comfyui / "extra_model_paths.yaml")


def write_model_paths(path: Path) -> None:
    import yaml

    config = {}
    if path.is_file():
        config = yaml.safe_load(path.read_text()) or {}
        if not isinstance(config, dict):
            raise SystemExit(f"error: {path} is not a YAML mapping; fix or remove it first")
    section = {"base_path": str(REPO / "models"), **{f: f for f in MODEL_FOLDERS}}
    if config.get(PACK_NAME) == section:
        print(f"model paths already registered in {path}")
        return
    config[PACK_NAME] = section
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(config, sort_keys=False))
    os.replace(tmp, path)
    print(f"registered {REPO / 'models'} in {path}")


def manifest_entries() -> list[dict]:
    path = REPO / "models" / "manifest.json"
    if not path.is_file():
        return []
    data = json.loads(path.read_text())
    return data["models"] if isinstance(data, dict) else data


def model_path(entry: dict) -> Path:
    return REPO / "models" / entry["folder"] / entry["file"]


def download(entry: dict, timeout: float = 60.0, chunk: int = 1 << 20) -> Path:
    """Fetch one manifest entry's ``download_url`` into models/, verified, atomically.

    The bytes go to ``<file>.part`` first; only a file whose size and SHA-256 match the manifest (where
    it states them) is renamed into place. A mismatch deletes the partial file and raises.
    """
    import hashlib
    import urllib.request

    url = entry.get("download_url")
    if not url:
        raise RuntimeError(f"{entry['id']}: no download_url; get it by hand from {entry.get('source_url')}")
    target = model_path(entry)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest, size = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply, part.open("wb") as out:
            while block := reply.read(chunk):
                out.write(block)
                digest.update(block)
                size += len(block)
        if entry.get("size_bytes") not in (None, size):
            raise RuntimeError(f"{entry['id']}: got {size} bytes, the manifest says {entry['size_bytes']}")
        if entry.get("sha256") not in (None, digest.hexdigest()):
            raise RuntimeError(f"{entry['id']}: SHA-256 {digest.hexdigest()} does not match the manifest's {entry['sha256']}")
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return target


def models_command(download_missing: bool, only: list[str] | None) -> int:
    entries = [e for e in manifest_entries() if not only or e["id"] in only]
    missing = [e for e in entries if not model_path(e).is_file()]
    for e in entries:
        state = "missing " if e in missing else "ok      "
        licence = e.get("licence", "?") + ("" if e.get("commercial_use", True) else ", NOT for commercial use")
        print(f"  {state} models/{e['folder']}/{e['file']}  [{licence}]  {e.get('source_url', '')}")
    if not download_missing:
        return 1 if missing else 0
    failed = 0
    for e in missing:
        try:
            print(f"downloading {e['id']} -> {download(e)}")
        except Exception as exc:  # report and go on with the next file
            print(f"error: {exc}")
            failed += 1
    return 1 if failed else 0


def check() -> int:
    """Print what is installed and what is missing; exit status 1 when a package is missing."""
    missing = 0
    print("Python packages:")
    for name in requirement_names():
        try:
            print(f"  ok       {name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            print(f"  MISSING  {name}")
            missing += 1
    sys.path.insert(0, str(REPO))
    from custom_nodes import registry

    print(f"Nodes: {len(registry.NODE_CLASS_MAPPINGS)} loaded")
    for domain, why in registry.FAILED.items():
        print(f"  FAILED   {domain}: {why}")
    entries = manifest_entries()
    print(f"Models ({len(entries)} in models/manifest.json):")
    for e in entries:
        here = (REPO / "models" / e["folder"] / e["file"]).is_file()
        state = "ok      " if here else "missing "
        print(f"  {state} {e['folder']}/{e['file']}  ({e.get('licence', '?')}; {e.get('source_url', '?')})")
    return 1 if missing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comfyui", type=Path, help="ComfyUI folder to link this pack into")
    parser.add_argument("--check", action="store_true", help="report what is installed and what is missing")
    parser.add_argument("command", nargs="?", choices=["models"], help="'models': list (and --download) weights")
    parser.add_argument("--download", action="store_true", help="with 'models': download what is missing")
    parser.add_argument("--only", nargs="+", metavar="ID", help="with 'models': only these manifest ids")
    args = parser.parse_args(argv)
    if args.command == "models":
        return models_command(args.download, args.only)
    if args.check:
        return check()
    if args.comfyui:
        link_into_comfyui(args.comfyui)
        return 0
    return install_requirements()


if __name__ == "__main__":
    sys.exit(main())
