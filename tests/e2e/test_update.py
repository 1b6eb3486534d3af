"""``scrapy update`` as cron runs it, over a loopback site whose pages change between runs."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import time
from pathlib import Path

import pytest

from crawler.sources import SOURCES
from crawler.store import ArchiveError, Selection, open_archive
from crawler.store.locks import ArchiveLocks
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy, signalled_at, start_scrapy
from tests.loopback import RESET, SLEEP, TRUNCATE, LoopbackSite

pytestmark = pytest.mark.e2e

EDITED = "/en/press_service/spokesman/official_statement/1820611/"
VANISHING = "/ru/press_service/spokesman/comments/1819033/".replace("comments", "kommentarii")
HTML = {"Content-Type": "text/html; charset=utf-8"}
EVERYTHING_DUE = '[[36500, 0]]'


def without_walled_article(site: LoopbackSite) -> None:
    """The mirror's news listings also link a page that is always a bot wall; these tests want a
    site that can be read completely."""
    for lang in ("en", "ru"):
        path = f"/{lang}/foreign_policy/news/"
        html = site.original(path).decode("utf-8")
        html = re.sub(r'<li class="announce__item">(?:(?!</li>).)*?1820833/.*?</li>\s*', "", html, flags=re.S)
        site.set(path, html.encode("utf-8"))


class Deployment:
    """One operator's installation: an archive, a lock and reports in a temporary folder."""

    def __init__(self, folder: Path, site: LoopbackSite, archive_url: str) -> None:
        self.folder, self.site = folder, site
        self.archive = archive_url

    def options(self, **extra: str) -> list[str]:
        return ["--only", "mid", *fast_settings(self.archive, **{
            "MF_MID_BASE_URL": self.site.base_url, "MF_LOCK_PATH": str(self.folder / "update.lock"),
            "MF_REPORT_DIR": str(self.folder / "reports"), "MF_PUBLIC_DIR": str(self.folder / "public"), **extra})]

    def update(self, **extra: str):
        self.site.hits.clear()
        result = run_scrapy("update", *self.options(**extra))
        report = json.loads((self.folder / "reports" / "last-run.json").read_text(encoding="utf-8")) \
            if (self.folder / "reports" / "last-run.json").exists() else None
        return result, report

    def store(self):
        return open_archive(self.archive, readonly=True)

    def doc(self, doc_id: str) -> dict | None:
        with self.store() as store:
            return store.get(doc_id)

    def lock_holder(self, target: str = "mid") -> str | None:
        """Who holds the update lock of a target: the lock file's holder (SQLite), the advisory
        lock's (PostgreSQL)."""
        if self.archive.startswith("sqlite:"):
            lock = self.folder / "update.lock"
            text = lock.read_text() if lock.exists() else ""
            return text if text.startswith("pid") else None
        with ArchiveLocks(self.archive, "test") as locks:
            return locks.holder(f"update:{target}")

    def documents(self) -> dict[str, dict]:
        """Every archived document by id."""
        with self.store() as store:
            return {doc["id"]: doc for doc in store.documents(Selection(include_repeats=True))}


@pytest.fixture
def deployment(tmp_path, archive_url):
    with LoopbackSite(FIXTURES) as site:
        without_walled_article(site)
        yield Deployment(tmp_path, site, archive_url)


def test_first_run_then_nothing_new_is_cheap(deployment):
    result, report = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]
    mid = report["targets"]["mid"]
    assert mid["ok"] is True
    assert mid["items"]["new"] == 32
    assert report["sources"]["mid"]["targets"] == ["mid"]
    assert report["sources"]["mid"]["items"]["new"] == 32
    assert re.search(r"^mid: ok — 32 new; \d+ requests", result.stderr, re.M)

    result, report = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]
    mid = report["targets"]["mid"]
    assert mid["items"]["new"] == 0
    # One conditional request per listing section and language, answered 304, and robots.txt.
    assert mid["requests"] == {"listing": 14, "other": 1}
    assert mid["responses"]["listing/304"] == 14
    assert sum(deployment.site.hits.values()) == 15
    # A listing that changes is read again whole.
    path = "/en/foreign_policy/news/"
    deployment.site.set(path, deployment.site.page(path)[2].replace(b"Turkmenistan", b"Turkmenistan (edited)"))
    result, report = deployment.update()
    assert report["targets"]["mid"]["responses"]["listing/200"] == 1
    assert report["targets"]["mid"]["extra"]["skipped_known"] == 2


