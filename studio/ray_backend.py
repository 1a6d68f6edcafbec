"""Catalog-scale batches on a Ray cluster: the pack's CPU work on Ray workers, the diffusion on ComfyUI.

    python -m studio batch WORKFLOW ROWS --ray [ADDRESS] --out DIR [--server URL …]

Optional (``pip install "atelier[cluster]"``); the in-process runner stays the default. Ray never enters
``custom_nodes/``: it lives here, in the studio.

Each row's workflow is split (:func:`split_workflow`) at the boundary between the nodes the local runner
can execute (every Atelier node and the core image I/O nodes of :mod:`studio.core_nodes`: the same rule as
``LocalRunner.missing_nodes``) and the nodes only ComfyUI runs (checkpoints, ControlNet, KSampler…):

* the **pack part** (pattern, avatar, drape, maps, GLB, previews) runs as a Ray task (:func:`pack_row`)
  with the local runner inside; it declares ``num_cpus`` and ``memory``, is retried when its worker dies
  (``max_retries``) and writes nothing itself: it returns its files' bytes through the object store;
* the **ComfyUI part** goes to one :class:`ComfyWorker` actor per server, which holds that server's queue
  depth (``max_concurrency``): images crossing the boundary (the control maps) are uploaded and read by
  ``LoadImage`` stand-ins, plain values (the prompt text) are written into the prompt;
* the **driver** is the only writer of row folders: each row's outputs are staged in the job folder's
  ``.partial`` and moved in by :class:`studio.jobs.JobFolder`, and each row is recorded once, so a retried
  task never yields a duplicate row. ``batch.json`` is written as rows finish. A server that dies puts its
  rows back into the pool for the other servers; a rerun finishes the rows not done (as without Ray).

Shared work: each Ray worker process keeps one local runner (its node cache, the Anny model, the SDF
colliders keyed by avatar, Taichi's compiled kernels are per process), and rows with the same avatar
settings get one avatar, built once by a task and shared through the object store.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custom_nodes.core.serial import atomic_write_bytes

from . import workflows
from .backends import Outcome
from .batch import _DONE, NOT_RUN, BatchReport, _done
from .jobs import JobFolder

INSTALL_HINT = ('the Ray backend (--ray) needs Ray, which is not installed here. '
                'Install it with: pip install "atelier[cluster]"')
REPO = Path(__file__).resolve().parents[1]
HANDOFF = "__handoff"  # id prefix of the nodes the split adds
LITERAL_TYPES = ("STRING", "INT", "FLOAT", "BOOLEAN", "COMBO")
SHARED_TYPES = ("ATELIER_AVATAR",)  # node outputs built once per batch and shared between rows
GIB = 1024 ** 3


class RayMissing(RuntimeError):
    """Ray is not installed; the message says how to install it."""


def require_ray():
    """The ``ray`` module, or RayMissing saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RayMissing(INSTALL_HINT) from None
    return ray


# --- splitting a workflow ---------------------------------------------------------------------------


def _is_link(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[1], int)


def local_classes() -> dict[str, type]:
    """Class types the local runner can execute (the rule of ``LocalRunner.missing_nodes``)."""
    from .runner import _node_mappings

    return _node_mappings()[0]


@dataclass
class Split:
    """One row's workflow cut in two. ``local`` runs on a Ray worker, ``comfy`` on a ComfyUI server
    (either may be empty). ``images``: LoadImage stand-in id in ``comfy`` → the SaveImage hand-off id in
    ``local`` that makes its file; ``literals``: (comfy node, input) → (local node, output slot) whose value
    is written into the ComfyUI prompt; ``probes``: the PreviewAny hand-offs forcing those nodes to run."""

    local: dict
    comfy: dict
    images: dict[str, str] = field(default_factory=dict)
    literals: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    probes: list[str] = field(default_factory=list)

    @property
    def handoffs(self) -> list[str]:
        return list(self.images.values()) + self.probes


