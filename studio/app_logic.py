"""What the studio's buttons do, without Gradio: build a job from a form, run it, collect its files.

Every action runs a saved workflow (``workflows/api``) with settings applied by node title, on a
configured ComfyUI or on the local runner, through :class:`studio.jobs.Job` so progress and cancel
work the same on both. Each job has its own folder under ``<work dir>/jobs`` holding its uploads, its
outputs, ``job.json`` (written by the job) and ``studio.json`` (who started it, and what it is), which
is what the job history reads back after a restart. ``studio_app.py`` only lays out widgets and wires
them to these functions; every message meant for a user goes through :mod:`studio.safety`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import tempfile
import threading
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from custom_nodes.core.paths import user_data_dir

from . import workflows
from .backends import Backend, Outcome, choose_backend
from .jobs import Job
from .runner import LocalRunner
from .safety import (
    MAX_BATCH_JOBS,
    MAX_TEXT_CHARS,
    UserError,
    allowed_servers,
    auth_from_env,
    check_upload,
    clean_name,
    clean_text,
    generic,
    inside,
    log,
    node_failure,
    safe_name,
    scrub,
    servers_from_env,
    user_message,
)

MEASUREMENT_FIELDS = ("height", "chest_girth", "underbust_girth", "waist_girth", "hip_girth", "inside_leg_length",
                      "arm_length", "shoulder_width", "neck_girth")
QUALITY_FRAMES = {"preview (fast)": 120, "standard": 240, "final": 480}
#: Camera framing (custom_nodes/render/cameras.py presets) for each template: tops end at the hips,
#: anything reaching the legs is shown head to toe.
FRAMING = {"tshirt": "upper_body", "hoodie": "upper_body", "trousers": "full_body", "skirt_aline": "full_body",
           "skirt_pencil": "full_body", "shift_dress": "full_body"}
STUDIO_RECORD = "studio.json"  # who started a job and what it is (job.json is the job's own record)
HISTORY_LIMIT = 200  # jobs listed in the history, newest first


@dataclass
class StudioContext:
    """Per-process settings: where jobs write, the local runner, the ComfyUI servers it may use, and the
    jobs running now (for cancel buttons and for telling a running job from one a restart stopped)."""

    work_dir: Path
    runner: LocalRunner
    servers: list[str] = field(default_factory=list)  # from the environment only (never from a request)
    login: bool = False  # ATELIER_STUDIO_USER/_PASSWORD set: one account, which owns every job
    live: set[str] = field(default_factory=set)
    _cancels: dict[str, Callable[[], Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _designs: Any = None  # the designs store, opened on first use

    def designs(self):
        """The designs store (SQLite in the work folder, or ``$ATELIER_DB_URL``), opened once."""
        with self._lock:
            if self._designs is None:
                from custom_nodes.design.store import DesignStore

                self._designs = DesignStore()
            return self._designs

    @classmethod
    def from_env(cls) -> StudioContext:
        work = user_data_dir()  # $ATELIER_WORK_DIR, else the user's data folder; never the checkout
        runner = LocalRunner(work / "output", work / "input", work / "temp")
        return cls(work, runner, servers_from_env(), login=auth_from_env() is not None)

    @property
    def jobs_dir(self) -> Path:
        return self.work_dir / "jobs"

    def new_job_dir(self, owner: str = "", kind: str = "", what: str = "") -> Path:
        """A fresh job folder, with ``studio.json`` saying who started it and what it is."""
        path = self.jobs_dir / uuid.uuid4().hex[:12]
        path.mkdir(parents=True, exist_ok=True)
        record = {"owner": owner, "kind": kind, "what": what, "created": _now()}
        (path / STUDIO_RECORD).write_text(json.dumps(record, indent=1))
        return path

    def backend(self, prompt: dict, servers: list[str] | None = None) -> Backend:
        """Where ``prompt`` runs: one of ``servers`` (only those configured in the environment count),
        else the local runner. Raises UserError saying why when nothing can run it."""
        chosen = self.servers if servers is None else allowed_servers(servers, self.servers)
        try:
            return choose_backend(prompt, chosen, self.runner)
        except RuntimeError as exc:  # no server answers / the local runner lacks a node: said in words
            raise UserError(scrub(str(exc))) from exc

    # cancel buttons: one running job per browser session and tab
    def on_cancel(self, key: str, cancel: Callable[[], Any]) -> None:
        with self._lock:
            self._cancels[key] = cancel

    def cancel(self, key: str) -> bool:
        with self._lock:
            cancel = self._cancels.get(key)
        if cancel is None:
            return False
        cancel()
        return True

    def finished(self, key: str) -> None:
        with self._lock:
            self._cancels.pop(key, None)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def by_title(prompt: dict, title: str) -> str | None:
    return next((nid for nid, e in prompt.items() if e.get("_meta", {}).get("title") == title), None)


def titles_of(prompt: dict | None) -> dict[str, str]:
    return {str(nid): e.get("_meta", {}).get("title") or e.get("class_type", str(nid))
            for nid, e in (prompt or {}).items() if isinstance(e, dict)}


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


def stage_upload(backend: Backend, path: str | Path, kind: str, job_dir: Path | None = None) -> str:
    """Check an upload and hand it to ``backend``; returns the name its nodes read it by.

    With ``job_dir`` the upload is kept in the job's own ``uploads/`` folder and staged under a name
    unique to the job (``<job id>_<name>``), so two sessions uploading ``photo.png`` never meet.
    """
    checked = check_upload(path, kind)
    if job_dir is None:
        return backend.stage(checked)
    folder = Path(job_dir) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    own = folder / safe_name(checked.name)
    shutil.copyfile(checked, own)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".stage-") as tmp:
        unique = Path(tmp) / f"{Path(job_dir).name}_{own.name}"
        shutil.copyfile(own, unique)
        return backend.stage(unique)


def describe_error(outcome: Outcome, prompt: dict | None = None) -> str:
    """Why a job did not finish, in the user's words ('' when it did); nodes are named by their titles."""
    if outcome.status == "success":
        return ""
    if outcome.status == "interrupted":
        return "Cancelled."
    err = outcome.error or {}
    titles = titles_of(prompt)
    if "node_errors" in err:  # refused before running (validation): one line per bad input
        lines = []
        for nid, entry in (err.get("node_errors") or {}).items():
            title = titles.get(str(nid)) or entry.get("class_type", f"node {nid}")
            for e in entry.get("errors", []):
                detail = f" — {e['details']}" if e.get("details") else ""
                lines.append(f"{title}: {e.get('message', 'invalid')}{detail}")
        top = err.get("error")
        head = (top.get("message") if isinstance(top, dict) else top) or "The job was refused"
        return scrub(head if not lines else f"{head}:\n" + "\n".join(lines))
    if "exception_message" in err or "exception_type" in err:
        node = str(err.get("node_id", ""))
        return node_failure(err, titles.get(node) or err.get("node_type") or "a step of the job")
    if err.get("type") in ("server_unreachable", "timeout") and err.get("message"):
        return scrub(err["message"])  # the ComfyUI client words these for users
    message = str(err.get("message", ""))
    if message.strip().lower() == "timed out":
        return "The job took too long and was stopped."
    log.error("job failed: %s", message or err)
    return generic("the job")


def start_job(ctx: StudioContext, prompt: dict, backend: Backend, job_dir: Path | None = None) -> tuple[Job, Path]:
    job_dir = job_dir or ctx.new_job_dir()
    ctx.live.add(job_dir.name)
    return Job(backend, prompt, job_dir).start(), job_dir


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

    def summary(self) -> str:
        garment = "uploaded pattern" if self.pattern_file else self.template
        return " · ".join([garment, self.size, self.fabric_id, self.colour or "fabric colour"])


def framing(form: DesignForm) -> str:
    """The camera preset that frames the garment: head to hips for tops, head to toe otherwise."""
    return "full_body" if form.pattern_file else FRAMING.get(form.template, "full_body")


def design_prompt(form: DesignForm, backend: Backend, job_dir: Path | None = None) -> dict:
    """drape_preview with the form applied; uploads are staged (per job) on the backend that will run it."""
    settings: dict[str, Any] = {"Garment.garment": form.template, "Garment.size": form.size, "Garment.body": form.body,
                                "Avatar.size": form.size, "Avatar.body": form.body, "Fabric.fabric_id": form.fabric_id,
                                "Drape.max_frames": QUALITY_FRAMES.get(form.quality, 240),
                                "Camera.preset": framing(form), "Turntable.preset": framing(form)}
    for name, value in form.measurements_cm.items():
        if name in MEASUREMENT_FIELDS and value:
            settings[f"Avatar.{name}_cm"] = float(value)
    if form.colour:
        settings["Colour.colour"] = check_colour(form.colour)
    prompt = workflows.with_settings(workflows.load("drape_preview"), settings)
    if form.pattern_file:
        name = stage_upload(backend, form.pattern_file, "pattern", job_dir)
        prompt = replace_node(prompt, "Garment", "AtelierPatternLoad", {"path": name, "sidecar": "", "infer_seams": True})
    if form.avatar_file:
        name = stage_upload(backend, form.avatar_file, "mesh", job_dir)
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
    verdict: str = ""  # "PASS" / "FAIL" from the drape report ('' without one)
    reasons: list[str] = field(default_factory=list)  # the report's "why" lines when it failed

    def headline(self) -> str:
        """The status line's bold part: Done, Drape FAIL, Failed or Cancelled."""
        if self.status == "interrupted":
            return "Cancelled"
        if self.status != "success":
            return "Failed"
        return "Drape FAIL" if self.verdict == "FAIL" else "Done"

    def explanation(self) -> str:
        if self.status != "success":
            return self.error
        if self.verdict == "FAIL":
            why = "\n".join(f"- {r}" for r in self.reasons) or "- see the quality report"
            return f"The drape finished but did not pass its quality checks; do not trust this fit:\n{why}"
        return ""


def drape_verdict(report: str) -> tuple[str, list[str]]:
    """("PASS" | "FAIL" | "", reasons) from the drape report's text."""
    match = re.search(r"Drape (PASS|FAIL)", report or "")
    reasons = [line.strip()[len("why:"):].strip() for line in (report or "").splitlines()
               if line.strip().startswith("why:")]
    return (match.group(1) if match else ""), reasons


def _seam_sidecars(outcome: Outcome, prompt: dict, job_dir: Path, patterns: list[Path],
                   output_root: Path | None) -> list[Path]:
    """The pattern's ``.seams.json`` (seams of the SVG): listed by the node, or, on the local runner,
    copied from beside the SVG it saved in the runner's output folder."""
    listed = [p for p in patterns if p.name.endswith(".seams.json")]
    if listed or output_root is None or outcome.backend != "local":
        return listed
    svgs = [p for p in patterns if p.suffix == ".svg"]
    saved = [line for line in text_of(outcome, prompt, "Pattern SVG").splitlines() if line.endswith(".svg")]
    found = []
    for svg, rel in zip(svgs, saved):
        src = Path(output_root) / Path(rel).with_suffix(".seams.json")
        if src.is_file() and inside(output_root, src):
            dst = job_dir / f"{svg.stem}.seams.json"
            shutil.copyfile(src, dst)
            found.append(dst)
    return found


def collect_design(outcome: Outcome, prompt: dict, job_dir: Path, output_root: Path | None = None) -> DesignResult:
    glb = files_of(outcome, prompt, "GLB", job_dir)
    videos = [p for p in files_of(outcome, prompt, "Turntable", job_dir) if p.suffix == ".mp4"]
    previews = files_of(outcome, prompt, "Save preview", job_dir)
    patterns = files_of(outcome, prompt, "Pattern SVG", job_dir) + files_of(outcome, prompt, "Pattern DXF", job_dir)
    seams = _seam_sidecars(outcome, prompt, job_dir, patterns, output_root)
    downloads = list(dict.fromkeys(glb + previews + videos + patterns + seams))
    report = text_of(outcome, prompt, "Show report")
    verdict, reasons = drape_verdict(report)
    return DesignResult(glb[0] if glb else None, previews, videos[0] if videos else None, report, downloads,
                        outcome.backend, outcome.status, describe_error(outcome, prompt), verdict, reasons)


def check_colour(text: str) -> str:
    """'#rrggbb' (lower case), or UserError naming the bad value."""
    colour = (text or "").strip()
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        shown = "".join(ch if ch.isprintable() else "?" for ch in colour[:20]) + ("…" if len(colour) > 20 else "")
        raise UserError(f"'{shown}' is not a colour; write it as #rrggbb, e.g. #2a3b66")
    return colour.lower()


# --- Batch ---------------------------------------------------------------------------------------


def parse_colours(text: str) -> list[str]:
    """Colours typed as '#rrggbb, #rrggbb…' (commas or spaces); UserError names the first bad one."""
    return [check_colour(c) for c in re.split(r"[,\s;]+", text or "") if c.strip()]


def batch_rows(fabric_ids: list[str], colours: list[str], sizes: list[str], template: str, body: str) -> list[dict]:
    """Every fabric × colour × size combination as drape_preview settings (at most MAX_BATCH_JOBS)."""
    count = len(fabric_ids) * max(1, len(colours)) * len(sizes)
    if count > MAX_BATCH_JOBS:
        raise UserError(f"{len(fabric_ids)} fabrics × {max(1, len(colours))} colours × {len(sizes)} sizes make "
                        f"{count} jobs; a batch may hold at most {MAX_BATCH_JOBS}. Split it into smaller batches.")
    rows = []
    for fabric in fabric_ids:
        for colour in colours or [""]:
            for size in sizes:
                row = {"Garment.garment": template, "Garment.size": size, "Garment.body": body, "Avatar.size": size,
                       "Avatar.body": body, "Fabric.fabric_id": fabric, "Drape.max_frames": QUALITY_FRAMES["preview (fast)"],
                       "Camera.preset": FRAMING.get(template, "full_body"),
                       "Turntable.preset": FRAMING.get(template, "full_body")}
                if colour:
                    row["Colour.colour"] = colour
                rows.append(row)
    return rows


@dataclass
class BatchItem:
    settings: dict
    status: str  # done / failed / cancelled
    verdict: str = ""  # PASS / FAIL from the drape report
    reason: str = ""
    preview: Path | None = None

    @property
    def label(self) -> str:
        s = self.settings
        return " · ".join([str(s.get("Garment.garment", "")), str(s.get("Garment.size", "")),
                           str(s.get("Fabric.fabric_id", "")), str(s.get("Colour.colour") or "fabric colour")])

    @property
    def outcome_word(self) -> str:
        return self.verdict if self.status == "done" and self.verdict else self.status.upper()

    @property
    def caption(self) -> str:
        return f"{self.label} · {self.outcome_word}"


