"""Dates as the ministries print them (table-driven)."""

import pytest

from crawler.items import PageStatement
from crawler.normalise.dates import date_from_doc_number, isoformat, parse_date, parse_iso, parse_rfc822
from crawler.normalise.statement import NormaliseError, resolve_published
from crawler.sources import get_source

MOSCOW = "Europe/Moscow"


@pytest.mark.parametrize(
    ("raw", "expected", "has_time"),
    [
        ("28 June 2022 11:44", "2022-06-28T11:44:00+03:00", True),
        ("28.06.2022 11:44", "2022-06-28T11:44:00+03:00", True),
        ("28.06.2022", "2022-06-28T00:00:00+03:00", False),
        ("24 July 2017 19:36", "2017-07-24T19:36:00+03:00", True),
        ("24 июля 2017 19:36", "2017-07-24T19:36:00+03:00", True),
        ("1 мая 2013 г.", "2013-05-01T00:00:00+04:00", False),
        ("3 декабря 2009 10:00", "2009-12-03T10:00:00+03:00", True),  # winter time before 2011
        ("15 июля 2009 10:00", "2009-07-15T10:00:00+04:00", True),    # summer time before 2011
        ("05.03.12", "2012-03-05T00:00:00+04:00", False),             # +04:00 from 2011 to 2014
        ("05.03.12 10:05", "2012-03-05T10:05:00+04:00", True),
        ("27.10.2014 09:00", "2014-10-27T09:00:00+03:00", True),      # back to +03:00 on 26 Oct 2014
        ("June 28, 2022", "2022-06-28T00:00:00+03:00", False),
        ("  28\u00a0June\u00a02022   11:44 ", "2022-06-28T11:44:00+03:00", True),
        ("2024-11-28 23:43", "2024-11-28T23:43:00+03:00", True),
    ],
)
def test_parse_date(raw, expected, has_time):
    parsed = parse_date(raw, MOSCOW)
    assert parsed is not None
    assert isoformat(parsed.value) == expected
    assert parsed.has_time is has_time


@pytest.mark.parametrize("raw", ["", None, "yesterday", "31 Foo 2022", "31.02.2022", "32 June 2022",
                                 "28 June"])
def test_unreadable_dates_are_none(raw):
    assert parse_date(raw, MOSCOW) is None


@pytest.mark.parametrize(
    ("raw", "tz", "expected", "has_time"),
    [
        # ordinal days, English and French
        ("May 13th 2026", "Europe/Paris", "2026-05-13T00:00:00+02:00", False),
        ("March 31st 2025", "Europe/Paris", "2025-03-31T00:00:00+02:00", False),
        ("June 2nd 2026", "Europe/Paris", "2026-06-02T00:00:00+02:00", False),
        ("1er mai 2026", "Europe/Paris", "2026-05-01T00:00:00+02:00", False),
        # French month names, with and without accents; a weekday before the date
        ("13 février 2026", "Europe/Paris", "2026-02-13T00:00:00+01:00", False),
        ("13 fevrier 2026", "Europe/Paris", "2026-02-13T00:00:00+01:00", False),
        ("mardi 12 mai 2026", "Europe/Paris", "2026-05-12T00:00:00+02:00", False),
        ("Friday, November 22, 2024, 1:46 p.m.", "Asia/Tokyo", "2024-11-22T13:46:00+09:00", True),
        # Hindi month names (with their vowel signs and nukta)
        ("जुलाई 08, 2021", "Asia/Kolkata", "2021-07-08T00:00:00+05:30", False),
        ("फ़रवरी 23, 2026", "Asia/Kolkata", "2026-02-23T00:00:00+05:30", False),
        ("सितंबर 30, 2026", "Asia/Kolkata", "2026-09-30T00:00:00+05:30", False),
        # Japanese: era years, 元年, a weekday in brackets, 時/分, full-width digits
        ("令和8年9月24日", "Asia/Tokyo", "2026-09-24T00:00:00+09:00", False),
        ("令和元年5月1日", "Asia/Tokyo", "2019-05-01T00:00:00+09:00", False),
        ("平成29年1月5日(木曜日)11時15分", "Asia/Tokyo", "2017-01-05T11:15:00+09:00", True),
        ("令和6年11月22日(金) 13:46", "Asia/Tokyo", "2024-11-22T13:46:00+09:00", True),
        ("昭和64年1月7日", "Asia/Tokyo", "1989-01-07T00:00:00+09:00", False),
        ("令和８年９月３０日", "Asia/Tokyo", "2026-09-30T00:00:00+09:00", False),
        ("2026年9月30日（水）", "Asia/Tokyo", "2026-09-30T00:00:00+09:00", False),
        ("(平成29年1月5日(木曜日)11時15分)", "Asia/Tokyo", "2017-01-05T11:15:00+09:00", True),
    ],
)
def test_more_printed_forms(raw, tz, expected, has_time):
    parsed = parse_date(raw, tz)
    assert parsed is not None, raw
    assert (isoformat(parsed.value), parsed.has_time) == (expected, has_time)


