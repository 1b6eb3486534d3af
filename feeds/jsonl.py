"""JSON Lines for researchers: one statement (or one version of it) per line, in the schema's
field names plus the archive's own (``version``, ``updated``, ``removed_at``, ``content_hash``,
``first_seen``, ``same_as``), the version's provenance (``extractor`` among the statement's
fields, ``origin``, ``extracted_at``) and ``changes``: what changed since the version before, from
:mod:`feeds.diff`. Streams from the archive: memory stays flat however large it is.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from crawler.exporters import one_line
from crawler.files import AtomicFile
from crawler.items import DOCUMENT_TYPES, STATEMENT_FIELDS
from crawler.normalise.dates import EARLIEST, LATEST, in_range
from crawler.sources import SOURCES
from crawler.store import Selection
from feeds.diff import changes_summary

if TYPE_CHECKING:
    from crawler.store import ArchiveStore

ARCHIVE_FIELDS = ("version", "updated", "removed_at", "content_hash", "first_seen", "same_as", "origin",
                  "extracted_at")
LINE_FIELDS = (*STATEMENT_FIELDS, *ARCHIVE_FIELDS, "changes")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class ExportError(ValueError):
    """A request that cannot be served; the message is one line for the user."""


@dataclass(frozen=True)
class ExportQuery:
    """Which statements to export. Dates compare with the local date of ``published``."""

    source: str | None = None
    language: str | None = None
    type: str | None = None
    tag: str | None = None
    since: date | None = None
    until: date | None = None
    versions: str = "latest"
    include_removed: bool = False
    include_repeats: bool = False

    def check(self) -> ExportQuery:
        """Raise ExportError for an unknown source or type, a bad language or versions value."""
        if self.source is not None and self.source not in SOURCES:
            raise ExportError(f"unknown source {self.source!r} (known: {', '.join(sorted(SOURCES))})")
        if self.type is not None and self.type not in DOCUMENT_TYPES:
            raise ExportError(f"unknown type {self.type!r} (known: {', '.join(DOCUMENT_TYPES)})")
        if self.language is not None and not _LANGUAGE.match(self.language):
            raise ExportError(f"not a BCP 47 language tag: {self.language!r}")
        if self.versions not in ("latest", "all"):
            raise ExportError(f"--versions takes latest or all, not {self.versions!r}")
        if self.since and self.until and self.since > self.until:
            raise ExportError(f"--since {self.since} is after --until {self.until}")
        return self

    def selection(self) -> Selection:
        """The archived statements the query asks for."""
        return Selection(source=self.source, language=self.language, type=self.type, tag=self.tag,
                         since=self.since, until=self.until, include_removed=self.include_removed,
                         include_repeats=self.include_repeats)


def parse_day(value: str, option: str) -> date:
    """``YYYY-MM-DD`` (or a longer ISO timestamp, of which the date counts). ExportError naming
    ``option`` for anything else, or for a day outside crawler.normalise.dates.EARLIEST–LATEST: no
    statement is archived outside them, and a bound near year 1 or 9999 overflows the query's
    arithmetic (a day either side)."""
    try:
        day = date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise ExportError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None
    if not in_range(day):
        raise ExportError(f"{option}: {value!r} is outside the dates the archive holds ({EARLIEST} to {LATEST})")
    return day


def count(store: ArchiveStore, query: ExportQuery) -> int:
    """How many lines the query gives."""
    if query.versions == "latest":
        return store.count_statements(query.selection())
    return store.count_versions(query.selection())


def lines(store: ArchiveStore, query: ExportQuery) -> Iterator[dict[str, Any]]:
    """The lines, oldest publication first (and each statement's versions in order)."""
    if query.versions == "latest":
        for doc in store.documents(query.selection(), oldest_first=True):
            line = {name: doc.get(name) for name in STATEMENT_FIELDS}
            line.update({name: doc[name] for name in (*ARCHIVE_FIELDS, "fetched_at")})
            earlier = store.version(doc["id"], doc["version"] - 1) if doc["version"] > 1 else None
            line["changes"] = changes_summary(earlier, doc) if earlier else None
            yield line
        return
    previous: dict[str, Any] | None = None  # the version before, when of the same statement
    previous_updated = ""
    for record in store.version_records(query.selection()):
        line = {name: record.get(name) for name in STATEMENT_FIELDS}
        # A version's "updated" is when it became the current text: the first one dates from
        # publication, a later one from the fetch that found it; a re-extraction is no edit on the
        # site, so it keeps the "updated" of the version it read again (as Atom entries do).
        before = previous if previous is not None and previous["id"] == record["id"] else None
        if record["version"] > 1 and record["origin"] == "reextract" and before is not None:
            updated = previous_updated
        else:
            updated = line["published"] if record["version"] == 1 else record["fetched_at"]
        line.update(version=record["version"], updated=updated, removed_at=record["removed_at"],
                    content_hash=record["content_hash"], first_seen=record["first_seen"],
                    same_as=record["same_as"], fetched_at=record["fetched_at"], origin=record["origin"],
                    extracted_at=record["extracted_at"])
        # Each statement's versions come in order: the one before is the line before.
        line["changes"] = changes_summary(before, record) if before and record["version"] > 1 else None
        previous, previous_updated = record, updated
        yield line


def encode(line: dict[str, Any]) -> bytes:
    """One JSON line, UTF-8, fields in schema order; U+2028, U+2029 and U+0085 escaped."""
    text = json.dumps({name: line.get(name) for name in LINE_FIELDS}, ensure_ascii=False)
    return (one_line(text) + "\n").encode("utf-8")


def write_lines(items: Iterable[dict[str, Any]], target: Path | None, *, compress: bool,
                progress: Callable[[int], None] | None = None,
                encoder: Callable[[dict[str, Any]], bytes] = encode) -> int:
    """Write lines to ``target`` (stdout when None) and return how many. A file is written beside
    its target and renamed over it at the end: the target path never holds a partial file (a
    FIFO or device is written in place, :class:`crawler.files.AtomicFile`). OSError naming
    ``target`` when it cannot be written.
    ``encoder`` turns an item into its line (statements: :func:`encode`)."""
    written = 0
    if target is None:
        out: IO[bytes] = gzip.GzipFile(fileobj=sys.stdout.buffer, mode="wb", mtime=0, filename="") if compress \
            else sys.stdout.buffer
        for item in items:
            out.write(encoder(item))
            written += 1
            if progress and written % 1000 == 0:
                progress(written)
        if compress:
            out.close()
        sys.stdout.buffer.flush()
        return written
    with AtomicFile(target) as file:
        out = gzip.GzipFile(fileobj=file, mode="wb", mtime=0, filename="") if compress else file  # type: ignore[arg-type]
        for item in items:
            out.write(encoder(item))
            written += 1
            if progress and written % 1000 == 0:
                progress(written)
        if compress:
            out.close()
    if progress:
        progress(written)
    return written
