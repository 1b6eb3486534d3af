"""Segmentation accuracy (issue 14): precision and recall of segment boundaries, kinds and
speakers over the labelled briefing pages in tests/fixtures/briefings/ (mid.ru current and old
site, English and Russian; China's MFA, English and Chinese; the State Department), read as a
crawl reads them. How pages are scored: tests/briefing_set.py.

Target: at least 0.98 on each. Prints one line per page, the misses, and the figures; exits 1
when a target is missed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.briefing_set import labelled_pages, score

TARGET = 0.98


def main() -> int:
    pages = labelled_pages()
    for page in pages:
        single = score([page])
        print(f"{page.name:44} {page.labels['site']:12} {page.labels['language']}  "
              f"expected {len(page.expected):3}  read {len(page.predicted):3}  "
              f"aligned {single.boundaries:3}")
    total = score(pages)
    for miss in total.misses:
        print(f"  miss: {miss}")
    print(f"{total.pages} pages ({sum(1 for p in pages if not p.expected)} without labelled structure), "
          f"{total.expected} expected segments, {total.predicted} read; "
          f"{total.pages_exact} pages read exactly; texts equal {total.texts}/{total.expected}")
    missed = []
    for metric, (precision, recall) in total.ratios().items():
        print(f"{metric:10}  precision {precision:.3f}  recall {recall:.3f}  (target {TARGET})")
        if precision < TARGET or recall < TARGET:
            missed.append(metric)
    if missed:
        print(f"below target: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