def split_workflow(prompt: dict, classes: dict[str, type] | None = None) -> Split:
    """Cut ``prompt`` into the part the local runner can run (a node whose class it knows and whose inputs
    all come from such nodes) and the rest, for ComfyUI. Raises WorkflowError when a value that is neither
    an image nor a plain value (a mesh, a latent…) would have to cross from one part to the other."""
    classes = local_classes() if classes is None else classes
    local: set[str] = set()
    state: dict[str, bool] = {}

    def is_local(nid: str) -> bool:
        if nid not in state:
            state[nid] = False  # a cycle is reported by whichever runner meets it
            entry = prompt.get(nid)
            ok = isinstance(entry, dict) and entry.get("class_type") in classes
            for value in (entry or {}).get("inputs", {}).values():
                if _is_link(value):
                    ok = is_local(str(value[0])) and ok
            state[nid] = ok
        return state[nid]

    for nid in prompt:
        if is_local(nid):
            local.add(nid)
    out = Split({nid: prompt[nid] for nid in prompt if nid in local},
                {nid: json.loads(json.dumps(prompt[nid])) for nid in prompt if nid not in local})
    titles = {nid: e.get("_meta", {}).get("title") or e.get("class_type") for nid, e in prompt.items()}
    crossing: dict[tuple[str, int], str] = {}
    for nid, entry in list(out.comfy.items()):
        for name, value in list(entry.get("inputs", {}).items()):
            if not (_is_link(value) and str(value[0]) in local):
                continue
            src, slot = str(value[0]), value[1]
            kinds = getattr(classes.get(prompt[src]["class_type"]), "RETURN_TYPES", ())
            kind = kinds[slot] if slot < len(kinds) else "?"
            if kind == "IMAGE":
                stub = crossing.get((src, slot))
                if stub is None:
                    stub = crossing[(src, slot)] = f"{HANDOFF}_load_{src}_{slot}"
                    save = f"{HANDOFF}_save_{src}_{slot}"
                    out.local[save] = {"class_type": "SaveImage", "_meta": {"title": f"hand-off {src}.{slot}"},
                                       "inputs": {"images": [src, slot], "filename_prefix": f"handoff_{src}_{slot}"}}
                    out.comfy[stub] = {"class_type": "LoadImage", "_meta": {"title": f"{titles[src]} (from the pack)"},
                                       "inputs": {"image": ""}}
                    out.images[stub] = save
                entry["inputs"][name] = [stub, 0]
            elif kind in LITERAL_TYPES:
                probe = f"{HANDOFF}_value_{src}"
                if probe not in out.local:
                    out.local[probe] = {"class_type": "PreviewAny", "inputs": {"source": [src, slot]}}
                    out.probes.append(probe)
                out.literals[(nid, name)] = (src, slot)
            else:
                raise workflows.WorkflowError(
                    f"the Ray backend cannot split this workflow: {titles[src]} passes a {kind} to "
                    f"{titles[nid]}, which only ComfyUI runs; only images and plain values can go from the "
                    "pack's part to ComfyUI's. Run it without --ray")
    return out


def shared_nodes(local: dict, classes: dict[str, type] | None = None) -> dict[str, str]:
    """Nodes of ``local`` whose output is worth sharing between rows (avatars): node id → a key that is
    equal for rows that would build the same thing (its class and inputs, down its whole sub-graph)."""
    classes = local_classes() if classes is None else classes
    memo: dict[str, Any] = {}

    def key(nid: str) -> Any:
        if nid not in memo:
            entry = local[nid]
            memo[nid] = [entry["class_type"], {k: ["link", key(str(v[0])), v[1]] if _is_link(v) else v
                                               for k, v in sorted(entry.get("inputs", {}).items())}]
        return memo[nid]

    return {nid: json.dumps(key(nid), sort_keys=True, default=repr) for nid, e in local.items()
            if any(t in SHARED_TYPES for t in getattr(classes.get(e["class_type"]), "RETURN_TYPES", ()))}


def _sub_graph(prompt: dict, nid: str) -> dict:
    out: dict = {}

    def visit(n: str) -> None:
        if n not in out:
            out[n] = prompt[n]
            for value in prompt[n].get("inputs", {}).values():
                if _is_link(value):
                    visit(str(value[0]))

    visit(nid)
    return out


# --- on a Ray worker ----------------------------------------------------------------------------------

_RUNNER = None
_RUNNER_LOCK = threading.Lock()


