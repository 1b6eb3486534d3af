"""Publishing cost: a full publish of generated archives of 10,000 and 100,000 statements, then a
republish after one new statement. Target (issue 5): the republish touches only the feeds that
changed, and its cost does not grow with the archive (compare its time at both sizes).

Usage: python bench/publish.py [SIZE ...]   (default: 10000 100000)
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.store import ArchiveStore, open_archive
from feeds.publish import PublishOptions, publish

TYPES = ("briefing", "statement", "comment", "news", "speech", "answer", "interview")
TAGS = [f"Country {n}" for n in range(40)] + [f"Organisation {n}" for n in range(20)]
#: 100,000 statements in two languages over twenty years, as the largest public corpus of mid.ru.
MINUTES_APART = 210
PARAGRAPH = ("The Ministry notes that the situation requires a comprehensive approach based on international law, "
             "and calls on all parties to refrain from steps that could lead to escalation. ")


def statement(n: int, rng: random.Random, start: datetime) -> dict:
    language = "en" if n % 2 else "ru"
    published = start + timedelta(minutes=MINUTES_APART * (n // 2))
    body = [f"{PARAGRAPH * rng.randint(1, 4)}({n}/{i})" for i in range(rng.randint(3, 8))]
    return {
        "id": f"mid:{language}:{1_000_000 + n // 2}", "source": "mid", "site_id": str(1_000_000 + n // 2),
        "url": f"https://mid.ru/{language}/foreign_policy/news/{1_000_000 + n // 2}/", "language": language,
        "title": f"Statement number {n // 2} on the situation", "published": published.isoformat(timespec="seconds"),
        "published_raw": published.strftime("%d.%m.%Y %H:%M"), "doc_number": None,
        "type": TYPES[n % len(TYPES)], "tags": rng.sample(TAGS, rng.randint(0, 2)),
        "body_text": "\n\n".join(body), "body_html": "".join(f"<p>{p}</p>" for p in body), "translations": {},
        "fetched_at": "2026-11-01T00:00:00Z",
    }


def generate(url: str, size: int) -> ArchiveStore:
    rng = random.Random(size)
    store = open_archive(url)
    start = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(minutes=MINUTES_APART * size // 2)
    batch = []
    for n in range(size):
        batch.append(statement(n, rng, start))
        if len(batch) == 2000:
            store.write_batch([], batch)
            batch = []
    store.write_batch([], batch)
    return store


def run(size: int) -> tuple[float, float, int, int]:
    with tempfile.TemporaryDirectory() as folder:
        store = generate(f"sqlite:///{Path(folder) / 'archive.sqlite3'}", size)
        options = PublishOptions(base_url="https://feeds.example.org/", out_dir=Path(folder) / "public")
        started = time.perf_counter()
        full = publish(store, options)
        full_time = time.perf_counter() - started
        new = statement(size + 1, random.Random(0), datetime(2026, 11, 2, tzinfo=UTC))
        new["published"] = "2026-11-02T10:00:00+03:00"
        store.write_batch([], [new])
        started = time.perf_counter()
        again = publish(store, options)
        again_time = time.perf_counter() - started
        files = sum(1 for p in options.out_dir.rglob("*") if p.is_file())
        print(f"{size:>7} statements: full publish {full_time:7.2f} s ({full.rendered} documents, {files} files); "
              f"republish after one new statement {again_time:6.3f} s ({again.rendered} documents rendered, "
              f"{len(again.written)} files written: {', '.join(sorted(again.written)[:6])}…)")
        store.close()
        return full_time, again_time, again.rendered, len(again.written)


def main() -> int:
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]
    results = {size: run(size) for size in sizes}
    small, large = min(sizes), max(sizes)
    if small != large:
        print(f"republish time {large} / {small}: {results[large][1] / results[small][1]:.2f} "
              f"(target: about 1, not {large / small:.0f}); "
              f"documents rendered {results[small][2]} vs {results[large][2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
