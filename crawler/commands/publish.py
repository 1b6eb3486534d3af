"""``scrapy publish [--full]``: write the public folder (feeds, OPML, index page) from the archive.

Only what changed since the last publication is rendered again (``--full`` renders everything),
and files whose bytes did not change are left alone.
"""

from __future__ import annotations

import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import EXIT_USAGE, one_line_usage_errors
from crawler.files import describe, remove_leftovers
from crawler.lock import AlreadyRunning, publish_lock
from crawler.setting_checks import PUBLICATION, check_paths, check_settings
from crawler.store import ArchiveError, ArchiveMissing, archive_url, open_archive
from feeds.publish import PublishOptions, PublishResult, publish

EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

    from scrapy.settings import BaseSettings


def publish_options(settings: BaseSettings) -> PublishOptions:
    """Publishing options from the project's settings; ValueError naming a setting that cannot be
    used (a count that is not a number, a base URL that is not absolute)."""
    check_settings(settings, PUBLICATION)  # (so every count below is a usable whole number)
    # A public folder that cannot be made or written is the command line's fault, found before
    # the archive is read (or, in `scrapy update`, before anything is crawled).
    check_paths(settings, ["MF_PUBLIC_DIR"])
    return PublishOptions(
        base_url=str(settings.get("MF_PUBLIC_BASE_URL")),
        out_dir=Path(settings.get("MF_PUBLIC_DIR")),
        entries=settings.getint("MF_FEED_ENTRIES"),
        archive_page=settings.getint("MF_FEED_ARCHIVE_PAGE"),
        max_bytes=settings.getint("MF_FEED_MAX_BYTES"),
        max_content_chars=settings.getint("MF_FEED_MAX_CONTENT_CHARS"),
        pending_max_attempts=settings.getint("MF_PENDING_MAX_ATTEMPTS"),
        buffer_bytes=settings.getint("MF_PUBLISH_BUFFER_BYTES"),
    )


def publish_archive(settings: BaseSettings, full: bool = False,
                    progress: PublishResult | None = None) -> PublishResult:
    """Publish the archive named by the settings, opened read-only, holding the publish lock.
    Raises ValueError for a setting that cannot be used (a public folder that cannot be made or
    written included), ArchiveURLError for a bad archive URL,
    ArchiveMissing when there is no archive yet, ArchiveError when it cannot be read,
    AlreadyRunning when another publication holds the lock too long, OSError when the public
    folder cannot be written. ``progress``: the result to fill in as it goes (read when it is
    stopped midway)."""
    options = publish_options(settings)
    url = archive_url(settings)
    with open_archive(url, readonly=True) as store, publish_lock(settings):
        try:
            return publish(store, options, full=full, progress=progress)
        except Interrupted:
            # A signal lands where it will: between a temporary file's making and the ``with`` that
            # would discard it, too. Cleared here, under the lock, where no other publication
            # writes; a second signal is ignored by now (stopped_by_signals).
            remove_leftovers(options.out_dir)
            raise


class Interrupted(BaseException):
    """A signal asked the publication to stop. A BaseException, as KeyboardInterrupt is: no
    ``except Exception`` on the way holds it up, and every ``with`` on the way closes what it
    opened (a file being written is discarded, the lock released, the archive closed)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGINT (Ctrl-C) and SIGTERM (a service manager, ``kill``) raise :class:`Interrupted`
    where the publication is, instead of ending the process without a word (SIGTERM's default)
    or with a traceback (Ctrl-C's KeyboardInterrupt). A second signal while it stops is ignored."""

    def stop(signum: int, frame: object) -> None:
        for number in handled:
            signal.signal(number, signal.SIG_IGN)
        raise Interrupted(signum)

    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, stop) for number in handled}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--full]"

    def short_desc(self) -> str:
        return "Write the public folder (Atom feeds, OPML, index page) from the archive"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_usage_errors(parser, "publish")
        parser.add_argument("--full", action="store_true", help="render every feed, not only what changed")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}", print_help=False)
        assert self.settings is not None
        progress = PublishResult()
        try:
            with stopped_by_signals():
                self._publish(opts.full, progress)
        except Interrupted as stop:  # as `scrapy update` exits when interrupted: 128 + the signal
            print(f"scrapy publish: interrupted ({stop.name}): {progress.stopped()}", file=sys.stderr)
            self.exitcode = 128 + stop.signum

    def _publish(self, full: bool, progress: PublishResult) -> None:
        assert self.settings is not None
        try:
            result = publish_archive(self.settings, full=full, progress=progress)
        except (ValueError, ArchiveMissing) as error:  # a bad setting or archive URL, no archive yet
            print(f"scrapy publish: {error}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        except AlreadyRunning as error:
            print(f"scrapy publish: another publication is running ({error})", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        except ArchiveError as error:
            print(f"scrapy publish: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        except OSError as error:  # the public folder cannot be written (a full disk): the file named
            print(f"scrapy publish: {describe(error)}", file=sys.stderr)
            self.exitcode = 1
            return
        print(f"published {self.settings.get('MF_PUBLIC_DIR')}: {result.summary()}", file=sys.stderr)
        if result.not_published:  # each is logged with its reason; the files keep what they had
            self.exitcode = 1
