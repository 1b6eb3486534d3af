"""Published dumps for researchers, in ``data/``: ``<source>/<language>/<year>.jsonl.gz`` with every
version of every statement published that year (removed ones included), beside it
``<year>.qa.jsonl.gz`` with the question–answer pairs of those versions' briefings
(:mod:`feeds.qa`; empty when the year has none, so every year has both), ``manifest.json`` and
``SHA256SUMS`` listing both kinds.

Gzip headers carry no time, so the same archive gives the same bytes; a year whose lines did not
change is not rewritten, and the manifest is rewritten only when a file changed. Every file is
written beside its target and renamed over it (:func:`crawler.files.write_atomic`).

Years stream to disk: a year is compressed into a temporary file beside its target as its lines
are read, hashed on the way, and put in place only when its bytes differ from the file there, so
memory does not follow the size of a year. Every year of a source and language is read in one
pass (a publication of everything), or each year on its own (the years that changed).
A year's question–answer pairs are few beside its statements: they are rendered in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.files import AtomicFile, same_bytes, write_atomic
from crawler.items import statement_schema
from crawler.normalise.dates import in_range
from crawler.store import Selection
from feeds.jsonl import ExportQuery, encode, lines
from feeds.qa import encode_qa, qa_lines, qa_schema

if TYPE_CHECKING:
    from collections.abc import Iterator

    from crawler.store import ArchiveStore

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
#: The manifest's ``kind`` of each file: a year's statements, and their question–answer pairs.
STATEMENTS, QA = "statements", "qa"


def dump_path(source: str, language: str, year: str, kind: str = STATEMENTS) -> str:
    """A year's dump of one kind, relative to ``data/``: ``mid/en/2022.jsonl.gz``,
    ``mid/en/2022.qa.jsonl.gz``."""
    return f"{source}/{language}/{year}.{'qa.' if kind == QA else ''}jsonl.gz"


def dump_keys(store: ArchiveStore) -> list[tuple[str, str, str]]:
    """Every (source, language, year) the archive holds (removed statements and repeats too)."""
    return list(store.counts_by(Selection(include_repeats=True), "source", "language", "year"))


def _year_query(source: str, language: str, year: str | None = None) -> ExportQuery:
    """Every version of every statement of a source and language (of one year), removed ones and
    repeats included, oldest publication first."""
    since, until = (None, None) if year is None else (date(int(year), 1, 1), date(int(year), 12, 31))
    return ExportQuery(source=source, language=language, since=since, until=until, versions="all",
                       include_removed=True, include_repeats=True)


def _gzipped(records: Iterable[dict[str, Any]], encoder: Callable[[dict[str, Any]], bytes],
             id_field: str) -> tuple[bytes, dict[str, Any]]:
    """Lines gzipped without a time in the header, and their counts for the manifest."""
    buffer = io.BytesIO()
    count, ids, first, last = 0, set(), None, None
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as out:
        for line in records:
            out.write(encoder(line))
            count += 1
            ids.add(line[id_field])
            first = first or line["published"]
            last = line["published"]
    data = buffer.getvalue()
    return data, {"lines": count, "statements": len(ids), "first_published": first, "last_published": last,
                  "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def render_year(store: ArchiveStore, source: str, language: str, year: str) -> tuple[bytes, dict[str, Any]]:
    """One year's gzipped JSON Lines of statements and its manifest entry."""
    data, counts = _gzipped(lines(store, _year_query(source, language, year)), encode, "id")
    return data, {"path": dump_path(source, language, year), "kind": STATEMENTS, "source": source,
                  "language": language, "year": int(year), **counts}


def render_qa_year(store: ArchiveStore, source: str, language: str, year: str) -> tuple[bytes, dict[str, Any]]:
    """One year's gzipped question–answer pairs and its manifest entry (``statements``: the
    briefings that gave pairs)."""
    data, counts = _gzipped(qa_lines(store, _year_query(source, language, year)), encode_qa, "statement_id")
    return data, {"path": dump_path(source, language, year, QA), "kind": QA, "source": source,
                  "language": language, "year": int(year), **counts}


class _YearFile:
    """One year's dump being written: gzipped into a temporary file beside its target, hashed,
    its manifest entry counted as the lines come."""

    def __init__(self, folder: Path, source: str, language: str, year: str, *, fsync: bool) -> None:
        self.path = dump_path(source, language, year)
        self.target = folder / self.path
        self.file = AtomicFile(self.target, fsync=fsync)
        self.gzip = gzip.GzipFile(fileobj=self.file, mode="wb", mtime=0, filename="")  # type: ignore[arg-type]
        self.entry: dict[str, Any] = {"path": self.path, "kind": STATEMENTS, "source": source,
                                      "language": language, "year": int(year),
                                      "lines": 0, "statements": 0, "first_published": None, "last_published": None}
        self._last_id: str | None = None

    def add(self, line: dict[str, Any]) -> None:
        self.gzip.write(encode(line))
        entry = self.entry
        entry["lines"] += 1
        if line["id"] != self._last_id:  # a statement's versions come together
            entry["statements"] += 1
            self._last_id = line["id"]
        entry["first_published"] = entry["first_published"] or line["published"]
        entry["last_published"] = line["published"]

    def finish(self) -> bool | None:
        """Close the year: None when it has no line (nothing is written), True when its file was
        written, False when the file there holds the same bytes (left as it is)."""
        try:
            self.gzip.close()
            if not self.entry["lines"]:
                self.file.discard()
                return None
            self.entry.update(bytes=self.file.size, sha256=self.file.sha256.hexdigest())
            if same_bytes(self.target, self.entry["sha256"], self.file.size):
                self.file.discard()
                return False
        except BaseException:
            self.file.discard()
            raise
        self.file.commit()  # which deletes its temporary file when it fails
        return True

    def discard(self) -> None:
        """Delete what was written, even when closing the gzip stream fails (a full disk)."""
        try:
            self.gzip.close()
        except OSError:
            pass
        finally:
            self.file.discard()


