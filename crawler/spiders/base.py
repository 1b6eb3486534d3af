"""The shared navigation of a sectioned ministry site: listing pages, then article pages.

A site's spider is mostly data: its source name, languages, sections, the URL of a listing page,
and its page objects. Arguments every such spider takes (``scrapy crawl NAME -a …``):

- ``pages=N``: listing pages read per section (default: the ``MF_DEFAULT_LISTING_PAGES`` setting);
- ``backfill=1``: walk each section back until its listing pages run out (resumable with
  ``-s JOBDIR=…``);
- ``languages=en,ru`` and ``sections=a,b``: crawl only these;
- ``replay=DIR``: answer every request from an offline mirror (see crawler.replay).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.normalise.statement import now_utc
from crawler.replay import enable_replay

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.items import PageStatement


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


class SectionedSiteSpider(scrapy.Spider):
    """Reads a site's section listings and hands every article page to its page object."""

    source: ClassVar[str]
    languages: ClassVar[tuple[str, ...]]

    def __init__(self, *args: Any, pages: str | None = None, backfill: str | None = None,
                 languages: str | None = None, sections: str | None = None,
                 replay: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_pages = int(pages) if pages is not None else None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"pages must be 1 or more, not {pages!r}")
        self.backfill = _truthy(backfill) if backfill is not None else False
        wanted = [lang.strip() for lang in languages.split(",")] if languages else None
        unknown = set(wanted or ()) - set(self.languages)
        if unknown:
            raise ValueError(f"{self.name}: unknown languages {sorted(unknown)}; has {self.languages}")
        self.crawl_languages = tuple(wanted or self.languages)
        self.only_sections = {s.strip().strip("/") for s in sections.split(",")} if sections else None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SectionedSiteSpider:
        if kwargs.get("replay"):
            enable_replay(crawler.settings, kwargs["replay"])
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.max_pages is None:
            spider.max_pages = crawler.settings.getint("MF_DEFAULT_LISTING_PAGES")
        return spider

    # --- what a site's spider provides -----------------------------------------------------------
    def sections(self, language: str) -> list[str]:
        """The section paths to crawl in a language."""
        raise NotImplementedError

    def listing_url(self, language: str, section: str, page: int) -> str:
        """The URL of listing page ``page`` (1-based)."""
        raise NotImplementedError

    def listing_entries(self, response: Response) -> list:
        """The listing page's entries (objects with ``url``, ``date_raw`` and ``tags``)."""
        raise NotImplementedError

    def article_statement(self, response: Response, entry_tags: list[str],
                          listing_date: str | None) -> PageStatement:
        """The article page's statement, from the site's page object."""
        raise NotImplementedError

    def has_next_page(self, response: Response, page: int) -> bool:
        """Whether the listing goes on after this page (it lists something). Sites with a pager
        that names the last page say so more precisely."""
        return True

    def article_request_url(self, entry_url: str) -> str:
        """The URL to fetch a listed article from (sites whose links point elsewhere rebase it)."""
        return entry_url

    # --- navigation --------------------------------------------------------------------------------
    def _wanted_sections(self, language: str) -> list[str]:
        sections = self.sections(language)
        if self.only_sections is None:
            return sections
        return [s for s in sections if s in self.only_sections or s.split("/")[-1] in self.only_sections]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for language in self.crawl_languages:
            for section in self._wanted_sections(language):
                yield self._listing_request(language, section, 1)

    def _listing_request(self, language: str, section: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            self.listing_url(language, section, page),
            callback=self.parse_listing,
            errback=self.listing_failed,
            cb_kwargs={"language": language, "section": section, "page": page},
            meta={"mf_kind": "listing"},
            priority=-page,
        )

    def parse_listing(self, response: Response, language: str, section: str,
                      page: int) -> Iterator[scrapy.Request]:
        """Follow every article of a listing page, then the next page while wanted."""
        entries = self.listing_entries(response)
        self.crawler.stats.inc_value("mf/listing/pages")
        for entry in entries:
            yield scrapy.Request(
                self.article_request_url(entry.url),
                callback=self.parse_article,
                errback=self.article_failed,
                cb_kwargs={"entry_tags": list(entry.tags), "listing_date": entry.date_raw},
                meta={"mf_kind": "article"},
            )
        if not entries:
            self.logger.info("%s: listing page %d of %s/%s lists nothing: end of section",
                             response.url, page, language, section)
            return
        if not self.has_next_page(response, page):
            self.logger.info("%s: last listing page of %s/%s", response.url, language, section)
            return
        if self.backfill or page < self.max_pages:
            yield self._listing_request(language, section, page + 1)

    def parse_article(self, response: Response, entry_tags: list[str],
                      listing_date: str | None) -> Iterator[PageStatement]:
        """One article page → one statement."""
        statement = self.article_statement(response, entry_tags, listing_date)
        statement.fetched_at = now_utc()
        self.crawler.stats.inc_value("mf/articles/parsed")
        yield statement

    def listing_failed(self, failure: Failure) -> None:
        """A listing page that could not be fetched: the end of a backfill, or a failure."""
        request = failure.request
        page = request.cb_kwargs.get("page", 1)
        if failure.check(HttpError) and failure.value.response.status in (404, 410) \
                and self.backfill and page > 1:
            self.logger.info("%s: %d, end of section", request.url, failure.value.response.status)
            return
        self.crawler.stats.inc_value("mf/listing/failed")
        self.logger.error("Listing page failed: %s (%s)", request.url, _reason(failure))

    def article_failed(self, failure: Failure) -> None:
        """An article page that could not be fetched."""
        self.crawler.stats.inc_value("mf/articles/failed")
        self.logger.error("Article page failed: %s (%s)", failure.request.url, _reason(failure))


def _reason(failure: Failure) -> str:
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return f"{type(failure.value).__name__}: {failure.value}"

