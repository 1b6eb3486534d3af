"""``scrapy update --scrapyd URL[,URL…]``: one run's crawls spread over Scrapyd nodes, one
PostgreSQL archive, one publication.

Each target (spider) becomes one Scrapyd job (``schedule.json``), given to the node that has
the fewest of the run's jobs, while it has fewer than ``MF_SCRAPYD_JOBS_PER_NODE``; targets
that took longest last time go first. The run follows the nodes' jobs (``listjobs.json``) and
reads each job's outcome from the archive: the crawl records its own run there when it closes
(:mod:`crawler.runs`, :mod:`crawler.store.runs`), so nothing is parsed from Scrapyd's logs.
When every job has ended, it records the health of targets no crawl could run, publishes once,
writes the run report and prints the summary lines of a local run; the exit code is a local
run's: 0, 1, 2 (a bad command line), 75 (another run holds a target).

A node that does not answer (``MF_SCRAPYD_NODE_FAILURES`` calls in a row, each given
``MF_SCRAPYD_TIMEOUT`` seconds) is given up for the run. Its jobs not yet started are given up
in the archive (a node that comes back can no longer start them) and go to the other nodes; a
job that started there is waited for while its crawl holds its target's lock (the node may be
cut off from this machine, not from the archive), and given to another node when its crawl
died. A target is scheduled ``MF_SCRAPYD_ATTEMPTS`` times at most, and is reported failed when
no node is left that can run it.

SIGINT or SIGTERM cancels the run's jobs (``cancel.json``; a job not yet started is given up in
the archive first, so it never starts), waits ``MF_SCRAPYD_CANCEL_WAIT`` seconds at most for
the crawls to record their end (a second signal stops the wait), writes the run report, does not
publish, and exits with 128 + the signal's number (130, 143).

Scrapyd's JSON API is called through scrapyd-client's :class:`~scrapyd_client.pyclient.ScrapydClient`
(basic authentication from ``~/.netrc``); its calls take no timeout, so each runs in a thread
given ``MF_SCRAPYD_TIMEOUT`` seconds.
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

import requests
from scrapyd_client.exceptions import ErrorResponse, MalformedResponse
from scrapyd_client.pyclient import ScrapydClient

from crawler.lock import AlreadyRunning
from crawler.report import TargetRun
from crawler.runs import crawl_lock, now
from crawler.store import ArchiveError, ArchiveURL, archive_url, check_archive, open_archive
from crawler.store.locks import ArchiveLocks
from crawler.store.runs import ABANDONED, CANCELLED, FINISHED, RUNNING, SCHEDULED

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from crawler.store import ArchiveStore

logger = logging.getLogger(__name__)

#: The end of a local run (crawler.commands.update): (started, finished, runs, publication,
#: archive, more keys of the report) → the exit code.
Finish = Callable[[datetime, datetime, list[TargetRun], dict[str, Any], dict[str, Any], dict[str, Any]], int]

#: Settings of the command line that stay with this run and are not given to its jobs: paths of
#: this machine, the run's own, and the archive URL (given apart, without its password).
COORDINATOR_SETTINGS = frozenset({"MF_PUBLIC_DIR", "MF_REPORT_DIR", "MF_LOCK_PATH", "MF_PUBLISH_LOCK_TIMEOUT",
                                  "MF_ARCHIVE_URL", "MF_ARCHIVE_PATH", "MF_RUN_ID", "LOG_FILE"})
#: What a call of the client raises when the node fails it: HTTP, Scrapyd's "error" status, an
#: answer that is not Scrapyd's JSON or that lacks what is asked for, a status it does not know.
CALL_ERRORS = (requests.RequestException, ErrorResponse, MalformedResponse, KeyError, TypeError, ValueError,
               RuntimeError)
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


class NodeError(RuntimeError):
    """A node did not answer a call, or answered it with an error; the message says how."""


def node_urls(text: str) -> list[str]:
    """The nodes of ``--scrapyd``: comma-separated http(s) URLs, without a trailing slash.
    Raises ValueError naming the first that is not one."""
    urls = [part.strip().rstrip("/") for part in text.split(",") if part.strip()]
    if not urls:
        raise ValueError(f"--scrapyd {text!r}: no Scrapyd URL (http://HOST:6800,…)")
    for url in urls:
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 - a port that is not a number raises
        except ValueError:
            raise ValueError(f"--scrapyd {url}: its port is not a number") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"--scrapyd {url}: not a Scrapyd URL (http://HOST:6800)")
    if len(set(urls)) != len(urls):
        raise ValueError(f"--scrapyd {text}: a node is named twice")
    return urls


def archive_for_nodes(settings: BaseSettings) -> ArchiveURL:
    """The run's archive, which must be a PostgreSQL one: every node writes to it. ValueError
    otherwise (a bad command line)."""
    url = archive_url(settings)
    if url.is_sqlite:
        raise ValueError(f"--scrapyd needs a PostgreSQL archive, which every node writes to (MF_ARCHIVE_URL="
                         f"postgresql://USER@HOST:PORT/DATABASE); the archive is {url}")
    job_url = settings.get("MF_SCRAPYD_ARCHIVE_URL")
    if job_url and ArchiveURL.parse(job_url, name="MF_SCRAPYD_ARCHIVE_URL").is_sqlite:
        raise ValueError("MF_SCRAPYD_ARCHIVE_URL: the nodes need a PostgreSQL archive URL")
    return url


def _reason(error: BaseException) -> str:
    """One short line for what went wrong with a call."""
    if isinstance(error, ErrorResponse):
        return f"Scrapyd says: {' '.join(str(error).split())}"
    if isinstance(error, MalformedResponse):
        return "it answered something that is not Scrapyd's JSON"
    if isinstance(error, requests.ConnectionError):
        found = _ERRNO.search(str(error))
        return found.group(1).strip().lower() if found else "cannot connect"
    if isinstance(error, requests.RequestException):
        return f"HTTP: {type(error).__name__}"
    return f"{type(error).__name__}: {error}"


class Node:
    """One Scrapyd node as the run sees it."""

    def __init__(self, url: str, project: str, timeout: float, max_failures: int) -> None:
        self.url = url
        self.project = project
        self.timeout = timeout
        self.max_failures = max_failures
        self.client = ScrapydClient(url)
        self.failures = 0
        self.gone: str | None = None
        """Why the node was given up, or None while it is used."""
        self.spiders: set[str] = set()
        self.listed: dict[str, str] = {}
        """Job id → its state at the last look (pending, running, finished)."""
        self.looked = False
        self.jobs_given = 0
        self.said_gone = False

    def call(self, method: str, *args: Any) -> Any:
        """One call of the client, given ``timeout`` seconds; NodeError when it fails (counted:
        the node is given up after ``max_failures`` in a row)."""
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["value"] = getattr(self.client, method)(*args)
            except CALL_ERRORS as error:
                box["error"] = error

        thread = threading.Thread(target=work, name=f"scrapyd {self.url}", daemon=True)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            error = NodeError(f"no answer in {self.timeout:g} s")
        elif "value" in box:
            self.failures = 0
            return box["value"]
        else:
            error = NodeError(_reason(box["error"]))
        self.failures += 1
        if self.failures >= self.max_failures and self.gone is None:
            self.gone = str(error)
        raise error

    def look(self) -> None:
        """Read the node's jobs (listjobs.json); NodeError when it does not answer."""
        answer = self.call("jobs", self.project)
        try:
            self.listed = {job["id"]: state for state in ("pending", "running", "finished") for job in answer[state]}
        except (KeyError, TypeError) as error:
            raise NodeError(f"an unexpected answer to listjobs.json ({error})") from None
        self.looked = True