@pytest.mark.parametrize("raw", [
    "令和元年4月30日",   # the last day of Heisei: Reiwa had not begun
    "平成1年1月7日",     # the last day of Showa
    "令和8年2月30日",
    "9月30日付",         # a listing's day without its year: never completed here
    "May 13th",
    "13 Mai",
    "Blursday, May 13, 2026",
])
def test_dates_that_do_not_exist_or_lack_a_year_are_none(raw):
    assert parse_date(raw, "Asia/Tokyo") is None


def test_glued_date_and_time_still_read_right():
    # What naive text extraction of the old site's status line gives; page objects read the
    # date and the <i> time separately, but the glued form must not turn into another time.
    assert isoformat(parse_date("24 July 201719:36", MOSCOW).value) == "2017-07-24T19:36:00+03:00"


def test_other_zone():
    assert isoformat(parse_date("2024-11-28 23:43", "Asia/Shanghai").value) == "2024-11-28T23:43:00+08:00"


def test_doc_number_date():
    parsed = date_from_doc_number("1345-28-06-2022", MOSCOW)
    assert isoformat(parsed.value) == "2022-06-28T00:00:00+03:00"
    assert not parsed.has_time
    assert date_from_doc_number("1345-28-13-2022", MOSCOW) is None
    assert date_from_doc_number("no number", MOSCOW) is None


def test_parse_iso_needs_an_offset():
    assert isoformat(parse_iso("2024-05-01T10:00:00Z").value) == "2024-05-01T10:00:00+00:00"
    assert isoformat(parse_iso("2024-05-01T10:00:00+01:00").value) == "2024-05-01T10:00:00+01:00"
    assert parse_iso("2024-05-01T10:00:00") is None
    assert parse_iso("28 June 2022") is None


# --- every form each source prints or has printed, through the normaliser (issue 10, item 3) ---
def published(source: str, raw: str | None, meta: str | None = None, listing: str | None = None,
              doc_number: str | None = None) -> tuple[str, str, str | None]:
    """(published, precision, published_raw) of a page of ``source`` showing these dates."""
    page = PageStatement(source=source, site="x", site_id="1", url="https://example.org/1", language="en", title="t",
                         type="news", body_html="<p>b</p>", published_raw=raw, published_meta_raw=meta,
                         fallback_published_raw=listing, doc_number=doc_number)
    return resolve_published(page, get_source(source).timezone)


