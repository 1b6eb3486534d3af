"""The shared navigation of a sectioned ministry site: listing pages, then article pages.

A site's spider is mostly data: its source name, languages, sections, the URL of a listing page,
and its page objects. Arguments every such spider takes (``scrapy crawl NAME -a …``):

- ``pages=N``: at most N listing pages per section (default: ``MF_DEFAULT_LISTING_PAGES``);
- ``backfill=1``: walk each section back until its listing pages run out (resumable with
  ``-s JOBDIR=…``);
- ``languages=en,ru`` and ``sections=a,b``: crawl only these;
- ``replay=DIR``: answer every request from an offline mirror (see crawler.replay).

Crawls are incremental against the archive (``MF_ARCHIVE_URL``): a listing is read page by
page until a page lists only known articles; a known article is fetched again only when its
re-check is due (``MF_RECHECK_SCHEDULE``), and then conditionally (If-None-Match /
If-Modified-Since) when the server gave validators. A listing page is asked for conditionally
too, once a finished crawl has read it (its validators are kept only from finished crawls, and
articles that failed are retried from the archive's pending list, so a 304 hides nothing).
Due re-checks of articles no longer on the first listing pages are scheduled from the archive,
``MF_RECHECK_MAX_PER_RUN`` at most a run. The language versions an archived article links
(``linked_versions``) and no crawl has read — a run stopped between an article and its
translations — are fetched too: an unchanged article is not fetched again to find them.

A spider whose listings are feeds carrying whole statements (``listing_kind = "feed"``) asks for
those archive-driven pages (retries, re-checks, links) only once its feeds are read
(:meth:`SectionedSiteSpider.feeds_read`): a statement a feed lists is there, whatever its page
answers, so it is not re-checked, and its page's 404 removes nothing.

A listing the site refuses — 401, 403 or 451 (never retried), a bot-wall page that is still one
after the retries every bot wall gets, or a path robots.txt disallows (never requested) — is
counted as blocked (``mf/blocked/listing/<how>``): the run report says "blocked: 403 on the
listing", nothing else is tried to get past it, and the archive (so every feed) keeps what it had.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionLost, DNSLookupError, TCPTimedOutError, TimeoutError

from crawler.events import emit, record_archive_failure
from crawler.incremental import ArchiveIndex, RecheckSchedule
from crawler.items import FetchFailed, ListingWalked, PageEvent
from crawler.middlewares.retry import ChallengePageError
from crawler.normalise.statement import now_utc
from crawler.pages import ParseError
from crawler.replay import Mirror, MirrorError, enable_replay
from crawler.store import archive_url

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.items import PageStatement

#: Statuses an article request handles itself: unchanged, and gone.
_ARTICLE_STATUSES = [304, 404, 410]
#: Statuses by which a site refuses a client (RFC 9110 §15.5.2, §15.5.4; RFC 7725): a block, not
#: a fault to retry.
BLOCKING_STATUSES = frozenset({401, 403, 451})


#: The spider arguments every sectioned-site spider takes (``-a NAME=VALUE``); names starting with
#: "_" are Scrapyd's (``_job``) and pass.
ARGUMENTS = ("pages", "backfill", "languages", "sections", "replay")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class SpiderArgumentError(ValueError):
    """A spider argument that cannot be used; the message names it (``-a pages=abc: …``)."""


def _flag(name: str, value: Any) -> bool:
    word = str(value).strip().lower()
    if word not in _TRUE | _FALSE:
        raise SpiderArgumentError(f"-a {name}={value}: say 1 or 0 (yes/no, true/false, on/off)")
    return word in _TRUE


class SectionedSiteSpider(scrapy.Spider):
    """Reads a site's section listings and hands every new or due article to its page object."""

    source: ClassVar[str]
    languages: ClassVar[tuple[str, ...]]
    #: "listing" for listing pages; "feed" for feeds that carry whole texts (their raw documents
    #: are then kept in the archive, as article pages are).
    listing_kind: ClassVar[str] = "listing"
    #: Legacy encodings the site has served pages in, for charset decisions
    #: (crawler.middlewares.charset).
    charset_hints: ClassVar[tuple[str, ...]] = ()
    #: True for a spider whose articles' language versions in other languages than ``languages``
    #: are its own too (it follows them: ``linked_versions``), so :meth:`owns` them.
    owns_every_language: ClassVar[bool] = False
    index: ArchiveIndex

    def __init__(self, *args: Any, pages: str | None = None, backfill: str | None = None,
                 languages: str | None = None, sections: str | None = None,
                 replay: str | None = None, **kwargs: Any) -> None:
        unknown_arguments = sorted(name for name in kwargs if not name.startswith("_") and name != "name")
        if unknown_arguments:
            raise SpiderArgumentError(f"-a {unknown_arguments[0]}=…: {self.name} takes no such argument "
                                      f"(it takes {', '.join(ARGUMENTS)})")
        super().__init__(*args, **kwargs)
        self.max_pages = None
        if pages is not None:
            if not str(pages).strip().isdigit() or int(pages) < 1:
                raise SpiderArgumentError(f"-a pages={pages}: not a number of listing pages (1 or more)")
            self.max_pages = int(pages)
        self.backfill = _flag("backfill", backfill) if backfill is not None else False
        wanted = [lang.strip() for lang in languages.split(",") if lang.strip()] if languages is not None else None
        unknown = [lang for lang in wanted or () if lang not in self.languages]
        if unknown or wanted == []:
            raise SpiderArgumentError(f"-a languages={languages}: {self.name} has no language "
                                      f"{', '.join(unknown) or '(none given)'} (it has {', '.join(self.languages)})")
        self.crawl_languages = tuple(wanted or self.languages)
        self.only_sections = {s.strip().strip("/") for s in sections.split(",") if s.strip()} \
            if sections is not None else None
        if self.only_sections is not None:
            known = [section for language in self.crawl_languages for section in self.sections(language)]
            missing = sorted(name for name in self.only_sections
                             if not any(name in (section, section.split("/")[-1]) for section in known))
            if missing or not self.only_sections:
                raise SpiderArgumentError(f"-a sections={sections}: {self.name} has no section "
                                          f"{', '.join(missing) or '(none given)'} "
                                          f"(it has {', '.join(dict.fromkeys(known))})")
        #: Statement URLs the feeds list this run (a feed spider's): present, whatever their pages say.
        self.feed_listed: set[str] = set()
        self._archive_work_done = False
        if replay is not None:
            try:
                Mirror(replay)
            except MirrorError as error:
                raise SpiderArgumentError(f"-a replay={replay}: {error}") from None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SectionedSiteSpider:
        if kwargs.get("replay"):
            enable_replay(crawler.settings, kwargs["replay"])
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if spider.max_pages is None:
            spider.max_pages = settings.getint("MF_DEFAULT_LISTING_PAGES")
        spider.index = ArchiveIndex.load(archive_url(settings),
                                         RecheckSchedule.from_setting(settings.get("MF_RECHECK_SCHEDULE")),
                                         spider.name)
        if spider.listing_kind == "feed":
            crawler.signals.connect(spider.feeds_read, signal=signals.spider_idle)
        return spider

    def closed(self, reason: str) -> None:
        """The crawl is over: close the archive index's connection (and say if the archive failed
        under it)."""
        if self.index.error is not None:
            record_archive_failure(self.crawler, self.index.error)
        self.index.close()

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

    def article_language(self, url: str) -> str | None:
        """The language of an article URL of the spider's page object (as the URL tells it), or
        None for a URL it does not read."""
        raise NotImplementedError

    def owns(self, url: str) -> bool:
        """True for this spider's article URLs: those its page object reads
        (:meth:`article_language` is not None) in one of its ``languages``, or in any language when
        the spider reads every language version its articles link (``owns_every_language``). Two
        spiders of one site or source (China's English and Chinese sites, whose page object reads
        both) never own each other's articles: each re-checks only its own."""
        language = self.article_language(url)
        return language is not None and (self.owns_every_language or language in self.languages)

    def has_next_page(self, response: Response, page: int) -> bool:
        """Whether the listing goes on after this page. Sites with a pager that names the last
        page say so more precisely."""
        return True

    def next_listing(self, response: Response, language: str, section: str,
                     page: int) -> str | scrapy.Request | None:
        """The listing page after ``page``: its URL, a request (a form postback), or None at the
        end. By default ``listing_url(page + 1)`` while ``has_next_page``; a listing paged by
        what the page itself gives (an archive's month links, an API's cursor, a form's state)
        overrides this. The base class gives the request its callback and accounting."""
        if not self.has_next_page(response, page):
            return None
        return self.listing_url(language, section, page + 1)

    def gone_reason(self, response: Response) -> str | None:
        """Why an article page that answered 200 says its document is gone (a soft 404: "Sorry
        for the inconvenience", a "page not found" template), or None for a page to read."""
        return None

    def statement_url(self, entry_url: str) -> str:
        """The archive's URL of a listed article: links to the site's own hosts are moved onto the
        base URL it is crawled from (``site_hosts`` and the ``base_setting`` setting)."""
        hosts = getattr(self, "site_hosts", ())
        setting = getattr(self, "base_setting", None)
        parts = urlsplit(entry_url)
        if setting and parts.netloc.lower() in hosts:
            base = urlsplit(self.settings.get(setting))
            return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))
        return entry_url

    def fetch_url(self, statement_url: str) -> str:
        """Where to fetch an article from (a JSON API, say, for a page URL)."""
        return statement_url

    def linked_versions(self, translations: dict[str, str]) -> list[str]:
        """Of an article's language versions (language → statement URL), those to fetch too, when
        the site lists them and they are not found otherwise: none by default. Asked of every
        article read, and at the start of a crawl of every archived one (an article archived and
        unchanged is not fetched again, so a crawl interrupted before its translations were read
        still finds them)."""
        return []

    def follow_ups(self, response: Response, statement: PageStatement) -> list[str]:
        """Statement URLs an article points to that should be fetched too: its
        :meth:`linked_versions`."""
        return self.linked_versions(statement.translations)

    # --- navigation --------------------------------------------------------------------------------
    def _wanted_sections(self, language: str) -> list[str]:
        sections = self.sections(language)
        if self.only_sections is None:
            return sections
        return [s for s in sections if s in self.only_sections or s.split("/")[-1] in self.only_sections]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.index.check()  # an archive that cannot be read: no crawl
        for language in self.crawl_languages:
            for section in self._wanted_sections(language):
                yield self._listing_request(language, section, 1)
        if self.listing_kind != "feed":  # (a feed spider's waits for its feeds: feeds_read)
            for request in self._archive_work():
                yield request

    def _archive_work(self) -> Iterator[scrapy.Request]:
        """The requests the archive asks for, beside the listings': pending articles to try again,
        due re-checks (but of statements the feeds list this run: the feed checked them), and
        the language versions archived articles link that no crawl has read."""
        for article in self.index.pending_retries(self.settings.getint("MF_PENDING_MAX_ATTEMPTS")):
            yield self._article_request(article.url, article.tags, article.listing_date, kind="retry")
        limit = self.settings.getint("MF_RECHECK_MAX_PER_RUN")
        for page in self.index.due_rechecks(self.source, self._rechecked, limit):
            yield self._article_request(page.url, [], None, kind="recheck")
        # Language versions archived articles link and no crawl has read: an article is followed
        # only when it is fetched, and an archived, unchanged one is not fetched again.
        for url in self.index.unfetched_links(self.source, self.linked_versions):
            yield self._article_request(url, [], None)

    def _rechecked(self, url: str) -> bool:
        """Whether this run re-checks the archived statement at ``url``: the spider's own
        (:meth:`owns`), not listed by a feed this run (the feed checked it), and, when the run was
        asked for some of the spider's languages (``-a languages=``), in one of those: another
        language's feeds and listings are not read this run, so what they list is not known."""
        if not self.owns(url) or url in self.feed_listed:
            return False
        return set(self.crawl_languages) == set(self.languages) or self.article_language(url) in self.crawl_languages

    def feeds_read(self) -> None:
        """A feed spider's crawl went idle the first time: its feeds are read (answered, 304 or
        failed), so what they list is known; only now are its article pages asked for by the
        archive (:meth:`_archive_work`), so that a page that answers 404 while its feed lists the
        statement never removes it, whatever order the answers come in. Raises
        :class:`~scrapy.exceptions.DontCloseSpider` when it scheduled any (an archive that
        cannot be read raises :class:`~crawler.events.ArchiveFailed`, which closes the crawl)."""
        if self._archive_work_done:
            return
        self._archive_work_done = True
        requests = list(self._archive_work())
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def _feed_lists(self, url: str) -> None:
        """Note the statements a feed lists (:attr:`feed_listed`) when it answered 304, could not
        be fetched or did not read: from the newest of its last documents the archive keeps that
        reads (the newest may be the very copy that was cut short)."""
        kept = self.index.last_feeds(url)
        for document in kept:
            kind = responsetypes.from_args(headers=document["headers"], url=url, body=document["body"])
            try:
                entries = self.listing_entries(kind(url, body=document["body"], headers=document["headers"]))
            except ParseError:
                continue
            self.feed_listed.update(self.statement_url(entry.url) for entry in entries)
            return
        if kept:
            self.logger.warning("None of the last %d documents of the feed %s the archive keeps reads", len(kept), url)

    def _listing_request(self, language: str, section: str, page: int,
                         target: str | scrapy.Request | None = None) -> scrapy.Request:
        """The request for listing page ``page``: ``listing_url`` unless ``target`` (what
        :meth:`next_listing` gave) says where."""
        # A listing is asked for conditionally only once a finished crawl has read it: its
        # validators are then those of a page whose every article is archived or pending (the
        # archive pipeline keeps listing validators only from finished crawls).
        given = target if isinstance(target, scrapy.Request) else None
        url = given.url if given is not None else (target or self.listing_url(language, section, page))
        known = self.index.get(url) if given is None or given.method == "GET" else None
        conditional = known is not None and not self.backfill and self.index.has_walked(language, section)
        headers = known.conditional_headers() if conditional else None
        fields = {"callback": self.parse_listing, "errback": self.listing_failed,
                  "cb_kwargs": {"language": language, "section": section, "page": page},
                  "meta": {**(given.meta if given is not None else {}), "mf_kind": self.listing_kind,
                           "handle_httpstatus_list": [304]},
                  "priority": -page}
        if given is not None:
            if headers:
                fields["headers"] = {**given.headers.to_unicode_dict(), **headers}
            return given.replace(**fields)
        return scrapy.Request(url, headers=headers, **fields)

    def _article_request(self, url: str, tags: list[str], listing_date: str | None,
                         kind: str = "article") -> scrapy.Request:
        # Only an archived statement is asked for conditionally: validators alone (a page whose
        # statement never reached the archive) must not turn its next fetch into a 304. A retry
        # never is: the validators kept may be those of the very page that did not read.
        known = self.index.get(url)
        archived = known is not None and known.doc_id is not None
        conditional = kind != "retry" and archived and not known.removed
        if archived:
            # A re-check's page that no longer prints its date is dated as the archive dated it
            # (the date a page object falls back on, as a new article's listing date is), not
            # from what little is left (a document number's day): no edit made of nothing.
            listing_date = self.index.archived_date(url) or listing_date
        return scrapy.Request(
            self.fetch_url(url),
            callback=self.parse_article,
            errback=self.article_failed,
            headers=known.conditional_headers() if conditional else None,
            cb_kwargs={"entry_tags": tags, "listing_date": listing_date},
            meta={"mf_kind": kind, "handle_httpstatus_list": _ARTICLE_STATUSES,
                  "mf_spider": self.name, "mf_statement_url": url},
        )

    def _walked(self, language: str, section: str) -> None:
        emit(self.crawler, ListingWalked(self.name, language, section, now_utc()))

    def parse_listing(self, response: Response, language: str, section: str,
                      page: int) -> Iterator[scrapy.Request | PageStatement]:
        """Follow every new or due article of a listing page, then the next page while wanted."""
        stats = self.crawler.stats
        if response.status == 304:  # nothing new since the last finished crawl read it
            stats.inc_value("mf/listing/not_modified")
            if self.listing_kind == "feed":
                self._feed_lists(response.url)
            self._walked(language, section)
            return
        _require_text(response)
        try:
            entries = self.listing_entries(response)
        except ParseError:
            if self.listing_kind == "feed":  # (cut short, drifted): what it listed last time is known
                self._feed_lists(response.url)
            raise
        stats.inc_value("mf/listing/pages")
        if not entries:
            if page == 1:
                stats.inc_value("mf/drift/empty_listing")
                self.logger.error("Layout drift: %s lists no article links (%s/%s page 1)",
                                  response.url, language, section)
            else:
                self.logger.info("%s: listing page %d of %s/%s lists nothing: end of section",
                                 response.url, page, language, section)
                self._walked(language, section)
            return
        new = 0
        for entry in entries:
            url = self.statement_url(entry.url)
            if self.listing_kind == "feed":
                self.feed_listed.add(url)
            known = self.index.is_known_article(url)
            new += not known
            statement = getattr(entry, "statement", None)
            if statement is not None:  # a feed that carries the whole text: nothing to fetch
                statement.url = url
                statement.fetched_at = now_utc()
                stats.inc_value("mf/articles/from_feed")
                yield statement
                continue
            if known and not self.index.is_due(url):
                stats.inc_value("mf/articles/skipped_known")
                continue
            yield self._article_request(url, list(entry.tags), entry.date_raw, "recheck" if known else "article")
        following = self.next_listing(response, language, section, page)
        if following is None:
            self.logger.info("%s: last listing page of %s/%s", response.url, language, section)
            self._walked(language, section)
            return
        if not new and not self.backfill and self.index.has_walked(language, section):
            self.logger.info("%s: every article listed is known: %s/%s is up to date",
                             response.url, language, section)
            self._walked(language, section)
            return
        if self.backfill or page < self.max_pages:
            yield self._listing_request(language, section, page + 1, following)
        else:
            self._walked(language, section)

    def parse_article(self, response: Response, entry_tags: list[str],
                      listing_date: str | None) -> Iterator[PageStatement]:
        """One article page → one statement; a 304 or a vanished page → an event for the archive."""
        stats = self.crawler.stats
        requested = response.meta.get("mf_statement_url") or response.url
        if response.status == 304:
            stats.inc_value("mf/articles/not_modified")
            emit(self.crawler, PageEvent(url=requested, fetched_at=now_utc()))
            return
        if response.status in (404, 410):
            self._gone(requested, f"HTTP {response.status}")
            return
        if response.meta.get("redirect_urls") and not self.owns(response.url):
            self._gone(requested, f"redirected to {response.url}")
            return
        _require_text(response)
        gone = self.gone_reason(response)
        if gone is not None:
            self._gone(requested, gone)
            return
        statement = self.article_statement(response, entry_tags, listing_date)
        statement.fetched_at = now_utc()
        stats.inc_value("mf/articles/parsed")
        yield statement
        for url in self.follow_ups(response, statement):
            if not self.index.is_known_article(url):
                yield self._article_request(url, [], None)

    def _gone(self, url: str, reason: str) -> None:
        """A vanished article: an event when we archived it, a failed fetch when we never had it;
        nothing but a warning for a statement a feed lists this run (the feed is the source's
        word that it is there; its text is the feed's)."""
        if url in self.feed_listed:
            self.crawler.stats.inc_value("mf/articles/gone_but_listed")
            self.logger.warning("Article page gone but its feed lists it: %s (%s); kept as the feed gives it",
                                url, reason)
            return
        if self.index.get(url) is not None and self.index.get(url).doc_id is not None:
            self.crawler.stats.inc_value("mf/articles/gone")
            self.logger.warning("Article gone: %s (%s)", url, reason)
            emit(self.crawler, PageEvent(url=url, fetched_at=now_utc(), gone_reason=reason))
            return
        self.crawler.stats.inc_value("mf/articles/failed")
        self.crawler.stats.inc_value(f"mf/articles/failed/{_slug(reason)}")
        self.logger.error("Article page failed: %s (%s)", url, reason)
        emit(self.crawler, FetchFailed(url, self.name, reason, now_utc()))

    def listing_failed(self, failure: Failure) -> None:
        """A listing page that could not be fetched: the end of the listing, a block, or a
        failure."""
        request = failure.request
        if self.listing_kind == "feed":  # what it listed last time is what is known of it
            self._feed_lists(request.url)
        page = request.cb_kwargs.get("page", 1)
        status = failure.value.response.status if failure.check(HttpError) else None
        if status in (404, 410) and page > 1:
            self.logger.info("%s: %d, end of section", request.url, status)
            self._walked(request.cb_kwargs["language"], request.cb_kwargs["section"])
            return
        blocked = blocked_by(failure)
        if blocked is not None:
            # Never worked around (no other User-Agent, no borrowed cookies): reported, and the
            # archive keeps what it has.
            self.crawler.stats.inc_value(f"mf/blocked/listing/{blocked}")
            self.logger.error("Blocked: %s refuses us (%s); its feeds keep their last entries", request.url,
                              _reason(failure))
            return
        self.crawler.stats.inc_value("mf/listing/failed")
        self.logger.error("Listing page failed: %s (%s)", request.url, _reason(failure))

    def article_failed(self, failure: Failure) -> None:
        """An article page that could not be fetched: counted, logged, pending for the next run."""
        reason = _reason(failure)
        request = failure.request
        self.crawler.stats.inc_value("mf/articles/failed")
        self.crawler.stats.inc_value(f"mf/articles/failed/{_slug(reason)}")
        self.logger.error("Article page failed: %s (%s)", request.url, reason)
        url = request.meta.get("mf_statement_url") or request.url  # the page's URL, not its API's
        emit(self.crawler, FetchFailed(url, self.name, reason, now_utc(),
                                       request.cb_kwargs.get("entry_tags", []),
                                       request.cb_kwargs.get("listing_date")))


