"""GOV.UK's JSON APIs for the Foreign, Commonwealth & Development Office.

The search API lists English editions (``/api/search.json``); the content API
(``/api/content/<path>``) gives each item: ``title``, ``base_path``, ``content_id``, ``locale``,
``document_type``, ``first_published_at``, ``details.body`` (HTML), ``details.change_history``,
``withdrawn_notice``, and ``links`` (``available_translations``, ``world_locations``, …).
Translations share the ``content_id``; a language version is (content_id, locale).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.items import PageStatement
from crawler.pages import ArticlePage, ParseError
from crawler.pages.cleanup import Chrome, clean_element, inner_html, parse_document

SOURCE = "fcdo"
SITE = "gov.uk"
ORGANISATION = "foreign-commonwealth-development-office"
ORIGIN = "https://www.gov.uk"
#: GOV.UK document types → shared types (others, such as guidance, are not statements).
TYPES = {
    "press_release": "statement", "government_response": "statement", "written_statement": "statement",
    "oral_statement": "statement", "news_story": "news", "world_news_story": "news", "speech": "speech",
    "authored_article": "speech",
}
_PATH_PREFIXES = ("/government/news/", "/government/speeches/")
_LOCALE_SUFFIX = re.compile(r"\.([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4})?)$")


def page_path(url: str) -> str | None:
    """The GOV.UK path of a page or content-API URL, if it is one of ours."""
    path = urlsplit(url).path
    path = path.removeprefix("/api/content")
    return path if path.startswith(_PATH_PREFIXES) and len(path) > 20 else None


def language_of(url: str) -> str:
    """The locale a GOV.UK page URL names: a translation's path ends in it
    (``/government/news/x.ur``, ``….zh-tw``); an English page's path has none (``en``)."""
    match = _LOCALE_SUFFIX.search(urlsplit(url).path)
    return match[1].lower() if match else "en"


def content_api_url(statement_url: str) -> str:
    """``https://www.gov.uk/government/news/x`` → ``https://www.gov.uk/api/content/government/news/x``."""
    parts = urlsplit(statement_url)
    return f"{parts.scheme}://{parts.netloc}/api/content{parts.path}"


def search_url(base_url: str, start: int, count: int) -> str:
    """A page of the search API: the office's items, newest first."""
    return (f"{base_url.rstrip('/')}/api/search.json?filter_organisations={ORGANISATION}"
            f"&order=-public_timestamp&count={count}&start={start}"
            "&fields=title,link,public_timestamp,description,content_store_document_type,format,"
            "display_type,content_id,world_locations,is_withdrawn")


@dataclass(frozen=True)
class SearchEntry:
    url: str
    title: str
    date_raw: str | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchPage:
    entries: list[SearchEntry]
    start: int
    total: int


def _json(url: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(url, "not_json", str(error)) from None


def _string(value: Any) -> str | None:
    """A JSON value the content API gives as a string (a title, a date, a note), when it is one;
    None for any other JSON type (a number, a list, an object, null): not read as text."""
    return value if isinstance(value, str) else None


def _objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list the content API gives (translations, locations, changes); any
    other value, and any item that is no object, gives none."""
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def read_search(url: str, text: str, base_url: str) -> SearchPage:
    """The statements a search-API page lists (``link`` is a path, or sometimes absolute)."""
    data = _json(url, text)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ParseError(url, "listing_layout", "no results list in the search answer")
    entries = []
    for result in data["results"]:
        link = _string(result.get("link")) if isinstance(result, dict) else None
        if not link or _string(result.get("content_store_document_type")) not in TYPES:
            continue
        page = urljoin(base_url.rstrip("/") + "/", link)
        if page_path(page) is None:
            continue
        entries.append(SearchEntry(page, _string(result.get("title")) or "", _string(result.get("public_timestamp"))))
    return SearchPage(entries, int(data.get("start", 0) or 0), int(data.get("total", 0) or 0))


_CHROME = Chrome()


def _clean_govspeak(url: str, html: str) -> str:
    """The body HTML without what is never text in any site's bodies (contents lists, link
    lists, scripts: crawler.pages.cleanup)."""
    root = parse_document(url, f"<html><body><div>{html}</div></body></html>").find(".//body/div")
    if root is None:
        raise ParseError(url, "missing_body")
    clean_element(url, root, _CHROME)
    return inner_html(root)


class GovUkContentItem(ArticlePage):
    """One content item of the content API, as a statement."""

    reads_html = False  # (the API's JSON: what is not JSON is ``not_json``)

    @staticmethod
    def matches(url: str) -> bool:
        return page_path(url) is not None

    def _origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def statement(self, tags: list[str] | None = None, listing_date: str | None = None) -> PageStatement:
        item = _json(self.url, self.text)
        if not isinstance(item, dict):
            raise ParseError(self.url, "not_a_content_item")
        for key in ("base_path", "content_id", "locale", "title", "document_type"):
            if not _string(item.get(key)):
                raise ParseError(self.url, f"missing_{key}", None if item.get(key) is None else "not a string")
        doc_type = TYPES.get(item["document_type"])
        if doc_type is None:
            raise ParseError(self.url, "not_a_statement", f"document type {item['document_type']}")
        details = item.get("details") if isinstance(item.get("details"), dict) else {}
        body = details.get("body")
        if isinstance(body, list):  # multi-type bodies: [{"content_type": "text/html", "content": …}]
            body = next((part.get("content") for part in _objects(body) if part.get("content_type") == "text/html"),
                        None)
        if not _string(body):
            raise ParseError(self.url, "missing_body")
        body = _clean_govspeak(self.url, body)
        links = item.get("links") if isinstance(item.get("links"), dict) else {}
        origin = self._origin()
        translations = {
            t["locale"]: origin + t["base_path"]
            for t in _objects(links.get("available_translations"))
            if _string(t.get("locale")) and _string(t.get("base_path")) and t["locale"] != item["locale"]
        }
        page_tags = [link["title"] for kind in ("world_locations", "topical_events")
                     for link in _objects(links.get(kind)) if _string(link.get("title"))]
        notice = item.get("withdrawn_notice") if isinstance(item.get("withdrawn_notice"), dict) else {}
        withdrawn = {"at": _string(notice.get("withdrawn_at")), "note": _string(notice.get("explanation")) or ""} \
            if _string(notice.get("explanation")) or _string(notice.get("withdrawn_at")) else None
        return PageStatement(
            source=SOURCE,
            site=SITE,
            site_id=item["content_id"],
            url=origin + item["base_path"],
            language=item["locale"].lower(),
            title=item["title"],
            type=doc_type,
            body_html=body,
            published_raw=_string(item.get("first_published_at")) or _string(details.get("first_public_at"))
            or _string(item.get("public_updated_at")),
            tags=page_tags + list(tags or []),  # the normaliser drops repeats and empty tags
            translations=translations,
            fallback_published_raw=listing_date,
            change_history=[{"at": _string(change.get("public_timestamp")), "note": _string(change.get("note")) or ""}
                            for change in _objects(details.get("change_history"))],
            withdrawn=withdrawn,
        )
