"""France's Ministry for Europe and Foreign Affairs (www.diplomatie.gouv.fr, the Drupal/DSFR site
since 2025), English and French.

Facts from ../shared/reference/ministries-more.md ("France"): listings such as
``/en/press/news?page=N`` (N from 0), ``/en/press/press-room/official-statements-and-speeches`` and
``/fr/salle-de-presse/toutes-les-actualites`` show ``article.fr-card`` cards (link
``h3.fr-card__title a``, type ``p.fr-tag``, date ``div.fr-card__end p.fr-card__detail``, "May 13th
2026"); a document is ``/{en,fr}/presse-et-ressources/decouvrir-et-informer/actualites/<slug>`` (the
French slug in both languages), ``article.node--view-mode-full`` with its type
``p.fr-text--sm.fr-mb-1w``, ``h1``, the date ``.diplomatie--hdp-date span.diplomatie--text-bold``
("On : May 13th 2026", "Published on : June 15th 2026"), the text ``.fr-mt-6w .fr-col-md-8``; the
site's id is the Drupal node ("currentPath":"node/8651" in ``drupal-settings-json``, or the body class
``page-node-8651``), the same for both languages. The spokesperson's press briefings are
questions and answers: "Q - …" / "R - …" in French, "Q: …" / "A: …" in English.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler.items import PageStatement
from crawler.pages import ArticlePage, ListingEntry, ParseError
from crawler.pages.challenge import is_challenge
from crawler.pages.cleanup import Chrome, clean_element, copy_element, drop, inner_html, parse_document, text_of
from crawler.pages.evidence import head_alternates, language_versions, meta_published, tags_of
from crawler.pages.markers import MAE_FR
from crawler.pages.segments import segments_for

SOURCE = "mae_fr"
SITE = "diplomatie.gouv.fr"
LANGUAGES = ("en", "fr")
#: The listings crawled in each language.
SECTIONS = {"en": ["en/press/press-room/official-statements-and-speeches", "en/press/news"],
            "fr": ["fr/salle-de-presse/toutes-les-actualites"]}
_ARTICLE = re.compile(r"^/(?P<lang>en|fr)/presse-et-ressources/(?:[a-z0-9-]+/)+(?P<slug>[a-z0-9-]+)/?$")
_NODE_CLASS = re.compile(r"\bpage-node-(\d+)\b")
_NODE_PATH = re.compile(r"^node/(\d+)$")


def parse_article_url(url: str) -> tuple[str, str] | None:
    """(language, slug) of a document's URL; None for other URLs (listings, the SPIP site's)."""
    match = _ARTICLE.match(urlsplit(url).path)
    return (match["lang"], match["slug"]) if match else None


def canonical_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def listing_url(base_url: str, section: str, page: int) -> str:
    """Listing page ``page`` (1-based): the site counts its pages from 0 (``?page=1`` is the second)."""
    url = f"{base_url.rstrip('/')}/{section}"
    return url if page == 1 else f"{url}?page={page - 1}"


def _read_url(url: str) -> tuple[str, str, None] | None:
    facts = parse_article_url(url)
    return (facts[0], canonical_url(url), None) if facts else None


# --- listings ----------------------------------------------------------------------------------------
class MaeListingPage:
    """A listing page: its cards (in any wrapper) and whether its pager goes on."""

    def __init__(self, url: str, text: str) -> None:
        self.url = url
        self.text = text
        self.root = parse_document(url, text)

    def entries(self) -> list[ListingEntry]:
        if is_challenge(self.text):
            raise ParseError(self.url, "challenge_page")
        cards = [element for element in self.root.iter("article", "div", "li")
                 if "fr-card" in (element.get("class") or "").split()]
        if not cards and "fr-card" not in self.text and "views-element-container" not in self.text:
            raise ParseError(self.url, "listing_layout", "no article.fr-card and no view")
        entries, seen = [], set()
        for card in cards:
            link = next((a for a in card.iter("a") if parse_article_url(urljoin(self.url, a.get("href") or ""))), None)
            if link is None:
                continue
            url = canonical_url(urljoin(self.url, link.get("href")))
            if url in seen:
                continue
            seen.add(url)
            detail = next((text_of(p) for p in card.iter("p") if "fr-card__detail" in (p.get("class") or "")), None)
            # (the card's p.fr-tag is the document's type, not a tag: the page says it again)
            entries.append(ListingEntry(url=url, title=text_of(link), date_raw=detail or None))
        return entries

    def has_next_page(self) -> bool:
        """True when the pager links a next page."""
        for link in self.root.iter("a"):
            classes = link.get("class") or ""
            if "fr-pagination__link--next" in classes and link.get("href"):
                return True
        return False


# --- documents ---------------------------------------------------------------------------------------
#: The type line → the shared type (English and French).
TYPES = {"press briefing": "briefing", "point de presse": "briefing", "statement": "statement",
         "déclaration": "statement", "declaration": "statement", "communiqué": "statement",
         "press release": "statement", "speech": "speech", "discours": "speech", "interview": "interview",
         "entretien": "interview", "news": "news", "actualité": "news", "article": "news",
         "answer to a question": "answer", "réponse à une question": "answer"}
_BRIEFING_TITLE = re.compile(r"press briefing|point de presse|Q&A|Q&R|questions?[- ]r[ée]ponses?", re.I)
#: the label before the date: "On :", "Published on :", "Le :", "Publié le :"
_DATE_LABEL = re.compile(r"^(?:(?:Published|Updated)?\s*on|(?:Publié|Mis à jour)?\s*le)\s*:\s*", re.I)
_X_SETTINGS = etree.XPath("//script[@data-drupal-selector='drupal-settings-json']/text()")
_X_ARTICLE = etree.XPath("//article[contains(@class, 'node--view-mode-full')]")
#: blocks never text, beside every site's: the header block (type, title, date, share), the
#: breadcrumb, the sidebar, related content
_CHROME = Chrome("diplomatie--hdp", "fr-share", "fr-breadcrumb", "diplomatie--related", "diplomatie--sidebar",
                 "fr-btns-group")
_CHROME_LINE = re.compile(r"Voir le fil d[’']Ariane|See the breadcrumb|Accéder au contenu|Access the content|Share"
                          r"|Partager|Print|Imprimer", re.I)


def node_id(root: etree._Element) -> str | None:
    """The Drupal node of the page: drupal-settings-json's currentPath, else the body class."""
    for script in _X_SETTINGS(root):
        try:
            path = (json.loads(script).get("path") or {}).get("currentPath") or ""
        except (json.JSONDecodeError, AttributeError):
            continue
        match = _NODE_PATH.match(path)
        if match:
            return match[1]
    body = root.find("body")
    match = _NODE_CLASS.search(body.get("class") or "") if body is not None else None
    return match[1] if match else None


