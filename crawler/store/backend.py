"""The backend layer: one connection to an archive database, SQLite or PostgreSQL, behind one
small interface. Everything above it writes portable SQL with ``?`` placeholders; what differs
between the two (placeholders, transactions, streaming, bulk loads, column types, locks) is
decided here and in :mod:`crawler.store.schema`, and nowhere else.

Connections run in autocommit mode: every transaction is explicit (:meth:`Connection.write`,
:meth:`Connection.snapshot`). A failure of the archive itself — a full disk, a read-only file or
folder, a file that is not (or no longer) a database, a server that went away or refuses — is
raised as :class:`ArchiveError`, one line naming the archive and the reason, whatever the call;
an error of one statement (a value the database refuses) is raised as the driver's own, for the
caller to skip that statement. Writers are serialised as SQLite's ``BEGIN IMMEDIATE`` does, on
PostgreSQL by a transaction-level advisory lock, so a write transaction sees every write
committed before it and the archive's change sequence follows commit order.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import cache
from typing import TYPE_CHECKING, Any

from crawler.redact import scrub
from crawler.store.url import SQLITE, ArchiveURL

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

Row = tuple[Any, ...]


class ArchiveError(RuntimeError):
    """The archive cannot be opened or used; the message is one line, password hidden:
    ``LOCATION: REASON`` when ``location`` (the archive's redacted URL) is given."""

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.location = location

    @property
    def reason(self) -> str:
        """The message without the archive's location in front (for lines that name it already)."""
        message = str(self)
        if self.location and message.startswith(f"{self.location}: "):
            return message[len(self.location) + 2:]
        return message


def not_an_archive(location: str, names: Iterable[str]) -> ArchiveError:
    """The error for a database that holds tables or views (``names``) but no archive: another
    program's, which is left as it was."""
    found = sorted(names)
    shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    return ArchiveError(f"{location}: not an archive: it holds other tables ({shown}); nothing was written to it",
                        location=location)


class ArchiveDamaged(ArchiveError):
    """A row of the archive cannot be read (a raw page that does not decompress, headers that are
    not JSON, a ``meta`` value that is not a number): what it holds is lost, the rest of the
    archive can be read (a command that reads rows one by one may name it and go on)."""


class ArchiveMissing(ArchiveError):
    """No archive at the URL (nothing written there yet)."""


def lock_key(name: str) -> int:
    """A PostgreSQL advisory lock key (signed 64 bits) for a lock name of ours."""
    digest = hashlib.blake2b(f"ministry-feeds:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


WRITER_LOCK = lock_key("archive-writer")


class Connection(ABC):
    """One connection to an archive database."""

    backend: str
    url: ArchiveURL
    readonly: bool
    errors: tuple[type[BaseException], ...]
    """What a statement the database refuses raises."""
    _writing = False

    @abstractmethod
    def is_failure(self, error: BaseException) -> bool:
        """True when a driver's error means the archive itself cannot be used now (full disk,
        read-only, corrupt, unreachable), not that one statement was refused."""

    def failure(self, error: BaseException) -> ArchiveError:
        """A driver's error as the one line of :class:`ArchiveError`."""
        doing = "write" if self._writing else "read"
        return ArchiveError(f"{self.location()}: cannot {doing} the archive ({_one_line(error)})",
                            location=self.location())

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the rows it changed."""

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""

    @abstractmethod
    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""

    @abstractmethod
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query (for results of bounded size)."""

    @abstractmethod
    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 1000) -> Iterator[Row]:
        """The rows of a query, fetched ``size`` at a time: memory stays flat however many."""

    @abstractmethod
    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert many rows at once (inside a write transaction)."""

    @abstractmethod
    def sequence_follows(self, table: str, column: str) -> None:
        """After rows were inserted with their own numbers in a numbered column: new rows
        continue after the highest."""

    @abstractmethod
    def bulk_loaded(self) -> None:
        """After a bulk load: let the query planner learn the tables anew."""

    @abstractmethod
    def write(self) -> Any:
        """A context manager: a write transaction, committed at the end, rolled back on error."""

    @abstractmethod
    def savepoint(self, name: str) -> Any:
        """A context manager inside a write transaction: on error, only its writes are undone
        (and the error goes on)."""

    @abstractmethod
    def snapshot(self) -> Any:
        """A context manager: a read transaction, every query inside it sees the same archive.
        Nested inside another transaction, it changes nothing."""

    @abstractmethod
    def table_names(self) -> set[str]:
        """The tables of the archive's schema."""

    @abstractmethod
    def view_names(self) -> set[str]:
        """The views of the archive's schema (an archive has none)."""

    @abstractmethod
    def size_bytes(self) -> int:
        """The archive's size on disk."""

    @abstractmethod
    def details(self) -> dict[str, str]:
        """What the backend says of itself (versions, journal mode, server), for people."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection (an open transaction is rolled back)."""

    def location(self) -> str:
        """Where the archive is, password masked."""
        return self.url.redacted()


# --- SQLite ---------------------------------------------------------------------------------------
class SQLiteConnection(Connection):
    """An SQLite file in WAL mode (readers never block the writer, a killed writer loses only
    its open transaction). Read-only connections open the file with ``mode=ro``; in a folder
    they cannot write to (where SQLite cannot create its ``-shm`` file) they open it immutable."""

    backend = SQLITE
    errors = (sqlite3.Error,)
    #: Result codes (primary) of failures of the archive, not of a statement: SQLITE_PERM, BUSY,
    #: LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL, NOTADB.
    FAILURE_CODES = frozenset({3, 5, 6, 7, 8, 10, 11, 13, 14, 15, 26})
    #: SQLITE_CORRUPT and SQLITE_NOTADB: the file is not (or no longer) a whole archive.
    DAMAGED_CODES = frozenset({11, 26})

    def __init__(self, url: ArchiveURL, *, readonly: bool = False, create: bool = True) -> None:
        assert url.path is not None
        self.url, self.readonly = url, readonly
        path = url.path
        memory = str(path) == ":memory:"
        if not memory and (readonly or not create) and not path.exists():
            raise ArchiveMissing(f"{url}: no archive there (run `scrapy update` first)")
        if not memory and path.is_dir():
            raise ArchiveError(f"{url}: is a folder, not an archive file", location=str(url))
        journals = [] if memory else [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
        found = {journal for journal in journals if journal.exists()}
        try:
            self.db = self._open_readonly(path) if readonly else self._open(path, memory)
            self.db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as error:
            if getattr(error, "sqlite_errorcode", 0) & 0xFF in self.DAMAGED_CODES:
                # A file found broken is left as it was found: without the -wal and -shm files
                # the failed open made beside it (no writer can be using a file that is no archive).
                for journal in journals:
                    if journal not in found:
                        journal.unlink(missing_ok=True)
            raise ArchiveError(f"{url}: cannot open the archive ({error})", location=str(url)) from None

    def _open(self, path: Path, memory: bool) -> sqlite3.Connection:
        if not memory:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ArchiveError(f"{self.url}: cannot create its folder ({error.strerror})",
                                   location=str(self.url)) from None
        db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        try:
            # Another program's database is refused before the switch to WAL, which would change it.
            names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                                  "AND name NOT LIKE 'sqlite!_%' ESCAPE '!'")}
            if names and "meta" not in names:
                db.close()
                raise not_an_archive(str(self.url), names)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error:
            db.close()
            raise
        return db

    #: Result codes of a read-only open that another process's connection can cause for a moment
    #: (SQLITE_BUSY, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_PROTOCOL: its last connection closing
    #: and removing the -wal and -shm files as this one opens them): tried again, for a while.
    TRANSIENT_CODES = frozenset({5, 10, 14, 15})
    TRANSIENT_TRIES = 20

    @classmethod
    def _open_readonly(cls, path: Path) -> sqlite3.Connection:
        uri = f"file:{_uri_path(path)}?mode=ro"
        for attempt in range(1, cls.TRANSIENT_TRIES + 1):
            db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
            try:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return db
            except sqlite3.OperationalError as error:
                db.close()
                code = getattr(error, "sqlite_errorcode", 0) & 0xFF
                if code in cls.TRANSIENT_CODES and attempt < cls.TRANSIENT_TRIES and path.exists() \
                        and os.access(path.parent, os.W_OK):
                    time.sleep(0.1)
                    continue
                if path.with_name(path.name + "-wal").exists() or os.access(path.parent, os.W_OK):
                    raise
                break
        # A WAL archive in a folder we cannot write to and no writer there (no -wal file): no
        # one can change it while we read, so it may be read as immutable.
        db = sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error:
            db.close()
            raise
        return db

    def is_failure(self, error: BaseException) -> bool:
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in self.FAILURE_CODES
        return type(error) is sqlite3.DatabaseError or isinstance(error, sqlite3.InternalError)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return self.db.execute(sql, params).rowcount
        except sqlite3.Error as error:
            if self.is_failure(error):
                raise self.failure(error) from None
            raise

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self.db.executemany(sql, rows)
        except sqlite3.Error as error:
            if self.is_failure(error):
                raise self.failure(error) from None
            raise

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        try:
            return self.db.execute(sql, params).fetchone()
        except sqlite3.Error as error:
            if self.is_failure(error):
                raise self.failure(error) from None
            raise

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            if self.is_failure(error):
                raise self.failure(error) from None
            raise

    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 1000) -> Iterator[Row]:
        try:
            cursor = self.db.execute(sql, params)
            while rows := cursor.fetchmany(size):
                yield from rows
        except sqlite3.Error as error:
            if self.is_failure(error):
                raise self.failure(error) from None
            raise

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" for _ in columns)
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608

    def sequence_follows(self, table: str, column: str) -> None:
        """Nothing to do: an INTEGER PRIMARY KEY continues after the highest by itself."""

    def bulk_loaded(self) -> None:
        """Nothing to do: SQLite plans from its indexes alone (no ANALYZE, as ever)."""

    @contextmanager
    def write(self) -> Iterator[None]:
        if self.db.in_transaction:
            raise RuntimeError("a write transaction inside another transaction")
        self._writing = True
        try:
            self.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.execute("COMMIT")
            except BaseException:
                self._rollback("ROLLBACK")
                raise
        finally:
            self._writing = False

    def _rollback(self, sql: str) -> None:
        """Undo what failed; after some failures (a full disk) SQLite has undone it already, and
        the failure, not the undoing, is what the caller must hear of."""
        if self.db.in_transaction:
            with suppress(sqlite3.Error):
                self.db.execute(sql)

    @contextmanager
    def savepoint(self, name: str) -> Iterator[None]:
        self.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._rollback(f"ROLLBACK TO SAVEPOINT {name}")
            self._rollback(f"RELEASE SAVEPOINT {name}")
            raise
        self.execute(f"RELEASE SAVEPOINT {name}")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        if self.db.in_transaction:
            yield
            return
        self.execute("BEGIN")
        try:
            yield
        finally:
            if self.db.in_transaction:
                self.execute("COMMIT")

    def table_names(self) -> set[str]:
        return {row[0] for row in self.all("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def view_names(self) -> set[str]:
        return {row[0] for row in self.all("SELECT name FROM sqlite_master WHERE type = 'view'")}

    def size_bytes(self) -> int:
        path = self.url.path
        assert path is not None
        return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())

    def details(self) -> dict[str, str]:
        row = self.db.execute("PRAGMA journal_mode").fetchone()
        return {"sqlite_version": sqlite3.sqlite_version, "journal_mode": row[0] if row else "?"}

    def close(self) -> None:
        self.db.close()


def _uri_path(path: Path) -> str:
    """A path as the path part of an SQLite ``file:`` URI."""
    from urllib.parse import quote

    return quote(str(path.absolute()))


# --- PostgreSQL -----------------------------------------------------------------------------------
@cache
def _pg_sql(sql: str) -> str:
    """Our ``?`` placeholders as psycopg's ``%s`` (our SQL holds no other ``?`` nor ``%``)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection(Connection):
    """A PostgreSQL database through psycopg 3. Read-only connections are read-only sessions
    (``default_transaction_read_only``); every text column sorts bytewise (``COLLATE "C"``), as
    SQLite's do, so both backends give the same order and the same bytes."""

    backend = "postgresql"

    def __init__(self, url: ArchiveURL, *, readonly: bool = False, create: bool = True,
                 application_name: str | None = None) -> None:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        self.url, self.readonly = url, readonly
        self.errors = (psycopg.Error,)
        self._psycopg = psycopg
        self._cursors = 0
        try:
            params = conninfo_to_dict(url.conninfo or "")
        except psycopg.Error as error:
            raise ArchiveError(f"{url}: not a usable PostgreSQL URL ({_one_line(error)})", location=str(url)) from None
        params.setdefault("connect_timeout", 10)
        params.setdefault("application_name", application_name or f"ministry-feeds pid {os.getpid()}"
                          f"@{socket.gethostname()}"[:63])
        if readonly:
            params["options"] = f"{params.get('options', '')} -c default_transaction_read_only=on".strip()
        try:
            self.db = psycopg.connect(autocommit=True, **params)
        except psycopg.Error as error:
            raise ArchiveError(f"{url}: cannot connect ({_one_line(error)})", location=str(url)) from None

    @property
    def _idle(self) -> bool:
        """No transaction open. Raises :class:`ArchiveError` when the session is gone (the
        server ended it, or went away): then no transaction can be begun at all."""
        if self.db.closed:
            raise self.failure(self._psycopg.OperationalError("the connection is closed"))
        return self.db.info.transaction_status == self._psycopg.pq.TransactionStatus.IDLE

    #: SQLSTATE classes and codes of failures of the archive, not of a statement: connection
    #: (08), insufficient resources such as a full disk (53), operator intervention such as a
    #: shutdown (57), system errors (58), internal errors (XX); a read-only transaction (25006),
    #: no privilege (42501), no such database (3D000).
    FAILURE_STATES = ("08", "53", "57", "58", "XX", "25006", "42501", "3D000")

    def is_failure(self, error: BaseException) -> bool:
        if not isinstance(error, self._psycopg.Error):
            return False
        state = error.sqlstate
        if state is None:  # no answer from the server at all: the connection is gone
            return isinstance(error, self._psycopg.OperationalError | self._psycopg.InterfaceError)
        return state.startswith(self.FAILURE_STATES)

    @contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except self._psycopg.Error as error:
            if self.is_failure(error):
                raise self.failure(error) from None
            raise

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._failures():
            return self.db.execute(_pg_sql(sql), params).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._failures(), self.db.cursor() as cursor:
            cursor.executemany(_pg_sql(sql), rows)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._failures():
            return self.db.execute(_pg_sql(sql), params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._failures():
            return self.db.execute(_pg_sql(sql), params).fetchall()

    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 1000) -> Iterator[Row]:
        # A server-side cursor lives in a transaction: the caller's, or one of its own.
        with self._failures():
            if self._idle:
                with self.db.transaction():
                    yield from self._server_cursor(sql, params, size)
            else:
                yield from self._server_cursor(sql, params, size)

    def _server_cursor(self, sql: str, params: Sequence[Any], size: int) -> Iterator[Row]:
        self._cursors += 1
        with self.db.cursor(name=f"mf_stream_{self._cursors}") as cursor:
            cursor.itersize = size
            cursor.execute(_pg_sql(sql), params)
            yield from cursor

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        with self._failures(), self.db.cursor() as cursor, \
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def bulk_loaded(self) -> None:
        # Autovacuum would analyse the tables in a while; queries right after a load need
        # statistics now, or they are planned blind.
        self.db.execute("ANALYZE")

    def sequence_follows(self, table: str, column: str) -> None:
        self.db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"  # noqa: S608
                        f" COALESCE(max({column}), 0) + 1, false) FROM {table}")

    @contextmanager
    def write(self) -> Iterator[None]:
        self._writing = True  # a session found gone is a write that cannot be done
        try:
            if not self._idle:
                raise RuntimeError("a write transaction inside another transaction")
            with self._failures(), self.db.transaction():
                self.db.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
                yield
        finally:
            self._writing = False

    @contextmanager
    def savepoint(self, name: str) -> Iterator[None]:
        with self._failures(), self.db.transaction(savepoint_name=name):
            yield

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        if not self._idle:
            yield
            return
        with self._failures(), self.db.transaction():
            self.db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield

    def table_names(self) -> set[str]:
        return {row[0] for row in self.all("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}

    def view_names(self) -> set[str]:
        return {row[0] for row in self.all("SELECT viewname FROM pg_views WHERE schemaname = current_schema()")}

    def size_bytes(self) -> int:
        return int(self.db.execute("SELECT pg_database_size(current_database())").fetchone()[0])

    def details(self) -> dict[str, str]:
        info = self.db.info
        read_only = self.db.execute("SHOW default_transaction_read_only").fetchone()[0]
        return {"server_version": str(self.db.execute("SHOW server_version").fetchone()[0]),
                "host": info.host, "port": str(info.port), "database": info.dbname, "user": info.user,
                "session": "read-only" if read_only == "on" else "read-write", "psycopg": self._psycopg.__version__}

    def close(self) -> None:
        self.db.close()


def _one_line(error: BaseException) -> str:
    """A driver's message on one line, passwords scrubbed."""
    return scrub(" ".join(str(error).split()))


def connect(url: ArchiveURL, *, readonly: bool = False, create: bool = True,
            application_name: str | None = None) -> Connection:
    """A connection to the archive database at ``url``. Raises :class:`ArchiveMissing` when
    there is no archive file and ``readonly`` or not ``create``, :class:`ArchiveError` when the
    database cannot be reached."""
    if url.is_sqlite:
        return SQLiteConnection(url, readonly=readonly, create=create)
    return PostgresConnection(url, readonly=readonly, create=create, application_name=application_name)
