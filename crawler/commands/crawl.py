"""``scrapy crawl SPIDER [-a NAME=VALUE …]``: Scrapy's own command, with the spider's arguments
checked before anything starts. An unknown spider or a bad argument (``-a pages=abc``, a
``replay`` folder without a mirror, a language or section the spider does not have) is one line
on stderr naming it, and exit code 2, instead of a traceback from inside the crawl.

An archive that cannot be used (not reachable, not a database, read-only, on a full disk) is one
line naming it and the reason, exit 1: checked before the crawl starts, and said after it when
the archive failed under it (the crawl stops at once, see :mod:`crawler.events`)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from crawler.commands import one_line_usage_errors
from crawler.events import ARCHIVE_ERROR
from crawler.spiders.base import SpiderArgumentError
from crawler.store import ArchiveError, archive_url, check_archive

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
            archive_url(self.settings)
        except ValueError as error:  # ArchiveURLError
            raise UsageError(str(error), print_help=False) from None

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
        failure = self.crawler.stats.get_value(ARCHIVE_ERROR) if self.crawler and self.crawler.stats else None
        if failure:
            print(f"scrapy crawl: {failure}", file=sys.stderr)
            self.exitcode = 1

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        # Kept to read its stats when the crawl is over (Scrapy's command keeps none).
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler
