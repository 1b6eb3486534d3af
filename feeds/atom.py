"""Atom 1.0 documents (RFC 4287) with RFC 5005 archive links, built with feedgen.

Everything in a document comes from the archive, so the same archive gives the same bytes:
``updated`` is the newest entry's, never "now". Text is made XML-safe and HTML is sanitised
again here, whatever the archive holds; an entry that still cannot be written is skipped with
its reason, and the rest of the feed is published.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedEntry, FeedGenerator
from lxml import etree

from crawler import __version__
from crawler.normalise.dates import parse_timestamp
from crawler.normalise.html import sanitise
from crawler.normalise.text import clean_inline, xml_safe
from crawler.sources import SOURCES
from feeds.catalog import TYPE_NAMES, FeedSpec, language_name

logger = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
HISTORY = "http://purl.org/syndication/history/1.0"
#: Entry and feed ids: a tag URI (RFC 4151) around the statement's own stored id.
ID_PREFIX = "tag:ministry-feeds.github.io,2026:"
TAG_SCHEME = "https://ministry-feeds.github.io/schema/tags"
TYPE_SCHEME = "https://ministry-feeds.github.io/schema/types"
STATUS_SCHEME = "https://ministry-feeds.github.io/schema/status"
SUMMARY_CHARS = 400
#: The XSLT stylesheet every document refers to, at the root of the public folder (feeds/feed.xsl).
STYLESHEET = "feed.xsl"
STYLESHEET_SOURCE = Path(__file__).resolve().parent / STYLESHEET


class EntryError(ValueError):
    """A statement that cannot become a feed entry (the message says why)."""


@dataclass
class FeedOptions:
    """What publishing needs besides the archive."""

    base_url: str
    """Where the public folder is served, e.g. ``https://feeds.example.org/``."""
    max_content_chars: int = 200_000
    max_bytes: int = 5 * 1024 * 1024


@dataclass
class ArchiveLinks:
    """RFC 5005 links of one document."""

    is_archive: bool = False
    prev_archive: str | None = None
    next_archive: str | None = None
    current: str | None = None


@dataclass
class Rendered:
    """A rendered document and the entries left out of it, with reasons."""

    data: bytes
    entries: int
    skipped: list[tuple[str, str]] = field(default_factory=list)


class _EntryExtras(BaseEntryExtension):
    """What feedgen 1.0 cannot write on an entry: ``xml:lang``, and links with their ``rel``,
    ``type`` and ``hreflang`` (its entry links lose every attribute but ``href``)."""

    def __init__(self) -> None:
        self.lang: str | None = None
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        if self.lang:
            entry.set("{http://www.w3.org/XML/1998/namespace}lang", self.lang)
        # feedgen writes Atom elements unqualified under a literal default namespace: so do we.
        anchor = entry.find("summary")
        for link in self.links:
            element = etree.Element("link", {k: v for k, v in link.items() if v})
            if anchor is not None:
                anchor.addprevious(element)
            else:
                entry.append(element)
        return entry


class _History(BaseExtension):
    """RFC 5005's ``fh:archive`` marker of a complete archive document."""

    def __init__(self) -> None:
        self.archive = False

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY}

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        if self.archive:  # feedgen calls this before it appends the entries
            feed.append(etree.Element(f"{{{HISTORY}}}archive"))
        return feed


def entry_id(doc_id: str) -> str:
    """The Atom id of a statement: its stored id inside a tag URI."""
    return ID_PREFIX + doc_id


def entry_updated(doc: dict) -> datetime:
    """The time of the last change a reader should see: an edit on the site (the statement's
    ``updated``: its publication until an edit), or the removal. Not ``published`` itself: a
    re-extraction that reads the date anew is no edit and does not move it (issue 10)."""
    times = [parse_timestamp(doc.get(name)) for name in ("updated", "removed_at")]
    present = [t for t in times if t is not None] or [t for t in [parse_timestamp(doc.get("published"))] if t]
    if not present:
        raise EntryError("no valid published or updated time")
    return max(present)


