"""Checks of the files and folders a command is told to write, made before anything is written,
so that a path that cannot be used is one line naming it instead of a traceback from deep inside
(a temporary file's name the user never gave)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cannot_write_in(folder: str | Path) -> str | None:
    """Why no file can be made in ``folder`` ("does not exist", "is not a folder", or the
    system's reason, e.g. "Permission denied"), or None when one can. The test is making (and
    removing) a temporary file there: ``os.access`` says yes to root everywhere, /proc included."""
    folder = Path(folder)
    if not folder.exists():
        return "does not exist"
    if not folder.is_dir():
        return "is not a folder"
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-check.", dir=folder)
    except OSError as error:
        return f"cannot be written ({error.strerror})"
    os.close(fd)
    Path(probe).unlink(missing_ok=True)
    return None


def cannot_make_in(folder: str | Path) -> str | None:
    """Why no file can be made in ``folder``, which is made (with its parents) when missing: as
    :func:`cannot_write_in`, of the folder or else of the nearest folder above it that exists
    (then named: "cannot be made: /proc cannot be written (No such file or directory)")."""
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    problem = cannot_write_in(existing)
    if problem is None or existing == folder:
        return problem
    return f"cannot be made: {existing} {problem}"
