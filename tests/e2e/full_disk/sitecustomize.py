"""Test-only, put on PYTHONPATH by tests.e2e.test_archive_failures: the disk that holds the
archive is full. Every SQLite connection of the process may not grow its database past
``MF_TEST_MAX_PAGES`` pages (``PRAGMA max_page_count``), so SQLite refuses the write that needs
one more page with SQLITE_FULL, "database or disk is full": the error, and the state it leaves,
of a disk with no room left (no root, loop device or tmpfs needed)."""

import contextlib
import os
import sqlite3

_PAGES = int(os.environ["MF_TEST_MAX_PAGES"])
_connect = sqlite3.connect


def _connect_on_a_full_disk(*args, **kwargs):
    db = _connect(*args, **kwargs)
    with contextlib.suppress(sqlite3.Error):  # not a database: the archive's own opening says so
        db.execute(f"PRAGMA max_page_count = {_PAGES}")
    return db


sqlite3.connect = _connect_on_a_full_disk
