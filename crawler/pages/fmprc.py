"""China's Ministry of Foreign Affairs: English at www.fmprc.gov.cn, Chinese at www.mfa.gov.cn,
two sites on one CMS (TRS) with no links between language versions.

Listings are ``index.html``, ``index_1.html``, …, their page count in inline JavaScript
(``countPage = N``); articles ``./YYYYMM/tYYYYMMDD_NNNNNNNN.html`` (Chinese ``.shtml``). An
article has meta ``ArticleTitle`` and ``PubDate``, ``#News_Body_Title``, ``#News_Body_Time``
("2024-11-28 23:43"), ``#News_Body_Txt_A`` and meta ``Keywords`` (tags, ";"-separated). Pages are
often UTF-8 while declaring another charset; migrated pages carry the migration date in their
URL, never the publication date; a removed page redirects to ``/web/system/`` with status 200.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.items import PageStatement
from crawler.normalise.charset import decode_page
from crawler.normalise.text import clean_inline
from crawler.pages import ArticlePage, ParseError
from crawler.pages.cleanup import (
    Chrome,
    clean_element,
    copy_element,
    drop_matching,
    inner_html,
    parse_document,
    text_of,
)
from crawler.pages.evidence import language_versions, meta_contents, meta_published
from crawler.pages.markers import FMPRC
from crawler.pages.segments import segments_for

SOURCE = "fmprc"
#: One site per language: English at www.fmprc.gov.cn, Chinese at www.mfa.gov.cn.
SITES = {"en": "fmprc.gov.cn", "zh": "mfa.gov.cn"}
_ARTICLE = re.compile(r"/(?P<month>\d{6})/(?P<id>t(?P<date>\d{8})_\d+)\.s?html$")
_COUNT_PAGE = re.compile(r"countPage\s*=\s*(\d+)")
# Everything from the print/close and share chrome on is not text.
# ("[Print]", "【打印】", "[打印本页]", "【关闭窗口】", "[Close window]": either kind of bracket.)
_TAIL_CHROME = re.compile(r"^\s*([\[【]\s*(Print( this page)?|Close( this)?( window)?|打印(本页)?|关闭(本页|窗口)?)"
                          r"\s*[\]】]|分享到[:：])", re.I)
_TYPES_EN = ((re.compile(r"Regular Press Conference|Press Conference", re.I), "briefing"),
             (re.compile(r"Spokesperson.*(Remarks|Comment|Statement)|Remarks on|Statement", re.I), "statement"),
             (re.compile(r"\b(Speech|Address|Remarks by|Keynote)\b", re.I), "speech"),
             (re.compile(r"\bInterview\b", re.I), "interview"),
             (re.compile(r"Answers? .*Question", re.I), "answer"))
_TYPES_ZH = ((re.compile("例行记者会"), "briefing"), (re.compile("答记者问"), "answer"),
             (re.compile("讲话|致辞|演讲"), "speech"), (re.compile("采访"), "interview"),
             (re.compile("声明|谈话"), "statement"))


#: The sites' legacy encoding: GB18030, a superset of the GBK and GB2312 they declare.
CHARSET_HINTS = ("gb18030",)


def decode(body: bytes, content_type: str | None = None) -> str:
    """The page's text, the charset decided by evidence: UTF-8 whatever the page declares when
    the bytes are UTF-8, else the declared or legacy encoding that fits (crawler.normalise.charset)."""
    return decode_page(body, content_type, CHARSET_HINTS)[0]


def language_of(url: str) -> str:
    return "zh" if urlsplit(url).path.startswith("/web/") or "mfa.gov.cn" in urlsplit(url).netloc else "en"


def _read_url(url: str) -> tuple[str, str, None] | None:
    """(language, URL, no shared id) of an article URL of either site a page links to: the two
    sites number their versions apart, so only a page's own alternate links tie them."""
    if not ChinaArticlePage.matches(url):
        return None
    return language_of(url), url.split("#")[0].split("?")[0], None


def doc_type(title: str, language: str) -> str:
    for pattern, doc in _TYPES_ZH if language == "zh" else _TYPES_EN:
        if pattern.search(title):
            return doc
    return "news"


def listing_url(base_url: str, section: str, page: int) -> str:
    """``index.html`` for page 1, ``index_1.html`` for page 2, …"""
    name = "index.html" if page == 1 else f"index_{page - 1}.html"
    return f"{base_url.rstrip('/')}/{section.strip('/')}/{name}"


