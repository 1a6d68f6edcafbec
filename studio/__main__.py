"""Command line for scripted runs.

    python -m studio list
    python -m studio run WORKFLOW [--set NODE.INPUT=VALUE …] [--server URL …] --out DIR
    python -m studio batch WORKFLOW ROWS.csv|ROWS.yaml [--server URL …] --out DIR
    python -m studio batch WORKFLOW ROWS --ray [ADDRESS] [--server URL …] --out DIR   (pip install "atelier[cluster]")

A row (or ``--set``) may give ``design=<id>[@version]``: the saved design fills the workflow (its Load
Design node, or its pattern, avatar, fabric and drape nodes); the row's other columns still apply.

Without ``--server`` (or ATELIER_COMFYUI_URLS) jobs run on the local runner when the workflow allows it;
with servers they run only there. Each job's folder holds a job.json saying how it went, and its
outputs, named after the job. Rerunning a batch finishes only the rows not done yet.

With ``--ray`` (no address: a Ray started here on this machine's CPUs; ``auto`` or ``ray://HOST:10001``: a
running cluster) the pack's part of every row runs as Ray tasks and only the ComfyUI-only nodes go to the
servers (see docs/cluster.md).

Exit status: 0 when every job is done, 1 when a job failed, was cancelled or was not run, 2 for a
mistake in the command (unknown workflow, node or input, an empty or unreadable rows file, one of more
than 1000 rows, an --out that is a file), 130 after Ctrl-C. When a step fails on an internal error,
its traceback goes to studio.log in the work folder (ATELIER_WORK_DIR), never to the terminal.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time

from . import workflows
from .batch import DESIGN_KEY, check_settings, execute_batch, expand_design_rows, read_rows, run_job

MAX_ROWS = 1000  # rows one batch file may hold: each is a whole job, more is several batches
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _said(text: object) -> str:
    """A message without the checkout's folder (a workflow's file is named relative to it)."""
    return str(text).replace(REPO + os.sep, "").replace(REPO, ".")


class _QuietFileHandler(logging.FileHandler):
    def handleError(self, record: logging.LogRecord) -> None:  # an unwritable log prints no traceback
        pass


def _log_to_work_dir() -> None:
    """Tracebacks of failed steps go to studio.log in the work folder, never to the terminal."""
    from custom_nodes.core.paths import user_data_dir

    logger = logging.getLogger("atelier")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        folder = user_data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        handler = _QuietFileHandler(folder / "studio.log", encoding="utf-8", delay=True)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    except OSError:
        logger.addHandler(logging.NullHandler())


def _load(workflow: str) -> dict:
    try:
        return workflows.load(workflow)
    except UnicodeDecodeError:  # a file given as the workflow that holds no text
        raise workflows.WorkflowError(f"{workflow}: not a workflow file (it is not UTF-8 text)") from None


def _settings(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise workflows.WorkflowError(f"--set {pair!r}: expected NODE.INPUT=VALUE")
        key, value = pair.split("=", 1)
        out[key.strip()] = value.strip() if key.strip() == DESIGN_KEY else workflows.parse_value(value)
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m studio", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the saved workflows")
    for name in ("run", "batch"):
        p = sub.add_parser(name)
        p.add_argument("workflow")
        if name == "batch":
            p.add_argument("rows", help="CSV (header = NODE.INPUT) or YAML list of settings")
        else:
            p.add_argument("--set", dest="settings", action="append", default=[], metavar="NODE.INPUT=VALUE")
        p.add_argument("--server", action="append", default=None, help="ComfyUI URL (repeat for several)")
        p.add_argument("--out", required=True, help="output folder")
        if name == "batch":
            ray = p.add_argument_group("Ray cluster (pip install \"atelier[cluster]\")")
            ray.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                             help="run the rows on Ray: no address starts one here; 'auto' or ray://HOST:10001 "
                                  "joins a running cluster")
            ray.add_argument("--ray-cpus", type=int, default=None, help="CPUs of the Ray started here (default: all)")
            ray.add_argument("--row-cpus", type=float, default=1.0, help="CPUs each row's task declares (default 1)")
            ray.add_argument("--row-memory-gb", type=float, default=1.0,
                             help="memory each row's task declares, in GiB (default 1)")
            ray.add_argument("--server-depth", type=int, default=2,
                             help="rows on each ComfyUI server at once (default 2)")
    return parser


def _cancellable(work, cancel: threading.Event):
    """``work()`` in a thread; Ctrl-C sets ``cancel`` and waits until the job has recorded it.
    Returns (its result, whether Ctrl-C was pressed); its exception is raised here."""
    box: dict = {}
    finished = threading.Event()

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # handed to the main thread, which reports it
            box["error"] = exc
        finally:
            finished.set()

    threading.Thread(target=target, name="studio-run", daemon=True).start()
    interrupted = False
    try:
        while not finished.wait(0.2):
            pass
    except KeyboardInterrupt:
        interrupted = True
        cancel.set()  # ComfyUI is asked to interrupt the job; the local runner stops at the next step
        finished.wait()
    if "error" in box:
        raise box["error"]
    return box.get("result"), interrupted


def _run(args, servers: list[str]) -> int:
    prompt = _load(args.workflow)
    settings = expand_design_rows(prompt, [_settings(args.settings)])[0]
    check_settings(prompt, settings)
    cancel = threading.Event()
    record, interrupted = _cancellable(lambda: run_job(args.workflow, settings, args.out, servers or None,
                                                       cancel=cancel), cancel)
    print(json.dumps({k: record.get(k) for k in ("job", "status", "reason", "backend", "files", "seconds")}, indent=1))
    if record["status"] != "done":
        print(f"error: {record['reason'] or record['status']}", file=sys.stderr)
        return 130 if interrupted else 1
    return 0


def _batch(args, servers: list[str]) -> int:
    prompt = _load(args.workflow)
    try:
        rows = read_rows(args.rows)
    except RecursionError:
        raise workflows.WorkflowError(f"{args.rows} is nested too deeply to be a list of rows") from None
    if not rows:
        raise workflows.WorkflowError(f"{args.rows} holds no rows: a CSV needs a header of NODE.INPUT names and "
                                      "one row per job (a YAML file: a list of mappings)")
    if len(rows) > MAX_ROWS:
        raise workflows.WorkflowError(f"{args.rows} holds {len(rows)} rows; a batch may hold at most {MAX_ROWS}. "
                                      "Split it into several files, each with its own --out.")
    rows = expand_design_rows(prompt, rows)
    check_settings(prompt, (key for row in rows for key in row))

    def row_ended(record: dict) -> None:
        line = f"row {record['row']} ({record['folder']}): {record['status']}"
        if record.get("resumed"):
            line += " earlier, skipped"
        elif record.get("reason") and record["reason"] != record["status"]:
            line += f": {record['reason']}"
        print(line, file=sys.stderr)

    if args.ray is not None:
        report = _batch_on_ray(args, rows, servers, row_ended)
    else:
        report = execute_batch(args.workflow, rows, args.out, servers or None, on_row=row_ended)
    for server in report.servers:
        if server["state"] == "not answering":
            print(f"note: {server['reason']}", file=sys.stderr)
    done, failed = report.count("done", "success"), report.count("failed")
    parts = [f"{done} of {len(rows)} rows done"]
    parts += [f"{n} {word}" for n, word in ((failed, "failed"), (report.count("cancelled"), "cancelled"),
                                             (report.count("not run", "running"), "not run")) if n]
    print(", ".join(parts) + f"; records in {os.path.join(args.out, 'batch.json')}")
    for record in report.records:
        if record.get("status") == "failed":
            print(f"  row {record['row']} ({record['folder']}) failed: {record.get('reason')}")
    if report.stopped:
        print(f"Stopped: {report.stopped}")
    if report.remaining:
        rows_word = "row" if report.remaining == 1 else "rows"
        server_trouble = any((r.get("error") or {}).get("type") in ("server_unreachable", "timeout")
                             for r in report.records)
        if report.stopped or server_trouble:  # a rerun picks up where this one stopped
            print(f"Rerun the same command to finish the remaining {report.remaining} {rows_word} "
                  "(rows already done are skipped).")
        else:  # every row was tried: the failed ones need other settings (or a working server)
            print(f"Fix the failed {rows_word}, then rerun the same command to finish the remaining "
                  f"{report.remaining} {rows_word} (rows already done are skipped).")
    if report.stopped == "cancelled":
        return 130
    return 0 if report.remaining == 0 else 1


def _batch_on_ray(args, rows: list[dict], servers: list[str], row_ended):
    from .ray_backend import Progress, RayMissing, RaySettings, execute_batch_ray

    settings = RaySettings(address=args.ray or None, num_cpus=args.ray_cpus, row_cpus=args.row_cpus,
                           row_memory_gb=args.row_memory_gb, server_depth=args.server_depth)
    shown = {"at": 0.0, "line": ""}

    def progress(p: Progress) -> None:  # a line when the counts change, and every 10 s while they do not
        line = p.line()
        now = time.monotonic()
        if line.split(",", 3)[:3] != shown["line"].split(",", 3)[:3] or now - shown["at"] > 10:
            print(line, file=sys.stderr, flush=True)
            shown.update(at=now, line=line)

    try:
        return execute_batch_ray(args.workflow, rows, args.out, servers or None, settings, on_row=row_ended,
                                 on_progress=progress)
    except RayMissing as exc:  # a mistake in the command's set-up: exit 2, words, no traceback
        raise workflows.WorkflowError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        print("\n".join(workflows.available()))
        return 0
    servers = args.server or [u.strip() for u in os.environ.get("ATELIER_COMFYUI_URLS", "").split(",") if u.strip()]
    _log_to_work_dir()
    try:
        if os.path.exists(args.out) and not os.path.isdir(args.out):
            raise workflows.WorkflowError(f"--out {args.out} is a file; give a folder (it is made when missing)")
        return _run(args, servers) if args.command == "run" else _batch(args, servers)
    except workflows.WorkflowError as exc:
        print(f"error: {_said(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    except OSError as exc:  # the output folder cannot be written, a file cannot be read…
        print(_said(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")), file=sys.stderr)
        return 1
    except Exception:  # a bug: its traceback goes to the log, the terminal gets a sentence
        logging.getLogger("atelier.studio.cli").exception("python -m studio %s failed", args.command)
        print("error: the command stopped on an internal error (a bug); the traceback is in studio.log in the work "
              "folder (ATELIER_WORK_DIR)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
