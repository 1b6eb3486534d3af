"""``scrapy diff ID [--from N] [--to M]``: what changed between two archived versions of a statement,
word by word, for a terminal.

Without ``--to``, the latest version; without ``--from``, the one before ``--to``. Colour (ANSI)
only when stdout is a terminal and ``NO_COLOR`` is unset or empty (https://no-color.org), unless
``--color always|never`` says otherwise; without colour, words are marked
``[-deleted-]{+inserted+}`` as wdiff does. Exit 0 with the diff (or, for a statement of one
version, a note on stderr); 2 with one line for an unknown id or version or a bad option; 1 when
the archive cannot be read.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand

from crawler.commands import EXIT_USAGE, one_line_usage_errors
from crawler.store import ArchiveError, ArchiveMissing, ArchiveURLError, archive_url, open_archive
from feeds.diff import diff_statements, render_text

if TYPE_CHECKING:
    import argparse

    from crawler.store import ArchiveStore


class DiffError(ValueError):
    """A request that names no archived statement or version; one line for the user."""


def wants_colour(choice: str, stream: object = None) -> bool:
    """Whether to colour: ``always``, ``never``, or ``auto`` (a terminal, and ``NO_COLOR`` unset
    or empty, and ``TERM`` not ``dumb``)."""
    if choice != "auto":
        return choice == "always"
    stream = stream if stream is not None else sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "ID [--from N] [--to M] [--color auto|always|never] [--context CHARS]"

    def short_desc(self) -> str:
        return "Show what changed between two archived versions of a statement"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_usage_errors(parser, "diff")
        parser.add_argument("--from", dest="old", type=int, metavar="N", help="the older version (default: M - 1)")
        parser.add_argument("--to", dest="new", type=int, metavar="M", help="the newer version (default: the latest)")
        parser.add_argument("--color", "--colour", dest="colour", choices=("auto", "always", "never"), default="auto",
                            help="colour the words changed (auto: on a terminal, unless NO_COLOR is set)")
        parser.add_argument("--context", type=int, metavar="CHARS",
                            help="unchanged characters kept around each change in a paragraph (default: all)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        try:
            if len(args) != 1:
                raise DiffError("give one statement id (usage: scrapy diff " + self.syntax() + ")")
            if opts.context is not None and opts.context < 0:
                raise DiffError(f"--context {opts.context}: give a number of characters, 0 or more")
            store = open_archive(archive_url(self.settings), readonly=True)
        except (DiffError, ArchiveURLError, ArchiveMissing) as error:
            self._fail(str(error), EXIT_USAGE)
            return
        except ArchiveError as error:
            self._fail(str(error), 1)
            return
        try:
            with store.snapshot():
                text = self._diff(store, args[0], opts)
        except DiffError as error:
            self._fail(str(error), EXIT_USAGE)
            return
        except ArchiveError as error:
            self._fail(str(error), 1)
            return
        finally:
            store.close()
        if text is None:
            return
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:  # `scrapy diff ID | head`: the reader has what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    def _diff(self, store: ArchiveStore, doc_id: str, opts: argparse.Namespace) -> str | None:
        latest = store.get(doc_id)
        if latest is None:
            raise DiffError(f"{doc_id}: no such statement in the archive")
        count = latest["version"]
        new = opts.new if opts.new is not None else count
        old = opts.old if opts.old is not None else new - 1
        for option, number in (("--to", new), ("--from", old)):
            if not 1 <= number <= count and not (option == "--from" and opts.old is None and number == 0):
                raise DiffError(f"{option} {number}: {doc_id} has versions 1 to {count}")
        if old == 0:
            note = "has one version only" if count == 1 else "version 1 is its first"
            print(f"scrapy diff: {doc_id} {note}: nothing to compare", file=sys.stderr)
            return None
        older, newer = store.version(doc_id, old), store.version(doc_id, new)
        if older is None or newer is None:
            raise DiffError(f"{doc_id}: version {old if older is None else new} is not archived")
        colour = wants_colour(opts.colour)
        bold, plain = ("\x1b[1m", "\x1b[0m") if colour else ("", "")
        header = [f"{bold}{doc_id}{plain}  {newer['title']}", newer["url"],
                  f"version {old} (fetched {older['fetched_at']}) → version {new} (fetched {newer['fetched_at']})"]
        if latest.get("removed_at"):
            header.append(f"removed from the site {latest['removed_at']}")
        diff = diff_statements(older, newer)
        body = render_text(diff, colour=colour, context=opts.context) if diff else "no change\n"
        return "\n".join(header) + "\n" + body

    def _fail(self, message: str, code: int) -> None:
        print(f"scrapy diff: {' '.join(message.split())}", file=sys.stderr)
        self.exitcode = code
