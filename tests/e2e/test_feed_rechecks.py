"""Re-checks of statements a full-text feed carries (the State Department's): the feed's word
that a statement is there stands against its page's 404, and a statement gone from both is
removed once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.store import Selection, open_archive
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e

RELEASES = "/rss-feed/press-releases/feed/"
#: The one item the feed gives without its text: its page is read.
PAGED = "/releases/office-of-the-spokesperson/2025/07/designation-of-a-transnational-criminal-organization/"
#: An item the feed carries whole; the loopback site has no page for it (404), as the mirror.
DROPPED = "/releases/office-of-the-spokesperson/2025/07/joint-statement-on-the-trilateral-meeting/"
EVERYTHING_DUE = {"MF_RECHECK_SCHEDULE": "[[36500, 0]]", "MF_RECHECK_MAX_PER_RUN": "100"}


def _update(site: LoopbackSite, archive: str, folder: Path) -> tuple[str, dict, dict[str, str | None]]:
    result = run_scrapy("update", "--only", "state_dept",
                        *fast_settings(archive, folder, MF_STATE_DEPT_BASE_URL=site.base_url, **EVERYTHING_DUE))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((folder / "reports" / "last-run.json").read_text(encoding="utf-8"))["targets"]["state_dept"]
    with open_archive(archive, readonly=True) as store:
        removed = {doc["url"].removeprefix(site.base_url): doc["removed_at"]
                   for doc in store.documents(Selection(include_repeats=True))}
    return result.stderr, report, removed


def test_a_statement_its_feed_lists_is_never_removed_by_its_pages_404(tmp_path, archive_url):
    with LoopbackSite(FIXTURES, host="www.state.gov") as site:
        _stderr, report, removed = _update(site, archive_url, tmp_path)
        assert report["items"]["new"] == 4 and len(removed) == 4
        # Every re-check due, the feeds unchanged (304: what they list is read from the archive's
        # copy), three pages that answer 404: nothing removed, whatever order the answers come in.
        for _ in range(2):
            _stderr, report, removed = _update(site, archive_url, tmp_path)
            assert site.statuses[(RELEASES, 304)] >= 1
            assert (report["items"]["removed"], report["items"]["restored"]) == (0, 0)
            assert set(removed.values()) == {None}

        # A feed that changed (read whole) lists the paged item, whose page is now gone: kept,
        # and the log says so.
        feed = site.original(RELEASES)
        site.set(RELEASES, feed.replace(b"</channel>", b"<!-- changed --></channel>"),
                 headers={"Content-Type": "application/rss+xml; charset=UTF-8"})
        site.remove(PAGED)
        stderr, report, removed = _update(site, archive_url, tmp_path)
        assert (report["items"]["removed"], report["items"]["restored"]) == (0, 0)
        assert set(removed.values()) == {None}
        assert f"Article page gone but its feed lists it: {site.base_url}{PAGED} (HTTP 404)" in stderr
        assert report["extra"]["gone_but_listed"] == 1

        # An item the feed no longer lists, whose page is gone: removed once, and only once.
        start = feed.rindex(b"<item>", 0, feed.index(DROPPED.encode()))
        end = feed.index(b"</item>", start) + len(b"</item>")
        site.set(RELEASES, feed[:start] + feed[end:], headers={"Content-Type": "application/rss+xml; charset=UTF-8"})
        _stderr, report, removed = _update(site, archive_url, tmp_path)
        assert report["items"]["removed"] == 1
        gone = removed[DROPPED]
        assert gone is not None and sum(value is not None for value in removed.values()) == 1
        edits = (tmp_path / "public" / "state_dept" / "en" / "edits.atom").read_bytes()
        for _ in range(2):
            _stderr, report, removed = _update(site, archive_url, tmp_path)
            assert (report["items"]["removed"], report["items"]["restored"]) == (0, 0)
            assert removed[DROPPED] == gone
            assert (tmp_path / "public" / "state_dept" / "en" / "edits.atom").read_bytes() == edits
