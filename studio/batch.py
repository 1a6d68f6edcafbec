"""Scripted runs: one job, or a batch of rows of settings, on ComfyUI servers or the local runner.

Every job has its own folder with a ``job.json`` record (see :class:`studio.jobs.JobFolder`): ``running``
while it runs, then ``done``, ``failed`` or ``cancelled`` with the reason in words; outputs appear only
when the job succeeded. A batch writes ``batch.json`` (every row: done, failed, cancelled or not run)
after each row and at the end. It runs one row at a time per server; a server that dies fails the row
it was running and takes no more, the others go on; with none left the batch stops cleanly. A batch is
resumable: rows whose record says ``done`` with the same settings are skipped, so rerunning the same
command finishes only the remaining rows.

A row may name a saved design instead of (or besides) settings: ``design=<id>[@version]`` becomes the
workflow's own settings (:func:`design_settings`): a Load Design node gets the id and version; otherwise the
design's template, body, fabric and drape settings go into the pack's nodes that take them. The row's other
columns win over the design's values.
"""

from __future__ import annotations

import csv
import difflib
import json
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custom_nodes.core.serial import atomic_write_bytes

from . import workflows
from .backends import Backend, ComfyBackend, choose_backend, comfy_backends, no_server_message
from .jobs import JobFolder
from .runner import EventFn, LocalRunner

NOT_RUN = "not run"
DESIGN_KEY = "design"  # a row's column naming a saved design: <id> or <id>@<version>
_DONE = ("done", "success")  # "success": records written before job.json had its own status words


# --- settings -----------------------------------------------------------------------------------


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """Rows of ``{"Node.input": value}`` from a CSV (header = settings) or a YAML list of mappings."""
    path = Path(path)
    if not path.is_file():
        raise workflows.WorkflowError(f"no batch file {path}")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except UnicodeDecodeError:
            raise workflows.WorkflowError(f"{path}: not UTF-8 text") from None
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            line = f" (line {where.line + 1})" if where is not None else ""
            raise workflows.WorkflowError(f"{path}: not valid YAML{line}") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise workflows.WorkflowError(f"{path}: expected a YAML list of mappings (one per job)")
        return [{str(k): v for k, v in r.items()} for r in rows]
    try:
        with path.open(newline="") as fh:
            return [{k: v.strip() if k == DESIGN_KEY else workflows.parse_value(v)  # an id stays text
                     for k, v in row.items() if v and k} for row in csv.DictReader(fh)]
    except (UnicodeDecodeError, csv.Error):
        raise workflows.WorkflowError(f"{path}: not a readable CSV file (UTF-8 text, a header of "
                                      "NODE.INPUT names, one row per job)") from None


def _schema_inputs(class_type: str) -> dict[str, Any]:
    """Inputs (required and optional) a node type declares, when it is one this install knows; else {}."""
    try:
        from .runner import _node_mappings

        spec = _node_mappings()[0][class_type].INPUT_TYPES()
    except Exception:  # a ComfyUI-only node, or a node pack that does not import here: the workflow decides
        return {}
    return {**spec.get("required", {}), **spec.get("optional", {})}


def _settable(entry: dict) -> list[str]:
    """Inputs of a workflow node that ``--set`` can change: its values (not its links) and declared widgets."""
    inputs = entry.get("inputs", {})
    names = {name for name, value in inputs.items() if not (isinstance(value, list) and len(value) == 2)}
    for name, spec in _schema_inputs(entry.get("class_type", "")).items():
        kind = spec[0] if isinstance(spec, (list, tuple)) and spec else None
        if isinstance(kind, list) or kind in ("INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"):
            names.add(name)
    return sorted(names)


def _did_you_mean(word: str, choices: Iterable[str], template: str = "'{}'") -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f"; did you mean {template.format(close[0])}?" if close else ""


