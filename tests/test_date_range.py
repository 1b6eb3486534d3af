"""Dates that parse but that the project cannot carry: years near 1 or 9999, where adding a UTC
offset, a day or a month overflows (crawler.normalise.dates.EARLIEST–LATEST). Read as no date:
a page printing one is as a page with an unreadable date (its fallbacks, else pending); an
archive that already holds one (written by an older release) still publishes the rest; a
command-line date outside the range is a bad argument (tests/e2e/test_command_errors.py)."""

from __future__ import annotations

import json
import logging
import re

import feedparser
import pytest

from crawler.normalise.dates import EARLIEST, LATEST, date_from_doc_number, parse_date, parse_iso, parse_rfc822
from crawler.normalise.statement import NormaliseError, normalise, read_date
from crawler.pages.govuk import GovUkContentItem
from crawler.pages.mid import MidArticlePage
from crawler.store import open_archive
from feeds.jsonl import ExportError, parse_day
from feeds.publish import publish
from tests.conftest import FIXTURES
from tests.feed_archive import FETCHED, options


@pytest.mark.parametrize(("raw", "tz"), [
    ("31.12.9999 23:59", "Europe/Moscow"),
    ("28.06.9999 23:59", "Europe/Moscow"),
    ("28.06.0022", "Europe/Moscow"),
    ("1 January 0001", "Asia/Tokyo"),
    ("31.12.1799", "Europe/Moscow"),
    ("01.01.2200 00:00", "Europe/Moscow"),
    ("9999-12-31T23:00:00-05:00", "Europe/London"),
    ("0001-01-01T00:30:00+01:00", "Europe/London"),
    ("Mon, 01 Jan 0001 00:00:00 +0100", "America/New_York"),
    ("31 Dec 9999 23:00:00 -0500", "America/New_York"),
])
def test_a_date_outside_the_range_is_read_as_none(raw, tz):
    assert read_date(raw, tz) is None


def test_every_parser_refuses_it_and_reads_the_bounds():
    assert parse_date("31.12.9999 23:59", "Europe/Moscow") is None
    assert parse_iso("9999-12-31T23:00:00-05:00") is None
    assert parse_rfc822("31 Dec 9999 23:00:00 -0500") is None
    assert date_from_doc_number("1358-31-12-9999", "Europe/Moscow") is None
    assert date_from_doc_number("1358-01-01-0001", "Europe/Moscow") is None
    assert parse_date("01.01.1800", "Europe/Moscow").value.isoformat() == "1800-01-01T00:00:00+02:30:17"
    assert parse_date("31.12.2199 23:59", "Europe/Moscow").value.isoformat() == "2199-12-31T23:59:00+03:00"
    assert parse_iso("2199-12-31T23:59:59-12:00").value.date() == LATEST
    assert parse_iso("1800-01-01T00:00:00+14:00").value.date() == EARLIEST


# --- a full page printing one ------------------------------------------------------------------------
MID_URL = "https://mid.ru/en/foreign_policy/news/1820150/"


def mid_page(printed: str, doc_number: bool = True) -> str:
    """The fixture page 1820150 printing ``printed`` as its date (and without its document
    number, the last fallback, unless ``doc_number``)."""
    html = (FIXTURES / "mid" / "en" / "foreign_policy" / "news" / "1820150.html").read_text(encoding="utf-8")
    html = html.replace('<div class="photo-content__date">29 June 2022 13:20</div>',
                        f'<div class="photo-content__date">{printed}</div>')
    assert printed in html
    return html if doc_number else re.sub(r'<p class="article-line__note[^>]*>[^<]*</p>', "", html)


def test_a_mid_page_dated_9999_is_an_unreadable_date():
    page = MidArticlePage(MID_URL, mid_page("31.12.9999 23:59", doc_number=False)).statement()
    with pytest.raises(NormaliseError) as raised:
        normalise(page)
    assert raised.value.reason == "unreadable_date"
    assert str(raised.value) == f"{MID_URL}: unreadable date '31.12.9999 23:59'"


def test_a_mid_page_dated_9999_takes_its_fallbacks_as_an_unreadable_date_does(caplog):
    page = MidArticlePage(MID_URL, mid_page("31.12.9999 23:59")).statement()
    with caplog.at_level(logging.WARNING):
        item = normalise(page)
    assert (item.published, item.published_precision, item.published_raw) == \
        ("2022-06-29T00:00:00+03:00", "date", None)  # the document number's date, 1358-29-06-2022
    assert f"{MID_URL}: unreadable printed date '31.12.9999 23:59'; published taken from the document number" \
        in caplog.text
    listed = MidArticlePage(MID_URL, mid_page("31.12.9999 23:59")).statement(listing_date="29.06.2022 13:20")
    assert normalise(listed).published == "2022-06-29T13:20:00+03:00"