@dataclass
class Target:
    """One target of the run and where it is."""

    name: str
    attempts: int = 0
    job: str | None = None
    node: Node | None = None
    run: TargetRun | None = None
    """Its part of the run, once known."""
    notes: list[str] = field(default_factory=list)
    """What happened to it on the way (a node lost, a job given up)."""
    host: str | None = None
    waiting_said: bool = False


class ScrapydRun:
    """One ``scrapy update --scrapyd`` run: ``ScrapydRun(…).run()`` returns its exit code."""

    def __init__(self, settings: BaseSettings, urls: list[str], targets: list[str], spider_args: dict[str, str],
                 command_settings: dict[str, str], publish: Callable[[], dict[str, Any]], finish: Finish,
                 started: datetime | None = None, out: TextIO = sys.stderr) -> None:
        self.settings = settings
        self.url = archive_url(settings)
        self.project = settings.get("MF_SCRAPYD_PROJECT")
        self.nodes = [Node(url, self.project, settings.getfloat("MF_SCRAPYD_TIMEOUT"),
                           max(1, settings.getint("MF_SCRAPYD_NODE_FAILURES"))) for url in urls]
        self.targets = [Target(name) for name in targets]
        self.spider_args = spider_args
        self.command_settings = {name: value for name, value in command_settings.items()
                                 if name not in COORDINATOR_SETTINGS and not name.startswith("MF_SCRAPYD_")}
        self.publish = publish
        self.finish = finish
        """The local run's end: summary lines, publishing's line, the run report; its exit code."""
        self.out = out
        self.per_node = max(1, settings.getint("MF_SCRAPYD_JOBS_PER_NODE"))
        self.poll = max(0.05, settings.getfloat("MF_SCRAPYD_POLL_INTERVAL"))
        self.max_attempts = max(1, settings.getint("MF_SCRAPYD_ATTEMPTS"))
        self.started = started or datetime.now(UTC)
        self.run_id = f"{self.started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        self.interrupted: int | None = None
        """The signal that interrupted the run."""
        self.hurry = False
        """A second signal came: stop waiting for the cancelled jobs."""
        self.wake = threading.Event()
        self.store: ArchiveStore | None = None
        self.locks: ArchiveLocks | None = None

    # --- the run -------------------------------------------------------------------------------
    def run(self) -> int:
        """Schedule, follow, publish, report. AlreadyRunning when a crawl of a target is still
        going on from an earlier run; ArchiveError when the archive cannot be used (checked before
        any job is scheduled; failing later, the run's jobs are cancelled on the nodes first)."""
        check_archive(self.url, application_name=f"ministry-feeds update --scrapyd {self.run_id}"[:63])
        handlers = {signum: signal.signal(signum, self._signalled) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            with open_archive(self.url, application_name=f"ministry-feeds update --scrapyd {self.run_id}"[:63]) \
                    as self.store, ArchiveLocks(self.url, "update --scrapyd") as self.locks:
                self._no_crawl_left_running()
                days = self.settings.getint("MF_RUN_RECORDS_DAYS")
                if days > 0:
                    self.store.prune_crawl_runs((self.started - timedelta(days=days)).isoformat(timespec="seconds"))
                self._meet_nodes()
                self._longest_first()
                while not self.interrupted and not all(target.run for target in self.targets):
                    self._step()
                    if not all(target.run for target in self.targets):
                        self.wake.wait(self.poll)
                if self.interrupted:
                    return self._interrupt()
                return self._finish()
        except ArchiveError:
            self._cancel_on_nodes()
            raise
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)

    def _signalled(self, signum: int, _frame: object) -> None:
        if self.interrupted is None:
            self.interrupted = signum
        else:  # a second signal: stop waiting for the cancelled jobs
            self.hurry = True
        self.wake.set()

    def _no_crawl_left_running(self) -> None:
        """A crawl of one of the targets still going on (from a run that died or was cut off)
        holds its crawl lock: AlreadyRunning naming it."""
        assert self.locks is not None
        for target in self.targets:
            holder = self.locks.holder(crawl_lock(target.name))
            if holder:
                raise AlreadyRunning(f"{crawl_lock(target.name)} is held by {holder} (in {self.url})")

    def _meet_nodes(self) -> None:
        """Each node's spiders (listspiders.json): a node that does not answer, or lacks the
        project, is given up at once."""
        for node in self.nodes:
            try:
                node.spiders = set(node.call("spiders", self.project))
            except NodeError as error:
                self._lose(node, f"the project {self.project!r} is not deployed there (scrapyd-deploy)"
                           if "not found" in str(error) else str(error))

    def _longest_first(self) -> None:
        """Targets that took longest last time first (the run ends sooner); new ones first of all."""
        assert self.store is not None
        durations = self.store.last_durations(target.name for target in self.targets)
        order = {target.name: index for index, target in enumerate(self.targets)}
        self.queue = sorted(self.targets, key=lambda t: (t.name in durations, -durations.get(t.name, 0.0),
                                                         order[t.name]))

    def _step(self) -> None:
        """One look at the nodes and the archive: ended jobs collected, lost ones recovered,
        waiting targets scheduled."""
        for node in self._live():
            try:
                node.look()
            except NodeError as error:
                if node.gone:
                    self._lose(node, node.gone)
                else:
                    logger.warning("Scrapyd %s: %s (it stays in the run)", node.url, error)
        for target in self.targets:
            if target.run is None and target.job is not None:
                self._follow(target)
        self._schedule()

    def _live(self) -> list[Node]:
        return [node for node in self.nodes if node.gone is None]

    def _lose(self, node: Node, why: str) -> None:
        """Give a node up for the run (once); its jobs are recovered by :meth:`_follow`."""
        if node.said_gone:
            return
        node.gone, node.said_gone = why, True
        mine = [target.name for target in self.targets if target.node is node and target.run is None]
        print(f"scrapyd: {node.url}: {why}; " + (f"its jobs ({', '.join(mine)}) go to the other nodes" if mine
                                                  else "not used in this run"), file=self.out)

    # --- following jobs --------------------------------------------------------------------------
    def _follow(self, target: Target) -> None:
        assert self.store is not None and target.job is not None and target.node is not None
        record = self.store.crawl_run(target.job)
        if record is None:  # pragma: no cover - the run wrote it before scheduling
            return
        if record.state == FINISHED:
            self._done(target, TargetRun.from_dict(record.report or {}), record.host)
            return
        node = target.node
        listed = node.listed.get(target.job) if node.gone is None and node.looked else None
        if listed in ("pending", "running") or (node.gone is None and not node.looked):
            return
        if listed == "finished":  # ended without recording its end (a crawl records it before exiting)
            self.store.release_crawl(target.job, ABANDONED, "the job ended without recording its run", running_too=True)
            self._failed(target, f"its job {target.job} on {node.url} ended without recording its run "
                                 f"(see its log there)")
            return
        # The node is gone, or no longer knows the job: where is its crawl?
        why = node.gone or f"{node.url} no longer lists the job"
        if record.state == SCHEDULED and self.store.release_crawl(target.job, ABANDONED, why):
            self._again(target, f"job {target.job} given up before it started ({why})")
        elif record.state == RUNNING:
            assert self.locks is not None
            holder = self.locks.holder(crawl_lock(target.name))
            if holder:  # the crawl goes on (the node is cut off from here, not from the archive)
                if not target.waiting_said:
                    print(f"scrapyd: {target.name}: {why}, but its crawl goes on ({holder}); waiting for it",
                          file=self.out)
                    target.waiting_said = True
                return
            if self.store.release_crawl(target.job, ABANDONED, f"its crawl died ({why})", running_too=True):
                self._again(target, f"job {target.job}'s crawl died ({why})")

    def _again(self, target: Target, note: str) -> None:
        """A target whose job was lost: scheduled again while attempts remain."""
        target.notes.append(note)
        target.job, target.node, target.waiting_said = None, None, False
        if target.attempts >= self.max_attempts:
            self._failed(target, f"its job was lost {target.attempts} time(s): {'; '.join(target.notes)}")

    def _done(self, target: Target, run: TargetRun, host: str | None) -> None:
        target.host = host
        target.run = run
        node = target.node
        logger.info("%s: ended on %s (%s)", target.name, node.url if node else "?", host)

    def _failed(self, target: Target, error: str) -> None:
        target.run = TargetRun.not_run(target.name, error)
        target.run.extra["not_run"] = True

    # --- scheduling ------------------------------------------------------------------------------
    def _schedule(self) -> None:
        for target in self.queue:
            if target.run is not None or target.job is not None or self.interrupted:
                continue
            capable = [node for node in self._live() if target.name in node.spiders]
            if not capable:
                gone = "; ".join(f"{node.url}: {node.gone or f'has no spider {target.name}'}" for node in self.nodes)
                self._failed(target, f"no Scrapyd node left to run it ({gone})")
                continue
            open_nodes = [node for node in capable if self._unfinished(node) < self.per_node]
            if not open_nodes:
                continue
            node = min(open_nodes, key=self._unfinished)
            self._give(target, node)

    def _unfinished(self, node: Node) -> int:
        return sum(1 for target in self.targets if target.node is node and target.run is None)

    def _give(self, target: Target, node: Node) -> None:
        """Record the job, then ask the node to run it; a node that does not take it gets the
        job given up (so it never starts later) and the target waits for another node."""
        assert self.store is not None
        target.attempts += 1
        job = f"{self.run_id}-{target.name}-{target.attempts}"
        self.store.schedule_crawl(job, self.run_id, target.name, node.url, now())
        try:
            node.call("schedule", self.project, target.name, self._job_arguments(job))
        except NodeError as error:
            target.attempts -= 1
            self.store.release_crawl(job, ABANDONED, f"{node.url} did not take it ({error})")
            if node.gone:
                self._lose(node, node.gone)
            else:
                logger.warning("Scrapyd %s did not take %s: %s", node.url, target.name, error)
            return
        target.job, target.node = job, node
        node.jobs_given += 1
        node.listed[job] = "pending"  # until the next look: Scrapyd queued it under our id
        logger.info("%s: job %s on %s", target.name, job, node.url)

    def _job_arguments(self, job: str) -> list[tuple[str, str]]:
        """schedule.json's parameters beside project and spider: the job id (``jobid``); the
        settings (``setting=NAME=VALUE``): the archive URL without its password (a node reads
        it from PGPASSWORD or ~/.pgpass; Scrapyd logs a job's arguments), the run id, and the
        settings of the command line that are not this machine's own; the spider arguments."""
        archive = ArchiveURL.parse(self.settings.get("MF_SCRAPYD_ARCHIVE_URL") or self.url).without_password()
        settings = {**self.command_settings, "MF_ARCHIVE_URL": archive, "MF_RUN_ID": self.run_id}
        return [("jobid", job), *(("setting", f"{name}={value}") for name, value in settings.items()),
                *self.spider_args.items()]

    # --- the end ---------------------------------------------------------------------------------
    def _finish(self) -> int:
        """Health of the targets no crawl ran, one publication, the report, the summary lines."""
        assert self.store is not None
        when = now()
        for target in self.targets:
            assert target.run is not None
            if target.run.extra.get("not_run"):
                self.store.record_run(target.name, False, when, "; ".join(target.run.errors))
        return self._report(self.publish())

    def _interrupt(self) -> int:
        """Cancel the run's jobs, wait a while for the crawls to record their end, report."""
        assert self.store is not None and self.interrupted is not None
        name = signal.Signals(self.interrupted).name
        pending = [target for target in self.targets if target.run is None and target.job is not None]
        print(f"scrapy update: interrupted by {name}: cancelling the {len(pending)} job(s) of this run on the "
              f"Scrapyd nodes", file=self.out)
        for target in pending:
            assert target.job is not None
            self.store.release_crawl(target.job, CANCELLED, f"the run was interrupted ({name})")
        self._cancel_on_nodes()
        deadline = time.monotonic() + self.settings.getfloat("MF_SCRAPYD_CANCEL_WAIT")
        while not self.hurry and time.monotonic() < deadline:
            for target in pending:
                record = self.store.crawl_run(target.job) if target.run is None and target.job else None
                if record is not None and record.state in (FINISHED, CANCELLED, ABANDONED):
                    if record.state == FINISHED:
                        self._done(target, TargetRun.from_dict(record.report or {}), record.host)
                    else:
                        self._failed(target, f"cancelled: the run was interrupted ({name})")
            if all(target.run for target in pending):
                break
            self.wake.clear()
            self.wake.wait(min(self.poll, 0.5))
        for target in self.targets:
            if target.run is None:
                self._failed(target, f"cancelled: the run was interrupted ({name})")
        published = {"ok": False, "summary": f"not published: the run was interrupted ({name})"}
        self._report(published)
        print(f"scrapy update: interrupted by {name}; {len(pending)} job(s) cancelled", file=self.out)
        return 128 + self.interrupted

    def _cancel_on_nodes(self) -> None:
        """cancel.json for every job of the run that has not ended (a running crawl closes and
        records how it ended; a pending one never starts)."""
        for target in self.targets:
            if target.run is None and target.job is not None and target.node is not None \
                    and target.node.gone is None:
                try:
                    target.node.call("cancel", self.project, target.job)
                except NodeError as error:
                    print(f"scrapyd: {target.node.url}: cannot cancel {target.job}: {error}", file=self.out)

    def _report(self, published: dict[str, Any]) -> int:
        """The local run's summary lines and run report (:meth:`finish`), with where each target
        ran; its exit code."""
        finished = datetime.now(UTC)
        runs = []
        for target in self.targets:
            assert target.run is not None
            where = {"node": target.node.url if target.node else None, "job": target.job, "host": target.host,
                     "attempts": target.attempts, "lost": target.notes}
            runs.append(replace(target.run, extra={**target.run.extra, "scrapyd": where}))
        failure = published["error"] if published.get("archive_failed") else None
        if failure is not None:
            print(f"scrapy update: {failure}", file=self.out)
        archive = {"url": self.url.redacted(), "ok": failure is None, "error": failure, "health_recorded": True}
        nodes = {node.url: {"jobs": node.jobs_given, "given_up": node.gone} for node in self.nodes}
        return self.finish(self.started, finished, runs, published, archive,
                           {"scrapyd": {"run_id": self.run_id, "nodes": nodes}})


def settings_given(pairs: list[str]) -> dict[str, str]:
    """The ``-s NAME=VALUE`` settings of a command line, by name."""
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)
