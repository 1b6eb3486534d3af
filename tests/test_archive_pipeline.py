"""The archive pipeline: statements and raw pages written in batches bounded by count and bytes,
each statement linked to its raw page, the validated dict archived as it is."""

from __future__ import annotations

import hashlib

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.pages.registry import read_article
from crawler.pipelines.archive import ArchivePipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import ValidatePipeline
from crawler.store import Selection, open_archive
from tests.conftest import fixture_response

URLS = [
    "https://mid.ru/en/foreign_policy/news/1819686/",
    "https://mid.ru/en/foreign_policy/news/1820150/",
    "https://mid.ru/en/press_service/minister_speeches/1819811/",
    "https://mid.ru/en/press_service/minister_speeches/1820723/",
    "https://mid.ru/en/press_service/deputy_ministers_speeches/1820317/",
]


def crawl_through(archive_url, **settings):
    """Fetched pages as the crawl hands them on, into the archive at ``archive_url``: response
    signal, page object, the three pipelines. Returns the crawler, the archive pipeline, and the
    pending byte count after each step."""
    ours = {name: getattr(project_settings, name) for name in dir(project_settings) if name.startswith("MF_")}
    crawler = get_crawler(settings_dict={**ours, "MF_ARCHIVE_URL": archive_url, **settings})
    normalise, validate = NormalisePipeline.from_crawler(crawler), ValidatePipeline.from_crawler(crawler)
    archive = ArchivePipeline.from_crawler(crawler)
    archive.open_spider()
    pending = []
    for url in URLS:
        response = fixture_response(url)
        request = Request(url, meta={"mf_kind": "article", "mf_statement_url": url})
        archive.response_received(response, request)
        pending.append(archive.pending_bytes)
        page = read_article(url, response.text)
        page.fetched_at = "2026-11-28T12:00:00Z"
        record = validate.process_item(normalise.process_item(page))
        assert archive.process_item(record) is record
        pending.append(archive.pending_bytes)
    archive.close_spider()
    archive.spider_closed("finished")
    return crawler, archive, pending


def archived_raw_pages(archive_url):
    with open_archive(archive_url, readonly=True) as store:
        ids = {doc["url"]: doc["id"] for doc in store.documents(Selection(include_repeats=True))}
        return {url: store.versions(ids[url])[0]["raw_sha256"] for url in URLS}


def test_the_validate_pipeline_passes_on_the_dict_it_checked(tmp_path):
    crawler = get_crawler(settings_dict={})
    statement = NormalisePipeline.from_crawler(crawler).process_item(
        read_article(URLS[0], fixture_response(URLS[0]).text))
    statement.fetched_at = "2026-11-28T12:00:00Z"
    record = ValidatePipeline.from_crawler(crawler).process_item(statement)
    assert record == statement.to_dict()
    assert ValidatePipeline.from_crawler(crawler).process_item(record) is record  # not converted again


def test_one_batch_when_under_both_bounds(archive_url):
    crawler, _, pending = crawl_through(archive_url)
    assert crawler.stats.get_value("mf/archive/batches") == 1
    assert crawler.stats.get_value("mf/items/new") == len(URLS)
    assert pending == sorted(pending)  # nothing written before the spider closed
    bodies = {url: fixture_response(url).body for url in URLS}
    assert archived_raw_pages(archive_url) == \
        {url: hashlib.sha256(body).hexdigest() for url, body in bodies.items()}


@pytest.mark.parametrize("batch_bytes", [1, 12_000, 30_000])
def test_batches_are_bounded_by_bytes(archive_url, batch_bytes):
    crawler, archive, pending = crawl_through(archive_url, MF_ARCHIVE_BATCH_BYTES=batch_bytes)
    assert max(pending) < batch_bytes  # a batch reaching the bound is written at once
    page_bytes = sum(len(fixture_response(url).body) for url in URLS)
    # at most one write per page and per statement, at least one per bound's worth of raw pages
    assert min(2 * len(URLS), page_bytes // batch_bytes) <= crawler.stats.get_value("mf/archive/batches") \
        <= 2 * len(URLS)
    assert crawler.stats.get_value("mf/items/new") == len(URLS)
    assert archive.raw_by_url == {}
    assert archived_raw_pages(archive_url) == \
        {url: hashlib.sha256(fixture_response(url).body).hexdigest() for url in URLS}


def test_batches_are_bounded_by_count(archive_url):
    crawler, _, _ = crawl_through(archive_url, MF_ARCHIVE_BATCH_SIZE=2)
    assert crawler.stats.get_value("mf/archive/batches") == 3  # 2 + 2 + the last one at close
    assert crawler.stats.get_value("mf/items/new") == len(URLS)
