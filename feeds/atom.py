"""Atom 1.0 documents (RFC 4287) with RFC 5005 archive links, built with lxml.

Everything in a document comes from the archive, so the same archive gives the same bytes:
``updated`` is the newest entry's, never "now". Text is made XML-safe and HTML is sanitised
again here, whatever the archive holds; an entry that still cannot be written is skipped with
its reason, and the rest of the feed is published.

Publishing puts one statement in several documents (its source's feed, its type's, its tags',
its language's, their archive pages), so an entry is built and serialised once (:func:`build_entry`
gives an :class:`Entry`: its bytes as they stand in any document) and a document is its head
(:func:`document_head`) followed by the bytes of its entries and the closing tag
(:func:`assemble`). The layout is feedgen 1.0's, element for element and byte for byte (the
tests compare the two on every kind of input; feedgen itself built these documents before, one
entry per document it stood in, which cost four times the work).

What an entry's content shows besides the body — a briefing laid out by its questions, the
"Changed on" section of an edited statement — is feeds.content's; :func:`build_change_entry`
makes the entries of ``edits.atom``.

Sanitising: the archive holds body HTML sanitised when it was crawled, but by the release that
crawled it, and an archive can be restored, copied or written by another machine. Feeds promise
sanitised, XML-safe HTML with absolute links whatever the archive holds, so :func:`_content`
sanitises again, once per statement and publication (nh3's cleaner is built once; bench/publish.py
counts it in the publication's time).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from crawler import __version__
from crawler.normalise.dates import parse_timestamp
from crawler.normalise.html import sanitise
from crawler.normalise.text import clean_inline, xml_safe
from crawler.sources import SOURCES
from feeds.catalog import TYPE_NAMES, language_name, source_key
from feeds.content import briefing_html, changes_html, clean, describe
from feeds.edits import REMOVED, SiteEdit, versions_diff

if TYPE_CHECKING:
    from collections.abc import Iterable

    from feeds.catalog import FeedSpec
    from feeds.edits import SiteChange

logger = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
HISTORY = "http://purl.org/syndication/history/1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: Entry and feed ids: a tag URI (RFC 4151) around the statement's own stored id.
ID_PREFIX = "tag:ministry-feeds.github.io,2026:"
TAG_SCHEME = "https://ministry-feeds.github.io/schema/tags"
TYPE_SCHEME = "https://ministry-feeds.github.io/schema/types"
STATUS_SCHEME = "https://ministry-feeds.github.io/schema/status"
GENERATOR_URI = "https://github.com/ministry-feeds/ministry-feeds"
SUMMARY_CHARS = 400
#: A month, ``YYYY-MM``: the name of a feed's archive document.
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
#: The XSLT stylesheet every document refers to, at the root of the public folder (feeds/feed.xsl).
STYLESHEET = "feed.xsl"
STYLESHEET_SOURCE = Path(__file__).resolve().parent / STYLESHEET
#: How every document ends.
CLOSING = b"</feed>\n"


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


@dataclass(frozen=True)
class Entry:
    """One statement as an Atom entry, ready to stand in any document."""

    doc_id: str
    """The statement's stored id."""
    updated: datetime
    """The entry's ``updated`` (see :func:`entry_updated`): a document's is its newest entry's."""
    data: bytes
    """The ``<entry>`` element serialised as it stands in a document: UTF-8, indented one
    level, ending with a newline."""

    def atom_entry(self) -> etree._Element:
        """The entry as an element (its children's tags unqualified, as in the document)."""
        return etree.fromstring(self.data)


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
    text = doc.get("body_text") or ""
    # clean_inline drops characters and joins runs of white space, so the cleaning of a prefix is
    # a prefix of the cleaning: a long text's beginning gives the same summary as the whole.
    summary = clean_inline(text[: 4 * SUMMARY_CHARS])
    if len(summary) <= SUMMARY_CHARS and len(text) > 4 * SUMMARY_CHARS:
        summary = clean_inline(text)
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


