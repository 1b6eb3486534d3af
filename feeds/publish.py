"""Publishing: the public folder, written from the archive.

For every feed of the catalog: a subscription document with the newest entries, and RFC 5005
archive documents — each month of the feed in pages of at most ``archive_page`` entries, oldest
page first, linked both ways — that together hold every entry the feed ever had. Then
``feeds.opml`` and ``index.html``.

Publishing is incremental: only feeds and months holding a statement changed since the last
publication (the archive's change sequence, remembered in ``.publish-state.json``) are
rendered again, and a file whose bytes did not change is not rewritten, so its modification
time and ETag stay. Every write is atomic; a document is checked before it replaces the old one,
and a feed left with no entry is never written. The JSON Lines dumps of ``data/`` follow the same
rules (see feeds.dumps).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from crawler.files import write_atomic
from feeds.atom import ArchiveLinks, FeedOptions, Rendered, render
from feeds.catalog import FeedSpec, build_catalog, feed_keys_of
from feeds.dumps import publish_dumps
from feeds.index_page import render_index
from feeds.opml import render_opml

if TYPE_CHECKING:
    from crawler.store import ArchiveStore

logger = logging.getLogger(__name__)

STATE_FILE = ".publish-state.json"
#: What a feed key may look like: path segments of letters, digits, "_" and "-" (no dots, so no
#: ".." and no hidden files, whatever the archive holds).
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")


@dataclass
class PublishOptions(FeedOptions):
    """Publishing settings (from the MF_PUBLIC_* and MF_FEED_* Scrapy settings)."""

    out_dir: Path = Path("public")
    entries: int = 50
    archive_page: int = 100


@dataclass
class PublishResult:
    """What a publication did."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    rendered: int = 0
    skipped_entries: list[tuple[str, str, str]] = field(default_factory=list)
    feeds: int = 0
    full: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"ok": True, "full": self.full, "feeds": self.feeds, "documents_rendered": self.rendered,
                "files_written": len(self.written), "files_unchanged": self.unchanged,
                "entries_skipped": [{"feed": f, "id": i, "reason": r} for f, i, r in self.skipped_entries]}


def write_if_changed(path: Path, data: bytes, result: PublishResult, relative: str) -> None:
    """Write atomically, only when the bytes differ from what is there."""
    try:
        if path.read_bytes() == data:
            result.unchanged += 1
            return
    except FileNotFoundError:
        pass
    write_atomic(path, data)
    result.written.append(relative)


def check_atom(data: bytes, where: str) -> None:
    """The document parses as XML, is an Atom feed with id, title, updated and entries."""
    root = etree.fromstring(data)
    ns = "{http://www.w3.org/2005/Atom}"
    if root.tag != f"{ns}feed":
        raise ValueError(f"{where}: not an Atom feed")
    for name in ("id", "title", "updated"):
        if root.find(f"{ns}{name}") is None:
            raise ValueError(f"{where}: no {name}")
    entries = root.findall(f"{ns}entry")
    if not entries:
        raise ValueError(f"{where}: no entries")
    ids = [entry.findtext(f"{ns}id") for entry in entries]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{where}: duplicate entry ids")


@dataclass(frozen=True)
class ArchivePage:
    """One archive document of a feed: a month, or a part of one."""

    month: str
    number: int

    def path(self, key: str) -> str:
        suffix = "" if self.number == 1 else f"-p{self.number}"
        return f"{key}/archive/{self.month}{suffix}.atom"


