"""Set up Atelier. Idempotent: running it twice changes nothing the second time.

    python install.py                    install requirements.txt into this Python (what ComfyUI-Manager runs)
    python install.py --comfyui PATH     link this pack into PATH/custom_nodes and add models/ to its model paths
    python install.py --check [--comfyui PATH]
                                         show installed / missing packages, node domains and model files;
                                         inside ComfyUI (or PATH) also the node packs each workflow needs
    python install.py models [--download] [--only ID …]
                                         list the weights in models/manifest.json that are missing; with
                                         --download fetch them (by hand-run only; SHA-256 verified, and
                                         each file without a published SHA-256 is named as unverified)
    python install.py anny               build the Anny body model's cache now (about 90 s, once) in the
                                         user's cache folder, so the first drape does not wait for it

Installing never downloads model weights; ``python install.py models --download`` does, only when a
person runs it, verifying each file's size and SHA-256 where the manifest has them (the publisher's MD5
where that is all it gives) and saying, per file, which ones it could not verify.
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
#: The folder names ComfyUI registers itself before it reads extra_model_paths.yaml (folder_paths.py:23-51
#: in Comfy-Org/ComfyUI a125cd8, v0.3.64), each already holding its own ``models/<name>`` folder.
COMFYUI_FOLDERS = frozenset({
    "checkpoints", "configs", "loras", "vae", "text_encoders", "diffusion_models", "clip_vision", "style_models",
    "embeddings", "diffusers", "vae_approx", "controlnet", "gligen", "upscale_models", "custom_nodes",
    "hypernetworks", "photomaker", "classifiers", "model_patches", "audio_encoders",
})


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


def model_paths_section(comfyui_models: Path) -> dict[str, str]:
    """Our extra_model_paths.yaml section: adds ``models/<name>`` to each folder, never replaces one.

    ComfyUI reads the yaml (main.py:103, before any custom node loads: main.py:318) and calls
    ``folder_paths.add_model_folder_path`` per line (utils/extra_config.py:23-34). For a name it already
    registered that appends our folder; for a name it does not know it creates the entry holding *only*
    our folder (folder_paths.py:229-230). ComfyUI_IPAdapter_plus then keeps whatever "ipadapter" holds
    and adds its usual ``models/ipadapter`` only when the name is absent (IPAdapterPlus.py:36-40 in
    cubiq/ComfyUI_IPAdapter_plus 9d076a3), so ComfyUI's own folder would vanish. For such names the
    entry lists ComfyUI's own ``models/<name>`` first, then ours: one path per line, and an absolute
    line is kept as it is by ``os.path.join(base_path, line)`` (utils/extra_config.py:24-29).
    (A ComfyUI started with --base-directory uses another models/ folder; link it with that folder.)
    """
    section = {"base_path": str(REPO / "models")}
    for name in MODEL_FOLDERS:
        section[name] = name if name in COMFYUI_FOLDERS else f"{comfyui_models / name}\n{name}"
    return section


def _yaml_dump(config: dict) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper, value):  # several paths: a literal block, as in ComfyUI's extra_model_paths.yaml.example
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

    Dumper.add_representer(str, text)
    return yaml.dump(config, Dumper=Dumper, sort_keys=False)


def write_model_paths(path: Path, comfyui_models: Path | None = None) -> None:
    """Register our ``models/`` in ComfyUI's ``extra_model_paths.yaml`` (ComfyUI reads it from the folder
    of its main.py, main.py:27), keeping every other section; ``comfyui_models`` defaults to the
    ``models/`` beside that yaml."""
    import yaml

    config = {}
    if path.is_file():
        config = yaml.safe_load(path.read_text()) or {}
        if not isinstance(config, dict):
            raise SystemExit(f"error: {path} is not a YAML mapping; fix or remove it first")
    section = model_paths_section(comfyui_models or path.parent / "models")
    if config.get(PACK_NAME) == section:
        print(f"model paths already registered in {path}")
        return
    config[PACK_NAME] = section
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(_yaml_dump(config))
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
    it states them; else the publisher's MD5, where that is all it gives) is renamed into place. A
    mismatch deletes the partial file and raises. :func:`unverified_note` says what goes unchecked.
    """
    import hashlib
    import urllib.request

    url = entry.get("download_url")
    if not url:
        raise RuntimeError(f"{entry['id']}: no download_url; get it by hand from {entry.get('source_url')}")
    target = model_path(entry)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply, part.open("wb") as out:
            while block := reply.read(chunk):
                out.write(block)
                digest.update(block)
                md5.update(block)
                size += len(block)
        if entry.get("size_bytes") not in (None, size):
            raise RuntimeError(f"{entry['id']}: got {size} bytes, the manifest says {entry['size_bytes']}")
        if entry.get("sha256") not in (None, digest.hexdigest()):
            raise RuntimeError(f"{entry['id']}: SHA-256 {digest.hexdigest()} does not match the manifest's {entry['sha256']}")
        if not entry.get("sha256") and entry.get("md5") not in (None, md5.hexdigest()):
            raise RuntimeError(f"{entry['id']}: MD5 {md5.hexdigest()} does not match the manifest's {entry['md5']}")
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return target


