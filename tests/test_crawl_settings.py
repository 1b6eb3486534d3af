"""Crawl settings chosen for speed, and the checks they move from run time to the test suite."""

from __future__ import annotations

import inspect

import pytest
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import is_generator_with_return_value

from crawler import settings as project_settings


@pytest.fixture(scope="module")
def settings() -> Settings:
    values = Settings()
    values.setmodule(project_settings)
    return values


def spider_classes(settings):
    loader = SpiderLoader.from_settings(settings)
    return [loader.load(name) for name in loader.list()]


def test_no_spider_callback_is_a_generator_that_returns_a_value(settings):
    """What WARN_ON_GENERATOR_RETURN_VALUE would check on every response: a `return value` in a
    generator callback is silently lost."""
    assert not settings.getbool("WARN_ON_GENERATOR_RETURN_VALUE")
    checked = []
    for spider in spider_classes(settings):
        for name, function in inspect.getmembers(spider, inspect.isgeneratorfunction):
            assert not is_generator_with_return_value(function), f"{spider.__name__}.{name} returns a value"
            checked.append(f"{spider.__name__}.{name}")
    assert "MidSpider.parse_listing" in checked and "MidSpider.parse_article" in checked
    assert len(spider_classes(settings)) >= 7


def test_the_check_finds_a_generator_returning_a_value():
    def callback(response):
        yield response
        return "lost"

    assert is_generator_with_return_value(callback)



def test_an_archive_folder_that_does_not_exist_is_refused_but_the_default_data_folder(tmp_path, monkeypatch):
    from scrapy.exceptions import UsageError

    from crawler.commands.crawl import check_archive_folder

    monkeypatch.chdir(tmp_path)  # a fresh clone: no data/ yet
    default = Settings()
    default.setmodule(project_settings)
    check_archive_folder(default)  # `make demo` makes data/ on its first run
    assert not (tmp_path / "data").exists()  # the check itself makes nothing
    for url, folder in (("sqlite:///elsewhere/a.sqlite3", "elsewhere"), ("sqlite:////no/dir/a.sqlite3", "/no/dir"),
                        ("sqlite:///data/sub/a.sqlite3", "data/sub")):
        settings = Settings()
        settings.setmodule(project_settings)
        settings.set("MF_ARCHIVE_URL", url, priority="cmdline")
        with pytest.raises(UsageError) as error:
            check_archive_folder(settings)
        assert str(error.value) == f"archive URL {url}: folder {folder} does not exist"
    (tmp_path / "elsewhere").mkdir()
    settings.set("MF_ARCHIVE_URL", "sqlite:///elsewhere/a.sqlite3", priority="cmdline")
    check_archive_folder(settings)
