"""PostgreSQL against SQLite on the same archive, in one run: a full publish, a publish after one
new statement, and an export of every statement. Target (issue 12): PostgreSQL at most 1.5×
SQLite on each.

The archive is generated into SQLite (bench/publish.py's statements: two languages over twenty
years, seven types, sixty tags) and copied to PostgreSQL with `scrapy archive copy`'s code, so
both hold the same rows. PostgreSQL is a throwaway server on loopback (tests/postgres.py), or
the one named by --postgres (an empty database). Both publications are checked to be the same
bytes.

Usage: python bench/backends.py [--size N] [--rounds R] [--postgres postgresql://USER@HOST:PORT/DB]
"""

from __future__ import annotations

import argparse
import filecmp
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from publish import MINUTES_APART, statement  # noqa: E402

from crawler.store import open_archive  # noqa: E402
from crawler.store.copying import copy_archive  # noqa: E402
from feeds.jsonl import ExportQuery, lines, write_lines  # noqa: E402
from feeds.publish import PublishOptions, publish  # noqa: E402

TARGET = 1.5
#: Publications after one new statement timed per round (the best counts).
AFTER_ONE = 5


def generate(url: str, size: int) -> None:
    rng = random.Random(size)
    start = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(minutes=MINUTES_APART * size // 2)
    with open_archive(url) as store:
        store.load_statements(statement(n, rng, start) for n in range(size))


def timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def measure(url: str, folder: Path, size: int, round_: int) -> dict[str, float]:
    """The three timings on one archive: a full publish into a new folder, a publication after one
    new statement (added between the two), an export of every statement."""
    options = PublishOptions(base_url="https://feeds.example.org/", out_dir=folder / f"public-{round_}")
    times: dict[str, float] = {}
    with open_archive(url) as store:
        times["full publish"], full = timed(lambda: publish(store, options))
        again_times = []
        for n in range(AFTER_ONE):  # a short timing: the best of several
            new = statement(size + 1 + round_ * AFTER_ONE + n, random.Random(n), datetime(2026, 11, 2, tzinfo=UTC))
            new["published"] = f"2026-11-02T{10 + round_:02d}:{n:02d}:00+03:00"
            store.write_batch([], [new])
            seconds, again = timed(lambda: publish(store, options))
            again_times.append(seconds)
        times["publish after one new statement"] = min(again_times)
        times["export (latest, every statement)"], written = timed(
            lambda: write_lines(lines(store, ExportQuery()), folder / "all.jsonl", compress=False))
    print(f"  {url.split(':')[0]:<10} full publish {times['full publish']:7.2f} s ({full.rendered} documents), "
          f"after one new statement {times['publish after one new statement']:6.3f} s ({again.rendered} documents), "
          f"export {times['export (latest, every statement)']:6.2f} s ({written} lines)", flush=True)
    return times


def same_tree(one: Path, two: Path) -> bool:
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file() and p.name != ".publish.lock")
    return files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file() and p.name != ".publish.lock") \
        and all(filecmp.cmp(one / f, two / f, shallow=False) for f in files if f.name != "manifest.json")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="statements (default 100,000)")
    parser.add_argument("--postgres", help="an empty PostgreSQL database to use (default: a throwaway server)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds, SQLite and PostgreSQL in turn; the best time of each counts (default 2: "
                             "on a shared machine, load changes between two timings)")
    args = parser.parse_args()
    cluster = None
    if args.postgres:
        postgres_url = args.postgres
    else:
        from tests.postgres import Cluster

        cluster = Cluster()
        postgres_url = cluster.url(cluster.create_database())
    try:
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary)
            sqlite_url = f"sqlite:///{folder / 'archive.sqlite3'}"
            seconds, _ = timed(lambda: generate(sqlite_url, args.size))
            print(f"{args.size} statements generated into SQLite in {seconds:.1f} s", flush=True)
            seconds, _ = timed(lambda: copy_archive(sqlite_url, postgres_url))
            print(f"copied to PostgreSQL (scrapy archive copy) in {seconds:.1f} s", flush=True)
            results: dict[str, dict[str, float]] = {"sqlite": {}, "postgresql": {}}
            for round_ in range(args.rounds):
                print(f"round {round_ + 1} of {args.rounds}", flush=True)
                for backend, url in (("sqlite", sqlite_url), ("postgresql", postgres_url)):
                    for name, seconds in measure(url, folder / backend, args.size, round_).items():
                        results[backend][name] = min(seconds, results[backend].get(name, seconds))
            identical = all(same_tree(folder / "sqlite" / f"public-{n}", folder / "postgresql" / f"public-{n}")
                            for n in range(args.rounds))
    finally:
        if cluster is not None:
            cluster.stop()
    print(f"\nPostgreSQL / SQLite at {args.size} statements, best of {args.rounds} (target: at most {TARGET} each):")
    worst = 0.0
    for name, sqlite_time in results["sqlite"].items():
        ratio = results["postgresql"][name] / sqlite_time
        worst = max(worst, ratio)
        print(f"  {name:<34} {sqlite_time:8.2f} s  {results['postgresql'][name]:8.2f} s  ratio {ratio:5.2f}")
    print(f"public folders of both backends: {'the same bytes' if identical else 'DIFFERENT'}")
    return 0 if worst <= TARGET and identical else 1


if __name__ == "__main__":
    sys.exit(main())
