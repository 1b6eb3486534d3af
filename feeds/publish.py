"""Publishing: the public folder, written from the archive.

For every feed of the catalog: a subscription document with the newest entries, and RFC 5005
archive documents — each month of the feed in pages of at most ``archive_page`` entries, oldest
page first, linked both ways — that together hold every entry the feed ever had. Then
``feeds.opml`` and ``index.html``, and the JSON Lines dumps of ``data/`` (see feeds.dumps).

How a publication goes:

- **What to render.** Each feed's archive pages form one chain (:class:`Chain`), built once: from
  the month counts of every feed (a full publication, two queries for the whole catalog), or, in
  an incremental one, from the months holding a statement changed since the last publication
  (the archive's change sequence) and the months around them. The pages of the changed months
  are rendered, with the facing pages of their neighbours, whose links may have changed.
- **Streaming.** The statements of the months to render are read once, month by month and
  language by language, newest first; each statement's entry is built once and its bytes stand
  in every document it belongs to. Entries wait for the rest of their page in a buffer of
  ``buffer_bytes``, then in a temporary file: memory does not follow the size of a month.
- **Writing.** A document is assembled from parts lxml serialised (its head, its entries), with
  at least one entry and no id twice; a feed left with no entry is never written. A file whose
  bytes did not change is not rewritten, so its modification time and ETag stay. Every write is
  atomic (beside the target, then renamed); the files written are flushed to disk together at the
  end, before the state records the publication done.
- **Edits feeds.** Each source and language's ``edits.atom`` (feeds.edits) is read from the
  archive's log of versions and removals, its archive documents by the month a change was found;
  a document is rendered again when the entries it should hold are not those its file holds.
- **State.** ``.publish-state.json`` remembers the change sequence published, the catalog, the
  settings the documents depend on and whether the last publication finished ("in progress" is
  recorded before the first write, "done" after the last). A publication renders everything
  again (:meth:`Publisher.full_reason`) when the last one did not finish, when those settings or
  the release changed, when the archive's change sequence went back (an archive restored from
  an older copy), or when there is no state it can read; it then first deletes the temporary
  files a killed publication left.
"""

from __future__ import annotations

import json
import logging
import math
import re
import tempfile
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from crawler import __version__
from crawler.files import remove_leftovers, sync_folder, write_atomic
from crawler.store import Selection
from feeds.atom import (
    ATOM,
    HISTORY,
    ArchiveLinks,
    Entry,
    EntryError,
    FeedOptions,
    build_change_entry,
    build_entry,
    entry_id,
    render_entries,
    statement_archive_url,
)
from feeds.catalog import (
    FeedSpec,
    all_key,
    build_catalog,
    feed_keys_of,
    order_catalog,
    source_key,
    spec_for_key,
    spec_from_json,
    spec_to_json,
    tag_key,
    type_key,
)
from feeds.dumps import publish_dumps
from feeds.edits import change_versions, last_site_edit, site_changes
from feeds.index_page import index_inputs, render_index, static_files
from feeds.opml import render_opml

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.store import ArchiveStore
    from feeds.edits import SiteChange

logger = logging.getLogger(__name__)

STATE_FILE = ".publish-state.json"
#: The state file's layout; a state of another layout (an older release's) is not trusted.
STATE_FORMAT = 2
#: What a feed key may look like: path segments of letters, digits, "_" and "-" (no dots, so no
#: ".." and no hidden files, whatever the archive holds).
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: The options every document's bytes depend on, with the settings they come from.
FEED_SETTINGS = {"base_url": "MF_PUBLIC_BASE_URL", "entries": "MF_FEED_ENTRIES",
                 "archive_page": "MF_FEED_ARCHIVE_PAGE", "max_bytes": "MF_FEED_MAX_BYTES",
                 "max_content_chars": "MF_FEED_MAX_CONTENT_CHARS"}


