"""A real, throw-away PostgreSQL server for the designs tests (Debian's ``postgresql`` package).

:func:`server` runs ``initdb`` on a temporary data folder and ``pg_ctl start`` on a free port of 127.0.0.1
(trust login, fsync off), once per test run; it is stopped and deleted at exit. PostgreSQL refuses to run
as root, so as root the server runs as the unprivileged ``nobody`` user (``subprocess``'s ``user=``).
:func:`fresh_database` gives each test an empty database of its own. Where PostgreSQL or psycopg is not
installed, :func:`skip_reason` says why and the tests skip; where it is installed and still fails to start,
that is a test failure, not a skip.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

USER = "atelier"
_server: PostgresServer | None = None


def bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<v>/bin`` holding initdb, else the folder of ``initdb`` on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
                   if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).resolve().parent if on_path else None


def _run_as() -> dict:
    """``subprocess`` keywords that drop root to ``nobody`` (PostgreSQL will not run as root)."""
    if os.geteuid() != 0:
        return {}
    import grp
    import pwd

    user = pwd.getpwnam("nobody")
    group = grp.getgrgid(user.pw_gid).gr_name
    return {"user": user.pw_name, "group": group, "extra_groups": []}


def skip_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    try:
        import psycopg  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        return f"the 'designs' extra is not installed ({exc.name} missing): pip install '.[designs]'"
    if bin_dir() is None:
        return "PostgreSQL is not installed (tools/setup_test_tools.sh installs Debian's postgresql as root)"
    if os.geteuid() == 0:
        try:
            _run_as()
        except KeyError:
            return "running as root and there is no 'nobody' user to run PostgreSQL as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One postgres process on 127.0.0.1:``port`` with its data in a temporary folder."""

    def __init__(self):
        self.bin = bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="atelier-pg-"))
        self.data, self.log = self.root / "data", self.root / "postgres.log"
        self.port = _free_port()
        self.as_user = _run_as()
        if self.as_user:
            import pwd

            entry = pwd.getpwnam(self.as_user["user"])
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._pg("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-locale",
                 "--no-sync")
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40"
        self._pg("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.log), "-w", "-t", "60", "start")

    def _pg(self, tool: str, *args: str) -> None:
        done = subprocess.run([str(self.bin / tool), *args], capture_output=True, text=True, timeout=120,
                              cwd=self.root, **self.as_user)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.is_file() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr[-2000:]}\n{log}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def tool(self, name: str) -> Path:
        return self.bin / name

    def stop(self) -> None:
        try:
            self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def server() -> PostgresServer:
    """The run's PostgreSQL server, started on first use and stopped at exit."""
    global _server
    if _server is None:
        _server = PostgresServer()
        atexit.register(_server.stop)
    return _server


def fresh_database() -> str:
    """The URL of a new, empty database on the run's server."""
    s = server()
    return s.url(s.create_database())
