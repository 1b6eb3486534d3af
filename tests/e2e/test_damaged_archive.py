"""A damaged row of the archive (a raw page that does not decompress, a fetch's headers that are
not JSON, a ``meta`` value that is not a number), on both backends: the commands that read it say
so in one line naming the archive and the row, exit 1, no traceback and no half-written file;
``scrapy reextract`` names the page, reads the others and exits 1 (found by a fresh reviewer:
each was a traceback, and a missing ``change_seq`` a bare AssertionError in ``publish``)."""

from __future__ import annotations

import pytest

from crawler.store import ArchiveURL, Capture, open_archive
from crawler.store.backend import connect
from tests.conftest import fixture_response
from tests.crawl import fast_settings, run_scrapy
from tests.feed_archive import PAGES, statement

pytestmark = pytest.mark.e2e
FETCHED = "2026-10-01T08:00:00Z"
DAMAGED_URL = PAGES[0]


def archive_with_raw_pages(url: str) -> None:
    """An archive at ``url`` holding the statements of the fixture pages with their raw pages."""
    captures = [Capture(page, FETCHED, 200, "article", {"Content-Type": "text/html; charset=utf-8"},
                        fixture_response(page).body) for page in PAGES]
    with open_archive(url) as store:
        store.write_batch(captures, [statement(page) for page in PAGES])


def damage(url: str, sql: str, *params: str | bytes) -> None:
    db = connect(ArchiveURL.parse(url))
    try:
        with db.write():
            db.execute(sql, params)
    finally:
        db.close()


def raw_sha256(url: str) -> str:
    with open_archive(url, readonly=True) as store:
        return store.fetches(DAMAGED_URL)[0]["raw_sha256"]


def scrapy(archive_url, tmp_path, *args: str):
    return run_scrapy(*args, *fast_settings(archive_url, MF_LOCK_PATH=str(tmp_path / "lock"),
                                            MF_REPORT_DIR=str(tmp_path / "reports"),
                                            MF_PUBLIC_DIR=str(tmp_path / "public")), timeout=120)


def one_line(result, command: str, archive_url: str, reason: str) -> None:
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith(f"scrapy {command}:")]
    shown = ArchiveURL.parse(archive_url).redacted()
    assert line.startswith(f"scrapy {command}: {shown}: damaged: {reason}"), line


def test_a_raw_page_that_does_not_decompress(archive_url, tmp_path):
    archive_with_raw_pages(archive_url)
    sha = raw_sha256(archive_url)
    damage(archive_url, "UPDATE blobs SET body = ? WHERE sha256 = ?", b"\x00\x11\x22\x33", sha)
    warc = tmp_path / "pages.warc.gz"
    result = scrapy(archive_url, tmp_path, "export", "--warc", str(warc))
    one_line(result, "export", archive_url, f"the raw page {sha} does not decompress (")
    assert not warc.exists() and not list(tmp_path.glob("*.tmp*"))  # nothing half-written
    result = scrapy(archive_url, tmp_path, "reextract")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert f"{DAMAGED_URL}: damaged_raw_page" in result.stderr  # named, and the others read again
    assert "mid: 0 recovered, 0 changed, 4 unchanged, 1 failed (damaged_raw_page ×1)" in result.stdout


def test_headers_that_are_not_json(archive_url, tmp_path):
    archive_with_raw_pages(archive_url)
    damage(archive_url, "UPDATE fetches SET headers = ? WHERE url = ?", "notjson", DAMAGED_URL)
    result = scrapy(archive_url, tmp_path, "export", "--warc", str(tmp_path / "pages.warc.gz"))
    one_line(result, "export", archive_url, f"the headers of a fetch of {DAMAGED_URL} are not a JSON object")
    result = scrapy(archive_url, tmp_path, "reextract")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "mid: 0 recovered, 0 changed, 4 unchanged, 1 failed (damaged_raw_page ×1)" in result.stdout


@pytest.mark.parametrize(("sql", "reason", "commands"), [
    ("UPDATE meta SET value = 'abc' WHERE key = 'schema_version'", "meta.schema_version is 'abc', not a number",
     ["publish", "export", "reextract", "validate"]),
    ("DELETE FROM meta WHERE key = 'change_seq'", "meta.change_seq is missing, not a number", ["publish"]),
])
def test_a_meta_value_that_is_not_a_number(archive_url, tmp_path, sql, reason, commands):
    archive_with_raw_pages(archive_url)
    damage(archive_url, sql)
    for command in commands:
        arguments = ["-o", str(tmp_path / "out.jsonl")] if command == "export" else []
        one_line(scrapy(archive_url, tmp_path, command, *arguments), command, archive_url, reason)
    # nothing published (publish may have taken its lock in the public folder) nor exported
    assert [path.name for path in (tmp_path / "public").glob("*") if not path.name.startswith(".")] == []
    assert not (tmp_path / "out.jsonl").exists()
