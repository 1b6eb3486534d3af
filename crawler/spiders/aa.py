"""Germany's Federal Foreign Office, English and German: its full-text RSS feeds; the article
page only where a feed item comes without its text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import auswaertiges_amt as aa
from crawler.spiders.base import SectionedSiteSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.items import PageStatement
    from crawler.pages.feeds_rss import FeedEntry

FEEDS = {
    "en": "static/appdata/includes/rss_en/RSS_Pressemitteilungen_Reden.xml",
    "de": "static/includes/rss/Presse-RSS-Feed.xml",
}


class AaSpider(SectionedSiteSpider):
    """Press releases and speeches of www.auswaertiges-amt.de."""

    name = "aa"
    source = aa.SOURCE
    languages = ("en", "de")
    listing_kind = "feed"
    site_hosts = ("www.auswaertiges-amt.de", "auswaertiges-amt.de")
    base_setting = "MF_AA_BASE_URL"

    def sections(self, language: str) -> list[str]:
        return [FEEDS[language]]

    def listing_url(self, language: str, section: str, page: int) -> str:
        return f"{self.settings.get(self.base_setting).rstrip('/')}/{section}"

    def listing_entries(self, response: Response) -> list[FeedEntry]:
        return aa.AaFeed(response.url, response.body).entries()

    def has_next_page(self, response: Response, page: int) -> bool:
        return False

    def article_language(self, url: str) -> str | None:
        facts = aa.parse_article_url(url)
        return facts[0] if facts else None

    def article_statement(self, response: Response, entry_tags: list[str],
                          listing_date: str | None) -> PageStatement:
        return aa.AaArticlePage(response.url, response.text).statement(entry_tags, listing_date)