def unverified_note(entry: dict) -> str | None:
    """What ``models --download`` cannot check for ``entry``; None when a published SHA-256 checks it."""
    if entry.get("sha256"):
        return None
    if entry.get("md5"):
        return (f"unverified: {entry['id']}: the publisher gives no SHA-256; the download is checked only "
                f"against its MD5 {entry['md5']} (a weaker hash)")
    return (f"UNVERIFIED: {entry['id']}: no published SHA-256 (or other checksum) is known; the file is saved "
            f"without checking its content. Compare it with {entry.get('source_url', 'its source')} yourself.")


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
        note = unverified_note(e) if e.get("download_url") else None
        if note:  # said per file, before its bytes arrive
            print(note)
        try:
            target = download(e)
            verified = "SHA-256 verified" if e.get("sha256") else "MD5 checked" if e.get("md5") else "NOT verified"
            print(f"downloading {e['id']} -> {target}  ({verified})")
        except Exception as exc:  # report and go on with the next file
            print(f"error: {exc}")
            failed += 1
    return 1 if failed else 0


def looks_like_comfyui(folder: Path) -> bool:
    return (folder / "main.py").is_file() and (folder / "custom_nodes").is_dir()


def find_comfyui(explicit: Path | None = None, pack_dirs: list[Path] | None = None) -> Path | None:
    """The ComfyUI folder to check: ``--comfyui``, else the one this pack sits in (``custom_nodes/<pack>``).

    The pack's own path is taken unresolved, so a pack linked into ``custom_nodes/`` is found through the
    link when run by that path; ``$PWD`` keeps the link when run from inside it (``os.getcwd()`` resolves).
    """
    if explicit is not None:
        folder = explicit.expanduser().resolve()
        if not looks_like_comfyui(folder):
            raise SystemExit(f"error: {folder} does not look like a ComfyUI folder (no main.py or custom_nodes/)")
        return folder
    if pack_dirs is None:
        pack_dirs = [Path(os.path.abspath(__file__)).parent]
        pwd = os.environ.get("PWD")
        if pwd and os.path.isdir(pwd) and os.path.samefile(pwd, REPO):
            pack_dirs.append(Path(pwd))
    for pack in pack_dirs:
        if pack.parent.name == "custom_nodes" and looks_like_comfyui(pack.parent.parent):
            return pack.parent.parent
    return None


def _known_packs() -> dict:
    path = REPO / "studio" / "known_packs.json"
    return json.loads(path.read_text())["packs"] if path.is_file() else {}


