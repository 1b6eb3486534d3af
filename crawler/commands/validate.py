"""``scrapy validate``: check every statement in the archive (each version with ``--versions
all``) against the published JSON Schema. Exit 0 when all are valid; 1 with one line per
invalid statement (its id, URL and the reasons) otherwise. For CI and for operators after a
schema change."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand

from crawler.commands import EXIT_USAGE, one_line_usage_errors
from crawler.pipelines.validate import schema_errors
from crawler.store import ArchiveError, ArchiveMissing, ArchiveURLError, archive_url, open_archive
from feeds.jsonl import LINE_FIELDS, ExportQuery, lines

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--versions latest|all]"

    def short_desc(self) -> str:
        return "Check every archived statement against the JSON Schema"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_usage_errors(parser, "validate")
        parser.add_argument("--versions", default="latest", help="latest (default) or all")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        problem = None
        if args:
            problem = f"unexpected arguments: {' '.join(args)}"
        elif opts.versions not in ("latest", "all"):
            problem = f"--versions {opts.versions}: say latest or all"
        if problem:
            print(f"scrapy validate: {problem}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        try:
            store = open_archive(archive_url(self.settings), readonly=True)
        except (ArchiveURLError, ArchiveMissing) as error:
            print(f"scrapy validate: {error}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        except ArchiveError as error:
            print(f"scrapy validate: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        checked = invalid = 0
        try:
            query = ExportQuery(versions=opts.versions, include_removed=True, include_repeats=True)
            for line in lines(store, query):
                checked += 1
                errors = schema_errors({name: line.get(name) for name in LINE_FIELDS})
                if errors:
                    invalid += 1
                    print(f"{line.get('id')} v{line.get('version')} {line.get('url')}: {'; '.join(errors)}",
                          file=sys.stderr)
        except ArchiveError as error:  # the archive failed while read
            print(f"scrapy validate: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        finally:
            store.close()
        print(f"{checked} statements checked, {invalid} invalid", file=sys.stderr)
        self.exitcode = 1 if invalid else 0
