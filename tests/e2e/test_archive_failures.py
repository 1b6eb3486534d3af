"""An archive that cannot be used (issue 11, item 4), for every command, as the operator meets it:
a truncated file, a file that is not a database, a read-only archive, a full disk, a PostgreSQL
server that is down, refuses writes or goes away in the middle of a run.

Every command says so in one line naming the archive and the reason (``scrapy CMD: URL: why``),
exit 1, no traceback; read-only commands keep working on a read-only archive. ``scrapy update``
also prints each target's summary line and writes the run report saying what failed, and the
public folder keeps what it had. Real faults only: the damaged files are real files, the read-only
archive is read-only to the commands (run without root's power to ignore permissions when the
tests run as root), the full disk is SQLite's own SQLITE_FULL (``tests/e2e/full_disk``), the
PostgreSQL faults are the tests' server refusing and ending sessions. A full disk on PostgreSQL
would need a file system of its own to fill; its errors (SQLSTATE class 53) are classified with
the rest (:mod:`crawler.store.backend`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from crawler.store import ArchiveError, Selection, open_archive
from tests.conftest import FIXTURES
from tests.crawl import REPO, SCRAPY, fast_settings, start_scrapy
from tests.feed_archive import make_archive
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e

FULL_DISK = Path(__file__).resolve().parent / "full_disk"
RELEASE_0_1_0 = FIXTURES / "archives" / "schema-v1.sqlite3"
#: The command lines that read or write the archive, by what they do with it. Each is run as
#: ``scrapy ARGS… -s …``; the first word names the command in its one line.
WRITERS = {
    "crawl": ["crawl", "fcdo", "-a", f"replay={FIXTURES}"],
    "reextract": ["reextract"],
}
READERS = {
    "publish": ["publish"],
    "export": ["export"],
    "validate": ["validate"],
    "archive": ["archive", "info"],
    "diff": ["diff", "mid:en:1820702"],
    "explore": ["explore", "--port", "0"],
}
UPDATE = ["update", "--only", "fcdo", "--replay", str(FIXTURES)]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below a folder, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class Deployment:
    """An archive at ``url``, the public folder its readers have, reports and the lock beside it;
    commands run as the operator runs them (``prefix``, ``env``: how this one's fault is made)."""

    def __init__(self, folder: Path, url: str) -> None:
        self.folder, self.url = folder, url
        self.prefix: list[str] = []
        self.env: dict[str, str] = {}
        self.settings: dict[str, str] = {}
        self.public = folder / "public"
        self.reports = folder / "reports"

    def publish_now(self) -> dict[str, bytes]:
        """Publish the archive while it is sound; the public folder's files."""
        result = self.scrapy("publish")
        assert result.returncode == 0, result.stderr[-2000:]
        return tree(self.public)

    def scrapy(self, *args: str) -> subprocess.CompletedProcess:
        settings = fast_settings(self.url, folder=self.folder, **{"LOG_LEVEL": "WARNING", **self.settings})
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1", **self.env}
        env.pop("SCRAPY_SETTINGS_MODULE", None)
        result = subprocess.run([*self.prefix, *SCRAPY, *args, *settings], cwd=REPO, env=env, capture_output=True,
                                text=True, timeout=300, check=False)
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        assert "ScrapyDeprecationWarning" not in result.stderr
        return result

    def report(self) -> dict:
        return json.loads((self.reports / "last-run.json").read_text(encoding="utf-8"))

    def one_line(self, args: list[str], reason: str) -> None:
        """The command fails with exit 1 and the one line ``scrapy CMD: URL: reason``, nothing else."""
        result = self.scrapy(*args)
        assert (result.returncode, result.stderr.splitlines()) == (1, [f"scrapy {args[0]}: {self.url}: {reason}"]), \
            result.stderr[-2000:]

    def update_not_crawled(self, reason: str) -> None:
        """``scrapy update`` crawls nothing and publishes nothing, says why once, then the
        target's line, publishing's and the report's; the report says what failed."""
        result = self.scrapy(*UPDATE)
        assert result.returncode == 1
        lines = result.stderr.splitlines()
        assert lines[:3] == [
            f"scrapy update: {self.url}: {reason}",
            f"fcdo: FAILED: not crawled, the archive failed: {reason} — 0 new; 0 requests (none); 0.0 s",
            "publish: not done: the archive cannot be used (the public folder keeps what it had)"], lines
        assert len(lines) == 4 and lines[3].startswith(f"report: {self.reports}/runs/")
        report = json.loads(Path(lines[3].removeprefix("report: ")).read_text(encoding="utf-8"))
        assert report == self.report()
        assert report["ok"] is False
        assert report["archive"] == {"url": self.url, "ok": False, "error": f"{self.url}: {reason}",
                                     "health_recorded": False}
        assert report["targets"]["fcdo"]["errors"] == [f"not crawled, the archive failed: {reason}"]
        assert report["sources"]["fcdo"]["ok"] is False
        assert report["publish"]["ok"] is False


@pytest.fixture
def sqlite_deployment(tmp_path):
    folder = tmp_path / "deployment"
    folder.mkdir()
    deployment = Deployment(folder, f"sqlite:///{folder / 'archive' / 'archive.sqlite3'}")
    make_archive(deployment.url).close()
    return deployment


def served(public: Path) -> bytes:
    """``scrapy serve`` of the public folder, which needs no archive: the Atom feed it answers."""
    from urllib.request import urlopen

    server = start_scrapy("serve", "--port", "0", "-s", f"MF_PUBLIC_DIR={public}")
    try:
        line = server.stderr.readline()
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        with urlopen(f"{url.rstrip('/')}/mid/en.atom", timeout=30) as response:
            assert response.status == 200
            return response.read()
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- a damaged file --------------------------------------------------------------------------------------
def truncate(path: Path) -> None:
    """The file cut short, as a copy or a disk that failed half-way leaves it."""
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def overwrite(path: Path) -> None:
    """Another file where the archive was (a log, a backup tool's placeholder)."""
    path.write_text("2026-11-30 12:00:00 rotated\n" * 400, encoding="utf-8")


@pytest.mark.parametrize(("damage", "reason"), [
    (truncate, "cannot open the archive (database disk image is malformed)"),
    (overwrite, "cannot open the archive (file is not a database)"),
], ids=["truncated", "not-a-database"])
def test_a_damaged_archive_file_is_one_line_for_every_command(sqlite_deployment, damage, reason):
    deployment = sqlite_deployment
    published = deployment.publish_now()
    path = Path(deployment.url.removeprefix("sqlite:///"))
    for journal in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        journal.unlink(missing_ok=True)  # as a copy of the file alone would be
    damage(path)
    damaged, beside = path.read_bytes(), {p.name for p in path.parent.iterdir()}
    assert not [name for name in beside if name.endswith(("-wal", "-shm"))]
    for args in (*WRITERS.values(), *READERS.values()):
        deployment.one_line(args, reason)
    deployment.update_not_crawled(reason)
    assert path.read_bytes() == damaged  # nothing written into it, nothing "repaired"
    # Nothing made beside it either: no -wal or -shm file of the opens that found it broken.
    assert {p.name for p in path.parent.iterdir()} <= beside, beside
    assert tree(deployment.public) == published  # the readers' feeds are as they were
    assert served(deployment.public) == published["mid/en.atom"]


# --- read-only ------------------------------------------------------------------------------------------------
def read_only_sqlite(deployment: Deployment) -> str:
    """File and folder read-only to the commands (root, if the tests run as root, loses the power
    to override permissions); the reason a writer is given."""
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root ignores permissions, and setpriv (util-linux) is missing to drop that")
        deployment.prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]
    path = Path(deployment.url.removeprefix("sqlite:///"))
    path.chmod(0o444)
    path.parent.chmod(0o555)
    probe = subprocess.run([*deployment.prefix, "touch", str(path.parent / "probe")], capture_output=True, check=False)
    assert probe.returncode != 0
    return "cannot write the archive (attempt to write a readonly database)"