def workflow_packs(folder: Path | None = None) -> dict[str, dict[str, list[str]]]:
    """Per workflow in ``workflows/``: the third-party packs it needs and which of their nodes it uses.

    The node ids of each pack come from studio/known_packs.json (their ``/object_info``).
    """
    pack_of = {node: pack for pack, spec in _known_packs().items() for node in spec["nodes"]}
    result = {}
    for path in sorted((folder or REPO / "workflows").glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and isinstance(data.get("nodes"), list):  # the canvas format
            types = {n.get("type") for n in data["nodes"] if isinstance(n, dict)}
        elif isinstance(data, dict):  # the API format
            types = {n.get("class_type") for n in data.values() if isinstance(n, dict)}
        else:
            continue
        needs: dict[str, list[str]] = {}
        for node in sorted(t for t in types if t in pack_of):
            needs.setdefault(pack_of[node], []).append(node)
        result[path.stem] = dict(sorted(needs.items(), key=lambda item: item[0].lower()))
    return result


def _folder_key(name: str) -> str:
    """``ComfyUI_IPAdapter_plus``, ``comfyui-ipadapter-plus``, ``ComfyUI_IPAdapter_plus-main`` → one key."""
    name = name.lower()
    for suffix in ("-main", "-master"):  # GitHub's zip downloads
        name = name.removesuffix(suffix)
    return re.sub(r"[-_. ]", "", name)


def _defines_nodes(folder: Path, nodes: list[str], max_files: int = 400) -> bool:
    """True when the Python files in ``folder`` (and one level below) map every node id to a class.

    Both packs write ``NODE_CLASS_MAPPINGS`` as a dict literal keyed by node id: IPAdapterPlus.py:1951-1975
    (cubiq/ComfyUI_IPAdapter_plus 9d076a3), node_wrappers/dwpose.py:160 (Fannovel16/comfyui_controlnet_aux
    e8b689a). A key followed by ``:`` is looked for, so code that merely names a node (a workflow builder)
    does not count.
    """
    wanted = {n: re.compile(rf"""["']{re.escape(n)}["']\s*:""") for n in nodes}
    files = sorted(folder.glob("*.py")) + sorted(folder.glob("*/*.py"))
    for path in files[:max_files]:
        try:
            if path.stat().st_size > 2_000_000:
                continue
            text = path.read_text(errors="replace")
        except OSError:
            continue
        wanted = {n: rx for n, rx in wanted.items() if not rx.search(text)}
        if not wanted:
            return True
    return False


def find_pack(custom_nodes: Path, pack: str, nodes: list[str]) -> tuple[str, Path | None]:
    """("ok" | "disabled" | "missing", its folder) for one pack in ComfyUI's ``custom_nodes/``.

    By folder name first (case and ``-``/``_`` ignored), then by the node ids in the other folders'
    Python files (a fork or a renamed clone). ComfyUI skips ``*.disabled`` entries (nodes.py:2227).
    """
    def folders(parent: Path) -> list[Path]:
        try:
            return sorted(p for p in parent.iterdir() if p.is_dir() and p.name != "__pycache__")
        except OSError:
            return []

    key, disabled = _folder_key(pack), None
    entries = folders(custom_nodes)
    for entry in entries:
        if entry.name.endswith(".disabled"):
            if _folder_key(entry.name.removesuffix(".disabled")) == key:
                disabled = entry
        elif _folder_key(entry.name) == key:
            return "ok", entry
    for entry in folders(custom_nodes / ".disabled"):  # where ComfyUI-Manager moves a disabled pack
        if _folder_key(entry.name.split("@", 1)[0]) == key:
            disabled = entry
    for entry in entries:
        if entry.name.endswith(".disabled") or entry.name.startswith("."):
            continue
        try:
            ours = entry.resolve() == REPO
        except OSError:
            ours = False
        if not ours and _defines_nodes(entry, nodes):
            return "ok", entry
    return ("disabled", disabled) if disabled else ("missing", None)


def report_node_packs(comfyui: Path | None) -> int:
    """Print, per workflow, the third-party node packs it needs and whether ComfyUI has each.

    Returns how many needed packs are missing (0 when no ComfyUI folder was found to look in).
    """
    needs = workflow_packs()
    packs = _known_packs()
    if comfyui is None:
        print("Node packs per workflow (not run inside ComfyUI/custom_nodes/; "
              "use --check --comfyui PATH to see which are installed):")
    else:
        print(f"Node packs per workflow (looked for in {comfyui / 'custom_nodes'}):")
    found: dict[str, tuple[str, Path | None]] = {}
    for workflow, by_pack in needs.items():
        if not by_pack:
            continue
        print(f"  {workflow}:")
        for pack, nodes in by_pack.items():
            uses = f"for {', '.join(nodes)}"
            if comfyui is None:
                print(f"    {pack}  {uses}")
                continue
            if pack not in found:
                all_nodes = sorted({n for p in needs.values() for n in p.get(pack, [])})
                found[pack] = find_pack(comfyui / "custom_nodes", pack, all_nodes)
            state, folder = found[pack]
            how = packs.get(pack, {}).get("install", pack)
            if state == "ok":
                print(f"    ok       {pack}  {uses}  (custom_nodes/{folder.name})")
            elif state == "disabled":
                where = folder.relative_to(comfyui / "custom_nodes")
                print(f"    DISABLED {pack}  {uses}  (custom_nodes/{where}: enable it in ComfyUI-Manager)")
            else:
                print(f"    MISSING  {pack}  {uses}  (install: {how})")
    plain = [w for w, by_pack in needs.items() if not by_pack]
    if plain:
        print(f"  no third-party packs: {', '.join(plain)}")
    return sum(state != "ok" for state, _ in found.values())


def check(comfyui: Path | None = None) -> int:
    """Print what is installed and what is missing; exit status 1 when a package is missing.

    Inside ComfyUI (or with ``comfyui``) it also says which node packs the workflows need are installed.
    """
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
    report_node_packs(find_comfyui(comfyui))
    return 1 if missing else 0


def anny_command() -> int:
    """Build the Anny body model's cache now (about 90 s, once), so the first drape does not wait for it."""
    sys.path.insert(0, str(REPO))
    from custom_nodes.avatar.anny_model import cache_ready, prepare_cache
    from custom_nodes.core.errors import AtelierError

    already = cache_ready()
    try:
        folder = prepare_cache()
    except AtelierError as exc:
        print(f"error: {exc}")
        return 1
    print(f"body model {'already built' if already else 'built'} in {folder}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comfyui", type=Path,
                        help="ComfyUI folder to link this pack into (with --check: the ComfyUI folder to check)")
    parser.add_argument("--check", action="store_true", help="report what is installed and what is missing")
    parser.add_argument("command", nargs="?", choices=["models", "anny"],
                        help="'models': list (and --download) weights; 'anny': build the body model now")
    parser.add_argument("--download", action="store_true", help="with 'models': download what is missing")
    parser.add_argument("--only", nargs="+", metavar="ID", help="with 'models': only these manifest ids")
    args = parser.parse_args(argv)
    if args.command == "models":
        return models_command(args.download, args.only)
    if args.command == "anny":
        return anny_command()
    if args.check:
        return check(args.comfyui)
    if args.comfyui:
        link_into_comfyui(args.comfyui)
        return 0
    return install_requirements()


if __name__ == "__main__":
    sys.exit(main())
