"""The two item types: what a page object reads, and the normalised statement the archive keeps.

:class:`Statement` is the contract with researchers; ``schema/statement.schema.json`` is its JSON
Schema and ``docs/schema.md`` explains each field. Page objects produce :class:`PageStatement`,
the normalise pipeline turns it into a :class:`Statement`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "statement.schema.json"

#: The shared document types every source maps its own onto.
DOCUMENT_TYPES = ("briefing", "statement", "comment", "news", "speech", "answer", "interview")
#: What a segment of a briefing is: a section heading, a statement from the podium before any
#: question (opening remarks, announcements), a question, an answer (a podium turn after a
#: question), or a remark (a transcriber's note such as "(Laughter.)", a moderator's turn).
SEGMENT_KINDS = ("heading", "statement", "question", "answer", "remark")


@cache
def statement_schema() -> dict[str, Any]:
    """The JSON Schema of a statement, as published in ``schema/``. Read through the package's
    loader (PEP 302 ``get_data``), which reads it from the checkout, or from inside the egg
    Scrapyd runs a crawl from (a zip file, where the schema sits at the same place: see
    pyproject.toml)."""
    return json.loads(__spec__.loader.get_data(str(SCHEMA_PATH)).decode("utf-8"))


@dataclass
class PageSegment:
    """One segment of a briefing as a page object read it, before normalisation."""

    kind: str
    """One of :data:`SEGMENT_KINDS`."""
    speaker: str | None
    """The speaker's label as printed ("MR MILLER", "Mao Ning", "М.В.Захарова"); None when the
    label names no one ("Question:", "Answer:", "问：") or there is no label."""
    affiliation: str | None
    """The outlet or office as printed ("CCTV", "RIA Novosti", "法新社"), or None."""
    html: str
    """The segment's blocks, its label removed; not yet sanitised."""
    text: str | None = None
    """The segment's text as the normaliser renders the sanitised ``html``, when the page object
    read it from its own tree (``crawler.normalise.html.sanitised_text``); None: rendered then."""


@dataclass
class PageStatement:
    """What a page object read from one article page, before normalisation."""

    source: str
    """Registry name of the source (``mid``)."""
    site: str
    """Short stable name of the site the page was read from (``mid.ru``, ``archive.mid.ru``)."""
    site_id: str
    """The site's own id of the document, exactly as the site has it (``2823186``)."""
    url: str
    """The page's URL, canonical and absolute."""
    language: str
    """BCP 47 language of the text."""
    title: str
    """The title as printed (white space not yet normalised)."""
    type: str
    """One of :data:`DOCUMENT_TYPES`."""
    body_html: str
    """The article body with the site's chrome removed; not yet sanitised."""
    published_raw: str | None = None
    """The date (and time) exactly as the page showed it."""
    published_meta_raw: str | None = None
    """The date the page's metadata gives (China's ``PubDate`` meta, ``article:published_time``),
    exactly as written: the fallback when the printed date is missing or unreadable, and the time
    of a printed day without one."""
    doc_number: str | None = None
    """The ministry's document number, when the page prints one."""
    tags: list[str] = field(default_factory=list)
    """Tags as the site names them."""
    translations: dict[str, str] = field(default_factory=dict)
    """Language → URL of the other language versions the page links to."""
    fallback_published_raw: str | None = None
    """A date from elsewhere (the listing page), used when the article shows none."""
    fetched_at: str | None = None
    """When the page was fetched (ISO 8601, UTC); set by the spider."""
    change_history: list[dict[str, str]] = field(default_factory=list)
    """The ministry's own record of edits, ``{"at": ISO 8601, "note": …}``, when it keeps one."""
    withdrawn: dict[str, str | None] | None = None
    """``{"at": ISO 8601 or None, "note": …}`` when the ministry marks the statement withdrawn."""
    segments: list[PageSegment] | None = None
    """A briefing's segments, in order (``crawler.pages.segments``); ``[]`` for a briefing whose
    structure was not recognised, None when the page object did not segment (not a briefing)."""
    body_text: str | None = None
    """The body's text as the normaliser renders the sanitised ``body_html``, when the page object
    read it from its cleaned tree (``crawler.normalise.html.sanitised_text``: no second parse);
    None: the normaliser renders it."""
    extractor: str | None = None
    """What read it: the release and the page object (``ministry-feeds 0.1.0
    crawler.pages.mid.MidArticlePage``; see :func:`crawler.pages.extractor_name`)."""