@dataclass
class BatchResult:
    items: list[BatchItem]
    folder: Path
    stopped: str = ""  # why the batch stopped early (cancelled, no server left…), '' when it ran every row

    @property
    def succeeded(self) -> int:
        return sum(1 for i in self.items if i.status == "done")

    def gallery(self) -> list[tuple[Path, str]]:
        return [(i.preview, i.caption) for i in self.items if i.preview is not None]

    def summary(self) -> str:
        cancelled = sum(1 for i in self.items if i.status in ("cancelled", "not run"))
        fails = sum(1 for i in self.items if i.verdict == "FAIL")
        parts = [f"**{self.succeeded}/{len(self.items)} jobs succeeded**"]
        if fails:
            parts.append(f"{fails} drape(s) FAIL their quality checks")
        if cancelled:
            parts.append(f"{cancelled} cancelled or not run")
        if self.stopped == "cancelled":
            parts.append("the batch was cancelled")
        elif self.stopped:
            parts.append(f"the batch stopped early: {scrub(self.stopped)}")
        lines = [", ".join(parts)]
        lines += [f"- {i.label}: {i.reason}" for i in self.items if i.status == "failed"]
        lines += [f"- {i.label}: drape FAIL — {i.reason}" for i in self.items if i.verdict == "FAIL" and i.reason]
        return "\n".join(lines)


def _record_status(record: dict) -> str:
    status = str(record.get("status", "")).lower()
    return {"success": "done", "done": "done", "interrupted": "cancelled", "cancelled": "cancelled",
            "canceled": "cancelled", "running": "running", "not run": "not run"}.get(status, "failed")


def record_reason(record: dict, prompt: dict | None = None) -> str:
    """Why a job.json record did not finish, in the user's words: a node's error through the studio's
    sanitiser (logged when it is not meant for users), else the record's own reason."""
    status = _record_status(record)
    if status == "done":
        return ""
    if status == "cancelled":
        return "Cancelled."
    if status == "not run":
        return "not run (the batch stopped first)"
    error = record.get("error") if isinstance(record.get("error"), dict) else {}
    if record.get("reason") and not ("exception_type" in error or "exception_message" in error):
        return scrub(str(record["reason"]))
    return describe_error(Outcome("error", {}, error=error), prompt)


def batch_item(record: dict, settings: dict, folder: Path, prompt: dict) -> BatchItem:
    status = _record_status(record)
    report_id = by_title(prompt, "Show report")
    report = "\n".join(str(t) for t in (record.get("outputs") or {}).get(report_id, {}).get("text", []))
    verdict, reasons = drape_verdict(report)
    pngs = [folder / Path(f).name for f in record.get("files") or [] if str(f).endswith(".png")]
    pngs = [p for p in pngs if p.is_file()]
    preview = next((p for p in pngs if "preview" in p.name), pngs[0] if pngs else None)
    reason = "; ".join(reasons) if verdict == "FAIL" else record_reason(record, prompt)
    return BatchItem(settings, status, verdict, reason, preview)


RAY_ENV = "ATELIER_RAY_ADDRESS"  # set: the Batch tab runs its batches on the Ray cluster at this address


def ray_address() -> str | None:
    """``$ATELIER_RAY_ADDRESS`` (e.g. ``ray://head:10001``, ``auto``), or None: batches run in-process."""
    return os.environ.get(RAY_ENV, "").strip() or None


def ray_progress_text(progress: dict, address: str | None = None) -> str:
    """A Ray batch's progress (``Progress.as_dict()``) as the Batch tab shows it."""
    total, done, failed = int(progress.get("total", 0)), int(progress.get("done", 0)), int(progress.get("failed", 0))
    eta = progress.get("eta_s")
    eta_text = "—" if eta is None else f"{int(eta // 60)} min {int(eta % 60):02d} s"
    where = f" at `{scrub(address)}`" if address else ""
    return (f"**Ray{where}: {done + failed}/{total} rows** — done {done}, failed {failed}, "
            f"running {int(progress.get('running', 0))}, {float(progress.get('rows_per_minute') or 0):.1f} rows/min, "
            f"ETA {eta_text}")


def _batch_on_ray(workflow: str, rows: list[dict], out: Path, servers: list[str] | None, address: str,
                  on_progress, on_ray, cancel):
    from .ray_backend import RayMissing, RaySettings, execute_batch_ray

    def tell(progress) -> None:
        if on_progress:
            on_progress(progress.done + progress.failed, progress.total)
        if on_ray:
            on_ray(progress.as_dict())

    try:
        return execute_batch_ray(workflow, rows, out, servers, RaySettings(address=address), on_progress=tell,
                                 cancel=cancel)
    except RayMissing as exc:
        raise UserError(f"{RAY_ENV} is set, but {exc}") from None
    except ConnectionError as exc:
        log.warning("Ray at %s: %s", address, exc)
        raise UserError(f"the Ray cluster at {scrub(address)} ({RAY_ENV}) does not answer") from None


def run_batch_rows(ctx: StudioContext, rows: list[dict], out: Path, servers: list[str] | None,
                   on_progress: Callable[[int, int], None] | None = None,
                   cancel: threading.Event | None = None, on_ray: Callable[[dict], None] | None = None,
                   workflow: str = "drape_preview") -> BatchResult:
    """Run ``rows`` of drape_preview (one job folder each under ``out``); the outcome of every row. With
    ``$ATELIER_RAY_ADDRESS`` set the rows run on that Ray cluster, and ``on_ray`` gets its progress
    (``Progress.as_dict()``: total, done, failed, running, rows_per_minute, eta_s) after every change."""
    from .batch import execute_batch

    chosen = allowed_servers(servers or [], ctx.servers)
    address = ray_address()
    ctx.live.add(out.name)
    try:
        if address:
            report = _batch_on_ray(workflow, rows, out, chosen or None, address, on_progress, on_ray, cancel)
        else:
            report = execute_batch(workflow, rows, out, chosen or None, on_progress=on_progress, cancel=cancel,
                                   runner=None if chosen else ctx.runner)
    finally:
        ctx.live.discard(out.name)
    prompt = workflows.load(workflow)
    items = [batch_item(r, rows[i], out / f"job_{i + 1:04d}", prompt) for i, r in enumerate(report.records)]
    return BatchResult(items, out, str(report.stopped or ""))


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path != target and ".partial" not in path.parts:
                zf.write(path, path.relative_to(folder))
    return target


# --- Try-on --------------------------------------------------------------------------------------


def tryon_prompt(backend: Backend, person: str, garment: str, labels: str | None, pose: str | None,
                 job_dir: Path | None = None) -> dict:
    """tryon_classic with the uploads staged; a label map / pose JSON replace parsing / pose detection.

    Without a pose JSON the pose is detected (Detect Pose) when the DWPose ONNX file is installed."""
    if not pose and not pose_detector_installed():
        raise UserError("add the person's pose JSON (OpenPose-18), or install the pose detector once so the "
                        "studio finds the pose itself: python install.py models --download --only dwpose_wholebody")
    prompt = workflows.load("tryon_classic")
    settings = {"Person photo.image": stage_upload(backend, person, "image", job_dir),
                "Garment photo.image": stage_upload(backend, garment, "image", job_dir)}
    if labels:
        settings["Person labels.image"] = stage_upload(backend, labels, "image", job_dir)
    else:
        settings["Parse.source"] = "segformer"
    if pose:
        settings["Pose.path"] = stage_upload(backend, pose, "pose", job_dir)
    prompt = workflows.with_settings(prompt, settings)
    if not pose:  # the pose file's loader becomes the detector, in place: its output 0 is POSE_KEYPOINT too
        nid = by_title(prompt, "Pose")
        prompt[nid] = {"class_type": "AtelierDetectPose", "_meta": {"title": "Pose"},
                       "inputs": {"image": [by_title(prompt, "Person photo"), 0], "model_path": "",
                                  "parse": [by_title(prompt, "Parse"), 0]}}
    if not labels:
        nid = by_title(prompt, "Parse")
        prompt[nid]["inputs"].pop("label_map", None)
        prompt.pop(by_title(prompt, "Person labels"), None)
    return prompt


