"""One run at a time, and one publication at a time.

With an SQLite archive (one machine), ``scrapy update`` holds an exclusive lock on a file
(``MF_LOCK_PATH``, then, once the archive is known usable, ``<archive>.update.lock`` beside it),
released by the kernel when the process ends (even by SIGKILL), so a crashed
run never leaves a stale lock behind. With a PostgreSQL archive (several machines), it holds one
advisory lock per crawl target in the archive itself (:mod:`crawler.store.locks`): two machines
may crawl different targets at once, never the same one.

Publishing takes a lock of its own, waiting for it (``MF_PUBLISH_LOCK_TIMEOUT`` seconds at
most): a file lock in the public folder, and on PostgreSQL an advisory lock per public base URL,
so two publications of the same site never interleave, from one machine or several.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.store import ArchiveURL, archive_url
from crawler.store.locks import ArchiveLocks, LockHeld

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scrapy.settings import BaseSettings

PUBLISH_LOCK_FILE = ".publish.lock"


class AlreadyRunning(RuntimeError):
    """Another process holds the lock; the message says which and since when."""


class RunLock:
    """``with RunLock(path): …`` — raises :class:`AlreadyRunning` if held elsewhere, at once or
    after ``wait`` seconds."""

    def __init__(self, path: str | Path, wait: float = 0.0) -> None:
        self.path = Path(path)
        self.wait = wait
        self.handle = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                raise AlreadyRunning(f"{self.path} is held by {holder}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def archive_lock_path(archive: Path) -> Path:
    """The update lock file of an SQLite archive: ``<archive>.update.lock`` beside it, by its
    real path (a symbolic link or another spelling of the path names the same lock). Updates
    started from other working folders, or with another ``MF_LOCK_PATH``, meet there."""
    archive = Path(os.path.realpath(archive))
    return archive.with_name(archive.name + ".update.lock")


@contextmanager
def _advisory(url: ArchiveURL, purpose: str, names: list[str], wait: float) -> Iterator[None]:
    with ArchiveLocks(url, purpose) as locks:
        try:
            locks.acquire(names, wait=wait)
        except LockHeld as error:
            raise AlreadyRunning(f"{error} (in {url})") from None
        yield


@contextmanager
def run_lock(settings: BaseSettings, targets: list[str]) -> Iterator[None]:
    """The lock of a ``scrapy update`` of ``targets``: the lock file, or one advisory lock per
    target in a PostgreSQL archive. Raises :class:`AlreadyRunning` when taken, ArchiveError when
    the archive cannot be reached."""
    url = archive_url(settings)
    if url.is_sqlite:
        with RunLock(settings.get("MF_LOCK_PATH")):
            yield
    else:
        with _advisory(url, "update", [f"update:{name}" for name in targets], 0.0):
            yield


@contextmanager
def publish_lock(settings: BaseSettings) -> Iterator[None]:
    """The lock of one publication of the public folder; waits ``MF_PUBLISH_LOCK_TIMEOUT``
    seconds at most, then raises :class:`AlreadyRunning`."""
    wait = settings.getfloat("MF_PUBLISH_LOCK_TIMEOUT")
    url = archive_url(settings)
    with ExitStack() as stack:
        if not url.is_sqlite:
            stack.enter_context(_advisory(url, "publish", [f"publish:{settings.get('MF_PUBLIC_BASE_URL')}"], wait))
        stack.enter_context(RunLock(Path(settings.get("MF_PUBLIC_DIR")) / PUBLISH_LOCK_FILE, wait=wait))
        yield
