"""Case jsonl-line-separators: U+2028, U+2029 and U+0085 inside a statement's text are written
escaped in every JSON Lines the project writes (``scrapy export``, the published dumps, Scrapy's
``-O items.jsonl``), so a reader that splits on any line break still sees one record per line."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy

pytestmark = pytest.mark.e2e
CASE = FIXTURES / "cases" / "jsonl-line-separators"
SEPARATORS = {"\u2028": b"\\u2028", "\u2029": b"\\u2029", "\u0085": b"\\u0085"}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, module_archive_url):
    """(The case's crawl's folder, its archive's URL): on each backend in turn."""
    folder = tmp_path_factory.mktemp("separators")
    items = folder / "items.jsonl"
    result = run_scrapy("crawl", "mid", "-a", f"replay={CASE}", "-a", "languages=en", "-a",
                        "sections=foreign_policy/news", "-O", str(items), *fast_settings(module_archive_url, folder))
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, module_archive_url


def check_one_record_per_line(data: bytes) -> dict:
    """Every separator written escaped, one record per str.splitlines line; the record of 1900101."""
    for escaped in SEPARATORS.values():
        assert escaped in data
    for raw in SEPARATORS:
        assert raw.encode("utf-8") not in data
    text = data.decode("utf-8")
    lines = text.splitlines()
    assert len(lines) == text.count("\n")
    records = [json.loads(line) for line in lines]
    record = next(r for r in records if r["id"] == "mid:en:1900101")
    # The same characters come back from any JSON parser.
    assert "followed by a NEL\u0085marker" in record["body_html"]
    assert "following.\u2028The aid convoy" in record["body_html"]
    assert "Second paragraph\u2029ends here" in record["body_html"]
    return record


def test_scrapy_export(crawled):
    folder, archive = crawled
    result = run_scrapy("export", "-o", str(folder / "export.jsonl"), "-s", f"MF_ARCHIVE_URL={archive}")
    assert result.returncode == 0, result.stderr
    record = check_one_record_per_line((folder / "export.jsonl").read_bytes())
    assert record["title"] == "Comment on the humanitarian situation"


def test_published_dumps(crawled):
    folder, archive = crawled
    public = folder / "public"
    result = run_scrapy("publish", "-s", f"MF_ARCHIVE_URL={archive}", "-s", f"MF_PUBLIC_DIR={public}")
    assert result.returncode == 0, result.stderr
    dumps = sorted((public / "data" / "mid" / "en").glob("[0-9][0-9][0-9][0-9].jsonl.gz"))  # statements
    assert dumps
    check_one_record_per_line(b"".join(gzip.decompress(path.read_bytes()) for path in dumps))


def test_scrapy_feed_export(crawled):
    folder, _ = crawled
    check_one_record_per_line((folder / "items.jsonl").read_bytes())