def pose_detector_installed() -> bool:
    """Whether the DWPose ONNX file the Detect Pose node reads is in one of the usual model folders."""
    from custom_nodes.core.errors import ModelMissingError
    from custom_nodes.tryon.models import DWPOSE, locate

    try:
        locate(DWPOSE)
    except ModelMissingError:
        return False
    return True


def parser_installed() -> bool:
    """Whether the SegFormer clothes parser the Parse node runs is in one of the usual model folders."""
    from custom_nodes.core.errors import ModelMissingError
    from custom_nodes.tryon.models import SEGFORMER_CLOTHES, locate

    try:
        locate(SEGFORMER_CLOTHES)
    except ModelMissingError:
        return False
    return True


# --- Try-on without the models: clicked joints and a box (custom_nodes/tryon/guided.py) ------------

GUIDED_TITLE = "No pose model? Click the joints"
GUIDED_BOX = ("box_corner_1", "box_corner_2")
GUIDED_VIEW_SIDE = 1600  # photos larger than this are shown (and clicked) scaled down
_SIDE_COLOUR = {"right": (255, 140, 0), "left": (0, 190, 255), "": (255, 225, 0)}  # RGB; the person's sides
_BOX_COLOUR = (60, 220, 60)
_BONES = (("neck", "right_shoulder"), ("neck", "left_shoulder"), ("right_shoulder", "right_elbow"),
          ("right_elbow", "right_wrist"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
          ("neck", "right_hip"), ("neck", "left_hip"), ("right_hip", "left_hip"))


def guided_wanted() -> bool:
    """Whether the try-on tab offers the guided clicks: the pose or the parsing model is not installed."""
    return not (pose_detector_installed() and parser_installed())


def guided_intro() -> str:
    """The guided section's first lines (Markdown): why it is there, how to click, what makes it automatic."""
    from custom_nodes.tryon.guided import AUTOMATIC_HINT

    why = AUTOMATIC_HINT if not pose_detector_installed() else (
        "No parsing model installed: the label map is cut out from your box and clicks.")
    return (f"{why}\n\nPick what the next click sets (each click moves on to the next item), then click it on "
            "the photo: the joints — right and left are the person's, so seen from the front their right "
            "shoulder is on your left — and two opposite corners of a box around the whole person. "
            "**Cut out the person** shows what the try-on will use; **Try on** uses it when no pose JSON is given.")


def guided_items() -> tuple[str, ...]:
    """What a click on the guided photo can set, in the order it is asked for: the joints, then the box."""
    from custom_nodes.tryon.guided import CLICK_JOINTS

    return tuple(CLICK_JOINTS) + GUIDED_BOX


def guided_label(item: str) -> str:
    """An item in the user's words: 'right shoulder', 'box corner 1'."""
    return item.replace("_", " ")


def guided_choices() -> list[tuple[str, str]]:
    """(label, item) for the radio choosing what the next click sets."""
    return [(guided_label(i) + (" (optional)" if i == "neck" else ""), i) for i in guided_items()]


def guided_required(need_box: bool = True) -> tuple[str, ...]:
    """The items a try-on needs: every joint but the neck (the shoulders' midpoint), and the box when the
    label map is cut out from it."""
    return tuple(i for i in guided_items() if i != "neck" and (need_box or i not in GUIDED_BOX))


def guided_missing(clicks: dict | None, need_box: bool = True) -> list[str]:
    """The required items not clicked yet, in the user's words."""
    clicks = clicks or {}
    return [guided_label(i) for i in guided_required(need_box) if i not in clicks]


def guided_next(clicks: dict | None, after: str | None = None) -> str:
    """The first item not clicked yet, looking after ``after`` first; ``after`` (or the first item) when
    every item is set."""
    items, clicks = guided_items(), clicks or {}
    start = items.index(after) + 1 if after in items else 0
    for item in items[start:] + items[:start]:
        if item not in clicks:
            return item
    return after if after in items else items[0]


def guided_click(clicks: dict | None, target: str, x: float, y: float, scale: float = 1.0) -> tuple[dict, str]:
    """Record a click at (x, y) of the shown photo for ``target`` → (new clicks, the item the next click
    sets). Clicks are kept in photo pixels (the view is the photo × ``scale``), in the order made, so
    Undo takes back the last one; clicking an item again moves it."""
    clicks = dict(clicks or {})
    if target not in guided_items():
        target = guided_next(clicks)
    clicks.pop(target, None)
    clicks[target] = [round(float(x) / scale, 1), round(float(y) / scale, 1)]
    return clicks, guided_next(clicks, target)


def guided_undo(clicks: dict | None) -> tuple[dict, str]:
    """Take back the last click → (clicks, the item it had set, which the next click sets again)."""
    clicks = dict(clicks or {})
    if not clicks:
        return clicks, guided_next(clicks)
    last = list(clicks)[-1]
    del clicks[last]
    return clicks, last


def guided_clear() -> tuple[dict, str]:
    """No clicks; the next one sets the first item."""
    return {}, guided_items()[0]


def guided_joints(clicks: dict | None) -> dict[str, list[float]]:
    """The clicked joints (no box corners)."""
    return {k: v for k, v in (clicks or {}).items() if k not in GUIDED_BOX}


def guided_box(clicks: dict | None) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) photo pixels from the two box corners, or None until both are clicked."""
    clicks = clicks or {}
    if not all(c in clicks for c in GUIDED_BOX):
        return None
    (ax, ay), (bx, by) = clicks[GUIDED_BOX[0]], clicks[GUIDED_BOX[1]]
    return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def guided_progress(clicks: dict | None, target: str | None = None) -> str:
    """What is clicked and what is still needed, in words (Markdown)."""
    clicks = clicks or {}
    missing = guided_missing(clicks)
    done = len([i for i in guided_required() if i in clicks])
    text = f"**{done} of {len(guided_required())} clicked.** "
    if missing:
        text += f"Next: **{guided_label(target or guided_next(clicks))}**. Still needed: {', '.join(missing)}."
    else:
        text += "Every joint and the box are set: **Cut out the person** to check, then **Try on**."
    right, left = clicks.get("right_shoulder"), clicks.get("left_shoulder")
    if right and left and right[0] > left[0]:
        text += ("\n\n_The right shoulder is right of the left one in the photo: fine for a photo from the back; "
                 "from the front, the person's right is on your left._")
    return text


def read_person(path: str | Path):
    """The person photo as (H, W, 3) uint8, upright as the Load Image node reads it (EXIF turned)."""
    import numpy as np
    from PIL import Image, ImageOps

    with Image.open(check_upload(path, "image")) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def guided_scale(photo) -> float:
    """How much the guided view shrinks ``photo`` (1 up to GUIDED_VIEW_SIDE pixels a side)."""
    return min(1.0, GUIDED_VIEW_SIDE / max(photo.shape[:2]))


def guided_on_view(photo, x, y) -> bool:
    """Whether (x, y) is a point of ``photo``'s guided view (finite numbers inside it)."""
    import math

    h, w = (s * guided_scale(photo) for s in photo.shape[:2])
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)) and (
        0 <= x <= w and 0 <= y <= h)