@dataclass
class PublishOptions(FeedOptions):
    """Publishing settings (from the MF_PUBLIC_*, MF_FEED_* and MF_PUBLISH_* Scrapy settings)."""

    out_dir: Path = Path("public")
    entries: int = 50
    archive_page: int = 100
    pending_max_attempts: int = 5
    buffer_bytes: int = 8 * 1024 * 1024
    """Entries waiting for the rest of their archive page are kept in memory up to this many
    bytes, and beyond it in a temporary file (``MF_PUBLISH_BUFFER_BYTES``)."""

    def feed_settings(self) -> dict[str, Any]:
        """The options the documents' bytes depend on (see :data:`FEED_SETTINGS`)."""
        return {name: getattr(self, name) for name in FEED_SETTINGS}


@dataclass
class PublishResult:
    """What a publication did."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    rendered: int = 0
    skipped_entries: list[tuple[str, str, str]] = field(default_factory=list)
    feeds: int = 0
    full: bool = False
    full_reason: str | None = None
    """Why everything was rendered again (None: an incremental publication)."""
    leftovers_removed: int = 0
    """Temporary files of a killed publication deleted."""

    def as_dict(self) -> dict[str, Any]:
        return {"ok": True, "full": self.full, "full_reason": self.full_reason, "feeds": self.feeds,
                "documents_rendered": self.rendered, "files_written": len(self.written),
                "files_unchanged": self.unchanged, "leftovers_removed": self.leftovers_removed,
                "entries_skipped": [{"feed": f, "id": i, "reason": r} for f, i, r in self.skipped_entries]}


def write_if_changed(path: Path, data: bytes, result: PublishResult, relative: str) -> None:
    """Write atomically, only when the bytes differ from what is there. Not flushed to disk:
    the publication flushes everything it wrote at the end."""
    try:
        if path.read_bytes() == data:
            result.unchanged += 1
            return
    except FileNotFoundError:
        pass
    write_atomic(path, data, fsync=False)
    result.written.append(relative)


@dataclass(frozen=True, order=True)
class ArchivePage:
    """One archive document of a feed: a month, or a part of one."""

    month: str
    number: int

    def path(self, key: str) -> str:
        suffix = "" if self.number == 1 else f"-p{self.number}"
        return f"{key}/archive/{self.month}{suffix}.atom"


class Chain:
    """The RFC 5005 chain of one feed's archive documents: its months with statements, oldest
    first, each in pages of ``size`` statements (page 1 the oldest).

    ``months`` holds every month of the feed (:meth:`complete`), or those around some months
    (:meth:`around`): there, months next to each other are next to each other in the feed, as
    far as the pages to render need to know."""

    def __init__(self, key: str, size: int, months: dict[str, int]) -> None:
        self.key = key
        self.size = size
        # A statement whose publication time is not ISO 8601 has no month (nor an entry).
        self.months = {month: count for month, count in sorted(months.items()) if count > 0 and _MONTH.match(month)}
        self.pages = [ArchivePage(month, number) for month, count in self.months.items()
                      for number in range(1, math.ceil(count / size) + 1)]
        self._index = {page: index for index, page in enumerate(self.pages)}

    @classmethod
    def around(cls, store: ArchiveStore, spec: FeedSpec, size: int, changed: Iterable[str]) -> Chain:
        """The chain as far as the changed months, two months on each side of them (the facing
        pages of the neighbours, and their own links) and the newest month reach: a few indexed
        queries per changed month, whatever the feed's size."""
        months: dict[str, int] = {}

        def add(month: str | None) -> str | None:
            if month is not None and month not in months:
                months[month] = store.count_in_month(spec.selection, month)
            return month

        for month in changed:
            add(month)
            for before in (True, False):
                near = add(store.neighbour_month(spec.selection, month, before=before))
                if near is not None:
                    add(store.neighbour_month(spec.selection, near, before=before))
        add(store.newest_month(spec.selection))
        return cls(spec.key, size, months)

    def newest(self) -> ArchivePage | None:
        """The newest archive page: the subscription document's prev-archive."""
        return self.pages[-1] if self.pages else None

    def links(self, page: ArchivePage, current: str) -> ArchiveLinks:
        index = self._index[page]
        before = self.pages[index - 1] if index else None
        after = self.pages[index + 1] if index + 1 < len(self.pages) else None
        return ArchiveLinks(is_archive=True, current=current, prev_archive=before and before.path(self.key),
                            next_archive=after and after.path(self.key))

    def to_render(self, changed: Iterable[str] | None) -> list[ArchivePage]:
        """The pages to render: every page (``changed`` None), or those of the changed months
        and the facing pages of the months around each (whose links may have changed)."""
        if changed is None:
            return list(self.pages)
        wanted: set[ArchivePage] = set()
        for month in changed:
            inside = [page for page in self.pages if page.month == month]
            wanted.update(inside)
            # The facing pages: the last page before the month, the first after it (the month
            # may have no page left: then these two face each other).
            first = next((index for index, page in enumerate(self.pages) if page.month > month), len(self.pages))
            last_before = (self._index[inside[0]] if inside else first) - 1
            if last_before >= 0:
                wanted.add(self.pages[last_before])
            if first < len(self.pages):
                wanted.add(self.pages[first])
        return sorted(wanted)