def _worker_runner():
    """This worker process's local runner (its node cache lives as long as the process)."""
    global _RUNNER
    with _RUNNER_LOCK:
        if _RUNNER is None:
            from .runner import LocalRunner

            home = Path(tempfile.mkdtemp(prefix=f"atelier-ray-{os.getpid()}-"))
            _RUNNER = LocalRunner(output_dir=home / "output", temp_dir=home / "temp")
        return _RUNNER


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def pack_row(local: dict, handoffs: list[str], literals: list[tuple[str, int]], shared_ids: list[str],
             *shared_values) -> dict:
    """Run a row's pack part on this worker's local runner; returns its outcome and files' bytes (it
    writes nothing outside its own temporary folder, so running it twice is harmless)."""
    from .backends import LocalBackend
    from .runner import _Job

    started = time.perf_counter()
    runner = _worker_runner()
    if shared_ids:  # rows with the same avatar: use the one built once (a hit keeps the same object)
        keys = _Job(runner, local, [], "seed", None, threading.Event()).cache_keys(
            _ancestors_first(local, shared_ids))
        for nid, value in zip(shared_ids, shared_values):
            if value is not None and runner._cache_get(keys[nid]) is None:
                runner._cache_put(keys[nid], value)
    with tempfile.TemporaryDirectory(prefix="atelier-row-") as tmp:
        outcome = LocalBackend(runner).run(local, Path(tmp))
        files = {p.name: p.read_bytes() for p in outcome.files}
    for folder in (runner.dirs["output"], runner.dirs["temp"]):  # the copies are in `files`
        shutil.rmtree(folder, ignore_errors=True)
    outputs = dict(outcome.outputs)
    handed: dict[str, tuple[str, bytes]] = {}
    for hid in handoffs:
        images = (outputs.pop(hid, None) or {}).get("images", [])
        if images and images[0]["filename"] in files:
            handed[hid] = (images[0]["filename"], files.pop(images[0]["filename"]))
    values = {f"{nid}:{slot}": _plain(outcome.values[nid][slot]) for nid, slot in literals
              if nid in outcome.values and slot < len(outcome.values[nid])}
    return {"status": outcome.status, "outputs": outputs, "error": outcome.error, "files": list(files.items()),
            "handoffs": handed, "values": values, "pid": os.getpid(), "host": socket.gethostname(),
            "seconds": time.perf_counter() - started}


def build_shared(sub: dict, nid: str):
    """Build one shared node (an avatar) on a worker: ``(its outputs, its ui)``, or None when it fails
    (the rows then build it themselves and report the failure in their own words)."""
    runner = _worker_runner()
    probe = {**sub, f"{HANDOFF}_share": {"class_type": "PreviewAny", "inputs": {"source": [nid, 0]}}}
    try:
        entry = runner.run(probe)
    except Exception:
        return None
    if entry["status"]["status_str"] != "success" or nid not in entry["values"]:
        return None
    return entry["values"][nid], entry["outputs"].get(nid)


def _ancestors_first(prompt: dict, nids: list[str]) -> list[str]:
    order: list[str] = []
    for nid in nids:
        for n in reversed(list(_sub_graph(prompt, nid))):  # visit order is parents-after; reversed: parents first
            if n not in order:
                order.append(n)
    # _sub_graph lists a node before its inputs; make sure every input precedes its user
    done: list[str] = []

    def visit(n: str) -> None:
        if n in done:
            return
        for value in prompt[n].get("inputs", {}).values():
            if _is_link(value):
                visit(str(value[0]))
        done.append(n)

    for n in order:
        visit(n)
    return done


