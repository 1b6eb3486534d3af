"""``scrapy export`` as researchers run it: files, stdout, gzip, errors, and a killed export."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from crawler.sources import SOURCES
from crawler.store import open_archive
from tests.crawl import run_scrapy, start_scrapy
from tests.feed_archive import make_archive

pytestmark = pytest.mark.e2e


@pytest.fixture
def archive(archive_url):
    make_archive(archive_url).close()
    return archive_url


def test_export_to_stdout_and_gzip_file(archive, tmp_path):
    result = run_scrapy("export", "--language", "en", "-s", f"MF_ARCHIVE_URL={archive}")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["mid:en:liferay-2826535", "mid:en:1819686", "mid:en:1820480",
                                              "mid:en:1820702"]
    assert "\r[" not in result.stderr  # no progress bar in a pipe
    target = tmp_path / "dump.jsonl.gz"
    result = run_scrapy("export", "-o", str(target), "--versions", "all", "-s", f"MF_ARCHIVE_URL={archive}")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith(f"5 statements written to {target}")
    assert len(gzip.decompress(target.read_bytes()).splitlines()) == 5


@pytest.mark.parametrize(("arguments", "message"), [
    (["--source", "fco"], f"scrapy export: unknown source 'fco' (known: {', '.join(sorted(SOURCES))})"),
    (["--type", "memo"], "scrapy export: unknown type 'memo' (known: briefing, statement, comment, news, speech, "
                         "answer, interview)"),
    (["--since", "yesterday"], "scrapy export: --since: 'yesterday' is not a date (YYYY-MM-DD)"),
    (["-o", "/nonexistent/folder/out.jsonl"],
     "scrapy export: -o /nonexistent/folder/out.jsonl: folder /nonexistent/folder does not exist"),
])
def test_bad_requests_exit_2_with_one_line(archive, arguments, message):
    result = run_scrapy("export", *arguments, "-s", f"MF_ARCHIVE_URL={archive}")
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""


@pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL semantics")
def test_killed_export_leaves_no_file_at_the_target(tmp_path, archive_url):
    archive = archive_url
    store = open_archive(archive)
    body = "<p>" + "A long paragraph of a statement. " * 200 + "</p>"
    base = {"source": "mid", "language": "en", "title": "T", "published_raw": None, "doc_number": None,
            "type": "news", "tags": [], "body_text": "x" * 6000, "body_html": body, "translations": {},
            "fetched_at": "2026-11-01T00:00:00Z"}
    store.load_statements({**base, "id": f"mid:en:{n}", "site_id": str(n),
                           "url": f"https://mid.ru/en/foreign_policy/news/{n}/",
                           "published": f"20{10 + n % 12:02d}-01-01T10:00:00+03:00"} for n in range(20_000))
    store.close()
    target = tmp_path / "all.jsonl"
    export = start_scrapy("export", "-o", str(target), "-s", f"MF_ARCHIVE_URL={archive}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        parts = list(tmp_path.glob(".all.jsonl.*.tmp"))
        if parts and parts[0].stat().st_size > 1_000_000:
            break
        time.sleep(0.01)
    os.kill(export.pid, signal.SIGKILL)
    export.communicate(timeout=30)
    assert export.returncode == -signal.SIGKILL
    assert not target.exists()


def test_progress_bar_on_a_terminal_only(archive, tmp_path):
    import pty
    import subprocess

    from tests.crawl import REPO, SCRAPY

    primary, secondary = pty.openpty()
    target = tmp_path / "out.jsonl"
    process = subprocess.Popen([*SCRAPY, "export", "-o", str(target), "-s", f"MF_ARCHIVE_URL={archive}"],
                               cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=secondary,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=60)
    os.close(primary)
    assert process.returncode == 0
    assert b"[##############################] 5/5 statements" in output


# --- output paths that are not regular files ---------------------------------------------------------------
@pytest.fixture
def sqlite_archive(tmp_path):
    """An SQLite archive: what an output path is does not depend on the backend."""
    url = f"sqlite:///{tmp_path / 'archive' / 'archive.sqlite3'}"
    (tmp_path / "archive").mkdir()
    make_archive(url).close()
    return url


OUTPUTS = {  # option and file name → a check of the bytes written
    "-o": (["-o"], "out.jsonl", lambda data: [json.loads(line)["id"] for line in data.splitlines()][:1]
           == ["mid:en:liferay-2826535"] and len(data.splitlines()) == 5),
    "--segments -o": (["--segments", "-o"], "qa.jsonl",
                      lambda data: all("question" in json.loads(line) for line in data.splitlines())),
    "--warc": (["--warc"], "pages.warc", lambda data: data.startswith(b"WARC/1.1\r\n")),
    "--sqlite": (["--sqlite"], "snapshot.sqlite3", lambda data: data.startswith(b"SQLite format 3\x00")),
}


def _not_regular_leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("option", OUTPUTS, ids=list(OUTPUTS))
def test_a_fifo_is_written_in_place_streaming(sqlite_archive, tmp_path, option):
    import stat
    import threading

    arguments, name, valid = OUTPUTS[option]
    fifo = tmp_path / name
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_scrapy("export", *arguments, str(fifo), "-s", f"MF_ARCHIVE_URL={sqlite_archive}", timeout=120)
    reader.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO, not a file renamed over it
    assert received and valid(received[0]), received[:1]
    assert _not_regular_leftovers(tmp_path) == []


@pytest.mark.parametrize("option", OUTPUTS, ids=list(OUTPUTS))
def test_a_symlink_is_followed_and_its_target_replaced(sqlite_archive, tmp_path, option):
    arguments, name, valid = OUTPUTS[option]
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / name
    real.write_bytes(b"the old file\n")
    link = tmp_path / name
    link.symlink_to(real)
    result = run_scrapy("export", *arguments, str(link), "-s", f"MF_ARCHIVE_URL={sqlite_archive}", timeout=120)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)  # the link stays
    assert valid(real.read_bytes())  # and its target holds the export
    assert _not_regular_leftovers(tmp_path) == [] and _not_regular_leftovers(tmp_path / "real") == []


@pytest.mark.parametrize("option", OUTPUTS, ids=list(OUTPUTS))
def test_a_folder_as_output_is_a_usage_error(sqlite_archive, tmp_path, option):
    arguments, _name, _valid = OUTPUTS[option]
    folder = tmp_path / "folder"
    folder.mkdir()
    result = run_scrapy("export", *arguments, str(folder), "-s", f"MF_ARCHIVE_URL={sqlite_archive}")
    assert result.returncode == 2
    assert result.stderr.strip() == f"scrapy export: {arguments[-1]} {folder}: is a folder, not a file"
    assert list(folder.iterdir()) == []


def test_a_loop_of_links_as_output_is_a_usage_error(sqlite_archive, tmp_path):
    (tmp_path / "a.jsonl").symlink_to(tmp_path / "b.jsonl")
    (tmp_path / "b.jsonl").symlink_to(tmp_path / "a.jsonl")
    result = run_scrapy("export", "-o", str(tmp_path / "a.jsonl"), "-s", f"MF_ARCHIVE_URL={sqlite_archive}")
    assert result.returncode == 2
    assert result.stderr.strip() == f"scrapy export: -o {tmp_path / 'a.jsonl'}: Too many levels of symbolic links"


def _dev_full_is_a_device():
    import stat

    return os.path.exists("/dev/full") and stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.skipif(not _dev_full_is_a_device(), reason="no /dev/full")
@pytest.mark.parametrize("option", OUTPUTS, ids=list(OUTPUTS))
def test_a_device_that_fails_is_one_line_and_exit_1(sqlite_archive, option):
    arguments, _name, _valid = OUTPUTS[option]
    result = run_scrapy("export", *arguments, "/dev/full", "-s", f"MF_ARCHIVE_URL={sqlite_archive}")
    assert _dev_full_is_a_device()  # written in place, never replaced
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == "scrapy export: /dev/full: No space left on device"


@pytest.mark.skipif(not _dev_full_is_a_device(), reason="no /dev/full")
@pytest.mark.parametrize("gzipped", [[], ["--gzip"]], ids=["plain", "gzip"])
def test_stdout_that_fails_is_one_line_and_exit_1(sqlite_archive, gzipped):
    import subprocess

    from tests.crawl import REPO, SCRAPY

    with open("/dev/full", "wb") as full:
        result = subprocess.run([*SCRAPY, "export", *gzipped, "-s", f"MF_ARCHIVE_URL={sqlite_archive}"], cwd=REPO,
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, check=False,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == "scrapy export: standard output: No space left on device"


def test_a_reader_that_goes_away_is_quiet(sqlite_archive):
    import subprocess

    from tests.crawl import REPO, SCRAPY

    export = subprocess.Popen([*SCRAPY, "export", "--versions", "all", "-s", f"MF_ARCHIVE_URL={sqlite_archive}"],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    assert export.stdout is not None and export.stderr is not None
    first = export.stdout.readline()
    export.stdout.close()  # `| head -1`
    stderr = export.stderr.read().decode()
    export.wait(timeout=60)
    assert json.loads(first)["id"]
    assert export.returncode == 0
    assert stderr == ""


@pytest.fixture
def full_folder(tmp_path):
    """A folder on a 64 KiB file system (a tmpfs, mounted as root): a disk with no room left."""
    folder = tmp_path / "full"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                             capture_output=True, check=False) if os.geteuid() == 0 else None
    if mounted is None or mounted.returncode != 0:
        pytest.skip("a small file system cannot be mounted here (needs root and mount)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_snapshot_on_a_full_disk_names_the_file_asked_for(sqlite_archive, full_folder):
    target = full_folder / "snapshot.sqlite3"
    result = run_scrapy("export", "--sqlite", str(target), "-s", f"MF_ARCHIVE_URL={sqlite_archive}")
    assert result.returncode == 1, result.stderr
    # (SQLite says "database or disk is full" or "disk I/O error", as the write that fails is)
    assert re.fullmatch(rf"scrapy export: {re.escape(str(target))}: cannot write the archive \((database or disk "
                        r"is full|disk I/O error)\)", result.stderr.strip()), result.stderr
    assert list(full_folder.iterdir()) == []  # nothing half-written, no temporary file left
