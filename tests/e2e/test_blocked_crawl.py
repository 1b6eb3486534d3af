"""Blocked sources stay honest (issue 16, item 5), over loopback HTTP with real ``scrapy update``
runs: a source that worked and is then refused (403, a bot wall, robots.txt) is reported as
blocked — its summary line, the run report, the health record, the index page — while its feed
files stay exactly as they were; the crawler names itself, sends no cookies, and waits the
Crawl-delay robots.txt asks for."""

from __future__ import annotations

import contextlib
import itertools
import json
from pathlib import Path

import pytest
from lxml import etree

from crawler.settings import MF_CONTACT_URL
from crawler.sources import SOURCES
from crawler.store import open_archive
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e
#: a WAF's block page (Cloudflare's, as mofa.go.jp's is inferred to be): a bot wall, whatever its status
WAF = (FIXTURES / "mofa_jp" / "waf-403.html").read_bytes()
#: a plain refusal
FORBIDDEN = b"<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>"
#: spider → [(host of the mirror, setting)]: the site its listings come from first
SITES = {"mofa_jp": [("www.mofa.go.jp", "MF_MOFA_JP_BASE_URL")],
         "mea_in": [("www.mea.gov.in", "MF_MEA_IN_BASE_URL")],
         "gac_ca": [("api.io.canada.ca", "MF_GAC_CA_API_BASE_URL"), ("www.canada.ca", "MF_GAC_CA_BASE_URL")],
         "mae_fr": [("www.diplomatie.gouv.fr", "MF_MAE_FR_BASE_URL")],
         "state_dept": [("www.state.gov", "MF_STATE_DEPT_BASE_URL")]}


class Deployment:
    """An installation whose update runs against loopback copies of one source's sites."""

    def __init__(self, folder: Path, spider: str, sites: list[LoopbackSite], archive_url: str) -> None:
        self.folder, self.spider, self.sites = folder, spider, sites
        self.archive = archive_url
        self.public = folder / "public"

    def update(self, **extra: str):
        settings = {setting: site.base_url for site, (_host, setting) in zip(self.sites, SITES[self.spider],
                                                                                   strict=True)}
        result = run_scrapy("update", "--only", self.spider, *fast_settings(self.archive, self.folder, **settings,
                                                                              **extra))
        report = json.loads((self.folder / "reports" / "last-run.json").read_text(encoding="utf-8"))
        return result, report

    def feed_files(self, source: str) -> dict[str, tuple[bytes, int]]:
        """Every published file of a source (feeds, archives, dumps) with its bytes and mtime."""
        found = {}
        for folder in (self.public / source, self.public / "data" / source):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    found[str(path.relative_to(self.public))] = (path.read_bytes(), path.stat().st_mtime_ns)
        return found

    def health(self) -> tuple[int, str | None, str | None]:
        """The spider's health record: (consecutive failures, last success, last error)."""
        with open_archive(self.archive, readonly=True) as store:
            record = store.health()[self.spider]
        return record["consecutive_failures"], record["last_success"], record["last_error"]


@pytest.fixture
def deployment(tmp_path, request):
    """The deployment of the spider ``request.param``, on the backend of ``archive_url`` when the
    test asks for that fixture (it reads the archive); else on an SQLite file (the test reads
    nothing there: what is asked of a site, and how politely, does not depend on the backend)."""
    spider = request.param
    archive = request.getfixturevalue("archive_url") if "archive_url" in request.fixturenames \
        else f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with contextlib.ExitStack() as stack:
        sites = [stack.enter_context(LoopbackSite(FIXTURES, host=host)) for host, _setting in SITES[spider]]
        yield Deployment(tmp_path, spider, sites, archive)