def check_settings(prompt: dict, keys: Iterable[str]) -> None:
    """Refuse settings naming a node or an input the workflow does not have (WorkflowError naming the
    valid ones, with the closest match)."""
    titles = sorted({e.get("_meta", {}).get("title") or e["class_type"] for e in prompt.values()})
    names = {e.get("_meta", {}).get("title") for e in prompt.values()} | {e["class_type"] for e in prompt.values()}
    for key in dict.fromkeys(keys):
        if "." not in key:
            raise workflows.WorkflowError(f"setting '{key}' must look like NODE.INPUT (e.g. Garment.size)")
        ref, name = key.rsplit(".", 1)
        try:
            nid = workflows.find_node(prompt, ref)
        except workflows.WorkflowError:
            if ref in names:
                raise  # it names several nodes: find_node's message says to use the node id
            hint = _did_you_mean(ref, titles, "'{}." + name + "'")
            raise workflows.WorkflowError(f"'{key}': the workflow has no node '{ref}'{hint or '.'} "
                                          f"Its nodes: {', '.join(titles)}") from None
        entry = prompt[nid]
        known = set(entry.get("inputs", {})) | set(_schema_inputs(entry["class_type"]))
        if name not in known:
            settable = _settable(entry)
            hint = _did_you_mean(name, settable, "'" + ref + ".{}'")
            raise workflows.WorkflowError(f"'{key}': node '{ref}' has no input '{name}'{hint or '.'} "
                                          f"Its inputs: {', '.join(settable) or '(none)'}")


# --- designs as rows ----------------------------------------------------------------------------

#: The pack's nodes a design can fill, in user words (for the error when a workflow has none of them).
_DESIGN_NODES = "Load Design, Pattern Template, Avatar From Measurements, Fabric From Catalog, Recolour Fabric or Drape"


def design_settings(prompt: dict, reference: Any, store=None) -> dict[str, Any]:
    """``{"<node id>.<input>": value}`` that put the saved design ``reference`` (``<id>`` or ``<id>@<version>``;
    latest when no version) into ``prompt``. Raises WorkflowError in user words when the design is missing or
    the workflow cannot take it (no node for it, or a print or pattern file only Load Design brings)."""
    from custom_nodes.core.errors import AtelierError
    from custom_nodes.design.load import (
        find_version,
        node_inputs,
        open_store,
        parse_reference,
        what_only_load_design_brings,
    )

    try:
        design_id, number = parse_reference(reference)
        if store is None:
            with open_store() as opened:
                version = find_version(opened, design_id, number)
        else:
            version = find_version(store, design_id, number)
    except AtelierError as exc:
        raise workflows.WorkflowError(f"design '{str(reference)[:80]}': {exc}") from None
    values = node_inputs(version)
    loaders = [nid for nid, e in prompt.items() if e["class_type"] == "AtelierLoadDesign"]
    if loaders:  # the workflow reads the design itself: pin the version found now
        return {f"{nid}.{k}": v for nid in loaders for k, v in values["AtelierLoadDesign"].items()}
    lost = what_only_load_design_brings(version.design)
    if lost:
        raise workflows.WorkflowError(f"design '{version.label}' has {' and '.join(lost)}, which only a Load Design "
                                      f"node brings into a workflow; this workflow has none")
    out: dict[str, Any] = {}
    for nid, entry in prompt.items():
        inputs = entry.get("inputs", {})
        declared = set(inputs) | set(_schema_inputs(entry["class_type"]))
        for name, value in values.get(entry["class_type"], {}).items():
            linked = isinstance(inputs.get(name), list) and len(inputs[name]) == 2
            if name in declared and not linked:
                out[f"{nid}.{name}"] = value
    if not out:
        raise workflows.WorkflowError(f"design '{version.label}': the workflow has no node a design can fill "
                                      f"({_DESIGN_NODES})")
    return out


