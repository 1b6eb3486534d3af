"""Copying an archive to another URL, either backend to either backend, every table, checked.

The source is read in one snapshot (a crawl may go on writing it meanwhile). The destination
must hold no archive yet, and is never seen half-written: an SQLite destination is written to a
file beside it and renamed into place at the end; a PostgreSQL one is written in one transaction,
committed at the end. Before that end, every table's rows are counted and hashed (in primary key
order, bytewise on both backends) on both sides; any difference fails the copy and leaves the
destination as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.files import AtomicFile, write_target
from crawler.store.archive import open_archive
from crawler.store.backend import ArchiveError, Connection, connect
from crawler.store.schema import SERIAL_COLUMNS, TABLES, migrate, optimise_search, schema_version
from crawler.store.url import ArchiveURL

if TYPE_CHECKING:
    from crawler.store.archive import ArchiveStore

#: The tables whose rows make an archive "not empty" (meta and schema_versions come with any).
DATA_TABLES = [table for table in TABLES if table not in ("meta", "schema_versions")]


class CopyError(ArchiveError):
    """The copy cannot be made, or came out different; the destination was left as it was."""


class DestinationInUse(CopyError):
    """The destination already holds an archive (or a file)."""


@dataclass(frozen=True)
class TableCheck:
    """One table's rows and checksum (SHA-256 of its rows in primary key order) on both sides."""

    table: str
    source_rows: int
    source_sha256: str
    copied_rows: int
    copied_sha256: str

    @property
    def ok(self) -> bool:
        return (self.source_rows, self.source_sha256) == (self.copied_rows, self.copied_sha256)