def _content(doc: dict, options: FeedOptions, edit: SiteEdit | None = None) -> str:
    """The entry's content: the statement's body HTML, sanitised (see the module's docstring) —
    a briefing's laid out by its segments, and after an edit on the site, what changed first
    (feeds.content). The one place an entry's content is made."""
    changes = clean(changes_html(edit) + "<hr>") if edit is not None else ""
    html = briefing_html(doc) if doc.get("segments") else None
    if html is None:
        html = sanitise(doc.get("body_html") or "", doc["url"])
    if len(changes) + len(html) <= options.max_content_chars:
        return next_line_as_newline(changes + html)
    # An enormous body: the feed carries its beginning as text and points to the full page.
    text = xml_safe(doc.get("body_text") or "")[: options.max_content_chars // 2]
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    return next_line_as_newline(changes + sanitise(paragraphs + f'<p><a href="{escape(doc["url"])}">Read the full '
                                                   "text on the ministry’s site.</a></p>", doc["url"]))


def next_line_as_newline(html: str) -> str:
    """HTML with U+0085 NEXT LINE written as a newline. The archive and the JSON Lines keep the
    character (escaped there), but feed readers do not take it for a line break: feedparser
    gives it as "…" (windows-1252's byte 0x85). A newline is what HTML makes of a line break in
    text — white space, a line break inside ``<pre>`` — and is the same in an attribute's value.
    Titles, summaries and categories are :func:`clean_inline`'s, where it is a space already."""
    return html.replace("\x85", "\n")


def _text(parent: etree._Element, tag: str, text: str | None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text:
        element.text = text
    return element


def _person(parent: etree._Element, tag: str, name: str, uri: str | None) -> None:
    """An author: Atom wants a name, so a nameless one is left out."""
    if name:
        person = etree.SubElement(parent, tag)
        _text(person, "name", name)
        if uri:
            _text(person, "uri", uri)


def _link(parent: etree._Element, **attributes: str | None) -> None:
    """A link with the attributes that have a value, in the order given."""
    etree.SubElement(parent, "link", {name: value for name, value in attributes.items() if value})


def _category(parent: etree._Element, term: str, scheme: str, label: str | None) -> None:
    category = etree.SubElement(parent, "category", term=term, scheme=scheme)
    if label:
        category.set("label", label)


def _entry_element(doc: dict, options: FeedOptions, edit: SiteEdit | None) -> tuple[etree._Element, datetime]:
    """The ``<entry>`` of one statement, its children in feedgen 1.0's order, and its ``updated``.
    Raises EntryError for what Atom needs and the statement lacks, ValueError for text XML
    cannot carry."""
    title = clean_inline(doc.get("title") or "")
    if not title:
        raise EntryError("empty title")
    if not doc.get("url", "").startswith(("http://", "https://")):
        raise EntryError(f"no absolute URL ({doc.get('url')!r})")
    published = parse_timestamp(doc.get("published"))
    if published is None:
        raise EntryError(f"no valid publication time ({doc.get('published')!r})")
    updated = entry_updated(doc)
    removed = doc.get("removed_at") is not None
    withdrawn = bool(doc.get("withdrawn"))
    source = SOURCES.get(doc.get("source", ""))
    entry = etree.Element("entry")
    if doc["language"]:
        entry.set(XML_LANG, doc["language"])
    _text(entry, "id", entry_id(doc["id"]))
    _text(entry, "title", title + (" [removed]" if removed else "") + (" [withdrawn]" if withdrawn else ""))
    _text(entry, "updated", updated.isoformat())
    _person(entry, "author", source.ministry if source else doc.get("source", "unknown"),
            source.home if source else None)
    _text(entry, "content", _content(doc, options, edit)).set("type", "html")
    # The statement's own page is the entry's one alternate link: readers open it (feedparser and
    # newsboat take the last alternate, others the first). The other language versions are
    # "related" (RFC 4287 §4.2.7.2), marked with hreflang, so no reader takes one for the entry's link.
    _link(entry, rel="alternate", type="text/html", hreflang=doc["language"], href=doc["url"])
    for language, url in sorted((doc.get("translations") or {}).items()):
        if language != doc["language"] and url.startswith(("http://", "https://")) and url != doc["url"]:
            _link(entry, rel="related", type="text/html", hreflang=language, title=language_name(language), href=url)
    _text(entry, "summary", _summary(doc))
    _category(entry, doc["type"], TYPE_SCHEME, TYPE_NAMES.get(doc["type"], doc["type"]))
    for tag in doc.get("tags") or []:
        tag = clean_inline(tag)
        if tag:
            _category(entry, tag, TAG_SCHEME, tag)
    if removed:
        _category(entry, "removed", STATUS_SCHEME, "Removed from the ministry's site")
    if withdrawn:
        _category(entry, "withdrawn", STATUS_SCHEME, "Withdrawn by the ministry")
    _text(entry, "published", published.isoformat())
    return entry, updated


#: The element entries are serialised in: a document's root as :func:`document_head` makes it,
#: so an entry's bytes (indentation, namespace declarations) are those it has in a document.
_FRAME = etree.Element("feed", {"xmlns": ATOM}, nsmap={"fh": HISTORY})
_FRAME_START = len(etree.tostring(_FRAME, encoding="UTF-8").removesuffix(b"/>")) + 2


def _serialised(element: etree._Element) -> bytes:
    """An entry's bytes inside a document: lxml's pretty printing at the depth of a root's child."""
    _FRAME.append(element)
    try:
        framed = etree.tostring(_FRAME, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    finally:
        _FRAME.remove(element)
    return framed[_FRAME_START:-len(CLOSING)]


def build_entry(doc: dict, options: FeedOptions, edit: SiteEdit | None = None) -> Entry:
    """A feed entry for one archived statement; EntryError when it cannot be written. ``edit``:
    the statement's last edit on the site (feeds.edits.last_site_edit), shown first."""
    try:
        element, updated = _entry_element(doc, options, edit)
    except EntryError:
        raise
    except (ValueError, TypeError) as error:  # lxml refuses text XML cannot carry
        raise EntryError(f"not writable as XML: {error}") from None
    return Entry(doc["id"], updated, _serialised(element))


def statement_archive_url(change: SiteChange, base_url: str) -> str | None:
    """The archive document of the statement's month in its source's feed (its first page: the
    statement's entry stands there or on a page linked from it), as a change's entry links it;
    None when the statement's publication time has no month."""
    month = change.published[:7]
    if not _MONTH.fullmatch(month):
        return None
    return base_url.rstrip("/") + f"/{source_key(change.source, change.language)}/archive/{month}.atom"


#: An edit in its ``edits.atom`` entry: more of it shown than in the statement's own entry, where
#: the body follows (paragraph changes, characters of one inserted or deleted run, of context).
CHANGE_SHOWN, CHANGE_RUN_CHARS, CHANGE_CONTEXT_CHARS = 40, 1500, 120


def build_change_entry(change: SiteChange, older: dict | None, newer: dict | None, options: FeedOptions) -> Entry:
    """An entry of a feed's ``edits.atom``: one edit of a statement on the ministry's site (the
    versions ``older`` → ``newer``: what changed, words marked) or its removal (``newer``: its
    last version). Its id is the statement's entry id plus the version (feeds.edits.SiteChange.key);
    its link opens the statement's page, and a related link the month's archive document of the
    statement's feed (where its entry stands, or a page linked from it). EntryError when it
    cannot be written."""
    try:
        if newer is None or (older is None and change.kind != REMOVED):
            raise EntryError(f"version {change.version if newer is None else change.version - 1} is not archived")
        title = clean_inline(newer.get("title") or "")
        url = newer.get("url") or ""
        if not title:
            raise EntryError("empty title")
        if not url.startswith(("http://", "https://")):
            raise EntryError(f"no absolute URL ({url!r})")
        day = change.at.astimezone(UTC).date().isoformat()
        archive = statement_archive_url(change, options.base_url)
        links = f'<p><a href="{escape(url)}">The statement on the ministry’s site</a>' + (
            f' · <a href="{escape(archive)}">its entry in the feed’s archive</a>' if archive else "") + "</p>"
        if change.kind == REMOVED:
            summary = f"Removed from the ministry's site on {day}."
            html = clean(f'<div class="mf-changes"><p><strong>Removed from the ministry’s site on {day}</strong> '
                         f"(its version {change.version}).</p></div>{links}")
            heading, status, label = "Removed", "removed", "Removed from the ministry's site"
        else:
            edit = SiteEdit(change.version, change.at, versions_diff(older, newer))
            summary = describe(edit.diff)
            summary = summary[:1].upper() + summary[1:] + "."
            html = clean(changes_html(edit, shown=CHANGE_SHOWN, run_chars=CHANGE_RUN_CHARS,
                                      context=CHANGE_CONTEXT_CHARS) + links)
            if len(html) > options.max_content_chars:
                html = clean(changes_html(edit) + links)
            heading, status, label = "Edited", "edited", "Edited on the ministry's site"
        source = SOURCES.get(change.source)
        entry = etree.Element("entry")
        if change.language:
            entry.set(XML_LANG, change.language)
        _text(entry, "id", entry_id(change.key))
        _text(entry, "title", f"{heading}: {title}")
        _text(entry, "updated", change.at.isoformat())
        _person(entry, "author", source.ministry if source else change.source, source.home if source else None)
        _text(entry, "content", next_line_as_newline(html)).set("type", "html")
        _link(entry, rel="alternate", type="text/html", hreflang=change.language, href=url)
        if archive:
            _link(entry, rel="related", type="application/atom+xml", title="The statement in the feed", href=archive)
        _text(entry, "summary", summary)
        doc_type = newer.get("type") or "statement"
        _category(entry, doc_type, TYPE_SCHEME, TYPE_NAMES.get(doc_type, doc_type))
        _category(entry, status, STATUS_SCHEME, label)
        _text(entry, "published", change.at.isoformat())
    except EntryError:
        raise
    except (ValueError, TypeError) as error:  # lxml refuses text XML cannot carry
        raise EntryError(f"not writable as XML: {error}") from None
    return Entry(change.key, change.at, _serialised(entry))


def document_head(spec: FeedSpec, options: FeedOptions, links: ArchiveLinks, self_path: str,
                  updated: datetime) -> bytes:
    """A document of a feed up to its first entry: XML declaration, stylesheet, the feed's
    elements (RFC 4287 §4.1.1, RFC 5005 links); :func:`assemble` adds the entries."""
    base = options.base_url.rstrip("/") + "/"
    home = spec.source.home_for(spec.language) if spec.source else base
    feed = etree.Element("feed", {"xmlns": ATOM}, nsmap={"fh": HISTORY})
    if spec.language:
        feed.set(XML_LANG, spec.language)
    _text(feed, "id", ID_PREFIX + "feed/" + self_path.removesuffix(".atom"))
    _text(feed, "title", clean_inline(spec.title) or spec.key)
    _text(feed, "updated", updated.isoformat())
    _person(feed, "author", spec.source.ministry if spec.source else "ministry-feeds", home)
    _link(feed, href=base + self_path, rel="self", type="application/atom+xml")
    _link(feed, href=home, rel="alternate", type="text/html")
    for rel, path in (("current", links.current), ("prev-archive", links.prev_archive),
                      ("next-archive", links.next_archive)):
        if path:
            _link(feed, href=base + path, rel=rel, type="application/atom+xml")
    _text(feed, "generator", "ministry-feeds").attrib.update({"uri": GENERATOR_URI, "version": __version__})
    if spec.source and spec.source.icon:
        _text(feed, "icon", spec.source.icon)
    _text(feed, "subtitle", clean_inline(spec.subtitle) or spec.key)
    if links.is_archive:
        etree.SubElement(feed, f"{{{HISTORY}}}archive")
    document = etree.tostring(feed, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return with_stylesheet(document, self_path).removesuffix(CLOSING)


def assemble(head: bytes, entries: Iterable[Entry]) -> bytes:
    """A whole document: its head, its entries' bytes in order, the closing tag."""
    return b"".join((head, *(entry.data for entry in entries), CLOSING))


def render_entries(spec: FeedSpec, entries: list[Entry], options: FeedOptions, links: ArchiveLinks,
                   self_path: str) -> bytes:
    """One document of a feed holding ``entries`` (newest first; at least one)."""
    if not entries:
        raise ValueError(f"{spec.key}: no entry could be written")
    updated = max(entry.updated for entry in entries)
    return assemble(document_head(spec, options, links, self_path, updated), entries)


def build_entries(spec: FeedSpec, docs: Iterable[dict], options: FeedOptions,
                  cache: dict[str, Entry | EntryError] | None = None) -> tuple[list[Entry], list[tuple[str, str]]]:
    """The entries of some statements, and (id, reason) of those that cannot be written (logged).
    ``cache`` (statement id → entry, or why there is none) lets the documents one statement
    stands in share its entry."""
    entries: list[Entry] = []
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
                found = cache[doc["id"]]
                if isinstance(found, EntryError):
                    raise found
                entry = found
            entries.append(entry)
        except EntryError as error:
            logger.warning("Feed %s: entry %s skipped: %s", spec.key, doc.get("id"), error)
            skipped.append((str(doc.get("id")), str(error)))
    return entries, skipped


def render(spec: FeedSpec, docs: list[dict], options: FeedOptions, links: ArchiveLinks,
           self_path: str, cache: dict[str, Entry | EntryError] | None = None) -> Rendered:
    """One Atom document of a feed, newest entry first. Raises ValueError when no entry is left.

    ``cache``: see :func:`build_entries`."""
    entries, skipped = build_entries(spec, docs, options, cache)
    return Rendered(render_entries(spec, entries, options, links, self_path), len(entries), skipped)


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
