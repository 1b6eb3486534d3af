"""India's Ministry of External Affairs (www.mea.gov.in), English and Hindi: the current site's
HTML-fragment endpoints.

Facts from ../shared/reference/ministries-more.md ("India: MEA"): a public page such as
``/media-briefings?dtl/35482/<Title_With_Underscores>`` (Hindi ``/media-briefings-hi?dtl/35482/…``:
the same id; older ``…​.htm?dtl/…``) is a shell; its content comes from
``/FrontEnd/FetchPublicationDetailData?pkid=<id>&languageId=1`` (2: Hindi), and listings from
``/FrontEnd/FetchPublicationListingData?publicationId=49&…&page=N&PLngId=1`` (49 briefings, 51 press
releases, 50 speeches and statements). Listing cards: ``span.date`` "30 September, 2026" and
``h3.pressTitle > a``; detail: ``h2.titleText``, the posting date ``span.date``, the text
``div.description``, tags ``div.d-flex.tags``.

The posting date can come days after the event: the date printed in the text wins — the closing
dateline ("New Delhi / September 30, 2026"), or a briefing's date in its title ("(July 07, 2022)"
posted "July 08, 2022"); the posting date is the fallback. "Sorry for the inconvenience." is a
missing item; "The page you are refering is not available in selected language" (sic) means no
version in that language; "Web Page Blocked" is a network filter's page, not the ministry's.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler.items import PageStatement
from crawler.normalise.text import clean_inline
from crawler.pages import ArticlePage, ListingEntry, ParseError
from crawler.pages.cleanup import Chrome, clean_element, copy_element, drop, inner_html, parse_document, text_of
from crawler.pages.evidence import language_versions, tags_of
from crawler.pages.markers import MEA_IN
from crawler.pages.segments import segments_for

SOURCE = "mea_in"
SITE = "mea.gov.in"
LANGUAGES = ("en", "hi")
#: The listings crawled: section → the endpoint's publicationId.
PUBLICATIONS = {"media-briefings": "49", "press-releases": "51"}
#: Every section whose public pages the site has (speeches and statements: 50).
_SECTIONS = ("media-briefings", "press-releases", "speeches-statements")
_PUBLIC_PATH = re.compile(rf"^/(?P<section>{'|'.join(_SECTIONS)})(?P<hi>-hi)?(?:\.htm)?$", re.I)
_DTL = re.compile(r"^dtl/(?P<id>\d{3,7})(?:/(?P<slug>[^=&]*))?")

# --- URLs --------------------------------------------------------------------------------------------


def parse_article_url(url: str) -> tuple[str, str, str] | None:
    """(language, section, id) of a document's public URL (current or ``.htm`` form, words
    joined by ``_`` or ``+``, or the URL-encoded ``?dtl%2F40313%2F…=``); None for others."""
    parts = urlsplit(url)
    path = _PUBLIC_PATH.match(parts.path)
    if path is None:
        return None
    query = _DTL.match(unquote(parts.query))
    if query is None:
        return None
    return ("hi" if path["hi"] else "en"), path["section"].lower(), query["id"]


def canonical_url(url: str) -> str:
    """The public URL as listed, without a fragment or the ``=`` an encoded query ends in."""
    parts = urlsplit(url)
    query = unquote(parts.query).rstrip("=")
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, query, ""))


def listing_url(base_url: str, section: str, language: str, page: int, page_size: int) -> str:
    """Listing page ``page`` (1-based) of a section, from the fragment endpoint."""
    return (f"{base_url.rstrip('/')}/FrontEnd/FetchPublicationListingData?publicationId={PUBLICATIONS[section]}"
            f"&KeywordName=&SortBy=new&page={page}&PageSize={page_size}&DateRange=&IsInternalMEA=false"
            f"&PLngId={2 if language == 'hi' else 1}")


def detail_url(base_url: str, statement_url: str) -> str:
    """The fragment endpoint that serves a public page's content."""
    facts = parse_article_url(statement_url)
    if facts is None:
        raise ValueError(f"not a document URL of mea.gov.in: {statement_url}")
    language, _section, doc_id = facts
    return (f"{base_url.rstrip('/')}/FrontEnd/FetchPublicationDetailData?pkid={doc_id}"
            f"&languageId={2 if language == 'hi' else 1}")


def _read_url(url: str) -> tuple[str, str, str] | None:
    facts = parse_article_url(url)
    return (facts[0], canonical_url(url), facts[2]) if facts else None