class Publisher:
    """Renders the public folder of one archive."""

    def __init__(self, store: ArchiveStore, options: PublishOptions) -> None:
        self.store = store
        self.options = options
        self.out = Path(options.out_dir)

    # --- state -----------------------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        try:
            return json.loads((self.out / STATE_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _save_state(self, seq: int) -> None:
        write_atomic(self.out / STATE_FILE, json.dumps({"change_seq": seq}).encode("utf-8"))

    # --- what changed -----------------------------------------------------------------------------
    def _affected(self, since: int) -> tuple[dict[str, set[str]], set[tuple[str, str, str]]]:
        """Feed key → months to render again, and (source, language, year) dumps to write again,
        from statements changed after ``since``."""
        affected: dict[str, set[str]] = defaultdict(set)
        years: set[tuple[str, str, str]] = set()
        for doc in self.store.documents("change_seq > ?", (since,), include_repeats=True):
            shapes = [doc, *self.store.versions(doc["id"])]  # old months, types and tags too
            for shape in shapes:
                years.add((shape["source"], shape["language"], shape["published"][:4]))
                for key in feed_keys_of(shape):
                    affected[key].add(shape["published"][:7])
        return affected, years

    # --- rendering ----------------------------------------------------------------------------------
    def publish(self, full: bool = False) -> PublishResult:
        seq = self.store.change_seq()
        state = self._state()
        full = full or "change_seq" not in state
        result = PublishResult(full=full)
        catalog = build_catalog(self.store)
        result.feeds = len(catalog)
        affected, years = (None, None) if full else self._affected(int(state["change_seq"]))
        for spec in catalog:
            if affected is not None and spec.key not in affected:
                continue
            if not _SAFE_KEY.match(spec.key):
                logger.error("Feed %r not published: not a safe path", spec.key)
                continue
            try:
                self._publish_feed(spec, None if affected is None else affected[spec.key], result)
            except ValueError as error:
                logger.error("Feed %s not published: %s", spec.key, error)
        result.written.extend(publish_dumps(self.store, self.out / "data", years))
        write_if_changed(self.out / "feeds.opml", render_opml(catalog, self.options.base_url), result,
                         "feeds.opml")
        write_if_changed(self.out / "index.html",
                         render_index(catalog, self.store.health(), self.options.base_url), result,
                         "index.html")
        self._save_state(seq)
        return result

    def _publish_feed(self, spec: FeedSpec, months: set[str] | None, result: PublishResult) -> None:
        all_months = self.store.months(spec.where, spec.params)
        pages: list[ArchivePage] = []
        month_pages: dict[str, list[ArchivePage]] = {}
        for month, count in all_months:
            month_pages[month] = [ArchivePage(month, n)
                                  for n in range(1, max(1, math.ceil(count / self.options.archive_page)) + 1)]
            pages.extend(month_pages[month])
        chain = [page.path(spec.key) for page in pages]
        # Subscription document: the newest entries, prev-archive to the newest archive page.
        newest = list(self.store.documents(spec.where, spec.params, limit=self.options.entries))
        self._write(spec, newest, ArchiveLinks(prev_archive=chain[-1] if chain else None), spec.path,
                    result, shrink=True)
        # Archive documents of the changed months, and their neighbours (their links may change).
        wanted = set(month_pages) if months is None else set(months)
        positions = {path: n for n, path in enumerate(chain)}
        to_render: set[int] = set()
        for month in wanted & set(month_pages):
            for page in month_pages[month]:
                index = positions[page.path(spec.key)]
                to_render.update(i for i in (index - 1, index, index + 1) if 0 <= i < len(chain))
        for index in sorted(to_render):
            page = pages[index]
            docs = list(self.store.documents(
                f"({spec.where}) AND substr(published, 1, 7) = ?", (*spec.params, page.month),
                oldest_first=True))
            size = self.options.archive_page
            chunk = docs[(page.number - 1) * size: page.number * size]
            chunk.reverse()  # newest first inside a document
            links = ArchiveLinks(is_archive=True, current=spec.path,
                                 prev_archive=chain[index - 1] if index > 0 else None,
                                 next_archive=chain[index + 1] if index + 1 < len(chain) else None)
            self._write(spec, chunk, links, chain[index], result, shrink=False)

    def _write(self, spec: FeedSpec, docs: list[dict], links: ArchiveLinks, path: str, result: PublishResult,
               shrink: bool) -> None:
        """Render, check, and write one document if it changed. A subscription document over the
        size limit loses its oldest entries (they are in the archive); an archive document keeps
        every entry and carries shorter contents instead."""
        if not docs:
            return
        options = self.options
        rendered = render(spec, docs, options, links, path)
        while len(rendered.data) > options.max_bytes:
            if shrink and len(docs) > 1:
                docs = docs[: max(1, int(len(docs) * options.max_bytes / len(rendered.data) * 0.9))]
                rendered = render(spec, docs, options, links, path)
            else:
                smaller = FeedOptions(options.base_url, max(1000, options.max_content_chars // 2), options.max_bytes)
                if smaller.max_content_chars == options.max_content_chars:
                    raise ValueError(f"{path}: over {options.max_bytes} bytes however short its entries")
                options = PublishOptions(**{**options.__dict__, "max_content_chars": smaller.max_content_chars})
                rendered = render(spec, docs, options, links, path)
        self._record(spec, rendered, path, result)

    def _record(self, spec: FeedSpec, rendered: Rendered, path: str, result: PublishResult) -> None:
        check_atom(rendered.data, path)
        result.rendered += 1
        result.skipped_entries.extend((spec.key, doc_id, reason) for doc_id, reason in rendered.skipped)
        write_if_changed(self.out / path, rendered.data, result, path)


def publish(store: ArchiveStore, options: PublishOptions, full: bool = False) -> PublishResult:
    """Write (or bring up to date) the public folder of an archive."""
    return Publisher(store, options).publish(full=full)
