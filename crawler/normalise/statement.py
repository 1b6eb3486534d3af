"""From what a page object read to the normalised :class:`~crawler.items.Statement`."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from crawler.items import PageStatement, Statement
from crawler.normalise.dates import (
    ParsedDate,
    date_from_doc_number,
    isoformat,
    parse_date,
    parse_iso,
    parse_rfc822,
)
from crawler.normalise.html import html_to_text, sanitise
from crawler.normalise.text import clean_inline
from crawler.sources import get_source


class NormaliseError(ValueError):
    """The page's values cannot make a valid statement; ``reason`` is a short slug for stats and
    the pending list (``unreadable_date``, ``no_date``, ``empty_title``, ``empty_body``)."""

    def __init__(self, url: str, reason: str, detail: str = "") -> None:
        self.url = url
        self.reason = reason
        self.detail = detail
        super().__init__(f"{url}: {reason.replace('_', ' ')}" + (f" {detail}" if detail else ""))


def mint_id(source: str, language: str, site_id: str) -> str:
    """The stable id of a language version: ``source:language:site_id``."""
    return f"{source}:{language}:{site_id}"


def read_date(raw: str | None, tz: str) -> ParsedDate | None:
    """Any date form a source prints or sends: printed forms (in the zone ``tz``), ISO 8601 with
    an offset, RFC 5322 (RSS)."""
    return parse_date(raw, tz) or parse_iso(raw) or parse_rfc822(raw, tz)


def resolve_published(page: PageStatement, tz: str) -> tuple[str, str, str | None]:
    """The publication time, its precision (``datetime`` or ``date``) and the raw string it was
    read from (None when from the document number).

    Evidence in order: the date the page prints; the page's metadata (a ``PubDate`` meta); the
    listing's or feed's date; the date inside the document number. A printed day without a time
    takes the time of the page's metadata when that names the same day (the metadata is the same
    page's record, only more precise). A date without a time stays a date: no time is invented.
    Raises NormaliseError (``unreadable_date`` or ``no_date``) when nothing gives a date."""
    printed = read_date(page.published_raw, tz)
    meta = read_date(page.published_meta_raw, tz)
    if printed and not printed.has_time and meta and meta.has_time \
            and meta.value.astimezone(ZoneInfo(tz)).date() == printed.value.date():
        printed, page_raw = meta, page.published_meta_raw
    else:
        page_raw = page.published_raw
    for parsed, raw in ((printed, page_raw), (meta, page.published_meta_raw),
                        (read_date(page.fallback_published_raw, tz), page.fallback_published_raw)):
        if parsed:
            local = parsed.value.astimezone(ZoneInfo(tz)) if parsed.has_time else parsed.value
            return isoformat(local), "datetime" if parsed.has_time else "date", clean_inline(raw or "") or None
    parsed = date_from_doc_number(page.doc_number, tz)
    if parsed:
        return isoformat(parsed.value), "date", None
    shown = page.published_raw or page.published_meta_raw or page.fallback_published_raw
    if shown:
        raise NormaliseError(page.url, "unreadable_date", repr(shown))
    raise NormaliseError(page.url, "no_date", "on the page, the listing or the document number")


def now_utc() -> str:
    """The current time, ISO 8601 UTC, for ``fetched_at``."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def normalise(page: PageStatement) -> Statement:
    """Clean, sanitise and date one page's statement."""
    source = get_source(page.source)
    title = clean_inline(page.title)
    if not title:
        raise NormaliseError(page.url, "empty_title")
    body_html = sanitise(page.body_html, page.url)
    body_text = html_to_text(body_html)
    if not body_text:
        raise NormaliseError(page.url, "empty_body")
    tags = []
    for tag in page.tags:
        tag = clean_inline(tag)
        if tag and tag not in tags:
            tags.append(tag)
    translations = {
        language: url for language, url in sorted(page.translations.items())
        if language != page.language
    }
    published, precision, published_raw = resolve_published(page, source.timezone)
    history = []
    for change in page.change_history:
        when = parse_iso(change.get("at"))
        if when is not None:
            history.append({"at": isoformat(when.value), "note": clean_inline(change.get("note") or "")})
    withdrawn = None
    if page.withdrawn is not None:
        when = parse_iso(page.withdrawn.get("at"))
        withdrawn = {"at": isoformat(when.value) if when else None,
                     "note": clean_inline(page.withdrawn.get("note") or "")}
    return Statement(
        id=mint_id(page.source, page.language, page.site_id),
        source=page.source,
        site_id=page.site_id,
        url=page.url,
        language=page.language,
        title=title,
        published=published,
        published_raw=published_raw,
        doc_number=page.doc_number,
        type=page.type,
        tags=tags,
        body_text=body_text,
        body_html=body_html,
        translations=translations,
        fetched_at=page.fetched_at or now_utc(),
        published_precision=precision,
        change_history=sorted(history, key=lambda change: change["at"]),
        withdrawn=withdrawn,
    )