def test_edit_makes_a_new_version_of_the_same_entry(deployment):
    deployment.update()
    first = deployment.doc("mid:en:1820611")
    html = deployment.site.original(EDITED).decode("utf-8")
    deployment.site.set(EDITED, html.replace("openly hostile", "openly and deliberately hostile").encode())
    result, report = deployment.update(MF_RECHECK_SCHEDULE=EVERYTHING_DUE, MF_RECHECK_MAX_PER_RUN="100")
    assert result.returncode == 0, result.stderr[-3000:]
    mid = report["targets"]["mid"]
    assert mid["items"]["updated"] == 1
    assert mid["items"]["unchanged"] == 31  # re-checked, answered 304 Not Modified
    assert mid["responses"]["recheck/304"] == 31
    edited = deployment.doc("mid:en:1820611")
    assert edited["version"] == 2
    assert edited["updated"] > first["updated"]
    assert edited["first_seen"] == first["first_seen"]
    with deployment.store() as store:
        versions = store.versions("mid:en:1820611")
    assert [version["version"] for version in versions] == [1, 2]
    assert "openly hostile" in versions[0]["body_text"]
    assert "openly and deliberately hostile" in versions[1]["body_text"]
    # A re-check that finds nothing new changes nothing.
    deployment.update(MF_RECHECK_SCHEDULE=EVERYTHING_DUE, MF_RECHECK_MAX_PER_RUN="100")
    assert deployment.doc("mid:en:1820611")["version"] == 2


def test_vanished_article_is_marked_removed_and_comes_back(deployment):
    deployment.update()
    deployment.site.remove(VANISHING)
    result, report = deployment.update(MF_RECHECK_SCHEDULE=EVERYTHING_DUE, MF_RECHECK_MAX_PER_RUN="100")
    assert result.returncode == 0, result.stderr[-3000:]
    assert report["targets"]["mid"]["items"]["removed"] == 1
    gone = deployment.doc("mid:ru:1819033")
    assert gone["removed_at"] is not None
    assert gone["title"].startswith("Комментарий Департамента")  # never deleted

    deployment.site.restore(VANISHING)
    result, report = deployment.update(MF_RECHECK_SCHEDULE=EVERYTHING_DUE, MF_RECHECK_MAX_PER_RUN="100")
    assert report["targets"]["mid"]["items"]["restored"] == 1
    back = deployment.doc("mid:ru:1819033")
    assert back["removed_at"] is None
    assert back["version"] == 1


def test_redirect_to_the_home_page_is_a_removal(deployment):
    deployment.update()
    deployment.site.set(EDITED, b"", status=302, headers={"Location": "/en/"})
    result, report = deployment.update(MF_RECHECK_SCHEDULE=EVERYTHING_DUE, MF_RECHECK_MAX_PER_RUN="100")
    assert result.returncode == 0, result.stderr[-3000:]
    assert report["targets"]["mid"]["items"]["removed"] == 1
    assert deployment.doc("mid:en:1820611")["removed_at"] is not None
    assert "Article gone: " in result.stderr
    assert "(redirected to " in result.stderr


def test_faults_are_retried_counted_and_reported(deployment):
    site = deployment.site
    site.faults.update({
        "/en/press_service/spokesman/briefings/1820480/": [(500, HTML, b"oops")],
        "/en/press_service/spokesman/answers/1820655/": [SLEEP(6)],
        "/ru/press_service/spokesman/answers/1820655/": [RESET],
        "/en/press_service/minister_speeches/1820723/": [TRUNCATE],
        "/ru/press_service/minister_speeches/1820723/": [
            (200, HTML, (FIXTURES / "mid/en/foreign_policy/news/1820833.html").read_bytes())],
        "/en/press_service/deputy_ministers_speeches/1820317/": [(500, HTML, b"down")] * 4,
    })
    result, report = deployment.update(DOWNLOAD_TIMEOUT="3")  # generous: a loaded CI machine is slow
    assert result.returncode == 0, result.stderr[-3000:]
    mid = report["targets"]["mid"]
    assert mid["items"]["new"] == 31  # every page recovered but the one that failed four times
    assert mid["failures"] == {"http_500": 1}
    assert deployment.doc("mid:en:1820317") is None
    for doc_id in ("mid:en:1820480", "mid:en:1820655", "mid:ru:1820655", "mid:en:1820723", "mid:ru:1820723"):
        assert deployment.doc(doc_id) is not None, doc_id
    # 500, timeout, truncated body, challenge page: one retry each; the 500s: three, then given up.
    # (A reset on a kept-alive connection is retried by the HTTP client itself.)
    assert mid["extra"]["retries"] >= 7
    assert deployment.site.hits["/en/press_service/spokesman/answers/1820655/"] == 2  # timed out, then fetched
    assert re.search(r"'retry/reason_count/scrapy\.exceptions\.DownloadTimeoutError': [1-9]", result.stderr)
    assert "'retry/reason_count/scrapy.exceptions.ResponseDataLossError': 1" in result.stderr
    assert "'retry/reason_count/challenge page': 1" in result.stderr
    assert "Article page failed: " in result.stderr
    assert "/en/press_service/deputy_ministers_speeches/1820317/ (HTTP 500)" in result.stderr
    # the next run fetches what failed
    result, report = deployment.update()
    assert report["targets"]["mid"]["items"]["new"] == 1


