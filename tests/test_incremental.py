"""The re-check schedule, the archive index and the run report's judgement (pure parts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.events import ArchiveFailed
from crawler.incremental import LOOKUPS_KEPT, ArchiveIndex, KnownPage, RecheckSchedule
from crawler.items import FetchFailed, ListingWalked, PageEvent
from crawler.report import not_crawled, summarise
from crawler.store import Validators, open_archive

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SCHEDULE = RecheckSchedule([(2, 6), (14, 48), (36500, 24 * 180)])


@pytest.mark.parametrize(
    ("published_days_ago", "checked_hours_ago", "due"),
    [(1, 5, False), (1, 7, True), (10, 47, False), (10, 49, True), (400, 24 * 179, False),
     (400, 24 * 181, True)],
)
def test_schedule_by_age(published_days_ago, checked_hours_ago, due):
    published = NOW - timedelta(days=published_days_ago)
    checked = NOW - timedelta(hours=checked_hours_ago)
    assert SCHEDULE.is_due(published, checked, NOW) is due


def test_schedule_from_setting():
    assert RecheckSchedule.from_setting("[[1, 2]]").interval(timedelta(days=5)) == timedelta(hours=2)
    with pytest.raises(ValueError, match="not JSON"):
        RecheckSchedule.from_setting("every hour")
    with pytest.raises(ValueError, match="at least one"):
        RecheckSchedule.from_setting([])


def test_conditional_headers():
    page = KnownPage("u", "id", None, None, False, '"abc"', "Tue, 28 Jun 2022 08:44:00 GMT")
    assert page.conditional_headers() == {"If-None-Match": '"abc"',
                                          "If-Modified-Since": "Tue, 28 Jun 2022 08:44:00 GMT"}
    assert KnownPage("u", "id", None, None, False, None, None).conditional_headers() == {}


def test_index_from_an_archive(tmp_path, archive_url):
    store = open_archive(archive_url)
    item = {"id": "mid:en:1", "source": "mid", "site_id": "1", "url": "https://mid.ru/en/foreign_policy/news/1/",
            "language": "en", "title": "T", "published": "2026-11-27T10:00:00+03:00", "published_raw": None,
            "doc_number": None, "type": "news", "tags": [], "body_text": "B", "body_html": "<p>B</p>",
            "translations": {}, "fetched_at": "2026-11-28T11:00:00Z"}
    store.write_batch([], [item, FetchFailed("https://mid.ru/en/foreign_policy/news/2/", "mid", "HTTP 500",
                                             "2026-11-28T11:00:00Z", ["Tag"], "27.11.2026 10:00"),
                           ListingWalked("mid", "en", "foreign_policy/news", "2026-11-28T11:00:00Z")],
                      validators=[Validators(item["url"], '"e1"', None, "2026-11-28T11:00:00Z")])
    store.close()
    index = ArchiveIndex.load(archive_url, SCHEDULE, "mid", now=NOW)
    assert index.is_known_article(item["url"])
    assert not index.is_due(item["url"])  # a day old, checked an hour ago
    assert index.get(item["url"]).conditional_headers() == {"If-None-Match": '"e1"'}
    assert index.has_walked("en", "foreign_policy/news")
    assert not index.has_walked("ru", "foreign_policy/news")
    [pending] = index.pending_retries(max_attempts=5)
    assert (pending.url, pending.tags, pending.listing_date) == \
        ("https://mid.ru/en/foreign_policy/news/2/", ["Tag"], "27.11.2026 10:00")
    assert index.pending_retries(max_attempts=1) == []
    index.close()
    assert index.get(item["url"]) is None
    missing = ArchiveIndex.load(f"sqlite:///{tmp_path / 'missing.sqlite3'}", SCHEDULE, "mid")
    assert missing.get(item["url"]) is None and missing.due_rechecks("mid", lambda url: True, 10) == []
    assert not (tmp_path / "missing.sqlite3").exists()


def test_a_failed_fetch_forgets_the_pages_validators(archive_url):
    """A re-check's page that does not read was answered with an ETag: kept, it would make every
    later re-check a 304 once the retries are spent, and the broken page would go unnoticed."""
    item = statement(1, "2026-11-27T10:00:00+03:00", "2026-11-28T11:00:00Z")
    with open_archive(archive_url) as store:
        store.write_batch([], [item], validators=[Validators(item["url"], '"good"', None, "2026-11-28T11:00:00Z")])
        # re-checked: the broken page's own validators arrive with its failure, in one batch
        store.write_batch([], [FetchFailed(item["url"], "mid", "unparsed: truncated_page", "2026-11-28T11:30:00Z")],
                          validators=[Validators(item["url"], '"broken"', None, "2026-11-28T11:30:00Z")])
    index = ArchiveIndex.load(archive_url, SCHEDULE, "mid", now=NOW)
    assert index.get(item["url"]).conditional_headers() == {}
    assert [page.url for page in index.pending_retries(max_attempts=5)] == [item["url"]]
    index.close()


def statement(n: int, published: str, fetched_at: str, section: str = "foreign_policy/news") -> dict:
    url = f"https://mid.ru/en/{section}/{n}/"
    return {"id": f"mid:en:{n}", "source": "mid", "site_id": str(n), "url": url, "language": "en",
            "title": f"T{n}", "published": published, "published_raw": None, "doc_number": None, "type": "news",
            "tags": [], "body_text": "B", "body_html": "<p>B</p>", "translations": {}, "fetched_at": fetched_at}


def test_due_rechecks_least_recently_checked_first_within_the_limit(archive_url):
    store = open_archive(archive_url)
    items = [
        statement(1, "2026-11-27T10:00:00+03:00", "2026-11-28T11:00:00Z"),   # a day old, checked 1 h ago
        statement(2, "2026-11-27T10:00:00+03:00", "2026-11-28T02:00:00Z"),   # a day old, checked 10 h ago
        statement(3, "2026-11-20T10:00:00+03:00", "2026-11-25T12:00:00Z"),   # 8 days old, checked 3 days ago
        statement(4, "2020-01-01T10:00:00+03:00", "2026-01-01T00:00:00Z"),   # old, checked 331 days ago
        statement(5, "2020-01-01T10:00:00+03:00", "2026-11-01T00:00:00Z"),   # old, checked 27 days ago
        statement(6, "2020-01-01T10:00:00+03:00", "2025-01-01T00:00:00Z", "press_service/video/view"),
        statement(7, "2026-11-28T10:00:00+03:00", "2026-11-28T04:30:00+03:00"),  # removed below; 01:30 UTC
    ]
    store.write_batch([], items)
    # 7 found gone when it was last fetched (the time in the Moscow offset: 01:30 UTC)
    store.write_batch([], [PageEvent(items[6]["url"], items[6]["fetched_at"], gone_reason="HTTP 404")])
    store.close()
    index = ArchiveIndex.load(archive_url, SCHEDULE, "mid", now=NOW)
    owns = lambda url: "/video/" not in url  # noqa: E731
    due = index.due_rechecks("mid", owns, 10)
    # 6 is not the spider's; 1 and 5 are not due; 7 is removed, so due whenever listed; by time
    # of the last check, whatever its offset
    assert [page.url.rsplit("/", 2)[-2] for page in due] == ["4", "3", "7", "2"]
    assert [page.url for page in index.due_rechecks("mid", owns, 2)] == [page.url for page in due[:2]]
    assert index.due_rechecks("mid", owns, 0) == []
    assert index.is_due(items[6]["url"]) and not index.is_known_article(items[6]["url"])
    index.close()


def test_due_rechecks_are_the_sources_own_statements(archive_url):
    """Another source's statement is never a spider's re-check, whatever its URL looks like."""
    store = open_archive(archive_url)
    ours = statement(1, "2026-11-27T10:00:00+03:00", "2026-11-27T11:00:00Z")
    theirs = {**statement(2, "2026-11-27T10:00:00+03:00", "2026-11-27T11:00:00Z"), "id": "fmprc:en:2",
              "source": "fmprc"}
    store.write_batch([], [ours, theirs])
    store.close()
    index = ArchiveIndex.load(archive_url, SCHEDULE, "mid", now=NOW)
    assert [page.doc_id for page in index.due_rechecks("mid", lambda url: True, 10)] == ["mid:en:1"]
    assert [page.doc_id for page in index.due_rechecks("fmprc", lambda url: True, 10)] == ["fmprc:en:2"]
    index.close()


def test_archived_date_is_the_date_string_the_statement_was_dated_from(archive_url):
    store = open_archive(archive_url)
    dated = {**statement(1, "2026-11-27T10:00:00+03:00", "2026-11-27T11:00:00Z"), "published_raw": "27.11.2026 10:00"}
    store.write_batch([], [dated, statement(2, "2026-11-27T00:00:00+03:00", "2026-11-27T11:00:00Z")])
    store.close()
    index = ArchiveIndex.load(archive_url, SCHEDULE, "mid", now=NOW)
    assert index.archived_date(dated["url"]) == "27.11.2026 10:00"
    assert index.archived_date("https://mid.ru/en/foreign_policy/news/2/") is None  # from its document number
    assert index.archived_date("https://mid.ru/en/foreign_policy/news/3/") is None  # not archived
    index.close()


def test_lookups_read_the_archive_as_it_is_and_keep_few_answers(archive_url):
    store = open_archive(archive_url)
    store.write_batch([], [statement(1, "2026-11-27T10:00:00+03:00", "2026-11-28T11:00:00Z")])
    index = ArchiveIndex.load(archive_url, SCHEDULE, "mid", now=NOW)
    later = statement(2, "2026-11-27T10:00:00+03:00", "2026-11-28T11:30:00Z")
    store.write_batch([], [later], validators=[Validators(later["url"], '"e2"', None, "2026-11-28T11:30:00Z")])
    store.write_batch([], [], validators=[Validators("https://mid.ru/en/foreign_policy/news/", None,
                                                     "Sat, 28 Nov 2026 10:00:00 GMT", "2026-11-28T11:30:00Z")])
    assert index.is_known_article(later["url"])  # written after the index opened: found all the same
    assert index.get(later["url"]).conditional_headers() == {"If-None-Match": '"e2"'}
    listing = index.get("https://mid.ru/en/foreign_policy/news/")
    assert (listing.doc_id, listing.last_modified) == (None, "Sat, 28 Nov 2026 10:00:00 GMT")
    assert not index.is_known_article(listing.url)
    for n in range(3 * LOOKUPS_KEPT):
        assert index.get(f"https://mid.ru/en/foreign_policy/news/{1000 + n}/") is None
    assert len(index._kept) == LOOKUPS_KEPT
    assert index.is_known_article(later["url"])
    index.close()
    store.close()


def test_an_archive_that_cannot_be_read_is_no_empty_index(tmp_path):
    """Crawling on as if nothing were archived would fetch everything and keep nothing."""
    path = tmp_path / "archive.sqlite3"
    path.write_text("not an archive\n" * 300, encoding="utf-8")
    index = ArchiveIndex.load(path, SCHEDULE, "mid", now=NOW)
    assert str(index.error) == f"sqlite:///{path}: cannot open the archive (file is not a database)"
    for look_up in (index.check, lambda: index.get("https://mid.ru/en/foreign_policy/news/1/"),
                    lambda: index.due_rechecks("mid", lambda url: True, 10)):
        with pytest.raises(ArchiveFailed) as raised:
            look_up()
        assert (raised.value.reason, raised.value.error) == ("archive_failed", index.error)
    missing = ArchiveIndex.load(tmp_path / "none.sqlite3", SCHEDULE, "mid", now=NOW)  # not yet made: empty
    missing.check()
    assert missing.error is None and missing.get("https://mid.ru/en/foreign_policy/news/1/") is None


def stats(**values):
    base = {"finish_reason": "finished", "elapsed_time_seconds": 1.5}
    return {**base, **{key.replace("__", "/"): value for key, value in values.items()}}


def test_report_ok_with_single_failures():
    run = summarise("mid", stats(**{"mf__items__new": 3, "mf__articles__parsed": 3, "mf__articles__failed": 1,
                                    "mf__articles__failed__challenge_page": 1, "mf__requests__listing": 2}))
    assert run.ok
    assert run.items["failed"] == 1
    assert run.failures == {"challenge_page": 1}
    assert run.summary_line() == ("mid: ok — 3 new, 1 failed; 2 requests (2 listing); "
                                  "failures: challenge_page ×1; 1.5 s")


def test_report_fails_on_drift_and_unreadable_listings():
    drift = summarise("mid", stats(**{"mf__articles__parsed": 1, "mf__article__unparsed": 3,
                                      "mf__pages__unparsed__missing_title": 3}))
    assert drift.errors == ["layout drift: 3 of 4 article pages lack required fields"]
    listing = summarise("mid", stats(**{"mf__listing__failed": 2, "mf__drift__empty_listing": 1}))
    assert listing.errors == ["2 listing page(s) could not be read",
                              "layout drift: 1 listing page(s) without article links"]
    assert summarise("mid", {}).errors == ["the crawl did not start"]
    assert summarise("mid", stats(finish_reason="shutdown")).errors == ["the crawl ended: shutdown"]


def test_report_of_a_crawl_whose_archive_failed_names_the_reason_once():
    url = "sqlite:////srv/mf/archive.sqlite3"
    run = summarise("mid", stats(**{"finish_reason": "archive_failed", "mf__items__new": 0, "mf__requests__listing": 1,
                                    "mf__archive__error": f"{url}: cannot write the archive (database or disk is full)",
                                    "mf__archive__reason": "cannot write the archive (database or disk is full)"}))
    assert not run.ok
    assert run.errors == ["the archive failed: cannot write the archive (database or disk is full)"]
    assert run.summary_line() == ("mid: FAILED: the archive failed: cannot write the archive (database or disk is "
                                  "full) — 0 new; 1 requests (1 listing); 1.5 s")
    skipped = not_crawled("fcdo", "cannot open the archive (file is not a database)")
    assert skipped.summary_line() == ("fcdo: FAILED: not crawled, the archive failed: cannot open the archive (file is "
                                      "not a database) — 0 new; 0 requests (none); 0.0 s")


def test_report_counts_statements_that_do_not_normalise_or_validate_per_reason():
    run = summarise("mid", stats(**{
        "mf__items__new": 5, "mf__articles__parsed": 8, "mf__items__unnormalisable": 2,
        "mf__items__unnormalisable__unreadable_date": 2, "mf__items__invalid": 1, "mf__items__invalid__type": 1,
        "mf__article__unparsed": 1, "mf__pages__unparsed__missing_title": 1, "mf__items__pending": 4,
        "mf__requests__article": 9}))
    assert run.ok
    assert run.items["failed"] == 4
    assert run.failures == {"unparsed_missing_title": 1, "unnormalisable_unreadable_date": 2, "invalid_type": 1}
    assert run.extra["pending_recorded"] == 4
    assert run.summary_line() == (
        "mid: ok — 5 new, 4 failed; 9 requests (9 article); failures: invalid_type ×1; "
        "unnormalisable_unreadable_date ×2; unparsed_missing_title ×1; 1.5 s")
