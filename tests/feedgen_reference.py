"""The reference for feeds.atom's bytes: the same documents written by feedgen 1.0, as the
project wrote them before it serialised each entry once (an entry per document it stands in,
feedgen's ``FeedEntry`` and ``FeedGenerator``, two feedgen extensions for what it cannot write).

The field values come from feeds.atom (title, content, summary, times): what is compared is how
the document is written, so a change of content rules needs no change here.
"""

from __future__ import annotations

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedEntry, FeedGenerator
from lxml import etree

from crawler import __version__
from crawler.normalise.dates import parse_timestamp
from crawler.normalise.text import clean_inline
from crawler.sources import SOURCES
from feeds.atom import (
    HISTORY,
    ID_PREFIX,
    STATUS_SCHEME,
    TAG_SCHEME,
    TYPE_SCHEME,
    ArchiveLinks,
    EntryError,
    FeedOptions,
    Rendered,
    _content,
    _summary,
    entry_id,
    entry_updated,
    with_stylesheet,
)
from feeds.catalog import TYPE_NAMES, FeedSpec, language_name


class _EntryExtras(BaseEntryExtension):
    """``xml:lang`` and links with ``rel``, ``type`` and ``hreflang`` (feedgen's entry links lose
    every attribute but ``href``)."""

    def __init__(self) -> None:
        self.lang: str | None = None
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        if self.lang:
            entry.set("{http://www.w3.org/XML/1998/namespace}lang", self.lang)
        anchor = entry.find("summary")
        for link in self.links:
            element = etree.Element("link", {k: v for k, v in link.items() if v})
            if anchor is not None:
                anchor.addprevious(element)
            else:
                entry.append(element)
        return entry


class _History(BaseExtension):
    """RFC 5005's ``fh:archive``."""

    def __init__(self) -> None:
        self.archive = False

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY}

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        if self.archive:
            feed.append(etree.Element(f"{{{HISTORY}}}archive"))
        return feed


def feedgen_entry(doc: dict, options: FeedOptions) -> FeedEntry:
    """A statement as feedgen's entry; EntryError when it cannot be written."""
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
        entry.atom_entry()
    except (ValueError, TypeError) as error:
        raise EntryError(f"not writable as XML: {error}") from None
    return entry


def feedgen_render(spec: FeedSpec, docs: list[dict], options: FeedOptions, links: ArchiveLinks,
                   self_path: str) -> Rendered:
    """One document of a feed as feedgen writes it. Raises ValueError when no entry is left."""
    entries = []
    skipped = []
    for doc in docs:
        try:
            entries.append((entry_updated(doc), feedgen_entry(doc, options)))
        except EntryError as error:
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
    feed.author({"name": spec.source.ministry if spec.source else "ministry-feeds", "uri": home})
    feed.generator("ministry-feeds", version=__version__, uri="https://github.com/ministry-feeds/ministry-feeds")
    if spec.source and spec.source.icon:
        feed.icon(spec.source.icon)
    feed.mfhistory.archive = links.is_archive
    for _, entry in entries:
        feed.add_entry(entry, order="append")
    return Rendered(with_stylesheet(feed.atom_str(pretty=True, encoding="UTF-8"), self_path), len(entries), skipped)
