"""``scrapy reextract [--source S,…] [--since YYYY-MM-DD]``: read the archived raw pages again with
today's page objects, normaliser and validation, with no network (see :mod:`crawler.reextract`).

A statement read differently gets a new version whose ``origin`` is ``reextract`` (not an edit
on the site: its ``updated`` and its Atom entry's stay); a pending page that now reads becomes a
statement. Prints one line per source (recovered, changed, unchanged, failed, skipped) and a
total on stdout; a second run changes nothing. ``--source`` limits it to some sources;
``--since`` to statements published on or after the day, and to pending pages last fetched on
or after it (their date is what they could not give). The feeds show the changes after the next
``scrapy publish`` (or ``scrapy update``).

Holds the lock of ``scrapy update`` for the sources' crawl targets, so it never runs beside a
crawl of them. Exit codes: 0 done (pending pages that still do not read stay pending); 1 when an
archived statement's page cannot be read any more (today's page objects fail where the archived
version was read: each logged with its URL and reason, its versions kept), or the archive cannot
be opened or written (checked before any page is read, and said in one line naming the archive
and the reason; batches written before a failure stay, whole); 2 for a bad command line or no
archive; 75 when an update holds the lock. Stopped by SIGINT (Ctrl-C) or SIGTERM, it says so on one
line and exits 128 + the signal (130, 143), as ``scrapy update`` and ``scrapy publish`` do: the
batches written before stay, the one being written is undone, and running it again completes the
work.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.log import configure_logging

from crawler.commands import EXIT_USAGE, one_line_usage_errors
from crawler.commands.publish import Interrupted, stopped_by_signals
from crawler.lock import AlreadyRunning, run_lock
from crawler.reextract import Reextraction, Tally
from crawler.setting_checks import check_paths
from crawler.sources import SOURCES
from crawler.store import ArchiveError, ArchiveMissing, archive_url, open_archive
from feeds.jsonl import ExportError, parse_day

if TYPE_CHECKING:
    import argparse

EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[--source S,…] [--since YYYY-MM-DD]"

    def short_desc(self) -> str:
        return "Read the archived raw pages again with today's page objects (no network)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_usage_errors(parser, "reextract")
        parser.add_argument("--source", metavar="SOURCES", help="comma-separated sources (default: all)")
        parser.add_argument("--since", metavar="YYYY-MM-DD",
                            help="statements published on or after the day (pending pages fetched since)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if self.settings.getpriority("LOG_LEVEL") < SETTINGS_PRIORITIES["cmdline"]:  # not -L nor -s
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}", print_help=False)
        opts.sources = [name.strip() for name in opts.source.split(",") if name.strip()] \
            if opts.source is not None else list(SOURCES)
        unknown = [name for name in opts.sources if name not in SOURCES]
        if unknown or not opts.sources:
            raise UsageError(f"--source {opts.source}: unknown source(s) {', '.join(unknown) or '(none given)'}; "
                             f"known: {', '.join(SOURCES)}", print_help=False)
        try:
            opts.since_day = parse_day(opts.since, "--since") if opts.since is not None else None
            if archive_url(self.settings).is_sqlite:  # its update lock: a file that cannot be made is refused now
                check_paths(self.settings, ["MF_LOCK_PATH"])
        except (ExportError, ValueError) as error:  # a date, or the archive URL (ArchiveURLError)
            raise UsageError(str(error), print_help=False) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        configure_logging(self.settings)
        spiders = [spider for source in opts.sources for spider in SOURCES[source].spiders]
        try:
            with stopped_by_signals(), open_archive(archive_url(self.settings), create=False) as store, \
                    run_lock(self.settings, spiders):
                store.check_writable()  # before reading every page again for nothing
                tallies = Reextraction(store, since=opts.since_day).run(opts.sources)
        except Interrupted as stop:  # (the transaction it was in is rolled back, the lock released)
            self._fail(f"interrupted ({stop.name}): the batches written before it stopped stay; running it again "
                       "completes the work", 128 + stop.signum)
            return
        except AlreadyRunning as error:
            self._fail(f"an update is running ({error}); exiting without doing anything", EXIT_LOCKED)
            return
        except ArchiveMissing as error:
            self._fail(str(error), EXIT_USAGE)
            return
        except ArchiveError as error:
            self._fail(str(error), 1)
            return
        total = Tally()
        for source, tally in tallies.items():
            print(tally.line(source))
            total.add(tally)
        print(total.line("reextract"))
        if total.recovered or total.changed:
            print("reextract: the feeds and dumps show the changes after the next `scrapy publish` "
                  "(or `scrapy update`)", file=sys.stderr)
        if total.failed_archived:
            print(f"reextract: {total.failed_archived} archived statement(s) could not be read again with today's "
                  "page objects (logged above with their URLs); their archived versions stay", file=sys.stderr)
        self.exitcode = 1 if total.failed_archived else 0

    def _fail(self, message: str, code: int) -> None:
        print(f"scrapy reextract: {' '.join(message.split())}", file=sys.stderr)
        self.exitcode = code