SOURCE_DATES = {
    "mid": [  # current site (article and listing) and old site (status line, DD.MM.YY)
        ("28 June 2022 11:44", "2022-06-28T11:44:00+03:00", "datetime"),
        ("28.06.2022 11:44", "2022-06-28T11:44:00+03:00", "datetime"),
        ("24 июля 2017 19:36", "2017-07-24T19:36:00+03:00", "datetime"),
        ("22.12.20 18:30", "2020-12-22T18:30:00+03:00", "datetime"),
        ("1 июля 2022 года", "2022-07-01T00:00:00+03:00", "date"),
        ("1 июля 2022 г.", "2022-07-01T00:00:00+03:00", "date"),
        ("1 июля 2022 г", "2022-07-01T00:00:00+03:00", "date"),
        ("1 июля 2022 года, 12:15", "2022-07-01T12:15:00+03:00", "datetime"),
        ("1 июля 2022 г. 12:15", "2022-07-01T12:15:00+03:00", "datetime"),
        ("5 March 2012", "2012-03-05T00:00:00+04:00", "date"),
        ("28.06.2022 11:44:59", "2022-06-28T11:44:59+03:00", "datetime"),
    ],
    "fmprc": [  # each form with and without a time; the site's own ISO form with seconds
        ("2019/01/02", "2019-01-02T00:00:00+08:00", "date"),
        ("2019/01/02 15:30", "2019-01-02T15:30:00+08:00", "datetime"),
        ("2019/1/2 15:30:20", "2019-01-02T15:30:20+08:00", "datetime"),
        ("2019-01-02", "2019-01-02T00:00:00+08:00", "date"),
        ("2019-01-02 15:30", "2019-01-02T15:30:00+08:00", "datetime"),
        ("2019-01-02 15:30:20", "2019-01-02T15:30:20+08:00", "datetime"),
        ("2019-01-02T15:30:20", "2019-01-02T15:30:20+08:00", "datetime"),
        ("2019年1月2日", "2019-01-02T00:00:00+08:00", "date"),
        ("2019年01月02日", "2019-01-02T00:00:00+08:00", "date"),
        ("2019年1月2日 15:30", "2019-01-02T15:30:00+08:00", "datetime"),
        ("2019年1月2日15时30分", "2019-01-02T15:30:00+08:00", "datetime"),
        ("(2024-11-28 23:43)", "2024-11-28T23:43:00+08:00", "datetime"),
    ],
    "state_dept": [  # the article page's day; the feed's RFC 5322 dates in every zone form
        ("July 29, 2025", "2025-07-29T00:00:00-04:00", "date"),
        ("Jul. 29, 2025", "2025-07-29T00:00:00-04:00", "date"),
        ("Tue, 29 Jul 2025 18:33:25 +0000", "2025-07-29T14:33:25-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 -0000", "2025-07-30T10:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 GMT", "2025-07-30T10:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 UT", "2025-07-30T10:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 Z", "2025-07-30T10:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 EDT", "2025-07-30T14:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00", "2025-07-30T14:00:00-04:00", "datetime"),  # no zone: the source's
        ("Wed, 15 Jan 2025 14:00:00 -0000", "2025-01-15T09:00:00-05:00", "datetime"),
        # offsets written with a colon are honoured, never read as the source's zone
        ("Wed, 30 Jul 2025 14:00:00 +00:00", "2025-07-30T10:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 +05:30", "2025-07-30T04:30:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 +02:00", "2025-07-30T08:00:00-04:00", "datetime"),
        # comments wherever white space may be (RFC 5322 §3.2.2)
        ("Wed, 30 Jul 2025 14:00:00 (UTC) +0000", "2025-07-30T10:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 (summer) 14:00:00 (Eastern) EDT (daylight)", "2025-07-30T14:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 -07:00", "2025-07-30T17:00:00-04:00", "datetime"),
        # RFC 5322 §4.3 zone names
        ("Wed, 30 Jul 2025 14:00:00 EST", "2025-07-30T15:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 CST", "2025-07-30T16:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 CDT", "2025-07-30T15:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 MST", "2025-07-30T17:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 MDT", "2025-07-30T16:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 PST", "2025-07-30T18:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 PDT", "2025-07-30T17:00:00-04:00", "datetime"),
        # military letters are "-0000" (§4.3), whatever offset the letter once meant
        ("Wed, 30 Jul 2025 14:00:00 A", "2025-07-30T10:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 m", "2025-07-30T10:00:00-04:00", "datetime"),
        # the documented well-known abbreviations
        ("Wed, 30 Jul 2025 14:00:00 CEST", "2025-07-30T08:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 BST", "2025-07-30T09:00:00-04:00", "datetime"),
        ("Wed, 30 Jul 2025 14:00:00 JST", "2025-07-30T01:00:00-04:00", "datetime"),
        ("30 Jul 25 14:00 GMT", "2025-07-30T10:00:00-04:00", "datetime"),  # obsolete 2-digit year
    ],
    "aa": [  # the page's "08.12.2021 - Press release" day; the feed's RFC 5322 date
        ("08.12.2021", "2021-12-08T00:00:00+01:00", "date"),
        ("Tue, 24 Jun 2025 16:20:00 +0200", "2025-06-24T16:20:00+02:00", "datetime"),
        ("Tue, 24 Jun 2025 14:20:00 GMT", "2025-06-24T16:20:00+02:00", "datetime"),
    ],
    "fcdo": [  # ISO 8601 with an offset, or Z, with or without fractions of a second
        ("2024-01-25T00:00:00+00:00", "2024-01-25T00:00:00+00:00", "datetime"),
        ("2014-04-01T09:55:00+01:00", "2014-04-01T09:55:00+01:00", "datetime"),
        ("2024-05-01T10:00:00Z", "2024-05-01T11:00:00+01:00", "datetime"),
        ("2013-01-28T00:00:00.000+00:00", "2013-01-28T00:00:00+00:00", "datetime"),
    ],
    "mofa_jp": [  # English date lines (weekday, time, the old day-first form); Japanese era and western
        ("August 2, 2016", "2016-08-02T00:00:00+09:00", "date"),
        ("Friday, November 22, 2024, 1:46 p.m.", "2024-11-22T13:46:00+09:00", "datetime"),
        ("Tuesday, October 14, 2014, 8:42 a.m.", "2014-10-14T08:42:00+09:00", "datetime"),
        ("Tuesday, April 6, 2010, 5:30 p.m.", "2010-04-06T17:30:00+09:00", "datetime"),
        ("13 January 2011", "2011-01-13T00:00:00+09:00", "date"),
        ("September 29, 2026, 10:32 a.m.", "2026-09-29T10:32:00+09:00", "datetime"),
        ("令和8年9月24日", "2026-09-24T00:00:00+09:00", "date"),
        ("令和８年９月３０日", "2026-09-30T00:00:00+09:00", "date"),
        ("平成29年1月5日(木曜日)11時15分", "2017-01-05T11:15:00+09:00", "datetime"),
        ("令和8年9月29日（火曜日）10時32分", "2026-09-29T10:32:00+09:00", "datetime"),
        ("令和6年11月22日(金) 13:46", "2024-11-22T13:46:00+09:00", "datetime"),
        ("2026年9月30日", "2026-09-30T00:00:00+09:00", "date"),  # a listing's day, its year completed
    ],
    "mea_in": [  # the posting date, the listing's, a title's or dateline's; Hindi month names
        ("July 08, 2022", "2022-07-08T00:00:00+05:30", "date"),
        ("30 September, 2026", "2026-09-30T00:00:00+05:30", "date"),
        ("June 16, 2017", "2017-06-16T00:00:00+05:30", "date"),
        ("जुलाई 08, 2021", "2021-07-08T00:00:00+05:30", "date"),
        ("सितंबर 30, 2026", "2026-09-30T00:00:00+05:30", "date"),
        ("अक्टूबर 01, 2026", "2026-10-01T00:00:00+05:30", "date"),
        ("फ़रवरी 23, 2026", "2026-02-23T00:00:00+05:30", "date"),
    ],
    "gac_ca": [  # the dateline's day (English, French); the news API's publishedDate with its offset
        ("September 29, 2026", "2026-09-29T00:00:00-04:00", "date"),
        ("29 septembre 2026", "2026-09-29T00:00:00-04:00", "date"),
        ("1er décembre 2026", "2026-12-01T00:00:00-05:00", "date"),
        ("2026-09-29T16:05:00-04:00", "2026-09-29T16:05:00-04:00", "datetime"),
        ("2026-01-15T09:30:00-05:00", "2026-01-15T09:30:00-05:00", "datetime"),
        ("2026-09-29", "2026-09-29T00:00:00-04:00", "date"),
    ],
    "mae_fr": [  # ordinal English dates, French dates, in Paris's summer and winter offsets
        ("May 13th 2026", "2026-05-13T00:00:00+02:00", "date"),
        ("June 15th 2026", "2026-06-15T00:00:00+02:00", "date"),
        ("March 31st 2025", "2025-03-31T00:00:00+02:00", "date"),
        ("March 29th 2026", "2026-03-29T00:00:00+01:00", "date"),  # the night clocks go forward: still winter
        ("November 2nd 2026", "2026-11-02T00:00:00+01:00", "date"),
        ("November 23rd 2026", "2026-11-23T00:00:00+01:00", "date"),
        ("13 mai 2026", "2026-05-13T00:00:00+02:00", "date"),
        ("1er décembre 2026", "2026-12-01T00:00:00+01:00", "date"),
        ("14 novembre 2023", "2023-11-14T00:00:00+01:00", "date"),
        ("23 août 2026", "2026-08-23T00:00:00+02:00", "date"),
        # the French way of writing the time: "à 14h30", "14 h 30"
        ("31 mars 2026 à 14h30", "2026-03-31T14:30:00+02:00", "datetime"),
        ("1er décembre 2026 à 9 h 05", "2026-12-01T09:05:00+01:00", "datetime"),
        ("mardi 12 mai 2026, 18h00", "2026-05-12T18:00:00+02:00", "datetime"),
        ("31 mars 2026 à 14h", "2026-03-31T14:00:00+02:00", "datetime"),  # on the hour
        ("1er avril 2026 à 9 h", "2026-04-01T09:00:00+02:00", "datetime"),
    ],
}


