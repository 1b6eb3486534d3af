"""``scrapy export``: statements as JSON Lines, to a file or stdout, optionally gzipped.

Filters: --source, --language, --type, --tag, --since, --until (dates, inclusive, on the local
date of publication), --versions latest|all, --include-removed, --include-repeats. A bad request
(unknown source or type, a language no source has, a date that does not parse, an output path
that cannot be written) is one line on stderr and exit code 2, with nothing written; a tag that no
statement has is said on stderr (the answer is empty, not an error).

``--segments``: briefings as question–answer pairs instead of statements, one JSON line per
question with its answer (:mod:`feeds.qa`, ``schema/qa_pair.schema.json``), from the same filters
(another ``--type`` than ``briefing`` is a bad request).

Instead of JSON Lines: ``--warc FILE`` writes the selection's archived raw pages as a WARC file
(:mod:`feeds.warc`; the same filters, ``--versions all`` for the page of every version);
``--sqlite FILE`` writes an SQLite snapshot of the whole archive (every table, checked row by row
against the source, with the full-text index: what ``scrapy explore`` opens for a PostgreSQL
archive). Both are written beside their target and renamed at the end.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand

from crawler.commands import EXIT_USAGE, one_line_usage_errors
from crawler.files import write_target
from crawler.paths import cannot_write_in
from crawler.sources import SOURCES
from crawler.store import ArchiveError, ArchiveMissing, ArchiveURLError, archive_url, open_archive
from crawler.store.copying import DestinationInUse, write_snapshot
from feeds.dumps import dump_keys
from feeds.jsonl import ExportError, ExportQuery, count, lines, parse_day, write_lines
from feeds.qa import QATally, check_query, count_briefings, encode_qa, qa_lines
from feeds.warc import write_warc

if TYPE_CHECKING:
    import argparse

    from crawler.store import ArchiveStore


class Progress:
    """A progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, unit: str = "statements") -> None:
        self.total = total
        self.unit = unit
        self.active = sys.stderr.isatty()

    def __call__(self, done: int) -> None:
        if not self.active:
            return
        share = done / self.total if self.total else 1.0
        bar = "#" * int(share * 30)
        sys.stderr.write(f"\r[{bar:<30}] {done}/{self.total} {self.unit}")
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _as_asked(message: str, target: Path) -> str:
    """``message`` naming the snapshot file asked for where it names the temporary files it is
    made in beside it (``.NAME.snapshot-PID``, ``..NAME.snapshot-PID.copy-PID``, as an archive
    URL or a path): a failed write is the file asked for's."""
    temporary = re.compile(rf"(?:sqlite:///)?{re.escape(str(target.parent))}/\.+{re.escape(target.name)}"
                           rf"\.snapshot-\d+(?:\.copy-\d+)?")
    return temporary.sub(str(target), message)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[-o FILE[.gz] | --warc FILE.warc[.gz] | --sqlite FILE] [--segments] [--source S] [--language L] " \
               "[--type T] [--tag TAG] [--since D] [--until D] [--versions latest|all] [--include-removed]"

    def short_desc(self) -> str:
        return "Export statements from the archive as JSON Lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_usage_errors(parser, "export")
        parser.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
        parser.add_argument("--gzip", action="store_true", help="gzip the output (implied by a .gz file)")
        parser.add_argument("--warc", metavar="FILE", help="write the selection's raw pages as a WARC file "
                            "(.warc, or .warc.gz gzipped by record) instead of JSON Lines")
        parser.add_argument("--sqlite", metavar="FILE", help="write an SQLite snapshot of the whole archive "
                            "(for scrapy explore, Datasette or any SQLite tool) instead of JSON Lines")
        parser.add_argument("--segments", action="store_true",
                            help="briefings as question-answer pairs: one line per question with its answer")
        parser.add_argument("--source")
        parser.add_argument("--language")
        parser.add_argument("--type")
        parser.add_argument("--tag")
        parser.add_argument("--since", metavar="YYYY-MM-DD")
        parser.add_argument("--until", metavar="YYYY-MM-DD")
        parser.add_argument("--versions", default="latest", help="latest (default) or all")
        parser.add_argument("--include-removed", action="store_true", help="also statements gone from the site")
        parser.add_argument("--include-repeats", action="store_true",
                            help="also copies of a document archived from a second site (see same_as)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        try:
            if args:
                raise ExportError(f"unexpected arguments: {' '.join(args)}")
            outputs = [name for name, value in (("-o", opts.output), ("--warc", opts.warc), ("--sqlite", opts.sqlite))
                       if value is not None]
            if len(outputs) > 1:
                raise ExportError(f"{' and '.join(outputs)}: give one output")
            for option in ("source", "language", "type", "tag", "since", "until"):
                value = getattr(opts, option)
                if value is not None and not value.strip():  # (an empty filter was read as none)
                    raise ExportError(f"--{option} {value!r}: no value given")
            if opts.segments and (opts.warc is not None or opts.sqlite is not None):
                raise ExportError(f"--segments writes JSON Lines: not with {'--warc' if opts.warc else '--sqlite'}")
            query = ExportQuery(
                source=opts.source, language=opts.language, type=opts.type, tag=opts.tag,
                since=parse_day(opts.since, "--since") if opts.since is not None else None,
                until=parse_day(opts.until, "--until") if opts.until is not None else None,
                versions=opts.versions, include_removed=opts.include_removed,
                include_repeats=opts.include_repeats,
            ).check()
            if opts.segments:
                check_query(query)
            target = self._target(outputs[0] if outputs else None, opts.warc or opts.sqlite or opts.output)
            if target is not None:
                self._not_the_archive(outputs[0], target)
            if opts.sqlite is not None:
                if query != ExportQuery():
                    raise ExportError("--sqlite writes the whole archive: filters apply to JSON Lines and --warc")
                self._snapshot(target)
                return
            store = open_archive(archive_url(self.settings), readonly=True)
        except (ExportError, ArchiveURLError, ArchiveMissing) as error:
            print(f"scrapy export: {error}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        except ArchiveError as error:
            print(f"scrapy export: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        try:
            self._export(store, query, target, opts)
        except BrokenPipeError:  # `scrapy export | head`: the reader has what it wanted
            if target is not None:
                print(f"scrapy export: {target}: the reader closed it (Broken pipe)", file=sys.stderr)
                self.exitcode = 1
            else:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError as error:  # the output could not be written (a full disk, an I/O error)
            where = "standard output" if target is None else (error.filename or target)
            print(f"scrapy export: {where}: {error.strerror or error}", file=sys.stderr)
            self.exitcode = 1
            if target is None:  # what is still buffered for stdout would fail again at exit
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except ExportError as error:
            print(f"scrapy export: {error}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
        except ArchiveError as error:  # the archive failed while read: the output file is not written
            print(f"scrapy export: {error}", file=sys.stderr)
            self.exitcode = 1
        finally:
            store.close()

    def _export(self, store: ArchiveStore, query: ExportQuery, target: Path | None,
                opts: argparse.Namespace) -> None:
        self._check_against_archive(store, query)
        if opts.warc is not None:
            assert target is not None
            self._warc(store, query, target)
            return
        compress = opts.gzip or (target is not None and target.suffix == ".gz")
        if opts.segments:
            self._pairs(store, query, target, compress)
            return
        progress = Progress(count(store, query))
        written = write_lines(lines(store, query), target, compress=compress, progress=progress)
        if target is not None:
            print(f"{written} statements written to {target}", file=sys.stderr)

    @staticmethod
    def _pairs(store: ArchiveStore, query: ExportQuery, target: Path | None, compress: bool) -> None:
        tally = QATally()
        progress = Progress(count_briefings(store, query), unit="briefings")
        written = write_lines(qa_lines(store, query, tally, progress), target, compress=compress,
                              encoder=encode_qa)
        if target is not None:
            print(f"{written} question-answer pairs from {tally.with_pairs} of {tally.read} briefings written to "
                  f"{target}", file=sys.stderr)

    def _warc(self, store: ArchiveStore, query: ExportQuery, target: Path) -> None:
        result = write_warc(target, store, query.selection(), all_versions=query.versions == "all")
        if result.without_raw_page:
            shown = ", ".join(result.without_raw_page[:5]) + (" …" if len(result.without_raw_page) > 5 else "")
            print(f"scrapy export: {len(result.without_raw_page)} selected versions have no raw page linked in the "
                  f"archive: {shown}", file=sys.stderr)
        print(f"{result.responses} raw pages ({result.versions} statement versions) written to {target}",
              file=sys.stderr)

    def _snapshot(self, target: Path | None) -> None:
        assert self.settings is not None and target is not None
        try:
            checks = write_snapshot(archive_url(self.settings), target)
        except ArchiveError as error:
            print(f"scrapy export: {_as_asked(str(error), target)}", file=sys.stderr)
            # (no archive yet, or the snapshot asked to replace the archive itself: a bad command line)
            self.exitcode = EXIT_USAGE if isinstance(error, (ArchiveMissing, DestinationInUse)) else 1
            return
        except OSError as error:  # the snapshot could not be written (a full disk, a reader gone)
            shown = _as_asked(str(error.filename or target), target)
            print(f"scrapy export: {shown}: {error.strerror or error}", file=sys.stderr)
            self.exitcode = 1
            return
        rows = {check.table: check.copied_rows for check in checks}
        print(f"SQLite snapshot written to {target}: {rows['documents']} statements, {rows['versions']} versions, "
              f"{rows['fetches']} fetches; every table checked against the archive", file=sys.stderr)

    @staticmethod
    def _check_against_archive(store: ArchiveStore, query: ExportQuery) -> None:
        """ExportError for a language that no source has (in the registry or the archive: GOV.UK
        translations bring others); a tag that no statement has is said on stderr (a valid,
        empty answer)."""
        if query.language is not None:
            sources = [SOURCES[query.source]] if query.source else list(SOURCES.values())
            languages = {language for source in sources for language in source.languages}
            languages |= {language for source, language, _ in dump_keys(store) if query.source in (None, source)}
            if query.language not in languages:
                whose = f"{query.source} has no statement" if query.source else "no source has statements"
                raise ExportError(f"--language {query.language}: {whose} in this language (languages: "
                                  f"{', '.join(sorted(languages))})")
        if query.tag is not None:
            anywhere = ExportQuery(tag=query.tag, versions="all", include_removed=True, include_repeats=True)
            if not count(store, anywhere):
                print(f"scrapy export: --tag {query.tag}: no statement has this tag (tags match exactly, as "
                      "written in the feeds' categories)", file=sys.stderr)

    def _not_the_archive(self, option: str, target: Path) -> None:
        """ExportError when ``target`` is the SQLite archive's own file, or its write-ahead log,
        shared-memory or journal file (symbolic links followed): the export would destroy it."""
        assert self.settings is not None
        url = archive_url(self.settings)
        if not url.is_sqlite or url.path is None or str(url.path) == ":memory:":
            return
        written = target.resolve()
        for suffix, what in (("", "the archive itself"), ("-wal", "the archive's write-ahead log"),
                             ("-shm", "the archive's shared-memory file"), ("-journal", "the archive's journal")):
            if written == url.path.with_name(url.path.name + suffix).resolve():
                raise ExportError(f"{option} {target}: is {what}")

    @staticmethod
    def _target(option: str | None, output: str | None) -> Path | None:
        """The output file given as ``option`` (-o, --warc, --sqlite), checked before anything is
        read: its folder (a symbolic link's target's) must exist and take a new file; a FIFO or
        device is written in place; a folder is an ExportError."""
        if output in (None, "-"):
            return None
        target = Path(output)
        try:
            written, streaming = write_target(target)
        except IsADirectoryError:
            raise ExportError(f"{option} {target}: is a folder, not a file") from None
        except OSError as error:  # a loop of symbolic links, say
            raise ExportError(f"{option} {target}: {error.strerror or error}") from None
        if streaming:  # a FIFO or device (/dev/stdout): written in place
            return target
        folder = written.parent if str(written.parent) else Path(".")
        problem = cannot_write_in(folder)
        if problem is not None:
            raise ExportError(f"{option} {target}: folder {folder} {problem}")
        return target
