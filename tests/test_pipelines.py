"""The normalise and validate pipelines, and the polite defaults in settings."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.events import archive_event
from crawler.items import FetchFailed, PageStatement
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import ValidatePipeline, schema_errors

URL = "https://mid.ru/en/foreign_policy/news/1819686/"


def page(**changes) -> PageStatement:
    values = dict(source="mid", site_id="1819686", url=URL, language="en", title=" A  title ",
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
