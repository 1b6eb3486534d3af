"""Global Affairs Canada, English and French: the Government of Canada news API for what is new,
the news pages of canada.ca for the text.

Facts from ../shared/reference/ministries-more.md ("Canada: Global Affairs Canada"): the API
(``https://api.io.canada.ca/io-server/gc/news/{en|fr}/v2?dept=departmentofforeignaffairstradeanddevelopment
&sort=publishedDate&orderBy=desc&pick=N&format=atom``) answers Atom, or JSON (``{"feed": {"entry":
[…]}}``, a single entry as an object) without ``format=atom``; an unknown parameter makes it answer an
*empty* feed rather than an error, so an empty answer where items are expected is layout drift; its
links are relative to the publishing site (resolved against www.canada.ca, never the API's host);
history is paged with ``orderBy=asc`` and a ``publishedDate>=`` cursor. Pages are
``/en/global-affairs/news/YYYY/MM/<slug>.html`` (French ``/fr/affaires-mondiales/nouvelles/…``; the
section is moving to international.canada.ca): "From: Global Affairs Canada", a type line ("News
release", "Statement", "Readout", "Media advisory", "Speech", "Backgrounder"), the dateline
("September 29, 2026 - Ottawa, Ontario - Global Affairs Canada"), the text, then "Associated links",
"Contacts", "Page details". The two languages have their own slugs and link each other.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, quote, urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler.items import PageStatement
from crawler.normalise.dates import isoformat, parse_iso
from crawler.normalise.text import clean_inline
from crawler.pages import ArticlePage, ListingEntry, ParseError
from crawler.pages.cleanup import Chrome, clean_element, copy_element, drop, inner_html, parse_document, text_of
from crawler.pages.evidence import head_alternates, language_versions, meta_contents

SOURCE = "gac_ca"
SITE = "canada.ca"
LANGUAGES = ("en", "fr")
DEPARTMENT = "departmentofforeignaffairstradeanddevelopment"
#: Where a backfill starts: the API's news go back to 2015.
BACKFILL_FROM = "2015-01-01"
_FEED_TITLE = {"en": "Global Affairs Canada", "fr": "Affaires mondiales Canada"}
_ATOM = "{http://www.w3.org/2005/Atom}"
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
#: a news page's path, either language, on www.canada.ca or international.canada.ca
_ARTICLE = re.compile(r"^/(?P<lang>en|fr)/(?:global-affairs/news|affaires-mondiales/nouvelles)/"
                      r"(?P<id>\d{4}/\d{2}/[a-z0-9-]+)\.html$")


def news_api_url(api_base: str, language: str, pick: int, order: str = "desc", since: str | None = None) -> str:
    """The API's URL for the department's news in a language: the newest ``pick`` items, or (with
    ``order="asc"`` and ``since``) the items from that moment on, oldest first."""
    query = f"dept={DEPARTMENT}&sort=publishedDate&orderBy={order}"
    if since is not None:
        query += f"&publishedDate%3E={quote(since, safe='')}"
    return (f"{api_base.rstrip('/')}/io-server/gc/news/{language}/v2?{query}&pick={pick}&format=atom"
            f"&atomtitle={quote(_FEED_TITLE[language])}")


def parse_article_url(url: str) -> tuple[str, str] | None:
    """(language, the page's id) of a news page's URL; None for others. canada.ca numbers no
    page: the id is its path below the news section, year, month and slug, its slashes as dashes
    (``…/news/2026/09/<slug>.html``: ``2026-09-<slug>``; ids carry no slash)."""
    match = _ARTICLE.match(urlsplit(url).path)
    return (match["lang"], match["id"].replace("/", "-")) if match else None


def canonical_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, "", ""))


def _read_url(url: str) -> tuple[str, str, None] | None:
    facts = parse_article_url(url)
    return (facts[0], canonical_url(url), None) if facts else None


# --- the news API ------------------------------------------------------------------------------------
class NewsApiAnswer:
    """One answer of the news API, Atom or JSON; links resolved against the publishing site."""

    def __init__(self, url: str, body: bytes, site_base: str) -> None:
        self.url = url
        self.body = body
        self.site_base = site_base.rstrip("/") + "/"

    def _items(self) -> list[tuple[str, str, str | None]]:
        """(link as given, title, publishedDate) of each item, in the answer's order."""
        text = self.body.lstrip()
        if text.startswith((b"{", b"[")):
            return self._json_items(text)
        try:
            root = etree.fromstring(self.body, _XML)
        except etree.XMLSyntaxError as error:
            raise ParseError(self.url, "not_a_feed", f"neither Atom nor JSON ({error})") from None
        if root is None or root.tag != f"{_ATOM}feed":
            raise ParseError(self.url, "not_a_feed", "not an Atom feed")
        items = []
        for entry in root.iterfind(f"{_ATOM}entry"):
            links = entry.findall(f"{_ATOM}link")
            link = next((item.get("href") for item in links if item.get("rel", "alternate") == "alternate"), None)
            published = entry.findtext(f"{_ATOM}published") or entry.findtext(f"{_ATOM}updated")
            items.append((link or "", clean_inline(entry.findtext(f"{_ATOM}title") or ""),
                          clean_inline(published or "") or None))
        return items

    def _json_items(self, text: bytes) -> list[tuple[str, str, str | None]]:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ParseError(self.url, "not_a_feed", f"not JSON ({error})") from None
        feed = data.get("feed") if isinstance(data, dict) else None
        if not isinstance(feed, dict):
            raise ParseError(self.url, "not_a_feed", "no feed object")
        entries = feed.get("entry") or []
        if isinstance(entries, dict):  # a single entry comes as an object
            entries = [entries]
        items = []
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            link = entry.get("link")
            if isinstance(link, dict):
                link = link.get("href")
            items.append((str(link or ""), clean_inline(str(entry.get("title") or "")),
                          clean_inline(str(entry.get("publishedDate") or "")) or None))
        return items

    def entries(self) -> list[ListingEntry]:
        """The news pages listed, links resolved against the site (an empty answer gives none)."""
        entries = []
        for link, title, published in self._items():
            url = urljoin(self.site_base, link.strip())
            if parse_article_url(url) is None:
                continue
            entries.append(ListingEntry(url=canonical_url(url), title=title, date_raw=published))
        return entries

    def count(self) -> int:
        """How many items the answer holds (news pages or not)."""
        return len(self._items())

    def cursor_after(self) -> str | None:
        """Where the next answer of an ``orderBy=asc`` walk starts (its ``publishedDate>=``, ISO 8601
        with the offset as given): the last item's ``publishedDate`` itself, so that the walk
        overlaps by the items of that moment. The API dates items to the minute, so several share
        one, and an answer cut at ``pick`` items may end inside them: a cursor one second on would
        skip the rest. The items listed again are the same requests, which Scrapy's duplicate
        filter drops. When the whole answer is of the moment it was asked from (more than ``pick``
        items share it), overlapping would ask the same again: one second after it. None when the
        answer dates no item."""
        dates = [parse_iso(published) for _link, _title, published in self._items() if published]
        dates = [date.value for date in dates if date is not None]
        if not dates:
            return None
        last = max(dates)
        since = parse_iso(parse_qs(urlsplit(self.url).query).get("publishedDate>", [None])[0])
        if since is not None and last <= since.value:
            last = since.value + timedelta(seconds=1)
        return isoformat(last)


# --- news pages --------------------------------------------------------------------------------------
#: The type line, English and French → the shared type.
TYPES = {"news release": "news", "statement": "statement", "readout": "news", "media advisory": "news",
         "speech": "speech", "backgrounder": "news", "joint statement": "statement",
         "communiqué de presse": "news", "déclaration": "statement", "compte rendu": "news",
         "avis aux médias": "news", "discours": "speech", "document d’information": "news",
         "document d'information": "news", "déclaration conjointe": "statement"}
#: The dateline: "September 29, 2026 - Ottawa, Ontario - Global Affairs Canada", "Le 29 septembre 2026 - …"
_DATELINE = re.compile(r"^(?:Le\s+)?(?P<date>(?:[A-Z][a-z]+\s+\d{1,2},\s*\d{4})|(?:\d{1,2}(?:er)?\s+[^\W\d_]+\s+\d{4}))"
                       r"\s*[-–—]\s*\S")
#: Headings from which the page's text is over: its links, contacts, keyword links, page details
_TAIL = re.compile(r"(?:Associated links|Related links|Related products|Contacts|Page details|Report a problem.*"
                   r"|Liens associés|Liens connexes|Produits connexes|Personnes-ressources|Détails de la page"
                   r"|Signaler un problème.*|Search for related information by keyword.*"
                   r"|Rechercher des renseignements connexes par mot-clé.*)\s*:?", re.I)
#: the title h1#wb-cont; the byline; the page details and modified date
_X_TITLE = etree.XPath("//h1[@id='wb-cont'] | //main//h1")
_X_MAIN = etree.XPath("//main")
_CHROME = Chrome("gc-byline", "pagedetails", "mwsadaptiveimage", "wb-inv")
_TITLE_SUFFIX = re.compile(r"\s+-\s+Canada\.ca\s*$")


class GacNewsPage(ArticlePage):
    """A news page of canada.ca: release, statement, readout, media advisory, speech."""

    @staticmethod
    def matches(url: str) -> bool:
        return parse_article_url(url) is not None

    def statement(self, tags: list[str] | None = None, listing_date: str | None = None) -> PageStatement:
        facts = parse_article_url(self.url)
        if facts is None:
            raise ParseError(self.url, "unknown_url", "not a Global Affairs Canada news page")
        language, site_id = facts
        root = parse_document(self.url, self.text)
        titles = [_TITLE_SUFFIX.sub("", text_of(h)) for h in _X_TITLE(root) if text_of(h)]
        if not titles:
            raise ParseError(self.url, "missing_title", "no h1#wb-cont")
        mains = _X_MAIN(root)
        if not mains:
            raise ParseError(self.url, "missing_body", "no main")
        body = copy_element(mains[0])
        for heading in list(body.iter("h1")):
            drop(heading)
        kind, date = None, None
        # The type line and the dateline open the text: the first short lines after the title.
        for block in list(body.iter("p", "div", "h2", "span", "strong")):
            if block.getparent() is None or any(part.tag in ("p", "h2") for part in block.iterdescendants()):
                continue
            text = text_of(block)
            if not text:
                continue
            if kind is None and text.lower() in TYPES:
                kind = TYPES[text.lower()]
                drop(block)
                continue
            match = _DATELINE.match(text)
            if match and date is None:
                date = match["date"]
                drop(block)
                break
            if len(text) > 120:
                break  # the text has begun
        _drop_tail(body)
        clean_element(self.url, body, _CHROME)
        keywords = " ".join(meta_contents(root, "keywords"))
        return PageStatement(
            source=SOURCE, site=SITE, site_id=site_id, url=canonical_url(self.url), language=language,
            title=titles[0], type=kind or "news", body_html=inner_html(body), published_raw=date,
            # (dcterms.issued names the day only: the printed dateline says as much)
            fallback_published_raw=listing_date,
            tags=[tag for tag in (clean_inline(part) for part in keywords.split(",")) if tag] + list(tags or []),
            translations=head_alternates(root, self.url, language, _read_url)
            or language_versions(root, self.url, language, _read_url),
        )


def _drop_tail(body: etree._Element) -> None:
    """Remove the first tail heading ("Associated links", "Contacts", …) and all that follows it."""
    for heading in body.iter("h2", "h3", "h4", "p", "section"):
        if not _TAIL.fullmatch(text_of(heading)):
            continue
        node = heading
        while node is not body and node.getparent() is not None:
            for sibling in list(node.itersiblings()):
                node.getparent().remove(sibling)
            node = node.getparent()
        drop(heading)
        return
