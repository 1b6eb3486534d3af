"""``scrapy crawl SPIDER [-a NAME=VALUE …]``: Scrapy's own command, with the spider's arguments
checked before anything starts. An unknown spider or a bad argument (``-a pages=abc``, a
``replay`` folder without a mirror, a language or section the spider does not have) is one line
on stderr naming it, and exit code 2, instead of a traceback from inside the crawl; so is a
``JOBDIR`` a killed crawl left, which cannot be resumed from (crawler.jobdir).

An archive that cannot be used (not reachable, not a database, read-only, on a full disk) is one
line naming it and the reason, exit 1: checked before the crawl starts, and said after it when
the archive failed under it (the crawl stops at once, see :mod:`crawler.events`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader
from w3lib.url import file_uri_to_path

from crawler import settings as default_settings
from crawler.commands import one_line_usage_errors
from crawler.events import ARCHIVE_ERROR, crawl_stats
from crawler.feedstorage import FAILED as FEED_FAILED
from crawler.jobdir import jobdir_problem
from crawler.paths import cannot_write_in
from crawler.setting_checks import check_settings, given_as
from crawler.spiders.base import SpiderArgumentError
from crawler.store import ArchiveError, ArchiveURL, ArchiveURLError, archive_url, check_archive

if TYPE_CHECKING:
    import argparse

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings


def check_spider_arguments(settings: BaseSettings, names: list[str], arguments: dict[str, Any]) -> None:
    """UsageError naming an unknown spider or the first bad argument of one; each spider checks its
    arguments when it is made, so it is made once here, before any crawl (and its log) starts."""
    loader = get_spider_loader(settings)
    for name in names:
        try:
            spidercls = loader.load(name)
        except KeyError:
            raise UsageError(f"no spider {name!r} (spiders: {', '.join(sorted(loader.list()))})",
                             print_help=False) from None
        try:
            spidercls(**arguments)
        except SpiderArgumentError as error:
            raise UsageError(str(error), print_help=False) from None
    check_archive_folder(settings)


def check_archive_folder(settings: BaseSettings) -> None:
    """UsageError for an unusable archive URL, or an SQLite archive whose folder does not exist
    (a mistyped path is refused, never created; the default ``data/`` folder is the exception, so
    a fresh clone's first run works), or cannot be written when the archive is still to be made."""
    try:
        url = archive_url(settings)
    except ArchiveURLError as error:
        raise UsageError(str(error), print_help=False) from None
    if not url.is_sqlite or url.path is None or str(url.path) == ":memory:":
        return
    folder = url.path.parent
    try:
        default = ArchiveURL.parse(default_settings.MF_ARCHIVE_URL).path
    except ArchiveURLError:  # (the default is read from the environment, where it may be anything)
        default = None
    if not folder.exists() and (default is None or folder.resolve() != default.parent.resolve()):
        raise UsageError(f"archive URL {url}: folder {folder} does not exist", print_help=False)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"archive URL {url}: {folder} is not a folder", print_help=False)
    # An archive still to be made in a folder nothing can be written in (/proc, a read-only mount)
    # is as much the command line's fault as a missing folder. (An archive that exists is opened
    # and checked as such: one that cannot be written is the archive's fault, exit 1.)
    if folder.is_dir() and not url.path.exists() and (problem := cannot_write_in(folder)) is not None:
        raise UsageError(f"archive URL {url}: folder {folder} {problem}", print_help=False)


def check_feed_targets(settings: BaseSettings, opts: argparse.Namespace) -> None:
    """UsageError for a feed export to a local file (``-o``/``-O`` PATH, or ``FEEDS``) whose folder
    does not exist or cannot be written, or that is a folder: found before the crawl, instead of
    a traceback for every item and a crawl that ends 0 without its feed. (Other storages, and
    paths with ``%(name)s`` parameters filled in at the crawl, are left to the crawl.)"""
    given = {**{uri: "-o" for uri in opts.output or []}, **{uri: "-O" for uri in opts.overwrite_output or []}}
    for uri in settings.getdict("FEEDS"):
        text = str(uri)
        scheme = urlsplit(text).scheme
        if scheme not in ("", "file") or "%(" in text:
            continue
        path = Path(file_uri_to_path(text) if scheme == "file" else text)
        option = next((f"{flag} {raw}" for raw, flag in given.items() if raw == text or raw.startswith(f"{text}:")),
                      f"FEEDS {text}")
        if path.is_dir():
            raise UsageError(f"{option}: is a folder, not a file", print_help=False)
        problem = cannot_write_in(path.parent)
        if problem is not None:
            raise UsageError(f"{option}: folder {path.parent} {problem}", print_help=False)


class Command(ScrapyCrawlCommand):
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_usage_errors(parser, "crawl")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if len(args) == 1:
            check_spider_arguments(self.settings, args, opts.spargs)
        try:
            check_settings(self.settings)
            archive_url(self.settings)
        except ValueError as error:  # a setting, the archive URL (ArchiveURLError)
            raise UsageError(str(error), print_help=False) from None
        jobdir = self.settings.get("JOBDIR")
        if jobdir and (problem := jobdir_problem(jobdir)):
            raise UsageError(f"{given_as(self.settings, 'JOBDIR')}={jobdir}: {problem}", print_help=False)
        check_feed_targets(self.settings, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        self.crawler: Crawler | None = None
        if len(args) == 1:
            try:
                check_archive(archive_url(self.settings))
            except ArchiveError as error:
                print(f"scrapy crawl: {error}", file=sys.stderr)
                self.exitcode = 1
                return
        super().run(args, opts)
        stats = crawl_stats(self.crawler) if self.crawler else None
        failure = stats.get_value(ARCHIVE_ERROR) if stats else None
        if failure:
            print(f"scrapy crawl: {failure}", file=sys.stderr)
            self.exitcode = 1
        elif stats is not None and (failed := sorted(key.rsplit("/", 1)[-1] for key in stats.get_stats()
                                                     if key.startswith("feedexport/failed_count/"))):
            # (Scrapy logs a feed it could not store and exits 0: the crawl's output is missing)
            named = "; ".join(stats.get_value(FEED_FAILED) or []) or f"a feed of {', '.join(failed)}"
            print(f"scrapy crawl: {args[0]}: feed export not written: {named}", file=sys.stderr)
            self.exitcode = 1
        elif stats is not None and stats.get_value("finish_reason") == "start_error":
            # (Scrapy logs the error and exits 0: the spider's first requests could not be made)
            print(f"scrapy crawl: {args[0]}: the crawl did not start (start_error, see the log)", file=sys.stderr)
            self.exitcode = 1

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        # Kept to read its stats when the crawl is over (Scrapy's command keeps none).
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler
