"""What the studio's buttons do, without Gradio: build a job from a form, run it, collect its files.

Every action runs a saved workflow (``workflows/api``) with settings applied by node title, on a
configured ComfyUI or on the local runner, through :class:`studio.jobs.Job` so progress and cancel
work the same on both. ``studio_app.py`` only lays out widgets and wires them to these functions.
"""

from __future__ import annotations

import os
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custom_nodes.core.paths import user_data_dir

from . import workflows
from .backends import Backend, Outcome, choose_backend
from .jobs import Job
from .runner import LocalRunner
from .safety import UploadRejected, check_upload

MEASUREMENT_FIELDS = ("height", "chest_girth", "underbust_girth", "waist_girth", "hip_girth", "inside_leg_length",
                      "arm_length", "shoulder_width", "neck_girth")
QUALITY_FRAMES = {"preview (fast)": 120, "standard": 240, "final": 480}


@dataclass
class StudioContext:
    """Per-process settings: where jobs write, the local runner, and the ComfyUI servers to try."""

    work_dir: Path
    runner: LocalRunner
    servers: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls) -> StudioContext:
        work = user_data_dir()  # $ATELIER_WORK_DIR, else the user's data folder; never the checkout
        runner = LocalRunner(work / "output", work / "input", work / "temp")
        servers = [u.strip() for u in os.environ.get("ATELIER_COMFYUI_URLS", "").split(",") if u.strip()]
        return cls(work, runner, servers)

    def new_job_dir(self) -> Path:
        path = self.work_dir / "jobs" / uuid.uuid4().hex[:12]
        path.mkdir(parents=True, exist_ok=True)
        return path

    def backend(self, prompt: dict, servers: list[str] | None = None) -> Backend:
        return choose_backend(prompt, servers if servers is not None else self.servers, self.runner)


def by_title(prompt: dict, title: str) -> str | None:
    return next((nid for nid, e in prompt.items() if e.get("_meta", {}).get("title") == title), None)


def files_of(outcome: Outcome, prompt: dict, title: str, job_dir: Path) -> list[Path]:
    """The files the node titled ``title`` produced (copied into the job folder)."""
    nid = by_title(prompt, title)
    names = [item["filename"] for items in outcome.outputs.get(nid, {}).values() if isinstance(items, list)
             for item in items if isinstance(item, dict) and "filename" in item]
    return [job_dir / Path(n).name for n in names if (job_dir / Path(n).name).is_file()]


def text_of(outcome: Outcome, prompt: dict, title: str) -> str:
    nid = by_title(prompt, title)
    return "\n".join(str(t) for t in outcome.outputs.get(nid, {}).get("text", []))


def replace_node(prompt: dict, title: str, class_type: str, inputs: dict[str, Any]) -> dict:
    """Swap the node titled ``title`` for another node type with the same outputs (a loader for a template)."""
    nid = by_title(prompt, title)
    if nid is None:
        raise workflows.WorkflowError(f"the workflow has no node titled '{title}'")
    out = dict(prompt)
    out[nid] = {"class_type": class_type, "inputs": inputs, "_meta": {"title": title}}
    return out


# --- Design & drape ----------------------------------------------------------------------------


@dataclass
class DesignForm:
    template: str = "tshirt"
    size: str = "M"
    body: str = "female"
    fabric_id: str = "cotton_jersey"
    colour: str = ""  # '#rrggbb' or '' for the fabric's own colourway
    quality: str = "preview (fast)"
    measurements_cm: dict[str, float] = field(default_factory=dict)  # overrides, 0/None = from the size
    pattern_file: str | None = None  # uploaded SVG / DXF / JSON instead of a template
    avatar_file: str | None = None  # uploaded GLB / OBJ / PLY instead of a measured body


def design_prompt(form: DesignForm, backend: Backend) -> dict:
    """drape_preview with the form applied; uploaded files are staged on the backend that will run it."""
    settings: dict[str, Any] = {"Garment.garment": form.template, "Garment.size": form.size, "Garment.body": form.body,
                                "Avatar.size": form.size, "Avatar.body": form.body, "Fabric.fabric_id": form.fabric_id,
                                "Drape.max_frames": QUALITY_FRAMES.get(form.quality, 240)}
    for name, value in form.measurements_cm.items():
        if name in MEASUREMENT_FIELDS and value:
            settings[f"Avatar.{name}_cm"] = float(value)
    if form.colour:
        settings["Colour.colour"] = form.colour
    prompt = workflows.with_settings(workflows.load("drape_preview"), settings)
    if form.pattern_file:
        name = backend.stage(check_upload(form.pattern_file, "pattern"))
        prompt = replace_node(prompt, "Garment", "AtelierPatternLoad", {"path": name, "sidecar": "", "infer_seams": True})
    if form.avatar_file:
        name = backend.stage(check_upload(form.avatar_file, "mesh"))
        prompt = replace_node(prompt, "Avatar", "AtelierLoadAvatar", {"path": name, "max_vertices": 30000})
    return prompt


