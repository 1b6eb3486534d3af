"""Named locks held in a PostgreSQL archive, so that processes on several machines can agree on
who does what: PostgreSQL session advisory locks, on a connection of their own. The server
releases them when their holder ends, however it ends (SIGKILL included), so a crashed run never
leaves a stale lock. An SQLite archive has no such locks: one machine uses lock files
(:mod:`crawler.lock`).
"""

from __future__ import annotations

import os
import socket
import time
from typing import TYPE_CHECKING

from crawler.store.backend import ArchiveError, PostgresConnection, lock_key
from crawler.store.url import ArchiveURL

if TYPE_CHECKING:
    from pathlib import Path


class LockHeld(ArchiveError):
    """Another process holds the lock; the message names the lock and its holder."""


def _split(key: int) -> tuple[int, int]:
    """A 64-bit advisory key as pg_locks shows it: (classid, objid)."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    return unsigned >> 32, unsigned & 0xFFFF_FFFF


class ArchiveLocks:
    """Locks named by strings (``update:mid``, ``publish:…``) in one PostgreSQL archive.

    ``purpose`` names the holder in ``pg_stat_activity`` (its ``application_name``, with the
    process id and host), which is how a second process can say who holds a lock.
    """

    def __init__(self, url: str | Path | ArchiveURL, purpose: str) -> None:
        url = ArchiveURL.parse(url)
        if url.is_sqlite:
            raise ValueError("an SQLite archive holds no locks: use lock files")
        self.url = url
        name = f"ministry-feeds {purpose} pid {os.getpid()}@{socket.gethostname()}"[:63]
        self.db = PostgresConnection(url, readonly=True, application_name=name)
        self.held: list[str] = []

    def acquire(self, names: list[str], wait: float = 0.0) -> None:
        """Take every lock of ``names`` or none: waits up to ``wait`` seconds for each, then
        raises :class:`LockHeld` (having released those it took)."""
        for name in names:
            deadline = time.monotonic() + wait
            while not self._try(name):
                if time.monotonic() >= deadline:
                    holder = self.holder(name) or "another process"
                    self.release()
                    raise LockHeld(f"{name} is held by {holder}")
                time.sleep(min(0.2, max(0.01, deadline - time.monotonic())))
            self.held.append(name)

    def _try(self, name: str) -> bool:
        row = self.db.one("SELECT pg_try_advisory_lock(?)", (lock_key(name),))
        return bool(row and row[0])

    def holder(self, name: str) -> str | None:
        """Who holds a lock, as its holder named itself, and since when; None when it is free."""
        classid, objid = _split(lock_key(name))
        row = self.db.one(
            "SELECT l.pid, a.application_name, a.backend_start FROM pg_locks l"
            " LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.classid::bigint = ? AND l.objid::bigint = ?"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (classid, objid))
        if row is None:
            return None
        pid, application, since = row
        who = application or f"server process {pid}"
        return f"{who} since {since.isoformat(timespec='seconds')}" if since else who

    def release(self) -> None:
        """Let go of every lock taken."""
        for name in reversed(self.held):
            self.db.one("SELECT pg_advisory_unlock(?)", (lock_key(name),))
        self.held.clear()

    def close(self) -> None:
        """Release and disconnect. When releasing fails (the server already ended the session:
        a restart, a terminated connection), the locks went with the session: session locks
        never outlive their connection."""
        try:
            self.release()
        except ArchiveError:
            self.held.clear()
        finally:
            self.db.close()

    def __enter__(self) -> ArchiveLocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
