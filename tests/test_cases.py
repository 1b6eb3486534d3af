"""The failing cases of issue 10 (tests/fixtures/cases/), each with its right value, read by the
page objects and the normaliser as a crawl reads them. Crawls of the same inputs are in
tests/e2e/test_cases_crawl.py."""

from __future__ import annotations

from crawler.normalise.statement import normalise
from crawler.pages.govuk import GovUkContentItem
from crawler.pages.mid import MidArticlePage
from feeds.atom import FeedOptions, build_entry
from tests.conftest import FIXTURES

CASES = FIXTURES / "cases"
ZWNJ = "\u200c"


def test_br_paragraphs():
    url = "https://mid.ru/en/foreign_policy/news/1900107/"
    html = (CASES / "br-paragraphs" / "1900107.html").read_text(encoding="utf-8")
    item = normalise(MidArticlePage(url, html).statement())
    assert item.body_text == ("The consultations took place in Moscow.\n\nThe sides discussed the regional situation."
                              "\n\nThey agreed to meet again.\nDetails will follow.")


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
