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


def test_a_feed_cut_short_removes_nothing_and_is_read_whole_next_run(tmp_path, archive_url):
    """A feed cut off in its items read (libxml2 recovers) as fewer items: the statements it
    seemed to drop were re-checked, and their pages' 404 removed them, in a run reported ok. It is
    a feed that does not read now: what it listed last time stands, and its validators are not
    kept, so the next run reads it whole instead of being answered 304 for the broken copy."""
    with LoopbackSite(FIXTURES, host="www.state.gov") as site:
        _stderr, report, removed = _update(site, archive_url, tmp_path)
        assert report["items"]["new"] == 4
        feed = site.original(RELEASES)
        rss = {"Content-Type": "application/rss+xml; charset=UTF-8", "ETag": '"cut"'}
        site.set(RELEASES, feed[:feed.index(DROPPED.encode())], headers=rss)
        result = run_scrapy("update", "--only", "state_dept",
                            *fast_settings(archive_url, tmp_path, MF_STATE_DEPT_BASE_URL=site.base_url,
                                           **EVERYTHING_DUE))
        report = json.loads((tmp_path / "reports" / "last-run.json").read_text(encoding="utf-8"))["targets"]
        # reported as a failure, as a page that does not read is; nothing was lost, the run goes on
        assert result.returncode == 0, result.stderr[-3000:]
        assert report["state_dept"]["failures"] == {"unparsed_truncated_feed": 1}
        assert f"Page not parsed: {site.base_url}{RELEASES}: truncated_feed" in result.stderr
        assert (report["state_dept"]["items"]["removed"], report["state_dept"]["items"]["restored"]) == (0, 0)
        with open_archive(archive_url, readonly=True) as store:
            assert {doc["removed_at"] for doc in store.documents(Selection(include_repeats=True))} == {None}

        # Still cut the next run: asked for whole (its validators were not kept), not answered 304.
        site.statuses.clear()
        result = run_scrapy("update", "--only", "state_dept",
                            *fast_settings(archive_url, tmp_path, MF_STATE_DEPT_BASE_URL=site.base_url,
                                           **EVERYTHING_DUE))
        assert (site.statuses[(RELEASES, 200)], site.statuses[(RELEASES, 304)]) == (1, 0)
        assert "truncated_feed" in result.stderr

        site.restore(RELEASES)
        _stderr, report, removed = _update(site, archive_url, tmp_path)
        assert (report["items"]["removed"], report["items"]["restored"]) == (0, 0)
        assert set(removed.values()) == {None}
