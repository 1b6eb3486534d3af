"""A generated mirror of the current mid.ru site for the benchmarks: as many articles as asked for,
in English and Russian, spread over every press section, 20 to a listing page, newest first.

The pages are those of the bundled mirror's builder (``tests/fixtures/tools/build_mid_mirror.py``:
whole pages with head, menus, breadcrumbs, share buttons, related links and footer) around the
bundled documents' texts, taken in turn; each article gets its own id, title, date and document
number. The mirror is a folder with ``manifest.json``, readable by ``--replay`` and by
``tests/loopback.py``; it can carry the bundled mirror's other sites too (for `scrapy update`
with every target).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "tests" / "fixtures"
sys.path[:0] = [str(REPO), str(BUNDLED / "tools")]

import build_mid_mirror as site  # noqa: E402
from mid_documents import DOCUMENTS  # noqa: E402

from crawler.pages.mid import sections_for  # noqa: E402

PAGE_SIZE = 20
#: The newest article's time; older ones follow HOURS_APART apart (10,000 articles span 2½ years).
NEWEST = datetime(2022, 6, 30, 18, 0)
HOURS_APART = 4


@dataclass(frozen=True)
class GeneratedMirror:
    """What :func:`generate` wrote: the folder, its article URLs and listing URLs."""

    folder: Path
    articles: list[str]
    listings: list[str]
    sections: int
    """Listing sections × languages."""

    def urls_at(self, base_url: str) -> dict[str, list[str]]:
        """The listing and article URLs moved onto another base URL (a loopback server's)."""
        def moved(urls: list[str]) -> list[str]:
            return [base_url.rstrip("/") + url.removeprefix(site.BASE) for url in urls]
        return {"listings": moved(self.listings), "articles": moved(self.articles)}


def generate(folder: Path, articles: int, other_sites: bool = False) -> GeneratedMirror:
    """Write a mirror of ``articles`` article pages (half in English, half in Russian: every
    document in both languages) into ``folder``; with ``other_sites``, the bundled mirror's pages
    of every other site are added (by absolute path: not copied)."""
    manifest: dict[str, dict] = {}

    def put(url: str, relative: str, text: str) -> None:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        manifest[url] = {"file": relative, "headers": {"Content-Type": "text/html; charset=utf-8"}}

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "robots.txt").write_text(site.ROBOTS, encoding="utf-8")
    manifest[f"{site.BASE}/robots.txt"] = {"file": "robots.txt", "headers": {"Content-Type": "text/plain"}}
    sections = sections_for("en")
    documents = articles // 2
    article_urls: list[str] = []
    listing_urls: list[str] = []
    listed = 0
    for lang in ("en", "ru"):
        by_section: dict[str, list[str]] = {}
        for n in range(documents):
            template = DOCUMENTS[n % len(DOCUMENTS)]
            section = site.section_in(sections[n % len(sections)], lang)
            when = NEWEST - timedelta(hours=HOURS_APART * n)
            date, time = when.strftime("%d.%m.%Y"), when.strftime("%H:%M")
            doc = {**template, "section": section, "id": str(2_000_000 - n), "date": date, "time": time,
                   "number": f"{10_000 + n}-{when:%d-%m-%Y}",
                   lang: {"title": f"{template[lang]['title']} ({n})", "body": template[lang]["body"]}}
            url = f"{site.BASE}/{lang}/{section}/{doc['id']}/"
            put(url, f"{lang}/{section}/{doc['id']}.html", site.article_page(doc, lang))
            article_urls.append(url)
            by_section.setdefault(section, []).append(site.listing_item(
                doc["id"], section, lang, date, time, doc[lang]["title"], template["tags"][lang]))
        for section, items in by_section.items():
            pages = (len(items) + PAGE_SIZE - 1) // PAGE_SIZE
            listed += 1
            for page in range(1, pages + 1):
                chunk = "".join(items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
                url = f"{site.BASE}/{lang}/{section}/" + ("" if page == 1 else f"?PAGEN_1={page}")
                put(url, f"{lang}/{section}/listing-{page}.html",
                    site.listing_page(section, lang, page, chunk, pages))
                listing_urls.append(url)
    if other_sites:
        bundled = json.loads((BUNDLED / "manifest.json").read_text(encoding="utf-8"))
        mid_host = urlsplit(site.BASE).netloc
        for url, entry in bundled.items():
            if urlsplit(url).netloc.removeprefix("www.") != mid_host:
                manifest[url] = {**entry, "file": str(BUNDLED / entry["file"])}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return GeneratedMirror(folder, article_urls, listing_urls, listed)