class ComfyWorker:
    """One ComfyUI server, as a Ray actor. ``max_concurrency`` is its queue depth: that many rows are
    on the server at once (one running, the next waiting, so the GPU never idles between rows)."""

    def __init__(self, url: str, depth: int):
        self.url, self.depth = url, depth
        self._cancels: dict[int, threading.Event] = {}
        self._lock = threading.Lock()

    def pid(self) -> int:
        return os.getpid()

    def load(self) -> int:
        with self._lock:
            return len(self._cancels)

    def interrupt(self) -> None:
        with self._lock:
            for cancel in self._cancels.values():
                cancel.set()

    def run(self, row: int, prompt: dict, handoffs: dict[str, tuple[str, bytes]]) -> dict:
        from .backends import ComfyBackend
        from .comfy_client import ComfyClient, ComfyError

        cancel = threading.Event()
        with self._lock:
            self._cancels[row] = cancel
        backend = ComfyBackend(ComfyClient(self.url))
        started = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="atelier-comfy-") as tmp:
                for hid, (name, data) in handoffs.items():
                    path = Path(tmp) / name
                    path.write_bytes(data)
                    try:
                        prompt[hid]["inputs"]["image"] = backend.stage(path)
                    except ComfyError as exc:
                        outcome = backend._lost(exc, "upload")
                        return {"status": outcome.status, "outputs": {}, "error": outcome.error, "files": []}
                outcome = backend.run(prompt, Path(tmp) / "out", cancel=cancel)
                files = [(p.name, p.read_bytes()) for p in outcome.files]
            return {"status": outcome.status, "outputs": outcome.outputs, "error": outcome.error, "files": files,
                    "seconds": time.perf_counter() - started}
        finally:
            backend.client.close()
            with self._lock:
                self._cancels.pop(row, None)


# --- the driver ---------------------------------------------------------------------------------------


@dataclass
class RaySettings:
    """How rows use the cluster. ``address``: None starts a local Ray (``num_cpus`` CPUs, default all)."""

    address: str | None = None
    num_cpus: int | None = None
    row_cpus: float = 1.0
    row_memory_gb: float = 1.0
    server_depth: int = 2
    max_retries: int = 3  # a row's pack task is rerun this often when its worker dies
    share_avatars: bool = True


@dataclass
class Progress:
    """Where a batch stands; ``on_progress`` gets one after every change (the hook a UI can poll)."""

    total: int
    done: int = 0
    failed: int = 0
    running: int = 0
    resumed: int = 0
    started: float = field(default_factory=time.monotonic)
    finished_here: int = 0  # rows finished by this run (not resumed)

    @property
    def rows_per_minute(self) -> float:
        elapsed = time.monotonic() - self.started
        return 60.0 * self.finished_here / elapsed if elapsed > 0 and self.finished_here else 0.0

    @property
    def eta_s(self) -> float | None:
        left = self.total - self.done - self.failed
        rate = self.rows_per_minute
        return 60.0 * left / rate if rate else None

    def line(self) -> str:
        eta = self.eta_s
        eta_text = "" if eta is None else f", ETA {int(eta // 60)}m{int(eta % 60):02d}s"
        return (f"[{self.done + self.failed}/{self.total}] done {self.done}, failed {self.failed}, "
                f"running {self.running}, {self.rows_per_minute:.1f} rows/min{eta_text}")

    def as_dict(self) -> dict:
        return {"total": self.total, "done": self.done, "failed": self.failed, "running": self.running,
                "rows_per_minute": round(self.rows_per_minute, 2), "eta_s": self.eta_s}


