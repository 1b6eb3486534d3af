"""Small archives for publisher tests, made from the bundled mirror's pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.normalise.statement import normalise
from crawler.pages.registry import read_article
from crawler.store import ArchiveStore, open_archive
from feeds.publish import PublishOptions
from tests.conftest import fixture_response

BASE_URL = "https://feeds.example.org/"
FETCHED = "2026-11-01T00:00:00Z"
PAGES = [
    "https://mid.ru/en/foreign_policy/news/1819686/",
    "https://mid.ru/ru/foreign_policy/news/1819686/",
    "https://mid.ru/en/press_service/spokesman/briefings/1820480/",
    "https://mid.ru/en/press_service/spokesman/comments/1820702/",
    "https://archive.mid.ru/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2826535",
]
TAGS = {"https://mid.ru/en/foreign_policy/news/1819686/": ["United States of America (USA)"],
        "https://mid.ru/en/press_service/spokesman/comments/1820702/": ["NATO (North Atlantic Treaty Organization)"]}


def statement(url: str, fetched_at: str = FETCHED) -> dict:
    page = read_article(url, fixture_response(url).text)
    page.tags = page.tags or TAGS.get(url, [])
    page.fetched_at = fetched_at
    return normalise(page).to_dict()


def make_archive(url: str, urls: list[str] = PAGES) -> ArchiveStore:
    """A new archive at ``url`` holding the statements of ``urls``."""
    store = open_archive(url)
    store.write_batch([], [statement(url) for url in urls])
    return store


def options(out: Path, **changes) -> PublishOptions:
    return PublishOptions(base_url=BASE_URL, out_dir=out, **changes)


def synthetic_statements(count: int, start: datetime = datetime(2021, 1, 1, tzinfo=UTC),
                         step: timedelta = timedelta(hours=9)) -> list[dict]:
    """``count`` generated statements for archives larger than the fixture pages give: pairs in
    Russian and English linked as translations, ``step`` apart, over four types and a dozen tags."""
    types, tags = ("statement", "news", "comment", "briefing"), [f"Country {n}" for n in range(12)]
    found = []
    for n in range(count):
        language, other = ("en", "ru") if n % 2 else ("ru", "en")
        number, published = 5_000_000 + n // 2, start + step * (n // 2)
        body = [f"Paragraph {i} of statement {n}: the Ministry notes the situation and calls for restraint." * 3
                for i in range(4)]
        found.append({
            "id": f"mid:{language}:{number}", "source": "mid", "site_id": str(number),
            "url": f"https://mid.ru/{language}/foreign_policy/news/{number}/", "language": language,
            "title": f"Statement {n // 2}", "published": published.isoformat(timespec="seconds"),
            "published_raw": published.strftime("%d.%m.%Y %H:%M"), "doc_number": None, "type": types[n % 4],
            "tags": [tags[n % 12], tags[(n * 7) % 12]][: n % 3], "body_text": "\n\n".join(body),
            "body_html": "".join(f"<p>{p}</p>" for p in body),
            "translations": {other: f"https://mid.ru/{other}/foreign_policy/news/{number}/"},
            "fetched_at": FETCHED,
        })
    return found


def published_files(out: Path) -> dict[str, bytes]:
    """What readers can fetch from a public folder: every file but dotfiles (the state, the lock,
    temporary files), ``data/manifest.json`` without the time it was written."""
    files = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            data = path.read_bytes()
            if relative.name == "manifest.json":
                document = json.loads(data)
                document.pop("generated")
                data = json.dumps(document).encode()
            files[relative.as_posix()] = data
    return files