@dataclass
class Statement:
    """One language version of one statement, normalised. Field docs: ``docs/schema.md``."""

    id: str
    """Stable id minted once from source, language and site id: ``mid:en:1819686`` (old-site
    documents: ``mid:en:liferay-2823186``, see :func:`crawler.normalise.statement.mint_id`)."""
    source: str
    """Registry name of the source: ``mid``."""
    site: str
    """Short stable name of the site the statement was read from: ``mid.ru``, ``archive.mid.ru``
    (:data:`crawler.normalise.statement.SITES`); one source may have several."""
    site_id: str
    """The site's own id of the document, exactly as the site has it."""
    url: str
    """Canonical absolute URL of this language version."""
    language: str
    """BCP 47 language tag."""
    title: str
    """Title, white space normalised, XML-safe."""
    published: str
    """ISO 8601 with the offset of the source's zone (Europe/Moscow for mid.ru)."""
    published_raw: str | None
    """The date as the page printed it."""
    doc_number: str | None
    """The ministry's document number (``1345-28-06-2022``) or null."""
    type: str
    """One of :data:`DOCUMENT_TYPES`."""
    tags: list[str]
    """Tags, as the site names them."""
    body_text: str
    """The text, paragraphs separated by one blank line."""
    body_html: str
    """Sanitised HTML of the body with absolute links."""
    translations: dict[str, str]
    """Language → URL of the other language versions."""
    fetched_at: str
    """When the page was fetched, ISO 8601 UTC."""
    published_precision: str = "datetime"
    """``datetime`` when the page gave a time, ``date`` when only a day (``published`` is then
    local midnight): a time is never invented."""
    change_history: list[dict[str, str]] = field(default_factory=list)
    """The ministry's own record of edits, oldest first (GOV.UK keeps one); empty otherwise."""
    withdrawn: dict[str, str | None] | None = None
    """``{"at": …, "note": …}`` when the ministry marks the statement withdrawn, else null."""
    segments: list[dict[str, Any]] = field(default_factory=list)
    """A briefing split into headings, statements, questions, answers and remarks, in order:
    ``{"position", "kind", "speaker", "affiliation", "text", "html"}``; empty for other types
    and for briefings whose structure was not recognised (never a guess). Derived from the body,
    so not a content field: a new segmentation is not a new version."""
    extractor: str | None = None
    """The release and the page object that read it (``ministry-feeds 0.1.0
    crawler.pages.mid.MidArticlePage``): provenance, not content."""

    def to_dict(self) -> dict[str, Any]:
        """The fields in schema order, as plain JSON values."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


STATEMENT_FIELDS = tuple(f.name for f in fields(Statement))


@dataclass
class PageEvent:
    """What a re-fetch of a known article said, when it gave no statement to read."""

    url: str
    """The article's canonical URL, as archived."""
    fetched_at: str
    """When the server answered."""
    gone_reason: str | None = None
    """Why the article is gone (``HTTP 404``, ``HTTP 410``, ``redirected to home page``); None
    when it answered 304 Not Modified."""



@dataclass
class FetchFailed:
    """An article that could not be fetched or read this run: kept as pending, retried next run."""

    url: str
    spider: str
    reason: str
    failed_at: str
    tags: list[str] = field(default_factory=list)
    listing_date: str | None = None


@dataclass
class ListingUnread:
    """A listing page or feed that was fetched but did not read (a ParseError: layout drift, a
    feed cut short): its validators are not kept, so that the next run reads it whole instead of
    being answered 304 for the very document that failed."""

    url: str
    """The URL it was fetched from."""


@dataclass
class ListingWalked:
    """A section's listing was read to a normal end (only known articles, its last page, or the
    page limit). Recorded only when the whole crawl finishes: until then, the next run reads the
    listing as if for the first time, so a killed run loses nothing."""

    spider: str
    language: str
    section: str
    completed_at: str