def guided_view(photo, clicks: dict | None, labels=None, mask=None):
    """The photo with the clicked joints (labelled dots, skeleton lines) and the box drawn on it, and,
    when given, the cut-out: ``labels`` (ATR-18) coloured and ``mask`` outlined, the rest dimmed.

    (H, W, 3) uint8 at the photo's size × :func:`guided_scale`."""
    import cv2
    import numpy as np

    from custom_nodes.tryon.preview import colour_labels

    scale = guided_scale(photo)
    h, w = (max(1, round(s * scale)) for s in photo.shape[:2])
    view = np.ascontiguousarray(photo if scale == 1 else cv2.resize(photo, (w, h), interpolation=cv2.INTER_AREA),
                                np.uint8).copy()
    if mask is not None:
        small = cv2.resize(np.asarray(mask, np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
        view[~small] = (view[~small] * 0.4).astype(np.uint8)
        if labels is not None:
            parts = cv2.resize(np.asarray(labels, np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
            tint = (colour_labels(parts) * 255).astype(np.float32)
            on = parts > 0
            view[on] = (0.45 * view[on] + 0.55 * tint[on]).astype(np.uint8)
        contours, _ = cv2.findContours(small.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(view, contours, -1, (255, 255, 255), max(1, round(max(h, w) / 400)), cv2.LINE_AA)
    pts = {k: (round(v[0] * scale), round(v[1] * scale)) for k, v in (clicks or {}).items()}
    size = max(h, w)
    line, radius = max(1, round(size / 250)), max(3, round(size / 110))
    for a, b in _BONES:
        if a in pts and b in pts:
            cv2.line(view, pts[a], pts[b], (255, 255, 255), line, cv2.LINE_AA)
    box = guided_box(clicks)
    if box is not None:
        x0, y0, x1, y1 = (round(v * scale) for v in box)
        cv2.rectangle(view, (x0, y0), (x1, y1), _BOX_COLOUR, line, cv2.LINE_AA)
    font, fscale = cv2.FONT_HERSHEY_SIMPLEX, max(0.4, size / 1100)
    joints = [p for k, p in pts.items() if k not in GUIDED_BOX]
    centre = sum(p[0] for p in joints) / len(joints) if joints else w / 2
    for item, (x, y) in pts.items():
        corner = item in GUIDED_BOX
        colour = _BOX_COLOUR if corner else _SIDE_COLOUR[item.split("_")[0] if "_" in item else ""]
        if corner:
            cv2.drawMarker(view, (x, y), colour, cv2.MARKER_CROSS, 3 * radius, line + 1, cv2.LINE_AA)
        else:
            cv2.circle(view, (x, y), radius, (0, 0, 0), -1, cv2.LINE_AA)
            cv2.circle(view, (x, y), radius - 1, colour, -1, cv2.LINE_AA)
        text = guided_label(item).replace("right ", "R ").replace("left ", "L ").replace("box corner ", "corner ")
        (tw, th), _ = cv2.getTextSize(text, font, fscale, 1)
        outward = x >= centre if item != "neck" else True  # away from the body, over the background
        if item == "neck":  # above the dot, between the shoulders' labels
            tx, ty = x - tw // 2, y - radius - 3
        else:
            tx = x + radius + 3 if outward else x - radius - 3 - tw
            ty = y + th // 2
        tx, ty = min(max(0, tx), max(0, w - tw)), min(max(ty, th + 1), h - 2)  # inside the photo
        cv2.putText(view, text, (tx, ty), font, fscale, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(view, text, (tx, ty), font, fscale, (255, 255, 255), 1, cv2.LINE_AA)
    return view


def _guided_error(exc) -> UserError:
    """The engine's refusal (a clicked joint, the box) as a sentence without its field prefix."""
    return UserError(re.sub(r"^field '[^']*': ", "", str(exc)))


def guided_cutout(photo, clicks: dict | None):
    """Run the guided inputs (pose from the clicks, GrabCut in the box, coarse labels) on ``photo``
    ((H, W, 3) array). Raises UserError naming what is still to click, or what GrabCut could not do."""
    from custom_nodes.core.errors import InvalidInputError
    from custom_nodes.tryon.guided import guided_inputs

    missing = guided_missing(clicks)
    if missing:
        raise UserError(f"click {', '.join(missing)} first")
    try:
        return guided_inputs(photo, guided_joints(clicks), box=guided_box(clicks))
    except InvalidInputError as exc:
        raise _guided_error(exc) from None


def guided_cutout_text(guided) -> str:
    """What the cut-out shows, in words (Markdown)."""
    share = 100 * float(guided.person_mask.mean())
    return (f"**Cut out:** the person covers {share:.0f} % of the photo (the rest is dimmed). Red: upper clothes, "
            "what the garment replaces; blue: lower garment; purple: arms; orange and peach: hair and face. If a "
            "part is wrong, move the box corners or joints (choose one, click again) and cut out again.")


def guided_fallback(person: str, labels: str | None, pose: str | None, clicks: dict | None,
                    job_dir: Path) -> tuple[str | None, str | None, str]:
    """(labels, pose, note) for :func:`tryon_prompt`. Unchanged when a pose JSON is given or the pose
    detector is installed; otherwise the pose JSON (AtelierLoadPose's format) made from the clicks, and,
    when no label map is given and the SegFormer parser is missing, the coarse label map cut out from
    the box — both written into ``job_dir/guided``. Raises UserError saying what is still to click."""
    import numpy as np
    from PIL import Image

    from custom_nodes.core.errors import InvalidInputError
    from custom_nodes.tryon.guided import INSTALL_POSE, pose_from_clicks
    from custom_nodes.tryon.pose import to_pose_keypoint

    need_pose = not pose and not pose_detector_installed()
    need_labels = not labels and not parser_installed()
    if not need_pose and not (need_labels and not guided_missing(clicks)):
        return labels, pose, ""  # the models (or the uploads) do it; clicks are only used when complete
    missing = guided_missing(clicks, need_box=need_labels)
    if missing:
        raise UserError(f"add the person's pose JSON, or click the person's joints under '{GUIDED_TITLE}' "
                        f"(still needed: {', '.join(missing)}). To find the pose automatically, run "
                        f"`{INSTALL_POSE}` once.")
    photo = read_person(person)
    folder = Path(job_dir) / "guided"
    folder.mkdir(parents=True, exist_ok=True)
    if need_labels:
        guided = guided_cutout(photo, clicks)
        frame = guided.pose_keypoint
        labels = str(folder / "person_labels.png")
        Image.fromarray(np.asarray(guided.labels, np.uint8), "L").save(labels)
        note = "Pose from your clicks, label map cut out from your box"
        if not need_pose:
            return labels, pose, "Label map cut out from your box (no parsing model is installed)"
    else:
        h, w = photo.shape[:2]
        try:
            frame = to_pose_keypoint([pose_from_clicks(guided_joints(clicks), w, h)], w, h)
        except InvalidInputError as exc:
            raise _guided_error(exc) from None
        note = "Pose from your clicks"
    pose = str(folder / "person_pose.json")
    Path(pose).write_text(json.dumps(frame), encoding="utf-8")
    return labels, pose, f"{note}. Run `{INSTALL_POSE}` once to find the pose automatically."


def tryon_sdxl_prompt(backend: Backend, person: str, garment: str, job_dir: Path | None = None) -> dict:
    return workflows.with_settings(workflows.load("tryon_sdxl"), {
        "Person photo.image": stage_upload(backend, person, "image", job_dir),
        "Garment photo.image": stage_upload(backend, garment, "image", job_dir)})


def before_after(person: str | Path, results: list, target: Path) -> Path:
    """The person photo and the try-on results side by side at one height (each result scaled as a whole,
    never cropped), written to ``target``: what the results gallery shows first."""
    from PIL import Image

    panels = [Image.fromarray(read_person(person))]  # upright, as the try-on read it
    for path in results:
        with Image.open(path) as im:
            panels.append(im.convert("RGB"))
    height = min(panels[0].height, 1536)
    panels = [p if p.height == height else p.resize((max(1, round(p.width * height / p.height)), height),
                                                    Image.Resampling.LANCZOS) for p in panels]
    gap = max(4, height // 100)
    sheet = Image.new("RGB", (sum(p.width for p in panels) + gap * (len(panels) - 1), height), (255, 255, 255))
    x = 0
    for panel in panels:
        sheet.paste(panel, (x, 0))
        x += panel.width + gap
    sheet.save(target)
    return target


def tryon_gallery(person: str | Path, files: list) -> list[tuple[Path, str]]:
    """(image, caption) for the results gallery: photo | results side by side, then each result."""
    files = [Path(f) for f in files]
    if not files:
        return []
    names = ["classic try-on" if "classic" in f.name else "SDXL try-on" for f in files]
    try:
        sheet = before_after(person, files, files[-1].with_name(f"{files[-1].stem}_before_after.png"))
    except Exception as exc:  # noqa: BLE001 - the results themselves still show
        log.warning("before/after image: %s", exc)
        return [(f, n) for f, n in zip(files, names, strict=True)]
    return [(sheet, "photo | " + " | ".join(names)), *zip(files, names, strict=True)]


def collect_images(title: str):
    """A collector for :func:`studio_app._run` returning the files of the node titled ``title``."""
    def collect(outcome: Outcome, prompt: dict, job_dir: Path) -> list[Path]:
        return files_of(outcome, prompt, title, job_dir)
    return collect


def sample_inputs() -> dict[str, Path]:
    """The sample inputs shipped with the pack (workflows/samples), by role."""
    from custom_nodes.core.samples import PREFIX, sample_files

    found = {p.name[len(PREFIX):]: p for p in sample_files()}
    roles = {"person": "person.png", "garment": "garment.png", "labels": "person_labels.png",
             "pose": "person_pose.json", "fabric": "fabric.jpg"}
    return {role: found[name] for role, name in roles.items() if name in found}


def check_image(path: str | None) -> tuple[str | None, str]:
    """(the path when it is an image the studio takes, else None; '' or a message) for an upload field."""
    if not path:
        return None, ""
    try:
        return str(check_upload(path, "image")), ""
    except UserError as exc:
        return None, f"⚠️ {exc}"


# --- Fabrics -------------------------------------------------------------------------------------


def fabric_ids() -> list[str]:
    """Every fabric in the catalog: the bundled ones and the user's (scans included)."""
    from custom_nodes.fabric.catalog import Catalog

    return Catalog().ids()


def physical_presets() -> list[tuple[str, str]]:
    """(label, id) of the solver's bundled physical presets: what "Behaves like" may offer."""
    from custom_nodes.fabric.presets import PRESET_IDS, PRESETS

    return [(f"{PRESETS[i].get('name', i)} ({i})", i) for i in PRESET_IDS]


def catalog_gallery(query: str = "") -> list[tuple[str, str]]:
    """(albedo image, caption) for every catalog fabric matching ``query`` (name or tag)."""
    from custom_nodes.fabric.catalog import Catalog

    query = clean_text(query, limit=MAX_TEXT_CHARS, what="search")
    entries = Catalog().search(query)
    return [(str(e.folder / "albedo.png"), f"{e.name} · {e.weight_gsm:.0f} g/m² · {', '.join(e.tags[:3])}")
            for e in entries if (e.folder / "albedo.png").is_file()]


def scan_to_catalog(photo: str | None, name: str, preset: str, px_per_cm: float, catalog_dir: str | None = None,
                    overwrite: bool = False):
    """Photo → tileable PBR maps → catalog entry; returns ([(image, caption)] or None, report text).

    The name is cleaned (at most 60 characters); a name the user's catalog already holds is replaced
    only with ``overwrite``; a bundled fabric's name gets its own id (denim → denim_2).
    """
    from custom_nodes.fabric.catalog import Catalog
    from custom_nodes.fabric.presets import PRESET_IDS

    if not photo:
        return None, "⚠️ add a fabric photo first (or load the sample)"
    try:
        name = clean_name(name)
        if preset not in PRESET_IDS:
            raise UserError(f"'Behaves like' must be one of the physical presets ({', '.join(PRESET_IDS)})")
        catalog = Catalog(catalog_dir) if catalog_dir else Catalog()
        fabric_id = catalog.free_id(name)
        if (catalog.root / fabric_id / "fabric.json").is_file() and not overwrite:
            raise UserError(f"your catalog already has a fabric saved as '{fabric_id}'. Tick 'Replace my fabric "
                            f"of the same name' to overwrite it, or choose another name.")
        check_upload(photo, "image")
        entry, maps, report, note = _scan(photo, name, preset, px_per_cm, catalog, overwrite)
    except Exception as exc:  # noqa: BLE001 - every failure is told in words (user_message logs the rest)
        return None, f"⚠️ {user_message(exc, 'the fabric scan')}"
    return _scan_views(entry, maps), (f"Saved as '{entry.id}' ({entry.name}), behaves like {preset}{note}.\n"
                                      f"{json.dumps(report, indent=1)}")


def _scan(photo: str, name: str, preset: str, px_per_cm: float, catalog, overwrite: bool):
    from custom_nodes.fabric.catalog import slugify
    from custom_nodes.fabric.image_io import read_image
    from custom_nodes.fabric.maps import make_pbr_maps
    from custom_nodes.fabric.report import scan_report
    from custom_nodes.fabric.scan import scan_fabric
    from custom_nodes.fabric.tileable import make_tileable

    image, note = read_image(photo), ""
    try:
        scanned = scan_fabric(image, detect=True, px_per_cm=float(px_per_cm or 0))
    except ValueError:  # no swatch outline or card in the photo: the photo is the swatch
        scanned, note = scan_fabric(image, px_per_cm=float(px_per_cm or 0)), "; no outline found, whole photo used"
    tile = make_tileable(scanned.image, method="quilt")
    maps = make_pbr_maps(tile)
    entry = catalog.import_scan(maps, name, preset=preset, tile_size=scanned.tile_size or 0.1, overwrite=overwrite)
    if entry.id != slugify(name):
        note += f"; a bundled fabric has the id '{slugify(name)}', which is left as it is"
    return entry, maps, scan_report(scanned.image, tile, maps.normal), note


def _scan_views(entry, maps) -> list[tuple[str, str]]:
    from custom_nodes.fabric.image_io import write_png

    views = entry.folder / "_views"
    views.mkdir(exist_ok=True)
    shown = []
    for key, image in (("albedo", maps.albedo), ("normal", maps.normal), ("roughness", maps.roughness),
                       ("2x2 preview", maps.preview())):
        path = views / f"{key.replace(' ', '_')}.png"
        write_png(image, path)
        shown.append((str(path), key))
    return shown


# --- Job history ---------------------------------------------------------------------------------


@dataclass
class JobSummary:
    id: str
    folder: Path
    kind: str
    what: str
    status: str  # running / done / failed / cancelled / stopped / unknown
    reason: str
    started: str  # ISO time (UTC)
    files: list[Path]
    design: str = ""  # the design version (id@vN) its result was saved to, from studio.json

    def row(self) -> list[str]:
        when = self.started.replace("T", " ")[:16]
        what = f"{self.what} · design {self.design}" if self.design else self.what
        return [when, self.kind or "job", what, self.status, self.reason]


def _read_json(path: Path) -> dict:
    """A JSON object from ``path``, or {} when it is missing, unreadable or not an object."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _output_files(folder: Path, names) -> list[Path]:
    """The job's output files: those its record names, else every file but records and uploads."""
    if isinstance(names, list) and names:
        paths = [folder / Path(str(n)).name for n in names]
    else:
        paths = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    return [p for p in paths if p.is_file() and not p.name.startswith(".")
            and p.name not in ("job.json", STUDIO_RECORD, "batch.json") and inside(folder, p)]


def read_job(folder: Path, live: set[str] | frozenset = frozenset()) -> JobSummary:
    """A job folder as the history shows it; job.json is read tolerantly (it may be missing, partial,
    or in an older shape)."""
    summary = _read_job(folder, live)
    design = _read_json(folder / STUDIO_RECORD).get("design")
    if isinstance(design, str) and re.fullmatch(r"[0-9a-f]{8,64}@v\d{1,9}", design):
        summary.design = design
    return summary


def _read_job(folder: Path, live) -> JobSummary:
    studio, record = _read_json(folder / STUDIO_RECORD), _read_json(folder / "job.json")
    started = str(record.get("started") or studio.get("created") or "")
    if not started:
        started = datetime.fromtimestamp(folder.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
    kind, what = str(studio.get("kind") or ""), str(studio.get("what") or record.get("workflow") or "")
    batch = _read_json(folder / "batch.json")
    if kind == "batch" or batch:
        return _read_batch(folder, batch, kind or "batch", what, started, live)
    if not record:
        status, reason = ("running", "") if folder.name in live else ("unknown", "no job record (job.json) found")
    else:
        status = _record_status(record)
        reason = "" if status == "running" else record_reason(record)
        if status == "running" and folder.name not in live:
            status, reason = "stopped", "the studio stopped while this job was running"
    files = _output_files(folder, record.get("files")) if status == "done" else []
    return JobSummary(folder.name, folder, kind, what, status, reason, started, files)


def _read_batch(folder: Path, batch: dict, kind: str, what: str, started: str, live) -> JobSummary:
    """A batch folder from its batch.json (``total``/``done``/``stopped``; older ones: ``jobs``/``succeeded``)."""
    zipped = [folder / "batch.zip"] if (folder / "batch.zip").is_file() else []
    if not batch or folder.name in live:
        running = folder.name in live
        return JobSummary(folder.name, folder, kind, what, "running" if running else "stopped",
                          "" if running else "the studio stopped while this batch was running", started, zipped)
    total = int(batch.get("total", batch.get("jobs", 0)) or 0)
    done = int(batch.get("done", batch.get("succeeded", 0)) or 0)
    stopped = str(batch.get("stopped") or "")
    if total and done == total:
        return JobSummary(folder.name, folder, kind, what, "done", "", started, zipped)
    status = "cancelled" if stopped == "cancelled" else "failed"
    reason = f"{done} of {total} jobs succeeded" + (f"; {scrub(stopped)}" if stopped and stopped != "cancelled" else "")
    return JobSummary(folder.name, folder, kind, what, status, reason, started, zipped)


def list_jobs(ctx: StudioContext, owner: str) -> list[JobSummary]:
    """The jobs ``owner`` may see, newest first: their own; with a login on, also jobs that record no
    owner (made before the history existed). Without an owner, none."""
    if not owner or not ctx.jobs_dir.is_dir():
        return []
    mine = []
    for folder in ctx.jobs_dir.iterdir():
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        recorded = _read_json(folder / STUDIO_RECORD).get("owner")
        if recorded == owner or (ctx.login and not recorded and owner.startswith("user:")):
            try:
                mine.append(read_job(folder, ctx.live))
            except OSError:  # a folder removed while listing
                continue
    mine.sort(key=lambda j: j.started, reverse=True)
    return mine[:HISTORY_LIMIT]


def find_job(ctx: StudioContext, owner: str, job_id: str) -> JobSummary | None:
    """The job ``job_id`` when ``owner`` may see it, else None."""
    return next((j for j in list_jobs(ctx, owner) if j.id == job_id), None)


# --- Servers -------------------------------------------------------------------------------------


def server_status(chosen, configured: list[str]) -> str:
    """One line per chosen ComfyUI (only those configured in the environment): version and queue, or
    that it does not answer."""
    from .comfy_client import ComfyClient

    urls = allowed_servers(chosen, configured)
    if not urls:
        return "No ComfyUI chosen: jobs run on the local runner (Atelier nodes and image I/O only)."
    lines = []
    for url in urls:
        with ComfyClient(url, timeout=3.0) as client:
            try:
                lines.append(f"✅ {url}: ComfyUI {client.version()}, {client.queue_load()} job(s) queued")
            except Exception as exc:  # noqa: BLE001 - report every server, whatever went wrong with one
                log.warning("ComfyUI at %s does not answer: %s", url, exc)
                lines.append(f"❌ {url}: does not answer (details in the studio log)")
    return "\n\n".join(lines)


def photoreal_help() -> str:
    return ("**Photoreal render** feeds the drape's depth, normal and OpenPose maps to SDXL with ControlNet and "
            "IP-Adapter (workflow `drape_render_sdxl`). It needs a ComfyUI server with ComfyUI_IPAdapter_plus and "
            "the models in `models/manifest.json`, configured by whoever runs the studio (ATELIER_COMFYUI_URLS).")


# --- Photoreal render ------------------------------------------------------------------------------


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
        "Prompt text.extra": clean_text(form.extra, limit=MAX_TEXT_CHARS, what="extra prompt text"),
        "Sampler.seed": int(form.seed), "Apply depth.strength": form.depth_strength,
        "Apply normal.strength": form.normal_strength, "Apply openpose.strength": form.pose_strength,
        "IP-Adapter.weight": form.fabric_weight}
    if d.colour:
        settings["Colour.colour"] = check_colour(d.colour)
    return workflows.with_settings(workflows.load("drape_render_sdxl"), settings)


def needs_comfyui(prompt: dict, backend: Backend) -> str:
    """'' when ``backend`` can run ``prompt``; otherwise what is missing, in words (pre-flight)."""
    from .preflight import check

    result = check(prompt, backend.object_info())
    return "" if result.ok else " ".join(result.messages())



# --- Designs -------------------------------------------------------------------------------------

DESIGN_COLUMNS = ["name", "garment", "fabric", "season", "latest", "updated (UTC)", "id"]
DESIGN_NAME_CHARS = 120


def _hex_of(rgb) -> str:
    return "" if rgb is None else "#" + "".join(f"{max(0, min(255, round(float(c) * 255))):02x}" for c in rgb)


def _rgb_of(colour: str) -> tuple[float, float, float] | None:
    if not colour:
        return None
    colour = check_colour(colour)
    return tuple(int(colour[i:i + 2], 16) / 255.0 for i in (1, 3, 5))


def form_from_design(design) -> DesignForm:
    """The Design & drape form a saved design fills (what the form cannot show is kept in the design)."""
    frames = int(getattr(design.drape, "max_frames", 240) or 240)
    quality = min(QUALITY_FRAMES, key=lambda q: abs(QUALITY_FRAMES[q] - frames))
    garment = design.garment if design.garment in FRAMING else "tshirt"
    measurements = {name: round(value * 100.0, 1) for name, value in design.body.measurements_m.items()}
    return DesignForm(garment, design.body.size, design.body.size_column, design.look.fabric_id,
                      _hex_of(design.look.colour_srgb), quality, measurements)


def design_from_form(form: DesignForm, name: str, base=None, season: str | None = None,
                     tags: str | None = None):
    """A :class:`Design` holding the form's values: ``base`` (the open design) with the form applied, or a
    new one. Uploaded patterns and avatars are not kept in a design saved from the studio."""
    from custom_nodes.core.design import Body, Design, Look
    from custom_nodes.core.errors import InvalidInputError
    from custom_nodes.pattern.params import TemplateSettings

    name = clean_text(name or "", limit=DESIGN_NAME_CHARS, what="design name").strip()
    if not name:
        raise UserError("give the design a name")
    try:
        body = Body(form.size, form.body, {k: float(v) / 100.0 for k, v in form.measurements_cm.items()
                                           if k in MEASUREMENT_FIELDS and v})
        look = Look(form.fabric_id, "", _rgb_of(form.colour))
        fields: dict[str, Any] = {"body": body, "look": look}
        if season is not None:
            fields["season"] = clean_text(season, limit=20, what="season").strip()
        if tags is not None:
            fields["tags"] = tuple(t for t in re.split(r"[,\s]+", clean_text(tags, limit=MAX_TEXT_CHARS, what="tags"))
                                   if t)
        if base is None:
            design = Design.new(name, form.template, **fields)
        else:
            from custom_nodes.core.design import PatternSource

            same = base.pattern.template is not None and base.garment == form.template
            pattern = base.pattern if same else PatternSource(TemplateSettings(garment=form.template))
            design = dataclasses.replace(base, name=name, pattern=pattern, **fields)
        frames = QUALITY_FRAMES.get(form.quality)
        if frames and hasattr(design.drape, "max_frames"):
            design = dataclasses.replace(design, drape=dataclasses.replace(design.drape, max_frames=frames))
        return design
    except InvalidInputError as exc:
        raise UserError(str(exc)) from None


def _latest_render(store, version) -> Path | None:
    for ref in reversed(version.design.media):
        if ref.kind == "render":
            try:
                path = store.media_path(ref)
            except Exception:  # noqa: BLE001 - a missing file: no thumbnail
                continue
            if path.is_file():
                return path
    return None


def list_designs(store, text: str = "", garment: str = "", fabric: str = "", season: str = ""):
    """(table rows, [(thumbnail, caption)], [(label, design id)]) of the designs matching the filters."""
    text = clean_text(text or "", limit=MAX_TEXT_CHARS, what="search")
    season = clean_text(season or "", limit=20, what="season")
    found = store.search(text, garment=garment or "", fabric=fabric or "", season=season)
    rows, thumbs, choices = [], [], []
    for d in found:
        rows.append([d.name, d.garment, ", ".join(d.fabrics), d.season, f"v{d.latest_number}",
                     d.updated_at.replace("T", " ")[:16], d.id])
        choices.append((f"{d.name} · {d.garment} · v{d.latest_number} · {d.id[:8]}", d.id))
        render = _latest_render(store, store.version(d.latest_version_id))
        if render is not None:
            thumbs.append((str(render), f"{d.name} v{d.latest_number}"))
    return rows, thumbs, choices


def version_choices(store, design_id: str) -> list[tuple[str, str]]:
    return [(f"v{v.number} · {v.created_at.replace('T', ' ')[:16]} · {v.author} · {v.message[:60]}", v.id)
            for v in reversed(store.versions(design_id))]


def open_design(store, design_id: str):
    """(latest version, the form it fills, a message)."""
    version = store.latest(design_id)
    return version, form_from_design(version.design), (
        f"Opened **{version.design.name}** v{version.number} (id {design_id}): its values are in the "
        f"Design & drape tab.")


def link_job(job_dir: Path, ref: str) -> None:
    """Record in the job's studio.json the design version (``id@vN``) its result was saved to."""
    path = Path(job_dir) / STUDIO_RECORD
    record = _read_json(path)
    record["design"] = ref
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=1))
    os.replace(tmp, path)


def save_design(store, form: DesignForm, name: str, design_id: str | None = None, as_new: bool = False,
                message: str = "", season: str | None = None, tags: str | None = None, render: str | Path | None = None,
                job_dir: Path | None = None, author: str | None = None):
    """Save the form as the next version of ``design_id`` (or a new design): ``render`` (a drape's preview)
    becomes the version's render; ``job_dir``'s history then names the version. (version, message)."""
    message = clean_text(message or "", limit=2000, what="message").strip()
    base = None if as_new or not design_id else store.latest(design_id).design
    design = design_from_form(form, name, base, season, tags)
    if render and Path(render).is_file():
        ref = store.add_media(render, Path(render).name, "render")
        design = dataclasses.replace(design, media=tuple(m for m in design.media if m.kind != "render") + (ref,))
    if base is None:
        version = store.create(design, author=author, message=message or "created in the studio")
    else:
        version = store.save(design_id, design, author=author, message=message or "saved from the studio")
    ref_text = f"{version.design_id}@v{version.number}"
    if job_dir is not None:
        link_job(job_dir, ref_text)
    said = f" — “{message}”" if message else ""
    media = " with the drape's render" if render and Path(render).is_file() else ""
    return version, f"Saved **{version.design.name}** as v{version.number}{media} ({ref_text}){said}."


def fork_design(store, design_id: str, name: str = "", author: str | None = None):
    source = store.latest(design_id)
    name = clean_text(name or "", limit=DESIGN_NAME_CHARS, what="design name").strip() or None
    version = store.fork(source.id, author=author, name=name)
    return version, (f"Forked {source.label} as **{version.design.name}** (id {version.design_id}); "
                     f"it is the open design now.")


def delete_design(store, design_id: str, confirmed: bool) -> str:
    """Delete a design and every version of it (its media files stay in the media folder)."""
    if not confirmed:
        return "⚠️ tick 'Yes, delete this design and all its versions' first."
    label = store.latest(design_id).label
    n = store.delete(design_id)
    return f"Deleted **{label}** and its {n} version{'' if n == 1 else 's'}."


def compare_versions(store, old_id: str, new_id: str):
    """(render of the first or None, render of the second or None, the field diff in words)."""
    old, new = store.version(old_id), store.version(new_id)
    changes = store.diff(old_id, new_id)
    head = f"**{old.label}** → **{new.label}**"
    text = head + ("\n\n" + "\n".join(f"- {c}" for c in changes) if changes else "\n\nNo field differs.")
    return _latest_render(store, old), _latest_render(store, new), text


# --- avatar from two photos (Design tab) -----------------------------------------------------------------


def measure_from_photos(front_path, side_path, height_cm, body: str):
    """The Design tab's "…or from two photos": (overlay image, {measurement name: cm}, text in words).

    The photos are checked as uploads before anything decodes them; an unusable photo (cut off, busy
    background, two people) is refused with what to retake. The values fill the measurement boxes, where
    the user can correct them before draping.
    """
    import numpy as np
    from PIL import Image

    from custom_nodes.avatar.photos import measure_photos, overlay_image

    from .safety import UploadRejected, check_upload

    if not front_path or not side_path:
        raise UploadRejected("give both photos: one from the front and one from the side")
    try:
        height = float(height_cm)
    except (TypeError, ValueError):
        raise UploadRejected("give the person's height in cm") from None
    if not 120 <= height <= 220:
        raise UploadRejected(f"the height must be 120–220 cm, got {height:g} cm")
    from PIL import ImageOps

    from custom_nodes.avatar.photo_profile import Lens
    from custom_nodes.avatar.photos import exif_focal_35mm

    photos, focal = [], []
    for path in (front_path, side_path):
        with Image.open(check_upload(path, "image")) as im:
            focal.append(exif_focal_35mm(im))  # the phone's lens, for the perspective correction
            photos.append(np.asarray(ImageOps.exif_transpose(im).convert("RGB")))  # phones store portraits turned
    pm = measure_photos(photos[0], photos[1], height / 100, body, lens=Lens(focal_mm=focal[0] or focal[1]))
    values = {name: round(v * 100, 1) for name, v in pm.values.items()}
    lines = [f"- {name.replace('_', ' ')}: {values[name]:.1f} ± {pm.uncertainty[name] * 100:.1f} cm"
             for name in pm.values]
    text = ("**Measured from the photos** (edit any box below before draping):\n" + "\n".join(lines)
            + "".join(f"\n\n_{n}_" for n in pm.notes))
    return overlay_image(pm, photos[0], photos[1]), values, text
