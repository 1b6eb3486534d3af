"""Cost of a cron run with nothing new, against the first full run, on a generated mirror of
2,000 mid.ru articles (1,000 documents in English and Russian, 20 to a listing page).

Runs `scrapy update --only mid --replay MIRROR` twice on one fresh archive and prints requests
by kind and wall time of each run, and their ratio. Target (issue 4): the no-change run costs at
most one request per listing section and language, plus the due re-checks (none here: every
article was just fetched), plus robots.txt.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests" / "fixtures" / "tools")]

import build_mid_mirror as site  # noqa: E402

from crawler.pages.mid import sections_for  # noqa: E402

DOCUMENTS = 1000
PAGE_SIZE = 20


def generate(folder: Path) -> int:
    """Write the mirror; returns the number of listing sections × languages."""
    manifest: dict[str, dict] = {}
    template = site.DOCUMENTS[0]

    def put(url: str, relative: str, text: str) -> None:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        manifest[url] = {"file": relative, "headers": {"Content-Type": "text/html; charset=utf-8"}}

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "robots.txt").write_text(site.ROBOTS, encoding="utf-8")
    manifest[f"{site.BASE}/robots.txt"] = {"file": "robots.txt", "headers": {"Content-Type": "text/plain"}}
    sections = sections_for("en")
    listings = 0
    for lang in ("en", "ru"):
        by_section: dict[str, list[str]] = {}
        for n in range(DOCUMENTS):
            section = site.section_in(sections[n % len(sections)], lang)
            doc_id = str(2_000_000 - n)
            day = 28 - (n // 40) % 27
            doc = {**template, "section": section, "id": doc_id, "date": f"{day:02d}.06.2022",
                   "number": f"{5000 - n}-{day:02d}-06-2022",
                   lang: {"title": f"{template[lang]['title']} ({n})", "body": template[lang]["body"]}}
            put(f"{site.BASE}/{lang}/{section}/{doc_id}/", f"{lang}/{section}/{doc_id}.html",
                site.article_page(doc, lang))
            by_section.setdefault(section, []).append(site.listing_item(
                doc_id, section, lang, doc["date"], doc["time"], doc[lang]["title"], template["tags"][lang]))
        for section, items in by_section.items():
            pages = (len(items) + PAGE_SIZE - 1) // PAGE_SIZE
            listings += 1
            for page in range(1, pages + 1):
                chunk = "".join(items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
                url = f"{site.BASE}/{lang}/{section}/" + ("" if page == 1 else f"?PAGEN_1={page}")
                put(url, f"{lang}/{section}/listing-{page}.html", site.listing_page(section, lang, page, chunk, pages))
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return listings


def update(mirror: Path, work: Path) -> tuple[float, dict]:
    """One `scrapy update` run; its wall time and the mid target's report."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "update", "--only", "mid", "--replay", str(mirror),
         "-s", f"MF_ARCHIVE_URL=sqlite:///{work / 'archive.sqlite3'}", "-s", f"MF_LOCK_PATH={work / 'lock'}",
         "-s", f"MF_REPORT_DIR={work / 'reports'}", "-s", f"MF_PUBLIC_DIR={work / 'public'}",
         "-s", "MF_DEFAULT_LISTING_PAGES=1000", "-s", "LOG_LEVEL=ERROR"],
        cwd=REPO, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"update failed:\n{result.stderr[-3000:]}")
    report = json.loads((work / "reports" / "last-run.json").read_text(encoding="utf-8"))
    return elapsed, report["targets"]["mid"]


def main() -> int:
    with tempfile.TemporaryDirectory() as temporary:
        mirror, work = Path(temporary) / "mirror", Path(temporary) / "work"
        listings = generate(mirror)
        first_time, first = update(mirror, work)
        second_time, second = update(mirror, work)
    first_requests, second_requests = sum(first["requests"].values()), sum(second["requests"].values())
    print(f"mirror: {2 * DOCUMENTS} articles, {listings} listing sections x languages, {PAGE_SIZE} per page")
    print(f"first run:     {first_requests:5d} requests {first['requests']}, {first['items']['new']} new, "
          f"{first_time:6.1f} s")
    print(f"no-change run: {second_requests:5d} requests {second['requests']}, {second['items']['new']} new, "
          f"{second_time:6.1f} s")
    print(f"no-change / first: requests {second_requests / first_requests:.4f}, "
          f"wall time {second_time / first_time:.3f}")
    budget = listings + 1  # one listing page per section and language, and robots.txt
    print(f"target: at most {budget} requests with nothing new (plus due re-checks: none here)")
    return 0 if second_requests <= budget and first["items"]["new"] == 2 * DOCUMENTS else 1


if __name__ == "__main__":
    sys.exit(main())
