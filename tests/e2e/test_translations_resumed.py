"""An interrupted ``scrapy update`` leaves an article archived and its translations unread: the
next run reads them (the README: "the next run completes the work"), though the article itself is
archived, unchanged and not fetched again. Over a loopback copy of GOV.UK (the fcdo spider, which
follows ``available_translations``): the English article links its Urdu translation, which links an
English page that answers 404.
"""

from __future__ import annotations

import signal
import time

import pytest

from crawler.store import ArchiveError, open_archive
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy, start_scrapy
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e

ARTICLE = "fcdo:en:d0ee70cf-ed7a-4b04-b60e-3be2f03693af"
URDU = "fcdo:ur:d0ee80cd-ed7a-4b04-b60f-3be2f03693af"
URDU_API = "/api/content/government/news/christmas-2016-prime-ministers-message.ur"
#: The page the Urdu translation names as its English version: the site answers 404.
MISSING = "/government/news/christmas-2016-prime-ministers-message"
MISSING_API = f"/api/content{MISSING}"


def update(archive_url: str, folder, site: LoopbackSite, run=run_scrapy, **extra: str):
    return run("update", "--only", "fcdo", *fast_settings(
        archive_url, folder, MF_GOVUK_BASE_URL=site.base_url, MF_ARCHIVE_BATCH_SIZE="1", **extra))


def archived(archive_url: str) -> set[str]:
    try:
        with open_archive(archive_url, readonly=True) as store:
            return {page["id"] for page in store.archived_pages()}
    except ArchiveError:  # not made yet
        return set()


def pending(archive_url: str) -> dict[str, str]:
    with open_archive(archive_url, readonly=True) as store:
        return {row["url"]: row["reason"] for row in store.pending("fcdo")}


def interrupt_when(archive_url, folder, site: LoopbackSite, wanted: str, unread: str) -> None:
    """An update killed (SIGKILL: the machine went down) as soon as ``wanted`` is archived:
    requests go out 1.5 s apart, so the ones its page made (``unread``) are not answered yet."""
    run = update(archive_url, folder, site, run=start_scrapy, DOWNLOAD_DELAY="1.5",
                 RANDOMIZE_DOWNLOAD_DELAY="False")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and wanted not in archived(archive_url):
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)
    assert run.returncode == -signal.SIGKILL
    assert site.hits[unread] == 0


def test_translations_an_interrupted_run_never_read_are_read_by_the_next(archive_url, tmp_path):
    with LoopbackSite(FIXTURES, host="www.gov.uk") as site:
        interrupt_when(archive_url, tmp_path, site, ARTICLE, URDU_API)
        assert ARTICLE in archived(archive_url)
        assert URDU not in archived(archive_url)
        assert pending(archive_url) == {}

        site.hits.clear()
        result = update(archive_url, tmp_path, site)
        assert result.returncode == 0, result.stderr[-3000:]
        assert {ARTICLE, URDU} <= archived(archive_url)
        assert len(archived(archive_url)) == 4
        assert pending(archive_url) == {f"{site.base_url}{MISSING}": "HTTP 404"}
        assert site.hits[URDU_API] == 1

        # and once read, nothing archived is fetched again for it
        site.hits.clear()
        result = update(archive_url, tmp_path, site)
        assert result.returncode == 0, result.stderr[-3000:]
        assert site.hits[URDU_API] == 0
        assert site.hits[MISSING_API] == 1  # the pending retry, as any failed page gets
        with open_archive(archive_url, readonly=True) as store:
            assert store.get(URDU)["version"] == 1


def test_a_failing_translation_an_interrupted_run_never_read_is_pending_after_the_next(archive_url, tmp_path):
    with LoopbackSite(FIXTURES, host="www.gov.uk") as site:
        interrupt_when(archive_url, tmp_path, site, URDU, MISSING_API)
        assert {ARTICLE, URDU} <= archived(archive_url)
        assert pending(archive_url) == {}

        result = update(archive_url, tmp_path, site)
        assert result.returncode == 0, result.stderr[-3000:]
        assert pending(archive_url) == {f"{site.base_url}{MISSING}": "HTTP 404"}
        assert "fcdo: ok — 0 new, 1 failed" in result.stderr
