"""Crawl speed and peak memory against bare Scrapy, in one run (issue 17, items 1 and 5).

Generates a mirror of the current mid.ru site (``--articles``, 10,000 by default: every document
in English and Russian, 20 to a listing page), serves it on loopback (``tests/loopback.py``) and
runs, each in a child process, with the same concurrency (``--concurrency``, 16 by default, per
site too), no download delay and AutoThrottle off:

1. a bare Scrapy spider with Scrapy's default components, fetching the same pages (robots.txt,
   every listing page, every article page) and doing nothing with them;
2. the project's crawl: the ``mid`` spider with the project's settings (listings walked page by
   page, page objects, normalisation, schema validation, the archive pipeline writing a fresh
   SQLite archive);

   the two in turn, ``--rounds`` times (2 by default), the fastest run of each judged (the
   machine is shared: a round that met other load says less than the best one);
3. unless ``--no-update``, ``scrapy update`` as cron runs it, every target in one process (the
   crawls, then the publication of feeds and dumps), from the same mirror with the bundled
   mirror's other sites added (``--replay``), on another fresh archive; then once more, with
   nothing new, on the archive the first run filled.

Prints articles per minute of each crawl (articles over the crawl's elapsed time, from Scrapy's
stats), their ratio ours / bare (target: at least 2/3), and the peak resident memory of each
child (target for ``scrapy update`` of 10,000 articles: at most 150 MiB, both runs). Exits 1 when
a target is missed or a crawl did not fetch every article.

Usage: python bench/crawl.py [--articles N] [--concurrency N] [--rounds N] [-s NAME=VALUE ...] [--no-update]
(``-s`` sets a Scrapy setting of the project's crawl and of the update, e.g.
``-s CONCURRENT_ITEMS=10`` to compare).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from mid_mirror import generate  # noqa: E402

TARGET_RATIO = 2 / 3
TARGET_UPDATE_MIB = 150


@dataclass
class ChildRun:
    """One crawl in a child process: what its stats said, its wall time and peak memory."""

    articles: int
    elapsed: float
    wall: float
    cpu: float
    """User and system CPU seconds of the child (less sensitive than times to other load)."""
    peak_rss_mib: float
    stats: dict

    @property
    def per_minute(self) -> float:
        return self.articles / self.elapsed * 60


def crawl_settings(base_url: str, concurrency: int) -> dict[str, object]:
    """What both crawls share: the concurrency, no delay, no AutoThrottle, quiet logs."""
    return {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "MF_MID_BASE_URL": base_url,
    }


# --- the children --------------------------------------------------------------------------------
def child_bare(base_url: str, urls_file: str, concurrency: int) -> dict:
    """Fetch every URL of the file with a spider that does nothing, under Scrapy's defaults."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = json.loads(Path(urls_file).read_text(encoding="utf-8"))

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            for url in urls["listings"]:
                yield scrapy.Request(url, callback=self.parse)
            for url in urls["articles"]:
                yield scrapy.Request(url, callback=self.parse, meta={"article": True})

        def parse(self, response):
            if response.meta.get("article") and response.status == 200:
                self.crawler.stats.inc_value("bench/articles")

    settings = {name: value for name, value in crawl_settings(base_url, concurrency).items()
                if not name.startswith("MF_")}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    return {"articles": stats.get("bench/articles", 0), "stats": stats}


