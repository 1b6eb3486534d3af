"""``scrapy update``: the cron job. Crawls every enabled target in one process, incrementally,
keeps the health records, publishes the public folder from the archive, and writes the run report.

Exit codes: 0 when every target succeeded, 1 when any failed (one summary line per target on
stderr either way), 2 for a bad command line, 75 when another update holds the lock.

An archive that cannot be used — not reachable, not a database, truncated, read-only, on a full
disk — is one line on stderr naming it and the reason (``scrapy update: URL: why``), then the
targets' summary lines and the run report, which say what failed; exit 1. It is checked
before any crawl (one write, undone), so a run does not fetch what it could not keep; an archive
that fails during the crawls ends them (see :mod:`crawler.events`), and what was committed before
is published as usual.

Interrupted (SIGINT, Ctrl-C's, or SIGTERM), it exits with 128 + the signal (130, 143) and the
run report says so (``interrupted``), whenever the signal comes once the command has started
(during Python's import of Scrapy and of the commands, before any of this command's code runs,
the interpreter's defaults apply). Before the crawls or during them: no health record, no
publishing; a crawl not started is not started, a running one stops gracefully (a second signal
stops it at once). Once the crawls have ended, while it publishes, it stops publishing as
``scrapy publish`` does (every published file whole, old or new); the health records stand. Once
the publication has ended, the report says so; a signal that comes as the report is being
written, or later, is too late to change anything and is ignored.

With ``--scrapyd URL[,URL…]`` the crawls run as jobs on those Scrapyd nodes instead, against the
same PostgreSQL archive, and this process follows them, then publishes and reports as above
(:mod:`crawler.scrapyd`).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.defer import deferred_from_coro

from crawler.commands import one_line_usage_errors
from crawler.commands.crawl import check_spider_arguments
from crawler.commands.publish import Interrupted, publish_archive, publish_options, stopped_by_signals
from crawler.events import ARCHIVE_ERROR, crawl_stats
from crawler.files import describe
from crawler.jobdir import jobdir_problem
from crawler.lock import AlreadyRunning, RunLock, archive_lock_path, run_lock
from crawler.paths import cannot_make_in
from crawler.replay import Mirror, MirrorError
from crawler.report import TargetRun, interrupted_run, not_crawled, summarise, write_report
from crawler.setting_checks import check_paths, check_settings, given_as
from crawler.sources import SOURCES
from crawler.store import ArchiveError, ArchiveURL, archive_url, check_archive, open_archive
from feeds.publish import PublishResult

if TYPE_CHECKING:
    import argparse

    from twisted.internet.interfaces import IReactorCore, IReactorThreads

logger = logging.getLogger(__name__)

EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later


def default_targets() -> list[str]:
    """Every spider of every registered source, in registry order."""
    return [spider for source in SOURCES.values() for spider in source.spiders]


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--only SPIDER,…] [--replay DIR] [--pages N] [--scrapyd URL,…]"

    def short_desc(self) -> str:
        return "Crawl every source incrementally, then report (the cron job)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_usage_errors(parser, "update")
        parser.add_argument("--only", metavar="SPIDERS", help="comma-separated spider names (default: all)")
        parser.add_argument("--replay", metavar="DIR", help="answer every request from this offline mirror")
        parser.add_argument("--pages", metavar="N", help="at most N listing pages per section")
        parser.add_argument("--scrapyd", metavar="URLS",
                            help="run the crawls as jobs on these Scrapyd nodes (comma-separated URLs)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        # From the command's first step, a signal asks the run to stop (see _signalled).
        self.interrupted: str | None = None
        self._crawls: IReactorCore | None = None
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._signalled)
        super().process_options(args, opts)
        # Cron mails what a run prints: warnings, errors and the summary lines (-L INFO for more).
        assert self.settings is not None
        if self.settings.getpriority("LOG_LEVEL") < SETTINGS_PRIORITIES["cmdline"]:  # not -L nor -s
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
        # Every argument is checked before any crawl (and its log) starts: one line, exit 2.
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}", print_help=False)
        known = set(get_spider_loader(self.settings).list())
        # A target named twice is one target: crawled once, one summary line (dict keeps the order).
        opts.targets = list(dict.fromkeys(name.strip() for name in opts.only.split(",") if name.strip())) \
            if opts.only is not None else default_targets()
        unknown = [name for name in opts.targets if name not in known]
        if unknown or not opts.targets:
            raise UsageError(f"--only {opts.only}: unknown spider(s) {', '.join(unknown) or '(none given)'}; "
                             f"known: {', '.join(sorted(known))}", print_help=False)
        jobdir = self.settings.get("JOBDIR")
        if jobdir and len(opts.targets) > 1:  # (the crawls would share one record of requests seen)
            raise UsageError(f"{given_as(self.settings, 'JOBDIR')}={jobdir}: the state of one crawl; with several "
                             "targets, give it with --only TARGET", print_help=False)
        if jobdir and (problem := jobdir_problem(jobdir)):
            raise UsageError(f"{given_as(self.settings, 'JOBDIR')}={jobdir}: {problem}", print_help=False)
        opts.spider_args = {}
        if opts.pages is not None:
            if not opts.pages.strip().isdigit() or int(opts.pages) < 1:
                raise UsageError(f"--pages {opts.pages}: not a number of listing pages (1 or more)",
                                 print_help=False)
            opts.spider_args["pages"] = opts.pages.strip()
        if opts.replay is not None:
            try:
                Mirror(opts.replay)
            except MirrorError as error:
                raise UsageError(f"--replay {opts.replay}: {error}", print_help=False) from None
            opts.spider_args["replay"] = opts.replay
        check_spider_arguments(self.settings, opts.targets, opts.spider_args)
        try:
            check_settings(self.settings)
            publish_options(self.settings)  # the public folder's path too
            # Where the run writes its report, and its lock file (an SQLite archive's): a path
            # that cannot be used is refused now, not found after the crawls.
            check_paths(self.settings, ["MF_REPORT_DIR", *(["MF_LOCK_PATH"] if archive_url(self.settings).is_sqlite
                                                          else [])])
            opts.nodes = None
            if opts.scrapyd is not None:
                from crawler import scrapyd  # requests and scrapyd-client, only for a run on Scrapyd

                opts.nodes = scrapyd.node_urls(opts.scrapyd)
                scrapyd.archive_for_nodes(self.settings)
        except ValueError as error:  # a setting, the archive URL (ArchiveURLError), --scrapyd
            raise UsageError(str(error), print_help=False) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        assert self.crawler_process is not None
        targets, spider_args = opts.targets, opts.spider_args
        started = datetime.now(UTC)
        try:
            with ExitStack() as held:
                try:
                    held.enter_context(run_lock(self.settings, targets))
                except OSError as error:  # the lock file, found usable before the run, failed since
                    print(f"scrapy update: MF_LOCK_PATH: {describe(error)}", file=sys.stderr)
                    self.exitcode = 1
                    return
                if self.interrupted is not None:  # (Scrapyd's run watches signals from its own start)
                    self.exitcode = self._interrupted(started, datetime.now(UTC), [summarise(name, {})
                                                                                   for name in targets])
                elif opts.nodes:
                    from crawler import scrapyd

                    self.exitcode = scrapyd.ScrapydRun(self.settings, opts.nodes, targets, spider_args,
                                                       scrapyd.settings_given(opts.set), self._publish,
                                                       self._finish, started).run()
                else:
                    self.exitcode = self._update(targets, spider_args, started)
        except AlreadyRunning as error:
            print(f"scrapy update: another update is running ({error}); exiting without doing anything",
                  file=sys.stderr)
            self.exitcode = EXIT_LOCKED
        except ArchiveError as error:  # a PostgreSQL archive's lock could not be taken: no server
            self.exitcode = self._not_crawled(targets, error, started)

    def _update(self, targets: list[str], spider_args: dict[str, Any], started: datetime) -> int:
        url = archive_url(self.settings)
        try:
            check_archive(url)
        except ArchiveError as error:
            return self._not_crawled(targets, error, started)
        with ExitStack() as held:
            if url.is_sqlite:  # the archive's own lock: whatever MF_LOCK_PATH another update has
                lock = archive_lock_path(url.path)
                try:
                    held.enter_context(RunLock(lock))
                except OSError as error:
                    reason = f"its lock file {lock} cannot be made ({error.strerror or error})"
                    return self._not_crawled(targets, ArchiveError(f"{url.redacted()}: {reason}",
                                                                   location=url.redacted()), started)
            return self._crawl(url, targets, spider_args, started)

    def _crawl(self, url: ArchiveURL, targets: list[str], spider_args: dict[str, Any], started: datetime) -> int:
        """The targets' crawls in this process, the run record, publication and the report."""
        from twisted.internet import reactor  # the one the crawler process installed

        # A signal from here on stops the crawls (_signalled); one noted before: none starts.
        self._crawls = reactor
        if self.interrupted is not None:
            return self._interrupted(started, datetime.now(UTC), [summarise(name, {}) for name in targets])
        crawlers = []
        for name in targets:
            crawler = self.crawler_process.create_crawler(name)
            crawlers.append(crawler)
            self.crawler_process.crawl(crawler, **spider_args)
        # Scrapy's and Twisted's own handlers are left out: they would take over only once the
        # reactor runs, and a signal before that would stop the crawls without a word.
        self.crawler_process.start(install_signal_handlers=False)
        self._crawls = None
        finished = datetime.now(UTC)
        stats = [collector.get_stats() if (collector := crawl_stats(crawler)) else {} for crawler in crawlers]
        runs = [summarise(crawler.spidercls.name, stat) for crawler, stat in zip(crawlers, stats, strict=True)]
        if self.interrupted is None and any(run.finish_reason == "shutdown" for run in runs):
            self.interrupted = "a shutdown signal"
        if self.interrupted is not None:
            return self._interrupted(started, finished, runs)
        failure = next((str(stat[ARCHIVE_ERROR]) for stat in stats if stat.get(ARCHIVE_ERROR)), None)
        health_recorded = True
        try:
            with open_archive(url) as store:
                for run in runs:
                    store.record_run(run.name, run.ok, finished.isoformat(timespec="seconds"),
                                     "; ".join(run.errors) or None)
        except ArchiveError as error:
            failure, health_recorded = failure or str(error), False
        archive = {"url": url.redacted(), "ok": failure is None, "error": failure, "health_recorded": health_recorded}
        progress = PublishResult()
        published = None
        try:
            # While it publishes a signal stops the publication where it is, as in `scrapy publish`.
            with stopped_by_signals():
                if self.interrupted is not None:  # came since the crawls ended: nothing is published
                    raise Interrupted(signal.Signals[self.interrupted])
                published = self._publish(progress)
        except Interrupted as stop:
            self.interrupted = stop.name
            if published is None:
                published = {"ok": False, "interrupted": stop.name,
                             "summary": f"interrupted ({stop.name}): {progress.stopped()}"}
        if published.get("archive_failed"):
            failure = failure or published["error"]
        if failure is not None:
            print(f"scrapy update: {failure}", file=sys.stderr)
        archive.update(ok=failure is None, error=failure)
        return self._finish(started, finished, runs, published, archive)

    def _not_crawled(self, targets: list[str], error: ArchiveError, started: datetime) -> int:
        """The archive cannot be used: no crawl, no publication (the public folder keeps what it
        has); one line for the archive, the targets' lines and the run report say so."""
        print(f"scrapy update: {error}", file=sys.stderr)
        runs = [not_crawled(name, error.reason) for name in targets]
        published = {"ok": False, "error": str(error), "summary": "not done: the archive cannot be used "
                     "(the public folder keeps what it had)"}
        archive = {"url": str(archive_url(self.settings)), "ok": False, "error": str(error), "health_recorded": False}
        return self._finish(started, datetime.now(UTC), runs, published, archive)

    def _finish(self, started: datetime, finished: datetime, runs: list[TargetRun], published: dict[str, Any],
                archive: dict[str, Any], extra: dict[str, Any] | None = None) -> int:
        """The targets' summary lines, publishing's and the run report's (exit code 1 when the
        report cannot be written: it is how a failure is seen); ``extra``: more keys of the report.
        A signal that came before the report is written is said in it (exit code 128 + the
        signal); one that comes later is too late to change anything and is ignored."""
        for run in runs:
            print(run.summary_line(), file=sys.stderr)
        print(f"publish: {published['summary']}", file=sys.stderr)
        interrupted = self.interrupted
        if interrupted is not None and not published.get("interrupted"):  # publishing had ended
            print(f"scrapy update: interrupted ({interrupted}) with nothing left to stop", file=sys.stderr)
        code = 128 + signal.Signals[interrupted] if interrupted is not None else None
        try:
            report = write_report(self.settings.get("MF_REPORT_DIR"), started, finished, runs, published, archive,
                                  extra, interrupted=interrupted)
        except OSError as error:  # the crawls and publication stand; only the report is missing
            # (The folder was found usable before the run: it failed since, or a file in it did.)
            folder = str(self.settings.get("MF_REPORT_DIR"))
            problem = cannot_make_in(folder)
            print(f"report: FAILED: MF_REPORT_DIR: {folder!r} {problem}" if problem else
                  f"report: FAILED: {describe(error)}", file=sys.stderr)
            return code or 1
        print(f"report: {report}", file=sys.stderr)
        return code or (0 if all(run.ok for run in runs) and published["ok"] and archive["ok"] else 1)

    def _signalled(self, number: int, _frame: object) -> None:
        """The handler of SIGINT (Ctrl-C) and SIGTERM (a service manager, ``kill``) for the whole
        run: notes the first signal, which every later step reads (before the crawls: none
        starts; after them: nothing is published, or the report says it); while the crawls
        run, stops them as Scrapy's own handler would, gracefully, and at once on a second
        signal (that is done in the reactor's loop: a signal handler only notes and asks)."""
        first = self.interrupted is None
        self.interrupted = self.interrupted or signal.Signals(number).name
        if self._crawls is not None:
            reactor = cast("IReactorThreads", self._crawls)
            reactor.callFromThread(self._stop_crawls, signal.Signals(number).name, at_once=not first)

    def _stop_crawls(self, name: str, *, at_once: bool) -> None:
        """Each crawl closes its spider ("shutdown", what it archived stays), then the reactor
        stops (a crawl still starting would not see the stop); ``at_once``: the reactor stops now."""
        if at_once:
            logger.info("Received %s twice, stopping the crawls at once", name)
            self._stop_reactor()
            return
        logger.info("Received %s, stopping the crawls gracefully. Send again to stop them at once", name)
        deferred_from_coro(self.crawler_process.stop()).addBoth(lambda _: self._stop_reactor())

    def _stop_reactor(self) -> None:
        if self._crawls is not None:
            with contextlib.suppress(RuntimeError):  # stopping already
                self._crawls.stop()

    def _interrupted(self, started: datetime, finished: datetime, runs: list[TargetRun]) -> int:
        """An interrupted run: what the crawls archived stays archived, but no health record is
        written (an interruption is not a source's failure) and nothing is published; the report
        and the summary lines say it was interrupted. Exit code 128 + the signal (130 for SIGINT)."""
        name = self.interrupted or "SIGINT"
        runs = [interrupted_run(run, name) for run in runs]
        for run in runs:
            print(run.summary_line(), file=sys.stderr)
        print("publish: skipped (the run was interrupted)", file=sys.stderr)
        folder = str(self.settings.get("MF_REPORT_DIR"))
        try:
            report = write_report(folder, started, finished, runs, {"ok": False, "summary": "skipped (interrupted)"},
                                  interrupted=name)
            print(f"report: {report}", file=sys.stderr)
        except OSError as error:
            print(f"report: FAILED: MF_REPORT_DIR: {folder!r} {cannot_make_in(folder) or error.strerror}",
                  file=sys.stderr)
        signum = getattr(signal, name, signal.SIGINT) if name.startswith("SIG") else signal.SIGINT
        return 128 + int(signum)

    def _publish(self, progress: PublishResult | None = None) -> dict[str, Any]:
        """Publish from the archive whatever the crawls did: a failed source keeps its last good
        statements in the archive, so its feeds keep them too. ``progress``: filled in as it goes
        (read when a signal stops it: :class:`Interrupted` goes through)."""
        try:
            result = publish_archive(self.settings, progress=progress)
        except ArchiveError as error:  # its reason only: the archive is named once, by its own line
            return {"ok": False, "error": str(error), "archive_failed": True,
                    "summary": f"FAILED: the archive failed: {error.reason}"}
        except OSError as error:  # the public folder cannot be written (a full disk): the file named
            return {"ok": False, "error": describe(error), "summary": f"FAILED: {describe(error)}"}
        except (ValueError, AlreadyRunning) as error:
            return {"ok": False, "error": str(error), "summary": f"FAILED: {error}"}
        return {**result.as_dict(), "summary": result.summary()}
