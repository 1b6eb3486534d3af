"""``scrapy export`` as researchers run it: files, stdout, gzip, errors, and a killed export."""

from __future__ import annotations

import gzip
import json
import os
import signal
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
        parts = list(tmp_path.glob(".all.jsonl.*.part"))
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
