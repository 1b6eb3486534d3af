"""The archive: every statement, every version of it, and the raw pages it came from — the only
part of the project that talks to a database.

An SQLite file by default, or a PostgreSQL database for deployments that outgrow one file; both
behind one interface. Callers say *what* they want (a :class:`Selection` of statements, a table
to count, a record to write); the store says *how*:

- :func:`open_archive` opens an archive from its URL (:mod:`crawler.store.url`), read-only if
  asked, bringing its schema up to date (:mod:`crawler.store.schema`); :func:`check_archive`
  says whether it can be written now;
- :class:`ArchiveStore` writes (:mod:`crawler.store.writing`) and reads
  (:mod:`crawler.store.reading`) it;
- :mod:`crawler.store.locks` holds named locks in a PostgreSQL archive, and
  :mod:`crawler.store.copying` copies an archive to another URL and describes one.

Nothing outside this package writes SQL or holds a database connection.
"""

from crawler.store.archive import ArchiveStore, check_archive, open_archive
from crawler.store.backend import ArchiveDamaged, ArchiveError, ArchiveMissing
from crawler.store.records import CONTENT_FIELDS, Capture, Validators, content_hash, published_utc
from crawler.store.schema import SCHEMA_VERSION
from crawler.store.selection import Selection
from crawler.store.url import ArchiveURL, ArchiveURLError, archive_url

__all__ = [
    "CONTENT_FIELDS",
    "SCHEMA_VERSION",
    "ArchiveDamaged",
    "ArchiveError",
    "ArchiveMissing",
    "ArchiveStore",
    "ArchiveURL",
    "ArchiveURLError",
    "Capture",
    "Selection",
    "Validators",
    "archive_url",
    "check_archive",
    "content_hash",
    "open_archive",
    "published_utc",
]
