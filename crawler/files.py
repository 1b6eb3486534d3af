"""Writing files that readers may be looking at: never half-written."""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import stat
import tempfile
from pathlib import Path

#: The names :func:`write_atomic` gives its temporary files: ``.<target name>.<8 random
#: characters of tempfile's>.tmp``, beside the target.
TEMPORARY_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def named(error: OSError, path: str | Path) -> OSError:
    """``error`` naming ``path`` (the file the user gave, not a temporary one): the same errno
    and reason, so its class stays (BrokenPipeError, …); ``error`` itself when it names a file."""
    if error.filename is not None and str(error.filename) == str(path):
        return error
    renamed = OSError(error.errno, error.strerror or str(error), str(path))
    renamed.__cause__ = error
    return renamed


def describe(error: OSError) -> str:
    """One line for an OSError: ``FILE: reason`` when it names a file (``public/mid/en.atom: No
    space left on device``), else its reason (or its message, for one raised with a message)."""
    if error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return error.strerror or str(error)


def write_target(path: str | Path) -> tuple[Path, bool]:
    """Where a write of ``path`` goes, and whether it streams: a symbolic link is followed (the
    file it points at is written, the link stays); an existing FIFO, character device or other
    non-regular file (``/dev/stdout``, a named pipe) is written in place, streaming (True); a
    regular or new file is written beside itself and renamed over (False). IsADirectoryError
    (naming ``path``) for a folder, another OSError naming it for a path that cannot be looked
    at (a loop of links)."""
    given = Path(path)
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    try:
        mode = os.stat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):  # a new file (its folder is the writer's to check)
        return target, False
    except OSError as error:  # a loop of links, a name too long
        raise named(error, given) from error
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(given))
    return target, not stat.S_ISREG(mode)


class AtomicFile:
    """A file written beside its target and hashed (SHA-256) as it is written, then renamed over
    the target (:meth:`commit`) or deleted (:meth:`discard`): readers of the target see the old
    file or the new one whole, never a part. As a context manager it commits at the end of the
    block, and discards when the block raises. Its temporary file is named as
    :data:`TEMPORARY_NAME` says: a dotfile, which :func:`remove_leftovers` clears away after a
    kill. With ``fsync`` the bytes reach the disk before the rename; a caller writing many files
    may leave that out and flush them all at once at the end (:func:`sync_folder`).

    The target is found by :func:`write_target`: a symbolic link's target is replaced (the link
    stays); a FIFO or device (``/dev/stdout``) is written in place as the bytes come, since no
    rename can put a file there (then ``temporary`` is None, and a discard cannot take back what
    was written). Every OSError it raises names ``path`` as given (IsADirectoryError for a
    folder), never its temporary file."""

    def __init__(self, path: str | Path, *, fsync: bool = True) -> None:
        self.path = Path(path)
        self.target, self.streaming = write_target(self.path)
        self.temporary: Path | None = None
        try:
            if self.streaming:
                self.handle = open(self.target, "wb")  # noqa: SIM115 (closed by commit or discard)
            else:
                self.target.parent.mkdir(parents=True, exist_ok=True)
                fd, temporary = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp",
                                                 dir=self.target.parent)
                self.temporary = Path(temporary)
                self.handle = os.fdopen(fd, "wb")
        except OSError as error:
            raise named(error, self.path) from error
        self.fsync = fsync
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        try:
            self.handle.write(data)
        except OSError as error:
            raise named(error, self.path) from error
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        try:
            self.handle.flush()
        except OSError as error:
            raise named(error, self.path) from error

    def commit(self) -> None:
        """Put the file in place of the target (a streamed one: flush and close it)."""
        try:
            self.handle.flush()
            if self.fsync and not self.streaming:
                os.fsync(self.handle.fileno())
            self.handle.close()
            if self.temporary is not None:
                os.chmod(self.temporary, 0o644)
                os.replace(self.temporary, self.target)
        except BaseException as error:
            self.discard()
            if isinstance(error, OSError):
                raise named(error, self.path) from error
            raise

    def discard(self) -> None:
        """Leave the target as it is, and delete what was written. Never raises for the file: a
        close that fails to flush the rest (a full disk) still deletes the temporary file."""
        try:
            self.handle.close()
        except OSError:
            pass
        finally:
            if self.temporary is not None:
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
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block, a device never match
            return False
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
