"""Command line for scripted runs.

    python -m studio list
    python -m studio run WORKFLOW [--set NODE.INPUT=VALUE …] [--server URL …] --out DIR
    python -m studio batch WORKFLOW ROWS.csv|ROWS.yaml [--server URL …] --out DIR

Without ``--server`` (or ATELIER_COMFYUI_URLS) jobs run on the local runner when the workflow allows it;
with servers they run only there. Each job's folder holds a job.json saying how it went, and its
outputs, named after the job. Rerunning a batch finishes only the rows not done yet.

Exit status: 0 when every job is done, 1 when a job failed, was cancelled or was not run, 2 for a
mistake in the command (unknown workflow, node or input), 130 after Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading

from . import workflows
from .batch import check_settings, execute_batch, read_rows, run_job


def _settings(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise workflows.WorkflowError(f"--set {pair!r}: expected NODE.INPUT=VALUE")
        key, value = pair.split("=", 1)
        out[key.strip()] = workflows.parse_value(value)
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
    settings = _settings(args.settings)
    check_settings(workflows.load(args.workflow), settings)
    cancel = threading.Event()
    record, interrupted = _cancellable(lambda: run_job(args.workflow, settings, args.out, servers or None,
                                                       cancel=cancel), cancel)
    print(json.dumps({k: record.get(k) for k in ("job", "status", "reason", "backend", "files", "seconds")}, indent=1))
    if record["status"] != "done":
        print(f"error: {record['reason'] or record['status']}", file=sys.stderr)
        return 130 if interrupted else 1
    return 0


def _batch(args, servers: list[str]) -> int:
    rows = read_rows(args.rows)
    check_settings(workflows.load(args.workflow), (key for row in rows for key in row))

    def row_ended(record: dict) -> None:
        line = f"row {record['row']} ({record['folder']}): {record['status']}"
        if record.get("resumed"):
            line += " earlier, skipped"
        elif record.get("reason") and record["reason"] != record["status"]:
            line += f": {record['reason']}"
        print(line, file=sys.stderr)

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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        print("\n".join(workflows.available()))
        return 0
    servers = args.server or [u.strip() for u in os.environ.get("ATELIER_COMFYUI_URLS", "").split(",") if u.strip()]
    try:
        return _run(args, servers) if args.command == "run" else _batch(args, servers)
    except workflows.WorkflowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    except OSError as exc:  # the output folder cannot be written, a file cannot be read…
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