def _require_text(response: Response) -> None:
    """A page whose Content-Type is not text (an image, a PDF, an archive where a page was linked)
    cannot be read: ParseError ``not_text`` naming the type, so the page is counted as unparsed
    and kept pending with its raw bytes like any page that does not parse."""
    if not isinstance(response, TextResponse):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or "no Content-Type"
        raise ParseError(response.url, "not_text", content_type)


def blocked_by(failure: Failure) -> str | None:
    """How a failed request was refused, as a stats key — ``http_403`` (any of
    :data:`BLOCKING_STATUSES`), ``bot_wall`` (a challenge page after the retries), ``robots_txt``
    (a path robots.txt disallows) — or None for a failure that is not a refusal."""
    if failure.check(HttpError) and failure.value.response.status in BLOCKING_STATUSES:
        return f"http_{failure.value.response.status}"
    if failure.check(ChallengePageError):
        return "bot_wall"
    if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
        return "robots_txt"
    return None


def _reason(failure: Failure) -> str:
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if failure.check(ChallengePageError):
        return f"challenge page: {failure.value}"
    if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
        return "disallowed by robots.txt"
    if failure.check(TimeoutError, TCPTimedOutError):
        return f"timeout: {failure.value}"
    if failure.check(DNSLookupError):
        return f"DNS lookup failed: {failure.value}"
    if failure.check(ConnectionLost):
        return f"connection lost: {failure.value}"
    return f"{type(failure.value).__name__}: {failure.value}"


def _slug(reason: str) -> str:
    """A stats-key form of a failure reason: "HTTP 404" → "http_404", "timeout: …" → "timeout",
    "redirected to https://…" → "redirected_to"."""
    head = re.split(r":|\s+https?\b", reason, maxsplit=1)[0].strip().lower()
    return "_".join(head.replace("/", " ").split())[:40] or "other"
