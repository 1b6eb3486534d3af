"""Custom scrapy commands: update, publish, serve, export, validate, extract, reextract, diff, explore,
archive, and crawl (Scrapy's, with its spider arguments checked first).

Every command answers a bad argument or a missing path with one line on stderr naming it,
``scrapy NAME: …``, and exit code 2 (EX_USAGE of sysexits.h is 64; 2 is what argparse and
Scrapy use), never a traceback. An archive that cannot be opened, read or written is one line
naming it and the reason (:class:`crawler.store.ArchiveError`), exit code 1.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    import argparse

EXIT_USAGE = 2


def one_line_usage_errors(parser: argparse.ArgumentParser, command: str) -> None:
    """Make the parser's errors (an unknown option, a missing value, Scrapy's UsageError) one line
    ``scrapy COMMAND: message`` and exit 2, instead of argparse's usage block."""

    def error(message: str) -> NoReturn:
        print(f"scrapy {command}: {message}".replace("\n", " "), file=sys.stderr)
        sys.exit(EXIT_USAGE)

    parser.error = error  # type: ignore[method-assign]
