"""Deployments on either backend: the same crawl gives the same public folder on SQLite and on
PostgreSQL; on PostgreSQL, machines crawl different targets at once and never the same one;
passwords stay out of every line; publications never interleave; a read-only archive folder
serves publish, validate and export."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from crawler.lock import RunLock
from crawler.store import Selection, open_archive
from crawler.store.locks import ArchiveLocks
from tests.conftest import FIXTURES
from tests.crawl import REPO, SCRAPY, fast_settings, run_scrapy, start_scrapy
from tests.feed_archive import BASE_URL, make_archive
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below a folder, by relative path (lock files aside: they name a process)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".publish.lock"}


# --- the same bytes ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def faketime() -> dict[str, str]:
    """The environment that freezes a process's clock (libfaketime, Debian's ``faketime``,
    installed when missing and root): monotonic clocks run on, so timeouts still work."""
    def library() -> Path | None:
        return next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), None)

    if library() is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        command = ["apt-get", "install", "-y", "-qq", "faketime"]
        if subprocess.run(command, env=env, capture_output=True, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
            subprocess.run(command, env=env, capture_output=True, check=False)
    found = library()
    if found is None:
        pytest.skip("libfaketime is not installed (apt-get install faketime): the clock cannot be frozen")
    return {"LD_PRELOAD": str(found), "FAKETIME": "2026-11-30 12:00:00", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


def replay_update(folder: Path, url: str, env: dict[str, str]) -> Path:
    """`scrapy update` of every target over the bundled mirror into ``url``; its public folder."""
    result = run_scrapy("update", "--replay", str(FIXTURES), *fast_settings(
        url, MF_LOCK_PATH=str(folder / "lock"), MF_REPORT_DIR=str(folder / "reports"),
        MF_PUBLIC_DIR=str(folder / "public"), MF_PUBLIC_BASE_URL=BASE_URL), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder / "public"


def test_the_same_crawl_publishes_the_same_bytes_on_both_backends(tmp_path, postgres, faketime):
    database = postgres.create_database()
    on_sqlite = replay_update(tmp_path / "sqlite", f"sqlite:///{tmp_path / 'archive.sqlite3'}", faketime)
    on_postgres = replay_update(tmp_path / "postgresql", postgres.url(database), faketime)
    sqlite_files, postgres_files = tree(on_sqlite), tree(on_postgres)
    assert len([name for name in sqlite_files if name.endswith(".atom")]) > 200
    assert {"feeds.opml", "index.html", "data/manifest.json", "data/SHA256SUMS", "data/mid/en/2022.jsonl.gz",
            ".publish-state.json"} <= set(sqlite_files)
    assert sorted(sqlite_files) == sorted(postgres_files)
    differing = [name for name in sqlite_files if sqlite_files[name] != postgres_files[name]]
    assert differing == []
    exports = []
    for url in (f"sqlite:///{tmp_path / 'archive.sqlite3'}", postgres.url(database)):
        result = run_scrapy("export", "--versions", "all", "--include-removed", "--include-repeats",
                            "-s", f"MF_ARCHIVE_URL={url}")
        assert result.returncode == 0, result.stderr
        exports.append(result.stdout)
    assert exports[0] == exports[1]
    assert len(exports[0].splitlines()) == 97  # the demo mirror: every statement of every source, each version


# --- several machines, one PostgreSQL archive --------------------------------------------------------
def machine(folder: Path, url: str, target: str, site: LoopbackSite, setting: str) -> list[str]:
    """The options of one machine's `scrapy update` of one target into the shared archive."""
    return ["--only", target, *fast_settings(url, **{setting: site.base_url}, MF_LOCK_PATH=str(folder / "lock"),
                                             MF_REPORT_DIR=str(folder / "reports"),
                                             MF_PUBLIC_DIR=str(folder / "public"))]


def test_two_machines_crawl_different_targets_at_once_never_the_same_one(tmp_path, postgres):
    url = postgres.url(postgres.create_database())
    with LoopbackSite(FIXTURES, delay=0.05) as current, \
            LoopbackSite(FIXTURES, host="archive.mid.ru", delay=0.5) as old:  # still crawling when the third asks
        first = start_scrapy("update", *machine(tmp_path / "a", url, "mid", current, "MF_MID_BASE_URL"))
        second = start_scrapy("update", *machine(tmp_path / "b", url, "mid_archive", old,
                                                 "MF_MID_ARCHIVE_BASE_URL"))
        deadline = time.monotonic() + 60
        holders: dict[str, str | None] = {}
        while time.monotonic() < deadline:
            with ArchiveLocks(url, "test") as locks:
                holders = {target: locks.holder(f"update:{target}") for target in ("mid", "mid_archive")}
            if all(holders.values()):
                break
            time.sleep(0.05)
        assert f"pid {first.pid}@" in holders["mid"]
        assert f"pid {second.pid}@" in holders["mid_archive"]
        # A third machine asking for a target being crawled does nothing and says who has it.
        third = run_scrapy("update", *machine(tmp_path / "c", url, "mid_archive", old, "MF_MID_ARCHIVE_BASE_URL"))
        assert third.returncode == 75, third.stderr[-2000:]
        assert "another update is running (update:mid_archive is held by ministry-feeds update " \
               f"pid {second.pid}@" in third.stderr
        assert not (tmp_path / "c" / "reports").exists()
        old.delay = 0.05
        outputs = [process.communicate(timeout=180) for process in (first, second)]
    assert first.returncode == 0, outputs[0][1][-3000:]
    assert second.returncode == 0, outputs[1][1][-3000:]
    with open_archive(url, readonly=True) as store:
        assert store.integrity_problems() == []
        assert store.count() == 48  # every page of both sites: nothing lost to the other writer
        assert store.count("versions") == 48
        assert sorted(store.health()) == ["mid", "mid_archive"]
        documents = list(store.documents(Selection(include_repeats=True)))
        # The same document on both sites: one stays the document, the other points to it, whoever won.
        for language in ("en", "ru"):
            same = {doc["id"]: doc["same_as"] for doc in documents
                    if doc["doc_number"] == "1474-19-07-2019" and doc["language"] == language}
            assert sorted(same) == [f"mid:{language}:1411982", f"mid:{language}:liferay-3750394"]
            kept = [doc_id for doc_id, same_as in same.items() if same_as is None]
            assert len(kept) == 1
            assert set(same.values()) == {None, kept[0]}
        assert store.count_statements() == 46
    # Each machine published after its crawl, one after the other; the last saw both.
    last = max((tmp_path / "a" / "public", tmp_path / "b" / "public"),
               key=lambda folder: json.loads((folder / ".publish-state.json").read_text())["change_seq"])
    index = (last / "index.html").read_text(encoding="utf-8")
    assert "46 statements archived" in index


# --- passwords ------------------------------------------------------------------------------------------
@pytest.fixture
def archivist(postgres):
    """A role that needs its password, owning a database of its own: (name, password, database)."""
    password = f"Pw-{uuid.uuid4().hex[:10]}!%@:/"  # characters a URL must percent-encode
    postgres.create_role("archivist", password)
    database = postgres.create_database(owner="archivist")
    yield "archivist", password, database
    postgres.drop_database(database)


def test_a_password_never_appears_in_logs_errors_reports_or_info(tmp_path, postgres, archivist):
    user, password, database = archivist
    url = postgres.url(database, user=user, password=quote(password, safe=""))
    folder = tmp_path / "deployment"
    settings = fast_settings(url, MF_LOCK_PATH=str(folder / "lock"), MF_REPORT_DIR=str(folder / "reports"),
                             MF_PUBLIC_DIR=str(folder / "public"), LOG_LEVEL="DEBUG")
    outputs: list[str] = []

    def run(*args: str, code: int, env: dict[str, str] | None = None) -> str:
        result = run_scrapy(*args, env=env)
        assert result.returncode == code, (args, result.stderr[-3000:])
        outputs.append(result.stdout + result.stderr)
        return result.stdout + result.stderr

    run("update", "--only", "fcdo", "--replay", str(FIXTURES), *settings, code=0)
    run("crawl", "fcdo", "-a", f"replay={FIXTURES}", *settings, code=0)
    run("publish", "--full", *settings, code=0)
    run("export", "--versions", "all", *settings, code=0)
    run("validate", *settings, code=0)
    info = run("archive", "info", url, code=0)
    assert f"archive: postgresql://{user}:***@127.0.0.1:{postgres.port}/{database}" in info
    run("archive", "info", url, "--json", code=0)
    run("archive", "copy", url, f"sqlite:///{tmp_path / 'copy.sqlite3'}", code=0)
    # Faults: a wrong password, a bad URL, a destination in use; each one line naming the URL, masked.
    wrong = postgres.url(database, user=user, password=quote(password[::-1], safe=""))
    faults = [(("archive", "info", wrong), 1),
              (("update", "--only", "fcdo", *settings, "-s", f"MF_ARCHIVE_URL={wrong}"), 1),
              (("publish", "-s", f"MF_ARCHIVE_URL={wrong}"), 1), (("export", "-s", f"MF_ARCHIVE_URL={wrong}"), 1),
              (("archive", "info", url.replace(f":{postgres.port}/", ":port/")), 2),
              (("archive", "copy", f"sqlite:///{tmp_path / 'copy.sqlite3'}", url), 2)]
    for args, code in faults:
        text = run(*args, code=code)
        assert "***@127.0.0.1" in text, text
    reports = [path.read_text(encoding="utf-8") for path in (folder / "reports").rglob("*.json")]
    published = [path.read_bytes().decode("utf-8", "replace") for path in (folder / "public").rglob("*")
                 if path.is_file() and path.suffix != ".gz"]
    assert len(reports) == 3 and len(published) > 10  # the update that could not connect reported too
    assert "Overridden settings" in "".join(outputs)  # Scrapy's settings dump was looked at too
    for text in outputs + reports + published:
        for secret in (password, quote(password, safe=""), password[::-1], quote(password[::-1], safe="")):
            assert secret not in text


