"""The failing cases of issue 10 (tests/fixtures/cases/), each with its right value, read by the
page objects and the normaliser as a crawl reads them. Crawls of the same inputs are in
tests/e2e/test_cases_crawl.py."""

from __future__ import annotations

import json

from crawler.normalise.statement import normalise
from crawler.pages.govuk import GovUkContentItem
from crawler.pages.mid import MidArticlePage
from crawler.pages.registry import read_saved_page
from feeds.atom import FeedOptions, build_entry
from tests.conftest import FIXTURES
from tests.crawl import run_scrapy

CASES = FIXTURES / "cases"
ZWNJ = "\u200c"


def test_br_paragraphs():
    url = "https://mid.ru/en/foreign_policy/news/1900107/"
    html = (CASES / "br-paragraphs" / "1900107.html").read_text(encoding="utf-8")
    item = normalise(MidArticlePage(url, html).statement())
    assert item.body_text == ("The consultations took place in Moscow.\n\nThe sides discussed the regional situation."
                              "\n\nThey agreed to meet again.\nDetails will follow.")


FMPRC_URL = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202405/t20240530_11347301.html"


def test_fmprc_printed_dates():
    slash = (CASES / "fmprc-printed-dates" / "slash-date.html").read_bytes()
    item = normalise(read_saved_page(FMPRC_URL, slash))
    assert (item.published, item.published_precision, item.published_raw) == \
        ("2019-01-02T00:00:00+08:00", "date", "2019/01/02")
    with_meta = (CASES / "fmprc-printed-dates" / "slash-date-with-meta.html").read_bytes()
    item = normalise(read_saved_page(FMPRC_URL, with_meta))
    assert (item.published, item.published_precision, item.published_raw) == \
        ("2019-01-02T15:30:00+08:00", "datetime", "2019-01-02 15:30")


def test_fmprc_printed_dates_with_scrapy_extract():
    for name, published in (("slash-date", "2019-01-02T00:00:00+08:00"),
                            ("slash-date-with-meta", "2019-01-02T15:30:00+08:00")):
        result = run_scrapy("extract", str(CASES / "fmprc-printed-dates" / f"{name}.html"), "--url", FMPRC_URL)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["published"] == published


def test_persian_zero_width_non_joiners_are_kept():
    url = "https://www.gov.uk/api/content/government/news/foreign-secretary-statement-on-international-talks.fa"
    item = normalise(GovUkContentItem(url, (CASES / "persian-zwnj" / "item.json").read_text(encoding="utf-8"))
                     .statement()).to_dict()
    assert item["title"] == f"بیانیه وزیر امور خارجه درباره گفت{ZWNJ}وگوهای بین{ZWNJ}المللی"
    assert item["title"].count(ZWNJ) == 2
    assert item["body_text"] == f"بریتانیا از ادامه گفت{ZWNJ}وگوها حمایت می{ZWNJ}کند."
    assert item["body_html"].count(ZWNJ) == 2
    entry = build_entry({**item, "updated": item["published"]}, FeedOptions("https://feeds.example.org/"))
    written = {element.tag.rsplit("}", 1)[-1]: element.text for element in entry.atom_entry()}
    assert written["title"] == item["title"]
    assert written["summary"] == item["body_text"]


def test_saved_page_read_with_what_its_listing_said():
    """What re-extraction of a pending page does: its raw bytes, its Content-Type, and the tags
    and date its pending record kept from the listing."""
    url = "https://mid.ru/en/foreign_policy/news/1900107/"
    body = (CASES / "br-paragraphs" / "1900107.html").read_bytes()
    page = read_saved_page(url, body, "text/html; charset=windows-1251", tags=["Iran"],
                           listing_date="01.07.2022 10:00")
    assert page.tags == ["Iran"]
    assert page.fallback_published_raw == "01.07.2022 10:00"
    assert page.title == "Comment on the consultations"
