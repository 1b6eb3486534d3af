"""A real crawl of the mid spider through Scrapy's downloader, against a loopback HTTP server
serving the bundled mirror, with a 503 that recovers, challenge pages and a windows-1251 page."""

from __future__ import annotations

import json
import re

import pytest

from crawler.items import STATEMENT_FIELDS
from crawler.store import Selection, open_archive
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e

CHALLENGE = (FIXTURES / "mid" / "en" / "foreign_policy" / "news" / "1820833.html").read_bytes()
HTML = {"Content-Type": "text/html; charset=utf-8"}


def stat(log: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match.group(1)) if match else 0


EVERY_DOCUMENT = Selection(include_repeats=True)


@pytest.fixture(scope="module")
def crawl(module_archive_url):
    archive = module_archive_url
    faults = {
        "/en/foreign_policy/news/1820150/": [(503, HTML, b"Service Unavailable"),
                                             (503, HTML, b"Service Unavailable")],
        "/ru/press_service/spokesman/answers/1820655/": [(200, HTML, CHALLENGE)],
    }
    with LoopbackSite(FIXTURES, faults) as site:
        result = run_scrapy("crawl", "mid", *fast_settings(archive, MF_MID_BASE_URL=site.base_url))
        hits = dict(site.hits)
    store = open_archive(archive, readonly=True)
    yield result, store, hits, site.base_url
    store.close()


def test_crawl_finishes(crawl):
    result, _, _, _ = crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'finish_reason': 'finished'" in result.stderr


def test_every_article_archived_once(crawl):
    result, store, _, _ = crawl
    ids = {doc["id"] for doc in store.documents(EVERY_DOCUMENT)}
    assert len(ids) == 32  # 16 documents in two languages
    assert "mid:en:1820833" not in ids and "mid:ru:1820833" not in ids  # the walled pages
    assert stat(result.stderr, "mf/items/new") == 32
    assert store.count("versions") == 32


def test_503_recovers_with_retries(crawl):
    result, store, hits, _ = crawl
    assert hits["/en/foreign_policy/news/1820150/"] == 3
    assert store.get("mid:en:1820150")["title"].startswith("Foreign Minister Sergey Lavrov’s meeting")
    assert stat(result.stderr, "retry/reason_count/HTTP 503") == 2


def test_challenge_pages_retried_counted_never_stored(crawl):
    result, store, hits, _ = crawl
    # Once walled, then the real page: stored.
    assert hits["/ru/press_service/spokesman/answers/1820655/"] == 2
    assert store.get("mid:ru:1820655") is not None
    # Always walled: retried 3 times, given up, reported, never parsed into an item.
    assert hits["/en/foreign_policy/news/1820833/"] == 4
    assert stat(result.stderr, "mf/challenge/gave_up") == 2
    assert stat(result.stderr, "mf/articles/failed") == 2
    assert re.search(r"Article page failed: http://127\.0\.0\.1:\d+/en/foreign_policy/news/1820833/ "
                     r"\(challenge page: bot-wall challenge page after 4 tries", result.stderr)
    for doc in store.documents(EVERY_DOCUMENT):
        assert "Please enable JavaScript" not in json.dumps(doc, ensure_ascii=False)


def test_windows_1251_page_decoded(crawl):
    _, store, _, base = crawl
    item = store.get("mid:ru:1820801")
    assert item["title"].startswith("О телефонном разговоре Министра иностранных дел России")
    assert item["url"] == f"{base}/ru/foreign_policy/news/1820801/"
    assert item["tags"] == ["Казахстан", "СНГ"]


def test_translations_linked_both_ways(crawl):
    _, store, _, base = crawl
    en, ru = store.get("mid:en:1820702"), store.get("mid:ru:1820702")
    assert en["translations"] == {"ru": f"{base}/ru/press_service/spokesman/kommentarii/1820702/"}
    assert ru["translations"] == {"en": f"{base}/en/press_service/spokesman/comments/1820702/"}


def test_raw_pages_kept_compressed_with_status_and_hash(crawl):
    _, store, _, base = crawl
    if store.backend == "sqlite":
        assert store.describe()["journal_mode"] == "wal"
    [fetch] = store.fetches(f"{base}/ru/foreign_policy/news/1820801/")
    assert fetch["status"] == 200
    assert fetch["fetched_at"].endswith("Z")
    raw = store.raw_page(fetch["raw_sha256"])
    assert raw.decode("cp1251").count("О телефонном разговоре") >= 1
    assert "windows-1251" in fetch["headers"]["Content-Type"]
    assert store.versions("mid:ru:1820801")[0]["raw_sha256"] == fetch["raw_sha256"]