def _write_years(store: ArchiveStore, folder: Path, source: str, language: str, year: str, *,
                 fsync: bool) -> Iterator[tuple[_YearFile, bool | None]]:
    """The dump of one year of a source and language (none when the year has no statement), with
    what :meth:`_YearFile.finish` said. A statement's versions go to the year of its latest one's
    publication, local (the archive's years: dump_keys); lines are oldest publication first, by
    instant."""
    current: _YearFile | None = None
    versions: list[dict[str, Any]] = []

    def place() -> Iterator[tuple[_YearFile, bool | None]]:
        nonlocal current
        year_of = versions[-1]["published"][:4]
        if current is not None and current.entry["year"] != int(year_of):
            yield current, current.finish()
            current = None
        if current is None:
            current = _YearFile(folder, source, language, year_of, fsync=fsync)
        for line in versions:
            current.add(line)
        versions.clear()

    try:
        for line in lines(store, _year_query(source, language, year)):
            if versions and line["id"] != versions[0]["id"]:
                yield from place()
            versions.append(line)
        if versions:
            yield from place()
        if current is not None:
            finished, current = current, None
            yield finished, finished.finish()
    finally:
        if current is not None:
            current.discard()


def publish_dumps(store: ArchiveStore, folder: Path, affected: set[tuple[str, str, str]] | None, *,
                  fsync: bool = True, progress: list[str] | None = None) -> list[str]:
    """Write the years that changed (all when ``affected`` is None); returns the paths written,
    below the public folder (``data/…``). Without ``fsync`` the files are not flushed to disk
    one by one: the caller flushes them (crawler.files.sync_folder). ``progress``: a list each
    path is added to as soon as its file is in place, so that a caller stopped midway (a signal)
    can say what was written."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        entries = {entry["path"]: entry for entry in manifest["files"]}
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
        manifest, entries, affected = None, {}, None
    if affected is None:
        keys = dump_keys(store)
    else:  # the years published before, and those that changed (new ones among them)
        keys = sorted({(e["source"], e["language"], f"{e['year']:04d}") for e in entries.values()} | affected)
    written: list[str] = []
    current: set[str] = set()
    wanted: dict[tuple[str, str], list[str]] = {}
    for source, language, year in keys:
        if not (year.isdigit() and in_range(date(int(year), 1, 1))):
            # a year no statement can have, which an older release may have archived ("9999"): its
            # query's bounds would overflow; the feeds name the statements left out (Publisher)
            continue
        paths = (dump_path(source, language, year), dump_path(source, language, year, QA))
        if affected is not None and (source, language, year) not in affected and all(p in entries for p in paths):
            current.update(paths)
            continue
        wanted.setdefault((source, language), []).append(year)
    for (source, language), years in wanted.items():
        expected = {dump_path(source, language, year) for year in years}
        # A year at a time: lines come by the instant of publication, and a statement of the
        # next year (by its own date) may come before one of this year near new year where the
        # source's offset changed between them; a year's query holds its own statements only.
        for year in years:
            for dump, outcome in _write_years(store, folder, source, language, year, fsync=fsync):
                if outcome is None:
                    continue
                expected.discard(dump.path)
                current.add(dump.path)
                entries[dump.path] = dump.entry
                if outcome:
                    written.append(f"data/{dump.path}")
                    if progress is not None:
                        progress.append(written[-1])
                year_of = f"{dump.entry['year']:04d}"
                data, entry = render_qa_year(store, source, language, year_of)
                current.add(entry["path"])
                entries[entry["path"]] = entry
                if not same_bytes(folder / entry["path"], entry["sha256"], len(data)):
                    write_atomic(folder / entry["path"], data, fsync=fsync)
                    written.append(f"data/{entry['path']}")
                    if progress is not None:
                        progress.append(written[-1])
        for path in expected:  # every statement of that year moved to another one
            for gone in (path, path.removesuffix(".jsonl.gz") + ".qa.jsonl.gz"):
                entries.pop(gone, None)
                (folder / gone).unlink(missing_ok=True)
    files = [entries[path] for path in sorted(current)]
    if written or manifest is None or [e["path"] for e in manifest.get("files", [])] != sorted(current):
        schema, pairs = statement_schema(), qa_schema()
        document = {
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "schema": {"version": schema["x-schema-version"], "id": schema["$id"],
                       "documentation": "docs/schema.md"},
            "content": "every version of every statement published in the year, removed ones included; "
                       "one JSON object per line, UTF-8, gzip",
            "qa_schema": {"version": pairs["x-schema-version"], "id": pairs["$id"],
                          "documentation": "docs/schema.md#questions-and-answers"},
            "qa_content": "files of kind qa (<year>.qa.jsonl.gz, beside each year's statements): one question "
                          "asked at a briefing per line, with its answer, from every version of the year's "
                          "briefings; empty when the year has none",
            "files": files,
        }
        write_atomic(folder / MANIFEST, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
                     fsync=fsync)
        sums = "".join(f"{entry['sha256']}  {entry['path']}\n" for entry in files)
        write_atomic(folder / SUMS, sums.encode("utf-8"), fsync=fsync)
        written += [f"data/{MANIFEST}", f"data/{SUMS}"]
        if progress is not None:
            progress += [f"data/{MANIFEST}", f"data/{SUMS}"]
    return written
