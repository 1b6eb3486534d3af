"""Dates as the ministries print them, read into timezone-aware datetimes.

Every parser takes the raw string as the page showed it and the IANA zone of the source, and
returns a :class:`ParsedDate` or ``None``; none of them guesses a missing year or invents a time.
A date printed without a time becomes midnight local time with ``has_time`` false.

Month names: English, Russian, French and Hindi; ordinals ("May 13th 2026", "1er mai 2026"); French
times ("31 mars 2026 à 14h30"); a
leading weekday ("Friday, November 22, 2024, 1:46 p.m.", "mardi 13 mai 2026", "пятница, 1 июля
2022 г."); Chinese and Japanese year-month-day, with a trailing weekday ("2019年1月2日 星期三") and
Japanese era years ("令和8年9月24日", "平成29年1月5日(木曜日)11時15分";
:data:`ERAS`); full-width digits read as digits.

A date outside :data:`EARLIEST`–:data:`LATEST` is read as none (``None``), as a date that does not
exist is: the archive, the conversion to UTC and the feeds' months could not carry it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

MONTHS = {
    # English, full and abbreviated
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    # Russian, genitive (as in dates) and nominative
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6, "июль": 7,
    "август": 8, "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
    # French, full, without accents as some pages print them, and abbreviated
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12, "janv": 1, "févr": 2, "fevr": 2, "avr": 4, "juil": 7, "déc": 12,
    # Hindi (mea.gov.in: "जुलाई 08, 2021"), with the spellings the ministry's pages use
    "जनवरी": 1, "फ़रवरी": 2, "फरवरी": 2, "मार्च": 3, "अप्रैल": 4, "मई": 5, "जून": 6, "जुलाई": 7,
    "अगस्त": 8, "सितंबर": 9, "सितम्बर": 9, "अक्टूबर": 10, "अक्तूबर": 10, "नवंबर": 11, "नवम्बर": 11,
    "दिसंबर": 12, "दिसम्बर": 12,
}

#: Japanese eras: the first day of each and the offset of its years ("令和8年" is 2018 + 8; "元年"
#: is year 1). A date before its era began does not exist.
ERAS = {"令和": (date(2019, 5, 1), 2018), "平成": (date(1989, 1, 8), 1988), "昭和": (date(1926, 12, 25), 1925)}

# An optional time after the date: "11:44", "11.44", "11:44:05", "1:46 p.m.", "15时30分", French
# "14h30", "14 h 30" and "14h" (on the hour), after at most three separating characters (", ",
# " в ", " à ", " - "; none when text extraction glued them).
_TIME = (r"(?:\D{0,3}?(?P<hour>\d{1,2})(?:(?:[:.]|\s*[时時hH]\s*)(?P<minute>\d{2})|\s*[hH])(?:\s*分)?"
         r"(?::(?P<second>\d{2}))?"
         r"(?:\s*(?P<ampm>[AaPp])\.?\s*[Mm]\.?)?)?")
# A month name: letters, with the vowel signs of Indic scripts (not letters to ``\w``) inside.
_MONTH = r"(?P<month>[^\W\d_][^\s\d.,()]*)"
# An ordinal day: "13th", "1st", French "1er".
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er)?"
# A weekday after a CJK date: Japanese in brackets, "(木曜日)", "（金）"; Chinese, "星期三", "周三",
# "（星期三）" (fmprc.gov.cn: "2019年1月2日 星期三").
_CJK_WEEKDAY = (r"(?:\s*[(（][月火水木金土日](?:曜日?)?[)）]"
                r"|\s*[(（]?(?:星期|礼拜|禮拜|周|週)[一二三四五六日天][)）]?)?")
# "28 June 2022 11:44", "24 июля 2017 19:36", "24 July 2017", "24 июля 2017 г.", "1 июля 2022 года"
# "13 mai 2026", "1er mai 2026", "30 September, 2026"
_DAY_MONTH_YEAR = re.compile(
    r"^" + _DAY + r"\.?\s+" + _MONTH + r"\.?,?\s+(?P<year>\d{4})(?:\s*(?:года|г\.?))?,?\s*"
    + _TIME + r"\s*$"
)
# "June 28, 2022", "July 29, 2025 11:44", "Jul. 29, 2025", "May 13th 2026", "जुलाई 08, 2021"
_MONTH_DAY_YEAR = re.compile(
    r"^" + _MONTH + r"\.?\s+" + _DAY + r",?\s+(?P<year>\d{4}),?\s*" + _TIME + r"\s*$"
)
# "28.06.2022 11:44", "28.06.2022", "28.06.22" (day first, dotted: mid.ru, the Federal Foreign Office)
_NUMERIC = re.compile(
    r"^(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4}|\d{2})\s*" + _TIME + r"\s*$"
)
# Year first: "2024-11-28 23:43", "2024-11-28T23:43:05", "2019/01/02", "2019/1/2 15:30" (no offset:
# local time of the source)
_YEAR_FIRST = re.compile(
    r"^(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?:[ T]+|\s*$)" + _TIME + r"\s*$"
)
# Chinese and Japanese: "2019年1月2日", "2019年01月02日 15:30", "2019年1月2日15时30分"
_CJK = re.compile(
    r"^(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日" + _CJK_WEEKDAY + r"\s*"
    + _TIME + r"\s*$"
)
# Japanese era years: "令和8年9月24日", "平成29年1月5日(木曜日)11時15分", "令和元年5月1日", "令和6年11月22日(金) 13:46"
_ERA = re.compile(
    r"^(?P<era>" + "|".join(ERAS) + r")\s*(?P<year>元|\d{1,2})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
    + _CJK_WEEKDAY + r"\s*" + _TIME + r"\s*$"
)
# A weekday before a date: "Friday, November 22, 2024", "mardi 13 mai 2026", "пятница, 1 июля 2022 г."
_WEEKDAY = re.compile(
    r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
    r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье|пн|вт|ср|чт|пт|сб|вс)\.?,?\s+", re.I)
# Full-width digits (Japanese and Chinese pages print "令和８年９月３０日") read as ASCII ones.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９：", "0123456789:")
#: Printed forms with the month as a word, then those with numbers only.
_WORD_MONTH_FORMS = (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR)
_NUMBER_FORMS = (_NUMERIC, _YEAR_FIRST, _CJK, _ERA)
# Brackets some templates print around a date: "(2019-01-02 15:30)", "【2019-01-02】".
_OPENING, _CLOSING = "([（【", ")]）】"
# The date part of a mid.ru document number: "1345-28-06-2022".
_DOC_NUMBER = re.compile(r"^\s*\d+-(?P<day>\d{2})-(?P<month>\d{2})-(?P<year>\d{4})\s*$")
# RFC 5322 §3.3 date-time, with its obsolete forms (§4.3): an optional weekday, day, month name,
# a 4-digit (or obsolete 2- or 3-digit) year, hours:minutes[:seconds] (the hour as feeds also
# write it, in one digit: "9:00:00"), then an optional zone.
_RFC5322 = re.compile(
    r"^(?:[A-Za-z]{3,9}\.?,?\s*)?(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3,9})\.?\s+(?P<year>\d{2,4})\s+"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\s*(?P<sign>[+-])(?P<zh>\d{2}):?(?P<zm>\d{2})|\s+(?P<name>[A-Za-z]{1,5}))?\s*(?:\(.*\))?$"
)
#: A comment of RFC 5322 (§3.2.2 CFWS), not nested.
_COMMENT = re.compile(r"\([^()]*\)")
#: Month names of RFC 5322 §3.3, and as feeds also write them (they are read, not checked): in
#: full ("30 July 2025") and "Sept", with a full weekday ("Wednesday,") and a dot after an
#: abbreviation ("Wed., 30 Jul. 2025").
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")
_RFC5322_MONTHS = {**{name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1)},
                   **{name: number for number, name in enumerate(_MONTH_NAMES, start=1)}, "sept": 9}
#: Zone names RFC 5322 §4.3 defines (hours east of UTC), then a few unambiguous abbreviations
#: ministries' feeds use (from the IANA tz database's abbreviations). An abbreviation that
#: names different offsets in different countries (IST, CST outside the US sense RFC 5322 fixes)
#: is not guessed: a date in a zone not listed here is refused.
RFC5322_ZONES = {
    "UT": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "UTC": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
    "HKT": 8, "SGT": 8, "KST": 9, "JST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}


#: The dates the project reads, archives and publishes (local dates, inclusive). 1800 is well
#: before any statement a source's site holds (the oldest era the parsers know, Shōwa, began in
#: 1926), and no statement is dated two centuries ahead: a date a page prints outside them
#: ("31.12.9999 23:59", "0001-01-01T00:30:00+01:00") is a placeholder or a typo, not a publication
#: date. Far enough from Python's years 1 and 9999 that adding a UTC offset, a day or a month
#: never overflows (datetime.astimezone, Selection.within_month, the feeds' months). Dates in the
#: near future are not refused: the project has no rule for them.
EARLIEST, LATEST = date(1800, 1, 1), date(2199, 12, 31)


def in_range(value: date) -> bool:
    """Whether a date (a datetime's local date) lies within :data:`EARLIEST`–:data:`LATEST`."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


@dataclass(frozen=True)
class ParsedDate:
    """A point in time read from a page."""

    value: datetime
    """Timezone-aware, in the source's zone."""
    has_time: bool
    """False when the page printed only a date (the value is then local midnight)."""


def _build(year: int, month: int, day: int, tz: str, hour: str | None = None, minute: str | None = None,
           second: str | None = None, ampm: str | None = None) -> ParsedDate | None:
    """The local time of a printed date and optional clock; None for a day or time that does not
    exist, or one outside :data:`EARLIEST`–:data:`LATEST`."""
    try:
        if hour is None or minute is None:
            local = datetime(year, month, day)
        else:
            hours = int(hour)
            if ampm:
                if not 1 <= hours <= 12:
                    return None
                hours = hours % 12 + (12 if ampm.lower() == "p" else 0)
            local = datetime(year, month, day, hours, int(minute), int(second or 0))
    except ValueError:
        return None
    if not in_range(local):
        return None
    return ParsedDate(local.replace(tzinfo=ZoneInfo(tz)), hour is not None)


def _year(text: str) -> int:
    """Four-digit years as they are; two-digit years in this century (the old site's DD.MM.YY)."""
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _unbracket(text: str) -> str:
    """The date inside the brackets a template prints around it ("(2019-01-02 15:30)",
    "【2019-01-02】"); a closing bracket of the date's own ("2026年9月30日（水）") stays."""
    text = text.strip()
    while text and text[0] in _OPENING:
        text = text[1:].strip()
        if text and text[-1] in _CLOSING and text.count(text[-1]) > sum(text.count(o) for o in _OPENING):
            text = text[:-1].strip()
    return text


def parse_date(raw: str | None, tz: str) -> ParsedDate | None:
    """Read one of the printed forms above, in the source's zone ``tz``; ``None`` when the text is
    none of them (or names a day that does not exist)."""
    if not raw:
        return None
    if max(raw) >= "\uff10":  # (a C scan: the translation costs more than the rest of the work)
        raw = raw.translate(_FULL_WIDTH_DIGITS)
    text = _unbracket(" ".join(raw.split()))  # (split() takes U+00A0 NO-BREAK SPACE as white space)
    if text[:1].isalpha():  # a weekday first
        text = _WEEKDAY.sub("", text, count=1)
    if not text or not text[0].isalnum():
        return None
    common = _common_form(text)
    if common is not None:
        year, month, day, hour, minute = common
        return _build(_year(year), month, int(day), tz, hour, minute)
    year_first = text[:4].isdigit()  # then numbers only
    forms = (_YEAR_FIRST, _CJK) if year_first else _WORD_MONTH_FORMS + _NUMBER_FORMS
    for pattern in forms:
        match = pattern.match(text)
        if not match:
            continue
        if pattern in _WORD_MONTH_FORMS:
            month = MONTHS.get(match["month"].lower())
            if month is None:
                return None
        else:
            month = int(match["month"])
        if pattern is _ERA:
            return _era_date(match, month, tz)
        return _build(_year(match["year"]), month, int(match["day"]), tz, match["hour"], _minute(match),
                      match["second"], match["ampm"])
    return None


def _minute(match: re.Match[str]) -> str | None:
    """The minute a printed time gives: "00" for an hour alone (French "à 14h"), None without a
    time."""
    return match["minute"] or ("00" if match["hour"] else None)


def _common_form(text: str) -> tuple[str, int, str, str | None, str | None] | None:
    """(year, month, day, hour, minute) of the forms most pages print, read without the patterns
    (the first pattern a page's reading runs costs more than the rest of it, bench/extract.py):
    "28 June 2022 11:44", "24 июля 2017", "28.06.2022 11:44", "05.03.12", in ASCII digits, one
    space between the parts (as :func:`parse_date` has made it). What the patterns read them as;
    None for any other text, which the patterns read.

    Each number's length is checked apart (a day or hour of 1 or 2 digits, a minute of 2, a month
    of 1 or 2, a year of 4, or 2 when dotted); then all its numbers are tested as ASCII digits at
    once, in one string (each has a digit at least, so the string is all digits only when each is)."""
    parts = text.split(" ")
    hour = minute = ""
    if len(parts) in (2, 4):  # a clock last: "11:44"
        clock = parts.pop().split(":")
        if len(clock) != 2:
            return None
        hour, minute = clock
        if not (0 < len(hour) <= 2 and len(minute) == 2):
            return None
    if len(parts) == 3:  # "28 June 2022"
        day, name, year = parts
        month = MONTHS.get(name.lower()) if name.isalpha() else None
        if month is None or not (0 < len(day) <= 2 and len(year) == 4):
            return None
        digits = day + year + hour + minute
    elif len(parts) == 1:  # "28.06.2022"
        numbers = parts[0].split(".")
        if len(numbers) != 3:
            return None
        day, month_number, year = numbers
        if not (0 < len(day) <= 2 and 0 < len(month_number) <= 2 and len(year) in (2, 4)):
            return None
        digits = day + month_number + year + hour + minute
        month = 0  # (read below, once its digits are known to be digits)
    else:
        return None
    if not (digits.isascii() and digits.isdigit()):
        return None
    return year, month or int(month_number), day, hour or None, minute or None


def _era_date(match: re.Match[str], month: int, tz: str) -> ParsedDate | None:
    """A Japanese era date: the era's offset plus its year ("元" is 1); None before the era began."""
    start, offset = ERAS[match["era"]]
    year = offset + (1 if match["year"] == "元" else int(match["year"]))
    parsed = _build(year, month, int(match["day"]), tz, match["hour"], _minute(match), match["second"],
                    match["ampm"])
    return parsed if parsed is not None and parsed.value.date() >= start else None


def parse_iso(raw: str | None) -> ParsedDate | None:
    """An ISO 8601 timestamp that carries its own offset ("2024-05-01T10:00:00+01:00", "…Z"); None
    for any other text, or a date outside :data:`EARLIEST`–:data:`LATEST`."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None or not in_range(value):
        return None
    return ParsedDate(value, True)


def parse_timestamp(raw: str | None) -> datetime | None:
    """A timestamp the archive wrote (ISO 8601 with an offset, or "…Z"); None when absent or not one."""
    if not isinstance(raw, str):
        return None
    parsed = parse_iso(raw)
    return parsed.value if parsed else None


def parse_rfc822(raw: str | None, tz: str | None = None) -> ParsedDate | None:
    """An RSS ``pubDate`` (RFC 5322 §3.3 date-time): "Tue, 29 Jul 2025 18:33:25 +0000".

    Zones: a numeric offset, also written with a colon ("+05:30", as some feeds do); "-0000"
    (UTC, local zone unknown); the zone names of §4.3 (UT, GMT, EST/EDT, CST/CDT, MST/MDT,
    PST/PDT); single military letters, which §4.3 says to read as "-0000"; the well-known
    abbreviations of :data:`RFC5322_ZONES` ("CEST", "BST", "JST"). Returns None (the caller keeps
    the raw string and looks elsewhere) for any other zone name, for an impossible offset
    (minutes of 60 or more, 24 hours or more: "-1260") or day, or for a date outside
    :data:`EARLIEST`–:data:`LATEST`. A date-time without any zone is
    local time of ``tz`` (None without one)."""
    if not raw:
        return None
    if "(" in raw:  # comments (§3.2.2: wherever white space may be, "14:00:00 (UTC) +0000")
        raw = _COMMENT.sub(" ", raw)
    match = _RFC5322.match(" ".join(raw.split()))
    if not match:
        return None
    month = _RFC5322_MONTHS.get(match["month"].lower())
    if month is None:
        return None
    year = int(match["year"])
    if len(match["year"]) < 4:  # §4.3: two digits are 1950-2049, three digits add 1900
        year += 1900 if len(match["year"]) == 3 or year >= 50 else 2000
    zone: tzinfo | None
    if match["sign"]:
        hours, minutes = int(match["zh"]), int(match["zm"])
        if hours >= 24 or minutes >= 60:
            return None
        sign = -1 if match["sign"] == "-" else 1
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    elif match["name"]:
        name = match["name"].upper()
        if len(name) == 1 and name != "J":  # military zones: "-0000" (§4.3); "J" is not one
            zone = UTC
        elif name in RFC5322_ZONES:
            zone = timezone(timedelta(hours=RFC5322_ZONES[name]))
        else:
            return None
    elif tz is not None:
        zone = ZoneInfo(tz)
    else:
        return None
    try:
        value = datetime(year, month, int(match["day"]), int(match["hour"]), int(match["minute"]),
                         int(match["second"] or 0), tzinfo=zone)
    except ValueError:
        return None
    if not in_range(value):
        return None
    return ParsedDate(value, True)


def date_from_doc_number(doc_number: str | None, tz: str) -> ParsedDate | None:
    """The date inside a mid.ru document number ("1345-28-06-2022"): a fallback, without time."""
    if not doc_number:
        return None
    match = _DOC_NUMBER.match(doc_number)
    if not match:
        return None
    return _build(int(match["year"]), int(match["month"]), int(match["day"]), tz)


def isoformat(value: datetime) -> str:
    """ISO 8601 with seconds and the offset, as the schema writes every timestamp."""
    return value.isoformat(timespec="seconds")