# --- pages that are not documents ----------------------------------------------------------------
_MISSING = re.compile(r"Sorry for the inconvenience")
_NOT_IN_LANGUAGE = re.compile(r"not available in (?:the )?selected language", re.I)
_FILTER = re.compile(r"<title>\s*Web Page Blocked\s*</title>|<h1>\s*Web Page Blocked\s*</h1>", re.I)


def gone_reason(text: str) -> str | None:
    """Why a fragment that answered 200 is no document: a missing item, or no version in the
    language asked for; None for a document."""
    head = text[:20_000]
    if _MISSING.search(head):
        return "missing item (“Sorry for the inconvenience.”)"
    if _NOT_IN_LANGUAGE.search(head):
        return "no version in this language"
    return None


def is_bot_wall(text: str) -> bool:
    """A network filter's "Web Page Blocked" page: a block between us and the site."""
    return bool(_FILTER.search(text[:5_000]))


# --- listings ----------------------------------------------------------------------------------------
_LAST_PAGE = re.compile(r'data-page="(\d+)"|id="hdnTotalPages"\s+value="(\d+)"')


class MeaListingPage:
    """One page of a listing fragment: its cards and its pager."""

    def __init__(self, url: str, text: str) -> None:
        self.url = url
        self.text = text

    def entries(self) -> list[ListingEntry]:
        if is_bot_wall(self.text):
            raise ParseError(self.url, "challenge_page", "a network filter's page")
        root = parse_document(self.url, f"<html><body>{self.text}</body></html>")
        entries, seen = [], set()
        for link in root.iter("a"):
            url = urljoin(self.url, (link.get("href") or "").strip())
            if parse_article_url(url) is None:
                continue
            url = canonical_url(url)
            if url in seen:
                continue
            seen.add(url)
            card = next(link.iterancestors("div", "li", "tr"), None)
            dates = [text_of(span) for span in card.iter("span") if "date" in (span.get("class") or "")] \
                if card is not None else []
            entries.append(ListingEntry(url=url, title=text_of(link), date_raw=dates[0] if dates else None))
        if not entries and "pressTitle" not in self.text and "paginationWrap" not in self.text \
                and "listingWrap" not in self.text:
            raise ParseError(self.url, "listing_layout", "no cards, no pager")
        return entries

    def last_page(self) -> int:
        """The highest page the pager names (1 without a pager)."""
        numbers = [int(a or b) for a, b in _LAST_PAGE.findall(self.text)]
        return max(numbers, default=1)


# --- documents ---------------------------------------------------------------------------------------
#: the title: h2.titleText (older pages: h2.PageHead)
_X_TITLE = etree.XPath("//h2[contains(@class, 'titleText')] | //h2[contains(@class, 'PageHead')]")
#: the posting date: span.date (in div.dateWrap)
_X_POSTED = etree.XPath("//span[contains(concat(' ', normalize-space(@class), ' '), ' date ')]")
#: the text: div.description (older pages: div#ContentText)
_X_BODY = etree.XPath("//div[contains(concat(' ', normalize-space(@class), ' '), ' description ')]"
                      " | //div[@id='ContentText']")
#: a date in a title's closing brackets: "(July 07, 2022)", "(जुलाई 08, 2021)", "(June 16, 2017)"
_TITLE_DATE = re.compile(r"[(（](?P<date>[^()（）]*?\d{4})[)）]\s*$")
#: a date as English or Hindi pages print it: "September 30, 2026", "30 September, 2026", "सितंबर 30, 2026"
_TEXT_DATE = re.compile(r"(?<!\S)(?:[^\W\d_][^\s\d.,()]*\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[^\W\d_][^\s\d.,()]*,?\s+\d{4})")
#: lines of chrome that can reach the text: the language link, "Page last updated on", comments
_CHROME_LINE = re.compile(
    r"\[?(?:Click here for (?:the )?(?:Hindi|English) version|[^\]]{0,30}संस्करण के लिए यहां क्लिक करें)\]?"
    r"|Page last updated on:?.*|Visitors:?\s*\d*|\[Write a Comment\]|Comments|Post A Comment|Name \*\(required\)"
    r"|Write Your Comment", re.I)