def test_credentials_from_the_url_pgpassword_or_pgpass(tmp_path, postgres, archivist):
    user, password, database = archivist
    make_archive(postgres.url(database, user=user, password=quote(password, safe=""))).close()
    bare = postgres.url(database, user=user)
    nowhere = {"PGPASSFILE": str(tmp_path / "no-pgpass"), "HOME": str(tmp_path)}
    without = run_scrapy("archive", "info", bare, env=nowhere)
    assert without.returncode == 1
    assert without.stderr.count("\n") == 1 and "cannot connect" in without.stderr
    with_variable = run_scrapy("archive", "info", bare, env={**nowhere, "PGPASSWORD": password})
    assert with_variable.returncode == 0, with_variable.stderr
    assert "rows: " in with_variable.stdout and "documents 5" in with_variable.stdout
    home = tmp_path / "home"
    home.mkdir()
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    (home / ".pgpass").write_text(f"127.0.0.1:{postgres.port}:{database}:{user}:{escaped}\n", encoding="utf-8")
    (home / ".pgpass").chmod(0o600)
    with_file = subprocess.run([*SCRAPY, "archive", "info", bare], cwd=REPO, capture_output=True, text=True,
                               env={key: value for key, value in os.environ.items()
                                    if not key.startswith("PG") and key != "SCRAPY_SETTINGS_MODULE"}
                               | {"HOME": str(home), "PYTHONPATH": str(REPO)}, check=False)
    assert with_file.returncode == 0, with_file.stderr
    assert "documents 5" in with_file.stdout


# --- publishing lock -----------------------------------------------------------------------------------
def test_publications_never_interleave(tmp_path, archive_url):
    make_archive(archive_url).close()
    public = tmp_path / "public"
    settings = ["-s", f"MF_ARCHIVE_URL={archive_url}", "-s", f"MF_PUBLIC_DIR={public}",
                "-s", f"MF_PUBLIC_BASE_URL={BASE_URL}"]
    with RunLock(public / ".publish.lock"):
        refused = run_scrapy("publish", *settings, "-s", "MF_PUBLISH_LOCK_TIMEOUT=1")
        assert refused.returncode == 75
        assert f"another publication is running ({public}/.publish.lock is held by pid {os.getpid()}" \
            in refused.stderr
        waiting = start_scrapy("publish", *settings, "-s", "MF_PUBLISH_LOCK_TIMEOUT=60")
        time.sleep(2)
        assert waiting.poll() is None  # waits for the lock
        assert not (public / "index.html").exists()
    _out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err
    assert (public / "index.html").exists()
    if archive_url.startswith("postgresql:"):  # across machines: the advisory lock of the site's URL
        with ArchiveLocks(archive_url, "test") as locks:
            locks.acquire([f"publish:{BASE_URL}"])
            refused = run_scrapy("publish", *settings, "-s", "MF_PUBLISH_LOCK_TIMEOUT=1")
            assert refused.returncode == 75
            assert f"publish:{BASE_URL} is held by ministry-feeds test pid {os.getpid()}@" in refused.stderr
            other_site = run_scrapy("publish", *settings[:2], "-s", f"MF_PUBLIC_DIR={tmp_path / 'other'}",
                                    "-s", "MF_PUBLIC_BASE_URL=https://other.example.org/")
            assert other_site.returncode == 0, other_site.stderr


# --- a read-only archive folder -----------------------------------------------------------------------
def test_a_read_only_archive_folder_serves_publish_validate_and_export(tmp_path):
    """Run without the power to write anywhere when the tests run as root (setpriv drops it)."""
    folder, public = tmp_path / "archive", tmp_path / "public"
    folder.mkdir()
    public.mkdir()
    make_archive(f"sqlite:///{folder / 'archive.sqlite3'}").close()
    assert sorted(p.name for p in folder.iterdir()) == ["archive.sqlite3"]
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root ignores folder permissions, and setpriv (util-linux) is missing to drop that")
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]
    (folder / "archive.sqlite3").chmod(0o444)
    folder.chmod(0o555)
    try:
        url = f"sqlite:///{folder / 'archive.sqlite3'}"
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("SCRAPY_SETTINGS_MODULE", None)
        probe = subprocess.run([*prefix, "touch", str(folder / "probe")], capture_output=True, check=False)
        assert probe.returncode != 0  # the folder really is read-only to the commands
        for args in (("publish",), ("validate",), ("export", "-o", str(public / "all.jsonl"))):
            result = subprocess.run([*prefix, *SCRAPY, *args, "-s", f"MF_ARCHIVE_URL={url}",
                                     "-s", f"MF_PUBLIC_DIR={public}"],
                                    cwd=REPO, env=env, capture_output=True, text=True, check=False)
            assert result.returncode == 0, (args, result.stderr[-2000:])
        assert (public / "index.html").exists()
        assert len((public / "all.jsonl").read_text(encoding="utf-8").splitlines()) == 5
        assert sorted(p.name for p in folder.iterdir()) == ["archive.sqlite3"]  # nothing written beside it
    finally:
        folder.chmod(0o755)