def expand_design_rows(prompt: dict, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with a ``design`` column turned into settings (the row's own columns win); others unchanged.
    The designs database is opened once, and only when a row names a design."""
    if not any(DESIGN_KEY in row for row in rows):
        return rows
    from custom_nodes.core.errors import AtelierError
    from custom_nodes.design.load import open_store

    try:
        store = open_store()
    except AtelierError as exc:
        raise workflows.WorkflowError(str(exc)) from None
    out = []
    try:
        for i, row in enumerate(rows):
            if DESIGN_KEY not in row:
                out.append(row)
                continue
            try:
                settings = design_settings(prompt, row[DESIGN_KEY], store)
            except workflows.WorkflowError as exc:
                raise workflows.WorkflowError(f"row {i + 1}: {exc}") from None
            out.append({**settings, **{k: v for k, v in row.items() if k != DESIGN_KEY}})
    finally:
        store.close()
    return out


# --- one job ------------------------------------------------------------------------------------


def run_job(workflow: str, settings: dict[str, Any], out_dir: str | Path, servers: list[str] | None = None,
            on_event: EventFn | None = None, cancel: threading.Event | None = None,
            runner: LocalRunner | None = None, backend: Backend | None = None) -> dict:
    """Run one workflow with ``settings`` applied in the job folder ``out_dir``; returns its job.json record.

    With ``servers`` it runs on one of them that answers, never on the local runner: when none
    answers the job fails saying so. A failure is recorded, not raised.
    """
    job = JobFolder(out_dir, workflow=str(workflow), settings=settings)
    try:
        prompt = workflows.with_settings(workflows.load(workflow), settings)
        backend = backend or choose_backend(prompt, servers, runner)
    except (workflows.WorkflowError, RuntimeError) as exc:  # NoServerError is a RuntimeError
        return job.fail(str(exc))
    job.run(backend, prompt, on_event=on_event, cancel=cancel)
    return job.record


def _done(folder: Path, settings: dict) -> dict | None:
    """The record of a job already done with these settings (a rerun skips it), else None."""
    try:
        old = json.loads((folder / "job.json").read_text())
    except (OSError, ValueError):
        return None
    same = isinstance(old, dict) and old.get("settings") == json.loads(json.dumps(settings, default=str))
    return old if same and old.get("status") in _DONE else None


# --- batches ------------------------------------------------------------------------------------


@dataclass
class BatchReport:
    """What a batch did: one record per row (its job.json, or ``not run``), and why it stopped early."""

    records: list[dict]
    stopped: str | None = None  # why rows were left: no server left, cancelled…
    servers: list[dict] = field(default_factory=list)  # {"url", "state": used|lost|not answering, "reason"}

    def count(self, *statuses: str) -> int:
        return sum(1 for r in self.records if r.get("status") in statuses)

    @property
    def remaining(self) -> int:
        """Rows a rerun of the same command would run (everything not done)."""
        return len(self.records) - self.count(*_DONE)

    def summary(self, workflow: str) -> dict:
        """The content of batch.json."""
        rows = [{"row": r.get("row"), "folder": r.get("folder"), "status": r.get("status"),
                 "reason": r.get("reason"), "files": r.get("files", []), "settings": r.get("settings"),
                 **({"resumed": True} if r.get("resumed") else {})} for r in self.records]
        return {"workflow": workflow, "total": len(rows), "done": self.count(*_DONE), "failed": self.count("failed"),
                "cancelled": self.count("cancelled"), "not_run": self.count(NOT_RUN, "running"),
                "remaining": self.remaining, "stopped": self.stopped, "servers": self.servers, "rows": rows}


def _backends(prompt: dict, servers: list[str] | None, runner: LocalRunner | None,
              report: BatchReport) -> list[Backend]:
    """The backends a batch runs on: every server that answers (noting the others), or the local runner."""
    if servers:
        backends, problems = comfy_backends(servers)
        report.servers = [{"url": b.client.base_url, "state": "used", "reason": None} for b in backends]
        report.servers += [{"url": url, "state": "not answering", "reason": why} for url, why in problems.items()]
        if not backends:
            report.stopped = no_server_message(problems)
        return backends
    try:
        return [choose_backend(prompt, None, runner or LocalRunner())]
    except RuntimeError as exc:
        report.stopped = str(exc)
        return []


def execute_batch(workflow: str, rows: list[dict[str, Any]], out_dir: str | Path, servers: list[str] | None = None,
                  on_progress: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None,
                  runner: LocalRunner | None = None,
                  on_row: Callable[[dict], None] | None = None) -> BatchReport:
    """Run every row in ``out_dir/job_NNNN``, one at a time per server (or on the local runner).

    ``on_row(record)`` is called as each row ends (``record["row"]`` is its 1-based number). Ctrl-C
    cancels the running jobs and stops cleanly. Raises WorkflowError for an unknown workflow.
    """
    out_dir = Path(out_dir)
    base = workflows.load(workflow)
    out_dir.mkdir(parents=True, exist_ok=True)
    cancel = cancel or threading.Event()
    records: list[dict] = [{"row": i + 1, "folder": f"job_{i + 1:04d}", "status": NOT_RUN, "settings": row}
                           for i, row in enumerate(rows)]
    report = BatchReport(records)
    lock = threading.Lock()
    finished = [0]
    todo: queue.Queue[int] = queue.Queue()

    def save() -> None:
        with lock:
            summary = report.summary(str(workflow))
        atomic_write_bytes(out_dir / "batch.json", json.dumps(summary, indent=1, default=str).encode())

    def ended(i: int, record: dict) -> None:
        with lock:
            records[i] = {**record, "row": i + 1, "folder": f"job_{i + 1:04d}"}
            finished[0] += 1
            count = finished[0]
        save()
        if on_row:
            on_row(records[i])
        if on_progress:
            on_progress(count, len(rows))

    for i, row in enumerate(rows):
        old = _done(out_dir / f"job_{i + 1:04d}", row)
        if old is not None:
            ended(i, {**old, "resumed": True})
        else:
            todo.put(i)

    def work(backend: Backend) -> None:
        while not cancel.is_set():
            problem = backend.problem() if isinstance(backend, ComfyBackend) else None
            if problem:
                _lost(report, backend, problem, lock)
                return
            try:
                i = todo.get_nowait()
            except queue.Empty:
                return
            with lock:
                records[i] = {**records[i], "status": "running"}
            try:
                record = _run_row(base, rows[i], out_dir / f"job_{i + 1:04d}", str(workflow), backend, cancel)
            except OSError as exc:  # the job folder itself cannot be written (disk full, permissions)
                record = {"status": "failed", "settings": rows[i],
                          "reason": f"the job folder could not be written ({exc.strerror or exc})"}
            ended(i, record)
            if (record.get("error") or {}).get("type") == "server_unreachable":
                _lost(report, backend, record["reason"], lock)
                return

    backends = _backends(base, servers, runner, report) if not todo.empty() else []
    working = [len(backends)]
    all_stopped = threading.Event()

    def worker(backend: Backend) -> None:
        try:
            work(backend)
        finally:
            with lock:
                working[0] -= 1
                if working[0] == 0:
                    all_stopped.set()

    if not backends:
        all_stopped.set()
    for n, backend in enumerate(backends):
        threading.Thread(target=worker, args=(backend,), name=f"batch-{n}", daemon=True).start()
    try:  # an Event, not Thread.join: a join interrupted by Ctrl-C may wrongly report the thread ended
        while not all_stopped.wait(0.2):
            pass
    except KeyboardInterrupt:  # Ctrl-C: cancel the running jobs, let them record it, and stop cleanly
        cancel.set()
        all_stopped.wait()
    for backend in backends:
        if isinstance(backend, ComfyBackend):
            backend.client.close()
    if report.stopped is None and cancel.is_set() and report.remaining:
        report.stopped = "cancelled"
    elif report.stopped is None and not todo.empty():  # every server was lost
        lost = [s["reason"] for s in report.servers if s["state"] == "lost"]
        report.stopped = "No ComfyUI server is left: " + "; ".join(lost)
    save()
    return report


def _lost(report: BatchReport, backend: ComfyBackend, why: str, lock: threading.Lock) -> None:
    with lock:
        for entry in report.servers:
            if entry["url"] == backend.client.base_url:
                entry.update(state="lost", reason=why)


def _run_row(base: dict, settings: dict, folder: Path, workflow: str, backend: Backend,
             cancel: threading.Event) -> dict:
    job = JobFolder(folder, workflow=workflow, settings=settings)
    try:
        prompt = workflows.with_settings(base, settings)
    except workflows.WorkflowError as exc:
        return job.fail(str(exc))
    job.run(backend, prompt, cancel=cancel)
    return job.record


def run_batch(workflow: str, rows: list[dict[str, Any]], out_dir: str | Path, servers: list[str] | None = None,
              on_progress: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None,
              runner: LocalRunner | None = None) -> list[dict]:
    """Run every row (see :func:`execute_batch`); one record per row, in row order."""
    return execute_batch(workflow, rows, out_dir, servers, on_progress, cancel, runner).records

