"""The archive store: one object for reading and writing an archive, on either backend, and the
one function that opens it from its URL."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from crawler.store.backend import ArchiveError, ArchiveMissing, connect, not_an_archive
from crawler.store.reading import ArchiveReader
from crawler.store.runs import RunRecords
from crawler.store.schema import SCHEMA_VERSION, TABLES, foreign_objects, migrate, newer_schema, schema_version
from crawler.store.selection import Selection
from crawler.store.url import ArchiveURL
from crawler.store.writing import ArchiveWriter

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from crawler.store.backend import Connection

logger = logging.getLogger(__name__)


class ArchiveStore(ArchiveWriter, ArchiveReader, RunRecords):
    """Reads and writes one archive (see :mod:`crawler.store.writing`, :mod:`crawler.store.reading`
    and, for the records of crawl runs, :mod:`crawler.store.runs`). Made by :func:`open_archive`."""

    def __init__(self, db: Connection) -> None:
        self.db = db
        self._seq = None

    @property
    def url(self) -> ArchiveURL:
        return self.db.url

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.db.backend

    @property
    def readonly(self) -> bool:
        return self.db.readonly

    def location(self) -> str:
        """The archive's URL, password masked: what logs and messages may show."""
        return self.db.location()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside it sees the archive as it was when it began (and what cannot change
        is read once)."""
        outermost = self._months_read is None
        with self.db.snapshot():
            if outermost:
                self._months_read = {}
            try:
                yield
            finally:
                if outermost:
                    self._months_read = None

    def schema_version(self) -> int:
        return schema_version(self.db)

    def schema_history(self) -> list[tuple[int, str | None, str]]:
        """(version, applied at, description) of every schema version, oldest first."""
        return [(int(v), at, what) for v, at, what in
                self.db.all("SELECT version, applied_at, description FROM schema_versions ORDER BY version")]

    def size_bytes(self) -> int:
        """The archive's size on disk (an SQLite file with its WAL, a PostgreSQL database)."""
        return self.db.size_bytes()

    def describe(self) -> dict[str, Any]:
        """What the archive holds, for people: where it is (password masked), its backend and
        schema, its size, the rows of every table, statements by source and language, the
        change sequence and every crawl target's health."""
        with self.snapshot():
            return {
                "url": self.location(), "backend": self.backend, **self.db.details(),
                "schema_version": self.schema_version(), "schema_history": self.schema_history(),
                "size_bytes": self.size_bytes(), "change_seq": self.change_seq(),
                "tables": {table: self.count(table) for table in TABLES},
                "statements": {f"{source}/{language}": count for (source, language), count in
                               self.counts_by(Selection(include_repeats=True), "source", "language").items()},
                "health": self.health(),
            }

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ArchiveStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Seconds an SQLite file that exists but shows no archive is looked at again before it is said
#: to hold none (see :func:`open_archive`).
EMPTY_FILE_WAIT = 2.0


def open_archive(url: str | Path | ArchiveURL, *, readonly: bool = False, create: bool = True,
                 application_name: str | None = None) -> ArchiveStore:
    """Open the archive at ``url`` (an archive URL; a :class:`~pathlib.Path` is an SQLite file),
    bringing its schema to this release's version first.

    ``readonly``: no write can happen through it (SQLite ``mode=ro``, a read-only PostgreSQL
    session); an archive of an older schema is migrated through a second, writable connection
    first. ``create``: make a new archive when there is none (never when ``readonly``).

    Raises :class:`~crawler.store.url.ArchiveURLError` for a bad URL, :class:`ArchiveMissing`
    when there is no archive (and none is to be made), :class:`ArchiveError` when the database
    cannot be reached or its schema is newer than this release's.
    """
    url = ArchiveURL.parse(url)
    db = connect(url, readonly=readonly, create=create, application_name=application_name)
    try:
        found = schema_version(db)
        # An SQLite file that is there but shows no archive may be one being made (the first
        # `scrapy update` makes the file, then its tables in one transaction): looked at again
        # for a moment before it is said to hold none, and then said as it is, never "no archive
        # there" of a file that exists.
        deadline = time.monotonic() + EMPTY_FILE_WAIT
        while found == 0 and (readonly or not create) and url.is_sqlite and url.path is not None \
                and url.path.exists() and not foreign_objects(db) and time.monotonic() < deadline:
            db.close()
            time.sleep(0.1)
            db = connect(url, readonly=readonly, create=create, application_name=application_name)
            found = schema_version(db)
        if found > SCHEMA_VERSION:
            raise newer_schema(db.location(), found)
        if found == 0 and (readonly or not create):
            foreign = foreign_objects(db)
            if foreign:  # another program's database, not one still to be made
                raise not_an_archive(db.location(), foreign)
            if url.is_sqlite and url.path is not None and url.path.exists():
                what = "an empty file" if url.path.stat().st_size == 0 else "an SQLite database without tables"
                raise ArchiveMissing(f"{url}: holds no archive yet ({what}; run `scrapy update` first)")
            raise ArchiveMissing(f"{url}: no archive there (run `scrapy update` first)")
        if found < SCHEMA_VERSION and readonly:  # migrate through a writable connection, then reopen
            db.close()
            _migrate_for_reading(url, found)
            db = connect(url, readonly=True, create=False, application_name=application_name)
        elif found < SCHEMA_VERSION:
            with db.write():
                migrate(db)
            if found:
                logger.warning("%s: schema migrated from version %d to %d", url, found, SCHEMA_VERSION)
    except BaseException:
        db.close()
        raise
    return ArchiveStore(db)


def check_archive(url: str | Path | ArchiveURL, *, application_name: str | None = None) -> None:
    """Raise :class:`ArchiveError` unless the archive at ``url`` can be opened and written now
    (its file, folder, disk or server all allow it; one is made where there is none): what a
    command that writes checks before it starts work it could not keep."""
    with open_archive(url, application_name=application_name) as store:
        store.check_writable()


def _migrate_for_reading(url: ArchiveURL, found: int) -> None:
    try:
        writable = connect(url, create=False)
    except ArchiveError as error:
        raise ArchiveError(f"{url}: schema version {found} must be migrated to {SCHEMA_VERSION} first, and the "
                           f"archive cannot be opened for writing ({error})") from None
    try:
        with writable.write():
            migrate(writable)
        logger.warning("%s: schema migrated from version %d to %d", url, found, SCHEMA_VERSION)
    except (ArchiveError, *writable.errors) as error:
        raise ArchiveError(f"{url}: schema version {found} must be migrated to {SCHEMA_VERSION} first, and the "
                           f"archive cannot be written ({error})") from None
    finally:
        writable.close()
