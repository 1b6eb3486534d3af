"""The measured figures docs/scaling.md sizes a deployment from, in one run:

1. archive growth: bytes per statement (its version, its fetch and its raw page, compressed) after
   a first crawl of a generated mirror of 2,000 mid.ru articles (bench/mid_mirror.py: whole pages
   with their chrome), in SQLite and in PostgreSQL (the same archive copied there with `scrapy
   archive copy`'s code);
2. one crawl as a Scrapyd node runs it (a process of its own): CPU seconds and peak memory of
   `scrapy crawl mid` on that mirror with nothing new (the cron run of every hour), and of a first
   crawl of the 2,000 articles;
3. publishing after one cron run: the time to republish a generated archive of 10,000 statements
   (bench/publish.py's) after a batch of 100 new ones, against the time after one new statement.

The PostgreSQL server is a throwaway one on loopback (tests/postgres.py).

Usage: python bench/sizing.py [--articles N]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from mid_mirror import generate as generate_mirror  # noqa: E402
from publish import generate as generate_archive  # noqa: E402
from publish import statement  # noqa: E402

from crawler.store import open_archive  # noqa: E402
from crawler.store.copying import copy_archive  # noqa: E402
from feeds.publish import PublishOptions, publish  # noqa: E402

MIB = 1024 * 1024


#: Runs a command and prints its CPU seconds and peak resident memory (KiB on Linux), so that
#: each crawl's peak is its own (RUSAGE_CHILDREN keeps the largest child's).
MEASURED = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode;"
            " usage = resource.getrusage(resource.RUSAGE_CHILDREN);"
            " print(usage.ru_utime + usage.ru_stime, usage.ru_maxrss, file=sys.stderr); sys.exit(code)")


def crawl(mirror: Path, url: str, *settings: str) -> tuple[float, float, dict[str, int]]:
    """`scrapy crawl mid` over the mirror into ``url``, a process of its own: its CPU seconds,
    its peak resident memory (MiB) and its requests by kind."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, sys.executable, "-m", "scrapy", "crawl", "mid", "-a", f"replay={mirror}",
         "-s", f"MF_ARCHIVE_URL={url}", "-s", "MF_DEFAULT_LISTING_PAGES=1000", "-s", "LOG_LEVEL=INFO",
         *(option for setting in settings for option in ("-s", setting))],
        cwd=REPO, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"crawl failed:\n{result.stderr[-3000:]}")
    requests = {}
    for line in result.stderr.splitlines():
        if "'mf/requests/" in line:
            name, count = line.strip().rstrip(",").rstrip("}").split(": ")
            requests[name.strip(" {'").removeprefix("mf/requests/")] = int(count)
    cpu, rss = result.stderr.strip().splitlines()[-1].split()
    return float(cpu), int(rss) / 1024, requests


def archive_sizes(articles: int, folder: Path, postgres_urls: list[str]) -> None:
    mirror = generate_mirror(folder / "mirror", articles)
    sqlite_url = f"sqlite:///{folder / 'archive.sqlite3'}"
    first_cpu, first_rss, first_requests = crawl(mirror.folder, sqlite_url)
    again_cpu, again_rss, again_requests = crawl(mirror.folder, sqlite_url)
    with open_archive(sqlite_url) as store:
        statements, versions = store.count(), store.count("versions")
        sqlite_bytes = store.size_bytes()
    copy_archive(sqlite_url, postgres_urls[0])
    with open_archive(postgres_urls[0], readonly=True) as store:
        postgres_bytes = store.size_bytes()
    # What an archive holding nothing takes (tables, indexes; PostgreSQL's catalog): not growth.
    with open_archive(f"sqlite:///{folder / 'empty.sqlite3'}") as store:
        sqlite_empty = store.size_bytes()
    with open_archive(postgres_urls[1]) as store:
        postgres_empty = store.size_bytes()

    def per_statement(size: int, empty: int) -> str:
        growth = (size - empty) / statements / 1024
        return f"{size / MIB:.1f} MiB ({empty / MIB:.1f} empty): {growth:.1f} KiB per statement"

    print(f"archive after a first crawl of {articles} articles: {statements} statements, {versions} versions; "
          f"SQLite {per_statement(sqlite_bytes, sqlite_empty)}; "
          f"PostgreSQL {per_statement(postgres_bytes, postgres_empty)}")
    print(f"crawl process, first crawl: {sum(first_requests.values())} requests {first_requests}, "
          f"CPU {first_cpu:.1f} s = {first_cpu / max(1, sum(first_requests.values())) * 1000:.1f} ms per request")
    print(f"crawl process, nothing new: {sum(again_requests.values())} requests {again_requests}, "
          f"CPU {again_cpu:.1f} s (start-up included); peak memory {again_rss:.0f} MiB (first crawl: {first_rss:.0f})")
    # Every article re-checked once, by a site that gives no validators (200, the same page): what
    # a re-check adds (a fetch row; the page itself is stored once per content).
    _cpu, _rss, rechecks = crawl(mirror.folder, sqlite_url, "MF_RECHECK_SCHEDULE=[[36500, 0]]",
                                 "MF_RECHECK_MAX_PER_RUN=1000000")
    with open_archive(sqlite_url) as store:
        grown, fetches = store.size_bytes() - sqlite_bytes, store.count("fetches")
        versions_after = store.count("versions")
    print(f"re-check of every article (no validators, nothing edited): {rechecks.get('recheck', 0)} re-checks, "
          f"{fetches} fetches kept, {versions_after - versions} new versions; SQLite "
          f"{grown / max(1, rechecks.get('recheck', 0)):.0f} bytes per re-check")


def publish_batches(folder: Path, size: int = 10_000, batch: int = 100) -> None:
    store = generate_archive(f"sqlite:///{folder / 'publish.sqlite3'}", size)
    options = PublishOptions(base_url="https://feeds.example.org/", out_dir=folder / "public")
    publish(store, options)
    timings = {}
    for count in (1, batch):
        rng = random.Random(count)
        new = [statement(size + 10 * count + n, rng, datetime(2026, 11, 2, tzinfo=UTC)) for n in range(count)]
        store.write_batch([], new)
        started = time.perf_counter()
        result = publish(store, options)
        timings[count] = (time.perf_counter() - started, result.rendered, len(result.written))
    store.close()
    for count, (seconds, rendered, written) in timings.items():
        print(f"republish of {size} statements after {count:>3} new: {seconds:6.2f} s "
              f"({rendered} documents rendered, {written} files written)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    options = parser.parse_args()
    from tests.postgres import Cluster

    cluster = Cluster()
    try:
        with tempfile.TemporaryDirectory(prefix="mf-bench-sizing-") as temporary:
            folder = Path(temporary)
            archive_sizes(options.articles, folder, [cluster.url(cluster.create_database()) for _ in range(2)])
            publish_batches(folder)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
