"""Writing files that readers may be looking at: never half-written."""

from __future__ import annotations

import ctypes
import errno
import os
import re
import tempfile
from pathlib import Path

#: The names :func:`write_atomic` gives its temporary files: ``.<target name>.<8 random
#: characters of tempfile's>.tmp``, beside the target.
TEMPORARY_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def write_atomic(path: str | Path, data: bytes, *, fsync: bool = True) -> None:
    """Write beside the target, then rename over it (readers see old or new). With ``fsync``
    the bytes are flushed to disk before the rename; a caller writing many files may leave that
    out and flush them all at once at the end (:func:`sync_folder`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_leftovers(folder: str | Path) -> list[Path]:
    """Delete the temporary files that writers killed in the middle of :func:`write_atomic` left
    below ``folder``; returns them."""
    removed = []
    for directory, _names, files in os.walk(folder):
        for name in files:
            if TEMPORARY_NAME.match(name):
                path = Path(directory) / name
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def sync_folder(folder: str | Path) -> None:
    """Flush to disk everything written on the file system that holds ``folder``: Linux's
    ``syncfs(2)`` (one pass over the file system, where an ``fsync`` per file waits for a journal
    commit each), or ``sync(2)`` where there is none."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            syncfs = libc.syncfs
        except (OSError, AttributeError):
            os.sync()
            return
        if syncfs(fd) != 0:
            code = ctypes.get_errno()
            if code != errno.ENOSYS:
                raise OSError(code, os.strerror(code), str(folder))
            os.sync()
    finally:
        os.close(fd)
