"""Real crawls of the old-site spider over loopback HTTP: backfill to the last listing page,
resuming an interrupted backfill with JOBDIR, and one archive fed by both mid.ru spiders."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time

import pytest

from crawler.jobdir import MARKER
from crawler.store import ArchiveError, Selection, open_archive
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy, start_scrapy
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e

NEWS_PAGE = "_101_INSTANCE_cKNonkJE02Bw_cur="
ALL_IDS = {
    "mid:en:liferay-2826535", "mid:ru:liferay-2826535", "mid:en:liferay-108706", "mid:ru:liferay-108706",
    "mid:en:liferay-3750394", "mid:ru:liferay-3750394", "mid:en:liferay-2827093", "mid:ru:liferay-2827093",
    "mid:ru:liferay-4005408", "mid:ru:liferay-3990765", "mid:ru:liferay-4006625", "mid:ru:liferay-3953527",
    "mid:en:liferay-4005408", "mid:en:liferay-3990765", "mid:en:liferay-4006625", "mid:en:liferay-3953527",
}


def stat(log: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match.group(1)) if match else 0


def documents(archive_url: str) -> dict[str, dict]:
    """Every archived document by id, repeats included."""
    with open_archive(archive_url, readonly=True) as store:
        return {doc["id"]: doc for doc in store.documents(Selection(include_repeats=True))}


def ids(archive_url: str) -> set[str]:
    return set(documents(archive_url))


def test_backfill_reads_every_listing_page_to_the_last(archive_url):
    archive = archive_url
    with LoopbackSite(FIXTURES, host="archive.mid.ru") as site:
        result = run_scrapy("crawl", "mid_archive", "-a", "backfill=1",
                            *fast_settings(archive, MF_MID_ARCHIVE_BASE_URL=site.base_url))
        hits = dict(site.hits)
    assert result.returncode == 0, result.stderr[-3000:]
    assert ids(archive) == ALL_IDS
    news_pages = sorted(path for path in hits if NEWS_PAGE in path and path.startswith("/en/"))
    assert [p.rsplit("=", 1)[1] for p in news_pages] == ["1", "2"]  # the pager said 2 is the last
    assert stat(result.stderr, "mf/listing/failed") == 0
    assert stat(result.stderr, "mf/pages/unparsed") == 0
    archived = documents(archive)
    seed, comment = archived["mid:en:liferay-2826535"], archived["mid:ru:liferay-4005408"]
    assert seed["published"] == "2017-07-24T19:36:00+03:00"
    assert seed["url"] == f"{site.base_url}/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2826535"
    assert seed["translations"]["ru"].endswith(
        "/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2826535")
    assert comment["title"].startswith("Комментарий официального представителя")  # windows-1251
    assert comment["translations"]["en"].endswith("/en/comments/-/asset_publisher/2MrVt3CzL5sw/content/id/4005408")


def test_interrupted_backfill_resumes_with_jobdir(tmp_path, archive_url):
    archive, jobdir = archive_url, tmp_path / "job"
    with LoopbackSite(FIXTURES, host="archive.mid.ru") as site:
        first = run_scrapy("crawl", "mid_archive", "-a", "backfill=1", "-s", f"JOBDIR={jobdir}",
                           "-s", "CLOSESPIDER_PAGECOUNT=10",
                           *fast_settings(archive, MF_MID_ARCHIVE_BASE_URL=site.base_url,
                                          CONCURRENT_REQUESTS="1"))
        after_first = ids(archive)
        second = run_scrapy("crawl", "mid_archive", "-a", "backfill=1", "-s", f"JOBDIR={jobdir}",
                            *fast_settings(archive, MF_MID_ARCHIVE_BASE_URL=site.base_url,
                                           CONCURRENT_REQUESTS="1"))
        hits = dict(site.hits)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "'finish_reason': 'closespider_pagecount'" in first.stderr
    assert second.returncode == 0, second.stderr[-3000:]
    assert len(after_first) < len(ALL_IDS)
    assert ids(archive) == ALL_IDS
    # The second run went on from the queue: nothing fetched twice but what was in flight.
    assert sum(hits.values()) <= len(ALL_IDS) + 16 + 1 + 2


def test_a_backfill_killed_is_refused_then_starts_again(tmp_path):
    """SIGKILL leaves Scrapy's request queue unreadable in JOBDIR (it is written out only when the
    crawl stops cleanly): resumed from, the crawl would skip every request it had seen. The folder
    is refused with one line, exit 2, nothing crawled; removed, the backfill starts again and
    archives everything, the articles archived before the kill fetched once only."""
    archive, jobdir = tmp_path / "archive.sqlite3", tmp_path / "job"
    options = ["crawl", "mid_archive", "-a", "backfill=1", "-s", f"JOBDIR={jobdir}"]
    with LoopbackSite(FIXTURES, host="archive.mid.ru") as site:
        settings = fast_settings(archive, MF_MID_ARCHIVE_BASE_URL=site.base_url, CONCURRENT_REQUESTS="1",
                                 MF_ARCHIVE_BATCH_SIZE="1")
        site.delay = 0.1
        run = start_scrapy(*options, *settings)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if len(ids(f"sqlite:///{archive}")) >= 3:
                    break
            except ArchiveError:  # not made yet
                pass
            time.sleep(0.05)
        assert (jobdir / MARKER).read_text(encoding="ascii").strip() == str(run.pid)  # under way, marked
        os.kill(run.pid, signal.SIGKILL)
        run.communicate(timeout=30)
        kept = ids(f"sqlite:///{archive}")
        assert 3 <= len(kept) < len(ALL_IDS)
        site.delay = 0
        hits_before = dict(site.hits)
        refused = run_scrapy(*options, *settings)
        assert refused.returncode == 2
        assert refused.stderr.strip() == (
            f"scrapy crawl: -s JOBDIR={jobdir}: the crawl that used it did not stop cleanly (killed, or its machine "
            "stopped), so the queue of requests Scrapy saved there cannot be resumed from; remove the folder and "
            "start again (what was archived stays, and archived articles are not fetched again)")
        assert dict(site.hits) == hits_before  # nothing crawled
        shutil.rmtree(jobdir)
        again = run_scrapy(*options, *settings)
        fetched_again = [path for path, count in site.hits.items() if count > hits_before.get(path, 0)]
    assert again.returncode == 0, again.stderr[-3000:]
    assert ids(f"sqlite:///{archive}") == ALL_IDS
    assert not (jobdir / MARKER).exists()  # stopped cleanly: resumable
    for doc_id in kept:  # "mid:en:liferay-2826535": /en/…/id/2826535
        _, language, site_id = doc_id.split(":")
        number = site_id.removeprefix("liferay-")
        assert not [path for path in fetched_again if path.startswith(f"/{language}/") and f"/{number}" in path], \
            doc_id


def test_one_archive_fed_by_both_sites_links_the_same_document(archive_url):
    archive = archive_url
    with LoopbackSite(FIXTURES, host="archive.mid.ru") as old, LoopbackSite(FIXTURES) as current:
        first = run_scrapy("crawl", "mid_archive", "-a", "backfill=1",
                           *fast_settings(archive, MF_MID_ARCHIVE_BASE_URL=old.base_url))
        second = run_scrapy("crawl", "mid", *fast_settings(archive, MF_MID_BASE_URL=current.base_url))
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    rows = {doc_id: doc["same_as"] for doc_id, doc in documents(archive).items()
            if doc["doc_number"] == "1474-19-07-2019"}
    assert rows == {
        "mid:en:liferay-3750394": None, "mid:ru:liferay-3750394": None,
        "mid:en:1411982": "mid:en:liferay-3750394", "mid:ru:1411982": "mid:ru:liferay-3750394",
    }