UNPARSED = "/en/press_service/spokesman/comments/1819033/"
DOWN = "/en/press_service/deputy_ministers_speeches/1820317/"
WALLED = "/en/press_service/minister_speeches/1820723/"


def test_failed_rechecks_are_pending_and_retried_by_the_next_runs(deployment):
    """A re-check that fails — a page that does not parse, 5xx after the retries, a bot wall that
    stays one — keeps the statement pending, as a new article's failure does; the next runs try it
    again (unconditionally: the validators kept are the failed page's), and once it reads it is
    compared with the archived version as any re-check is."""
    site = deployment.site
    deployment.update()
    site.set(UNPARSED, site.original(UNPARSED).decode("utf-8").encode("utf-16-le"))
    wall = (FIXTURES / "mid/en/foreign_policy/news/1820833.html").read_bytes()
    site.faults.update({DOWN: [(500, HTML, b"down")] * 4, WALLED: [(200, HTML, wall)] * 4})
    result, report = deployment.update(MF_RECHECK_SCHEDULE=EVERYTHING_DUE, MF_RECHECK_MAX_PER_RUN="100")
    assert result.returncode == 0, result.stderr[-3000:]
    mid = report["targets"]["mid"]
    assert mid["failures"] == {"unparsed_no_article_block": 1, "http_500": 1, "challenge_page": 1}
    assert mid["items"]["failed"] == 3 and mid["items"]["unchanged"] == 29
    urls = {site.base_url + path: path for path in (UNPARSED, DOWN, WALLED)}
    with deployment.store() as store:
        assert sorted(row["url"] for row in store.pending("mid")) == sorted(urls)
        [raw] = [fetch["raw_sha256"] for fetch in store.fetches(site.base_url + UNPARSED) if fetch["kind"] == "recheck"]
        assert store.raw_page(raw) == site.page(UNPARSED)[2]  # the page that did not read, kept

    # The next run, with no re-check due, tries the three again: two read (one of them edited
    # meanwhile), one still does not (fetched whole, not answered 304 by its own validators).
    edited = site.original(WALLED).decode("utf-8").replace("We have held talks", "We have held long talks")
    assert edited != site.original(WALLED).decode("utf-8")
    site.set(WALLED, edited.encode("utf-8"))
    result, report = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]
    assert {path: site.hits[path] for path in urls.values()} == {UNPARSED: 1, DOWN: 1, WALLED: 1}
    assert site.statuses[(UNPARSED, 304)] == 0
    mid = report["targets"]["mid"]
    assert (mid["items"]["updated"], mid["items"]["unchanged"], mid["items"]["failed"]) == (1, 1, 1)
    with deployment.store() as store:
        assert [(row["url"], row["attempts"]) for row in store.pending("mid")] == [(site.base_url + UNPARSED, 2)]
    assert deployment.doc("mid:en:1820317")["version"] == 1
    assert deployment.doc("mid:en:1820723")["version"] == 2

    # Readable again and unchanged: no new version, and nothing pending.
    site.restore(UNPARSED)
    result, report = deployment.update()
    assert site.hits[UNPARSED] == 1
    assert report["targets"]["mid"]["items"]["unchanged"] == 1
    with deployment.store() as store:
        assert store.pending("mid") == []
    assert deployment.doc("mid:en:1819033")["version"] == 1


UNDATED = "/en/press_service/minister_speeches/1819811/"