@dataclass
class _Held:
    """An entry waiting in the buffer for the rest of its page: where its bytes are."""

    doc_id: str
    updated: Any
    offset: int
    length: int


class _Buffer:
    """Entry bytes waiting for the rest of their archive page: in memory up to ``limit`` bytes,
    then in an unnamed temporary file (tempfile.SpooledTemporaryFile); emptied between months."""

    def __init__(self, limit: int) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=limit)  # noqa: SIM115 (closed by close())
        self.end = 0

    def hold(self, entry: Entry) -> _Held:
        self.file.seek(self.end)
        self.file.write(entry.data)
        held = _Held(entry.doc_id, entry.updated, self.end, len(entry.data))
        self.end += held.length
        return held

    def entry(self, held: _Held) -> Entry:
        self.file.seek(held.offset)
        return Entry(held.doc_id, held.updated, self.file.read(held.length))

    def clear(self) -> None:
        self.file.seek(0)
        self.file.truncate()
        self.end = 0

    def close(self) -> None:
        self.file.close()


class _EntryCache:
    """Built entries by statement id, the most recently used kept up to ``limit`` bytes: the
    subscription documents of a language share most of their newest statements."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[str, Entry | EntryError] = OrderedDict()

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.items

    def __getitem__(self, doc_id: str) -> Entry | EntryError:
        self.items.move_to_end(doc_id)
        return self.items[doc_id]

    def __setitem__(self, doc_id: str, entry: Entry | EntryError) -> None:
        self.items[doc_id] = entry
        self.size += len(entry.data) if isinstance(entry, Entry) else 0
        while self.size > self.limit and len(self.items) > 1:
            _, dropped = self.items.popitem(last=False)
            self.size -= len(dropped.data) if isinstance(dropped, Entry) else 0


@dataclass
class _Plan:
    """What one publication renders of one feed: archive pages, and its subscription document
    (``newest``: its entries gathered while the months are read, newest first, when every month
    is read; None when it is read on its own)."""

    spec: FeedSpec
    chain: Chain
    pages: list[ArchivePage]
    newest: list[tuple[str, _Held | EntryError]] | None = None


@dataclass
class _MonthWork:
    """One feed's part of the month being read: how many of its statements the month holds, how
    many came so far (newest first), and the entries of its pages to render."""

    plan: _Plan
    month: str
    count: int
    wanted: set[int]
    arrived: int = 0
    held: dict[int, list[tuple[str, _Held | EntryError]]] = field(default_factory=lambda: defaultdict(list))


class _Statement:
    """One statement being read: its entry built once, its bytes held once in each buffer that
    needs them."""

    def __init__(self, doc: dict, options: PublishOptions, store: ArchiveStore) -> None:
        self.doc = doc
        self.options = options
        self.store = store
        self.built: Entry | EntryError | None = None
        self.held: dict[_Buffer, _Held | EntryError] = {}

    def held_in(self, buffer: _Buffer) -> tuple[str, _Held | EntryError]:
        if self.built is None:
            try:
                self.built = build_entry(self.doc, self.options, last_site_edit(self.store, self.doc))
            except EntryError as error:
                self.built = error
        if buffer not in self.held:
            self.held[buffer] = buffer.hold(self.built) if isinstance(self.built, Entry) else self.built
        return self.doc["id"], self.held[buffer]


class Publisher:
    """Renders the public folder of one archive."""

    def __init__(self, store: ArchiveStore, options: PublishOptions) -> None:
        self.store = store
        self.options = options
        self.out = Path(options.out_dir)

    # --- state -----------------------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        try:
            state = json.loads((self.out / STATE_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return state if isinstance(state, dict) else {}

    @staticmethod
    def _last_catalog(state: dict[str, Any]) -> list[FeedSpec] | None:
        """The catalog the state file remembers; None when it has none this release can read."""
        try:
            return [spec_from_json(data) for data in state["catalog"]]
        except (KeyError, TypeError, ValueError):
            return None

    def _save_state(self, status: str, seq: int | None = None, catalog: list[FeedSpec] | None = None) -> None:
        """Record the publication ``in progress`` (before its first write) or ``done`` (after
        its last, with the change sequence and catalog published). Flushed to disk."""
        state: dict[str, Any] = {"format": STATE_FORMAT, "status": status, "release": __version__,
                                 "settings": self.options.feed_settings()}
        if status == "done":
            state.update(change_seq=seq, catalog=[spec_to_json(spec) for spec in catalog or []])
        write_atomic(self.out / STATE_FILE, json.dumps(state, ensure_ascii=False).encode("utf-8"))

    def full_reason(self, state: dict[str, Any], seq: int) -> str | None:
        """Why the last publication's state cannot be built on (everything must be rendered
        again), or None."""
        if not state:
            return "no publication state (a first publication, or its state file is unreadable)"
        if state.get("format") != STATE_FORMAT:
            return "the publication state was written by an older release"
        if state.get("status") != "done":
            return "the last publication did not finish"
        if state.get("release") != __version__:
            return f"the last publication was made by release {state.get('release')}, this is {__version__}"
        settings = state.get("settings") if isinstance(state.get("settings"), dict) else {}
        changed = [f"{setting} ({settings.get(name)!r} → {value!r})" for name, setting in FEED_SETTINGS.items()
                   if (value := getattr(self.options, name)) != settings.get(name)]
        if changed:
            return f"{', '.join(changed)} changed"
        published = state.get("change_seq")
        if not isinstance(published, int):
            return "the publication state holds no change sequence"
        if seq < published:
            return (f"the archive's change sequence went back ({published} published, {seq} now): an archive "
                    "restored from an older copy?")
        if self._last_catalog(state) is None:
            return "the publication state holds no catalog this release can read"
        return None

    # --- what changed -----------------------------------------------------------------------------
    def _affected(self, since: int) -> tuple[dict[str, set[str]], set[tuple[str, str, str]]]:
        """Feed key → months to render again, and (source, language, year) dumps to write again,
        from statements changed after ``since``: where they are now and where each of their
        versions was (their old months, types and tags)."""
        affected: dict[str, set[str]] = defaultdict(set)
        years: set[tuple[str, str, str]] = set()
        changed = Selection(include_repeats=True, changed_after=since)
        for shape in (*self.store.documents(changed), *self.store.version_records(changed)):
            years.add((shape["source"], shape["language"], shape["published"][:4]))
            for key in feed_keys_of(shape):
                affected[key].add(shape["published"][:7])
        return affected, years

    def _catalog(self, state: dict[str, Any], affected: dict[str, set[str]] | None) -> list[FeedSpec]:
        last = self._last_catalog(state) if affected is not None else None
        if affected is None or last is None:
            return build_catalog(self.store)
        specs = {spec.key: spec for spec in last}  # the last catalog, the feeds that changed counted again
        for key in affected:
            fresh = spec_for_key(self.store, key)
            if fresh is None:
                specs.pop(key, None)
            else:
                specs[key] = fresh
        return order_catalog(specs.values())

    def _month_counts(self) -> dict[str, dict[str, int]]:
        """Feed key → month → statements, for every feed at once (two grouped queries)."""
        months: dict[str, Counter[str]] = defaultdict(Counter)
        everything = Selection()
        for (source, language, doc_type, month), count in self.store.counts_by(
                everything, "source", "language", "type", "month").items():
            for key in (all_key(language), source_key(source, language), type_key(source, language, doc_type)):
                months[key][month] += count
        for (slug, source, language, month), count in self.store.tag_counts_by(
                everything, "source", "language", "month").items():
            months[tag_key(source, language, slug)][month] += count
        return months

    # --- rendering ----------------------------------------------------------------------------------
    def publish(self, full: bool = False) -> PublishResult:
        seq = self.store.change_seq()
        state = self._state()
        reason = "asked for (--full)" if full else self.full_reason(state, seq)
        result = PublishResult(full=reason is not None, full_reason=reason)
        if reason is not None:
            logger.info("Publishing everything: %s", reason)
            result.leftovers_removed = len(remove_leftovers(self.out)) if self.out.exists() else 0
            if result.leftovers_removed:
                logger.info("Removed %d temporary files a killed publication left", result.leftovers_removed)
        self._save_state("in progress")
        affected, years = (None, None) if reason is not None else self._affected(int(state["change_seq"]))
        catalog = self._catalog(state, affected)
        result.feeds = len(catalog)
        self._publish_edits(catalog, affected, result)
        specs = [spec for spec in catalog if spec.kind != "edits" and (affected is None or spec.key in affected)]
        for spec in specs:
            if not _SAFE_KEY.match(spec.key):
                logger.error("Feed %s not published: not a safe path", spec.key)
        specs = [spec for spec in specs if _SAFE_KEY.match(spec.key)]
        size = self.options.archive_page
        plans: list[_Plan] = []
        counts = self._month_counts() if affected is None else {}
        for spec in specs:
            if affected is None:
                chain = Chain(spec.key, size, counts.get(spec.key, {}))
                plans.append(_Plan(spec, chain, chain.to_render(None)))
            else:
                changed = {month for month in affected[spec.key] if _MONTH.match(month)}
                chain = Chain.around(self.store, spec, size, changed)
                plans.append(_Plan(spec, chain, chain.to_render(changed)))
        if affected is not None:  # a few feeds: their newest statements read on their own
            self._publish_subscriptions(plans, result)
        else:  # every feed: its newest statements gathered while its newest months are read
            for plan in plans:
                plan.newest = []
        self._publish_archive_pages(plans, result)
        result.written.extend(publish_dumps(self.store, self.out / "data", years))
        write_if_changed(self.out / "feeds.opml", render_opml(catalog, self.options.base_url), result,
                         "feeds.opml")
        for relative, data in static_files().items():
            write_if_changed(self.out / relative, data, result, relative)
        write_if_changed(self.out / "index.html",
                         render_index(catalog, index_inputs(self.store, self.options.pending_max_attempts)),
                         result, "index.html")
        if result.written:
            sync_folder(self.out)
        self._save_state("done", seq, catalog)
        return result

    def _publish_subscriptions(self, plans: list[_Plan], result: PublishResult) -> None:
        """The newest entries of each feed, prev-archive to its newest archive page. Feeds of one
        language in turn, the broadest first, so that they share their entries."""
        kinds = {"all": 0, "source": 1, "type": 2, "tag": 3}
        cache = _EntryCache(self.options.buffer_bytes // 2)
        for plan in sorted(plans, key=lambda p: (p.spec.language, kinds.get(p.spec.kind, 4), p.spec.key)):
            spec = plan.spec
            docs = list(self.store.documents(spec.selection, limit=self.options.entries))
            if not docs:
                continue
            newest = plan.chain.newest()
            links = ArchiveLinks(prev_archive=newest.path(spec.key) if newest else None)
            built: list[Entry | EntryError] = []
            for doc in docs:
                if doc["id"] not in cache:
                    try:
                        cache[doc["id"]] = build_entry(doc, self.options, last_site_edit(self.store, doc))
                    except EntryError as error:
                        cache[doc["id"]] = error
                built.append(cache[doc["id"]])
            self._write(spec, list(zip((doc["id"] for doc in docs), built, strict=True)), links, spec.path,
                        result, subscription=True, docs=docs)

    def _publish_edits(self, catalog: list[FeedSpec], affected: dict[str, set[str]] | None,
                       result: PublishResult) -> None:
        """The edits feeds (feeds.edits) of the sources and languages whose statements changed:
        each one's changes newest first in its subscription document, and by the month they were
        found in archive documents (a :class:`Chain`). A document is rendered when the entries it
        should hold differ from those its published file holds (:func:`_entries_held`), and in a
        full publication; entries are built from the two versions each change is about."""
        size = self.options.archive_page
        for spec in catalog:
            if spec.kind != "edits" or (affected is not None and spec.key not in affected):
                continue
            if not _SAFE_KEY.match(spec.key):
                logger.error("Feed %s not published: not a safe path", spec.key)
                continue
            changes = site_changes(self.store, spec.selection)
            built: dict[str, Entry | EntryError] = {}  # the newest changes stand in two documents: built once
            chain = Chain(spec.key, size, Counter(change.month for change in changes))
            by_month: dict[str, list[SiteChange]] = defaultdict(list)
            for change in reversed(changes):  # oldest first
                by_month[change.month].append(change)
            newest = chain.newest()
            documents = [(spec.path, changes[: self.options.entries],
                          ArchiveLinks(prev_archive=newest.path(spec.key) if newest else None))]
            for page in chain.pages:
                inside = by_month[page.month][(page.number - 1) * size: page.number * size]
                documents.append((page.path(spec.key), inside[::-1], chain.links(page, spec.path)))
            for path, held, links in documents:
                expected = [(entry_id(change.key), change.at.isoformat(),
                             statement_archive_url(change, self.options.base_url)) for change in held]
                if affected is not None and _entries_held(self.out / path, self.options.base_url) == (
                        expected, links):
                    continue
                entries: list[tuple[str, Entry | EntryError]] = []
                for change in held:
                    entry = built.get(change.key)
                    if entry is None:
                        try:
                            entry = build_change_entry(change, *change_versions(self.store, change), self.options)
                        except EntryError as error:
                            entry = error
                        if path == spec.path:
                            built[change.key] = entry
                    entries.append((change.key, entry))
                self._write(spec, entries, links, path, result, subscription=path == spec.path)

    def _publish_archive_pages(self, plans: list[_Plan], result: PublishResult) -> None:
        """Every page the plans name (and the subscription documents they gather), from one
        reading of the months they are in: each language's statements month by month, newest
        first, each entry built once for every document it stands in."""
        wanted: dict[str, dict[str, list[tuple[_Plan, set[int]]]]] = defaultdict(lambda: defaultdict(list))
        for plan in plans:
            by_month: dict[str, set[int]] = defaultdict(set)
            for page in plan.pages:
                by_month[page.month].add(page.number)
            for month, numbers in by_month.items():
                wanted[plan.spec.language][month].append((plan, numbers))
        pages, newest = _Buffer(self.options.buffer_bytes // 2), _Buffer(self.options.buffer_bytes // 2)
        try:
            for language in sorted(wanted):
                gathering = {plan.spec.key: plan for plan in plans
                             if plan.spec.language == language and plan.newest is not None}
                for month in sorted(wanted[language], reverse=True):
                    self._publish_month(language, month, wanted[language][month], gathering, pages, newest, result)
                    pages.clear()
                for plan in gathering.values():
                    self._write_subscription(plan, newest, result)
                newest.clear()
        finally:
            pages.close()
            newest.close()

    def _publish_month(self, language: str, month: str, feeds: list[tuple[_Plan, set[int]]],
                       gathering: dict[str, _Plan], pages: _Buffer, newest: _Buffer, result: PublishResult) -> None:
        size, entries = self.options.archive_page, self.options.entries
        work = {plan.spec.key: _MonthWork(plan, month, plan.chain.months.get(month, 0), numbers)
                for plan, numbers in feeds}
        for doc in self.store.documents_in_month(Selection(language=language), month, oldest_first=False):
            statement = _Statement(doc, self.options, self.store)
            for key in feed_keys_of(doc):
                plan = gathering.get(key)
                if plan is not None and plan.newest is not None and len(plan.newest) < entries:
                    plan.newest.append(statement.held_in(newest))
                    if len(plan.newest) == entries:
                        self._write_subscription(plan, newest, result)
                part = work.get(key)
                if part is None:
                    continue
                index = part.count - 1 - part.arrived  # its place in the month, oldest first
                part.arrived += 1
                number = index // size + 1
                if index < 0 or number not in part.wanted:
                    continue
                part.held[number].append(statement.held_in(pages))
                if index == (number - 1) * size:  # the page's oldest statement: it is complete
                    self._write_page(part, number, pages, result)
        for part in work.values():
            if part.arrived != part.count:
                logger.error("Feed %s, %s: %d statements read, %d counted", part.plan.spec.key, month,
                             part.arrived, part.count)
            for number in sorted(part.held):
                self._write_page(part, number, pages, result)

    def _write_subscription(self, plan: _Plan, buffer: _Buffer, result: PublishResult) -> None:
        """The subscription document of the entries a reading gathered (once per feed)."""
        if not plan.newest:
            return
        held, plan.newest = plan.newest, None
        entries = [(doc_id, buffer.entry(item) if isinstance(item, _Held) else item) for doc_id, item in held]
        newest = plan.chain.newest()
        links = ArchiveLinks(prev_archive=newest.path(plan.spec.key) if newest else None)
        self._write(plan.spec, entries, links, plan.spec.path, result, subscription=True)

    def _write_page(self, part: _MonthWork, number: int, buffer: _Buffer, result: PublishResult) -> None:
        held = part.held.pop(number, [])
        if not held:
            return
        plan, page = part.plan, ArchivePage(part.month, number)
        entries = [(doc_id, buffer.entry(item) if isinstance(item, _Held) else item) for doc_id, item in held]
        self._write(plan.spec, entries, plan.chain.links(page, plan.spec.path), page.path(plan.spec.key), result)

    def _write(self, spec: FeedSpec, entries: list[tuple[str, Entry | EntryError]], links: ArchiveLinks, path: str,
               result: PublishResult, *, subscription: bool = False, docs: list[dict] | None = None) -> None:
        """Write one document if it changed: ``entries`` are its statements' (id, entry or why
        there is none), newest first; ``docs`` those statements, when the caller holds them. A
        subscription document over the size limit loses its oldest entries (they are in the
        archive); an archive document keeps every entry and carries shorter contents instead. A
        document that cannot be written is logged, and the others go on."""
        try:
            data, entries = self._fit(spec, entries, links, path, subscription, docs)
        except ValueError as error:
            logger.error("Feed %s not published: %s", spec.key, error)
            return
        result.rendered += 1
        for doc_id, entry in entries:
            if isinstance(entry, EntryError):
                logger.warning("Feed %s: entry %s skipped: %s", spec.key, doc_id, entry)
                result.skipped_entries.append((spec.key, doc_id, str(entry)))
        write_if_changed(self.out / path, data, result, path)

    def _fit(self, spec: FeedSpec, entries: list[tuple[str, Entry | EntryError]], links: ArchiveLinks, path: str,
             subscription: bool, docs: list[dict] | None) -> tuple[bytes, list[tuple[str, Entry | EntryError]]]:
        """The document within ``max_bytes``, and the entries it holds (see :meth:`_write`)."""
        options = self.options
        data = _assembled(spec, entries, options, links, path)
        while len(data) > options.max_bytes:
            if subscription and len(entries) > 1:
                entries = entries[: max(1, int(len(entries) * options.max_bytes / len(data) * 0.9))]
            else:
                smaller = max(1000, options.max_content_chars // 2)
                if smaller == options.max_content_chars:
                    raise ValueError(f"{path}: over {options.max_bytes} bytes however short its entries")
                options = replace(options, max_content_chars=smaller)
                entries = self._built_again(entries, options, docs)
            data = _assembled(spec, entries, options, links, path)
        return data, entries

    def _built_again(self, entries: list[tuple[str, Entry | EntryError]], options: PublishOptions,
                     docs: list[dict] | None) -> list[tuple[str, Entry | EntryError]]:
        """The entries built again with other options (shorter contents), from their statements
        (read again from the archive where the caller does not hold them)."""
        held = {doc["id"]: doc for doc in docs or []}
        again: list[tuple[str, Entry | EntryError]] = []
        for doc_id, entry in entries:
            doc = (held.get(doc_id) or self.store.get(doc_id)) if isinstance(entry, Entry) else None
            if doc is None:
                again.append((doc_id, entry))
                continue
            try:
                again.append((doc_id, build_entry(doc, options, last_site_edit(self.store, doc))))
            except EntryError as error:
                again.append((doc_id, error))
        return again


def _assembled(spec: FeedSpec, entries: list[tuple[str, Entry | EntryError]], options: FeedOptions,
               links: ArchiveLinks, path: str) -> bytes:
    """A document of the entries that could be built; ValueError when there is none. Its parts
    are lxml's serialisations; what the assembly could get wrong is checked here."""
    written = [entry for _, entry in entries if isinstance(entry, Entry)]
    if len({entry.doc_id for entry in written}) != len(written):
        raise ValueError(f"{path}: an entry stands twice in the document")
    return render_entries(spec, written, options, links, path)


