"""The run record a crawl keeps when it belongs to a run (``MF_RUN_ID``), as a job on a Scrapyd
node runs it (``scrapy crawl SPIDER -a _job=ID -s MF_RUN_ID=RUN``), against a loopback copy of
GOV.UK: the crawl claims its record, records its part of the run report and its target's health;
a job its run gave up closes at once and does nothing; a crawl whose target another crawl holds
closes at once and says so."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from crawler.report import TargetRun
from crawler.runs import crawl_lock
from crawler.store import open_archive
from crawler.store.locks import ArchiveLocks
from crawler.store.runs import ABANDONED, FINISHED
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e
WHEN = "2026-11-30T12:00:00+00:00"


def crawl(url: str, job: str, site: LoopbackSite):
    return run_scrapy("crawl", "fcdo", "-a", f"_job={job}",
                      *fast_settings(url, MF_RUN_ID="run-1", MF_GOVUK_BASE_URL=site.base_url))


def test_a_scheduled_job_records_its_run_and_its_targets_health(archive_url):
    with open_archive(archive_url) as store:
        store.schedule_crawl("run-1-fcdo-1", "run-1", "fcdo", "http://node-a:6800", WHEN)
    with LoopbackSite(FIXTURES, host="www.gov.uk") as site:
        result = crawl(archive_url, "run-1-fcdo-1", site)
    assert result.returncode == 0, result.stderr[-3000:]
    with open_archive(archive_url, readonly=True) as store:
        record = store.crawl_run("run-1-fcdo-1")
        health = store.health()["fcdo"]
        statements = store.count()
    assert (record.state, record.ok, record.node) == (FINISHED, True, "http://node-a:6800")
    assert record.host and " pid " in record.host
    run = TargetRun.from_dict(record.report)
    assert run.name == "fcdo" and run.ok and run.items["new"] == statements == 4
    assert run.failures == {"http_404": 1}
    assert health["last_success"] == record.finished_at and health["consecutive_failures"] == 0


def test_a_job_its_run_gave_up_does_nothing(archive_url):
    with open_archive(archive_url) as store:
        store.schedule_crawl("run-1-fcdo-1", "run-1", "fcdo", "http://node-a:6800", WHEN)
        store.release_crawl("run-1-fcdo-1", ABANDONED, "http://node-a:6800 stopped answering")
    with LoopbackSite(FIXTURES, host="www.gov.uk") as site:
        result = crawl(archive_url, "run-1-fcdo-1", site)
        hits = sum(site.hits.values())
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Job run-1-fcdo-1 of run run-1 (fcdo) is abandoned (http://node-a:6800 stopped answering): " \
           "nothing to do" in result.stderr
    assert "'finish_reason': 'superseded'" in result.stderr
    assert hits == 0
    with open_archive(archive_url, readonly=True) as store:
        assert store.crawl_run("run-1-fcdo-1").state == ABANDONED
        assert store.count() == 0 and store.health() == {}


def test_a_crawl_whose_target_another_crawl_holds_closes_at_once(postgres):
    url = postgres.url(postgres.create_database())
    with open_archive(url) as store:
        store.schedule_crawl("run-1-fcdo-1", "run-1", "fcdo", "http://node-a:6800", WHEN)
    with ArchiveLocks(url, "crawl fcdo") as locks, LoopbackSite(FIXTURES, host="www.gov.uk") as site:
        locks.acquire([crawl_lock("fcdo")])
        result = crawl(url, "run-1-fcdo-1", site)
        hits = sum(site.hits.values())
    assert result.returncode == 0, result.stderr[-3000:]
    assert hits == 0
    with open_archive(url, readonly=True) as store:
        record = store.crawl_run("run-1-fcdo-1")
        assert store.health() == {}  # the health stays the running crawl's to keep
    assert (record.state, record.ok) == (FINISHED, False)
    assert record.report["finish_reason"] == "already_running"
    assert record.report["errors"][0].startswith("another crawl of fcdo is running (crawl:fcdo is held by "
                                                 "ministry-feeds crawl fcdo pid ")


def test_the_record_counts_the_removals_the_crawl_applied_or_withheld(archive_url):
    """The archive pipeline applies or withholds a crawl's removals when the spider closes; the
    run record, written when the spider closes too, is written after them and counts them."""
    due = {"MF_RECHECK_SCHEDULE": "[[36500, 0]]", "MF_RECHECK_MAX_PER_RUN": "100"}

    def job(number: int, site: LoopbackSite) -> TargetRun:
        name = f"run-{number}-fcdo-1"
        with open_archive(archive_url) as store:
            store.schedule_crawl(name, f"run-{number}", "fcdo", "http://node-a:6800", WHEN)
        result = run_scrapy("crawl", "fcdo", "-a", f"_job={name}", *fast_settings(
            archive_url, MF_RUN_ID=f"run-{number}", MF_GOVUK_BASE_URL=site.base_url, **due))
        assert result.returncode == 0, result.stderr[-3000:]
        with open_archive(archive_url, readonly=True) as store:
            return TargetRun.from_dict(store.crawl_run(name).report)

    with LoopbackSite(FIXTURES, host="www.gov.uk") as site:
        assert job(1, site).items["new"] == 4
        with open_archive(archive_url, readonly=True) as store:
            pages = [urlsplit(doc["url"]).path for doc in store.documents()]
        for path in site.by_path:  # the site is down: every page answers 404
            if path != "/robots.txt":
                site.remove(path)
        down = job(2, site)
        assert (down.ok, down.items["removed"], down.extra["removals_withheld"]) == (False, 0, 4)
        site.overrides.clear()  # back, without one statement
        site.remove(f"/api/content{pages[0]}")
        back = job(3, site)
        assert (back.ok, back.items["removed"], back.extra["removals_withheld"]) == (True, 1, 0)
    with open_archive(archive_url, readonly=True) as store:
        assert [urlsplit(doc["url"]).path for doc in store.documents() if doc["removed_at"]] == pages[:1]