@dataclass
class DesignResult:
    glb: Path | None
    previews: list[Path]
    turntable: Path | None
    report: str
    downloads: list[Path]
    backend: str
    status: str
    error: str = ""


def collect_design(outcome: Outcome, prompt: dict, job_dir: Path) -> DesignResult:
    glb = files_of(outcome, prompt, "GLB", job_dir)
    videos = [p for p in files_of(outcome, prompt, "Turntable", job_dir) if p.suffix == ".mp4"]
    previews = files_of(outcome, prompt, "Save preview", job_dir)
    patterns = files_of(outcome, prompt, "Pattern SVG", job_dir) + files_of(outcome, prompt, "Pattern DXF", job_dir)
    downloads = glb + previews + videos + patterns
    return DesignResult(glb[0] if glb else None, previews, videos[0] if videos else None,
                        text_of(outcome, prompt, "Show report"), downloads, outcome.backend, outcome.status,
                        describe_error(outcome))


def describe_error(outcome: Outcome) -> str:
    """One readable paragraph for a failed job (validation per node, or the node that raised)."""
    err = outcome.error or {}
    if outcome.status == "success":
        return ""
    if "node_errors" in err:
        lines = [f"{e['class_type']} (node {nid}): {x['message']} — {x['details']}"
                 for nid, e in err["node_errors"].items() for x in e["errors"]]
        head = err.get("error", {}).get("message", "The workflow was rejected")
        return head + (":\n" + "\n".join(lines) if lines else "")
    if "exception_message" in err:
        return f"{err.get('node_type', 'A node')} failed: {err['exception_message'].strip()}"
    return err.get("message", "cancelled" if outcome.status == "interrupted" else "the job failed")


def start_job(ctx: StudioContext, prompt: dict, backend: Backend) -> tuple[Job, Path]:
    job_dir = ctx.new_job_dir()
    return Job(backend, prompt, job_dir).start(), job_dir


# --- Batch ---------------------------------------------------------------------------------------


def batch_rows(fabric_ids: list[str], colours: list[str], sizes: list[str], template: str, body: str) -> list[dict]:
    """Every fabric × colour × size combination as drape_preview settings."""
    rows = []
    for fabric in fabric_ids:
        for colour in colours or [""]:
            for size in sizes:
                row = {"Garment.garment": template, "Garment.size": size, "Garment.body": body, "Avatar.size": size,
                       "Avatar.body": body, "Fabric.fabric_id": fabric, "Drape.max_frames": QUALITY_FRAMES["preview (fast)"]}
                if colour:
                    row["Colour.colour"] = colour
                rows.append(row)
    return rows


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path != target:
                zf.write(path, path.relative_to(folder))
    return target


# --- Try-on --------------------------------------------------------------------------------------


def tryon_prompt(backend: Backend, person: str, garment: str, labels: str | None, pose: str | None) -> dict:
    """tryon_classic with the uploads staged; a label map / pose JSON replace parsing / pose detection."""
    prompt = workflows.load("tryon_classic")
    settings = {"Person photo.image": backend.stage(check_upload(person, "image")),
                "Garment photo.image": backend.stage(check_upload(garment, "image"))}
    if labels:
        settings["Person labels.image"] = backend.stage(check_upload(labels, "image"))
    else:
        settings["Parse.source"] = "segformer"
    if pose:
        settings["Pose.path"] = backend.stage(Path(pose))
    else:
        raise workflows.WorkflowError("give the person's pose JSON (OpenPose-18): the local runner has no pose "
                                      "detector; on ComfyUI use the tryon_sdxl workflow, which runs DWPose")
    prompt = workflows.with_settings(prompt, settings)
    if not labels:
        nid = by_title(prompt, "Parse")
        prompt[nid]["inputs"].pop("label_map", None)
        prompt.pop(by_title(prompt, "Person labels"), None)
    return prompt


def collect_images(title: str):
    """A collector for :func:`studio_app._run` returning the files of the node titled ``title``."""
    def collect(outcome: Outcome, prompt: dict, job_dir: Path) -> list[Path]:
        return files_of(outcome, prompt, title, job_dir)
    return collect


# --- Fabrics -------------------------------------------------------------------------------------


def catalog_gallery(query: str = "") -> list[tuple[str, str]]:
    """(albedo image, caption) for every catalog fabric matching ``query`` (name or tag)."""
    from custom_nodes.fabric.catalog import Catalog

    entries = Catalog().search(query or "")
    return [(str(e.folder / "albedo.png"), f"{e.name} · {e.weight_gsm:.0f} g/m² · {', '.join(e.tags[:3])}")
            for e in entries if (e.folder / "albedo.png").is_file()]


