"""From what a page object read to the normalised :class:`~crawler.items.Statement`."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from crawler.items import PageSegment, PageStatement, Statement
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

logger = logging.getLogger(__name__)


class NormaliseError(ValueError):
    """The page's values cannot make a valid statement; ``reason`` is a short slug for stats and
    the pending list (``unreadable_date``, ``no_date``, ``empty_title``, ``empty_body``)."""

    def __init__(self, url: str, reason: str, detail: str = "") -> None:
        self.url = url
        self.reason = reason
        self.detail = detail
        super().__init__(f"{url}: {reason.replace('_', ' ')}" + (f" {detail}" if detail else ""))


@dataclass(frozen=True)
class Site:
    """A site a page object reads: one source may publish on several."""

    source: str
    """The registry name of its source."""
    host: str
    """The host its pages are served from."""
    languages: tuple[str, ...] = ()
    """The languages it publishes in, when it is one site of a source per language."""


#: Every site a page object reads, by its ``site`` name (docs/schema.md lists them).
SITES = {
    "mid.ru": Site("mid", "mid.ru"),
    "archive.mid.ru": Site("mid", "archive.mid.ru"),
    "gov.uk": Site("fcdo", "www.gov.uk"),
    "state.gov": Site("state_dept", "www.state.gov"),
    "fmprc.gov.cn": Site("fmprc", "www.fmprc.gov.cn", ("en",)),
    "mfa.gov.cn": Site("fmprc", "www.mfa.gov.cn", ("zh",)),
    "auswaertiges-amt.de": Site("aa", "www.auswaertiges-amt.de"),
    "mofa.go.jp": Site("mofa_jp", "www.mofa.go.jp"),
    "mea.gov.in": Site("mea_in", "www.mea.gov.in"),
    "canada.ca": Site("gac_ca", "www.canada.ca"),
    "diplomatie.gouv.fr": Site("mae_fr", "www.diplomatie.gouv.fr"),
}
#: The id namespace of a site whose ids overlap another site's of the same source: the old mid.ru
#: site's documents were minted ``mid:en:liferay-2823186`` when its site_id carried the prefix,
#: and ids never change once minted.
ID_NAMESPACES = {"archive.mid.ru": "liferay-"}


def mint_id(source: str, language: str, site_id: str, site: str | None = None) -> str:
    """The stable id of a language version: ``source:language:site_id``, the site's id namespace
    before its site_id where it has one (``mid:en:liferay-2823186`` for archive.mid.ru's 2823186)."""
    return f"{source}:{language}:{ID_NAMESPACES.get(site or '', '')}{site_id}"


def upgrade_archived(item: dict[str, Any]) -> dict[str, Any]:
    """A statement archived before schema 1.3.0, in 1.3.0's terms: ``site`` added (from the
    prefix of its site_id, else its URL's host, else its language, else its source's one site) and
    the old site's prefixed ``site_id`` (``liferay-2823186``) made the site's own (``2823186``).
    Its ``id`` never changes. For the archive's migration; an item with a ``site`` is returned as
    it is."""
    if item.get("site"):
        return item
    site_id = str(item.get("site_id") or "")
    for site, prefix in ID_NAMESPACES.items():
        if site_id.startswith(prefix):
            return {**item, "site": site, "site_id": site_id.removeprefix(prefix)}
    host = urlsplit(str(item.get("url") or "")).netloc.lower().removeprefix("www.")
    sites = [name for name, site in SITES.items() if site.source == item.get("source") and name not in ID_NAMESPACES]
    found = [name for name in sites if SITES[name].host.removeprefix("www.") == host] \
        or [name for name in sites if item.get("language") in SITES[name].languages] \
        or (sites if len(sites) == 1 else [])
    return {**item, "site": found[0]} if found else item


def read_date(raw: str | None, tz: str) -> ParsedDate | None:
    """Any date form a source prints or sends: printed forms (in the zone ``tz``), ISO 8601 with
    an offset, RFC 5322 (RSS)."""
    return parse_date(raw, tz) or parse_iso(raw) or parse_rfc822(raw, tz)


def _published(parsed: ParsedDate, raw: str | None, tz: str) -> tuple[str, str, str | None]:
    """:func:`resolve_published`'s answer from the date it chose and the string it read it from."""
    zone = ZoneInfo(tz)  # (one instance per key: the printed dates are in it already)
    local = parsed.value.astimezone(zone) if parsed.has_time and parsed.value.tzinfo is not zone else parsed.value
    return isoformat(local), "datetime" if parsed.has_time else "date", clean_inline(raw or "") or None


def resolve_published(page: PageStatement, tz: str) -> tuple[str, str, str | None]:
    """The publication time, its precision (``datetime`` or ``date``) and the raw string it was
    read from (None when from the document number, as docs/schema.md has ``published_raw``).

    Evidence in order: the date the page prints; the page's metadata (a ``PubDate`` meta); the
    listing's or feed's date; the date inside the document number. A printed day without a time
    takes the time of the page's metadata when that names the same day (the metadata is the same
    page's record, only more precise). A date without a time stays a date: no time is invented.
    When a date the page or the listing gives cannot be read and a later one is used, a warning
    names the URL, the unreadable string and where the date came from instead.
    Raises NormaliseError (``unreadable_date`` or ``no_date``) when nothing gives a date."""
    printed = read_date(page.published_raw, tz)
    # the metadata and the listing's date are read only when the printed date leaves a need
    meta = read_date(page.published_meta_raw, tz) if printed is None or not printed.has_time else None
    if printed and not printed.has_time and meta and meta.has_time \
            and meta.value.astimezone(ZoneInfo(tz)).date() == printed.value.date():
        printed, page_raw = meta, page.published_meta_raw
    else:
        page_raw = page.published_raw
    if printed:
        return _published(printed, page_raw, tz)
    unreadable = [("printed date", page.published_raw)] if page.published_raw else []
    if meta:
        _warn_fallback(page.url, unreadable, "page's metadata", page.published_meta_raw)
        return _published(meta, page.published_meta_raw, tz)
    if page.published_meta_raw:
        unreadable.append(("metadata date", page.published_meta_raw))
    parsed = read_date(page.fallback_published_raw, tz)
    if parsed:
        _warn_fallback(page.url, unreadable, "listing's date", page.fallback_published_raw)
        return _published(parsed, page.fallback_published_raw, tz)
    if page.fallback_published_raw:
        unreadable.append(("listing's date", page.fallback_published_raw))
    parsed = date_from_doc_number(page.doc_number, tz)
    if parsed:
        _warn_fallback(page.url, unreadable, "document number", page.doc_number)
        return isoformat(parsed.value), "date", None
    shown = page.published_raw or page.published_meta_raw or page.fallback_published_raw
    if shown:
        raise NormaliseError(page.url, "unreadable_date", repr(shown))
    raise NormaliseError(page.url, "no_date", "on the page, the listing or the document number")


def _warn_fallback(url: str, unreadable: list[tuple[str, str]], used: str, raw: str | None) -> None:
    """One warning line when a date was given but could not be read and a fallback was used."""
    if unreadable:
        logger.warning("%s: unreadable %s; published taken from the %s %r", url,
                       ", ".join(f"{what} {raw!r}" for what, raw in unreadable), used, raw)


#: Stands between segments sanitised and rendered together: private-use characters, which no
#: page prints (a page that does is read segment by segment).
_SEGMENT_BREAK = "\ue000\ue001\ue000"


def _sanitise_segments(segments: list[PageSegment], base_url: str) -> list[tuple[str, str]]:
    """(sanitised HTML, text) of each segment. All are sanitised in one call (a call per segment
    costs more than the work), split again at the break between them; their texts are the page
    object's when it read them all from its tree, else rendered in one call too."""
    htmls = [segment.html for segment in segments]
    if htmls and not any(_SEGMENT_BREAK in html for html in htmls):
        sanitised = sanitise(_SEGMENT_BREAK.join(htmls), base_url).split(_SEGMENT_BREAK)
        if len(sanitised) == len(htmls):
            if all(segment.text is not None for segment in segments):
                return [(html.strip(), segment.text) for html, segment in zip(sanitised, segments, strict=True)]
            texts = html_to_text(_SEGMENT_BREAK.join(sanitised)).split(f"\n\n{_SEGMENT_BREAK}\n\n")
            if len(texts) == len(htmls):
                return [(html.strip(), text) for html, text in zip(sanitised, texts, strict=True)]
    results = []
    for segment in segments:
        clean = sanitise(segment.html, base_url)
        results.append((clean, segment.text if segment.text is not None else html_to_text(clean)))
    return results


def normalise_segments(segments: list[PageSegment] | None, base_url: str) -> list[dict[str, Any]]:
    """A briefing's segments as the schema has them: each segment's HTML sanitised with absolute
    links, its text rendered as ``body_text`` is, labels' parts with white space collapsed;
    positions from 0 in order. A segment left without text is dropped."""
    normalised: list[dict[str, Any]] = []
    segments = segments or []
    for segment, (html, text) in zip(segments, _sanitise_segments(segments, base_url), strict=True):
        if not text:
            continue
        normalised.append({"position": len(normalised), "kind": segment.kind,
                           "speaker": clean_inline(segment.speaker or "") or None,
                           "affiliation": clean_inline(segment.affiliation or "") or None,
                           "text": text, "html": html})
    return normalised


@lru_cache(maxsize=1)
def _utc_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))


def now_utc() -> str:
    """The current time, ISO 8601 UTC to the second (``2026-07-01T09:30:00Z``), for ``fetched_at``
    (formatted once a second: a crawl asks for it several times a page)."""
    return _utc_second(int(time.time()))


def normalise(page: PageStatement) -> Statement:
    """Clean, sanitise and date one page's statement."""
    source = get_source(page.source)
    title = clean_inline(page.title)
    if not title:
        raise NormaliseError(page.url, "empty_title")
    body_html = sanitise(page.body_html, page.url)
    body_text = page.body_text if page.body_text is not None else html_to_text(body_html)
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
        id=mint_id(page.source, page.language, page.site_id, page.site),
        source=page.source,
        site=page.site,
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
        segments=normalise_segments(page.segments, page.url),
        extractor=page.extractor,
    )
