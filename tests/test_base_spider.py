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
