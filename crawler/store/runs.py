"""Run records: one row per crawl of a target (``crawl_runs``), written by whoever schedules it
and by the crawl itself, wherever it runs, so that ``scrapy update --scrapyd`` learns each job's
outcome from the archive rather than from Scrapyd's logs.

A record's ``state`` goes:

- ``scheduled``: ``scrapy update --scrapyd`` gave the job to a node (:meth:`schedule_crawl`);
- ``running``: the crawl started and claimed it (:meth:`claim_crawl`), atomically, so that a job
  its run gave up on (a node that stopped answering) can never start after all;
- ``finished``: the crawl closed and recorded its part of the run report (:meth:`finish_crawl`);
- ``abandoned`` or ``cancelled``: its run gave it up before it started (:meth:`release_crawl`): a
  node that stopped answering, an interrupted run.

A crawl nobody scheduled (``scrapy crawl … -s MF_RUN_ID=…``) claims a record of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.store.schema import TABLES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from contextlib import AbstractContextManager

    from crawler.store.backend import Connection

SCHEDULED, RUNNING, FINISHED, ABANDONED, CANCELLED = "scheduled", "running", "finished", "abandoned", "cancelled"
#: States in which a record no longer changes.
ENDED = frozenset({FINISHED, ABANDONED, CANCELLED})
_COLUMNS = TABLES["crawl_runs"][0]


@dataclass(frozen=True)
class CrawlRun:
    """One crawl of a target, as its record says."""

    job: str
    """The Scrapyd job id (or the crawl's own id)."""
    run_id: str
    """The ``scrapy update`` run it belongs to."""
    target: str
    """The spider."""
    node: str | None
    """The Scrapyd node it was given to; None for a crawl nobody scheduled."""
    state: str
    """``scheduled``, ``running``, ``finished``, ``abandoned`` or ``cancelled``."""
    scheduled_at: str | None
    started_at: str | None
    finished_at: str | None
    """ISO 8601, UTC, to the second."""
    host: str | None
    """``HOST pid N`` of the process that ran it."""
    ok: bool | None
    """Whether the target succeeded, once finished."""
    note: str | None
    """Why it was abandoned or cancelled."""
    report: dict[str, Any] | None
    """The target's part of the run report (:class:`crawler.report.TargetRun` as a dict), once
    finished."""

    @classmethod
    def from_row(cls, row: tuple) -> CrawlRun:
        values = dict(zip(_COLUMNS, row, strict=True))
        values["ok"] = None if values["ok"] is None else bool(values["ok"])
        values["report"] = json.loads(values["report"]) if values["report"] else None
        return cls(**values)


class RunRecords:
    """The run records of :class:`crawler.store.ArchiveStore` (mixed in beside its writing and
    reading halves)."""

    db: Connection
    transaction: Callable[[], AbstractContextManager[None]]
    """A write transaction (:class:`crawler.store.writing.ArchiveWriter`'s)."""

    # --- writing -----------------------------------------------------------------------------------
    def schedule_crawl(self, job: str, run_id: str, target: str, node: str, when: str) -> None:
        """Record a job given to a node, before the node is asked to run it."""
        with self.transaction():
            self.db.execute("INSERT INTO crawl_runs (job, run_id, target, node, state, scheduled_at)"
                            " VALUES (?, ?, ?, ?, ?, ?)", (job, run_id, target, node, SCHEDULED, when))

    def claim_crawl(self, job: str, run_id: str, target: str, host: str, when: str) -> tuple[bool, CrawlRun]:
        """A crawl starting: its scheduled record becomes ``running`` (a crawl nobody scheduled
        gets a new one). Returns whether it was claimed, and the record as it is now: unclaimed,
        the crawl must not run (its run gave the job up, or the job ran already)."""
        with self.transaction():
            claimed = self.db.execute("UPDATE crawl_runs SET state = ?, started_at = ?, host = ?"
                                      " WHERE job = ? AND state = ?", (RUNNING, when, host, job, SCHEDULED))
            if not claimed and self._row(job) is None:
                claimed = self.db.execute("INSERT INTO crawl_runs (job, run_id, target, state, started_at, host)"
                                          " VALUES (?, ?, ?, ?, ?, ?)", (job, run_id, target, RUNNING, when, host))
            found = self._row(job)
        assert found is not None
        return bool(claimed), found

    def finish_crawl(self, job: str, ok: bool, report: dict[str, Any], when: str) -> bool:
        """Record a running crawl's end and its part of the run report; False when the record was
        no longer ``running`` (its run gave it up as dead meanwhile)."""
        encoded = json.dumps(report, ensure_ascii=False)
        with self.transaction():
            return bool(self.db.execute(
                "UPDATE crawl_runs SET state = ?, finished_at = ?, ok = ?, report = ? WHERE job = ? AND state = ?",
                (FINISHED, when, int(ok), encoded, job, RUNNING)))

    def release_crawl(self, job: str, state: str, note: str, *, running_too: bool = False) -> bool:
        """Give a job up (``abandoned`` or ``cancelled``) if it has not started; with
        ``running_too``, also a record left ``running`` by a crawl that died without finishing.
        Returns whether it was given up (False: it started, or ended, meanwhile)."""
        if state not in (ABANDONED, CANCELLED):
            raise ValueError(f"a crawl is released as abandoned or cancelled, not {state!r}")
        states = (SCHEDULED, RUNNING) if running_too else (SCHEDULED,)
        marks = ", ".join("?" for _ in states)
        with self.transaction():
            sql = f"UPDATE crawl_runs SET state = ?, note = ? WHERE job = ? AND state IN ({marks})"  # noqa: S608
            return bool(self.db.execute(sql, (state, note, job, *states)))

    def prune_crawl_runs(self, before: str) -> int:
        """Forget the records of runs that ended before ``before`` (ISO 8601); returns how many."""
        with self.transaction():
            return self.db.execute("DELETE FROM crawl_runs WHERE COALESCE(finished_at, started_at, scheduled_at) < ?"
                                   " AND state IN (?, ?, ?)", (before, *sorted(ENDED)))

    # --- reading -----------------------------------------------------------------------------------
    def _row(self, job: str) -> CrawlRun | None:
        row = self.db.one(f"SELECT {', '.join(_COLUMNS)} FROM crawl_runs WHERE job = ?", (job,))  # noqa: S608
        return CrawlRun.from_row(row) if row else None

    def crawl_run(self, job: str) -> CrawlRun | None:
        """One job's record, or None."""
        return self._row(job)

    def crawl_runs(self, run_id: str | None = None) -> list[CrawlRun]:
        """Every record of one run (of every run kept, when ``run_id`` is None), in the order
        they were scheduled."""
        where, params = ("WHERE run_id = ?", (run_id,)) if run_id is not None else ("", ())
        rows = self.db.all(f"SELECT {', '.join(_COLUMNS)} FROM crawl_runs {where}"  # noqa: S608
                           " ORDER BY COALESCE(scheduled_at, started_at), job", params)
        return [CrawlRun.from_row(row) for row in rows]

    def last_durations(self, targets: Iterable[str]) -> dict[str, float]:
        """Target → seconds its last finished crawl took (targets that never finished one are
        left out): what a run orders its targets by, longest first."""
        durations: dict[str, float] = {}
        for target in targets:
            row = self.db.one("SELECT report FROM crawl_runs WHERE target = ? AND state = ?"
                              " ORDER BY finished_at DESC, job DESC LIMIT 1", (target, FINISHED))
            if row and row[0]:
                durations[target] = float(json.loads(row[0]).get("duration_seconds") or 0.0)
        return durations
