"""Re-extraction's parts: the archive's rules for what it read (every backend), the page objects
each site, spider and feed is read again with, and the names they sign their statements with."""

from __future__ import annotations

import pytest

from crawler.items import FetchFailed, PageEvent
from crawler.normalise.statement import SITES
from crawler.pages.registry import FEED_PAGES, SITE_PAGES, SPIDER_PAGES, feed_class_for, read_article, read_saved_feed
from crawler.sources import SOURCES
from crawler.store import Capture, open_archive
from crawler.store.records import Reading
from tests.conftest import FIXTURES, fixture_response, manifest
from tests.test_store import item

READER = "ministry-feeds 0.1.0 crawler.pages.mid.MidArticlePage"
LATER = "2026-02-01T00:00:00Z"


@pytest.fixture
def store(archive_url):
    archive = open_archive(archive_url)
    yield archive
    archive.close()


def reading(**changes) -> Reading:
    return Reading({**item(extractor=READER), **changes}, None)


def test_read_the_same_changes_nothing(store):
    store.write_batch([], [item(extractor=READER)])
    seq = store.change_seq()
    # the fetch time and the extractor's name are not what was read
    assert store.write_reextracted([reading(fetched_at="2026-01-05T00:00:00Z")], LATER) == ["unchanged"]
    assert store.change_seq() == seq
    assert [v["origin"] for v in store.versions(item()["id"])] == ["crawl"]


def test_read_differently_is_a_new_version_but_no_edit(store):
    store.write_batch([], [item(extractor=READER, fetched_at="2026-01-01T00:00:00Z")])
    store.write_batch([], [PageEvent(item()["url"], "2026-01-03T00:00:00Z", gone_reason="HTTP 404")])
    assert store.write_reextracted([reading(segments=[], published_raw="28.06.2022 11:44")], LATER) == ["changed"]
    doc = store.get(item()["id"])
    assert (doc["version"], doc["origin"], doc["extractor"], doc["extracted_at"]) == (2, "reextract", READER, LATER)
    assert doc["published_raw"] == "28.06.2022 11:44" and doc["segments"] == []
    # what the site did stays as it was: when it last changed, was last fetched, was found gone
    assert (doc["updated"], doc["fetched_at"], doc["removed_at"]) == (
        "2022-06-28T11:44:00+03:00", "2026-01-03T00:00:00Z", "2026-01-03T00:00:00Z")
    assert [(v["version"], v["origin"], v["extracted_at"]) for v in store.versions(item()["id"])] == [
        (1, "crawl", "2026-01-01T00:00:00Z"), (2, "reextract", LATER)]
    assert store.write_reextracted([reading(segments=[], published_raw="28.06.2022 11:44")], LATER) == ["unchanged"]


def test_language_links_found_are_added_in_place(store):
    store.write_batch([], [item(extractor=READER)])
    ru = "https://mid.ru/ru/foreign_policy/news/1819686/"
    assert store.write_reextracted([reading(translations={"ru": ru})], LATER) == ["linked"]
    doc = store.get(item()["id"])
    assert (doc["version"], doc["translations"], doc["origin"]) == (1, {"ru": ru}, "crawl")
    assert store.write_reextracted([reading(translations={})], LATER) == ["unchanged"]  # links are never dropped


def test_a_pending_page_read_is_a_new_statement_and_leaves_pending(store):
    page = "https://mid.ru/en/foreign_policy/news/1819686"  # the URL it was requested under
    capture = Capture(url=page, fetched_at="2026-01-01T00:00:00Z", status=200, kind="article",
                      headers={"Content-Type": "text/html"}, body=b"<html>page</html>")
    store.write_batch([capture], [FetchFailed(page, "mid", "unnormalisable: unreadable_date", "2026-01-01T00:00:00Z")])
    assert [row["url"] for row in store.pending("mid")] == [page]
    assert store.write_reextracted([Reading(item(extractor=READER), capture.sha256, pending_url=page)],
                                   LATER) == ["recovered"]
    assert store.pending("mid") == []
    doc = store.get(item()["id"])
    assert (doc["version"], doc["origin"], doc["first_seen"], doc["updated"]) == (
        1, "reextract", LATER, item()["published"])
    assert store.versions(item()["id"])[0]["raw_sha256"] == capture.sha256
    assert store.capture(url=page)["body"] == b"<html>page</html>"


def test_the_raw_page_a_version_was_read_from_is_found_again(store):
    url = item()["url"]
    first = Capture(url=url, fetched_at="2026-01-01T00:00:00Z", status=200, kind="article",
                    headers={"Content-Type": "text/html; charset=utf-8"}, body=b"<html>one</html>")
    second = Capture(url=url, fetched_at="2026-01-02T00:00:00Z", status=200, kind="recheck",
                     headers={"Content-Type": "text/html"}, body=b"<html>two</html>")
    store.write_batch([first], [item()])
    store.write_batch([second], [item(fetched_at="2026-01-02T00:00:00Z")])  # unchanged: no version
    [page] = store.latest_raw_pages()
    assert (page["id"], page["raw_sha256"], page["tags"]) == (item()["id"], first.sha256, ["USA"])
    found = store.capture(page["raw_sha256"], url=url)
    assert (found["body"], found["fetched_at"], found["headers"]) == (
        b"<html>one</html>", "2026-01-01T00:00:00Z", {"Content-Type": "text/html; charset=utf-8"})
    assert store.capture(url=url)["body"] == b"<html>two</html>"  # the newest page fetched from it
    assert store.latest_raw_pages(after=item()["id"]) == []


# --- which page object reads what ----------------------------------------------------------------------
def test_every_spider_and_site_has_its_page_object():
    spiders = {spider for source in SOURCES.values() for spider in source.spiders}
    assert set(SPIDER_PAGES) == spiders
    assert set(SITE_PAGES) == set(SITES)
    for site, page_class in SITE_PAGES.items():
        assert page_class.__module__.startswith("crawler.pages."), site


@pytest.mark.parametrize("source", sorted(FEED_PAGES))
def test_feed_documents_of_the_mirror_give_their_statements(source):
    feeds = [url for url, entry in manifest().items() if feed_class_for(source, url) is not None]
    assert feeds
    for url in feeds:
        body = (FIXTURES / manifest()[url]["file"]).read_bytes()
        statements = read_saved_feed(source, url, body)
        assert statements and all(s.source == source for s in statements)
        assert {s.extractor for s in statements} == {f"ministry-feeds 0.1.0 {FEED_PAGES[source][0].__module__}."
                                                    f"{FEED_PAGES[source][0].__name__}"}
    # another source's feed is none of its own
    other = next(name for name in FEED_PAGES if name != source)
    assert all(feed_class_for(other, url) is None for url in feeds)


def test_a_page_object_signs_what_it_reads():
    url = "https://mid.ru/en/foreign_policy/news/1819686/"
    assert read_article(url, fixture_response(url).text).extractor == READER

