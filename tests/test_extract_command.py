"""``scrapy extract PATH --url URL`` as maintainers and users run it."""

import json

from tests.conftest import FIXTURES
from tests.crawl import run_scrapy

STATEMENT = FIXTURES / "mid" / "en" / "foreign_policy" / "news" / "1819686.html"
URL = "https://mid.ru/en/foreign_policy/news/1819686/"


def test_prints_the_normalised_item():
    result = run_scrapy("extract", str(STATEMENT), "--url", URL)
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert item["id"] == "mid:en:1819686"
    assert item["published"] == "2022-06-28T11:44:00+03:00"
    assert item["doc_number"] == "1345-28-06-2022"
    assert item["body_text"].startswith("In response to the constantly expanding US sanctions")


def test_windows_1251_file():
    path = FIXTURES / "mid" / "ru" / "foreign_policy" / "news" / "1820801.html"
    result = run_scrapy("extract", str(path), "--url", "https://mid.ru/ru/foreign_policy/news/1820801/")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"].startswith("О телефонном разговоре")


def test_challenge_page_fails_with_one_line():
    path = FIXTURES / "mid" / "en" / "foreign_policy" / "news" / "1820833.html"
    result = run_scrapy("extract", str(path), "--url", "https://mid.ru/en/foreign_policy/news/1820833/")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"{path}: https://mid.ru/en/foreign_policy/news/1820833/: challenge_page"]


def test_unknown_url_and_missing_file(tmp_path):
    result = run_scrapy("extract", str(STATEMENT), "--url", "https://mid.ru/en/about/")
    assert result.returncode == 1
    assert "unknown_url" in result.stderr and "https://mid.ru/en/about/" in result.stderr
    result = run_scrapy("extract", str(tmp_path / "none.html"), "--url", URL)
    assert result.returncode == 2  # a missing PATH is a bad argument
    assert result.stderr.strip() == f"scrapy extract: {tmp_path / 'none.html'}: cannot read (No such file or directory)"


def test_missing_title(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(STATEMENT.read_text(encoding="utf-8").replace("photo-content__title", "x").replace(
        "<h1", "<h2").replace("</h1>", "</h2>"), encoding="utf-8")
    result = run_scrapy("extract", str(page), "--url", URL)
    assert result.returncode == 1
    assert result.stderr.strip() == f"{page}: {URL}: missing_title"


def test_page_declaring_the_wrong_charset():
    path = FIXTURES / "fmprc" / "en" / "t20241128_11535555.html"
    url = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202411/t20241128_11535555.html"
    result = run_scrapy("extract", str(path), "--url", url)
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert item["title"] == "Foreign Ministry Spokesperson Mao Ning’s Regular Press Conference on November 28, 2024"
    assert item["published"] == "2024-11-28T23:43:00+08:00"


def test_validate_command(archive_url):
    from crawler.store import open_archive
    from tests.feed_archive import make_archive, statement

    make_archive(archive_url).close()
    result = run_scrapy("validate", "--versions", "all", "-s", f"MF_ARCHIVE_URL={archive_url}")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("5 statements checked, 0 invalid")
    broken = statement("https://mid.ru/en/foreign_policy/news/1819686/")
    broken.update(id="mid:en:2", site_id="2", url="https://mid.ru/en/foreign_policy/news/2/", type="memo")
    with open_archive(archive_url) as store:
        store.write_batch([], [broken])  # the archive takes it; validation tells
    result = run_scrapy("validate", "-s", f"MF_ARCHIVE_URL={archive_url}")
    assert result.returncode == 1
    assert "mid:en:2 v1 https://mid.ru/en/foreign_policy/news/2/: type: 'memo' is not one of" in result.stderr
    assert result.stderr.strip().endswith("6 statements checked, 1 invalid")


def test_extract_shows_the_translations_the_page_names():
    """The page's own evidence: a <link rel=alternate hreflang> in its head and its language
    switcher's link to the same document (tests/fixtures/variants)."""
    path = FIXTURES / "variants" / "mid" / "news-related-blocks-en.html"
    result = run_scrapy("extract", str(path), "--url", "https://mid.ru/en/foreign_policy/news/1990003/")
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert item["translations"] == {"ru": "https://mid.ru/ru/foreign_policy/news/1990003/"}
    assert item["tags"] == ["Mongolia", "United Nations"]
    assert item["site"] == "mid.ru"


def test_a_page_larger_than_a_crawl_downloads_is_refused(tmp_path):
    """The crawl's own limit (DOWNLOAD_MAXSIZE) bounds what is read: one line naming the file and
    the limit, exit 2; a page of exactly the limit is read."""
    size = STATEMENT.stat().st_size
    result = run_scrapy("extract", str(STATEMENT), "--url", URL, "-s", f"DOWNLOAD_MAXSIZE={size - 1}")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"scrapy extract: {STATEMENT}: larger than -s DOWNLOAD_MAXSIZE ({size - 1} bytes), the most a crawl downloads"]
    result = run_scrapy("extract", str(STATEMENT), "--url", URL, "-s", f"DOWNLOAD_MAXSIZE={size}")
    assert result.returncode == 0, result.stderr
    result = run_scrapy("extract", str(STATEMENT), "--url", URL, "-s", "DOWNLOAD_MAXSIZE=lots")
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["scrapy extract: -s DOWNLOAD_MAXSIZE=lots: not a whole number of at least 0"]


def test_a_file_that_never_ends_is_refused():
    """/dev/zero: it read until the OOM killer came (24 GB). Now at most the limit + 1 byte."""
    result = run_scrapy("extract", "/dev/zero", "--url", "https://mid.ru/ru/foreign_policy/news/1820150/",
                        timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.splitlines() == [
        "scrapy extract: /dev/zero: not a regular file, and more than DOWNLOAD_MAXSIZE (10485760 bytes) came from "
        "it, the most a crawl downloads"]
    result = run_scrapy("extract", "/dev/zero", "--url", "https://mid.ru/ru/foreign_policy/news/1820150/",
                        "-s", "DOWNLOAD_MAXSIZE=0", timeout=60)  # no limit in a crawl: none for a file that never ends
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.splitlines() == [
        "scrapy extract: /dev/zero: not a regular file, and -s DOWNLOAD_MAXSIZE is 0 (no limit): it might never end"]