def _connect(ray, settings: RaySettings) -> bool:
    """Connect to (or start) Ray; True when this call started it (and must shut it down)."""
    if ray.is_initialized():
        return False
    env = {k: v for k, v in os.environ.items() if k.startswith(("ATELIER_", "ANNY_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    if settings.address is None:
        threads = str(max(1, int(settings.row_cpus)))
        env.setdefault("ATELIER_TAICHI_THREADS", threads)  # each drape keeps to the CPUs its task declared
        ray.init(num_cpus=settings.num_cpus or os.cpu_count(), include_dashboard=False, log_to_driver=False,
                 configure_logging=False, runtime_env={"env_vars": env})
    else:
        ray.init(address=settings.address, log_to_driver=False, configure_logging=False,
                 runtime_env={"env_vars": env})
    return True


def _row_resources(ray, settings: RaySettings) -> dict:
    total = ray.cluster_resources()
    cpus, memory = total.get("CPU", 0), total.get("memory", 0)
    if cpus < settings.row_cpus:
        raise workflows.WorkflowError(f"each row asks for {settings.row_cpus} CPUs; the Ray cluster has {cpus:g}")
    want = int(settings.row_memory_gb * GIB)
    if memory and want > memory:
        raise workflows.WorkflowError(f"each row asks for {settings.row_memory_gb:g} GiB of memory; the Ray "
                                      f"cluster has {memory / GIB:.1f} GiB for tasks")
    return {"num_cpus": settings.row_cpus, "memory": want, "max_retries": settings.max_retries,
            "retry_exceptions": False}


def execute_batch_ray(workflow: str, rows: list[dict[str, Any]], out_dir: str | Path,
                      servers: list[str] | None = None, settings: RaySettings | None = None,
                      on_row: Callable[[dict], None] | None = None,
                      on_progress: Callable[[Progress], None] | None = None,
                      cancel: threading.Event | None = None) -> BatchReport:
    """Run every row in ``out_dir/job_NNNN`` on Ray (see the module's text); the same records, batch.json
    and resume rules as :func:`studio.batch.execute_batch`. Raises RayMissing without Ray, WorkflowError
    for a workflow that cannot be split or a cluster too small for one row."""
    ray = require_ray()
    settings = settings or RaySettings()
    out_dir = Path(out_dir)
    base = workflows.load(workflow)
    classes = local_classes()
    first = split_workflow(workflows.with_settings(base, rows[0]), classes) if rows else None  # refused up front
    needs_comfy = bool(first and first.comfy)
    out_dir.mkdir(parents=True, exist_ok=True)
    cancel = cancel or threading.Event()
    records: list[dict] = [{"row": i + 1, "folder": f"job_{i + 1:04d}", "status": NOT_RUN, "settings": row}
                           for i, row in enumerate(rows)]
    report = BatchReport(records)
    progress = Progress(len(rows))

    def save() -> None:
        atomic_write_bytes(out_dir / "batch.json", json.dumps(report.summary(str(workflow)), indent=1,
                                                              default=str).encode())

    def tell() -> None:
        if on_progress:
            on_progress(progress)

    def ended(i: int, record: dict, resumed: bool = False) -> None:
        records[i] = {**record, "row": i + 1, "folder": f"job_{i + 1:04d}"}
        if record.get("status") in _DONE:
            progress.done += 1
        else:
            progress.failed += 1
        if resumed:
            progress.resumed += 1
        else:
            progress.finished_here += 1
        save()
        if on_row:
            on_row(records[i])
        tell()

    todo: deque[int] = deque()
    for i, row in enumerate(rows):
        old = _done(out_dir / f"job_{i + 1:04d}", row)
        if old is not None:
            ended(i, {**old, "resumed": True}, resumed=True)
        else:
            todo.append(i)
    progress.started = time.monotonic()
    if not todo:
        save()
        return report
    if needs_comfy and not servers:
        report.stopped = ("No ComfyUI server is configured, and this workflow needs ComfyUI for "
                          f"{', '.join(sorted({e['class_type'] for e in first.comfy.values()}))}: "
                          "give --server URL (or ATELIER_COMFYUI_URLS)")
        save()
        return report

    started_ray = _connect(ray, settings)
    try:
        return _drive(ray, settings, str(workflow), base, rows, out_dir, todo, servers if needs_comfy else [],
                      report, progress, records, ended, save, tell, cancel, classes)
    finally:
        if started_ray:
            ray.shutdown()


@dataclass
class _Row:
    job: JobFolder
    prompt: dict
    split: Split
    pack: dict | None = None
    server: int | None = None
    tries_on_servers: int = 0


def _drive(ray, settings, workflow, base, rows, out_dir, todo, servers, report, progress, records, ended, save,
           tell, cancel, classes) -> BatchReport:
    from .backends import comfy_backends

    resources = _row_resources(ray, settings)
    pack_task = ray.remote(pack_row).options(**resources)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    window = max(2, int(2 * cpus / max(settings.row_cpus, 0.01)))  # tasks queued on the cluster at once

    # ComfyUI servers: one actor each, only for those that answer now
    pool: list[dict] = []
    if servers:
        healthy, problems = comfy_backends(servers)
        report.servers = [{"url": b.client.base_url, "state": "used", "reason": None} for b in healthy]
        report.servers += [{"url": u, "state": "not answering", "reason": why} for u, why in problems.items()]
        worker_cls = ray.remote(ComfyWorker)
        for n, backend in enumerate(healthy):
            url = backend.client.base_url
            backend.client.close()
            actor = worker_cls.options(num_cpus=0, max_concurrency=settings.server_depth, max_restarts=2,
                                       max_task_retries=0, name=f"atelier-comfy-{n}-{os.getpid()}-{int(time.time() * 1000) % 100000}",
                                       get_if_exists=False).remote(url, settings.server_depth)
            pool.append({"url": url, "actor": actor, "inflight": 0, "alive": True})
        if not pool:
            from .backends import no_server_message

            report.stopped = no_server_message(problems)
            save()
            return report

    state: dict[int, _Row] = {}
    inflight: dict[Any, tuple[str, int]] = {}  # object ref → ("pack" | "comfy", row index)
    gpu_wait: deque[int] = deque()
    shared: dict[str, Any] = {}  # shared-node key → object ref of (outputs, ui)

    def prepare(i: int) -> _Row:
        job = JobFolder(out_dir / f"job_{i + 1:04d}", workflow=workflow, settings=rows[i])
        prompt = job.own_prompt(workflows.with_settings(base, rows[i]))
        return _Row(job, prompt, split_workflow(prompt, classes))

    # rows with the same avatar settings share one avatar, built once
    if settings.share_avatars:
        counts: dict[str, list] = {}
        for i in todo:
            try:
                row = prepare(i)
            except workflows.WorkflowError:
                continue
            state[i] = row
            for nid, key in shared_nodes(row.split.local, classes).items():
                counts.setdefault(key, [row.split.local, nid, 0])[2] += 1
        build = ray.remote(build_shared).options(**resources)
        for key, (local, nid, n) in counts.items():
            if n > 1:
                shared[key] = build.remote(_sub_graph(local, nid), nid)

    def finish(i: int, outcome: Outcome, backend: str | None = None) -> None:
        row = state.pop(i)
        if backend:
            row.job.record["backend"] = backend
        row.job.finish(outcome, row.prompt)
        progress.running -= 1
        ended(i, row.job.record)

    def staged(row: _Row, files: list[tuple[str, bytes]]) -> list[Path]:
        row.job.staging.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in files:
            path = row.job.staging / Path(name).name
            path.write_bytes(data)
            paths.append(path)
        return paths

    def submit_pack(i: int) -> None:
        row = state.get(i)
        if row is None:
            try:
                row = state[i] = prepare(i)
            except workflows.WorkflowError as exc:
                ended(i, JobFolder(out_dir / f"job_{i + 1:04d}", workflow=workflow, settings=rows[i]).fail(str(exc)))
                return
        row.job.start("Ray (local runner on a Ray worker)" + (" + ComfyUI" if row.split.comfy else ""))
        records[i] = {**records[i], "status": "running"}
        progress.running += 1
        if not row.split.local:  # nothing for the pack: straight to ComfyUI
            row.pack = {"status": "success", "outputs": {}, "files": [], "handoffs": {}, "values": {}}
            gpu_wait.append(i)
            return
        keyed = shared_nodes(row.split.local, classes) if shared else {}
        ids = [nid for nid, key in keyed.items() if key in shared]
        literal_srcs = sorted(set(row.split.literals.values()))
        ref = pack_task.remote(row.split.local, row.split.handoffs, literal_srcs, ids,
                               *[shared[keyed[nid]] for nid in ids])
        inflight[ref] = ("pack", i)

    def pack_ended(i: int, result: dict | None, crash: str | None) -> None:
        row = state[i]
        if crash is not None:
            finish(i, Outcome("error", {}, error={"message": crash}, backend="ray"))
            return
        where = f"Ray worker {result['host']} (pid {result['pid']}, local runner)"
        if result["status"] != "success" or not row.split.comfy:
            outputs = result["outputs"] if result["status"] == "success" else {}
            finish(i, Outcome(result["status"], outputs, staged(row, result["files"]), result["error"], "ray"), where)
            return
        row.pack = {**result, "where": where}
        gpu_wait.append(i)

    def submit_comfy(i: int, server: dict) -> None:
        row = state[i]
        prompt = json.loads(json.dumps(row.split.comfy))
        for (nid, name), (src, slot) in row.split.literals.items():
            prompt[nid]["inputs"][name] = row.pack["values"].get(f"{src}:{slot}")
        handoffs = {stub: row.pack["handoffs"][save] for stub, save in row.split.images.items()
                    if save in row.pack["handoffs"]}
        row.server = pool.index(server)
        server["inflight"] += 1
        inflight[server["actor"].run.remote(i, prompt, handoffs)] = ("comfy", i)

    def lose(server: dict, why: str) -> None:
        if not server["alive"]:
            return
        server["alive"] = False
        for entry in report.servers:
            if entry["url"] == server["url"]:
                entry.update(state="lost", reason=why)
        try:
            ray.kill(server["actor"], no_restart=True)
        except Exception:
            pass

    def comfy_ended(i: int, result: dict | None, crash: str | None) -> None:
        row = state[i]
        server = pool[row.server]
        server["inflight"] -= 1
        kind = ((result or {}).get("error") or {}).get("type")
        if crash is not None or kind == "server_unreachable":
            if kind == "server_unreachable":
                lose(server, result["error"]["message"])
            row.tries_on_servers += 1
            if row.tries_on_servers <= len(pool) + settings.max_retries:
                gpu_wait.appendleft(i)  # back to the pool, for another (or the restarted) server
                return
            result = {"status": "error", "outputs": {}, "files": [],
                      "error": (result or {}).get("error") or {"message": crash}}
        files = staged(row, row.pack["files"]) + staged(row, result["files"])
        outputs = {**row.pack["outputs"], **result["outputs"]} if result["status"] == "success" else {}
        where = f"{row.pack['where']} + ComfyUI at {server['url']}"
        finish(i, Outcome(result["status"], outputs, files, result["error"], "ray+comfyui"), where)

    try:
        while todo or inflight or gpu_wait:
            if cancel.is_set():
                raise KeyboardInterrupt
            while todo and sum(kind == "pack" for kind, _ in inflight.values()) < window:
                submit_pack(todo.popleft())
            live = [s for s in pool if s["alive"]]
            while gpu_wait and live:
                server = min(live, key=lambda s: s["inflight"])
                if server["inflight"] >= settings.server_depth:
                    break
                submit_comfy(gpu_wait.popleft(), server)
            if gpu_wait and not live and not any(kind == "comfy" for kind, _ in inflight.values()):
                lost = [s["reason"] for s in report.servers if s["state"] == "lost"]
                report.stopped = "No ComfyUI server is left: " + "; ".join(lost)
                break
            tell()
            if not inflight:
                continue
            ready, _ = ray.wait(list(inflight), num_returns=1, timeout=0.5)
            for ref in ready:
                kind, i = inflight.pop(ref)
                result, crash = _get(ray, ref, kind, settings)
                (pack_ended if kind == "pack" else comfy_ended)(i, result, crash)
    except KeyboardInterrupt:  # Ctrl-C: stop the running rows, record them cancelled; a rerun resumes
        cancel.set()
        for ref, (kind, _) in inflight.items():
            if kind == "pack":
                ray.cancel(ref, force=True)
        for server in pool:
            if server["alive"]:
                try:
                    ray.get(server["actor"].interrupt.remote(), timeout=5)
                except Exception:
                    pass
        for i in list(state):
            if records[i]["status"] == "running":
                finish(i, Outcome("interrupted", {}, backend="ray"))
        report.stopped = "cancelled"
    for i in list(state):  # rows left waiting for a server that is gone
        if records[i]["status"] == "running":
            job = state[i].job
            job.record.update(status=NOT_RUN, reason="no ComfyUI server was left to run its ComfyUI part")
            job._write()
            records[i] = {**records[i], "status": NOT_RUN}
            progress.running -= 1
    for server in pool:
        if server["alive"]:
            try:
                ray.kill(server["actor"], no_restart=True)
            except Exception:
                pass
    save()
    tell()
    return report


def _get(ray, ref, kind: str, settings: RaySettings) -> tuple[dict | None, str | None]:
    """A task's result, or (None, why in words) when its worker or actor died for good."""
    from ray import exceptions as rex

    try:
        return ray.get(ref), None
    except rex.TaskCancelledError:
        return None, "cancelled"
    except (rex.WorkerCrashedError, rex.NodeDiedError, rex.OutOfMemoryError) as exc:
        what = "the Ray worker running it" if kind == "pack" else "the ComfyUI actor"
        return None, (f"{what} died {settings.max_retries + 1} times "
                      f"({type(exc).__name__}); the row was not finished")
    except rex.RayActorError:
        return None, "the ComfyUI actor died"
    except rex.RayTaskError as exc:  # a bug in the row's own code: say so, without a traceback
        return None, f"the row's task failed ({str(exc).strip().splitlines()[-1][:300]})"