def scan_to_catalog(photo: str | None, name: str, preset: str, px_per_cm: float, catalog_dir: str | None = None):
    """Photo → tileable PBR maps → catalog entry; returns ([(image, caption)], report text)."""
    import json

    from custom_nodes.fabric.catalog import Catalog
    from custom_nodes.fabric.image_io import read_image, write_png
    from custom_nodes.fabric.maps import make_pbr_maps
    from custom_nodes.fabric.report import scan_report
    from custom_nodes.fabric.scan import scan_fabric
    from custom_nodes.fabric.tileable import make_tileable

    if not photo:
        return None, "⚠️ add a fabric photo first"
    try:
        check_upload(photo, "image")
        image, note = read_image(photo), ""
        try:
            scanned = scan_fabric(image, detect=True, px_per_cm=float(px_per_cm or 0))
        except ValueError:  # no swatch outline or card in the photo: the photo is the swatch
            scanned, note = scan_fabric(image, px_per_cm=float(px_per_cm or 0)), " (no outline found: whole photo used)"
        tile = make_tileable(scanned.image, method="quilt")
        maps = make_pbr_maps(tile)
        catalog = Catalog(catalog_dir) if catalog_dir else Catalog()
        entry = catalog.import_scan(maps, name or "scan", preset=preset, tile_size=scanned.tile_size or 0.1,
                                    overwrite=True)
        report = scan_report(scanned.image, tile, maps.normal)
    except (UploadRejected, ValueError) as exc:
        return None, f"⚠️ {exc}"
    views = entry.folder / "_views"
    views.mkdir(exist_ok=True)
    shown = []
    for key, image in (("albedo", maps.albedo), ("normal", maps.normal), ("roughness", maps.roughness),
                       ("2x2 preview", maps.preview())):
        path = views / f"{key.replace(' ', '_')}.png"
        write_png(image, path)
        shown.append((str(path), key))
    return shown, f"saved '{entry.id}' in {entry.folder}{note}\n{json.dumps(report, indent=1)}"



# --- Batch and servers ---------------------------------------------------------------------------


def run_batch_rows(ctx: StudioContext, rows: list[dict], out: Path, servers: list[str], on_progress) -> tuple[list[Path], int]:
    from .batch import run_batch

    records = run_batch("drape_preview", rows, out, servers or None, on_progress=on_progress,
                        runner=None if servers else ctx.runner)
    images = sorted(out.glob("job_*/*.png"))
    return images, sum(1 for r in records if r.get("status") == "success")


def server_status(text: str) -> str:
    """One line per configured ComfyUI: version and queue, or why it does not answer."""
    from .comfy_client import ComfyClient

    urls = [u.strip() for u in (text or "").split(",") if u.strip()]
    if not urls:
        return "No ComfyUI configured: jobs run on the local runner (Atelier nodes and image I/O only)."
    lines = []
    for url in urls:
        with ComfyClient(url, timeout=3.0) as client:
            try:
                lines.append(f"✅ {url}: ComfyUI {client.version()}, {client.queue_load()} job(s) queued")
            except Exception as exc:  # report every server, whatever went wrong with one
                lines.append(f"❌ {url}: {exc}")
    return "\n\n".join(lines)


def photoreal_help() -> str:
    return ("**Photoreal render** feeds the drape's depth, normal and OpenPose maps to SDXL with ControlNet and "
            "IP-Adapter (workflow `drape_render_sdxl`). It needs a ComfyUI server with ComfyUI_IPAdapter_plus and "
            "the models in `models/manifest.json`; add its address above.")


# --- Photoreal render and SDXL try-on -------------------------------------------------------------


@dataclass
class RenderForm:
    design: DesignForm
    environment: str = "studio"
    extra: str = ""
    seed: int = 42
    depth_strength: float = 0.6
    normal_strength: float = 0.4
    pose_strength: float = 0.7
    fabric_weight: float = 0.5  # IP-Adapter weight on the fabric swatch


def render_prompt(form: RenderForm) -> dict:
    """drape_render_sdxl with the design and the photographic settings applied."""
    d = form.design
    settings: dict[str, Any] = {
        "Garment.garment": d.template, "Garment.size": d.size, "Garment.body": d.body, "Avatar.size": d.size,
        "Avatar.body": d.body, "Fabric.fabric_id": d.fabric_id, "Prompt text.environment": form.environment,
        "Prompt text.extra": form.extra, "Sampler.seed": int(form.seed), "Apply depth.strength": form.depth_strength,
        "Apply normal.strength": form.normal_strength, "Apply openpose.strength": form.pose_strength,
        "IP-Adapter.weight": form.fabric_weight}
    if d.colour:
        settings["Colour.colour"] = d.colour
    return workflows.with_settings(workflows.load("drape_render_sdxl"), settings)


def needs_comfyui(prompt: dict, backend: Backend) -> str:
    """'' when ``backend`` can run ``prompt``; otherwise what is missing, in words (pre-flight)."""
    from .preflight import check

    result = check(prompt, backend.object_info())
    return "" if result.ok else " ".join(result.messages())


def tryon_sdxl_prompt(backend: Backend, person: str, garment: str) -> dict:
    return workflows.with_settings(workflows.load("tryon_sdxl"), {
        "Person photo.image": backend.stage(check_upload(person, "image")),
        "Garment photo.image": backend.stage(check_upload(garment, "image"))})
