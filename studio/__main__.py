"""Command line for scripted runs.

    python -m studio list
    python -m studio run WORKFLOW [--set NODE.INPUT=VALUE …] [--server URL …] --out DIR
    python -m studio batch WORKFLOW ROWS.csv|ROWS.yaml [--server URL …] --out DIR

Without ``--server`` (or ATELIER_COMFYUI_URLS) jobs run on the local runner when the workflow allows it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import workflows
from .batch import read_rows, run_batch, run_job


def _settings(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise workflows.WorkflowError(f"--set {pair!r}: expected NODE.INPUT=VALUE")
        key, value = pair.split("=", 1)
        out[key.strip()] = workflows.parse_value(value)
    return out


def main(argv: list[str] | None = None) -> int:
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
    args = parser.parse_args(argv)
    if args.command == "list":
        print("\n".join(workflows.available()))
        return 0
    servers = args.server or [u for u in os.environ.get("ATELIER_COMFYUI_URLS", "").split(",") if u]
    try:
        if args.command == "run":
            record = run_job(args.workflow, _settings(args.settings), args.out, servers or None)
            print(json.dumps({k: record[k] for k in ("status", "backend", "files", "error", "seconds")}, indent=1))
            return 0 if record["status"] == "success" else 1

        def progress(done: int, total: int) -> None:
            print(f"[{done}/{total}] jobs finished", file=sys.stderr)

        records = run_batch(args.workflow, read_rows(args.rows), args.out, servers or None, on_progress=progress)
        ok = sum(1 for r in records if r.get("status") == "success")
        print(f"{ok}/{len(records)} jobs succeeded; records in {args.out}")
        return 0 if ok == len(records) else 1
    except workflows.WorkflowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
