"""The tests' own PostgreSQL servers (tests.postgres): a run that is killed leaves its server
running (pg_ctl starts it detached); the next run stops it and removes its folder, and leaves the
servers of runs still going alone."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.postgres import stop_abandoned

ROOT = Path(__file__).resolve().parent.parent

#: A test process that starts a server, says where, and waits to be killed.
_STARTER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from tests.postgres import Cluster
cluster = Cluster()
print(cluster.folder, cluster.port, flush=True)
time.sleep(600)
"""


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_killed_runs_server_is_stopped_by_the_next_run(postgres):
    starter = subprocess.Popen([sys.executable, "-c", _STARTER, str(ROOT)], stdout=subprocess.PIPE, text=True)
    try:
        line = starter.stdout.readline().split()
    finally:
        starter.send_signal(signal.SIGKILL)
        starter.wait()
    if not line:
        pytest.fail("the starter process gave no server")
    folder, port = Path(line[0]), int(line[1])
    assert folder.is_dir()
    assert _accepts(port)  # the killed run's server outlives it

    removed = stop_abandoned(postgres.bindir, postgres.user)

    # (another test process starting a server may have stopped it first: either way, it is gone)
    assert not folder.exists()
    deadline = time.monotonic() + 10
    while _accepts(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _accepts(port)
    # this run's own server is alive, and left alone
    assert postgres.folder not in removed
    assert postgres.folder.is_dir()
    assert _accepts(postgres.port)


def test_a_folder_naming_no_owner_yet_is_left_alone(postgres, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    being_made = tmp_path / "mf-postgres-abc"
    being_made.mkdir()
    other_owner = tmp_path / "mf-postgres-live"
    other_owner.mkdir()
    started = Path(f"/proc/{os.getppid()}/stat").read_text().rsplit(")", 1)[1].split()[19]
    (other_owner / "owner").write_text(f"{os.getppid()} {started}\n")
    reused_pid = tmp_path / "mf-postgres-reused"
    reused_pid.mkdir()
    (reused_pid / "owner").write_text(f"{os.getppid()} 1\n")  # the pid of a live process, another start

    assert stop_abandoned(postgres.bindir, postgres.user) == [reused_pid]
    assert being_made.is_dir()
    assert other_owner.is_dir()
    assert not reused_pid.exists()
