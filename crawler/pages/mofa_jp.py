"""Japan's Ministry of Foreign Affairs (www.mofa.go.jp): English at ``/``, Japanese under ``/mofaj/``,
one CMS, no shared ids between the languages.

Markup facts are in ../shared/reference/ministries-more.md ("Japan: MOFA"): listings are
``dl.title-list`` with a ``dt.list-title`` day *without a year* ("September 30", "9月30日付") over the
links of that day, or links whose text carries the whole date ("… (September 29, 2026, 10:32
a.m.)"); monthly archives are ``/press/release/YYYYMM_index.html`` (English) and
``/mofaj/press/release/{Reiwa year}_{MM}_index.html`` (Japanese, ``8_09_index.html``, irregular before
2022: ``4_1_index.html``, ``3_12_index.html``). Articles are ``<section>/<stem>.html`` (``press4e_001223``,
``kaikenite_000001_00032``, ``pressit_000001_04231``): the stem is the site's id. The body is the
``div.any-area`` blocks of ``div#maincontents``; the date line sits between the title and the body
("August 2, 2016", "Friday, November 22, 2024, 1:46 p.m. Ministry of Foreign Affairs",
"（平成29年1月5日（木曜日）11時15分 於：羽田空港）"). English conference pages are translations and link
their Japanese original ("Japanese"); the header's "English" / "日本語" links go to home pages.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler.items import PageStatement
from crawler.normalise.text import clean_inline
from crawler.pages import ArticlePage, ListingEntry, ParseError
from crawler.pages.challenge import is_challenge
from crawler.pages.cleanup import (
    RELATED,
    Chrome,
    clean_element,
    copy_element,
    drop,
    inner_html,
    is_blank,
    parse_document,
    text_of,
)
from crawler.pages.evidence import head_alternates, meta_published
from crawler.pages.markers import MOFA_JP
from crawler.pages.segments import segments_for

SOURCE = "mofa_jp"
SITE = "mofa.go.jp"
LANGUAGES = ("en", "ja")
#: Older Japanese pages are Shift_JIS; cp932 is the Windows superset they are written in.
CHARSET_HINTS = ("cp932",)

# --- URLs -------------------------------------------------------------------------------------------
#: an article's stem: letters, a number, letters, then one or two digit groups
_STEM = r"[a-z]+\d*[a-z]*_\d{6}(?:_\d{5})?"
_ARTICLE = re.compile(rf"^/(?P<ja>mofaj/)?(?:[a-z0-9_-]+/)*(?P<id>{_STEM})\.html$")
#: before about 2012: /announce/fm_press/2010/4/0406_01.html, /announce/press/2011/1/0113_01.html
_OLD_ARTICLE = re.compile(r"^/announce/(?P<id>(?:fm_press|press)/\d{4}/\d{1,2}/\d{4}_\d{2})\.html$")
#: monthly archive pages: English 202609_index.html and pc_202609_index.html; Japanese 8_09_index.html
_EN_MONTH_PAGE = re.compile(r"/(?:pc_)?(?P<year>\d{4})(?P<month>\d{2})_index\.html$")
_JA_MONTH_PAGE = re.compile(r"/(?P<reiwa>\d{1,2})_(?P<month>\d{1,2})_index\.html$")
REIWA = 2018


def parse_article_url(url: str) -> tuple[str, str] | None:
    """(language, the site's id) of an article URL; None for other URLs."""
    path = urlsplit(url).path
    match = _ARTICLE.match(path)
    if match:
        return ("ja" if match["ja"] else "en"), match["id"]
    match = _OLD_ARTICLE.match(path)  # (its path is its id: slashes as dashes, ids carry none)
    return ("en", match["id"].replace("/", "-")) if match else None


def canonical_url(url: str) -> str:
    """The article's URL without query or fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, "", ""))


def _read_url(url: str) -> tuple[str, str, None] | None:
    """(language, URL, no shared id) of an article URL a page links to: the languages have their
    own stems, so only a page's own links tie them."""
    facts = parse_article_url(url)
    return (facts[0], canonical_url(url), None) if facts else None


def month_page(url: str) -> tuple[int, int] | None:
    """(year, month) of a monthly archive page's URL."""
    path = urlsplit(url).path
    match = _EN_MONTH_PAGE.search(path)
    if match:
        return int(match["year"]), int(match["month"])
    match = _JA_MONTH_PAGE.search(path)
    if match and path.startswith("/mofaj/"):
        return REIWA + int(match["reiwa"]), int(match["month"])
    return None


# --- dates -------------------------------------------------------------------------------------------
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")
_MONTH_NAMES = "|".join(_EN_MONTHS)
_DIGIT = "[0-9０-９]"
#: a whole English date as printed, weekday and time included: "Friday, November 22, 2024, 1:46 p.m.",
#: "August 2, 2016", "13 January 2011"
_EN_DATE = re.compile(
    rf"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s*)?(?:{_MONTH_NAMES})\s+\d{{1,2}},\s*\d{{4}}"
    r"(?:,\s*\d{1,2}:\d{2}\s*[ap]\.\s?m\.)?"
    rf"|\b\d{{1,2}}\s+(?:{_MONTH_NAMES})\s+\d{{4}}")
#: a whole Japanese date: era or western year, a weekday in brackets, a time ("11時15分", "13:46")
_JA_DATE = re.compile(
    rf"(?:(?:令和|平成|昭和)(?:元|{_DIGIT}{{1,2}})|{_DIGIT}{{4}})年{_DIGIT}{{1,2}}月{_DIGIT}{{1,2}}日"
    rf"(?:\s*[(（][月火水木金土日](?:曜日?)?[)）])?(?:\s*{_DIGIT}{{1,2}}(?:時{_DIGIT}{{1,2}}分|[:：]{_DIGIT}{{2}}))?")
#: a listing's day without its year: "September 30", "9月30日付", "9月29日　…"
_EN_DAY = re.compile(rf"^\s*(?P<month>{_MONTH_NAMES})\s+(?P<day>\d{{1,2}})\b")
_JA_DAY = re.compile(rf"^\s*(?P<month>{_DIGIT}{{1,2}})月(?P<day>{_DIGIT}{{1,2}})日")
#: a heading naming the listing's month: "令和8年9月", "2026年10月", "September 2026"
_JA_MONTH_HEADING = re.compile(
    rf"(?:令和(?P<reiwa>元|{_DIGIT}{{1,2}})|(?P<year>{_DIGIT}{{4}}))年(?P<month>{_DIGIT}{{1,2}})月")
_EN_MONTH_HEADING = re.compile(rf"\b(?P<month>{_MONTH_NAMES})\s+(?P<year>\d{{4}})\b")
_WIDE = str.maketrans("０１２３４５６７８９", "0123456789")


def printed_date(text: str, language: str) -> str | None:
    """The first whole date in a line of text, as printed; None when it has none."""
    match = (_JA_DATE if language == "ja" else _EN_DATE).search(text)
    if match is None and language == "ja":
        match = _EN_DATE.search(text)
    return clean_inline(match.group(0)) if match else None


def complete_day(day_text: str, reference: tuple[int, int] | None, language: str) -> str | None:
    """A listing's day without a year ("September 30", "9月30日付") as a whole date, its year from
    ``reference`` — the (year, month) the listing page says it covers: a month after the
    reference's belongs to the year before (a "December" entry on a January page). None without
    a reference: a year is never guessed."""
    match = (_JA_DAY if language == "ja" else _EN_DAY).match(day_text) or _EN_DAY.match(day_text)
    if match is None or reference is None:
        return None
    month_text = match["month"].translate(_WIDE)
    month = int(month_text) if month_text.isdigit() else _EN_MONTHS.index(month_text) + 1
    day = int(match["day"].translate(_WIDE))
    year = reference[0] if month <= reference[1] else reference[0] - 1
    return f"{year}年{month}月{day}日" if language == "ja" and match.re is _JA_DAY \
        else f"{_EN_MONTHS[month - 1]} {day}, {year}"


# --- listings ----------------------------------------------------------------------------------------
#: where a page's own content is (never the header, navigation or footer site map), innermost first:
#: div#maincontents, div#contents-body, main
_X_CONTENTS = (etree.XPath("//*[@id='maincontents']"), etree.XPath("//*[@id='contents-body']"), etree.XPath("//main"))


def _content(root: etree._Element) -> etree._Element | None:
    """The page's own content block, or None when it has none of the template's."""
    for xpath in _X_CONTENTS:
        found = xpath(root)
        if found:
            return found[0]
    return None
#: link texts that name a version of the item, not the item ("text summary")
_LINK_LABELS = frozenset({"テキスト版要旨", "テキスト版", "要旨", "Text", "Summary"})
_BRACKETED = re.compile(r"[(（][^()（）]*[)）]")


class MofaListingPage:
    """A listing page: press releases, conferences or statements, current or a month's archive."""

    def __init__(self, url: str, text: str) -> None:
        self.url = url
        self.language = "ja" if urlsplit(url).path.startswith("/mofaj/") else "en"
        self.root = parse_document(url, text)
        self.text = text

    def _content(self) -> etree._Element:
        found = _content(self.root)
        if found is None:
            if is_challenge(self.text):
                raise ParseError(self.url, "challenge_page")
            raise ParseError(self.url, "listing_layout", "no #maincontents, #contents-body or main")
        return found

    def archive_months(self) -> dict[tuple[int, int], str]:
        """(year, month) → URL of each monthly archive page the page links to."""
        months = {}
        for link in self.root.iter("a"):
            url = urljoin(self.url, (link.get("href") or "").strip())
            month = month_page(url)
            if month is not None:
                months.setdefault(month, url.split("#")[0])
        return months

    def reference_month(self) -> tuple[int, int] | None:
        """The (year, month) the page says it covers, by evidence in order: its own archive URL,
        a heading naming a month ("令和8年9月", "September 2026"), the newest month its archive
        table links. None when the page says nothing of its year."""
        own = month_page(self.url)
        if own is not None:
            return own
        for heading in self._content().iter("h2", "h3", "h4", "caption", "p"):
            text = text_of(heading)
            if len(text) > 40:
                continue
            match = _JA_MONTH_HEADING.search(text)
            if match:
                year = REIWA + (1 if match["reiwa"] == "元" else int(match["reiwa"].translate(_WIDE))) \
                    if match["reiwa"] else int(match["year"].translate(_WIDE))
                return year, int(match["month"].translate(_WIDE))
            match = _EN_MONTH_HEADING.search(text)
            if match:
                return int(match["year"]), _EN_MONTHS.index(match["month"]) + 1
        months = self.archive_months()
        return max(months) if months else None

    def next_listing_url(self) -> str | None:
        """The monthly archive page after this one: the newest month the page links that is older
        than its own (an index page: the newest month); None when there is none."""
        own = month_page(self.url)
        older = [month for month in self.archive_months() if own is None or month < own]
        return self.archive_months()[max(older)] if older else None

    def entries(self) -> list[ListingEntry]:
        """The listed articles in page order, each with its date as printed or completed."""
        content = self._content()
        reference = self.reference_month()
        entries: list[ListingEntry] = []
        seen: set[str] = set()
        day: str | None = None  # the day of the last dt.list-title, completed
        for element in content.iter("dt", "a"):
            if element.tag == "dt":
                day = complete_day(text_of(element), reference, self.language)
                continue
            url = urljoin(self.url, (element.get("href") or "").strip())
            if parse_article_url(url) is None:
                continue
            url = canonical_url(url)
            if url in seen:
                continue
            seen.add(url)
            container = next((a for a in element.iterancestors("li", "dt", "dd", "p") if a is not None), None)
            context = text_of(container) if container is not None else text_of(element)
            title = text_of(element)
            if title in _LINK_LABELS:  # "（動画｜テキスト版要旨）": the item is the line's text
                title = clean_inline(_BRACKETED.sub("", context))
                title = clean_inline(_JA_DAY.sub("", title)) or title
            title = clean_inline(re.sub(r"\s*[(（][^()（）]*\d{4}[^()（）]*[)）]\s*$", "", title)) or title
            date = printed_date(context, self.language) or day
            entries.append(ListingEntry(url=url, title=title, date_raw=date))
        return entries


# --- articles ----------------------------------------------------------------------------------------
#: the title: og:title, else the page heading h2.title2, else h1.title1
_X_OG_TITLE = etree.XPath("//meta[@property='og:title']/@content")
_X_TITLE = etree.XPath("(//*[@id='contents-header']//h2 | //*[@id='contents-header']//h1 | //h1)")
#: the body: the div.any-area blocks of the main content
_BODY_CLASS = "any-area"
#: lines of chrome inside or around the text (whole blocks), English and Japanese
_CHROME_LINE = re.compile(
    r"(?:\(\*\s*)?This is a provisional translation by an external company for reference purposes? only\.?"
    r"(?:\s*The original text is in Japanese\.?\)?)?|\(Video\)\s.{0,120}|Japanese|日本語|English"
    r"|Back to [A-Z][\w ,’'&-]{0,60}|Page Top|Related Links|関連リンク|このページのトップへ戻る|[^\s。]{1,20}へ戻る"
    r"|過去の記録\s*[(（]?(?:Archives)?[)）]?|Copyright\s*©.*", re.I)
_PLACEHOLDER = re.compile(r"The text will be coming soon\.?|(?:詳細|本文)は追って掲載", re.I)
#: blocks that are never text, beside every site's: share buttons, the archive link, page-top
_CHROME = Chrome("social-btn", "archive-link", "pagetop", "link-warp", "divisions-section")
_TITLE_SUFFIX = re.compile(r"\s*[|｜]\s*(?:外務省|Ministry of Foreign Affairs of Japan)\s*$")
_TYPES_EN = ((re.compile(r"\bPress Conference\b|\bPress Briefing\b", re.I), "briefing"),
             (re.compile(r"^(?:Statement|Comment)s? by\b|\bStatement\b", re.I), "statement"),
             (re.compile(r"\b(?:Speech|Address|Remarks) by\b|\bKeynote\b", re.I), "speech"),
             (re.compile(r"\bInterview\b", re.I), "interview"))
_TYPES_JA = ((re.compile("会見"), "briefing"), (re.compile("談話|声明"), "statement"),
             (re.compile("演説|スピーチ|挨拶"), "speech"), (re.compile("インタビュー|寄稿"), "interview"))
_DATE_TAGS = frozenset({"p", "div", "h2", "h3", "h4", "h5", "span", "dd", "time"})
#: link texts that name a language version
_LANGUAGE_NAMES = {"japanese": "ja", "日本語": "ja", "english": "en", "英語": "en"}


def doc_type(title: str, language: str, path: str) -> str:
    """The shared type: conferences (``/kaiken/``) are briefings; else from the title."""
    if "/kaiken/" in path:
        return "briefing"
    for pattern, kind in _TYPES_JA if language == "ja" else _TYPES_EN:
        if pattern.search(title):
            return kind
    return "news"


def is_bot_wall(text: str) -> bool:
    """The WAF's block or challenge page the site answers automated clients with (403, or 200)."""
    return is_challenge(text)


class MofaArticlePage(ArticlePage):
    """An article of either language: press release, statement or press conference."""

    charset_hints = CHARSET_HINTS

    @staticmethod
    def matches(url: str) -> bool:
        return parse_article_url(url) is not None

    def statement(self, tags: list[str] | None = None, listing_date: str | None = None) -> PageStatement:
        facts = parse_article_url(self.url)
        if facts is None:
            raise ParseError(self.url, "unknown_url", "not an article URL of mofa.go.jp")
        language, site_id = facts
        if is_bot_wall(self.text):
            raise ParseError(self.url, "challenge_page")
        root = parse_document(self.url, self.text)
        title = self._parse_title(root)
        content = _content(root)
        scope = content if content is not None else root
        blocks = [element for element in scope.iter("div")
                  if _BODY_CLASS in (element.get("class") or "").split()
                  and not any(_BODY_CLASS in (a.get("class") or "").split() for a in element.iterancestors("div"))]
        if not blocks and content is not None and content.tag != "main":
            blocks = [content]  # no any-area: the main contents are the text
        if not blocks:
            raise ParseError(self.url, "missing_body", "no div.any-area and no #maincontents")
        if any(_PLACEHOLDER.search(text_of(block)) for block in blocks):
            raise ParseError(self.url, "placeholder", "the text will be coming soon")
        date_element, published = self._parse_date(scope, blocks, language)
        translations = self._parse_translations(root, language)
        body = etree.Element("div")
        for block in blocks:
            body.append(copy_element(block))
        if date_element is not None:  # a date line inside the body's first block
            for element in body.iter(date_element.tag):
                if text_of(element) == text_of(date_element):
                    drop(element)
                    break
        _drop_chrome_lines(body)
        clean_element(self.url, body, _CHROME)
        statement = PageStatement(
            source=SOURCE, site=SITE, site_id=site_id, url=canonical_url(self.url), language=language,
            title=title, type=doc_type(title, language, urlsplit(self.url).path), body_html=inner_html(body),
            published_raw=published, published_meta_raw=meta_published(root), tags=list(tags or []),
            translations=translations, fallback_published_raw=listing_date,
        )
        statement.segments = segments_for(statement, MOFA_JP)
        return statement

    def _parse_title(self, root: etree._Element) -> str:
        """og:title (the reference's choice), else the page heading."""
        for value in _X_OG_TITLE(root):
            title = _TITLE_SUFFIX.sub("", clean_inline(value))
            if title:
                return title
        for heading in _X_TITLE(root):
            title = text_of(heading)
            if title:
                return title
        raise ParseError(self.url, "missing_title")

    def _parse_date(self, scope: etree._Element, blocks: list[etree._Element],
                    language: str) -> tuple[etree._Element | None, str | None]:
        """The date line: the first short block outside the body (between the title and the
        text) that prints a whole date; else a date-only first or last line of the body. (The
        element found inside the body, and the date as printed.)"""
        inside = {element for block in blocks for element in block.iter()}  # (held: lxml proxies stay the same)
        for element in scope.iter(etree.Element):
            if element in inside or element.tag not in _DATE_TAGS:
                continue
            if any(a in inside for a in element.iterancestors()):
                continue
            text = text_of(element)
            if not text or len(text) > 120:
                continue
            found = printed_date(text, language)
            if found:
                return None, found
        lines = [e for block in blocks for e in block.iter(*_DATE_TAGS) if e not in blocks and text_of(e)]
        for line in lines[:1] + lines[-1:]:
            if len(text_of(line)) <= 60:
                found = printed_date(text_of(line), language)
                if found:
                    return line, found
        return None, None

    def _parse_translations(self, root: etree._Element, language: str) -> dict[str, str]:
        """The other language's version where the page links it: ``hreflang`` alternates in the
        head or links in the body, an English conference's "Japanese" (its original), a
        "日本語"/"English" link to an article (the header's go to home pages: not articles). One
        walk of the links, their own text read first (cheaper than each one's whole string)."""
        versions = head_alternates(root, self.url, language, _read_url)
        for link in root.iter("a"):
            hreflang = link.get("hreflang")
            name = (link.text or "").strip().lower() or text_of(link).lower()
            target = _LANGUAGE_NAMES.get(name) or (hreflang and hreflang.split("-")[0].lower())
            if not target or target == language or target in versions:
                continue
            facts = _read_url(urljoin(self.url, (link.get("href") or "").strip()))
            if facts is not None and facts[0] == target:
                versions[target] = facts[1]
        return versions


def _drop_chrome_lines(body: etree._Element) -> None:
    """Remove the blocks that are one line of chrome: the translation note, the video link, the
    link to the original, "Back to …", "Page Top", "このページのトップへ戻る" …"""
    for element in list(body.iter("p", "div", "li", "h3", "h4", "h5", "span")):
        if element.getparent() is None:
            continue
        text = text_of(element)
        if text and len(text) <= 200 and _CHROME_LINE.fullmatch(text) and not _heads_links(element, text):
            drop(element)


def _heads_links(element: etree._Element, text: str) -> bool:
    """True for a "Related Links" heading over links: the link pass (crawler.pages.cleanup) removes
    it with the links it heads, which it tells from the text by that heading."""
    if not RELATED.fullmatch(text):
        return False
    after = element.getnext()
    while after is not None and (not isinstance(after.tag, str) or is_blank(after)):
        after = after.getnext()
    return after is not None and next(after.iter("a"), None) is not None
