"""Crawls spread over Scrapyd nodes (issue 13, item 4): eight targets against loopback copies of
their sites that answer every request 200 ms late, run by `scrapy update --scrapyd` on one node
and on two, in one run; prints each wall time and two nodes / one node (target ≤ 0.6).

Each node is a real Scrapyd (tests/scrapyd.py: PyPI's, the project's egg deployed to it with
scrapyd-deploy) that runs 2 crawls at once (its ``max_proc``, and MF_SCRAPYD_JOBS_PER_NODE), as a
machine of fixed size would: one node crawls the eight targets two at a time, two nodes four at a
time. Sites are crawled one request at a time, as the polite defaults have it. Each run starts on
an empty archive in a throwaway PostgreSQL server (tests/postgres.py), so both fetch the same
pages; both must succeed and archive the same statements. For reference, the same targets are
also crawled by a plain `scrapy update` here (one process, every target at once): Scrapyd adds
machines, not speed per machine.

The wall time of a run is what the operator waits for: from the command to its exit, the
coordinator's start and its publication included; "crawls" is the crawls' part alone (first job
scheduled to last run recorded). Both nodes run on this machine: each crawl is a process of its
own whose start (about 1.3 s of CPU) competes for the same cores, which separate machines would
not; and the targets are uneven (33 requests for mid_archive, 5 for fmprc_zh).

Usage: python bench/scrapyd.py [--delay SECONDS] [--per-node N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from crawler.store import open_archive  # noqa: E402
from tests.conftest import FIXTURES  # noqa: E402
from tests.e2e.test_every_source import HOSTS  # noqa: E402
from tests.loopback import LoopbackSite  # noqa: E402
from tests.scrapyd import ScrapydNode, build_egg, deploy  # noqa: E402

#: Eight targets, the most requests first (33 to 5 on the bundled mirror): a new archive holds
#: no durations of earlier crawls to order them by, so they go in this order.
TARGETS = ["mid_archive", "mofa_jp", "mea_in", "mae_fr", "gac_ca", "fmprc_en", "fcdo", "fmprc_zh"]
TARGET_RATIO = 0.6


def run_update(folder: Path, url: str, sites: dict[str, str], per_node: int, nodes: list[ScrapydNode]) -> dict:
    """One `scrapy update` of the targets (on ``nodes``, or here when there are none) into the
    empty archive ``url``: its wall time, report and statements."""
    settings = {
        "MF_ARCHIVE_URL": url, "MF_PUBLIC_DIR": str(folder / "public"), "MF_REPORT_DIR": str(folder / "reports"),
        "MF_LOCK_PATH": str(folder / "lock"), "MF_PUBLIC_BASE_URL": "https://feeds.example.org/",
        # One request at a time per site, as the polite defaults have it, without their 10 s waits
        # (Scrapy 2.19 lets a download slot with no delay at all start every queued request at
        # once, whatever CONCURRENT_REQUESTS_PER_DOMAIN says).
        "DOWNLOAD_DELAY": "0.001", "AUTOTHROTTLE_ENABLED": "False", "MF_OBEY_CRAWL_DELAY": "False",
        "MF_RETRY_BACKOFF_BASE": "0.05", "MF_SCRAPYD_JOBS_PER_NODE": str(per_node),
        "MF_SCRAPYD_POLL_INTERVAL": "0.5", "LOG_LEVEL": "WARNING", **sites}
    command = [sys.executable, "-m", "scrapy", "update", "--only", ",".join(TARGETS)]
    if nodes:
        command += ["--scrapyd", ",".join(node.url for node in nodes)]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"update failed ({result.returncode}):\n{result.stderr[-3000:]}")
    report = json.loads((folder / "reports" / "last-run.json").read_text(encoding="utf-8"))
    with open_archive(url, readonly=True) as store:
        statements = store.count()
        records = store.crawl_runs(report["scrapyd"]["run_id"]) if nodes else []
    # The crawls' part of a run on nodes: its first job scheduled to its last one recorded (to the
    # second, as run records keep time), without the coordinator's start and its publication.
    crawling = (datetime.fromisoformat(max(record.finished_at for record in records))
                - datetime.fromisoformat(min(record.scheduled_at for record in records))).total_seconds() \
        if records else None
    return {"seconds": seconds, "crawling": crawling, "report": report, "statements": statements}


def describe(label: str, run: dict) -> str:
    targets = run["report"]["targets"]
    requests = sum(sum(target["requests"].values()) for target in targets.values())
    longest = max(targets.values(), key=lambda target: target["duration_seconds"])
    where = ""
    if "scrapyd" in run["report"]:
        jobs = [f"{node['jobs']}" for node in run["report"]["scrapyd"]["nodes"].values()]
        where = f", jobs per node {'/'.join(jobs)}"
    crawling = f", crawls {run['crawling']:.0f} s" if run["crawling"] is not None else ""
    return (f"{label:<16} {run['seconds']:6.1f} s  ({run['statements']} statements, {requests} requests, "
            f"longest crawl {longest['name']} {longest['duration_seconds']:.1f} s{where}{crawling})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=0.2, help="seconds each answer is late (default 0.2)")
    parser.add_argument("--per-node", type=int, default=2, help="crawls a node runs at once (default 2)")
    parser.add_argument("--keep", type=Path, help="keep the nodes' folders, reports and public trees here")
    options = parser.parse_args()
    from tests.postgres import Cluster

    with contextlib.ExitStack() as stack:
        folder = options.keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mf-bench-scrapyd-")))
        folder.mkdir(parents=True, exist_ok=True)
        cluster = Cluster()
        stack.callback(cluster.stop)
        sites = {}
        for target in TARGETS:
            for host, setting in HOSTS[target] if isinstance(HOSTS[target], list) else [HOSTS[target]]:
                sites[setting] = stack.enter_context(LoopbackSite(FIXTURES, host=host, delay=options.delay)).base_url
        egg = build_egg(folder / "build")
        nodes = [stack.enter_context(ScrapydNode(folder / name, max_proc=options.per_node, poll_interval=0.2))
                 for name in ("node-a", "node-b")]
        deploy(egg, {f"node-{index}": node for index, node in enumerate(nodes)}, folder / "build")
        runs = {}
        for label, used in (("one node", nodes[:1]), ("two nodes", nodes), ("this machine", [])):
            url = cluster.url(cluster.create_database())
            runs[label] = run_update(folder / label.replace(" ", "-"), url, sites, options.per_node, used)
    print(f"{len(TARGETS)} targets ({', '.join(TARGETS)}), every answer {options.delay * 1000:.0f} ms late; "
          f"{options.per_node} crawls at once per node")
    for label, run in runs.items():
        print(describe(label, run))
    if len({run["statements"] for run in runs.values()}) != 1:
        print("the runs archived different statements")
        return 1
    ratio = runs["two nodes"]["seconds"] / runs["one node"]["seconds"]
    print(f"two nodes / one node: {ratio:.2f} (target ≤ {TARGET_RATIO}); the crawls alone "
          f"{runs['two nodes']['crawling'] / runs['one node']['crawling']:.2f}; "
          f"two nodes / this machine: {runs['two nodes']['seconds'] / runs['this machine']['seconds']:.2f}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
