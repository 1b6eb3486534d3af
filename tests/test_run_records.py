"""Run records (crawl_runs), on every backend: a job scheduled, claimed once by its crawl,
finished with its report; given up before it starts, it can no longer be claimed."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from crawler.report import TargetRun, summarise
from crawler.store import open_archive
from crawler.store.runs import ABANDONED, CANCELLED, FINISHED, RUNNING, SCHEDULED


@pytest.fixture
def store(archive_url):
    archive = open_archive(archive_url)
    yield archive
    archive.close()


def report(name: str, seconds: float) -> TargetRun:
    return summarise(name, {"finish_reason": "finished", "elapsed_time_seconds": seconds, "mf/items/new": 2,
                            "mf/requests/listing": 3})


def test_a_scheduled_job_is_claimed_once_then_finished_with_its_report(store):
    store.schedule_crawl("r1.mid.1", "r1", "mid", "http://node-a:6800", "2026-11-30T12:00:00+00:00")
    assert store.crawl_run("r1.mid.1").state == SCHEDULED
    claimed, record = store.claim_crawl("r1.mid.1", "r1", "mid", "node-a pid 42", "2026-11-30T12:00:05+00:00")
    assert claimed and (record.state, record.host, record.node) == (RUNNING, "node-a pid 42", "http://node-a:6800")
    again, record = store.claim_crawl("r1.mid.1", "r1", "mid", "node-b pid 7", "2026-11-30T12:00:06+00:00")
    assert not again and record.host == "node-a pid 42"  # the same job never runs twice
    run = report("mid", 12.5)
    assert store.finish_crawl("r1.mid.1", run.ok, asdict(run), "2026-11-30T12:00:30+00:00")
    record = store.crawl_run("r1.mid.1")
    assert (record.state, record.ok, record.finished_at) == (FINISHED, True, "2026-11-30T12:00:30+00:00")
    assert TargetRun.from_dict(record.report) == run
    assert store.last_durations(["mid", "fcdo"]) == {"mid": 12.5}


def test_a_job_given_up_before_it_starts_is_never_claimed(store):
    store.schedule_crawl("r1.fcdo.1", "r1", "fcdo", "http://node-a:6800", "2026-11-30T12:00:00+00:00")
    assert store.release_crawl("r1.fcdo.1", ABANDONED, "http://node-a:6800 stopped answering")
    claimed, record = store.claim_crawl("r1.fcdo.1", "r1", "fcdo", "node-a pid 1", "2026-11-30T12:01:00+00:00")
    assert not claimed
    assert (record.state, record.note) == (ABANDONED, "http://node-a:6800 stopped answering")
    # A running one is given up only when asked for (its crawl died), and a finished one never.
    store.schedule_crawl("r1.aa.1", "r1", "aa", "http://node-a:6800", "2026-11-30T12:00:00+00:00")
    store.claim_crawl("r1.aa.1", "r1", "aa", "node-a pid 2", "2026-11-30T12:00:01+00:00")
    assert not store.release_crawl("r1.aa.1", CANCELLED, "interrupted")
    assert store.release_crawl("r1.aa.1", ABANDONED, "its crawl died", running_too=True)
    run = report("aa", 1.0)
    assert not store.finish_crawl("r1.aa.1", run.ok, asdict(run), "2026-11-30T12:02:00+00:00")
    assert store.crawl_run("r1.aa.1").state == ABANDONED
    with pytest.raises(ValueError, match="abandoned or cancelled"):
        store.release_crawl("r1.aa.1", FINISHED, "no")


def test_a_crawl_nobody_scheduled_records_itself_and_old_records_are_pruned(store):
    claimed, record = store.claim_crawl("own-1", "manual", "mid", "here pid 3", "2026-10-01T00:00:00+00:00")
    assert claimed and record.node is None and record.state == RUNNING
    run = report("mid", 3.0)
    store.finish_crawl("own-1", run.ok, asdict(run), "2026-10-01T00:01:00+00:00")
    store.schedule_crawl("r2.mid.1", "r2", "mid", "http://node-a:6800", "2026-11-30T12:00:00+00:00")
    assert [r.job for r in store.crawl_runs("manual")] == ["own-1"]
    assert store.prune_crawl_runs("2026-11-01T00:00:00+00:00") == 1
    assert store.crawl_run("own-1") is None
    assert store.crawl_run("r2.mid.1").state == SCHEDULED  # not ended: kept whatever its age
    assert [record.job for record in store.crawl_runs()] == ["r2.mid.1"]
    assert store.count("crawl_runs") == 1
