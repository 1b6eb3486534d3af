"""``scrapy archive info`` and ``scrapy archive copy`` as an operator runs them, on both backends."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from crawler.store import SCHEMA_VERSION, ArchiveMissing, open_archive
from crawler.store.schema import MIGRATIONS
from tests.crawl import run_scrapy, start_scrapy
from tests.feed_archive import make_archive

pytestmark = pytest.mark.e2e


def other_backend(archive_url: str, tmp_path, postgres, name: str = "copy") -> str:
    """A new, empty archive URL on the backend ``archive_url`` is not on."""
    if archive_url.startswith("sqlite:"):
        return postgres.url(postgres.create_database())
    return f"sqlite:///{tmp_path / name}.sqlite3"


def test_info_says_what_the_archive_holds(archive_url):
    make_archive(archive_url).close()
    result = run_scrapy("archive", "info", archive_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"archive: {archive_url}"
    assert lines[1].startswith("backend: SQLite 3." if archive_url.startswith("sqlite:") else "backend: PostgreSQL ")
    assert lines[2].startswith(f"schema: version {SCHEMA_VERSION} [1: release 0.1.0 (")
    assert (f"rows: meta 2, schema_versions {1 + len(MIGRATIONS)}, blobs 0, fetches 0, documents 5, document_tags 5,"
            " versions 5,") in lines[5]
    assert lines[6] == "statements: mid/en 4, mid/ru 1"
    described = json.loads(run_scrapy("archive", "info", archive_url, "--json").stdout)
    assert described["tables"]["documents"] == 5
    assert described["change_seq"] == 1
    assert described["backend"] == archive_url.split(":")[0]
    # The configured archive when no URL is given.
    configured = run_scrapy("archive", "info", "-s", f"MF_ARCHIVE_URL={archive_url}")
    assert configured.stdout == result.stdout


@pytest.mark.parametrize(("arguments", "code", "message"), [
    ([], 2, "scrapy archive: no action given (usage: scrapy archive info [URL] [--json] | copy SRC_URL DST_URL)"),
    (["list"], 2, "scrapy archive: unknown action 'list' (usage: scrapy archive info"),
    (["copy", "sqlite:///a.sqlite3"], 2, "scrapy archive: copy: wrong number of arguments"),
    (["info", "archive.sqlite3"], 2, "scrapy archive: archive URL: 'archive.sqlite3' is not an archive URL"),
    (["copy", "sqlite:///x", "ftp://y"], 2, "scrapy archive: DST_URL: 'ftp://y' is not an archive URL"),
])
def test_bad_command_lines_are_one_line_and_exit_2(arguments, code, message):
    result = run_scrapy("archive", *arguments)
    assert result.returncode == code
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1


def test_info_of_no_archive_is_one_line(tmp_path):
    result = run_scrapy("archive", "info", f"sqlite:///{tmp_path / 'none.sqlite3'}")
    assert result.returncode == 2  # a missing path, as for every command (README, "Commands")
    assert result.stderr == f"scrapy archive: sqlite:///{tmp_path / 'none.sqlite3'}: no archive there " \
                            "(run `scrapy update` first)\n"
    assert not (tmp_path / "none.sqlite3").exists()


def test_copy_to_the_other_backend_and_back(tmp_path, archive_url, postgres):
    make_archive(archive_url).close()
    other = other_backend(archive_url, tmp_path, postgres)
    result = run_scrapy("archive", "copy", archive_url, other)
    assert result.returncode == 0, result.stderr
    table = dict(line.split(maxsplit=1) for line in result.stdout.splitlines())
    assert list(table) == ["meta", "schema_versions", "blobs", "fetches", "documents", "document_tags", "versions",
                           "validators", "pending", "listing_walks", "health", "crawl_runs"]
    assert table["documents"].startswith("5 rows") and table["documents"].endswith("same as the source")
    assert result.stderr.strip().endswith("copied 5 statements; every table has the source's rows and checksum")
    again = run_scrapy("archive", "copy", archive_url, other)
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and ("already holds an archive" in again.stderr
                                              or "already exists" in again.stderr)
    back = run_scrapy("archive", "copy", other, other_backend(other, tmp_path, postgres, "back"))
    assert back.returncode == 0, back.stderr
    assert back.stdout == result.stdout  # the same rows and checksums, table by table


def test_an_interrupted_copy_leaves_the_destination_unused(tmp_path, archive_url, postgres):
    body = "<p>" + "A long paragraph of a statement. " * 100 + "</p>"
    with open_archive(archive_url) as store:
        store.load_statements({"id": f"mid:en:{n}", "source": "mid", "site_id": str(n), "language": "en",
                               "url": f"https://mid.ru/en/foreign_policy/news/{n}/", "title": f"T {n}",
                               "published": f"20{10 + n % 12:02d}-01-01T10:00:00+03:00", "published_raw": None,
                               "doc_number": None, "type": "news", "tags": ["A", "B"], "body_text": body,
                               "body_html": body, "translations": {}, "fetched_at": "2026-11-01T00:00:00Z"}
                              for n in range(20_000))
    destination = other_backend(archive_url, tmp_path, postgres)
    copy = start_scrapy("archive", "copy", archive_url, destination)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # killed while it copies the statements
        line = copy.stderr.readline()
        if "fetches:" in line or not line:
            break
    time.sleep(0.3)
    assert copy.poll() is None, "the copy ended before it could be interrupted"
    os.kill(copy.pid, signal.SIGKILL)
    copy.communicate(timeout=30)
    with pytest.raises(ArchiveMissing):
        open_archive(destination, readonly=True)
    if destination.startswith("sqlite:"):
        assert not (tmp_path / "copy.sqlite3").exists()
        assert f".copy.sqlite3.copy-{copy.pid}" in [p.name for p in tmp_path.glob(".copy.sqlite3.copy-*")]
    again = run_scrapy("archive", "copy", archive_url, destination, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert list(tmp_path.glob(".copy.sqlite3.copy-*")) == []  # the killed copy's file, cleared away
    with open_archive(destination, readonly=True) as store:
        assert store.count() == 20_000
        assert store.count("document_tags") == 40_000


def test_copy_to_a_symbolic_link_writes_its_target(tmp_path):
    """A link to where the new archive goes (a dangling one): the copy is made there, the link stays."""
    source = tmp_path / "source.sqlite3"
    make_archive(f"sqlite:///{source}").close()
    (tmp_path / "real").mkdir()
    link = tmp_path / "copy.sqlite3"
    link.symlink_to(tmp_path / "real" / "copy.sqlite3")
    result = run_scrapy("archive", "copy", f"sqlite:///{source}", f"sqlite:///{link}")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    with open_archive(f"sqlite:///{tmp_path / 'real' / 'copy.sqlite3'}", readonly=True) as copied, \
            open_archive(f"sqlite:///{source}", readonly=True) as original:
        assert copied.count() == original.count() > 0
