"""A throwaway PostgreSQL server for the tests: Debian's ``postgresql`` package (installed with
apt-get when missing and the tests run as root), a cluster made by ``initdb`` in a temporary
folder, owned and run by an unprivileged user (initdb refuses root), listening on a free
loopback port only. Each test gets a database of its own, dropped after it. A run that is killed
cannot stop its server (pg_ctl starts it detached): the next run does (:func:`stop_abandoned`).

Authentication: the tests' own role ``mf`` is trusted on loopback; every other role needs its
password (SCRAM), which is how tests of credentials (URL, PGPASSWORD, ~/.pgpass) are real.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

SUPERUSER = "mf"


class Unavailable(RuntimeError):
    """No PostgreSQL server can be run here (the message says why)."""


def _bindir() -> Path | None:
    """The newest installed PostgreSQL's binaries (Debian: /usr/lib/postgresql/<version>/bin)."""
    found = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    return max(found, key=lambda path: int(re.sub(r"\D", "", path.parent.name) or 0)) if found else None


def _install() -> None:
    """``apt-get install postgresql`` (after ``apt-get update`` if the first try fails)."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise Unavailable("PostgreSQL is not installed (apt-get install postgresql, as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"]
    if subprocess.run(command, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise Unavailable(f"apt-get install postgresql failed: {result.stderr.strip()[-300:]}")


def _server_user() -> str | None:
    """Who runs the server: ourselves, or (as root) an unprivileged system user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    raise Unavailable("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL")


#: The file in a server's folder naming the test process that started it: its pid and start time
#: (so that a reused pid is not taken for it).
_OWNER = "owner"


def _process_start(pid: int) -> str | None:
    """When a live process started (field 22 of ``/proc/<pid>/stat``, in clock ticks since boot,
    proc(5)); None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def stop_abandoned(bindir: Path, user: str | None) -> list[Path]:
    """Stop the servers of test runs that ended without stopping them (killed: pg_ctl starts a
    server detached, so it outlives the run) and remove their folders; returns the folders removed.
    A folder whose owner is alive, or that names none yet (being made), is left alone."""
    removed = []
    for folder in sorted(Path(tempfile.gettempdir()).glob("mf-postgres-*")):
        try:
            pid, started = (folder / _OWNER).read_text().split()
        except (OSError, ValueError):
            continue
        if _process_start(int(pid)) == started:
            continue
        if (folder / "data" / "postmaster.pid").exists():
            subprocess.run([str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"],
                           user=user, cwd=folder, capture_output=True, check=False, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """One running PostgreSQL server of the tests."""

    def __init__(self) -> None:
        bindir = _bindir()
        if bindir is None:
            _install()
            bindir = _bindir()
        if bindir is None:
            raise Unavailable("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin")
        self.bindir = bindir
        self.user = _server_user()
        stop_abandoned(bindir, self.user)
        self.folder = Path(tempfile.mkdtemp(prefix="mf-postgres-"))
        (self.folder / _OWNER).write_text(f"{os.getpid()} {_process_start(os.getpid())}\n")
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = 0
        if self.user:
            info = pwd.getpwnam(self.user)
            os.chown(self.folder, info.pw_uid, info.pw_gid)
        try:
            self._initdb()
            self._start()
        except BaseException:
            self.stop()
            raise

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(command, user=self.user, cwd=self.folder, capture_output=True, text=True,
                                check=False, timeout=120)
        if check and result.returncode != 0:
            log = self.log.read_text(errors="replace")[-1500:] if self.log.exists() else ""
            raise Unavailable(f"{Path(command[0]).name} failed: {result.stderr.strip()[-800:]} {log}")
        return result

    def _initdb(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-E", "UTF8",
                  "--locale=C.UTF-8", "--auth=trust", "--no-sync")
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            f"host all {SUPERUSER} 127.0.0.1/32 trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8")

    def _start(self) -> None:
        for _ in range(3):  # a free port may be taken between the probe and the start
            self.port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.folder}"
                       " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            result = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                               "-t", "60", "-o", options, "start", check=False)
            if result.returncode == 0:
                return
        raise Unavailable(f"the server did not start: {self.log.read_text(errors='replace')[-1500:]}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- databases and roles ---------------------------------------------------------------------
    def url(self, database: str, user: str = SUPERUSER, password: str | None = None) -> str:
        credentials = f"{user}:{password}" if password is not None else user
        return f"postgresql://{credentials}@127.0.0.1:{self.port}/{database}"

    def admin(self):
        import psycopg

        return psycopg.connect(self.url("postgres"), autocommit=True)

    def create_database(self, owner: str = SUPERUSER) -> str:
        """A new, empty database; returns its name."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create_role(self, name: str, password: str) -> None:
        """A login role that needs its password (SCRAM over loopback)."""
        from psycopg import sql

        with self.admin() as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name),
                                                                           sql.Literal(password)))

    def set_read_only(self, database: str, read_only: bool = True) -> None:
        """Make a database refuse writes to every new session (``default_transaction_read_only``),
        as a replica or a database put in maintenance does; ``False`` undoes it."""
        value = "on" if read_only else "off"
        with self.admin() as admin:
            admin.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = {value}')

    def terminate_sessions(self, database: str) -> int:
        """End every session connected to a database, as a server restart does (the clients
        get SQLSTATE 57P01); returns how many were ended."""
        with self.admin() as admin:
            row = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                " WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchone()
        return int(row[0]) if row else 0
