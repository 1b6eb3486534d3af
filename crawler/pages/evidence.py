"""What a page says about itself besides its text, wherever the site puts it: its other language
versions, its publication time in metadata, its tag blocks. Shared by the HTML page objects.

Pure functions over a parsed page (no I/O); each page object says what its URLs mean.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from lxml import etree

from crawler.normalise.html import string_value
from crawler.normalise.text import clean_inline

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

_STRING = string_value

#: The page's own record of its publication time, in its head (the ``name``, ``property`` or
#: ``itemprop`` of a meta): China's ``PubDate``, Open Graph's ``article:published_time``,
#: schema.org's ``datePublished``, Dublin Core's issued date.
META_PUBLISHED = frozenset({"PubDate", "pubdate", "article:published_time", "datePublished", "DC.date.issued",
                            "dcterms.issued"})
#: Classes of tag and category blocks (``div.article-tags``, ``ul.tags-list``, Liferay's
#: ``taglib-asset-categories-summary``, ``div.keywords``): substrings of the class attribute.
TAG_BLOCK = re.compile("tags|tag-list|categories|keywords")
#: Classes of blocks that list other pages (related news, teasers, "see also", latest, popular:
#: the chrome crawler.pages.cleanup removes from bodies): a tag block inside one is another
#: article's. A class token that names tags ("related-tags", state.gov's own tag block) is not one.
#: Matched against the class attribute in lower case, every variant spelled out: this runs on every
#: ancestor of every tag block, and a case-insensitive pattern, or one with an optional character
#: ("see-?also"), is several times slower in Python's re.
RELATED_WORDS = ("related", "teaser", "latest", "popular", "see-also", "seealso", "read-also", "readalso", "more-news",
                 "recommend")
#: :data:`RELATED_WORDS` as one pattern, for one class attribute or token.
RELATED_BLOCK = re.compile("|".join(RELATED_WORDS))
#: An absolute http(s) URL that ``urljoin`` hands back exactly as written, whatever the base
#: (:func:`_resolved`): a lower-case scheme and a host, printable ASCII without spaces, none of
#: ``? # ;`` and no brackets.
_AS_WRITTEN = re.compile(r"https?://[^\x00-\x20\x7f-\U0010ffff?#;\[\]/][^\x00-\x20\x7f-\U0010ffff?#;\[\]]*")


#: :data:`META_PUBLISHED` in ASCII lower case, for a meta's ``name``.
_META_PUBLISHED_NAMES = frozenset(name.lower() for name in META_PUBLISHED)


def _ascii_lower(value: str | None) -> str | None:
    """``value`` for an ASCII case-insensitive comparison with an ASCII name: in lower case when it
    is ASCII (one that is not cannot match one)."""
    return value.lower() if value is not None and value.isascii() else value


#: ASCII white space, which separates the tokens of an attribute such as ``rel`` (HTML §2.3.8, "split
#: a string on ASCII whitespace"; a no-break space is no separator).
_ASCII_WHITESPACE = re.compile("[\t\n\f\r ]+")


def has_link_type(element: etree._Element, link_type: str) -> bool:
    """True when the element's ``rel`` names ``link_type`` (an ASCII name in lower case): its tokens,
    split on ASCII white space, compared ASCII case-insensitively (HTML §4.6.1: "Link types are
    always ASCII case-insensitive")."""
    rel = element.get("rel")
    return bool(rel) and link_type in [_ascii_lower(token) for token in _ASCII_WHITESPACE.split(rel)]


def _names_one_of(value: str | None, names: frozenset[str]) -> bool:
    """True when one of the tokens of ``value`` (split on ASCII white space) is one of ``names``,
    as written: an ``itemprop`` is a set of property names (HTML §5.2.3), an RDFa ``property`` a
    list of terms (RDFa Core 1.1 §5.4)."""
    return bool(value) and not names.isdisjoint(_ASCII_WHITESPACE.split(value))


def meta_published(root: etree._Element) -> str | None:
    """The publication date the page's head gives, as written; None when it gives none. A meta's
    ``name`` is compared ASCII case-insensitively (HTML §4.2.5.1: "Names are case-insensitive"),
    the tokens of its ``property`` (RDFa) and ``itemprop`` (microdata) as written. Only the head is
    read: in the body, a related-news teaser's microdata gives its own article's date."""
    head = next(root.iterchildren("head"), None)
    for meta in head.iterchildren("meta") if head is not None else ():
        # (all the meta's values in one call, their words in lower case, rule out most metas, which
        # name none of the names: a ``name``, ``property`` or ``itemprop`` is among them; three
        # ``get`` calls cost more. str.split splits at ASCII white space and more: it rules out
        # nothing the tests below accept)
        if _META_PUBLISHED_NAMES.isdisjoint(" ".join(meta.values()).lower().split()):
            continue
        if _ascii_lower(meta.get("name")) in _META_PUBLISHED_NAMES \
                or _names_one_of(meta.get("property"), META_PUBLISHED) \
                or _names_one_of(meta.get("itemprop"), META_PUBLISHED):
            value = clean_inline(meta.get("content") or "")
            if value:
                return value
    return None


def meta_contents(root: etree._Element, name: str) -> list[str]:
    """The ``content`` of each meta of the page named ``name`` (an ASCII name, compared ASCII
    case-insensitively: HTML §4.2.5.1), in document order; a meta without one gives nothing."""
    wanted = name.lower()
    return [content for meta in root.iter("meta")
            if _ascii_lower(meta.get("name")) == wanted and (content := meta.get("content")) is not None]


def _resolved(base_url: str, href: str) -> str:
    """``urljoin(base_url, href)``, without its split and rejoin of an absolute link that it would
    hand back unchanged.

    The shortcut is taken only where that is certain (Python's urllib.parse): ``href`` matches
    :data:`_AS_WRITTEN`, so urlsplit removes nothing from it (it drops tabs and newlines, strips
    leading controls and spaces, lower-cases the scheme), urlunparse adds and drops nothing (it
    drops an empty query, fragment or ``;params``), and it has a host (without one the base's is
    taken); urljoin then returns it rejoined, or as given when the base's scheme is another. The
    base is ASCII without brackets, so that neither split raises ValueError (an IPv6 host is
    checked, a non-ASCII host normalised)."""
    if _AS_WRITTEN.fullmatch(href) and base_url.isascii() and "[" not in base_url and "]" not in base_url:
        return href
    return urljoin(base_url, href)


def _candidate_links(root: etree._Element, document_id: str | None) -> Iterator[etree._Element]:
    """Where a page names its language versions (HTML §4.6.7.1 "alternate" with ``hreflang``):
    ``<link rel="alternate" hreflang>`` in its head; in its body, links with ``hreflang``, and
    links of a language switcher. Where the site gives its language versions one id
    (``document_id``), a switcher's link to this document carries the id in its path (share links
    carry it only in their query) or chooses the language in its query (``?lang=en``); elsewhere,
    a switcher is an element whose class names it ("lang-switcher", "c-lang-switch", …).
    One walk of the page's links (a Python walk: cheaper here than an XPath). Every link's
    attributes are read: the page's source cannot rule a marker out (an attribute's name is in any
    case, "hrefLang" as React writes it; a value may be written with character references)."""
    head = next(root.iterchildren("head"), None)
    for link in head.iterchildren("link") if head is not None else ():
        if link.get("hreflang") and has_link_type(link, "alternate"):
            yield link
    for link in root.iter("a"):
        href = link.get("href")
        if not href:
            continue
        if link.get("hreflang") is not None:
            yield link
        elif document_id is not None:
            if (document_id in href and document_id in href.split("?", 1)[0]) or "lang=" in href:
                yield link
        elif any("lang" in (ancestor.get("class") or "") for ancestor in link.iterancestors()):
            yield link


def _primary_language(tag: str | None) -> str | None:
    """The primary language subtag of a BCP 47 tag or a Liferay locale (``ru-RU``, ``en_GB`` →
    ``ru``, ``en``); None for ``x-default`` and the like."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def language_versions(root: etree._Element, base_url: str, language: str,
                      read_url: Callable[[str], tuple[str | None, str, str | None] | None],
                      document_id: str | None = None) -> dict[str, str]:
    """Language → canonical URL of each other language version the page itself names.

    ``read_url(url)`` gives ``(language or None, canonical URL, document id or None)`` for an
    article URL of the page object's site, else None. A link counts when it is an article of the
    site in another language
    (the URL's language, else the link's ``hreflang`` or ``lang``) and, when the site gives its
    language versions one id (``document_id``), as the same document. Links to other languages'
    home pages, to other articles and to this version are not translations."""
    versions: dict[str, str] = {}
    for link in _candidate_links(root, document_id):
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        facts = read_url(_resolved(base_url, href))
        if facts is None:
            continue
        link_language, url, linked_id = facts
        link_language = link_language or _primary_language(link.get("hreflang") or link.get("lang"))
        if not link_language or link_language == language:
            continue
        if document_id is not None and linked_id != document_id:
            continue
        versions.setdefault(link_language, url)
    return versions


def head_alternates(root: etree._Element, base_url: str, language: str,
                    read_url: Callable[[str], tuple[str | None, str, str | None] | None]) -> dict[str, str]:
    """Language → URL of the other versions the page's head names (``<link rel="alternate"
    hreflang>``, HTML §4.6.7.1): the cheap evidence, where a site gives it (Drupal, Canada.ca), before
    :func:`language_versions` walks the body's links. ``read_url`` as there; ``x-default`` and this
    version are not translations."""
    versions: dict[str, str] = {}
    head = root.find("head")
    for link in head.iterchildren("link") if head is not None else ():
        if not link.get("hreflang") or not has_link_type(link, "alternate"):
            continue
        facts = read_url(_resolved(base_url, (link.get("href") or "").strip()))
        if facts is None:
            continue
        link_language = facts[0] or _primary_language(link.get("hreflang"))
        if link_language and link_language != language:
            versions.setdefault(link_language, facts[1])
    return versions


def in_related_block(element: etree._Element) -> bool:
    """True when the element is inside (or is) a block listing other pages (:data:`RELATED_BLOCK`):
    what it says (tags, dates) is about another article."""
    names = [classes.lower() for node in (element, *element.iterancestors()) if (classes := node.get("class"))]
    # (most pages name no such block: substring tests of all the classes at once, cheaper than a
    # regex search of each, rule that out first)
    joined = " ".join(names)
    if not any(word in joined for word in RELATED_WORDS):
        return False
    search = RELATED_BLOCK.search
    return any(search(classes) and any(search(token) and not TAG_BLOCK.search(token) for token in classes.split())
               for classes in names)


def tags_of(scopes: Iterable[etree._Element]) -> list[str]:
    """The texts of the links in the tag blocks (:data:`TAG_BLOCK`) of the elements that belong to
    the article, in page order, each once; a tag block inside a related or teaser block
    (:func:`in_related_block`) is another article's and does not count."""
    blocks = [element for scope in scopes if isinstance(scope.tag, str) for element in scope.iter(etree.Element)
              if (classes := element.get("class")) and TAG_BLOCK.search(classes)]
    return link_texts(link for block in blocks if not in_related_block(block) for link in block.iter("a"))


def link_texts(links: Iterable[etree._Element]) -> list[str]:
    """The texts of tag links, cleaned, in page order, each once (a link's ``title`` when it has
    no text)."""
    tags: list[str] = []
    for link in links:
        tag = clean_inline(_STRING(link)) or clean_inline(link.get("title") or "")
        if tag and tag not in tags:
            tags.append(tag)
    return tags
