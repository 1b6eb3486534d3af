"""Small archives for publisher tests, made from the bundled mirror's pages."""

from __future__ import annotations

from pathlib import Path

from crawler.normalise.statement import normalise
from crawler.pages.registry import read_article
from crawler.store import ArchiveStore, open_archive
from feeds.publish import PublishOptions
from tests.conftest import fixture_response

BASE_URL = "https://feeds.example.org/"
FETCHED = "2026-11-01T00:00:00Z"
PAGES = [
    "https://mid.ru/en/foreign_policy/news/1819686/",
    "https://mid.ru/ru/foreign_policy/news/1819686/",
    "https://mid.ru/en/press_service/spokesman/briefings/1820480/",
    "https://mid.ru/en/press_service/spokesman/comments/1820702/",
    "https://archive.mid.ru/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2826535",
]
TAGS = {"https://mid.ru/en/foreign_policy/news/1819686/": ["United States of America (USA)"],
        "https://mid.ru/en/press_service/spokesman/comments/1820702/": ["NATO (North Atlantic Treaty Organization)"]}


def statement(url: str, fetched_at: str = FETCHED) -> dict:
    page = read_article(url, fixture_response(url).text)
    page.tags = page.tags or TAGS.get(url, [])
    page.fetched_at = fetched_at
    return normalise(page).to_dict()


def make_archive(url: str, urls: list[str] = PAGES) -> ArchiveStore:
    """A new archive at ``url`` holding the statements of ``urls``."""
    store = open_archive(url)
    store.write_batch([], [statement(url) for url in urls])
    return store


def options(out: Path, **changes) -> PublishOptions:
    return PublishOptions(base_url=BASE_URL, out_dir=out, **changes)