_CHROME = Chrome("shareIcons", "commentBox", "relatedBox", "lastUpdated", "visitors", "langVersion")
_TYPES_EN = ((re.compile(r"\bBriefing\b|^Transcript of\b", re.I), "briefing"),
             (re.compile(r"^Question No\b|\bQuestion No\.?\s*\d", re.I), "answer"),
             (re.compile(r"\bInterview\b", re.I), "interview"),
             (re.compile(r"^English Rendering of\b|\b(?:Speech|Address|Remarks|Statement) (?:by|of) (?:the )?"
                         r"(?:External Affairs Minister|EAM|Prime Minister|President)", re.I), "speech"),
             (re.compile(r"\bStatement\b|\bDeclaration\b", re.I), "statement"))
_TYPES_HI = ((re.compile("ब्रीफिंग|प्रतिलिपि"), "briefing"), (re.compile("प्रश्न संख्या"), "answer"),
             (re.compile("साक्षात्कार"), "interview"), (re.compile("भाषण|संबोधन"), "speech"),
             (re.compile("वक्तव्य|बयान|घोषणा"), "statement"))


def doc_type(title: str, language: str) -> str:
    """The shared type, from the title ("Transcript of Weekly Media Briefing…" is a briefing)."""
    for pattern, kind in _TYPES_HI if language == "hi" else _TYPES_EN:
        if pattern.search(title):
            return kind
    return "news"


def text_date(title: str, body: etree._Element, kind: str) -> str | None:
    """The date the text prints, as printed: the closing dateline of the text ("New Delhi /
    September 30, 2026"), else a briefing's date in its title ("(July 07, 2022)"); None when the
    text prints none (then the posting date is used)."""
    # (words joined by a space: "New Delhi<br>September 30, 2026" is two lines)
    lines = [clean_inline(" ".join(block.itertext())) for block in body.iter("p", "div") if block is not body]
    for line in reversed([line for line in lines if line][-2:]):
        if len(line) <= 60:
            match = _TEXT_DATE.search(line)
            if match:
                return clean_inline(match.group(0))
    if kind == "briefing":
        match = _TITLE_DATE.search(title)
        if match:
            return clean_inline(match["date"])
    return None


class MeaArticlePage(ArticlePage):
    """A document read from its detail fragment, under its public URL."""

    @staticmethod
    def matches(url: str) -> bool:
        return parse_article_url(url) is not None

    def statement(self, tags: list[str] | None = None, listing_date: str | None = None) -> PageStatement:
        facts = parse_article_url(self.url)
        if facts is None:
            raise ParseError(self.url, "unknown_url", "not a document URL of mea.gov.in")
        language, _section, doc_id = facts
        if is_bot_wall(self.text):
            raise ParseError(self.url, "challenge_page", "a network filter's page")
        gone = gone_reason(self.text)
        if gone is not None:
            raise ParseError(self.url, "no_document", gone)
        root = parse_document(self.url, self.text if "<html" in self.text[:500].lower()
                              else f"<html><body>{self.text}</body></html>")
        titles = [text_of(h) for h in _X_TITLE(root) if text_of(h)]
        if not titles:
            raise ParseError(self.url, "missing_title", "no h2.titleText")
        title = titles[0]
        bodies = _X_BODY(root)
        if not bodies:
            raise ParseError(self.url, "missing_body", "no div.description")
        body = copy_element(bodies[0])
        for element in list(body.iter("p", "div", "span", "a")):
            if element is not body and element.getparent() is not None \
                    and _CHROME_LINE.fullmatch(text_of(element) or "-"):
                drop(element)
        clean_element(self.url, body, _CHROME)
        kind = doc_type(title, language)
        posted = next((text_of(span) for span in _X_POSTED(root) if text_of(span)), None)
        printed = text_date(title, body, kind)
        statement = PageStatement(
            source=SOURCE, site=SITE, site_id=doc_id, url=canonical_url(self.url), language=language,
            title=title, type=kind, body_html=inner_html(body),
            published_raw=printed or posted,
            # the posting date, then the listing's: only where the text prints no date (or one
            # that does not read)
            fallback_published_raw=posted if printed else listing_date,
            tags=tags_of([root]) + list(tags or []),
            translations=self._parse_translations(root, language, doc_id),
        )
        statement.segments = segments_for(statement, MEA_IN)
        return statement

    def _parse_translations(self, root: etree._Element, language: str, doc_id: str) -> dict[str, str]:
        """The other language's version the page links ("[Click here for Hindi version]"): the
        same id under the other language's path."""
        versions = language_versions(root, self.url, language, _read_url, doc_id)
        for link in root.iter("a"):
            facts = _read_url(urljoin(self.url, (link.get("href") or "").strip()))
            if facts is not None and facts[0] != language and facts[2] == doc_id:
                versions.setdefault(facts[0], facts[1])
        return versions
