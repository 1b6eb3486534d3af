"""``scrapy archive``: what an archive holds, and moving it to another backend.

- ``scrapy archive info [URL] [--json]``: where the archive is (password masked), its backend,
  schema version and history, size, rows of every table, statements by source and language,
  the change sequence and every crawl target's health. URL defaults to ``MF_ARCHIVE_URL``.
- ``scrapy archive copy SRC_URL DST_URL``: copy every table to a destination that holds no
  archive yet (SQLite to PostgreSQL, or back), then compare each table's rows and checksum on
  both sides; the destination is written atomically, so an interrupted or failed copy leaves
  it as it was.

Exit codes: 0 done; 1 the archive could not be read or the copy failed (one line on stderr);
2 a bad command line or URL, or a destination already in use.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand

from crawler.paths import cannot_write_in
from crawler.store import ArchiveError, ArchiveMissing, ArchiveURL, ArchiveURLError, archive_url, open_archive
from crawler.store.copying import DestinationInUse, copy_archive, describe_checks

if TYPE_CHECKING:
    import argparse

EXIT_FAILED = 1
EXIT_USAGE = 2


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "info [URL] [--json] | copy SRC_URL DST_URL"

    def short_desc(self) -> str:
        return "Describe an archive, or copy it to another backend"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="info: print JSON instead of text")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        action, rest = (args[0], args[1:]) if args else ("", [])
        try:
            if action == "info" and len(rest) <= 1:
                self.exitcode = self._info(rest[0] if rest else None, opts.json)
            elif action == "copy" and len(rest) == 2:
                self.exitcode = self._copy(*rest)
            elif action in ("info", "copy"):
                self._fail(f"{action}: wrong number of arguments (usage: scrapy archive {self.syntax()})", EXIT_USAGE)
            else:
                what = f"unknown action {action!r}" if action else "no action given"
                self._fail(f"{what} (usage: scrapy archive {self.syntax()})", EXIT_USAGE)
        except (ArchiveURLError, ArchiveMissing, DestinationInUse) as error:  # a bad argument, a missing path
            self._fail(str(error), EXIT_USAGE)
        except ArchiveError as error:
            self._fail(str(error), EXIT_FAILED)

    def _fail(self, message: str, code: int) -> None:
        print(f"scrapy archive: {' '.join(message.split())}", file=sys.stderr)
        self.exitcode = code

    def _info(self, url: str | None, as_json: bool) -> int:
        assert self.settings is not None
        with open_archive(url if url is not None else archive_url(self.settings), readonly=True) as store:
            described = store.describe()
        if as_json:
            print(json.dumps(described, ensure_ascii=False, indent=2, default=str))
        else:
            print("\n".join(info_lines(described)))
        return 0

    def _copy(self, source: str, destination: str) -> int:
        def progress(message: str) -> None:
            print(f"  {message}", file=sys.stderr, flush=True)

        ArchiveURL.parse(source, name="SRC_URL")
        target = ArchiveURL.parse(destination, name="DST_URL")
        if target.is_sqlite and target.path is not None and not target.path.exists():
            folder = target.path.parent
            problem = cannot_write_in(folder)
            if problem is not None:  # said of the file asked for, not of the copy's temporary one
                raise ArchiveURLError(f"DST_URL {target}: folder {folder} {problem}")
        checks = copy_archive(source, destination, progress=progress)
        for line in describe_checks(checks):
            print(line)
        statements = next(check.copied_rows for check in checks if check.table == "documents")
        print(f"copied {statements} statements; every table has the source's rows and checksum", file=sys.stderr)
        return 0


def info_lines(described: dict[str, Any]) -> list[str]:
    """``scrapy archive info`` for people."""
    lines = [f"archive: {described['url']}"]
    if described["backend"] == "sqlite":
        lines.append(f"backend: SQLite {described['sqlite_version']}, journal {described['journal_mode']}")
    else:
        lines.append(f"backend: PostgreSQL {described['server_version']} (database {described['database']}, user "
                     f"{described['user']}, host {described['host']}:{described['port']})")
    history = "; ".join(f"{version}: {what} ({at or 'before versions were recorded'})"
                        for version, at, what in described["schema_history"])
    lines.append(f"schema: version {described['schema_version']} [{history}]")
    lines.append(f"size: {described['size_bytes'] / 1e6:.1f} MB")
    lines.append(f"change sequence: {described['change_seq']}")
    lines.append("rows: " + ", ".join(f"{table} {rows}" for table, rows in described["tables"].items()))
    statements = described["statements"]
    lines.append("statements: " + (", ".join(f"{key} {count}" for key, count in statements.items()) or "none"))
    for name, record in described["health"].items():
        error = f" ({record['last_error']})" if record["last_error"] else ""
        success = record["last_success"] or "never"
        lines.append(f"health: {name}: last run {record['last_run']}, last success {success}, "
                     f"{record['consecutive_failures']} consecutive failures{error}")
    return lines