@dataclass(frozen=True)
class ListingEntry:
    url: str
    title: str
    date_raw: str | None = None
    tags: tuple[str, ...] = ()


class ChinaListingPage:
    def __init__(self, url: str, text: str) -> None:
        self.url = url
        self.text = text
        self.root = parse_document(url, text)

    def entries(self) -> list[ListingEntry]:
        entries, seen = [], set()
        for link in self.root.iter("a"):
            url = urljoin(self.url, (link.get("href") or "").strip())
            if not _ARTICLE.search(urlsplit(url).path) or url in seen:
                continue
            seen.add(url)
            entries.append(ListingEntry(url, text_of(link)))
        if not entries and not _COUNT_PAGE.search(self.text):
            raise ParseError(self.url, "listing_layout", "no article links and no countPage")
        return entries

    def page_count(self) -> int:
        match = _COUNT_PAGE.search(self.text)
        return int(match.group(1)) if match else 1


_X_TITLE = etree.XPath("//*[@id='News_Body_Title']")
_X_TIME = etree.XPath("//*[@id='News_Body_Time']")
_X_BODY = etree.XPath("(//*[@id='News_Body_Txt_A'] | //div[contains(@class, 'TRS_Editor')]"
                      " | //div[contains(@class, 'TRS_UEDITOR')])[1]")
_BODY_CHROME = Chrome()


class ChinaArticlePage(ArticlePage):
    """An article of either site."""

    charset_hints = CHARSET_HINTS

    @staticmethod
    def matches(url: str) -> bool:
        parts = urlsplit(url)
        return bool(_ARTICLE.search(parts.path)) and ("fmprc" in parts.netloc or "mfa.gov.cn" in parts.netloc
                                                      or parts.path.startswith(("/eng/", "/web/")))

    def statement(self, tags: list[str] | None = None, listing_date: str | None = None) -> PageStatement:
        match = _ARTICLE.search(urlsplit(self.url).path)
        if match is None:
            raise ParseError(self.url, "unknown_url", "not an article URL of the ministry")
        root = parse_document(self.url, self.text)
        language = language_of(self.url)
        title = clean_inline(" ".join(text_of(node) for node in _X_TITLE(root))) or \
            clean_inline(" ".join(meta_contents(root, "ArticleTitle")))
        if not title:
            raise ParseError(self.url, "missing_title")
        # The date comes from the page, never from the URL (migrated pages carry another date there):
        # as printed, with the PubDate meta beside it (the fallback, and the time of a bare day).
        shown = clean_inline(" ".join(text_of(node) for node in _X_TIME(root)))
        bodies = _X_BODY(root)
        if not bodies:
            raise ParseError(self.url, "missing_body", "no #News_Body_Txt_A or .TRS_Editor")
        body = copy_element(bodies[0])
        drop_matching(body, _BODY_CHROME)
        _drop_tail_chrome(body)
        clean_element(self.url, body, None)
        keywords = " ".join(meta_contents(root, "Keywords"))
        page_tags = [t for t in (clean_inline(part) for part in re.split(r"[;；]", keywords)) if t]
        statement = PageStatement(
            source=SOURCE, site=SITES[language], site_id=match["id"], url=self.url.split("#")[0].split("?")[0],
            language=language,
            title=title, type=doc_type(title, language), body_html=inner_html(body),
            published_raw=shown or None, published_meta_raw=meta_published(root),
            tags=page_tags + list(tags or []),  # the normaliser drops repeats and empty tags
            translations=language_versions(root, self.url, language, _read_url),
            fallback_published_raw=listing_date,
        )
        statement.segments = segments_for(statement, FMPRC)
        return statement


def _drop_tail_chrome(body: etree._Element) -> None:
    """Remove "[Print] [Close]", "【打印】【关闭】" (or "[打印本页] [关闭窗口]"), "分享到：" and
    everything after them."""
    for block in list(body.iter("p", "div", "span", "a")):
        if block is body or not _TAIL_CHROME.match(text_of(block)):
            continue
        node = block
        while node is not body and node.getparent() is not None:
            for sibling in list(node.itersiblings()):
                node.getparent().remove(sibling)
            node = node.getparent()
        block.getparent().remove(block)
        return
