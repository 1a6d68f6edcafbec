"""Scripted runs: one job, or a batch of rows of settings, on ComfyUI servers or the local runner.

Every job writes its outputs and a ``job.json`` record (settings, backend, status, files, error,
seconds) into its own folder. A batch is resumable: rows whose record says ``success`` with the same
settings are skipped, so an interrupted batch continues where it stopped.
"""

from __future__ import annotations

import csv
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from custom_nodes.core.serial import atomic_write_bytes

from . import workflows
from .backends import choose_backend
from .runner import EventFn, LocalRunner


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """Rows of ``{"Node.input": value}`` from a CSV (header = settings) or a YAML list of mappings."""
    path = Path(path)
    if not path.is_file():
        raise workflows.WorkflowError(f"no batch file {path}")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        rows = yaml.safe_load(path.read_text()) or []
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise workflows.WorkflowError(f"{path}: expected a YAML list of mappings (one per job)")
        return [{str(k): v for k, v in r.items()} for r in rows]
    with path.open(newline="") as fh:
        return [{k: workflows.parse_value(v) for k, v in row.items() if v != ""} for row in csv.DictReader(fh)]


def run_job(workflow: str, settings: dict[str, Any], out_dir: Path, servers: list[str] | None = None,
            on_event: EventFn | None = None, cancel: threading.Event | None = None,
            runner: LocalRunner | None = None) -> dict:
    """Run one workflow with ``settings`` applied; returns (and writes) its record."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    record = {"workflow": workflow, "settings": settings, "status": "error", "backend": None, "files": [],
              "outputs": {}, "error": None}
    try:
        prompt = workflows.with_settings(workflows.load(workflow), settings)
        backend = choose_backend(prompt, servers, runner)
        record["backend"] = backend.describe()
        outcome = backend.run(prompt, out_dir, on_event=on_event, cancel=cancel)
        record.update(status=outcome.status, outputs=outcome.outputs, error=outcome.error,
                      files=[str(p.relative_to(out_dir)) for p in outcome.files])
    except (workflows.WorkflowError, RuntimeError, OSError) as exc:
        record["error"] = {"message": str(exc)}
    record["seconds"] = round(time.perf_counter() - started, 3)
    atomic_write_bytes(out_dir / "job.json", json.dumps(record, indent=1, default=str).encode())
    return record


def _done(folder: Path, settings: dict) -> bool:
    path = folder / "job.json"
    if not path.is_file():
        return False
    try:
        old = json.loads(path.read_text())
    except json.JSONDecodeError:
        return False
    return old.get("status") == "success" and old.get("settings") == json.loads(json.dumps(settings))


def run_batch(workflow: str, rows: list[dict[str, Any]], out_dir: str | Path, servers: list[str] | None = None,
              on_progress: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None,
              runner: LocalRunner | None = None) -> list[dict]:
    """Run every row (in parallel over the servers; one at a time on the local runner)."""
    out_dir = Path(out_dir)
    runner = runner or (None if servers else LocalRunner())
    results: list[dict | None] = [None] * len(rows)
    done_count = [0]
    lock = threading.Lock()

    def one(i: int) -> None:
        folder = out_dir / f"job_{i + 1:04d}"
        if cancel is not None and cancel.is_set():
            results[i] = {"status": "interrupted", "settings": rows[i], "skipped": True}
        elif _done(folder, rows[i]):
            results[i] = {**json.loads((folder / "job.json").read_text()), "resumed": True}
        else:
            results[i] = run_job(workflow, rows[i], folder, servers, cancel=cancel, runner=runner)
        with lock:
            done_count[0] += 1
            if on_progress:
                on_progress(done_count[0], len(rows))

    with ThreadPoolExecutor(max_workers=max(1, len(servers or []))) as pool:
        list(pool.map(one, range(len(rows))))
    summary = {"workflow": workflow, "jobs": len(rows),
               "succeeded": sum(1 for r in results if r and r.get("status") == "success")}
    atomic_write_bytes(out_dir / "batch.json", json.dumps(summary, indent=1).encode())
    return [r for r in results if r is not None]
