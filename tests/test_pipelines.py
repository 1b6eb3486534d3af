"""The normalise and validate pipelines, and the polite defaults in settings."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.events import archive_event
from crawler.items import FetchFailed, PageStatement, statement_schema
from crawler.normalise.statement import SITES, mint_id, upgrade_archived
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import ValidatePipeline, schema_errors

URL = "https://mid.ru/en/foreign_policy/news/1819686/"


def page(**changes) -> PageStatement:
    values = dict(source="mid", site="mid.ru", site_id="1819686", url=URL, language="en", title=" A  title ",
                  type="news", body_html="<p>Body <script>x()</script></p>",
                  published_raw="28 June 2022 11:44", fetched_at="2026-01-01T00:00:00Z")
    return PageStatement(**{**values, **changes})


@pytest.fixture
def crawler():
    return get_crawler(settings_dict={})


def test_normalise_pipeline_makes_a_valid_statement(crawler):
    statement = NormalisePipeline.from_crawler(crawler).process_item(page())
    item = statement.to_dict()
    assert schema_errors(item) == []
    assert item["title"] == "A title"
    assert item["body_html"] == "<p>Body </p>"
    assert item["published"] == "2022-06-28T11:44:00+03:00"


def recorded(crawler) -> list:
    """The archive events the crawler's pipelines send."""
    events: list = []
    crawler.signals.connect(lambda event: events.append(event), signal=archive_event, weak=False)
    return events


def test_unreadable_date_is_not_stored_but_recorded_as_pending(crawler):
    events = recorded(crawler)
    with pytest.raises(DropItem, match=r"1819686/: unreadable date 'sometime'"):
        NormalisePipeline.from_crawler(crawler).process_item(
            page(published_raw="sometime", tags=["USA"], fallback_published_raw="yesterday"))
    assert crawler.stats.get_value("mf/items/unnormalisable") == 1
    assert crawler.stats.get_value("mf/items/unnormalisable/unreadable_date") == 1
    assert len(events) == 1
    failed = events[0]
    assert isinstance(failed, FetchFailed)
    assert (failed.url, failed.reason, failed.tags, failed.listing_date) == \
        (URL, "unnormalisable: unreadable_date", ["USA"], "yesterday")


def test_a_statement_normalise_fails_on_unforeseen_is_pending_not_lost(crawler, caplog):
    """Values normalise does not foresee (a title that is a number) make it fail with an
    AttributeError: the page is pending as ``normaliser_error``, the traceback logged, as a page
    object's unforeseen failure is (never a statement dropped without a pending record)."""
    events = recorded(crawler)
    with pytest.raises(DropItem, match=r"1819686/: normaliser_error"):
        NormalisePipeline.from_crawler(crawler).process_item(page(title=123, tags=["USA"]))
    assert crawler.stats.get_value("mf/items/unnormalisable/normaliser_error") == 1
    [failed] = events
    assert (failed.url, failed.reason, failed.tags) == (URL, "unnormalisable: normaliser_error", ["USA"])
    [record] = [r for r in caplog.records if "normaliser_error" in r.getMessage()]
    assert record.exc_info is not None and record.exc_info[0] is AttributeError


def test_validate_pipeline_drops_counts_and_records(crawler):
    events = recorded(crawler)
    statement = NormalisePipeline.from_crawler(crawler).process_item(page())
    statement.type = "press release"
    with pytest.raises(DropItem) as error:
        ValidatePipeline.from_crawler(crawler).process_item(statement)
    assert f"invalid item {URL}" in str(error.value)
    assert "type: 'press release' is not one of" in str(error.value)
    assert crawler.stats.get_value("mf/items/invalid") == 1
    assert crawler.stats.get_value("mf/items/invalid/type") == 1
    assert [(e.url, e.reason) for e in events] == [(URL, "invalid: type")]


def test_polite_defaults():
    settings = Settings()
    settings.setmodule(project_settings)
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getint("DOWNLOAD_TIMEOUT") == 30
    assert settings.getint("DOWNLOAD_MAXSIZE") == 10 * 1024 * 1024
    assert settings.getfloat("DOWNLOAD_DELAY") >= 5
    assert settings["USER_AGENT"].startswith("ministry-feeds/")
    assert settings["MF_CONTACT_URL"] in settings["USER_AGENT"]


# --- sites and ids (schema 1.3.0) ------------------------------------------------------------------
def test_ids_keep_their_namespace_while_site_ids_are_the_sites_own():
    assert mint_id("mid", "en", "2823186", "archive.mid.ru") == "mid:en:liferay-2823186"
    assert mint_id("mid", "en", "2823186", "mid.ru") == "mid:en:2823186"
    assert mint_id("fcdo", "ar", "fe363564", "gov.uk") == "fcdo:ar:fe363564"


