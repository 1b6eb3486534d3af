"""One test over every registered source: each of its spiders crawls the bundled mirror through
Scrapy's downloader (replay), and every item it yields validates against the JSON Schema."""

from __future__ import annotations

import contextlib
import json
from collections import Counter

import pytest
from jsonschema import Draft202012Validator

from crawler.items import statement_schema
from crawler.sources import SOURCES
from crawler.store import Selection, open_archive
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy

pytestmark = pytest.mark.e2e
VALIDATOR = Draft202012Validator(statement_schema())
SPIDERS = [(source.name, spider) for source in SOURCES.values() for spider in source.spiders]
#: What each spider's mirror holds (statements it must yield), so a spider yielding nothing fails.
EXPECTED = {"mid": 32, "mid_archive": 16, "fcdo": 4, "state_dept": 4, "fmprc_en": 4, "fmprc_zh": 2, "aa": 5,
            "mofa_jp": 11, "mea_in": 7, "gac_ca": 6, "mae_fr": 6}


def test_every_registered_spider_has_a_mirror_expectation():
    assert sorted(EXPECTED) == sorted(spider for _, spider in SPIDERS)


@pytest.mark.parametrize(("source", "spider"), SPIDERS)
def test_spider_crawls_its_mirror_and_every_item_validates(tmp_path, archive_url, source, spider):
    out = tmp_path / "items.jsonl"
    result = run_scrapy("crawl", spider, "-a", f"replay={FIXTURES}", "-a", "backfill=1", "-O", str(out),
                        *fast_settings(archive_url))
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(items) == EXPECTED[spider]
    for item in items:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(item)]
        assert errors == [], (item["url"], errors)
        assert item["source"] == source
        assert item["language"] in SOURCES[source].languages or item["translations"], item["url"]
    assert "'mf/pages/unparsed'" not in result.stderr


#: Where each spider's pages live, and the setting that points the spider elsewhere (a spider that
#: reads two sites has a pair for each).
HOSTS = {"mid": ("mid.ru", "MF_MID_BASE_URL"), "mid_archive": ("archive.mid.ru", "MF_MID_ARCHIVE_BASE_URL"),
         "fcdo": ("www.gov.uk", "MF_GOVUK_BASE_URL"), "state_dept": ("www.state.gov", "MF_STATE_DEPT_BASE_URL"),
         "fmprc_en": ("www.fmprc.gov.cn", "MF_FMPRC_EN_BASE_URL"),
         "fmprc_zh": ("www.mfa.gov.cn", "MF_FMPRC_ZH_BASE_URL"),
         "aa": ("www.auswaertiges-amt.de", "MF_AA_BASE_URL"), "mofa_jp": ("www.mofa.go.jp", "MF_MOFA_JP_BASE_URL"),
         "mea_in": ("www.mea.gov.in", "MF_MEA_IN_BASE_URL"),
         "gac_ca": [("www.canada.ca", "MF_GAC_CA_BASE_URL"), ("api.io.canada.ca", "MF_GAC_CA_API_BASE_URL")],
         "mae_fr": ("www.diplomatie.gouv.fr", "MF_MAE_FR_BASE_URL")}


@pytest.mark.parametrize(("source", "spider"), SPIDERS)
def test_spider_crawls_a_loopback_copy_of_its_site(tmp_path, archive_url, source, spider):
    from tests.loopback import LoopbackSite

    hosts = HOSTS[spider] if isinstance(HOSTS[spider], list) else [HOSTS[spider]]
    out = tmp_path / "items.jsonl"
    with contextlib.ExitStack() as stack:
        sites = [(stack.enter_context(LoopbackSite(FIXTURES, host=host)), setting) for host, setting in hosts]
        result = run_scrapy("crawl", spider, "-a", "backfill=1", "-O", str(out),
                            *fast_settings(archive_url,
                                           **{setting: site.base_url for site, setting in sites}))
        hits = sum(sum(site.hits.values()) for site, _setting in sites)
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(items) == EXPECTED[spider]
    assert hits >= 2  # robots.txt and at least one listing or feed, over real HTTP
    for item in items:
        assert not list(VALIDATOR.iter_errors(item)), item["url"]
    with open_archive(archive_url, readonly=True) as store:
        kinds = Counter(fetch["kind"] for fetch in store.fetches())
    # Raw answers are kept: every article page fetched, and the feeds statements came from.
    assert sum(kinds.values()) >= 1
    if spider in ("state_dept", "aa"):
        assert kinds["feed"] == 2


def test_china_removed_page_redirecting_with_200_is_a_removal(archive_url):
    from tests.loopback import LoopbackSite

    article = "/eng/xw/fyrbt/fyrbt/202411/t20241127_11534800.html"
    with LoopbackSite(FIXTURES, host="www.fmprc.gov.cn") as site:
        settings = fast_settings(archive_url, MF_FMPRC_EN_BASE_URL=site.base_url,
                                 MF_RECHECK_SCHEDULE="[[36500, 0]]", MF_RECHECK_MAX_PER_RUN="100")
        assert run_scrapy("crawl", "fmprc_en", *settings).returncode == 0
        site.set(article, b"", status=302, headers={"Location": "/web/system/index_17321.shtml"})
        site.set("/web/system/index_17321.shtml", "<html><body><p>您访问的页面不存在</p></body></html>".encode())
        result = run_scrapy("crawl", "fmprc_en", *settings)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Article gone: " in result.stderr
    with open_archive(archive_url, readonly=True) as store:
        removed = {doc["id"]: doc["removed_at"] for doc in store.documents(Selection(include_repeats=True))}
    assert removed["fmprc:en:t20241127_11534800"] is not None
    assert sum(1 for value in removed.values() if value is None) == 3


def test_state_department_decoy_is_a_bot_wall_that_is_retried(tmp_path, archive_url):
    from tests.loopback import LoopbackSite

    decoy = (FIXTURES / "state_dept" / "technical-difficulties.html").read_bytes()
    html = {"Content-Type": "text/html; charset=UTF-8"}
    page = "/releases/office-of-the-spokesperson/2025/07/designation-of-a-transnational-criminal-organization/"
    faults = {"/rss-feed/press-releases/feed/": [(200, html, decoy)], page: [(403, html, decoy)]}
    with LoopbackSite(FIXTURES, faults, host="www.state.gov") as site:
        out = tmp_path / "items.jsonl"
        result = run_scrapy("crawl", "state_dept", "-O", str(out),
                            *fast_settings(archive_url, MF_STATE_DEPT_BASE_URL=site.base_url))
        hits = dict(site.hits)
    assert result.returncode == 0, result.stderr[-3000:]
    assert hits["/rss-feed/press-releases/feed/"] == 2
    assert hits[page] == 2
    assert "'retry/reason_count/challenge page': 2" in result.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