def _entries_held(path: Path, base_url: str) -> tuple[list[tuple[str, str, str | None]], ArchiveLinks] | None:
    """What a published document of an edits feed holds: each entry's id, ``updated`` and related
    link (newest first), and its RFC 5005 links; None when there is no such document to read."""
    try:
        root = etree.fromstring(path.read_bytes())
    except (OSError, etree.XMLSyntaxError):
        return None
    base = base_url.rstrip("/") + "/"
    held = [(entry.findtext(f"{{{ATOM}}}id"), entry.findtext(f"{{{ATOM}}}updated"),
             next(iter(entry.xpath("a:link[@rel='related']/@href", namespaces={"a": ATOM})), None))
            for entry in root.findall(f"{{{ATOM}}}entry")]
    found = {link.get("rel"): (link.get("href") or "").removeprefix(base) for link in root.findall(f"{{{ATOM}}}link")}
    links = ArchiveLinks(is_archive=root.find(f"{{{HISTORY}}}archive") is not None, current=found.get("current"),
                         prev_archive=found.get("prev-archive"), next_archive=found.get("next-archive"))
    return held, links


def publish(store: ArchiveStore, options: PublishOptions, full: bool = False) -> PublishResult:
    """Write (or bring up to date) the public folder of an archive, from one consistent view of
    it (a crawl writing meanwhile is published next time)."""
    with store.snapshot():
        return Publisher(store, options).publish(full=full)
