"""One run at a time: an exclusive lock on a file, released by the kernel when the process ends
(even by SIGKILL), so a crashed run never leaves a stale lock behind."""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path


class AlreadyRunning(RuntimeError):
    """Another process holds the lock; the message says which and since when."""


class RunLock:
    """``with RunLock(path): …`` — raises :class:`AlreadyRunning` at once if held elsewhere."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.handle = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
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