GOVUK = FIXTURES / "fcdo" / "publishing-api__news_article_frontend_best-practice-press-release.json"
GOVUK_URL = "https://www.gov.uk/api/content/government/news/new-frank-adverts-mark-tenth-anniversary--2"


@pytest.mark.parametrize("extreme", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
def test_a_govuk_item_dated_at_the_ends_of_time_is_an_unreadable_date(extreme):
    item = json.loads(GOVUK.read_text(encoding="utf-8"))
    item["first_published_at"] = extreme
    item["details"]["change_history"][0]["public_timestamp"] = extreme
    page = GovUkContentItem(GOVUK_URL, json.dumps(item)).statement()
    with pytest.raises(NormaliseError) as raised:  # (was OverflowError, converting to UTC)
        normalise(page)
    assert raised.value.reason == "unreadable_date"
    assert repr(extreme) in str(raised.value)
    # with the search listing's date, that is taken; the change note dated out of range is dropped
    listed = normalise(GovUkContentItem(GOVUK_URL, json.dumps(item)).statement(
        listing_date="2013-01-28T00:00:00.000+00:00"))
    assert (listed.published, listed.published_raw) == ("2013-01-28T00:00:00+00:00", "2013-01-28T00:00:00.000+00:00")
    assert listed.change_history == []


# --- command-line dates ------------------------------------------------------------------------------
def test_a_day_outside_the_range_is_a_bad_argument():
    assert parse_day("1800-01-01", "--since") == EARLIEST
    assert parse_day("2199-12-31", "--until") == LATEST
    for day in ("0001-01-01", "1799-12-31", "2200-01-01", "9999-12-30"):
        with pytest.raises(ExportError, match=rf"^--until: '{day}' is outside the dates the archive holds "
                                              r"\(1800-01-01 to 2199-12-31\)$"):
            parse_day(day, "--until")


# --- an archive that already holds one ---------------------------------------------------------------
def statement(name: str, published: str) -> dict:
    body = f"Statement {name}."
    return {"id": f"mid:en:{name}", "source": "mid", "site": "mid.ru", "site_id": name, "language": "en",
            "url": f"https://mid.ru/en/foreign_policy/news/{name}/", "title": f"Statement {name}",
            "published": published, "published_raw": published, "published_precision": "datetime",
            "doc_number": None, "type": "statement", "tags": [], "body_text": body, "body_html": f"<p>{body}</p>",
            "translations": {}, "fetched_at": FETCHED}


def test_a_statement_dated_out_of_range_in_the_archive_is_skipped_and_the_rest_published(archive_url, tmp_path,
                                                                                         caplog):
    """An archive an older release wrote may hold "9999-12-31T23:59:00+03:00" (or year 1): its
    month's query overflowed (``year 10000 is out of range``) and no feed was published."""
    with open_archive(archive_url) as store:
        store.write_batch([], [statement("1", "2022-06-28T11:44:00+03:00"),
                               statement("9", "9999-12-31T23:59:00+03:00"),
                               statement("0", "0001-01-01T00:30:00+03:00")])
        out = tmp_path / "public"
        with caplog.at_level(logging.WARNING):
            result = publish(store, options(out))
        assert result.not_published == []
        assert sorted(result.skipped_entries) == sorted(
            (key, f"mid:en:{name}", f"no valid publication time ({published!r}: outside 1800-01-01 to 2199-12-31)")
            for key in ("all/en", "mid/en", "mid/en/type/statement")
            for name, published in (("9", "9999-12-31T23:59:00+03:00"), ("0", "0001-01-01T00:30:00+03:00")))
        assert "Feed mid/en: entry mid:en:9 skipped: no valid publication time" in caplog.text
        feed = feedparser.parse((out / "mid" / "en.atom").read_bytes())
        assert [entry.title for entry in feed.entries] == ["Statement 1"]
        assert (out / "all" / "en" / "archive" / "2022-06.atom").is_file()
        assert (out / "data" / "mid" / "en" / "2022.jsonl.gz").is_file()
        assert not (out / "data" / "mid" / "en" / "9999.jsonl.gz").exists()
        # what changed since: the statement dated 9999 changed again, a new one beside it
        store.write_batch([], [statement("9", "9999-12-31T23:59:00+03:00") | {"title": "Statement 9, edited"},
                               statement("2", "2022-06-29T13:20:00+03:00")])
        result = publish(store, options(out))
        assert not result.full
        assert result.not_published == []
        # (the subscription documents are rendered again: their entries of both are skipped, by build_entry)
        assert sorted(result.skipped_entries) == sorted(
            (key, f"mid:en:{name}", f"no valid publication time ({published!r})")
            for key in ("all/en", "mid/en", "mid/en/type/statement")
            for name, published in (("9", "9999-12-31T23:59:00+03:00"), ("0", "0001-01-01T00:30:00+03:00")))
        feed = feedparser.parse((out / "mid" / "en.atom").read_bytes())
        assert [entry.title for entry in feed.entries] == ["Statement 2", "Statement 1"]
