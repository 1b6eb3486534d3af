"""Dates as the ministries print them, read into timezone-aware datetimes.

Every parser takes the raw string as the page showed it and the IANA zone of the source, and
returns a :class:`ParsedDate` or ``None``; none of them guesses a missing year or invents a time.
A date printed without a time becomes midnight local time with ``has_time`` false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from email.utils import parsedate_to_datetime
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
}

_TIME = r"(?:\D{0,3}?(?P<hour>\d{1,2})[:.](?P<minute>\d{2}))?"
# "28 June 2022 11:44", "24 июля 2017 19:36", "24 July 2017", "24 июля 2017 г."
_DAY_MONTH_YEAR = re.compile(
    r"^(?P<day>\d{1,2})\s+(?P<month>[^\W\d_]+)\.?,?\s+(?P<year>\d{4})(?:\s*г\.?)?,?\s*" + _TIME + r"\s*$"
)
# "June 28, 2022", "July 29, 2025 11:44"
_MONTH_DAY_YEAR = re.compile(
    r"^(?P<month>[^\W\d_]+)\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4}),?\s*" + _TIME + r"\s*$"
)
# "28.06.2022 11:44", "28.06.2022", "28.06.22"
_NUMERIC = re.compile(
    r"^(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4}|\d{2})\s*" + _TIME + r"\s*$"
)
# "2024-11-28 23:43", "2024-11-28"
_ISO_LOCAL = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2}))?\s*$"
)
# The date part of a mid.ru document number: "1345-28-06-2022".
_DOC_NUMBER = re.compile(r"^\s*\d+-(?P<day>\d{2})-(?P<month>\d{2})-(?P<year>\d{4})\s*$")


@dataclass(frozen=True)
class ParsedDate:
    """A point in time read from a page."""

    value: datetime
    """Timezone-aware, in the source's zone."""
    has_time: bool
    """False when the page printed only a date (the value is then local midnight)."""


def _build(year: int, month: int, day: int, hour: str | None, minute: str | None,
           tz: str) -> ParsedDate | None:
    try:
        day_value = date(year, month, day)
        clock = time(int(hour), int(minute)) if hour is not None and minute is not None else time()
    except ValueError:
        return None
    local = datetime.combine(day_value, clock, tzinfo=ZoneInfo(tz))
    return ParsedDate(local, hour is not None)


def _year(text: str) -> int:
    """Four-digit years as they are; two-digit years in this century (the old site's DD.MM.YY)."""
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def parse_date(raw: str | None, tz: str) -> ParsedDate | None:
    """Read one of the printed forms above; ``None`` when the text is none of them."""
    if not raw:
        return None
    text = " ".join(raw.replace("\u00a0", " ").split())
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        match = pattern.match(text)
        if match:
            month = MONTHS.get(match["month"].lower())
            if month is None:
                return None
            return _build(int(match["year"]), month, int(match["day"]), match["hour"],
                          match["minute"], tz)
    for pattern in (_NUMERIC, _ISO_LOCAL):
        match = pattern.match(text)
        if match:
            return _build(_year(match["year"]), int(match["month"]), int(match["day"]),
                          match["hour"], match["minute"], tz)
    return None


def parse_iso(raw: str | None) -> ParsedDate | None:
    """An ISO 8601 timestamp that carries its own offset ("2024-05-01T10:00:00+01:00", "…Z")."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    return ParsedDate(value, True)


def parse_timestamp(raw: str | None) -> datetime | None:
    """A timestamp the archive wrote (ISO 8601 with an offset, or "…Z"); None when absent or not one."""
    if not isinstance(raw, str):
        return None
    parsed = parse_iso(raw)
    return parsed.value if parsed else None


def parse_rfc822(raw: str | None) -> ParsedDate | None:
    """An RSS ``pubDate``: "Tue, 29 Jul 2025 18:33:25 +0000" (with its own offset)."""
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if value is None or value.tzinfo is None:
        return None
    return ParsedDate(value, True)


def date_from_doc_number(doc_number: str | None, tz: str) -> ParsedDate | None:
    """The date inside a mid.ru document number ("1345-28-06-2022"): a fallback, without time."""
    if not doc_number:
        return None
    match = _DOC_NUMBER.match(doc_number)
    if not match:
        return None
    return _build(int(match["year"]), int(match["month"]), int(match["day"]), None, None, tz)


def isoformat(value: datetime) -> str:
    """ISO 8601 with seconds and the offset, as the schema writes every timestamp."""
    return value.isoformat(timespec="seconds")