@pytest.mark.parametrize(("source", "raw", "expected", "precision"),
                         [(source, *row) for source, rows in SOURCE_DATES.items() for row in rows])
def test_every_printed_form_of_every_source(source, raw, expected, precision):
    assert published(source, raw) == (expected, precision, raw)


def test_china_pubdate_meta_is_the_fallback_and_gives_a_bare_day_its_time():
    # the printed date does not parse: the meta decides
    assert published("fmprc", "Date unknown", meta="2019-01-02 15:30") == \
        ("2019-01-02T15:30:00+08:00", "datetime", "2019-01-02 15:30")
    # a printed day without a time takes the meta's time of the same day
    assert published("fmprc", "2019/01/02", meta="2019-01-02 15:30") == \
        ("2019-01-02T15:30:00+08:00", "datetime", "2019-01-02 15:30")
    # ... but never another day's, and a printed time is never replaced
    assert published("fmprc", "2019/01/02", meta="2019-01-05 15:30") == \
        ("2019-01-02T00:00:00+08:00", "date", "2019/01/02")
    assert published("fmprc", "2019-01-02 09:00", meta="2019-01-02 15:30") == \
        ("2019-01-02T09:00:00+08:00", "datetime", "2019-01-02 09:00")
    # without the meta, a bare day stays a day
    assert published("fmprc", "2019/01/02") == ("2019-01-02T00:00:00+08:00", "date", "2019/01/02")


def test_listing_and_document_number_are_later_fallbacks():
    assert published("mid", None, listing="28.06.2022 11:44") == \
        ("2022-06-28T11:44:00+03:00", "datetime", "28.06.2022 11:44")
    assert published("mid", "sometime", listing="28.06.2022 11:44") == \
        ("2022-06-28T11:44:00+03:00", "datetime", "28.06.2022 11:44")
    assert published("mid", None, doc_number="1345-28-06-2022") == ("2022-06-28T00:00:00+03:00", "date", None)
    # a listing's time does not turn the page's printed day into a datetime
    assert published("state_dept", "July 28, 2025", listing="Mon, 28 Jul 2025 18:33:25 +0000") == \
        ("2025-07-28T00:00:00-04:00", "date", "July 28, 2025")


def test_unreadable_and_missing_dates_are_errors_with_a_reason():
    with pytest.raises(NormaliseError) as error:
        published("fmprc", "sometime", meta="later")
    assert error.value.reason == "unreadable_date"
    with pytest.raises(NormaliseError) as error:
        published("mid", None)
    assert error.value.reason == "no_date"


@pytest.mark.parametrize("raw", ["2019/13/02", "2019-01/02", "2019年2月30日", "31 июня 2022 года",
                                 "13:61 28.06.2022", "July 29, 2025 13:30 p.m."])
def test_impossible_dates_are_none(raw):
    assert parse_date(raw, MOSCOW) is None