def test_items_in_archive_validate(crawl):
    from crawler.pipelines.validate import schema_errors

    _, store, _, _ = crawl
    for doc in store.documents(EVERY_DOCUMENT):
        assert schema_errors({name: doc[name] for name in STATEMENT_FIELDS if name in doc}) == []


def test_listing_pages_read_until_they_run_out(crawl):
    result, _, hits, _ = crawl
    assert stat(result.stderr, "mf/listing/pages") == 28  # two per section and language
    assert hits["/en/foreign_policy/news/?PAGEN_1=2"] == 1
    assert hits["/en/foreign_policy/news/?PAGEN_1=3"] == 1  # 404: the end, not a failure
    assert stat(result.stderr, "mf/listing/failed") == 0
    assert hits["/robots.txt"] == 1


def test_backfill_walks_until_listings_run_out(archive_url):
    archive = archive_url
    with LoopbackSite(FIXTURES) as site:
        result = run_scrapy("crawl", "mid", "-a", "backfill=1", "-a", "languages=en",
                            "-a", "sections=foreign_policy/news,briefings",
                            *fast_settings(archive, MF_MID_BASE_URL=site.base_url))
        hits = dict(site.hits)
    assert result.returncode == 0, result.stderr[-3000:]
    assert hits["/en/foreign_policy/news/?PAGEN_1=3"] == 1  # asked, answered 404: the end
    assert "/en/foreign_policy/news/?PAGEN_1=4" not in hits
    assert "/ru/foreign_policy/news/" not in hits
    assert stat(result.stderr, "mf/listing/failed") == 0
    assert "end of section" in result.stderr
    with open_archive(archive, readonly=True) as store:
        ids = {doc["id"] for doc in store.documents(EVERY_DOCUMENT)}
    assert ids == {
        "mid:en:1820801", "mid:en:1820150", "mid:en:1819686", "mid:en:1820480", "mid:en:1819402"}


def test_replay_and_scrapy_feed_export(tmp_path):
    """Scrapy's own feed export of a replayed crawl. On SQLite only, on purpose: the archive is
    named by the older setting, ``MF_ARCHIVE_PATH`` (a file path, which only an SQLite archive
    has), which an operator's cron line may still give and which must still be obeyed (issue 12,
    item 2)."""
    out = tmp_path / "items.jsonl"
    result = run_scrapy("crawl", "mid", "-a", f"replay={FIXTURES}", "-a", "pages=1", "-O", str(out),
                        "-s", f"MF_ARCHIVE_PATH={tmp_path / 'a.sqlite3'}", "-s", "LOG_LEVEL=INFO")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # the older setting, a file path, still names the archive: every exported item is archived there
    with open_archive(tmp_path / "a.sqlite3", readonly=True) as store:
        assert {doc["id"] for doc in store.documents(EVERY_DOCUMENT)} == {line["id"] for line in lines}
    assert len(lines) == 16  # page 1 of 7 sections (news lists two) in 2 languages, no walled page
    assert list(lines[0]) == ["id", "source", "site", "site_id", "url", "language", "title", "published",
                              "published_raw", "doc_number", "type", "tags", "body_text", "body_html",
                              "translations", "fetched_at", "published_precision", "change_history",
                              "withdrawn", "segments"]
    assert all(line["url"].startswith("https://mid.ru/") for line in lines)


def test_bad_spider_arguments_fail_clearly(tmp_path):
    archive = ["-s", f"MF_ARCHIVE_URL=sqlite:///{tmp_path / 'a.sqlite3'}"]  # never opened: refused before
    result = run_scrapy("crawl", "mid", "-a", "languages=xx", *archive)
    assert result.returncode == 2
    assert result.stderr == "scrapy crawl: -a languages=xx: mid has no language xx (it has en, ru)\n"
    result = run_scrapy("crawl", "mid", "-a", f"replay={tmp_path}", *archive)
    assert result.returncode == 2
    assert result.stderr == (f"scrapy crawl: -a replay={tmp_path}: {tmp_path}/manifest.json: no such file "
                             "(a mirror needs manifest.json)\n")
    assert list(tmp_path.iterdir()) == []  # no archive made for a crawl that never started
