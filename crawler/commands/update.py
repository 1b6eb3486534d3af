"""``scrapy update``: the cron job. Crawls every enabled target in one process, incrementally,
keeps the health records, publishes the public folder from the archive, and writes the run report.

Exit codes: 0 when every target succeeded, 1 when any failed (one summary line per target on
stderr either way), 2 for a bad command line, 75 when another update holds the lock.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES

from crawler.commands.publish import publish_archive
from crawler.lock import AlreadyRunning, run_lock
from crawler.report import summarise, write_report
from crawler.sources import SOURCES
from crawler.store import ArchiveError, ArchiveURLError, archive_url, open_archive

if TYPE_CHECKING:
    import argparse

EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later


def default_targets() -> list[str]:
    """Every spider of every registered source, in registry order."""
    return [spider for source in SOURCES.values() for spider in source.spiders]


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--only SPIDER,…] [--replay DIR]"

    def short_desc(self) -> str:
        return "Crawl every source incrementally, then report (the cron job)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--only", metavar="SPIDERS", help="comma-separated spider names (default: all)")
        parser.add_argument("--replay", metavar="DIR", help="answer every request from this offline mirror")
        parser.add_argument("--pages", metavar="N", help="at most N listing pages per section")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        # Cron mails what a run prints: warnings, errors and the summary lines (-L INFO for more).
        assert self.settings is not None
        if self.settings.getpriority("LOG_LEVEL") < SETTINGS_PRIORITIES["cmdline"]:  # not -L nor -s
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        assert self.settings is not None
        assert self.crawler_process is not None
        known = set(self.crawler_process.spider_loader.list())
        targets = [name.strip() for name in opts.only.split(",") if name.strip()] if opts.only \
            else default_targets()
        unknown = [name for name in targets if name not in known]
        if unknown or not targets:
            raise UsageError(f"unknown spider(s): {', '.join(unknown) or '(none given)'}; "
                             f"known: {', '.join(sorted(known))}", print_help=False)
        spider_args: dict[str, Any] = {}
        if opts.replay:
            spider_args["replay"] = opts.replay
        if opts.pages:
            spider_args["pages"] = opts.pages
        try:
            archive_url(self.settings)
        except ArchiveURLError as error:
            raise UsageError(str(error), print_help=False) from None
        try:
            with run_lock(self.settings, targets):
                self.exitcode = self._update(targets, spider_args)
        except AlreadyRunning as error:
            print(f"scrapy update: another update is running ({error}); exiting without doing anything",
                  file=sys.stderr)
            self.exitcode = EXIT_LOCKED
        except ArchiveError as error:
            print(f"scrapy update: {error}", file=sys.stderr)
            self.exitcode = 1

    def _update(self, targets: list[str], spider_args: dict[str, Any]) -> int:
        started = datetime.now(UTC)
        crawlers = []
        for name in targets:
            crawler = self.crawler_process.create_crawler(name)
            crawlers.append(crawler)
            self.crawler_process.crawl(crawler, **spider_args)
        self.crawler_process.start()
        finished = datetime.now(UTC)
        runs = [summarise(crawler.spidercls.name, crawler.stats.get_stats() if crawler.stats else {})
                for crawler in crawlers]
        with open_archive(archive_url(self.settings)) as store:
            for run in runs:
                store.record_run(run.name, run.ok, finished.isoformat(timespec="seconds"),
                                 "; ".join(run.errors) or None)
        published = self._publish()
        report = write_report(self.settings.get("MF_REPORT_DIR"), started, finished, runs, published)
        for run in runs:
            print(run.summary_line(), file=sys.stderr)
        print(f"publish: {published['summary']}", file=sys.stderr)
        print(f"report: {report}", file=sys.stderr)
        return 0 if all(run.ok for run in runs) and published["ok"] else 1

    def _publish(self) -> dict[str, Any]:
        """Publish from the archive whatever the crawls did: a failed source keeps its last good
        statements in the archive, so its feeds keep them too."""
        try:
            result = publish_archive(self.settings)
        except (OSError, ValueError, ArchiveError, AlreadyRunning) as error:
            return {"ok": False, "error": str(error), "summary": f"FAILED: {error}"}
        summary = (f"{result.feeds} feeds, {result.rendered} documents rendered, {len(result.written)} files "
                   f"written, {result.unchanged} unchanged, {len(result.skipped_entries)} entries skipped")
        return {**result.as_dict(), "summary": summary}