@pytest.mark.parametrize("raw", [
    "Wed, 30 Jul 2025 14:00:00 -1260",  # minutes of 60
    "Wed, 30 Jul 2025 14:00:00 +0575",
    "Wed, 30 Jul 2025 14:00:00 +2400",  # a day or more
    "Wed, 30 Jul 2025 14:00:00 +05:60",
    "Wed, 30 Jul 2025 14:00:00 IST",  # India, Ireland or Israel: not guessed
    "Wed, 30 Jul 2025 14:00:00 XYZ",
    "Wed, 30 Jul 2025 14:00:00 J",  # not a military zone
    "Wed, 31 Jun 2025 14:00:00 +0000",
    "Wed, 30 Jul 2025 24:00:00 +0000",  # no hour 24
])
def test_rfc5322_zones_not_known_or_impossible_are_refused_never_local(raw):
    assert parse_rfc822(raw, "America/New_York") is None


@pytest.mark.parametrize(("raw", "expected"), [
    # (the rss-zone-minus0000 case's kind: RSS dates as feeds write them, not only as §3.3 does)
    ("Wed, 30 July 2025 14:00:00 -0000", "2025-07-30T14:00:00+00:00"),
    ("Wednesday, 30 July 2025 14:00:00 +0000", "2025-07-30T14:00:00+00:00"),
    ("Tue, 30 Sept 2025 10:00 GMT", "2025-09-30T10:00:00+00:00"),
    ("Wed., 30 Jul. 2025 14:00:00 +0200", "2025-07-30T14:00:00+02:00"),
    ("30 december 2025 23:59:59 EST", "2025-12-30T23:59:59-05:00"),
    ("Wed, 30 Jul 2025 9:00:00 GMT", "2025-07-30T09:00:00+00:00"),  # an hour of one digit
])
def test_rfc5322_dates_with_month_and_weekday_names_in_full(raw, expected):
    assert isoformat(parse_rfc822(raw, "America/New_York").value) == expected


@pytest.mark.parametrize("raw", ["Wed, 30 Julyy 2025 14:00:00 +0000", "Wed, 30 Ju 2025 14:00:00 +0000",
                                 "Wed, 30 Juli 2025 14:00:00 +0000", "Wed, 31 June 2025 14:00:00 +0000"])
def test_rfc5322_month_names_that_are_none_are_refused(raw):
    assert parse_rfc822(raw, "America/New_York") is None


def test_a_refused_zone_keeps_the_raw_string_and_the_date_comes_from_elsewhere():
    # the page's feed date is refused: the listing's day decides, the raw string is the one read
    assert published("state_dept", "Wed, 30 Jul 2025 14:00:00 IST", listing="July 30, 2025") == \
        ("2025-07-30T00:00:00-04:00", "date", "July 30, 2025")
    with pytest.raises(NormaliseError) as error:
        published("state_dept", "Wed, 30 Jul 2025 14:00:00 -1260")
    assert error.value.reason == "unreadable_date"


_PIECES = ["28", "1", "01", "00", "31", "32", "9", "123", "٣", "²", "June", "июля", "мая", "Mai", "mai", "Foo", "jun.",
           "2022", "22", "12", "202", "20222", "11:44", "1:05", "24:00", "11:4", "11:444", "11.44", "11:44:05",
           "p.m.", "г.", "28.06.2022", "5.3.12", "28.06.22", "28.6.2022", "28.06.202", "28..2022", "28.06.2022.",
           "１１:44", ":44", ",", "(", ")"]


def test_common_forms_read_as_the_patterns_read_them(monkeypatch):
    """The two forms most pages print are read without the patterns; every text made of their
    pieces (and pieces of other forms, invalid numbers, other digits) reads as the patterns read it."""
    import itertools

    from crawler.normalise import dates

    texts = [" ".join(parts) for size in (1, 2, 3, 4) for parts in itertools.product(_PIECES, repeat=size)
             if size < 4 or (parts[1] in ("June", "июля", "Foo") and parts[0] in ("28", "1", "32"))]
    quick = [parse_date(text, MOSCOW) for text in texts]
    assert sum(dates._common_form(" ".join(text.split())) is not None for text in texts) > 50  # the fast path ran
    monkeypatch.setattr(dates, "_common_form", lambda text: None)
    for text, found in zip(texts, quick, strict=True):
        assert found == parse_date(text, MOSCOW), text