def test_a_read_only_archive_stops_writers_and_serves_readers(tmp_path, archive_url, request):
    deployment = Deployment(tmp_path, archive_url)
    if archive_url.startswith("sqlite:"):
        deployment.url = f"sqlite:///{tmp_path / 'archive' / 'archive.sqlite3'}"
    make_archive(deployment.url).close()
    deployment.publish_now()
    if deployment.url.startswith("sqlite:"):
        reason = read_only_sqlite(deployment)
    else:
        cluster = request.getfixturevalue("postgres")
        database = deployment.url.rsplit("/", 1)[1]
        cluster.set_read_only(database)
        request.addfinalizer(lambda: cluster.set_read_only(database, False))
        reason = "cannot write the archive (cannot execute UPDATE in a read-only transaction)"
    try:
        for args in WRITERS.values():
            deployment.one_line(args, reason)
        deployment.update_not_crawled(reason)
        for args in READERS.values():
            if args[0] == "explore":
                continue  # it serves until stopped: its read-only opening is tested in test_explore
            result = deployment.scrapy(*args)
            assert result.returncode == 0, (args, result.stderr[-2000:])
        with open_archive(deployment.url, readonly=True) as store:
            assert store.count() == 5
            assert store.health() == {}  # the failed update could record nothing
    finally:
        if deployment.url.startswith("sqlite:"):
            Path(deployment.url.removeprefix("sqlite:///")).parent.chmod(0o755)


# --- a full disk ---------------------------------------------------------------------------------------------
def fill_the_disk(deployment: Deployment) -> None:
    """No room left for the archive to grow by a single page."""
    pages = Path(deployment.url.removeprefix("sqlite:///")).stat().st_size // 4096  # SQLite's default page size
    deployment.env = {"PYTHONPATH": f"{FULL_DISK}{os.pathsep}{REPO}", "MF_TEST_MAX_PAGES": str(pages)}


def test_a_full_disk_stops_the_crawl_and_the_report_says_so(sqlite_deployment):
    deployment = sqlite_deployment
    with open_archive(deployment.url, readonly=True) as store:
        before = {doc["id"]: doc["content_hash"] for doc in store.documents(Selection(include_repeats=True))}
    fill_the_disk(deployment)
    deployment.settings = {"MF_ARCHIVE_BATCH_SIZE": "1"}  # the first statement is written at once
    reason = "cannot write the archive (database or disk is full)"

    # The archive opens and takes a small write; the crawl's first batch finds no room: it stops.
    result = deployment.scrapy(*UPDATE)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert [line for line in lines if deployment.url in line] == [f"scrapy update: {deployment.url}: {reason}"]
    [target] = [line for line in lines if line.startswith("fcdo: ")]
    assert target.startswith(f"fcdo: FAILED: the archive failed: {reason} — 0 new")
    assert re.fullmatch(r"publish: .*\b\d+ feeds, \d+ documents rendered, .*", lines[-2]), lines  # what it holds
    report = deployment.report()
    assert report["archive"] == {"url": deployment.url, "ok": False, "error": f"{deployment.url}: {reason}",
                                 "health_recorded": True}
    assert report["targets"]["fcdo"]["errors"] == [f"the archive failed: {reason}"]
    assert report["targets"]["fcdo"]["finish_reason"] == "archive_failed"
    assert report["targets"]["fcdo"]["requests"]  # it had crawled: the batch it fetched is not kept
    with open_archive(deployment.url, readonly=True) as store:
        assert {doc["id"]: doc["content_hash"] for doc in store.documents(Selection(include_repeats=True))} == before
        assert store.integrity_problems() == []
        assert store.health()["fcdo"]["last_error"] == f"the archive failed: {reason}"

    deployment.one_line(WRITERS["crawl"], reason)

    # With room again, the next run archives what the failed one could not.
    deployment.env = {}
    result = deployment.scrapy(*UPDATE)
    assert result.returncode == 0, result.stderr[-3000:]
    with open_archive(deployment.url, readonly=True) as store:
        assert store.count_statements(Selection(source="fcdo")) > 0
        assert store.health()["fcdo"]["consecutive_failures"] == 0