@pytest.mark.parametrize(("archived", "site", "site_id"), [
    ({"id": "mid:en:liferay-2823186", "source": "mid", "site_id": "liferay-2823186",
      "url": "https://archive.mid.ru/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2823186"},
     "archive.mid.ru", "2823186"),
    ({"id": "mid:ru:1819686", "source": "mid", "site_id": "1819686", "language": "ru",
      "url": "http://127.0.0.1:8080/ru/foreign_policy/news/1819686/"}, "mid.ru", "1819686"),
    ({"id": "fmprc:zh:t1", "source": "fmprc", "site_id": "t1", "language": "zh",
      "url": "http://127.0.0.1:8080/web/a/t1.shtml"}, "mfa.gov.cn", "t1"),
    ({"id": "fmprc:en:t2", "source": "fmprc", "site_id": "t2", "language": "en",
      "url": "https://www.fmprc.gov.cn/eng/t2.html"}, "fmprc.gov.cn", "t2"),
    ({"id": "fcdo:en:x", "source": "fcdo", "site_id": "x", "url": "https://www.gov.uk/government/news/x"},
     "gov.uk", "x"),
])
def test_statements_archived_before_1_3_0_upgrade_without_changing_their_id(archived, site, site_id):
    upgraded = upgrade_archived(archived)
    assert (upgraded["site"], upgraded["site_id"], upgraded["id"]) == (site, site_id, archived["id"])
    assert upgrade_archived(upgraded) == upgraded


def test_every_site_belongs_to_a_registered_source():
    from crawler.sources import SOURCES

    assert {site.source for site in SITES.values()} == set(SOURCES)
    schema_sites = statement_schema()["properties"]["site"]["description"]
    assert all(name in schema_sites for name in SITES)


def test_a_page_that_does_not_parse_is_pending_under_the_url_its_raw_page_is_kept_with(crawler):
    """GOV.UK is fetched from its content API and pages may redirect: the failure is recorded under
    the statement's URL (mf_statement_url), which the archive keeps the raw page with and the next
    run fetches again, never under the API's URL."""
    from scrapy import Request
    from scrapy.http import TextResponse

    from crawler.middlewares.parse_errors import ParseErrorMiddleware
    from crawler.pages import ParseError

    page_url = "https://www.gov.uk/government/news/x"
    request = Request("https://www.gov.uk/api/content/government/news/x",
                      meta={"mf_kind": "article", "mf_spider": "fcdo", "mf_statement_url": page_url},
                      cb_kwargs={"entry_tags": ["UK"], "listing_date": "2024-01-01T00:00:00Z"})
    response = TextResponse(request.url, body=b"{}", request=request)
    events = recorded(crawler)
    assert ParseErrorMiddleware.from_crawler(crawler).process_spider_exception(
        response, ParseError(request.url, "missing_title")) == []
    [failed] = events
    assert (failed.url, failed.spider, failed.reason, failed.tags) == \
        (page_url, "fcdo", "unparsed: missing_title", ["UK"])
    assert crawler.stats.get_value("mf/pages/unparsed/missing_title") == 1


def test_a_page_object_that_fails_unforeseen_leaves_the_page_pending_and_counted(crawler):
    """Any exception of a page object but Scrapy's own (a bug, a page it did not foresee) is a
    page that does not parse: counted as ``extractor_error``, kept pending, logged with its
    traceback; never a statement lost without a word while the run says it went well."""
    from scrapy import Request
    from scrapy.exceptions import CloseSpider
    from scrapy.http import TextResponse

    from crawler.middlewares.parse_errors import ParseErrorMiddleware

    url = "https://mid.ru/en/foreign_policy/news/1820150/"
    request = Request(url, meta={"mf_kind": "article", "mf_spider": "mid"},
                      cb_kwargs={"entry_tags": [], "listing_date": "01.10.2026"})
    response = TextResponse(url, body=b"<html></html>", request=request)
    events = recorded(crawler)
    middleware = ParseErrorMiddleware.from_crawler(crawler)
    assert middleware.process_spider_exception(response, ValueError("All strings must be XML compatible")) == []
    [failed] = events
    assert (failed.url, failed.spider, failed.reason) == (url, "mid", "unparsed: extractor_error")
    assert crawler.stats.get_value("mf/pages/unparsed/extractor_error") == 1
    assert crawler.stats.get_value("mf/article/unparsed") == 1
    # Scrapy's own exceptions steer the crawl: passed on
    assert middleware.process_spider_exception(response, CloseSpider("done")) is None
    assert len(events) == 1