def child_ours(base_url: str, archive: str, concurrency: int, extra: dict[str, str]) -> dict:
    """The ``mid`` spider with the project's settings into a fresh archive (``archive``: its
    URL): what `scrapy crawl mid -s …` runs."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict({**crawl_settings(base_url, concurrency), "MF_ARCHIVE_URL": archive,
                      "MF_DEFAULT_LISTING_PAGES": 1_000_000, **extra}, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("mid")
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    return {"articles": stats.get("mf/items/new", 0), "stats": stats}


# --- the parent ------------------------------------------------------------------------------------
def run_child(argv: list[str], output: Path) -> tuple[float, float, float]:
    """Run a child to its end; its wall time (s), CPU time (s) and peak resident memory (MiB)."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = child.stderr.read() if child.stderr else b""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):  # `scrapy update` exits 1 when a target failed: judged below
        sys.exit(f"{' '.join(argv[:4])} … failed ({child.returncode}):\n{stderr.decode()[-3000:]}")
    if not output.exists():
        sys.exit(f"{' '.join(argv[:4])} … wrote no result:\n{stderr.decode()[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def crawl_child(mode: str, args: list[str], work: Path) -> ChildRun:
    output = work / f"{mode}.json"
    wall, cpu, peak = run_child([sys.executable, __file__, "--child", mode, "--output", str(output), *args], output)
    result = json.loads(output.read_text(encoding="utf-8"))
    stats = result["stats"]
    return ChildRun(result["articles"], float(stats["elapsed_time_seconds"]), wall, cpu, peak, stats)


def update_child(mirror: Path, concurrency: int, extra: dict[str, str], work: Path) -> ChildRun:
    """`scrapy update` of every target from the mirror, as cron runs it, with the bench's
    concurrency (the replay download handler drops delays itself)."""
    settings = {"CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, **extra,
                "MF_ARCHIVE_URL": f"sqlite:///{work / 'update.sqlite3'}", "MF_LOCK_PATH": work / "update.lock",
                "MF_REPORT_DIR": work / "reports", "MF_PUBLIC_DIR": work / "public"}
    options = [part for name, value in settings.items() for part in ("-s", f"{name}={value}")]
    report = work / "reports" / "last-run.json"
    report.unlink(missing_ok=True)
    wall, cpu, peak = run_child([sys.executable, "-m", "scrapy", "update", "--replay", str(mirror),
                            "--pages", "1000000", *options], report)
    runs = json.loads(report.read_text(encoding="utf-8"))
    if not runs["ok"]:
        sys.exit(f"scrapy update failed: {json.dumps(runs['targets'], indent=1)[-3000:]}")
    mid = runs["targets"]["mid"]
    return ChildRun(mid["items"]["new"], float(mid["duration_seconds"]), wall, cpu, peak, runs)


def parse_settings(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            sys.exit(f"bench/crawl.py: -s {pair!r}: expected NAME=VALUE")
        settings[name] = value
    return settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles in the mirror (default 10000)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests (default 16)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting of the project's crawl and update")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each crawl, the best judged (default 2)")
    parser.add_argument("--no-update", action="store_true", help="skip the `scrapy update` run")
    parser.add_argument("--child", choices=["bare", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--urls", help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    args = parser.parse_args()
    extra = parse_settings(args.set)
    if args.child:
        if args.child == "bare":
            result = child_bare(args.base_url, args.urls, args.concurrency)
        else:
            result = child_ours(args.base_url, args.archive, args.concurrency, extra)
        Path(args.output).write_text(json.dumps(result, default=str), encoding="utf-8")
        return 0
    if args.articles < 2 or args.concurrency < 1 or args.rounds < 1:
        sys.exit("bench/crawl.py: --articles must be 2 or more, --concurrency and --rounds 1 or more")

    from tests.loopback import LoopbackSite

    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as temporary:
        work = Path(temporary)
        started = time.perf_counter()
        mirror = generate(work / "mirror", args.articles, other_sites=not args.no_update)
        print(f"mirror: {len(mirror.articles)} articles, {len(mirror.listings)} listing pages "
              f"({mirror.sections} sections x languages), written in {time.perf_counter() - started:.1f} s")
        common = ["--concurrency", str(args.concurrency), *[part for s in args.set for part in ("-s", s)]]
        with LoopbackSite(mirror.folder) as site:
            served = ["--base-url", site.base_url, *common]
            (work / "urls.json").write_text(json.dumps(mirror.urls_at(site.base_url)), encoding="utf-8")
            rounds = []
            for number in range(args.rounds):
                bare = crawl_child("bare", [*served, "--urls", str(work / "urls.json")], work)
                ours = crawl_child("ours", [*served, "--archive", f"sqlite:///{work / f'ours-{number}.sqlite3'}"], work)
                print(f"round {number + 1}: bare {bare.per_minute:.0f}/min, ours {ours.per_minute:.0f}/min, "
                      f"ours / bare = {ours.per_minute / bare.per_minute:.2f}", flush=True)
                rounds.append((bare, ours))
            bare = max((pair[0] for pair in rounds), key=lambda run: run.per_minute)
            ours = max((pair[1] for pair in rounds), key=lambda run: run.per_minute)
        updates = [] if args.no_update else \
            [update_child(mirror.folder, args.concurrency, extra, work) for _ in range(2)]
    settings = ", ".join(args.set) or "project defaults"
    print(f"concurrency {args.concurrency} (per site too), no delay, AutoThrottle off; ours: {settings}; "
          f"crawls: the best of {args.rounds} round(s)")
    print(f"{'':30} {'articles':>9} {'crawl s':>8} {'wall s':>7} {'CPU s':>6} {'articles/min':>13} "
          f"{'peak RSS MiB':>13}")
    rows = [("bare Scrapy spider (fetch only)", bare), ("ours: scrapy crawl mid", ours)]
    if updates:
        rows += [("scrapy update, first run", updates[0]), ("scrapy update, nothing new", updates[1])]
    for label, run in rows:
        print(f"{label:30} {run.articles:9d} {run.elapsed:8.1f} {run.wall:7.1f} {run.cpu:6.1f} {run.per_minute:13.0f} "
              f"{run.peak_rss_mib:13.1f}")
    ratio = ours.per_minute / bare.per_minute
    print(f"ours / bare = {ratio:.2f}  (target >= {TARGET_RATIO:.2f}); CPU time of the crawling process: "
          f"bare / ours = {bare.cpu / ours.cpu:.2f}")
    incomplete = [f"{run.articles} of {len(mirror.articles)} articles" for pair in rounds for run in pair
                  if run.articles != len(mirror.articles)]
    ok = ratio >= TARGET_RATIO and not incomplete
    if updates:
        first, again = updates
        print(f"scrapy update (every target, --replay; mid's figures): peak RSS {first.peak_rss_mib:.0f} MiB "
              f"first run, {again.peak_rss_mib:.0f} MiB with nothing new  (target <= {TARGET_UPDATE_MIB} MiB for "
              f"10,000 articles)")
        ok = ok and first.articles == len(mirror.articles) and again.articles == 0
        if args.articles >= 10_000:
            ok = ok and max(first.peak_rss_mib, again.peak_rss_mib) <= TARGET_UPDATE_MIB
    if incomplete:
        print(f"crawls that missed articles: {', '.join(incomplete)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