def test_a_full_disk_stops_reextract(tmp_path):
    deployment = Deployment(tmp_path, f"sqlite:///{tmp_path / 'archive.sqlite3'}")
    shutil.copyfile(RELEASE_0_1_0, tmp_path / "archive.sqlite3")
    open_archive(deployment.url).close()  # migrated while there was room
    fill_the_disk(deployment)
    deployment.one_line(WRITERS["reextract"], "cannot write the archive (database or disk is full)")
    with open_archive(deployment.url, readonly=True) as store:  # every batch is whole or absent
        assert store.integrity_problems() == []


# --- PostgreSQL: down, gone in the middle of a run ------------------------------------------------------------
def test_a_postgresql_server_that_is_down_is_one_line_for_every_command(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    deployment = Deployment(tmp_path, f"postgresql://mf@127.0.0.1:{port}/archive")
    reason = (f'cannot connect (connection failed: connection to server at "127.0.0.1", port {port} failed: '
              "Connection refused Is the server running on that host and accepting TCP/IP connections?)")
    for args in (*WRITERS.values(), *READERS.values()):
        deployment.one_line(args, reason)
    deployment.update_not_crawled(reason)
    assert not deployment.public.exists()


def test_a_postgresql_server_that_ends_the_sessions_mid_run(tmp_path, postgres):
    database = postgres.create_database()
    url = postgres.url(database)
    try:
        with LoopbackSite(FIXTURES, delay=0.05) as site:
            settings = ["--only", "mid", *fast_settings(url, folder=tmp_path, MF_MID_BASE_URL=site.base_url,
                                                        MF_ARCHIVE_BATCH_SIZE="1", LOG_LEVEL="WARNING")]
            run = start_scrapy("update", *settings)
            deadline, committed = time.monotonic() + 90, 0
            while committed < 4 and time.monotonic() < deadline and run.poll() is None:
                time.sleep(0.05)
                try:
                    with open_archive(url, readonly=True) as store:
                        committed = store.count()
                except ArchiveError:  # not created yet
                    committed = 0
            assert postgres.terminate_sessions(database) >= 2  # the crawl's index, its writer, the lock
            _out, err = run.communicate(timeout=120)
            assert "Traceback" not in err, err[-3000:]
            assert run.returncode == 1, err[-3000:]
            lines = err.splitlines()
            named = [line for line in lines if url in line]
            assert len(named) == 1, lines
            # libpq words it as it learns it: the server's notice, or the closed socket it left
            assert re.fullmatch(re.escape(f"scrapy update: {url}: ") + r"cannot (read|write) the archive \("
                                r"(terminating connection due to administrator command|the connection is closed"
                                r"|consuming input failed: server closed the connection unexpectedly[^()]*)\)",
                                named[0]), named[0]
            [target] = [line for line in lines if line.startswith("mid: ")]
            assert target.startswith("mid: FAILED: the archive failed: cannot ")
            report = json.loads((tmp_path / "reports" / "last-run.json").read_text(encoding="utf-8"))
            assert report["archive"]["ok"] is False and report["archive"]["health_recorded"] is True
            assert report["targets"]["mid"]["finish_reason"] == "archive_failed"
            with open_archive(url, readonly=True) as store:
                assert store.integrity_problems() == []
                kept = store.count()
                assert kept >= 4
                assert store.health()["mid"]["consecutive_failures"] == 1

            # The server takes new sessions: the next run completes the work.
            site.delay = 0
            again = subprocess.run([*SCRAPY, "update", *settings], cwd=REPO, capture_output=True, text=True,
                                   timeout=300, check=False, env={**os.environ, "PYTHONPATH": str(REPO)})
            assert again.returncode == 0, again.stderr[-3000:]
            assert url not in again.stderr
            with open_archive(url, readonly=True) as store:
                assert store.count() > kept
                assert store.health()["mid"]["consecutive_failures"] == 0
    finally:
        postgres.drop_database(database)
