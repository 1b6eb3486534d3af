"""One test over every registered source: each of its spiders crawls the bundled mirror through
Scrapy's downloader (replay), and every item it yields validates against the JSON Schema."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from crawler.items import statement_schema
from crawler.sources import SOURCES
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy

pytestmark = pytest.mark.e2e
VALIDATOR = Draft202012Validator(statement_schema())
SPIDERS = [(source.name, spider) for source in SOURCES.values() for spider in source.spiders]
#: What each spider's mirror holds (statements it must yield), so a spider yielding nothing fails.
EXPECTED = {"mid": 32, "mid_archive": 16, "fcdo": 4, "state_dept": 4, "fmprc_en": 4, "fmprc_zh": 2, "aa": 5}


def test_every_registered_spider_has_a_mirror_expectation():
    assert sorted(EXPECTED) == sorted(spider for _, spider in SPIDERS)


@pytest.mark.parametrize(("source", "spider"), SPIDERS)
def test_spider_crawls_its_mirror_and_every_item_validates(tmp_path, source, spider):
    out = tmp_path / "items.jsonl"
    result = run_scrapy("crawl", spider, "-a", f"replay={FIXTURES}", "-a", "backfill=1", "-O", str(out),
                        *fast_settings(tmp_path / "archive.sqlite3"))
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(items) == EXPECTED[spider]
    for item in items:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(item)]
        assert errors == [], (item["url"], errors)
        assert item["source"] == source
        assert item["language"] in SOURCES[source].languages or item["translations"], item["url"]
    assert "'mf/pages/unparsed'" not in result.stderr
