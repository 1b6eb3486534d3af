"""Extraction cost in counted instructions and cache misses, ours against a bare parse (issue 17,
item 3, seen without a clock).

``bench/extract.py`` times the work in CPU seconds. On a shared machine those vary by about 5 %
between runs, so a change worth 1 or 2 % cannot be seen there. This script runs the same work
(the same pages, the same two functions) under Valgrind's cachegrind, which counts and does not
time. Counted this way, the same tree gives the same figures on a busy machine and a quiet one
(to within a few tenths of a per cent: the children run with ``PYTHONHASHSEED=0``, as string
hashing's random seed moves sets' and dicts' layout, and with it about 1 % of the counts).

Three child processes run under cachegrind. Each loads the pages and runs both works once over
them, the warm-up ``bench/extract.py`` does too (modules imported on first use, patterns compiled,
caches filled); then one stops, one runs our extraction ``--passes`` times over the pages, and one
runs the bare parse as often. Subtracting the first leaves, per page, for ours and for bare:
- instructions executed (``Ir``);
- first-level instruction-cache misses (``I1mr``);
- first-level data-cache read and write misses (``D1mr + D1mw``).
The ratio ours / bare of each is printed.

CPU time tracks the misses as well as the instructions. Our extraction runs many libraries one
after another (libxml2, Python's regex engine, nh3, zoneinfo), and each comes back to a cold
cache. So the time ratio of ``bench/extract.py`` is higher than the instruction ratio here. The
modelled cost weighs each miss as ``--miss-weight`` instructions (70 by default: at that weight
the modelled ratio matched ``bench/extract.py``'s CPU-time ratio on one development machine,
3.44 on 2026-12-01; on another the same day the model gave 3.06 and the clock 3.07 to 3.37:
cachegrind simulates the first-level caches only, and misses further out cost our larger working
set more). The modelled ratio is an estimate for comparing two trees, not the target's measure.
Compare trees with this script as a whole: a baseline run kept from another tree is wrong, as the
warm-up pass it subtracts runs that tree's code.

Usage: python bench/extract_counts.py [--passes N] [--miss-weight W]
Needs ``valgrind`` (Debian package ``valgrind``). Without it, one line saying so and exit 2.
Takes about a minute: cachegrind runs code about 50 times slower.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Counts:
    """What cachegrind counted in one run: instructions, I1 misses, D1 misses (reads + writes)."""

    instructions: int
    i1_misses: int
    d1_misses: int

    def __sub__(self, other: Counts) -> Counts:
        return Counts(self.instructions - other.instructions, self.i1_misses - other.i1_misses,
                      self.d1_misses - other.d1_misses)

    def cost(self, miss_weight: float) -> float:
        """Instructions plus every miss weighed as ``miss_weight`` instructions."""
        return self.instructions + miss_weight * (self.i1_misses + self.d1_misses)


def child(mode: str, passes: int) -> None:
    """Load the pages, run both works once over them (the warm-up), then run ``mode`` (``ours``,
    ``bare`` or ``none``) ``passes`` times over them."""
    from bench.extract import extract, pages, parse

    corpus = pages()
    extract(corpus)
    parse(corpus)
    for _ in range(passes if mode != "none" else 0):
        (extract if mode == "ours" else parse)(corpus)
    print(len(corpus))


def counted(mode: str, passes: int, folder: Path) -> tuple[Counts, int]:
    """Counts of one child run under cachegrind, and the number of pages it read."""
    out = folder / f"cachegrind.{mode}"
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=yes", f"--cachegrind-out-file={out}",
         sys.executable, __file__, "--child", mode, "--passes", str(passes)],
        capture_output=True, text=True, check=False, env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"bench/extract_counts.py: the {mode} run under valgrind failed: {tail}")
    events: list[str] = []
    summary: list[int] = []
    for line in out.read_text().splitlines():
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("summary:"):
            summary = [int(value) for value in line.split()[1:]]
    found = dict(zip(events, summary, strict=True))
    return Counts(found["Ir"], found["I1mr"], found["D1mr"] + found["D1mw"]), int(done.stdout.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=3, help="passes over the pages (3)")
    parser.add_argument("--miss-weight", type=float, default=70.0, help="instructions a miss is weighed as (70)")
    parser.add_argument("--child", choices=("ours", "bare", "none"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.passes < 1:
        print(f"bench/extract_counts.py: --passes must be at least 1, not {args.passes}", file=sys.stderr)
        return 2
    if args.child:
        child(args.child, args.passes)
        return 0
    if shutil.which("valgrind") is None:
        print("bench/extract_counts.py: valgrind is not installed (Debian package valgrind)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="mf-counts-") as folder:
        start, n = counted("none", args.passes, Path(folder))
        ours = counted("ours", args.passes, Path(folder))[0] - start
        bare = counted("bare", args.passes, Path(folder))[0] - start
    runs = n * args.passes
    print(f"pages: {n}, {args.passes} passes, counted by cachegrind (per page)")
    print(f"interpreter: {sys.executable} (Python {platform.python_version()})")
    print(f"{'':24s}{'ours':>14s}{'bare parse':>14s}{'ours / bare':>13s}")
    for name, ours_value, bare_value in (
            ("instructions", ours.instructions, bare.instructions),
            ("I1 misses", ours.i1_misses, bare.i1_misses),
            ("D1 misses", ours.d1_misses, bare.d1_misses),
            (f"cost (miss = {args.miss_weight:g} instr.)", ours.cost(args.miss_weight), bare.cost(args.miss_weight))):
        print(f"{name:24s}{ours_value / runs:14,.0f}{bare_value / runs:14,.0f}{ours_value / bare_value:13.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
