"""Blocked sources stay honest (issue 16, item 5): a site that refuses the crawler is reported as
blocked — in the target's summary line, the run report, the health record and the index page —
and nothing is done to get round it. End to end over loopback HTTP: tests/e2e/test_blocked_crawl.py.
"""

from __future__ import annotations

import pytest
from lxml import etree

from crawler.report import blocked_reason, by_source, summarise
from feeds.publish import publish
from tests.feed_archive import make_archive, options


def stats(**values):
    base = {"finish_reason": "finished", "elapsed_time_seconds": 2.0}
    return {**base, **{key.replace("__", "/"): value for key, value in values.items()}}


@pytest.mark.parametrize(("values", "line"), [
    ({"mf__blocked__listing__http_403": 1}, "blocked: 403 on the listing"),
    ({"mf__blocked__listing__http_403": 4}, "blocked: 403 on the listing (4 listing pages)"),
    ({"mf__blocked__listing__http_451": 1}, "blocked: 451 on the listing"),
    ({"mf__blocked__listing__bot_wall": 2}, "blocked: a bot wall on the listing (2 listing pages)"),
    ({"mf__blocked__listing__robots_txt": 1}, "blocked: robots.txt disallows the listing"),
    ({"mf__blocked__listing__http_403": 1, "mf__blocked__listing__bot_wall": 1},
     "blocked: a bot wall on the listing, 403 on the listing (2 listing pages)"),
    # the listing answers, the article pages do not
    ({"mf__articles__parsed": 1, "mf__articles__failed": 5, "mf__articles__failed__http_403": 5},
     "blocked: 403 on 5 of 6 article pages"),
    ({"mf__articles__failed": 3, "mf__articles__failed__challenge_page": 2, "mf__article__unparsed": 1,
      "mf__pages__unparsed__challenge_page": 1}, "blocked: a bot wall on 3 of 4 article pages"),
])
def test_a_refused_target_is_reported_blocked_first(values, line):
    run = summarise("mofa_jp", stats(**values))
    assert not run.ok
    assert run.errors[0] == line
    assert run.blocked == line.removeprefix("blocked: ")
    assert run.summary_line().startswith(f"mofa_jp: FAILED: {line}")
    assert by_source([run])["mofa_jp"]["blocked"] == {"mofa_jp": run.blocked}


def test_single_refusals_and_other_failures_are_not_a_block():
    # one walled article among many is a failed article, as before
    run = summarise("mid", stats(**{"mf__articles__parsed": 30, "mf__articles__failed": 1,
                                    "mf__articles__failed__challenge_page": 1}))
    assert run.ok and run.blocked is None
    # two refused articles are too few to call a block
    run = summarise("mid", stats(**{"mf__articles__failed": 2, "mf__articles__failed__http_403": 2}))
    assert run.ok and run.blocked is None
    # a listing that fails for another reason is a failure, not a block
    run = summarise("mid", stats(**{"mf__listing__failed": 1}))
    assert run.errors == ["1 listing page(s) could not be read"] and run.blocked is None
    # a block besides a broken listing: both said, the block first
    run = summarise("mid", stats(**{"mf__listing__failed": 1, "mf__blocked__listing__http_403": 1}))
    assert run.errors == ["blocked: 403 on the listing", "1 listing page(s) could not be read"]


@pytest.mark.parametrize(("error", "reason"), [
    ("blocked: 403 on the listing", "403 on the listing"),
    ("blocked: 403 on the listing; 1 listing page(s) could not be read", "403 on the listing"),
    ("1 listing page(s) could not be read; blocked: a bot wall on the listing", "a bot wall on the listing"),
    ("layout drift: 1 listing page(s) without article links", None),
    (None, None),
])
def test_the_health_records_error_line_says_whether_it_was_a_block(error, reason):
    assert blocked_reason(error) == reason


def test_the_index_page_shows_a_blocked_source_and_its_kept_statements(tmp_path, archive_url):
    store = make_archive(archive_url)
    try:
        store.record_run("mid", True, "2026-11-29T10:00:00+00:00")
        store.record_run("mid", False, "2026-11-30T10:00:00+00:00", "blocked: 403 on the listing")
        store.record_run("mid", False, "2026-11-30T11:00:00+00:00", "blocked: 403 on the listing")
        store.record_run("mid_archive", False, "2026-11-30T10:05:00+00:00", "listing page failed")
        out = tmp_path / "public"
        publish(store, options(out))
    finally:
        store.close()
    page = etree.HTML((out / "index.html").read_bytes())
    mid = "".join(page.xpath("//li[@id='health-mid']//text()"))
    assert "blocked: 403 on the listing (2 runs in a row; its feeds keep their last statements)" in mid
    assert page.xpath("//li[@id='health-mid']//strong/@class") == ["blocked"]
    assert page.xpath("//div[@id='health-mid']/@class") == ["health blocked"]
    # a failure that is not a block is shown as before
    old_site = "".join(page.xpath("//li[@id='health-mid_archive']//text()"))
    assert "1 failed run in a row: listing page failed" in old_site
    # the statements archived before the block are still listed and in the feeds
    assert len(page.xpath("//ul[@class='latest']/li")) == 5
    assert (out / "mid" / "en.atom").is_file()
