"""Extraction speed: our page objects (parse + chrome removal + page evidence + briefing
segments + normalise) against ``trafilatura.extract`` and a bare ``lxml.html`` parse, on the same
fixture pages, in one run.

Targets: at most a third of trafilatura's time (issue 2), within 3x of the bare parse (issue 17,
item 3). Prints per-page times and the two ratios; exits 1 when a target is missed. CPU time is
counted, the works taking turns: run it a few times on a shared machine and read the spread.

The interpreter it runs on is printed, as it moves the ratio: most of our work is Python, the bare
parse is C. On 2026-12-01, on one machine, Debian's python3.11 (built with profile-guided and
link-time optimisation, what ``make`` makes ``.venv`` from where it is installed) gave 2.87-3.35
over 17 runs, where pyenv's python3.11 (built without them) gave 3.11-3.35 over 11, the two taking
turns: ours runs 5 to 10 % faster on the first, the bare parse as fast on both.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.html
import trafilatura

from crawler.normalise.statement import normalise
from crawler.pages import ParseError
from crawler.pages.registry import read_article
from tests.conftest import fixture_response, manifest

#: ours / trafilatura.extract (issue 2) and ours / a bare lxml.html parse (issue 17, item 3)
TRAFILATURA_TARGET = 1 / 3
BARE_TARGET = 3.0


def pages() -> list[tuple[str, str]]:
    """(url, decoded text) of every parseable mid.ru article page in the bundled mirror (both
    sites: the pages issue 2's target is about; other sources' pages are JSON or feed items)."""
    found = []
    for url in manifest():
        if "mid.ru/" not in url:
            continue
        try:
            text = fixture_response(url).text
            read_article(url, text)
        except ParseError:  # listings, robots.txt and the challenge page
            continue
        found.append((url, text))
    return found


def extract(corpus: list[tuple[str, str]]) -> None:
    """Our work on each (url, text) of ``corpus``: the page object, then the normaliser."""
    for url, text in corpus:
        normalise(read_article(url, text))


def parse(corpus: list[tuple[str, str]]) -> None:
    """The bare work on each page of ``corpus``: an ``lxml.html`` parse."""
    for _, text in corpus:
        lxml.html.fromstring(text)


def best_of(repeats: int, *works) -> list[float]:
    """The fastest of ``repeats`` timings of each of ``works``, in CPU seconds of this process.

    The works take turns within each round, and CPU time (not wall time) is counted, so other
    processes on a shared machine slow none of them more than the others: the ratios hold."""
    best = [float("inf")] * len(works)
    for _ in range(repeats):
        for n, work in enumerate(works):
            start = time.process_time()
            work()
            best[n] = min(best[n], time.process_time() - start)
    return best


def main() -> int:
    corpus = pages()
    repeats = 15

    def ours() -> None:
        extract(corpus)

    def bare() -> None:
        parse(corpus)

    def trafi() -> None:
        for url, text in corpus:
            trafilatura.extract(text, url=url)

    ours()
    trafi()  # warm-up
    t_ours, t_bare, t_trafi = best_of(repeats, ours, bare, trafi)
    n = len(corpus)
    print(f"pages: {n} (best of {repeats} runs)")
    print(f"interpreter: {sys.executable} (Python {platform.python_version()})")
    print(f"ministry-feeds page objects + normalise: {t_ours / n * 1000:7.3f} ms/page")
    print(f"trafilatura.extract:                     {t_trafi / n * 1000:7.3f} ms/page")
    print(f"bare lxml.html parse:                    {t_bare / n * 1000:7.3f} ms/page")
    vs_trafi, vs_bare = t_ours / t_trafi, t_ours / t_bare
    print(f"ours / trafilatura = {vs_trafi:.2f}  (target <= {TRAFILATURA_TARGET:.2f})")
    print(f"ours / bare parse  = {vs_bare:.2f}  (target <= {BARE_TARGET:.2f})")
    return 0 if vs_trafi <= TRAFILATURA_TARGET and vs_bare <= BARE_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