@pytest.mark.parametrize("deployment", sorted(SITES), indirect=True)
def test_a_source_that_worked_then_is_refused_is_reported_blocked_and_keeps_its_feeds(deployment, archive_url):
    spider = deployment.spider
    source = next(name for name, source in SOURCES.items() if spider in source.spiders)
    result, report = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]
    before = deployment.feed_files(source)
    # its feeds per language and per type, and its dumps, made from the catalog as for every source
    for language in SOURCES[source].languages:
        assert f"{source}/{language}.atom" in before, language
        assert any(path.startswith(f"{source}/{language}/type/") and path.endswith(".atom") for path in before)
    assert any(path.startswith(f"data/{source}/") for path in before)

    deployment.sites[0].block(403, FORBIDDEN)
    result, report = deployment.update()
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if line.startswith(f"{spider}: "))
    assert line.startswith(f"{spider}: FAILED: blocked: 403 on the listing"), line
    target = report["targets"][spider]
    assert target["blocked"].startswith("403 on the listing")
    assert target["errors"][0].startswith("blocked: 403 on the listing")
    assert report["sources"][source]["blocked"] == {spider: target["blocked"]}
    # nothing was asked twice of a site that refuses us (no retries against a block)
    assert target["extra"]["retries"] == 0
    # the health record keeps it; the feeds keep their last good entries, byte for byte, untouched
    failures, last_success, last_error = deployment.health()
    assert (failures, last_error) == (1, target["errors"][0]) and last_success is not None
    assert deployment.feed_files(source) == before
    page = etree.HTML((deployment.public / "index.html").read_bytes())
    shown = "".join(page.xpath(f"//li[@id='health-{spider}']//strong[@class='blocked']//text()"))
    assert shown.startswith("blocked: 403 on the listing")
    assert page.xpath(f"//div[@id='health-{source}']/@class") == ["health blocked"]
    assert page.xpath(f"//h2[@id='{source}']/following-sibling::ul[@class='latest'][1]/li")


@pytest.mark.parametrize("deployment", ["mofa_jp"], indirect=True)
def test_a_bot_wall_and_robots_txt_are_blocks_too(deployment):
    site = deployment.sites[0]
    # the WAF's page on every listing, with 403 or 200: retried (a challenge may pass), then a block
    listings = ("/press/release/index.html", "/press/kaiken/index.html", "/press/statement/ps.html",
                "/mofaj/press/release/index.html", "/mofaj/press/kaiken/index.html")
    for path in listings:
        site.set(path, WAF, status=403 if "kaiken" in path else 200)
    result, report = deployment.update()
    assert result.returncode == 1
    assert report["targets"]["mofa_jp"]["blocked"] == "a bot wall on the listing (5 listing pages)"
    assert all(site.hits[path] == 4 for path in listings)  # the first try and MF's three retries, no more
    # robots.txt disallowing the press pages: obeyed, said
    site.overrides.clear()
    site.set("/robots.txt", b"User-agent: *\nDisallow: /press/\nDisallow: /mofaj/press/\n",
             headers={"Content-Type": "text/plain"})
    result, report = deployment.update()
    assert result.returncode == 1
    assert report["targets"]["mofa_jp"]["blocked"] == "robots.txt disallows the listing (5 listing pages)"
    assert all(site.hits[path] == 4 for path in listings)  # not one request more to a disallowed path


@pytest.mark.parametrize("deployment", ["mofa_jp"], indirect=True)
def test_the_crawler_names_itself_sends_no_cookies_and_waits_the_crawl_delay(deployment):
    site = deployment.sites[0]
    site.set("/robots.txt", b"User-agent: *\nCrawl-delay: 0.5\nDisallow: /cgi-bin/\n",
             headers={"Content-Type": "text/plain"})
    site.faults["/press/kaiken/index.html"] = [(403, {"Content-Type": "text/html"}, FORBIDDEN)]  # one refusal
    result, report = deployment.update(MF_OBEY_CRAWL_DELAY="True", LOG_LEVEL="INFO")
    assert result.returncode == 1  # the refused listing is reported
    assert "'mf/robots/crawl_delay/127.0.0.1': 0.5" in result.stderr
    agents = {agent for _at, _path, agent, _cookie in site.requests}
    assert len(agents) == 1
    [agent] = agents
    assert agent.startswith("ministry-feeds/") and MF_CONTACT_URL in agent
    assert "Mozilla" not in agent
    assert {cookie for _at, _path, _agent, cookie in site.requests} == {None}
    # every request after robots.txt came at least the Crawl-delay after the one before it
    times = [at for at, path, _agent, _cookie in site.requests if path != "/robots.txt"]
    assert len(times) >= 5
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.45, gaps
    assert report["targets"]["mofa_jp"]["blocked"] == "403 on the listing"
