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
from crawler.store import Selection
from feeds.atom import ArchiveLinks, FeedOptions, Rendered, render
from feeds.catalog import (
    FeedSpec,
    build_catalog,
    feed_keys_of,
    order_catalog,
    spec_for_key,
    spec_from_json,
    spec_to_json,
)
from feeds.dumps import publish_dumps
from feeds.index_page import index_inputs, render_index, static_files
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
    pending_max_attempts: int = 5


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

    @staticmethod
    def _last_catalog(state: dict[str, Any]) -> list[FeedSpec] | None:
        """The catalog the state file remembers; None when it has none this release can read."""
        try:
            return [spec_from_json(data) for data in state["catalog"]]
        except (KeyError, TypeError, ValueError):
            return None

    def _save_state(self, seq: int, catalog: list[FeedSpec]) -> None:
        state = {"change_seq": seq, "catalog": [spec_to_json(spec) for spec in catalog]}
        write_atomic(self.out / STATE_FILE, json.dumps(state, ensure_ascii=False).encode("utf-8"))

    # --- what changed -----------------------------------------------------------------------------
    def _affected(self, since: int) -> tuple[dict[str, set[str]], set[tuple[str, str, str]]]:
        """Feed key → months to render again, and (source, language, year) dumps to write again,
        from statements changed after ``since``."""
        affected: dict[str, set[str]] = defaultdict(set)
        years: set[tuple[str, str, str]] = set()
        changed = Selection(include_repeats=True, changed_after=since)
        for doc in self.store.documents(changed):
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
        affected, years = (None, None) if full else self._affected(int(state["change_seq"]))
        last = self._last_catalog(state) if affected is not None else None
        if affected is None or last is None:
            catalog = build_catalog(self.store)
        else:  # the last catalog, with the feeds that changed counted again
            specs = {spec.key: spec for spec in last}
            for key in affected:
                fresh = spec_for_key(self.store, key)
                if fresh is None:
                    specs.pop(key, None)
                else:
                    specs[key] = fresh
            catalog = order_catalog(specs.values())
        result.feeds = len(catalog)
        specs = [spec for spec in catalog if affected is None or spec.key in affected]
        for spec in specs:
            if not _SAFE_KEY.match(spec.key):
                logger.error("Feed %r not published: not a safe path", spec.key)
        specs = [spec for spec in specs if _SAFE_KEY.match(spec.key)]
        if affected is None:
            self._publish_all(specs, result)
        else:
            for spec in specs:
                self._guarded(spec, self._publish_subscription, spec, result)
                self._guarded(spec, self._publish_months, spec, affected[spec.key], result,
                              with_neighbours=True)
        result.written.extend(publish_dumps(self.store, self.out / "data", years))
        write_if_changed(self.out / "feeds.opml", render_opml(catalog, self.options.base_url), result,
                         "feeds.opml")
        for relative, data in static_files().items():
            write_if_changed(self.out / relative, data, result, relative)
        write_if_changed(self.out / "index.html",
                         render_index(catalog, index_inputs(self.store, self.options.pending_max_attempts)),
                         result, "index.html")
        self._save_state(seq, catalog)
        return result

    def _pages_of(self, spec: FeedSpec, month: str) -> list[ArchivePage]:
        """The archive pages of one month of a feed (none when the month is empty)."""
        count = self.store.count_in_month(spec.selection, month)
        return [ArchivePage(month, n) for n in range(1, math.ceil(count / self.options.archive_page) + 1)]

    @staticmethod
    def _guarded(spec: FeedSpec, method, *args, **kwargs) -> None:
        """A feed that cannot be published is logged; the others go on."""
        try:
            method(*args, **kwargs)
        except ValueError as error:
            logger.error("Feed %s not published: %s", spec.key, error)

    def _publish_all(self, specs: list[FeedSpec], result: PublishResult) -> None:
        """Every document of every feed, month by month across feeds, so that a statement's
        entry is built once for all the feeds it stands in."""
        months_of: dict[str, set[str]] = {}
        for spec in specs:
            self._guarded(spec, self._publish_subscription, spec, result)
            months_of[spec.key] = {month for month, _ in self.store.months(spec.selection)}
        for month in sorted(set().union(*months_of.values()) if months_of else ()):
            cache: dict = {}
            for spec in specs:
                if month in months_of[spec.key]:
                    self._guarded(spec, self._publish_months, spec, {month}, result, with_neighbours=False,
                                  cache=cache)

    def _publish_subscription(self, spec: FeedSpec, result: PublishResult) -> None:
        """The newest entries, prev-archive to the newest archive page."""
        newest_month = self.store.newest_month(spec.selection)
        pages = self._pages_of(spec, newest_month) if newest_month else []
        newest = list(self.store.documents(spec.selection, limit=self.options.entries))
        self._write(spec, newest, ArchiveLinks(prev_archive=pages[-1].path(spec.key) if pages else None),
                    spec.path, result, shrink=True)

    def _publish_months(self, spec: FeedSpec, months: set[str], result: PublishResult, *, with_neighbours: bool,
                        cache: dict | None = None) -> None:
        """The archive pages of some months of a feed, and with ``with_neighbours`` the facing pages of
        the months around them, whose links may have changed. Every query is a range of the
        feed's index: the work follows what changed, not the archive's size."""
        key = spec.key
        wanted = sorted(months)
        pages_by_month = {month: self._pages_of(spec, month) for month in wanted}
        # Each wanted month's neighbours in the chain: the nearest months before and after it.
        neighbours: dict[str, tuple[str | None, str | None]] = {}
        for month in wanted:
            before = self.store.neighbour_month(spec.selection, month, before=True)
            after = self.store.neighbour_month(spec.selection, month, before=False)
            neighbours[month] = (before, after)
            for other in (before, after):
                if other is not None and other not in pages_by_month:
                    pages_by_month[other] = self._pages_of(spec, other)
        to_render: dict[str, tuple[ArchivePage, str | None, str | None]] = {}
        for month in wanted:
            pages = pages_by_month[month]
            before, after = neighbours[month]
            previous_last = pages_by_month[before][-1] if before and pages_by_month.get(before) else None
            next_first = pages_by_month[after][0] if after and pages_by_month.get(after) else None
            chain = [previous_last, *pages, next_first]
            for i in range(1, len(chain) - 1):
                prev_page, page, next_page = chain[i - 1], chain[i], chain[i + 1]
                to_render[page.path(key)] = (page, prev_page and prev_page.path(key),
                                             next_page and next_page.path(key))
            # The neighbours' links to this month may have changed: render their facing pages.
            if with_neighbours and previous_last is not None and previous_last.path(key) not in to_render:
                prior = self.store.neighbour_month(spec.selection, before, before=True)
                prior_pages = self._pages_of(spec, prior) if prior else []
                inner = pages_by_month[before]
                prev_path = inner[-2].path(key) if len(inner) > 1 else \
                    (prior_pages[-1].path(key) if prior_pages else None)
                to_render[previous_last.path(key)] = (previous_last, prev_path, pages[0].path(key) if pages
                                                      else next_first and next_first.path(key))
            if with_neighbours and next_first is not None and next_first.path(key) not in to_render:
                later = self.store.neighbour_month(spec.selection, after, before=False)
                later_pages = self._pages_of(spec, later) if later else []
                inner = pages_by_month[after]
                next_path = inner[1].path(key) if len(inner) > 1 else \
                    (later_pages[0].path(key) if later_pages else None)
                to_render[next_first.path(key)] = (next_first, pages[-1].path(key) if pages
                                                   else previous_last and previous_last.path(key), next_path)
        month_docs: dict[str, list[dict]] = {}
        for path, (page, prev_path, next_path) in sorted(to_render.items()):
            if page.month not in month_docs:
                month_docs[page.month] = list(self.store.documents_in_month(spec.selection, page.month))
            size = self.options.archive_page
            chunk = month_docs[page.month][(page.number - 1) * size: page.number * size]
            chunk.reverse()  # newest first inside a document
            links = ArchiveLinks(is_archive=True, current=spec.path, prev_archive=prev_path, next_archive=next_path)
            self._write(spec, chunk, links, path, result, shrink=False, cache=cache)

    def _write(self, spec: FeedSpec, docs: list[dict], links: ArchiveLinks, path: str, result: PublishResult,
               shrink: bool, cache: dict | None = None) -> None:
        """Render, check, and write one document if it changed. A subscription document over the
        size limit loses its oldest entries (they are in the archive); an archive document keeps
        every entry and carries shorter contents instead."""
        if not docs:
            return
        options = self.options
        rendered = render(spec, docs, options, links, path, cache)
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
    """Write (or bring up to date) the public folder of an archive, from one consistent view of
    it (a crawl writing meanwhile is published next time)."""
    with store.snapshot():
        return Publisher(store, options).publish(full=full)
