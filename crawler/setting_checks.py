"""The settings the project reads, checked before anything starts.

A value given with ``-s NAME=VALUE`` (or in a settings module) that a crawl or a publication
could not use is refused here with one line naming it, before any crawl, log or archive write.
Without the check, the fault would surface mid-run: a traceback from inside a spider, a crawl
recorded as failed in the source's health although the source was never asked, or a finished
crawl whose publication then fails.

Each check takes the value as Scrapy gives it (a string from the command line, or the settings
module's own type) and reads it the way the code that uses it reads it (``getint``,
``getfloat``, ``getbool``, JSON for a schedule).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.settings import default_settings as scrapy_defaults

from crawler import settings as defaults
from crawler.incremental import RecheckSchedule
from crawler.paths import cannot_make_in, cannot_write_in

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from scrapy.settings import BaseSettings


@dataclass(frozen=True)
class _Whole:
    """A whole number of at least ``least`` (``int()`` of the value; ``"2.5"``, ``2.5`` and
    ``"abc"`` are not; ``5e6`` in a settings module is)."""

    least: int
    most: int = 2**62
    """(Below SQLite's and PostgreSQL's largest integer: counts are compared with stored ones.)"""

    def __call__(self, value: object) -> str | None:
        try:
            number = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError, OverflowError):
            number = None
        if number is None or (isinstance(value, float) and not value.is_integer()) or number < self.least:
            return f"not a whole number of at least {self.least}"
        if number > self.most:
            return f"more than {self.most}, the most this project takes"
        return None


@dataclass(frozen=True)
class _Seconds:
    """A number of seconds: at least 0, or above 0 when ``positive``."""

    positive: bool = False

    def __call__(self, value: object) -> str | None:
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = None
        if number is None or number != number or number in (float("inf"), float("-inf")) \
                or number < 0 or (self.positive and number == 0):
            return f"not a number of seconds {'above' if self.positive else 'of at least'} 0"
        return None


def _boolean(value: object) -> str | None:
    """True, False, 1 or 0, and as strings ``True``, ``true``, ``False``, ``false``, ``1``, ``0``:
    what Scrapy's ``getbool`` reads (it refuses ``TRUE``; it takes other whole numbers too, which
    are refused here as the mistakes they would be)."""
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return None
    if isinstance(value, str) and (value.strip() in ("0", "1") or value in ("True", "true", "False", "false")):
        return None
    return "not a boolean (True, False, 1 or 0)"


def http_url_problem(text: str, *, base: bool = False) -> str | None:
    """Why ``text`` is not an absolute http(s) URL with a host (and a valid port, if any), or None.
    ``base``: a URL that paths are appended to, so it may have no query or fragment either.
    White space and control characters are refused anywhere in it: such a URL goes into request
    lines and headers (``MF_CONTACT_URL`` into the User-Agent), where a newline would start a
    header of its own."""
    if any(character.isspace() or not character.isprintable() for character in text):
        return "not an absolute http(s) URL (white space or control characters in it)"
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as error:  # an invalid port or IPv6 literal: Python's reason says which
        return f"not an absolute http(s) URL ({error})"
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok \
            or any(character.isspace() for character in text):
        return "not an absolute http(s) URL"
    if base and (parts.query or parts.fragment or "?" in text or "#" in text):
        return "an absolute http(s) URL without query or fragment is needed"
    return None


def _base_url(value: object) -> str | None:
    return http_url_problem(str(value), base=True)


def _url(value: object) -> str | None:
    return http_url_problem(str(value))


def _folder(value: object) -> str | None:
    """A folder files can be written in, or one that can be made there (Scrapy makes a missing
    ``JOBDIR`` with its parents, as we make the public and report folders): crawler.paths.cannot_make_in."""
    text = str(value)
    if not text.strip():
        return "no folder given"
    if Path(text).exists() and not Path(text).is_dir():
        return "is not a folder"
    return cannot_make_in(text)


def _writable_file(value: object, folder_problem: Callable[[Path], str | None]) -> str | None:
    """Why no file can be written at ``value``, or None: an existing one is opened to append
    (nothing in it changes, and a file the system refuses is found now); a new one is judged by
    ``folder_problem`` of its folder."""
    text = str(value)
    if not text.strip():
        return "no path given"
    path = Path(text)
    if path.is_dir():
        return "is a folder, not a file"
    if path.exists():
        try:
            with path.open("a", encoding="utf-8"):
                pass
        except OSError as error:
            return f"cannot be written ({error.strerror or error})"
        return None
    problem = folder_problem(path.parent)
    return None if problem is None else f"folder {path.parent} {problem}"


def _file(value: object) -> str | None:
    """A file that can be opened for writing, or made (with its folders) where it is named: a
    lock file (crawler.paths.cannot_make_in), found unusable here and not when the run takes its
    lock."""
    return _writable_file(value, cannot_make_in)


def _log_file(value: object) -> str | None:
    """Scrapy's log file (``LOG_FILE``, ``--logfile``): a file that can be appended to, in a folder
    that exists (crawler.paths.cannot_write_in): Scrapy's ``logging.FileHandler`` makes no folder,
    and failed with a traceback when it opened the file as the crawl started."""
    return _writable_file(value, cannot_write_in)


def _schedule(value: object) -> str | None:
    """``[[max_age_days, every_hours], …]``, as JSON on the command line (crawler.incremental)."""
    try:
        RecheckSchedule.from_setting(value)
    except (TypeError, ValueError):
        return "not a list of [max_age_days, every_hours] pairs, as JSON"
    return None


#: Setting → the check of its value (None: usable; else the reason it is not).
CHECKS: dict[str, Callable[[object], str | None]] = {
    # publication (crawler.commands.publish reads these with their own minimums as well)
    "MF_FEED_ENTRIES": _Whole(1),
    "MF_FEED_ARCHIVE_PAGE": _Whole(1),
    "MF_FEED_MAX_BYTES": _Whole(1024),
    "MF_FEED_MAX_CONTENT_CHARS": _Whole(1000),
    "MF_PUBLISH_BUFFER_BYTES": _Whole(64 * 1024),
    "MF_PUBLISH_LOCK_TIMEOUT": _Seconds(),
    "MF_PUBLIC_BASE_URL": _base_url,
    # the User-Agent names it (crawler.deployment)
    "MF_CONTACT_URL": _url,
    # the archive and the crawls
    "MF_ARCHIVE_BATCH_SIZE": _Whole(1),
    "MF_ARCHIVE_BATCH_BYTES": _Whole(1),
    "MF_RETRY_BACKOFF_BASE": _Seconds(),
    "MF_RETRY_BACKOFF_MAX": _Seconds(),
    "MF_DEFAULT_LISTING_PAGES": _Whole(1),
    "MF_MID_ARCHIVE_PAGE_SIZE": _Whole(1),
    "MF_MEA_IN_PAGE_SIZE": _Whole(1),
    "MF_GAC_CA_PAGE_SIZE": _Whole(1),
    "MF_GOVUK_PAGE_SIZE": _Whole(1),
    "MF_RECHECK_SCHEDULE": _schedule,
    "MF_RECHECK_MAX_PER_RUN": _Whole(0),
    "MF_PENDING_MAX_ATTEMPTS": _Whole(1),
    "MF_OBEY_CRAWL_DELAY": _boolean,
    "MF_RUN_RECORDS_DAYS": _Whole(1),
    # runs on Scrapyd nodes
    "MF_SCRAPYD_JOBS_PER_NODE": _Whole(1),
    "MF_SCRAPYD_POLL_INTERVAL": _Seconds(positive=True),
    "MF_SCRAPYD_TIMEOUT": _Seconds(positive=True),
    "MF_SCRAPYD_NODE_FAILURES": _Whole(1),
    "MF_SCRAPYD_ATTEMPTS": _Whole(1),
    "MF_SCRAPYD_CANCEL_WAIT": _Seconds(),
    # Scrapy's own, as the project sets them
    "CONCURRENT_REQUESTS": _Whole(1, 10_000),
    "CONCURRENT_REQUESTS_PER_DOMAIN": _Whole(1, 10_000),
    "CONCURRENT_ITEMS": _Whole(1, 10_000),
    "DOWNLOAD_DELAY": _Seconds(),
    "DOWNLOAD_DELAY_JITTER": _Seconds(),
    "DOWNLOAD_TIMEOUT": _Seconds(positive=True),
    "DOWNLOAD_MAXSIZE": _Whole(0),
    "DOWNLOAD_WARNSIZE": _Whole(0),
    "RETRY_TIMES": _Whole(0),
    "ROBOTSTXT_OBEY": _boolean,
    "AUTOTHROTTLE_ENABLED": _boolean,
    "AUTOTHROTTLE_START_DELAY": _Seconds(),
    "AUTOTHROTTLE_MAX_DELAY": _Seconds(),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": _Seconds(positive=True),
    "JOBDIR": _folder,
    # every site's base URL (MF_MID_BASE_URL, MF_GAC_CA_API_BASE_URL, …)
    **{name: _base_url for name in dir(defaults) if name.startswith("MF_") and name.endswith("_BASE_URL")},
}


#: The files and folders the commands write, checked (by :func:`check_paths`) only by the commands
#: that write them: the check makes a probe file in the folder, which no other command should do.
PATHS: dict[str, Callable[[object], str | None]] = {
    "MF_PUBLIC_DIR": _folder,
    "MF_REPORT_DIR": _folder,
    "MF_LOCK_PATH": _file,
}


#: What a publication reads (``scrapy publish`` checks only these).
PUBLICATION = ("MF_FEED_ENTRIES", "MF_FEED_ARCHIVE_PAGE", "MF_FEED_MAX_BYTES", "MF_FEED_MAX_CONTENT_CHARS",
               "MF_PUBLISH_BUFFER_BYTES", "MF_PUBLISH_LOCK_TIMEOUT", "MF_PUBLIC_BASE_URL", "MF_PENDING_MAX_ATTEMPTS")


def _number(value: object) -> str | None:
    """A number, or what ``getbool`` reads (Scrapy reads some settings whose default is a number,
    such as ``TELNETCONSOLE_ENABLED``, as booleans)."""
    if isinstance(value, (int, float)) or value in ("True", "true", "False", "false"):
        return None
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "not a number"
    return None


def _status_codes(value: object) -> str | None:
    """HTTP status codes, as ``getlist`` reads them (a list, or a comma-separated string)."""
    codes = value.split(",") if isinstance(value, str) else value
    try:
        if all(100 <= int(code) <= 599 for code in codes):  # type: ignore[union-attr]
            return None
    except (TypeError, ValueError):
        pass
    return "not a list of HTTP status codes (100 to 599)"


def _log_level(value: object) -> str | None:
    """A level Python's logging knows: a number, or a name as written (``INFO``; logging refuses
    ``info``)."""
    if isinstance(value, int) or (isinstance(value, str) and value in logging.getLevelNamesMapping()):
        return None
    return f"not a log level ({', '.join(name for name in logging.getLevelNamesMapping() if name != 'NOTSET')})"


#: Settings whose value is a list or a name, beyond the kinds below.
CHECKS_OF_FORM: dict[str, Callable[[object], str | None]] = {
    "RETRY_HTTP_CODES": _status_codes,
    "LOG_LEVEL": _log_level,
    "LOG_FILE": _log_file,
}


def _by_default(name: str) -> Callable[[object], str | None] | None:
    """The check of a setting :data:`CHECKS` does not name, from its default's type in Scrapy's
    default settings: a boolean, or a number; None for any other."""
    default = vars(scrapy_defaults).get(name)  # (not getattr: a deprecated name warns)
    if isinstance(default, bool):
        return _boolean
    if isinstance(default, (int, float)):
        return _number
    return None


def check_settings(settings: BaseSettings, names: Iterable[str] | None = None) -> None:
    """ValueError ``-s NAME=VALUE: reason`` for the first setting whose value cannot be used:
    of :data:`CHECKS` (or of ``names``, a part of it); when ``names`` is not given, also every
    other setting given whose Scrapy default is a boolean or a number, and :data:`CHECKS_OF_FORM`.
    Each is read as the code that uses it reads it, so no value accepted here fails there."""
    if names is None:
        given = [name for name in settings if name not in CHECKS]
        checks = {**CHECKS, **CHECKS_OF_FORM,
                  **{name: check for name in given if name not in CHECKS_OF_FORM and (check := _by_default(name))}}
    else:
        checks = {name: CHECKS[name] for name in names}
    for name, check in checks.items():
        value = settings.get(name)
        if value is None:  # not set: the code that reads it uses its own default
            continue
        reason = check(value)
        if reason is not None:
            raise ValueError(f"{given_as(settings, name)}={_shown(value)}: {reason}")


def check_paths(settings: BaseSettings, names: Iterable[str]) -> None:
    """ValueError ``-s NAME=VALUE: reason`` for the first of ``names`` (of :data:`PATHS`) whose
    file or folder cannot be made or written: refused before anything starts, as a bad value is
    (not found when the run has done its work and cannot keep it). A value not set at all (None)
    is refused too: the code that writes there has no default of its own."""
    for name in names:
        value = settings.get(name)
        reason = PATHS[name]("" if value is None else value)
        if reason is not None:
            raise ValueError(f"{given_as(settings, name)}={_shown(value or '')}: {reason}")


def from_environment(settings: BaseSettings, name: str) -> bool:
    """Whether the setting's value is the one the environment gave (crawler.deployment reads
    every ``MF_`` setting from it, at the settings module's priority)."""
    value = os.environ.get(name)
    return value is not None and settings.getpriority(name) == SETTINGS_PRIORITIES["project"] \
        and str(settings.get(name)) == value


def given_as(settings: BaseSettings, name: str) -> str:
    """How the setting was given, as a message names it: ``-s NAME`` on the command line,
    ``environment variable NAME``, else ``NAME`` (the settings module)."""
    if settings.getpriority(name) == SETTINGS_PRIORITIES["cmdline"]:
        return f"-s {name}"
    return f"environment variable {name}" if from_environment(settings, name) else name



def _shown(value: object) -> str:
    """The value as the command line gave it (a list or a number as Python writes it); a text
    with a line break or another control character as Python writes it too, quoted and escaped,
    so that the message stays one line and shows what was there."""
    if isinstance(value, str):
        return value if value.isprintable() else repr(value)
    return repr(value)
