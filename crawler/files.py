"""Writing files that readers may be looking at: never half-written."""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import tempfile
from pathlib import Path

#: The names :func:`write_atomic` gives its temporary files: ``.<target name>.<8 random
#: characters of tempfile's>.tmp``, beside the target.
TEMPORARY_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


class AtomicFile:
    """A file written beside its target and hashed (SHA-256) as it is written, then renamed over
    the target (:meth:`commit`) or deleted (:meth:`discard`): readers of the target see the old
    file or the new one whole, never a part. As a context manager it commits at the end of the
    block, and discards when the block raises. Its temporary file is named as
    :data:`TEMPORARY_NAME` says: a dotfile, which :func:`remove_leftovers` clears away after a
    kill. With ``fsync`` the bytes reach the disk before the rename; a caller writing many files
    may leave that out and flush them all at once at the end (:func:`sync_folder`)."""

    def __init__(self, path: str | Path, *, fsync: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self.temporary = Path(temporary)
        self.handle = os.fdopen(fd, "wb")
        self.fsync = fsync
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.handle.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.handle.flush()

    def commit(self) -> None:
        """Put the file in place of the target."""
        try:
            self.handle.flush()
            if self.fsync:
                os.fsync(self.handle.fileno())
            self.handle.close()
            os.chmod(self.temporary, 0o644)
            os.replace(self.temporary, self.path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Leave the target as it is, and delete what was written."""
        self.handle.close()
        self.temporary.unlink(missing_ok=True)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def write_atomic(path: str | Path, data: bytes, *, fsync: bool = True) -> None:
    """Write ``data`` as :class:`AtomicFile` does: beside the target, then renamed over it."""
    with AtomicFile(path, fsync=fsync) as handle:
        handle.write(data)


def same_bytes(path: str | Path, sha256: str, size: int) -> bool:
    """Whether the file at ``path`` holds ``size`` bytes of that SHA-256 (False: no such file)."""
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size != size:
                return False
            return hashlib.file_digest(handle, "sha256").hexdigest() == sha256
    except FileNotFoundError:
        return False


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
