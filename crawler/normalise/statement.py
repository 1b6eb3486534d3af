"""From what a page object read to the normalised :class:`~crawler.items.Statement`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from crawler.items import PageSegment, PageStatement, Statement
from crawler.normalise.dates import date_from_doc_number, isoformat, parse_date, parse_iso, parse_rfc822
from crawler.normalise.html import html_to_text, sanitise
from crawler.normalise.text import clean_inline
from crawler.sources import get_source


class NormaliseError(ValueError):
    """The page's values cannot make a valid statement (the message says which and why)."""


def mint_id(source: str, language: str, site_id: str) -> str:
    """The stable id of a language version: ``source:language:site_id``."""
    return f"{source}:{language}:{site_id}"


def resolve_published(page: PageStatement, tz: str) -> tuple[str, str]:
    """The publication time and its precision (``datetime`` or ``date``): the page's date, else
    the listing's, else the document number's. A date without a time stays a date."""
    for raw in (page.published_raw, page.fallback_published_raw):
        parsed = parse_date(raw, tz) or parse_iso(raw) or parse_rfc822(raw)
        if parsed:
            local = parsed.value.astimezone(ZoneInfo(tz)) if parsed.has_time else parsed.value
            return isoformat(local), "datetime" if parsed.has_time else "date"
    parsed = date_from_doc_number(page.doc_number, tz)
    if parsed:
        return isoformat(parsed.value), "date"
    shown = page.published_raw or page.fallback_published_raw
    if shown:
        raise NormaliseError(f"{page.url}: unreadable date {shown!r}")
    raise NormaliseError(f"{page.url}: no date on the page, the listing or the document number")


#: Stands between segments sanitised and rendered together: private-use characters, which no
#: page prints (a page that does is read segment by segment).
_SEGMENT_BREAK = "\ue000\ue001\ue000"


def _sanitise_segments(htmls: list[str], base_url: str) -> list[tuple[str, str]]:
    """(sanitised HTML, text) of each segment's HTML. All are sanitised and rendered in one call
    each (a call per segment costs more than the work), split again at the break between them."""
    if htmls and not any(_SEGMENT_BREAK in html for html in htmls):
        sanitised = sanitise(_SEGMENT_BREAK.join(htmls), base_url).split(_SEGMENT_BREAK)
        texts = html_to_text(_SEGMENT_BREAK.join(sanitised)).split(f"\n\n{_SEGMENT_BREAK}\n\n")
        if len(sanitised) == len(texts) == len(htmls):
            return [(html.strip(), text) for html, text in zip(sanitised, texts, strict=True)]
    results = []
    for html in htmls:
        clean = sanitise(html, base_url)
        results.append((clean, html_to_text(clean)))
    return results


def normalise_segments(segments: list[PageSegment] | None, base_url: str) -> list[dict[str, Any]]:
    """A briefing's segments as the schema has them: each segment's HTML sanitised with absolute
    links, its text rendered as ``body_text`` is, labels' parts with white space collapsed;
    positions from 0 in order. A segment left without text is dropped."""
    normalised: list[dict[str, Any]] = []
    segments = segments or []
    for segment, (html, text) in zip(segments, _sanitise_segments([s.html for s in segments], base_url),
                                     strict=True):
        if not text:
            continue
        normalised.append({"position": len(normalised), "kind": segment.kind,
                           "speaker": clean_inline(segment.speaker or "") or None,
                           "affiliation": clean_inline(segment.affiliation or "") or None,
                           "text": text, "html": html})
    return normalised


def now_utc() -> str:
    """The current time, ISO 8601 UTC, for ``fetched_at``."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def normalise(page: PageStatement) -> Statement:
    """Clean, sanitise and date one page's statement."""
    source = get_source(page.source)
    title = clean_inline(page.title)
    if not title:
        raise NormaliseError(f"{page.url}: empty title")
    body_html = sanitise(page.body_html, page.url)
    body_text = html_to_text(body_html)
    if not body_text:
        raise NormaliseError(f"{page.url}: empty body")
    tags = []
    for tag in page.tags:
        tag = clean_inline(tag)
        if tag and tag not in tags:
            tags.append(tag)
    translations = {
        language: url for language, url in sorted(page.translations.items())
        if language != page.language
    }
    published, precision = resolve_published(page, source.timezone)
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
        published_raw=clean_inline(page.published_raw or page.fallback_published_raw or "") or None,
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
        segments=normalise_segments(page.segments, page.url),
    )