def test_a_recheck_of_a_page_that_no_longer_prints_its_date_keeps_the_archived_date(deployment):
    """A re-check has no listing's date: a page that stopped printing its date is dated as the
    archive dated it, not from its document number's day (a fake edit that loses the time)."""
    deployment.update()
    first = deployment.doc("mid:en:1819811")
    assert (first["published"], first["published_raw"]) == ("2022-06-26T09:00:00+03:00", "26 June 2022 09:00")
    page = deployment.site.original(UNDATED).decode("utf-8")
    undated = page.replace('<div class="photo-content__date">26 June 2022 09:00</div>', "")
    assert undated != page
    deployment.site.set(UNDATED, undated.encode("utf-8"))
    result, report = deployment.update(MF_RECHECK_SCHEDULE=EVERYTHING_DUE, MF_RECHECK_MAX_PER_RUN="100")
    assert result.returncode == 0, result.stderr[-3000:]
    assert deployment.site.statuses[(UNDATED, 200)] == 2  # the first run, and the re-check: read again whole
    assert report["targets"]["mid"]["items"]["updated"] == 0
    again = deployment.doc("mid:en:1819811")
    assert again["version"] == 1
    assert (again["published"], again["published_raw"]) == (first["published"], first["published_raw"])


def test_layout_drift_fails_the_source_and_keeps_the_archive(deployment):
    deployment.update()
    before = len(deployment.documents())
    html = deployment.site.original("/en/foreign_policy/news/").decode("utf-8")
    deployment.site.set("/en/foreign_policy/news/",
                        html.replace("announce announce_articles", "news-feed").encode("utf-8"))
    result, report = deployment.update()
    assert result.returncode == 1
    mid = report["targets"]["mid"]
    assert mid["ok"] is False
    assert any("layout drift" in error for error in mid["errors"])
    assert re.search(r"^mid: FAILED: layout drift: 1 listing page\(s\) without article links", result.stderr, re.M)
    assert len(deployment.documents()) == before
    with deployment.store() as store:
        health = store.health()["mid"]
    assert health["consecutive_failures"] == 1
    assert health["last_success"] is not None
    assert "layout drift" in health["last_error"]


def test_listing_that_cannot_be_read_fails_the_source(deployment):
    deployment.site.faults["/ru/press_service/spokesman/briefings/"] = [(503, HTML, b"busy")] * 4
    result, report = deployment.update()
    assert result.returncode == 1
    assert report["targets"]["mid"]["errors"] == ["1 listing page(s) could not be read"]


def site_in_maintenance(site: LoopbackSite) -> None:
    """Every page of the site but its home pages and robots.txt redirects to the home page."""
    for path in site.by_path:
        if path not in ("/en/", "/ru/", "/robots.txt"):
            site.set(path, b"", status=302, headers={"Location": "/en/"})


def site_down(site: LoopbackSite) -> None:
    """Every page of the site but robots.txt answers 404."""
    for path in site.by_path:
        if path != "/robots.txt":
            site.remove(path)


@pytest.mark.parametrize(("outage", "error"), [
    (site_in_maintenance, "layout drift: 1 listing page(s) without article links"),
    (site_down, "14 listing page(s) could not be read"),
], ids=["maintenance", "down"])
def test_a_site_down_while_rechecks_are_due_removes_nothing(deployment, outage, error):
    """README: a broken or blocked source never empties its feeds; a failing target never touches
    what the archive holds. The articles a failed target found gone are withheld, not removed,
    and the next run that does not fail decides."""
    result, _ = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]
    public = deployment.folder / "public"
    published = {path: path.read_bytes() for path in public.rglob("*.atom")}
    archived = deployment.documents()
    mine = sorted(doc_id for doc_id in archived if doc_id.startswith("mid:"))
    assert len(mine) == 32

    outage(deployment.site)
    result, report = deployment.update(MF_RECHECK_SCHEDULE=EVERYTHING_DUE, MF_RECHECK_MAX_PER_RUN="100")
    assert result.returncode == 1
    mid = report["targets"]["mid"]
    assert mid["ok"] is False
    assert mid["errors"] == [error]
    assert mid["items"]["removed"] == 0
    assert mid["extra"]["removals_withheld"] == 32
    assert re.search(rf"^mid: FAILED: {re.escape(error)} — .*; 32 removal\(s\) withheld \(the target failed\);",
                     result.stderr, re.M)
    assert "32 removal(s) withheld, the crawl failed" in result.stderr
    assert deployment.documents() == archived  # not one removed_at, nor any fetch time, changed
    assert not list(public.rglob("edits.atom"))
    assert {path: path.read_bytes() for path in public.rglob("*.atom")} == published

    # The site comes back without one article: the next run removes that one only.
    deployment.site.overrides.clear()
    without_walled_article(deployment.site)
    deployment.site.remove(VANISHING)
    result, report = deployment.update(MF_RECHECK_SCHEDULE=EVERYTHING_DUE, MF_RECHECK_MAX_PER_RUN="100")
    assert result.returncode == 0, result.stderr[-3000:]
    assert report["targets"]["mid"]["items"]["removed"] == 1
    assert report["targets"]["mid"]["extra"]["removals_withheld"] == 0
    assert [doc_id for doc_id, doc in deployment.documents().items() if doc["removed_at"]] == ["mid:ru:1819033"]