class _Digest:
    """Rows and a checksum of rows, the same for the same values on either backend."""

    def __init__(self) -> None:
        self.rows = 0
        self.hash = hashlib.sha256()

    def add(self, row: tuple) -> tuple:
        values = [{"bytes": bytes(v).hex()} if isinstance(v, bytes | bytearray | memoryview) else v for v in row]
        self.hash.update(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
        self.hash.update(b"\n")
        self.rows += 1
        return row

    def counted(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        for row in rows:
            yield self.add(row)


def _rows(db: Connection, table: str) -> Iterator[tuple]:
    columns, key = TABLES[table]
    return db.stream(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(key)}", size=2000)  # noqa: S608


def table_checksum(db: Connection, table: str) -> tuple[int, str]:
    """(rows, SHA-256) of one table, rows in primary key order."""
    digest = _Digest()
    for row in _rows(db, table):
        digest.add(row)
    return digest.rows, digest.hash.hexdigest()


def holds_archive(db: Connection) -> bool:
    """True when the database holds an archive with anything in it."""
    if not schema_version(db):
        return False
    return any(db.one(f"SELECT 1 FROM {table} LIMIT 1") for table in DATA_TABLES)  # noqa: S608


def copy_archive(source: str | Path | ArchiveURL, destination: str | Path | ArchiveURL,
                 progress: Callable[[str], None] | None = None) -> list[TableCheck]:
    """Copy every table of the archive at ``source`` to ``destination`` (which must hold none),
    and return each table's check. Raises :class:`DestinationInUse`, :class:`CopyError` (the
    checks differ), ArchiveURLError, ArchiveMissing or ArchiveError; on any failure, the
    destination is left as it was."""
    source_url, target = ArchiveURL.parse(source, name="SRC_URL"), ArchiveURL.parse(destination, name="DST_URL")
    if target.is_sqlite and source_url.is_sqlite and target.path and source_url.path \
            and target.path.absolute() == source_url.path.absolute():
        raise DestinationInUse(f"{target}: is the source itself")
    say = progress or (lambda _message: None)
    with open_archive(source_url, readonly=True) as store, store.snapshot():
        if target.is_sqlite:
            return _copy_to_file(store, target, say)
        return _copy_to_database(store, target, say)


def _copy_to_file(store: ArchiveStore, target: ArchiveURL, say: Callable[[str], None]) -> list[TableCheck]:
    assert target.path is not None
    final = Path(os.path.realpath(target.path))  # a symbolic link's target, never the link
    if final.exists():
        raise DestinationInUse(f"{target}: already exists (copy makes a new archive file; name another one)")
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(final)
    partial = final.with_name(f".{final.name}.copy-{os.getpid()}")
    db = connect(ArchiveURL.sqlite(partial))
    try:
        with db.write():
            migrate(db)
            checks = _copy_tables(store, db, say)
        db.close()
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, final)
        directory = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except BaseException:
        db.close()
        for leftover in (partial, partial.with_name(partial.name + "-wal"), partial.with_name(partial.name + "-shm")):
            with suppress(FileNotFoundError):
                leftover.unlink()
        raise
    return checks


def _remove_abandoned(final: Path, marker: str = "copy") -> None:
    """Delete the partial files of earlier copies to ``final`` whose process is gone (killed)."""
    for partial in final.parent.glob(f".{final.name}.{marker}-*"):
        match = re.search(rf"\.{marker}-(\d+)(-wal|-shm|-journal)?$", partial.name)
        if match is None:
            continue
        try:
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:
            partial.unlink(missing_ok=True)
        except PermissionError:  # alive, someone else's
            pass


def _copy_to_database(store: ArchiveStore, target: ArchiveURL, say: Callable[[str], None]) -> list[TableCheck]:
    db = connect(target)
    try:
        with db.write():
            if holds_archive(db):
                raise DestinationInUse(f"{target}: already holds an archive (copy writes into an empty database)")
            migrate(db)
            return _copy_tables(store, db, say)
    finally:
        db.close()


def _copy_tables(store: ArchiveStore, db: Connection, say: Callable[[str], None]) -> list[TableCheck]:
    """Copy, then check, every table, inside the destination's write transaction."""
    source = store.db
    for table in ("schema_versions", "meta"):  # the destination's own, from its creation
        db.execute(f"DELETE FROM {table}")  # noqa: S608
    sums: dict[str, _Digest] = {}
    for table in TABLES:
        sums[table] = _Digest()
        db.bulk_insert(table, TABLES[table][0], sums[table].counted(_rows(source, table)))
        if table in SERIAL_COLUMNS:
            db.sequence_follows(table, SERIAL_COLUMNS[table])
        say(f"{table}: {sums[table].rows} rows copied")
    db.bulk_loaded()
    checks = []
    for table, digest in sums.items():
        rows, sha = table_checksum(db, table)
        checks.append(TableCheck(table, digest.rows, digest.hash.hexdigest(), rows, sha))
    wrong = [check for check in checks if not check.ok]
    if wrong:
        raise CopyError("the copy differs from the source: " + "; ".join(
            f"{c.table}: {c.source_rows} rows {c.source_sha256[:12]} vs {c.copied_rows} rows {c.copied_sha256[:12]}"
            for c in wrong))
    return checks


def write_snapshot(source: str | Path | ArchiveURL, target: str | Path,
                   progress: Callable[[str], None] | None = None) -> list[TableCheck]:
    """An SQLite copy of the archive at ``source`` (either backend) as the file ``target``, which
    it replaces atomically if it exists: a self-contained file (rollback journal, not WAL, so it
    is one file to hand on) with the full-text index built, every table checked as
    :func:`copy_archive` checks. Raises what :func:`copy_archive` raises, and
    :class:`DestinationInUse` when ``target`` is the source archive itself."""
    source_url, given = ArchiveURL.parse(source), Path(target)
    target, streaming = write_target(given)  # a symbolic link's target; a FIFO or device streams
    if source_url.is_sqlite and source_url.path and (source_url.path.absolute() == target.absolute()
                                                     or source_url.path.resolve() == target.resolve()):
        raise DestinationInUse(f"{given}: is the archive itself")
    if streaming:  # no rename can put a file there: made in a temporary folder, then copied in
        with tempfile.TemporaryDirectory(prefix="mf-snapshot.") as folder:
            made = Path(folder) / "snapshot.sqlite3"
            checks = write_snapshot(source_url, made, progress)
            with made.open("rb") as snapshot, AtomicFile(given) as out:
                shutil.copyfileobj(snapshot, out)  # type: ignore[misc]
        return checks
    temporary = target.with_name(f".{target.name}.snapshot-{os.getpid()}")
    _remove_abandoned(target, "snapshot")
    for leftover in _with_journals(temporary):
        leftover.unlink(missing_ok=True)
    try:
        checks = copy_archive(source_url, ArchiveURL.sqlite(temporary), progress)
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            optimise_search(db)
            db.execute("PRAGMA journal_mode=DELETE")
        finally:
            db.close()
        os.replace(temporary, target)
    except BaseException:
        for leftover in _with_journals(temporary):
            leftover.unlink(missing_ok=True)
        raise
    return checks


def _with_journals(path: Path) -> list[Path]:
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def describe_checks(checks: list[TableCheck]) -> list[str]:
    """One line per table for people."""
    return [f"{c.table:<16} {c.copied_rows:>9} rows  sha256 {c.copied_sha256[:16]}  "
            f"{'same as the source' if c.ok else 'DIFFERS'}" for c in checks]

