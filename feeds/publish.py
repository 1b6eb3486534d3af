"""Publishing: the public folder, written from the archive.

For every feed of the catalog: a subscription document with the newest entries, and RFC 5005
archive documents — each month of the feed in pages of at most ``archive_page`` entries, oldest
page first, linked both ways — that together hold every entry the feed ever had. Then
``feeds.opml`` and ``index.html``, and the JSON Lines dumps of ``data/`` (see feeds.dumps).

How a publication goes:

- **What to render.** Each feed's archive pages form one chain (:class:`Chain`), worked out from
  its months' counts: in a full publication, of every month (two grouped queries per source and
  language, a language at a time); in an incremental one, of the months holding a statement
  changed since the last publication (the archive's change sequence) and the months around
  them. The pages of the changed months are rendered, with the facing pages of their
  neighbours, whose links may have changed.
- **Streaming.** The statements of the months to render are read once, language by language and
  month by month, newest first; each statement's entry is built once and its bytes stand in
  every document it belongs to (a full publication gathers the subscription documents on the
  way). Months are the statements' own, local (``published`` as printed); order is by the
  instant of publication (``published_utc``), within a month and in a subscription document,
  which may hold statements of a later month and of an earlier one in either order near their
  boundary (see :func:`_gathered`). Entries wait for the rest of their page in a buffer of ``buffer_bytes``, then in a
  temporary file: memory follows neither the size of a month nor the number of documents.
- **Writing.** A document is assembled from parts lxml serialised (its head, its entries), with
  at least one entry and no id twice; a feed left with no entry is never written. A file whose
  bytes did not change is not rewritten, so its modification time and ETag stay. Every write is
  atomic (beside the target, then renamed); the files written are flushed to disk together at the
  end, before the state records the publication done.
- **Edits feeds.** Each source and language's ``edits.atom`` (feeds.edits) is read from the
  archive's log of versions and removals, its archive documents by the month a change was found;
  a document is rendered again when the entries it should hold are not those its file holds.
- **State.** ``.publish-state.json`` remembers the change sequence published, the catalog, the
  settings and the code the documents depend on (:func:`renderer_digest`), a few of the
  statements changed last (to recognise the archive next time), and whether the last publication
  finished ("in progress" is recorded before the first write, "done" after the last,
  "incomplete" when documents could not be written). A publication renders everything again
  (:meth:`Publisher.full_reason`) when the last one did not finish or left documents unpublished,
  when those settings or that code changed, when the archive's change sequence went back
  or the statements changed last are not the ones published (an archive restored from an older
  copy, crawled since or not, or another archive), or when there is no state it can read; it then
  first deletes the temporary files a killed publication left (dotfiles, which ``scrapy serve``
  never serves meanwhile). It holds no SQL: selections are data (crawler.store.Selection).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import tempfile
import time
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from crawler import __version__
from crawler.files import remove_leftovers, sync_folder, write_atomic
from crawler.normalise.dates import EARLIEST, LATEST, in_range
from crawler.store import Selection, published_utc
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
    from collections.abc import Container, Iterable, Iterator

    from crawler.store import ArchiveStore
    from feeds.edits import SiteChange

logger = logging.getLogger(__name__)

STATE_FILE = ".publish-state.json"
#: The state file's layout; a state of another layout (an older release's) is not trusted.
STATE_FORMAT = 3
#: How many of the statements changed last the state remembers (see Publisher.full_reason).
WITNESSES = 8
#: What a feed key may look like: path segments of letters, digits, "_" and "-" (no dots, so no
#: ".." and no hidden files, whatever the archive holds).
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

#: The options every document's bytes depend on, with the settings they come from.
FEED_SETTINGS = {"base_url": "MF_PUBLIC_BASE_URL", "entries": "MF_FEED_ENTRIES",
                 "archive_page": "MF_FEED_ARCHIVE_PAGE", "max_bytes": "MF_FEED_MAX_BYTES",
                 "max_content_chars": "MF_FEED_MAX_CONTENT_CHARS"}


_ROOT = Path(__file__).resolve().parent.parent
#: The code the published bytes follow, below the repository (or installation) root: the
#: publishers, and what they call to make text, HTML, dates, slugs and sources' names.
RENDERER_CODE = ("feeds", "crawler/normalise", "crawler/sources.py", "crawler/__init__.py")


def _publishable_month(month: str) -> bool:
    """Whether a month (``YYYY-MM``, from ``published``) can have archive documents: a month that is
    not one, or is outside the dates statements are read in (crawler.normalise.dates.EARLIEST–LATEST,
    which an archive written by an older release may break: ``9999-12``), has none, nor entries."""
    return bool(_MONTH.match(month)) and in_range(date(int(month[:4]), int(month[5:7]), 1))


def renderer_digest(root: Path = _ROOT) -> str:
    """SHA-256 of :data:`RENDERER_CODE`'s files (names and bytes, in a stable order): it changes
    with any change of what the documents are made by (an upgrade, another commit deployed),
    where the release number may not."""
    digest = hashlib.sha256()
    for name in RENDERER_CODE:
        top = root / name
        files = [top] if top.is_file() else sorted(path for path in top.rglob("*") if path.is_file()
                                                  and "__pycache__" not in path.parts)
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def _this_renderer() -> str:
    """The digest of the code this process runs (read once)."""
    return renderer_digest()


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
    not_published: list[tuple[str, str]] = field(default_factory=list)
    """(feed, reason) of each document that could not be written (its file keeps what it had)."""
    feeds: int = 0
    full: bool = False
    full_reason: str | None = None
    """Why everything was rendered again (None: an incremental publication)."""
    leftovers_removed: int = 0
    """Temporary files of a killed publication deleted."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Where the time went: ``feeds`` (Atom documents), ``dumps``, ``pages`` (OPML, index page
    and the files beside them), ``flush`` (to disk)."""
    begun: bool = False
    """Whether it began to write the public folder (its state marked "in progress")."""

    def summary(self) -> str:
        """One line for the operator."""
        everything = f"; everything rendered: {self.full_reason}" if self.full_reason else ""
        leftovers = f"; {self.leftovers_removed} leftover temporary files removed" if self.leftovers_removed else ""
        failed = f"; {len(self.not_published)} documents NOT published (see the log)" if self.not_published else ""
        return (f"{self.feeds} feeds, {self.rendered} documents rendered, {len(self.written)} files written, "
                f"{self.unchanged} unchanged, {len(self.skipped_entries)} entries skipped{failed}{everything}"
                f"{leftovers}")

    def stopped(self) -> str:
        """What a publication stopped midway (a signal) leaves, for the operator: files are
        replaced whole, so every one a reader sees is old or new; the next publication sees the
        state it left ("in progress") and renders everything again."""
        if not self.begun:
            return "nothing was written: the published files are unchanged"
        return (f"{len(self.written)} files written before it stopped, every published file whole (old or new); "
                "the next `scrapy publish` completes the publication")

    def as_dict(self) -> dict[str, Any]:
        return {"ok": not self.not_published, "full": self.full, "full_reason": self.full_reason, "feeds": self.feeds,
                "documents_rendered": self.rendered, "files_written": len(self.written),
                "files_unchanged": self.unchanged, "leftovers_removed": self.leftovers_removed,
                "seconds": {phase: round(seconds, 3) for phase, seconds in self.seconds.items()},
                "entries_skipped": [{"feed": f, "id": i, "reason": r} for f, i, r in self.skipped_entries],
                "documents_not_published": [{"feed": f, "reason": r} for f, r in self.not_published]}


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
    first, each in pages of ``size`` statements (page 1 the oldest). Pages are worked out from the
    months' counts, never listed: a chain holds a month's name and count, whatever the feed's size.

    ``months`` holds every month of the feed (:meth:`complete`), or those around some months
    (:meth:`around`): there, months next to each other are next to each other in the feed, as
    far as the pages to render need to know."""

    def __init__(self, key: str, size: int, months: dict[str, int]) -> None:
        self.key = key
        self.size = size
        # A statement whose publication time is not ISO 8601, or out of range, has no month (nor an entry).
        self.months = {month: count for month, count in sorted(months.items())
                       if count > 0 and _publishable_month(month)}
        self._order = list(self.months)

    @classmethod
    def around(cls, store: ArchiveStore, spec: FeedSpec, size: int, changed: Iterable[str]) -> Chain:
        """The chain as far as the changed months, two months on each side of them (the facing
        pages of the neighbours, and their own links) and the newest month reach: a few indexed
        queries per changed month, whatever the feed's size."""
        months: dict[str, int] = {}

        def add(month: str | None) -> str | None:
            if month is not None and month not in months and _publishable_month(month):
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

    def pages_in(self, month: str) -> int:
        """How many archive pages a month fills (0: none, it has no statement)."""
        return -(-self.months.get(month, 0) // self.size)

    def pages(self) -> Iterator[ArchivePage]:
        """Every page, oldest first."""
        for month in self._order:
            for number in range(1, self.pages_in(month) + 1):
                yield ArchivePage(month, number)

    def newest(self) -> ArchivePage | None:
        """The newest archive page: the subscription document's prev-archive."""
        return self._last_of(len(self._order) - 1)

    def _last_of(self, index: int) -> ArchivePage | None:
        if not 0 <= index < len(self._order):
            return None
        month = self._order[index]
        return ArchivePage(month, self.pages_in(month))

    def _first_of(self, index: int) -> ArchivePage | None:
        return ArchivePage(self._order[index], 1) if 0 <= index < len(self._order) else None

    def links(self, page: ArchivePage, current: str) -> ArchiveLinks:
        """An archive page's links: to the subscription document, and to the pages before and
        after it (the last page of the month before, the first of the month after)."""
        before = ArchivePage(page.month, page.number - 1) if page.number > 1 \
            else self._last_of(bisect_left(self._order, page.month) - 1)
        after = ArchivePage(page.month, page.number + 1) if page.number < self.pages_in(page.month) \
            else self._first_of(bisect_right(self._order, page.month))
        return ArchiveLinks(is_archive=True, current=current, prev_archive=before and before.path(self.key),
                            next_archive=after and after.path(self.key))

    def to_render(self, changed: Iterable[str]) -> list[ArchivePage]:
        """The pages to render when ``changed`` months changed: theirs, and the facing pages of
        the months around each (whose links may have changed); a changed month may have no page
        left, then its neighbours' pages face each other."""
        wanted: set[ArchivePage] = set()
        for month in changed:
            wanted.update(ArchivePage(month, number) for number in range(1, self.pages_in(month) + 1))
            before = self._last_of(bisect_left(self._order, month) - 1)
            after = self._first_of(bisect_right(self._order, month))
            wanted.update(page for page in (before, after) if page is not None)
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


class _Buffers:
    """The two buffers of a publication, ``buffer_bytes`` between them: entries waiting for the
    rest of their archive page, and entries of the subscription documents being gathered."""

    def __init__(self, buffer_bytes: int) -> None:
        self.pages = _Buffer(buffer_bytes // 2)
        self.newest = _Buffer(buffer_bytes // 2)

    def __enter__(self) -> _Buffers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pages.close()
        self.newest.close()


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
    """What one publication renders of one feed: archive pages (``pages``: those, or None for
    every page of the chain), and its subscription document (``newest``: its entries gathered
    while the months are read, when every month is read: ``((published_utc, id), id, entry)``,
    newest first by instant, at most the feed's number of entries; None when it is read on its
    own, or once written)."""

    spec: FeedSpec
    chain: Chain
    pages: list[ArchivePage] | None = None
    newest: list[tuple[tuple[str, str], str, _Held | EntryError]] | None = None
    _by_month: dict[str, set[int]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for page in self.pages or []:
            self._by_month.setdefault(page.month, set()).add(page.number)

    def months(self) -> Iterable[str]:
        """The months it renders pages of."""
        return self.chain.months if self.pages is None else self._by_month

    def numbers(self, month: str) -> Container[int]:
        """The numbers of the pages of ``month`` it renders."""
        if self.pages is None:
            return range(1, self.chain.pages_in(month) + 1)
        return self._by_month.get(month, ())


@dataclass
class _MonthWork:
    """One feed's part of the month being read: how many of its statements the month holds, how
    many came so far (newest first), and the entries of its pages to render."""

    plan: _Plan
    month: str
    count: int
    wanted: Container[int]
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
        #: Its place in the archive's order, newest last: its instant, then its id.
        self.order = (published_utc(doc.get("published") or ""), doc["id"])

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
        its last, with the change sequence and catalog published and the witnesses of that
        archive); ``incomplete`` when it finished with documents it could not write (the next
        publication renders everything again). Flushed to disk."""
        state: dict[str, Any] = {"format": STATE_FORMAT, "status": status, "release": __version__,
                                 "renderer": _this_renderer(), "settings": self.options.feed_settings()}
        if status == "done":
            state.update(change_seq=seq, catalog=[spec_to_json(spec) for spec in catalog or []],
                         witnesses=self._witnesses(seq or 0))
        write_atomic(self.out / STATE_FILE, json.dumps(state, ensure_ascii=False).encode("utf-8"))

    def _witnesses(self, seq: int) -> list[list[Any]]:
        """``[id, change sequence, content hash]`` of a few statements of the archive's last change
        (``seq``): what it must still hold, or have changed since, to be the archive published."""
        last = Selection(include_repeats=True, changed_after=seq - 1)
        return [[doc["id"], doc["change_seq"], doc["content_hash"]]
                for doc in self.store.documents(last, limit=WITNESSES)]

    def full_reason(self, state: dict[str, Any], seq: int) -> str | None:
        """Why the last publication's state cannot be built on (everything must be rendered
        again), or None. Costs a few indexed reads."""
        if not state:
            return "no publication state (a first publication, or its state file is unreadable)"
        if state.get("format") != STATE_FORMAT:
            return "the publication state was written by another release"
        if state.get("status") == "incomplete":
            return "the last publication left documents unpublished"
        if state.get("status") != "done":
            return "the last publication did not finish"
        if state.get("release") != __version__:
            return f"the last publication was made by release {state.get('release')}, this is {__version__}"
        if state.get("renderer") != _this_renderer():
            return "the code that renders the documents changed since the last publication"
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
        stranger = self._stranger(state.get("witnesses"))
        if stranger is not None:
            return f"the archive is not the one last published ({stranger}): restored from an older copy?"
        if self._last_catalog(state) is None:
            return "the publication state holds no catalog this release can read"
        return None

    def _stranger(self, witnesses: Any) -> str | None:
        """What shows that the archive is not the one the witnesses were taken from, or None. A
        witness may have changed since (a later change sequence), never gone back or changed under
        the same number."""
        if not isinstance(witnesses, list):
            return "the publication state names no statement"
        for witness in witnesses:
            if not (isinstance(witness, list) and len(witness) == 3 and isinstance(witness[1], int)):
                return "the publication state names no statement"
            doc_id, changed, digest = witness
            now = self.store.get(str(doc_id))
            if now is None:
                return f"statement {doc_id} is not in it"
            if now["change_seq"] < changed or (now["change_seq"] == changed and now["content_hash"] != digest):
                return f"statement {doc_id} is older in it"
        return None

    # --- what changed -----------------------------------------------------------------------------
    def _affected(self, since: int) -> tuple[dict[str, set[str]], set[tuple[str, str, str]]]:
        """Feed key → months to render again, and (source, language, year) dumps to write again,
        from statements changed after ``since``: where they are now and where each of their
        versions was (their old months, types and tags)."""
        affected: dict[str, set[str]] = defaultdict(set)
        years: set[tuple[str, str, str]] = set()
        changed = Selection(include_repeats=True, changed_after=since)
        for doc in self.store.documents(changed):
            # Each statement's versions read by its id (an indexed read a statement, where a join
            # of every version with the changed statements scans the versions).
            for shape in (doc, *self.store.versions(doc["id"])):
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

    def _skip_out_of_range(self, language: str, keys: set[str], result: PublishResult) -> None:
        """Say which statements of a language the feeds ``keys`` leave out for their publication
        time outside crawler.normalise.dates.EARLIEST–LATEST (an archive an older release wrote
        may hold one: "9999-12-31T23:59:00+03:00"): their months have no archive documents
        (:func:`_publishable_month`), so they are in none of those feeds. As an entry that cannot be
        built is skipped (build_entry, in an incremental publication): a line a feed and statement,
        and counted in ``result.skipped_entries``. Two indexed queries."""
        outside = (Selection(language=language, include_repeats=True, until=EARLIEST - timedelta(days=1)),
                   Selection(language=language, include_repeats=True, since=LATEST + timedelta(days=1)))
        for selection in outside:
            for doc in self.store.documents(selection):
                reason = f"no valid publication time ({doc['published']!r}: outside {EARLIEST} to {LATEST})"
                for key in sorted(feed_keys_of(doc) & keys):
                    logger.warning("Feed %s: entry %s skipped: %s", key, doc["id"], reason)
                    result.skipped_entries.append((key, doc["id"], reason))

    def _month_counts(self, language: str) -> dict[str, Counter[str]]:
        """Feed key → month → statements, for every feed of one language: two grouped queries
        per source, the months' names held once."""
        months: dict[str, Counter[str]] = defaultdict(Counter)
        names: dict[str, str] = {}
        for (source,) in self.store.counts_by(Selection(language=language), "source"):
            selection = Selection(source=source, language=language)
            for (doc_type, month), count in self.store.counts_by(selection, "type", "month").items():
                month = names.setdefault(month, month)
                for key in (all_key(language), source_key(source, language), type_key(source, language, doc_type)):
                    months[key][month] += count
            for (slug, month), count in self.store.tag_counts_by(selection, "month").items():
                months[tag_key(source, language, slug)][names.setdefault(month, month)] += count
        return months

    # --- rendering ----------------------------------------------------------------------------------
    def publish(self, full: bool = False, progress: PublishResult | None = None) -> PublishResult:
        """``progress``: the result to fill in (else a new one), which a caller stopped midway
        reads to say how far the publication went."""
        started = time.perf_counter()
        seq = self.store.change_seq()
        state = self._state()
        reason = "asked for (--full)" if full else self.full_reason(state, seq)
        result = progress if progress is not None else PublishResult()
        result.full, result.full_reason = reason is not None, reason
        if reason is not None:
            logger.info("Publishing everything: %s", reason)
            result.leftovers_removed = len(remove_leftovers(self.out)) if self.out.exists() else 0
            if result.leftovers_removed:
                logger.info("Removed %d temporary files a killed publication left", result.leftovers_removed)
        result.begun = True  # (from here on, the public folder may change)
        self._save_state("in progress")
        affected, years = (None, None) if reason is not None else self._affected(int(state["change_seq"]))
        catalog = self._catalog(state, affected)
        result.feeds = len(catalog)
        self._publish_edits(catalog, affected, result)
        specs = [spec for spec in catalog if spec.kind != "edits" and (affected is None or spec.key in affected)]
        for spec in specs:
            if not _SAFE_KEY.match(spec.key):
                logger.error("Feed %s not published: not a safe path", spec.key)
                result.not_published.append((spec.key, "not a safe path"))
        specs = [spec for spec in specs if _SAFE_KEY.match(spec.key)]
        size = self.options.archive_page
        by_language: dict[str, list[FeedSpec]] = defaultdict(list)
        for spec in specs:
            by_language[spec.language].append(spec)
        with _Buffers(self.options.buffer_bytes) as buffers:
            if affected is None:  # every feed, a language at a time: its chains, then its months read once
                for language, of_language in sorted(by_language.items()):
                    counts = self._month_counts(language)
                    # Its subscription documents gather their entries while its newest months are read.
                    plans = [_Plan(spec, Chain(spec.key, size, counts.pop(spec.key, {})), newest=[])
                             for spec in of_language]
                    del counts
                    self._skip_out_of_range(language, {plan.spec.key for plan in plans}, result)
                    self._publish_language(language, plans, buffers, result)
            else:  # the feeds that changed: their newest statements read on their own, then their months
                plans = []
                for spec in specs:
                    changed = {month for month in affected[spec.key] if _publishable_month(month)}
                    chain = Chain.around(self.store, spec, size, changed)
                    plans.append(_Plan(spec, chain, chain.to_render(changed)))
                self._publish_subscriptions(plans, result)
                for language in sorted(by_language):
                    self._publish_language(language, [plan for plan in plans if plan.spec.language == language],
                                           buffers, result)
        clock = _Clock(result.seconds, "feeds", started)
        publish_dumps(self.store, self.out / "data", years, fsync=False, progress=result.written)
        clock.lap("dumps")
        # Lists name the feeds a reader can subscribe to: one never written (every document of it
        # refused so far, see result.not_published) is left out until it is.
        listed = [spec for spec in catalog if (self.out / spec.path).is_file()]
        write_if_changed(self.out / "feeds.opml", render_opml(listed, self.options.base_url), result,
                         "feeds.opml")
        for relative, data in static_files().items():
            write_if_changed(self.out / relative, data, result, relative)
        write_if_changed(self.out / "index.html",
                         render_index(listed, index_inputs(self.store, self.options.pending_max_attempts)),
                         result, "index.html")
        clock.lap("pages")
        if result.written:
            sync_folder(self.out)
        # A document left unpublished is rendered again next time (with the rest: its reasons are
        # said again, and the exit code, until it can be written).
        self._save_state("incomplete" if result.not_published else "done", seq, catalog)
        clock.lap("flush")
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

    def _publish_language(self, language: str, plans: list[_Plan], buffers: _Buffers,
                          result: PublishResult) -> None:
        """Every page the plans of one language name (and the subscription documents they
        gather), from one reading of the months they are in: the language's statements month by
        month, newest first, each entry built once for every document it stands in."""
        gathering = {plan.spec.key: plan for plan in plans if plan.newest is not None}
        months = sorted({month for plan in plans for month in plan.months()}, reverse=True)
        for month in months:
            # The subscription documents no statement of this month or an earlier one can enter.
            for plan in gathering.values():
                if _gathered(plan, month, self.options.entries):
                    self._write_subscription(plan, buffers.newest, result)
            feeds = [(plan, numbers) for plan in plans if (numbers := plan.numbers(month))]
            self._publish_month(language, month, feeds, gathering, buffers.pages, buffers.newest, result)
            buffers.pages.clear()
        for plan in gathering.values():
            self._write_subscription(plan, buffers.newest, result)
        buffers.newest.clear()

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
                result.not_published.append((spec.key, "not a safe path"))
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
            for page in chain.pages():
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

    def _publish_month(self, language: str, month: str, feeds: list[tuple[_Plan, Container[int]]],
                       gathering: dict[str, _Plan], pages: _Buffer, newest: _Buffer, result: PublishResult) -> None:
        size, entries = self.options.archive_page, self.options.entries
        work = {plan.spec.key: _MonthWork(plan, month, plan.chain.months.get(month, 0), numbers)
                for plan, numbers in feeds}
        for doc in self.store.documents_in_month(Selection(language=language), month, oldest_first=False):
            statement = _Statement(doc, self.options, self.store)
            for key in feed_keys_of(doc):
                plan = gathering.get(key)
                if plan is not None and plan.newest is not None:
                    _gather(plan.newest, statement, newest, entries)
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
        entries = [(doc_id, buffer.entry(item) if isinstance(item, _Held) else item) for _, doc_id, item in held]
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
            result.not_published.append((spec.key, str(error)))
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


def _gather(newest: list[tuple[tuple[str, str], str, _Held | EntryError]], statement: _Statement,
            buffer: _Buffer, entries: int) -> None:
    """Put a statement among a subscription document's ``entries`` newest (``newest``, newest
    first by instant then id, as the archive orders them) if it is one of them so far."""
    if len(newest) >= entries and statement.order <= newest[-1][0]:
        return
    doc_id, held = statement.held_in(buffer)
    index = len(newest)
    while index and newest[index - 1][0] < statement.order:
        index -= 1
    newest.insert(index, (statement.order, doc_id, held))
    del newest[entries:]


def _gathered(plan: _Plan, month: str, entries: int) -> bool:
    """Whether a subscription document holds its ``entries`` newest statements before ``month``
    (``YYYY-MM``, local) and the months before it are read: when its oldest is later than any
    statement of those months can be. A statement printed in ``month`` or before it was published
    before the first day of the month after, local time, which is before the second day of that
    month in UTC (an offset is less than a day)."""
    if plan.newest is None or len(plan.newest) < entries:
        return False
    year, number = int(month[:4]), int(month[5:7])
    following = f"{year + number // 12:04d}-{number % 12 + 1:02d}"
    return plan.newest[-1][0][0] >= f"{following}-02T00:00:00Z"


class _Clock:
    """Seconds per phase, into ``seconds``: each :meth:`lap` ends the phase under way."""

    def __init__(self, seconds: dict[str, float], phase: str, started: float) -> None:
        self.seconds = seconds
        self.last = started
        self.lap(phase)

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = now - self.last
        self.last = now


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


def publish(store: ArchiveStore, options: PublishOptions, full: bool = False,
            progress: PublishResult | None = None) -> PublishResult:
    """Write (or bring up to date) the public folder of an archive, from one consistent view of
    it (a crawl writing meanwhile is published next time). ``progress``: the result to fill in as
    it goes (see :meth:`Publisher.publish`)."""
    with store.snapshot():
        return Publisher(store, options).publish(full=full, progress=progress)