def test_two_concurrent_runs_never_overlap(deployment):
    deployment.site.delay = 0.05
    first = start_scrapy("update", *deployment.options())
    deadline = time.monotonic() + 30
    while deployment.lock_holder() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    second = run_scrapy("update", *deployment.options())
    assert time.monotonic() - started < 15
    assert second.returncode == 75
    assert "another update is running" in second.stderr
    assert f"pid {first.pid}" in second.stderr
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err[-3000:]
    assert len(deployment.documents()) == 32


def test_runs_with_other_lock_files_on_one_archive_never_overlap(deployment, tmp_path):
    """Two crons, two working folders (so two MF_LOCK_PATHs), one archive: still one at a time."""
    deployment.site.delay = 0.05
    first = start_scrapy("update", *deployment.options())
    deadline = time.monotonic() + 30
    while deployment.lock_holder() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    second = run_scrapy("update", *deployment.options(MF_LOCK_PATH=str(tmp_path / "elsewhere.lock")))
    assert second.returncode == 75, second.stderr[-3000:]
    assert "another update is running" in second.stderr
    assert f"pid {first.pid}" in second.stderr
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err[-3000:]


def test_sigkill_mid_run_loses_nothing_committed(deployment):
    deployment.site.delay = 0.05
    run = start_scrapy("update", *deployment.options(MF_ARCHIVE_BATCH_SIZE="1"))
    deadline = time.monotonic() + 60
    committed = 0
    while time.monotonic() < deadline:
        try:
            committed = len(deployment.documents())
        except ArchiveError:  # not written yet
            committed = 0
        if committed >= 6:
            break
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.communicate(timeout=30)
    assert run.returncode == -signal.SIGKILL
    with deployment.store() as store:
        assert store.integrity_problems() == []
    kept = {doc_id: doc["content_hash"] for doc_id, doc in deployment.documents().items()}
    assert 6 <= len(kept) < 32
    deployment.site.delay = 0
    result, _report = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]
    with deployment.store() as store:
        assert store.integrity_problems() == []
    after = deployment.documents()
    assert len(after) == 32
    assert all(after[doc_id]["content_hash"] == digest for doc_id, digest in kept.items())
    assert max(doc["version"] for doc in after.values()) == 1


def test_unknown_target_is_a_usage_error(deployment):
    result = run_scrapy("update", "--only", "nosuch", "-s", f"MF_ARCHIVE_URL={deployment.archive}")
    assert result.returncode == 2
    spiders = sorted(spider for source in SOURCES.values() for spider in source.spiders)
    assert "mofa_jp" in spiders and "aa" in spiders
    assert result.stderr.splitlines() == [f"scrapy update: --only nosuch: unknown spider(s) nosuch; known: "
                                          f"{', '.join(spiders)}"]


