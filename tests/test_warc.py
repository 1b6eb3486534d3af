"""``scrapy export --warc``: the archived raw pages of a selection as a WARC file, read back with warcio."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.store import Capture, Selection
from feeds.warc import sha256_label, warc_date, write_warc
from tests.conftest import FIXTURES, manifest
from tests.crawl import run_scrapy
from tests.feed_archive import PAGES, make_archive, statement

EDITED_AT = "2026-11-20T10:00:00Z"


def capture(url: str, fetched_at: str, body: bytes | None = None) -> Capture:
    entry = manifest()[url]
    return Capture(url=url, fetched_at=fetched_at, status=200, kind="article",
                   headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"',
                            "Date": "Sun, 01 Nov 2026 00:00:00 GMT"},
                   body=body if body is not None else (FIXTURES / entry["file"]).read_bytes())


@pytest.fixture
def archive(archive_url):
    """Four statements with their raw pages (one edited: a second page), one without."""
    store = make_archive(archive_url, [])
    pages = PAGES[:4]
    store.write_batch([capture(url, "2026-11-01T00:00:00.250000Z") for url in pages],
                      [statement(url) for url in pages])
    store.write_batch([], [statement(PAGES[4])])  # loaded without its page
    edited = statement(PAGES[2], fetched_at=EDITED_AT)
    edited["title"] += " (corrected)"
    edited_page = capture(PAGES[2], EDITED_AT).body.replace(b"</h1>", b" (corrected)</h1>", 1)
    assert store.write_batch([capture(PAGES[2], EDITED_AT, edited_page)], [edited]) == ["updated"]
    yield store
    store.close()


def read_warc(path):
    with path.open("rb") as handle:
        records = []
        for record in ArchiveIterator(handle):
            body = record.content_stream().read()
            records.append((record.rec_type, record.rec_headers, record.http_headers, body))
        return records


def archived_versions(store) -> dict[tuple[str, int], str]:
    """(id, version) → raw_sha256, as the archive has them."""
    return {(v["id"], v["version"]): v["raw_sha256"] for doc in store.documents(Selection(include_repeats=True))
            for v in store.versions(doc["id"]) if v["raw_sha256"]}


@pytest.mark.parametrize("name", ["pages.warc.gz", "pages.warc"])
def test_every_version_page_reads_back_with_its_hash(archive, tmp_path, name):
    target = tmp_path / name
    result = write_warc(target, archive, Selection(), all_versions=True, made_at="2026-12-01T00:00:00Z")
    assert (result.responses, result.versions) == (5, 5)
    assert result.without_raw_page == ["mid:en:liferay-2826535 version 1"]
    records = read_warc(target)
    assert (target.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    kind, headers, _, info = records[0]
    assert kind == "warcinfo" and headers.get_header("WARC-Date") == "2026-12-01T00:00:00Z"
    assert b"versions: all" in info and b"responses: 5" in info
    assert [record[0] for record in records[1:]] == ["request", "response"] * 5
    expected = archived_versions(archive)
    seen = {}
    for (_, request, request_http, _), (_, response, http, body) in zip(records[1::2], records[2::2], strict=True):
        assert request.get_header("WARC-Concurrent-To") == response.get_header("WARC-Record-ID")
        url = response.get_header("WARC-Target-URI")
        assert request.get_header("WARC-Target-URI") == url
        assert request_http.protocol == "GET" and request_http.get_header("Host") == url.split("/")[2]
        assert http.get_statuscode() == "200" and http.protocol == "HTTP/1.1"
        assert http.get_header("Content-Type") == "text/html; charset=utf-8"
        assert http.get_header("Content-Length") == str(len(body))
        digest = hashlib.sha256(body).hexdigest()
        label = response.get_header("WARC-Payload-Digest")
        assert label == sha256_label(body)
        assert base64.b32decode(label.removeprefix("sha256:")).hex() == digest
        for named in [value for key, value in response.headers if key == "MF-Statement"]:
            doc_id, _, version = named.partition(" version ")
            seen[doc_id, int(version)] = (digest, response.get_header("WARC-Date"), url)
    assert {key: value[0] for key, value in seen.items()} == expected
    assert seen["mid:en:1820480", 2][1:] == (EDITED_AT, PAGES[2])
    assert seen["mid:en:1819686", 1][1] == "2026-11-01T00:00:00.250000Z"
    assert not list(tmp_path.glob(".*part"))


def test_latest_versions_and_filters(archive, tmp_path):
    target = tmp_path / "latest.warc.gz"
    result = write_warc(target, archive, Selection(language="en", type="briefing"), all_versions=False)
    assert (result.responses, result.versions, result.without_raw_page) == (1, 1, [])
    response = [record for record in read_warc(target) if record[0] == "response"]
    assert [r[1].get_header("WARC-Date") for r in response] == [EDITED_AT]
    assert b" (corrected)</h1>" in response[0][3]
    assert [value for key, value in response[0][1].headers if key == "MF-Statement"] == ["mid:en:1820480 version 2"]


def test_the_same_pages_give_the_same_records(archive, tmp_path):
    first, second = tmp_path / "a.warc", tmp_path / "b.warc"
    for target in (first, second):
        write_warc(target, archive, Selection(), all_versions=True, made_at="2026-12-01T00:00:00Z")
    assert first.read_bytes() == second.read_bytes()


def test_warcio_check_verifies_every_digest(archive, tmp_path):
    target = tmp_path / "check.warc.gz"
    write_warc(target, archive, Selection(), all_versions=True)
    result = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(target)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("digest pass") >= 10  # block and payload digests of every response


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"),
    ("2026-11-01T03:00:00+03:00", "2026-11-01T00:00:00Z"),
    ("2026-11-01T00:00:00.250000+00:00", "2026-11-01T00:00:00.250000Z"),
    ("2026-11-01T00:00:00", "2026-11-01T00:00:00Z"),
])
def test_warc_dates_are_utc(value, expected):
    assert warc_date(value) == expected


def test_scrapy_export_warc(archive, archive_url, tmp_path):
    target = tmp_path / "mid-en.warc.gz"
    result = run_scrapy("export", "--warc", str(target), "--language", "en", "--versions", "all",
                        "-s", f"MF_ARCHIVE_URL={archive_url}")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines() == [
        "scrapy export: 1 selected versions have no raw page linked in the archive: mid:en:liferay-2826535 version 1",
        f"4 raw pages (4 statement versions) written to {target}"]
    assert len([r for r in read_warc(target) if r[0] == "response"]) == 4
    both = run_scrapy("export", "--warc", str(target), "-o", str(tmp_path / "x.jsonl"),
                      "-s", f"MF_ARCHIVE_URL={archive_url}")
    assert (both.returncode, both.stderr.strip()) == (2, "scrapy export: -o and --warc: give one output")