def doc_type(label: str | None, title: str) -> str:
    """The type line's shared type; a briefing also by its title ("Q&A", "Point de presse")."""
    kind = TYPES.get((label or "").strip().lower())
    if kind is not None:
        return kind
    return "briefing" if _BRIEFING_TITLE.search(title) else "news"


class MaeArticlePage(ArticlePage):
    """A document of the Drupal site in either language."""

    @staticmethod
    def matches(url: str) -> bool:
        return parse_article_url(url) is not None

    def statement(self, tags: list[str] | None = None, listing_date: str | None = None) -> PageStatement:
        facts = parse_article_url(self.url)
        if facts is None:
            raise ParseError(self.url, "unknown_url", "not a document URL of diplomatie.gouv.fr")
        language = facts[0]
        if is_challenge(self.text):
            raise ParseError(self.url, "challenge_page")
        root = parse_document(self.url, self.text)
        articles = _X_ARTICLE(root)
        scope = articles[0] if articles else root
        title = next((text_of(h) for h in scope.iter("h1") if text_of(h)), "")
        if not title:
            raise ParseError(self.url, "missing_title", "no h1 in article.node--view-mode-full")
        site_id = node_id(root)
        if site_id is None:
            raise ParseError(self.url, "missing_node", "no node/N in drupal-settings-json, no page-node-N class")
        label, date, date_line = None, None, None
        for element in scope.iter("p", "span", "div", "time"):
            classes = (element.get("class") or "").split()
            if label is None and "fr-text--sm" in classes and "fr-mb-1w" in classes:
                label = text_of(element)
            elif date_line is None and "diplomatie--hdp-date" in classes:
                date_line = element
            elif date is None and "diplomatie--text-bold" in classes and date_line is not None \
                    and date_line in element.iterancestors():
                date = text_of(element)
        if date is None and date_line is not None:  # no bold part: the line without its label ("On :")
            date = _DATE_LABEL.sub("", text_of(date_line)) or None
        body = self._body(scope)
        statement = PageStatement(
            source=SOURCE, site=SITE, site_id=site_id, url=canonical_url(self.url), language=language, title=title,
            type=doc_type(label, title), body_html=body, published_raw=date or None,
            published_meta_raw=meta_published(root), fallback_published_raw=listing_date,
            tags=tags_of([element for element in scope.iter("aside")]) + list(tags or []),
            translations=head_alternates(root, self.url, language, _read_url)
            or language_versions(root, self.url, language, _read_url),
        )
        statement.segments = segments_for(statement, MAE_FR)
        return statement

    def _body(self, scope: etree._Element) -> str:
        """The text column (``.fr-mt-6w .fr-col-md-8``), else the article without its header block."""
        column = None
        for element in scope.iter("div"):
            classes = (element.get("class") or "").split()
            if "fr-col-md-8" in classes and any("fr-mt-6w" in (a.get("class") or "").split()
                                                for a in element.iterancestors()):
                column = element
                break
        if column is None and scope.tag != "article":
            raise ParseError(self.url, "missing_body", "no .fr-mt-6w .fr-col-md-8")
        body = copy_element(column if column is not None else scope)
        for element in list(body.iter("p", "button", "a", "span")):
            if element.getparent() is not None and _CHROME_LINE.fullmatch(text_of(element) or "-"):
                drop(element)
        for heading in list(body.iter("h1")):
            drop(heading)
        clean_element(self.url, body, _CHROME)
        return inner_html(body)

