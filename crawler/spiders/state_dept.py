"""The US Department of State: its full-text RSS feeds, the article page only where a feed item
lacks the text. English only; America/New_York; a decoy page for a bot wall."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import state_dept
from crawler.spiders.base import SectionedSiteSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.items import PageStatement
    from crawler.pages.feeds_rss import FeedEntry


class StateDeptSpider(SectionedSiteSpider):
    """Press releases and department press briefings of www.state.gov."""

    name = "state_dept"
    source = state_dept.SOURCE
    languages = ("en",)
    listing_kind = "feed"
    site_hosts = ("www.state.gov", "state.gov")
    base_setting = "MF_STATE_DEPT_BASE_URL"
    custom_settings = {"DOWNLOAD_DELAY": 5.0}  # noqa: RUF012 - robots.txt asks for crawl-delay: 5

    def sections(self, language: str) -> list[str]:
        return ["press-releases", "department-press-briefings"]

    def listing_url(self, language: str, section: str, page: int) -> str:
        return f"{self.settings.get(self.base_setting).rstrip('/')}/rss-feed/{section}/feed/"

    def listing_entries(self, response: Response) -> list[FeedEntry]:
        return state_dept.StateFeed(response.url, response.body).entries()

    def has_next_page(self, response: Response, page: int) -> bool:
        return False  # a feed is one page: older statements are in the site's own listings

    def article_language(self, url: str) -> str | None:
        return "en" if state_dept.StateArticlePage.matches(url) else None

    def is_bot_wall(self, text: str) -> bool:
        return state_dept.is_bot_wall(text)

    def article_statement(self, response: Response, entry_tags: list[str],
                          listing_date: str | None) -> PageStatement:
        # The page prints a day; the feed's date (with its time) is only a fallback.
        return state_dept.StateArticlePage(response.url, response.text).statement(entry_tags, listing_date)
