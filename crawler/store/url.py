"""Where the archive lives: an archive URL, parsed and checked, that never shows its password.

Two kinds (see the README, "Scaling out"):

- ``sqlite:///data/archive.sqlite3``: an SQLite file; three slashes and a relative path (relative
  to the working folder), four for an absolute one (``sqlite:////srv/mf/archive.sqlite3``), as in
  SQLAlchemy's URLs;
- ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAM=VALUE…]``: a PostgreSQL database, a
  libpq connection URI (``postgres://`` too). The password may also come from ``PGPASSWORD`` or
  ``~/.pgpass``, as libpq reads them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from scrapy.settings import SETTINGS_PRIORITIES

from crawler.redact import register_secret

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
FORMS = "sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE"
_PASSWORD_IN_URL = re.compile(r"(://[^/@:?#]*:)[^@/?#]*@")


class ArchiveURLError(ValueError):
    """An archive URL that cannot be used; the message is one line naming it (password hidden)."""


def mask_password(text: str) -> str:
    """``postgresql://bob:secret@db/x`` → ``postgresql://bob:***@db/x``, in any text."""
    return _PASSWORD_IN_URL.sub(r"\1***@", text)


@dataclass(frozen=True)
class ArchiveURL:
    """A parsed archive URL. ``str()`` of it is the redacted form, safe for logs and reports."""

    backend: str
    """``sqlite`` or ``postgresql``."""
    path: Path | None = None
    """The SQLite file (relative paths are relative to the working folder)."""
    conninfo: str | None = field(default=None, repr=False)
    """The libpq connection URI, password included: for the driver only."""
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str | Path | ArchiveURL, *, name: str = "archive URL") -> ArchiveURL:
        """Parse an archive URL (a :class:`~pathlib.Path` is an SQLite file). Raises
        :class:`ArchiveURLError` naming ``name`` and the (masked) value."""
        if isinstance(text, ArchiveURL):
            return text
        if isinstance(text, Path):
            return cls.sqlite(text)
        text = str(text).strip()

        def bad(reason: str) -> ArchiveURLError:
            return ArchiveURLError(f"{name}: {mask_password(text)!r} {reason}")

        try:
            parts = urlsplit(text)
        except ValueError as error:
            raise bad(f"is not an archive URL ({error}); use {FORMS}") from None
        scheme = parts.scheme.lower()
        if scheme == "sqlite":
            if parts.netloc or parts.query or parts.fragment:
                raise bad(f"is not an SQLite archive URL; use {FORMS}")
            relative = parts.path[1:] if parts.path.startswith("/") else ""
            if not relative:
                raise bad("names no file; use sqlite:///relative/path or sqlite:////absolute/path")
            return cls.sqlite(Path(unquote(relative)))
        if scheme in ("postgresql", "postgres"):
            try:
                port = parts.port
            except ValueError:
                raise bad("has a port that is not a number") from None
            if port == 0:
                raise bad("has port 0")
            if parts.fragment:
                raise bad("has a fragment (#…)")
            database = unquote(parts.path[1:]) if parts.path.startswith("/") else parts.path
            if "/" in database:
                raise bad("names a database with a '/' in it")
            password = unquote(parts.password) if parts.password is not None else None
            if password:
                register_secret(password)
                register_secret(parts.password)
            return cls(POSTGRESQL, conninfo=text, password=password)
        raise bad(f"is not an archive URL; use {FORMS}")

    @classmethod
    def sqlite(cls, path: str | Path) -> ArchiveURL:
        return cls(SQLITE, path=Path(path))

    @property
    def is_sqlite(self) -> bool:
        return self.backend == SQLITE

    def redacted(self) -> str:
        """The URL with its password masked."""
        if self.backend == SQLITE:
            return f"sqlite:///{self.path}"  # an absolute path brings the fourth slash
        return mask_password(self.conninfo or "")

    def without_password(self) -> str:
        """The URL with no password in it, neither in its user part nor as a ``password``
        parameter: what another process may be given (in a command line, a Scrapyd job), which
        reads its password from ``PGPASSWORD`` or ``~/.pgpass``."""
        if self.backend == SQLITE:
            return self.redacted()
        parts = urlsplit(self.conninfo or "")
        netloc = parts.netloc
        if "@" in netloc:
            user, host = netloc.rsplit("@", 1)
            netloc = f"{user.split(':', 1)[0]}@{host}"
        query = "&".join(pair for pair in parts.query.split("&") if pair and pair.split("=", 1)[0] != "password")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))

    def __str__(self) -> str:
        return self.redacted()


#: The URL ``crawler/settings.py`` gives ``MF_ARCHIVE_URL`` (what it is when nobody gave one).
DEFAULT_URL = "sqlite:///data/archive.sqlite3"


def archive_url(settings: BaseSettings) -> ArchiveURL:
    """The archive named by the settings: ``MF_ARCHIVE_URL``, or the older ``MF_ARCHIVE_PATH``
    (a file path) when that one was given and the URL was not given as strongly: with ``-s``
    over a URL from the environment or the settings, or from the environment (where every ``MF_``
    setting may come from, at the settings' priority) over the default URL.
    Raises :class:`ArchiveURLError` for a URL that cannot be used."""
    path = settings.get("MF_ARCHIVE_PATH")
    path_priority = settings.getpriority("MF_ARCHIVE_PATH") or 0
    url_priority = settings.getpriority("MF_ARCHIVE_URL") or 0
    if path is not None and (path_priority > url_priority
                             or (path_priority == url_priority and settings.get("MF_ARCHIVE_URL") == DEFAULT_URL)):
        if not str(path).strip():  # (else read as not given: the default archive, not the one meant)
            where = "-s MF_ARCHIVE_PATH" if path_priority >= SETTINGS_PRIORITIES["cmdline"] else \
                "environment variable MF_ARCHIVE_PATH" if os.environ.get("MF_ARCHIVE_PATH") == str(path) \
                else "MF_ARCHIVE_PATH"
            raise ArchiveURLError(f"{where}=: no path given")
        return ArchiveURL.sqlite(path)
    url = settings.get("MF_ARCHIVE_URL")
    if not url:
        raise ArchiveURLError("MF_ARCHIVE_URL is empty; use " + FORMS)
    return ArchiveURL.parse(url, name="MF_ARCHIVE_URL")
