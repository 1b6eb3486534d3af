"""Export throughput and peak memory: `scrapy export` of generated archives of 100,000 and
1,000,000 statements, each run in its own process (peak memory = its maximum resident set).
Target (issue 6): the same peak memory for both sizes.

Usage: python bench/export.py [SIZE ...]   (default: 100000 1000000)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.store import open_archive  # noqa: E402

BODY = "The Ministry calls on all parties to refrain from steps that could lead to escalation. " * 4


def statements(size: int):
    """``size`` generated statements in two languages over twenty years."""
    for n in range(size):
        language = "en" if n % 2 else "ru"
        published = f"{2003 + n * 20 // size}-{1 + n % 12:02d}-{1 + n % 28:02d}T12:00:00+03:00"
        yield {"id": f"mid:{language}:{n}", "source": "mid", "site_id": str(n),
               "url": f"https://mid.ru/{language}/foreign_policy/news/{n}/", "language": language,
               "title": f"Statement {n}", "published": published, "published_raw": None, "doc_number": None,
               "type": "news", "tags": ["Tag"], "body_text": BODY, "body_html": f"<p>{BODY}</p>",
               "translations": {}, "fetched_at": "2026-11-01T00:00:00Z"}


def generate(url: str, size: int) -> None:
    """A new archive of ``size`` statements, bulk-loaded (the store's own writes are per statement)."""
    with open_archive(url) as store:
        store.load_statements(statements(size))


def export(url: str, out: Path) -> tuple[float, int]:
    """Wall time and peak resident memory (KiB) of one `scrapy export` process."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "scrapy", "export", "-o", str(out),
                                "-s", f"MF_ARCHIVE_URL={url}"], cwd=REPO, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        sys.exit(f"export failed with status {status}")
    return elapsed, usage.ru_maxrss


def main() -> int:
    sizes = [int(arg) for arg in sys.argv[1:]] or [100_000, 1_000_000]
    peaks = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            archive, out = f"sqlite:///{Path(folder) / 'archive.sqlite3'}", Path(folder) / "out.jsonl"
            generate(archive, size)
            elapsed, peak = export(archive, out)
            lines = sum(1 for _ in out.open("rb"))
            assert lines == size, (lines, size)
            peaks[size] = peak
            print(f"{size:>9} statements: {size / elapsed:9.0f} lines/s ({elapsed:6.1f} s), "
                  f"peak memory {peak / 1024:6.1f} MiB, output {out.stat().st_size / 1e6:7.1f} MB")
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        print(f"peak memory {large} / {small}: {peaks[large] / peaks[small]:.2f} (target: 1.00, flat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