def test_a_target_named_twice_is_crawled_once(tmp_path):
    """``--only`` names the targets of the run: a repeat (a cron line edited by hand, a list built
    by a script) is the same target, crawled once, with one summary line, kept in its place."""
    result = run_scrapy("update", "--only", "state_dept,aa,state_dept", "--replay", str(FIXTURES),
                        *fast_settings(tmp_path / "archive.sqlite3", tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if re.match(r"^\w+: (ok|FAILED)", line)]
    assert [line.split(":")[0] for line in lines] == ["state_dept", "aa"], result.stderr[-3000:]
    assert lines[0].startswith("state_dept: ok — 4 new; ")
    report = json.loads((tmp_path / "reports" / "last-run.json").read_text(encoding="utf-8"))
    assert list(report["targets"]) == ["state_dept", "aa"]


def test_ctrl_c_is_an_interruption_not_a_failure_of_the_sources(deployment):
    result, _report = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]
    with deployment.store() as store:
        health_before = store.health()["mid"]
    index_before = (deployment.folder / "public" / "index.html").read_bytes()

    deployment.site.delay = 0.5  # slow enough to be interrupted mid-crawl
    deployment.site.hits.clear()
    run = start_scrapy("update", *deployment.options())
    deadline = time.monotonic() + 60
    while not deployment.site.hits and time.monotonic() < deadline:
        time.sleep(0.05)
    assert deployment.site.hits, "the crawl never reached the site"
    run.send_signal(signal.SIGINT)
    _out, err = run.communicate(timeout=120)
    deployment.site.delay = 0

    assert run.returncode == 130, err[-3000:]
    assert "Traceback" not in err
    assert "FAILED" not in err
    assert re.search(r"^mid: interrupted \(SIGINT\) — ", err, re.M), err[-3000:]
    assert "publish: skipped (the run was interrupted)" in err
    report = json.loads((deployment.folder / "reports" / "last-run.json").read_text(encoding="utf-8"))
    assert report["interrupted"] == "SIGINT"
    assert report["targets"]["mid"]["interrupted"] == "SIGINT"
    assert report["targets"]["mid"]["errors"] == []
    # the sources' health and the published index are as the last finished run left them
    with deployment.store() as store:
        assert store.health()["mid"] == health_before
    assert health_before["consecutive_failures"] == 0
    assert (deployment.folder / "public" / "index.html").read_bytes() == index_before
    # and the next run is an ordinary one
    result, report = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "interrupted" not in report


@pytest.mark.parametrize("pause_at", ["start", "startup"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_just_before_the_crawls_start_is_an_interruption(tmp_path, archive_url, signum, pause_at):
    """Signalled once it has checked everything and scheduled its crawls, as the crawler process
    starts (``start``) or as the reactor starts up (``startup``), before any crawl has made a
    step: no crawl starts, no source's health record changes, nothing is published, the run
    ends as a run interrupted later does (exit 128 + the signal, each target's line and the
    report say so). It died without a word (SIGTERM) or with a traceback (SIGINT) before the
    reactor ran, and stopped every crawl and recorded each as failed ("the crawl did not
    start", exit 1, index published) once Twisted's own handlers were in."""
    name = signal.Signals(signum).name
    options = ["--only", "state_dept", "--replay", str(FIXTURES),
               *fast_settings(archive_url, tmp_path, LOG_LEVEL="WARNING")]
    result = run_scrapy("update", *options)
    assert result.returncode == 0, result.stderr[-3000:]
    with open_archive(archive_url, readonly=True) as store:
        health_before = store.health()
    assert health_before["state_dept"]["consecutive_failures"] == 0
    published_before = {path: path.read_bytes() for path in (tmp_path / "public").rglob("*") if path.is_file()}

    returncode, err = signalled_at(pause_at, signum, "update", *options, folder=tmp_path)

    assert returncode == 128 + signum, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    lines = err.splitlines()
    assert lines[:2] == [f"state_dept: interrupted ({name}) — 0 new; 0 requests (none); 0.0 s",
                         "publish: skipped (the run was interrupted)"], err[-3000:]
    assert len(lines) == 3 and lines[2].startswith(f"report: {tmp_path / 'reports' / 'runs'}"), err[-3000:]
    report = json.loads((tmp_path / "reports" / "last-run.json").read_text(encoding="utf-8"))
    assert report["interrupted"] == name
    assert report["targets"]["state_dept"]["interrupted"] == name
    assert report["targets"]["state_dept"]["errors"] == []
    with open_archive(archive_url, readonly=True) as store:
        assert store.health() == health_before
    assert {path: path.read_bytes() for path in (tmp_path / "public").rglob("*") if path.is_file()} \
        == published_before


def test_a_site_that_cannot_be_reached_is_said_in_lines_without_tracebacks(tmp_path):
    """Scrapy's robots.txt middleware logged the failed robots.txt with a traceback (the cron log
    filled with them when the network was down): one line now, as every other failed request."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = run_scrapy("update", "--only", "state_dept", *fast_settings(
        tmp_path / "archive.sqlite3", MF_STATE_DEPT_BASE_URL=closed, RETRY_TIMES="0"))
    assert result.returncode == 1, result.stderr[-3000:]
    assert f"Error downloading <GET {closed}/" in result.stderr  # said, in one line
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "state_dept: FAILED" in result.stderr