def _summary(doc: dict) -> str:
    summary = clean_inline(doc.get("body_text") or "")
    if len(summary) > SUMMARY_CHARS:
        summary = summary[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
    withdrawn = doc.get("withdrawn")
    if withdrawn:
        when = f" on {withdrawn['at'][:10]}" if withdrawn.get("at") else ""
        note = clean_inline(withdrawn.get("note") or "")
        summary = f"Withdrawn by the ministry{when}" + (f": {note}" if note else ".") + " " + summary
    if doc.get("removed_at"):
        summary = f"Removed from the ministry's site on {doc['removed_at'][:10]}. " + summary
    return summary


def _content(doc: dict, options: FeedOptions) -> str:
    html = sanitise(doc.get("body_html") or "", doc["url"])
    if len(html) <= options.max_content_chars:
        return html
    # An enormous body: the feed carries its beginning as text and points to the full page.
    text = xml_safe(doc.get("body_text") or "")[: options.max_content_chars // 2]
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    return sanitise(paragraphs + f'<p><a href="{escape(doc["url"])}">Read the full text on the ministry’s '
                    "site.</a></p>", doc["url"])


def build_entry(doc: dict, options: FeedOptions) -> FeedEntry:
    """A feed entry for one archived statement; EntryError when it cannot be written."""
    title = clean_inline(doc.get("title") or "")
    if not title:
        raise EntryError("empty title")
    if not doc.get("url", "").startswith(("http://", "https://")):
        raise EntryError(f"no absolute URL ({doc.get('url')!r})")
    published = parse_timestamp(doc.get("published"))
    if published is None:
        raise EntryError(f"no valid publication time ({doc.get('published')!r})")
    removed = doc.get("removed_at") is not None
    source = SOURCES.get(doc.get("source", ""))
    entry = FeedEntry()
    entry.register_extension("mf", _EntryExtras, atom=True, rss=False)
    entry.id(entry_id(doc["id"]))
    withdrawn = bool(doc.get("withdrawn"))
    entry.title(title + (" [removed]" if removed else "") + (" [withdrawn]" if withdrawn else ""))
    entry.published(published)
    entry.updated(entry_updated(doc))
    entry.author({"name": source.ministry if source else doc.get("source", "unknown"),
                  **({"uri": source.home} if source else {})})
    entry.content(_content(doc, options), type="html")
    entry.summary(_summary(doc))
    # The statement's own page is the entry's one alternate link: readers open it (feedparser and
    # newsboat take the last alternate, others the first). The other language versions are
    # "related" (RFC 4287 §4.2.7.2), marked with hreflang, so no reader takes one for the entry's link.
    entry.mf.links.append({"rel": "alternate", "type": "text/html", "hreflang": doc["language"],
                           "href": doc["url"]})
    for language, url in sorted((doc.get("translations") or {}).items()):
        if language != doc["language"] and url.startswith(("http://", "https://")) and url != doc["url"]:
            entry.mf.links.append({"rel": "related", "type": "text/html", "hreflang": language,
                                   "title": language_name(language), "href": url})
    entry.category(term=doc["type"], scheme=TYPE_SCHEME, label=TYPE_NAMES.get(doc["type"], doc["type"]))
    for tag in doc.get("tags") or []:
        tag = clean_inline(tag)
        if tag:
            entry.category(term=tag, scheme=TAG_SCHEME, label=tag)
    if removed:
        entry.category(term="removed", scheme=STATUS_SCHEME, label="Removed from the ministry's site")
    if withdrawn:
        entry.category(term="withdrawn", scheme=STATUS_SCHEME, label="Withdrawn by the ministry")
    entry.mf.lang = doc["language"]
    try:
        entry.atom_entry()  # fail here, on this entry, rather than in the whole feed
    except (ValueError, TypeError) as error:
        raise EntryError(f"not writable as XML: {error}") from None
    return entry


def render(spec: FeedSpec, docs: list[dict], options: FeedOptions, links: ArchiveLinks,
           self_path: str, cache: dict[str, FeedEntry | EntryError] | None = None) -> Rendered:
    """One Atom document of a feed, newest entry first. Raises ValueError when no entry is left.

    ``cache`` (statement id → built entry) lets the feeds one statement appears in share its
    entry within one publication."""
    entries: list[tuple[datetime, FeedEntry]] = []
    skipped: list[tuple[str, str]] = []
    for doc in docs:
        try:
            if cache is None:
                entry = build_entry(doc, options)
            else:
                if doc["id"] not in cache:
                    try:
                        cache[doc["id"]] = build_entry(doc, options)
                    except EntryError as error:
                        cache[doc["id"]] = error
                entry = cache[doc["id"]]
                if isinstance(entry, EntryError):
                    raise entry
            entries.append((entry_updated(doc), entry))
        except EntryError as error:
            logger.warning("Feed %s: entry %s skipped: %s", spec.key, doc.get("id"), error)
            skipped.append((str(doc.get("id")), str(error)))
    if not entries:
        raise ValueError(f"{spec.key}: no entry could be written")
    base = options.base_url.rstrip("/") + "/"
    feed = FeedGenerator()
    feed.register_extension("mfhistory", _History, atom=True, rss=False)
    feed.id(ID_PREFIX + "feed/" + self_path.removesuffix(".atom"))
    feed.title(clean_inline(spec.title) or spec.key)
    feed.subtitle(clean_inline(spec.subtitle) or spec.key)
    feed.language(spec.language)
    feed.updated(max(updated for updated, _ in entries))
    feed.link(href=base + self_path, rel="self", type="application/atom+xml")
    home = spec.source.home_for(spec.language) if spec.source else base
    feed.link(href=home, rel="alternate", type="text/html")
    for rel, path in (("current", links.current), ("prev-archive", links.prev_archive),
                      ("next-archive", links.next_archive)):
        if path:
            feed.link(href=base + path, rel=rel, type="application/atom+xml")
    feed.author({"name": spec.source.ministry if spec.source else "ministry-feeds",
                 "uri": home})
    feed.generator("ministry-feeds", version=__version__, uri="https://github.com/ministry-feeds/ministry-feeds")
    if spec.source and spec.source.icon:
        feed.icon(spec.source.icon)
    feed.mfhistory.archive = links.is_archive
    for _, entry in entries:
        feed.add_entry(entry, order="append")
    return Rendered(with_stylesheet(feed.atom_str(pretty=True, encoding="UTF-8"), self_path), len(entries), skipped)


def stylesheet_href(self_path: str) -> str:
    """The feed stylesheet's URL relative to a document at ``self_path`` below the public folder
    (relative, so it is fetched from wherever the feed is served: browsers apply only a
    same-origin stylesheet)."""
    return "../" * self_path.count("/") + STYLESHEET


def with_stylesheet(document: bytes, self_path: str) -> bytes:
    """The document with an ``xml-stylesheet`` processing instruction (W3C "Associating Style
    Sheets with XML documents") after its XML declaration: browsers show the feed through the
    XSLT stylesheet; feed readers ignore it."""
    declaration, newline, rest = document.partition(b"\n")
    if not declaration.startswith(b"<?xml ") or not newline:
        raise ValueError("a rendered feed starts with its XML declaration")
    instruction = f'<?xml-stylesheet type="text/xsl" href="{stylesheet_href(self_path)}"?>'.encode()
    return declaration + b"\n" + instruction + b"\n" + rest
