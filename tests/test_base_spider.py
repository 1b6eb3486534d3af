"""The sectioned-site spider's hooks for listings the page itself pages (``next_listing``: a URL, or
a request such as a form postback) and its classification of refusals (``blocked_by``)."""

from __future__ import annotations

import pytest
from scrapy import FormRequest, Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.middlewares.retry import ChallengePageError
from crawler.spiders.base import SectionedSiteSpider, blocked_by


class PostbackSpider(SectionedSiteSpider):
    """A site whose next listing page is a form postback (an ASP.NET GridView's pager)."""

    name = "postback"
    source = "mid"
    languages = ("en",)

    def sections(self, language):
        return ["list"]

    def listing_url(self, language, section, page):
        return f"https://example.org/{section}.aspx"

    def listing_entries(self, response):
        return []

    def owns(self, url):
        return False

    def next_listing(self, response, language, section, page):
        return FormRequest(response.url, formdata={"__EVENTTARGET": "sb$grd", "__EVENTARGUMENT": f"Page${page + 1}"},
                           headers={"X-Test": "kept"})


@pytest.fixture
def spider(tmp_path):
    from crawler import settings as project

    settings = {name: getattr(project, name) for name in dir(project) if name.startswith("MF_")}
    # the spider opens the archive for its index: a new place (no archive there, an empty index)
    crawler = get_crawler(PostbackSpider, settings_dict={**settings,
                                                         "MF_ARCHIVE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    return PostbackSpider.from_crawler(crawler)


def test_a_postback_is_the_next_listing_page(spider):
    response = HtmlResponse("https://example.org/list.aspx", body=b"<html></html>")
    following = spider.next_listing(response, "en", "list", 1)
    request = spider._listing_request("en", "list", 2, following)
    assert request.method == "POST"
    assert b"__EVENTARGUMENT=Page%242" in request.body
    assert request.callback == spider.parse_listing and request.errback == spider.listing_failed
    assert request.cb_kwargs == {"language": "en", "section": "list", "page": 2}
    assert request.meta["mf_kind"] == "listing" and request.meta["handle_httpstatus_list"] == [304]
    assert request.headers.get("X-Test") == b"kept"
    assert request.priority == -2


def test_a_url_and_the_default_next_listing(spider):
    request = spider._listing_request("en", "list", 3, "https://example.org/list.aspx?page=3")
    assert (request.method, request.url, request.cb_kwargs["page"]) == \
        ("GET", "https://example.org/list.aspx?page=3", 3)
    response = HtmlResponse("https://example.org/list.aspx", body=b"<html></html>")
    assert SectionedSiteSpider.next_listing(spider, response, "en", "list", 1) == "https://example.org/list.aspx"


def _failure(error: Exception) -> Failure:
    return Failure(error)


@pytest.mark.parametrize(("status", "blocked"), [(403, "http_403"), (401, "http_401"), (451, "http_451"),
                                                 (404, None), (500, None), (429, None)])
def test_statuses_that_are_refusals(status, blocked):
    response = HtmlResponse("https://example.org/", status=status, body=b"", request=Request("https://example.org/"))
    assert blocked_by(_failure(HttpError(response, "not ok"))) == blocked


def test_bot_walls_and_robots_txt_are_refusals_other_drops_are_not():
    assert blocked_by(_failure(ChallengePageError("bot-wall challenge page after 4 tries"))) == "bot_wall"
    assert blocked_by(_failure(IgnoreRequest("Forbidden by robots.txt"))) == "robots_txt"
    assert blocked_by(_failure(IgnoreRequest("Filtered offsite request"))) is None
    assert blocked_by(_failure(TimeoutError("timed out"))) is None


#: One archived article URL of each spider in each of its languages (and a translation GOV.UK's
#: items link), as the bundled mirror gives them.
ARTICLES = {
    "https://mid.ru/en/press_service/spokesman/comments/1820702/": "mid",
    "https://mid.ru/ru/press_service/spokesman/briefings/1820480/": "mid",
    "https://archive.mid.ru/en/press_service/spokesman/answers/-/asset_publisher/OyrhusXGz9Lz/content/id/3990765":
        "mid_archive",
    "https://archive.mid.ru/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2826535": "mid_archive",
    "https://www.gov.uk/government/speeches/glasgow-2014-commonwealth-games-airspace-restrictions": "fcdo",
    "https://www.gov.uk/government/news/christmas-2016-prime-ministers-message.ur": "fcdo",
    "https://www.state.gov/releases/office-of-the-spokesperson/2025/07/secretary-rubios-call-with-philippine-"
    "secretary-of-foreign-affairs-lazaro/": "state_dept",
    "https://www.fmprc.gov.cn/eng/xw/zyjh/202411/t20241125_11533101.html": "fmprc_en",
    "https://www.mfa.gov.cn/web/wjdt_674879/wjbxw_674885/202411/t20241126_11534200.shtml": "fmprc_zh",
    "https://www.auswaertiges-amt.de/de/newsroom/presse/icg-2776130": "aa",
    "https://www.auswaertiges-amt.de/en/newsroom/news/icg-2776128": "aa",
    "https://www.mofa.go.jp/press/kaiken/kaikenite_000001_00087.html": "mofa_jp",
    "https://www.mofa.go.jp/mofaj/press/release/pressit_000001_04230.html": "mofa_jp",
    "https://www.mea.gov.in/press-releases?dtl/41700/India_Japan_Joint_Statement_on_Economic_Security_Cooperation":
        "mea_in",
    "https://www.mea.gov.in/press-releases-hi?dtl/41705/Visit_of_External_Affairs_Minister_to_Japan_October_5_7_2026":
        "mea_in",
    "https://www.canada.ca/en/global-affairs/news/2026/09/canada-announces-humanitarian-assistance-for-people-"
    "affected-by-floods-in-pakistan.html": "gac_ca",
    "https://www.canada.ca/fr/affaires-mondiales/nouvelles/2026/09/le-canada-annonce-une-aide-humanitaire-pour-les-"
    "personnes-touchees-par-les-inondations-au-pakistan.html": "gac_ca",
    "https://www.diplomatie.gouv.fr/en/presse-et-ressources/decouvrir-et-informer/actualites/ukraine-declaration-"
    "de-la-porte-parole-13-mai-2026": "mae_fr",
    "https://www.diplomatie.gouv.fr/fr/presse-et-ressources/decouvrir-et-informer/actualites/ukraine-declaration-"
    "de-la-porte-parole-13-mai-2026": "mae_fr",
}


def test_each_article_url_is_owned_by_its_own_spider_only(tmp_path):
    """A spider re-checks the archived articles it owns: two spiders owning one URL (China's
    English and Chinese sites, read by one page object) fetched every article twice a run."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    from crawler import settings as project
    from crawler.sources import SOURCES

    settings = {name: getattr(project, name) for name in dir(project) if name.startswith("MF_")}
    settings["MF_ARCHIVE_URL"] = f"sqlite:///{tmp_path / 'a.sqlite3'}"  # none there: an empty index
    loader = SpiderLoader.from_settings(get_project_settings())
    spiders = {name: loader.load(name).from_crawler(get_crawler(loader.load(name), settings_dict=settings))
               for source in SOURCES.values() for name in source.spiders}
    assert sorted(set(ARTICLES.values())) == sorted(spiders)
    for url, owner in ARTICLES.items():
        assert [name for name, spider in spiders.items() if spider.owns(url)] == [owner], url


def test_a_run_asked_for_some_languages_rechecks_those_only(tmp_path):
    """``-a languages=de`` reads the German feeds only: the English statements they do not list
    were re-checked, and the 404 of a page the English feed carries whole removed the statement
    (a full run then restored it)."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    from crawler import settings as project

    settings = {name: getattr(project, name) for name in dir(project) if name.startswith("MF_")}
    settings["MF_ARCHIVE_URL"] = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    loader = SpiderLoader.from_settings(get_project_settings())
    english, german = ("https://www.auswaertiges-amt.de/en/newsroom/news/icg-2776128",
                       "https://www.auswaertiges-amt.de/de/newsroom/presse/icg-2776130")

    def spider(**arguments):
        return loader.load("aa").from_crawler(get_crawler(loader.load("aa"), settings_dict=settings), **arguments)

    every = spider()
    assert every._rechecked(english) and every._rechecked(german)
    only_de = spider(languages="de")
    assert only_de._rechecked(german) and not only_de._rechecked(english)
    assert only_de.owns(english)  # still its article: a full run re-checks it
    every.feed_listed.add(german)
    assert not every._rechecked(german)  # its feed listed it this run
