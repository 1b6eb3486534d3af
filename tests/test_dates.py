"""Dates as the ministries print them (table-driven)."""

import pytest

from crawler.normalise.dates import date_from_doc_number, isoformat, parse_date, parse_iso

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
