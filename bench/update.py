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
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from mid_mirror import PAGE_SIZE, generate  # noqa: E402

DOCUMENTS = 1000


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
        listings = generate(mirror, 2 * DOCUMENTS).sections
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
