"""``scrapy explore [FILE] [--port 8001]``: the archive in Datasette, read-only, on 127.0.0.1.

Full-text search of titles and bodies (the archive's trigram index, schema version 4), facets by
source, language, type, tag and year, and canned queries (latest, edited and removed statements,
briefings' questions by outlet, text of any length): ``explore/metadata.yml``. No Datasette plugin.

What it opens: FILE when given (an SQLite archive, or a snapshot that ``scrapy export --sqlite
FILE`` wrote); else the archive of ``MF_ARCHIVE_URL``: an SQLite archive as it is (read-only: a
crawl may go on writing it, and new statements show on the next page load), a PostgreSQL archive
through a snapshot written now into a temporary folder and deleted when Datasette stops.

Datasette opens an SQLite file read-only (``mode=ro``; a snapshot ``immutable``) and has no way to
write without plugins; it listens on 127.0.0.1 only. ``--port 0`` takes any free port. Exit 2 with
one line for a bad argument, a busy port or a missing archive; 1 when the archive cannot be read
or Datasette fails; 0 after Ctrl-C.
"""

from __future__ import annotations

import errno
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from scrapy.commands import ScrapyCommand

from crawler.commands import EXIT_USAGE, one_line_usage_errors
from crawler.store import ArchiveError, ArchiveMissing, ArchiveURL, ArchiveURLError, archive_url, open_archive
from crawler.store.copying import write_snapshot

if TYPE_CHECKING:
    import argparse

METADATA = Path(__file__).resolve().parent.parent.parent / "explore" / "metadata.yml"
HOST = "127.0.0.1"
#: Datasette settings: long bodies cut in table cells, time for facets over a large archive.
SETTINGS = {"truncate_cells_html": "200", "facet_time_limit_ms": "2000", "sql_time_limit_ms": "5000",
            "default_page_size": "50"}


class ExploreError(ValueError):
    """A request that cannot be served; one line for the user."""


def datasette_metadata(database: str) -> dict[str, Any]:
    """``explore/metadata.yml`` with its database block (keyed ``archive``) filed under the name
    Datasette gives the file it opens (its stem), links included."""
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    metadata["databases"] = {database: metadata["databases"]["archive"]}
    metadata["description_html"] = metadata["description_html"].replace('href="/archive/', f'href="/{database}/')
    return metadata


def free_port(port: int) -> int:
    """``port`` if it can be listened on at 127.0.0.1 (any free one for 0); ExploreError if not."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError as error:
            reason = "already in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error))
            raise ExploreError(f"--port {port}: cannot listen ({reason})") from None
        return probe.getsockname()[1]


def datasette_command(database: Path, port: int, metadata: Path, *, immutable: bool) -> list[str]:
    """The ``datasette serve`` command line (Datasette from this environment)."""
    command = [sys.executable, "-m", "datasette", "serve", "--host", HOST, "--port", str(port),
               "--metadata", str(metadata)]
    command += ["--immutable", str(database)] if immutable else [str(database)]
    for name, value in SETTINGS.items():
        command += ["--setting", name, value]
    return command


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[FILE] [--port 8001]"

    def short_desc(self) -> str:
        return "Explore the archive in Datasette (read-only, on 127.0.0.1)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_usage_errors(parser, "explore")
        parser.add_argument("--port", default="8001", help="port to listen on, 0 for any free one (default: 8001)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        workspace = Path(tempfile.mkdtemp(prefix="mf-explore-"))
        try:
            self.exitcode = self._explore(args, opts, workspace)
        except ExploreError as error:
            self._say(str(error))
            self.exitcode = EXIT_USAGE
        finally:
            shutil.rmtree(workspace, ignore_errors=True)

    def _explore(self, args: list[str], opts: argparse.Namespace, workspace: Path) -> int:
        assert self.settings is not None
        if len(args) > 1:
            raise ExploreError(f"unexpected arguments: {' '.join(args[1:])}")
        if not opts.port.isascii() or not opts.port.isdigit() or int(opts.port) > 65535:
            raise ExploreError(f"--port {opts.port}: not a port number (0 to 65535)")
        port = free_port(int(opts.port))
        if args and not Path(args[0]).is_file():
            raise ExploreError(f"{args[0]}: no such file")
        try:
            url = ArchiveURL.parse(Path(args[0])) if args else archive_url(self.settings)
            database, immutable = self._database(url, workspace)
        except (ArchiveURLError, ArchiveMissing) as error:
            raise ExploreError(str(error)) from None
        except ArchiveError as error:
            self._say(str(error))
            return 1
        metadata = workspace / "metadata.json"
        metadata.write_text(json.dumps(datasette_metadata(database.stem), ensure_ascii=False), encoding="utf-8")
        process = subprocess.Popen(datasette_command(database, port, metadata, immutable=immutable))
        signal.signal(signal.SIGTERM, _interrupted)  # stopped by a service manager: Datasette stops too
        try:
            if not _listening(port, process):
                self._say(f"Datasette did not start (exit code {process.poll()})")
                return 1
            self._say(f"exploring {url.redacted()} at http://{HOST}:{port}/"
                      f"{database.stem}/statements (read-only; Ctrl-C to stop)")
            process.wait()
        except KeyboardInterrupt:
            pass
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        return 0 if process.returncode in (0, -signal.SIGINT, -signal.SIGTERM) else 1

    def _database(self, url: ArchiveURL, workspace: Path) -> tuple[Path, bool]:
        """(the SQLite file Datasette opens, whether it is immutable)."""
        if url.is_sqlite:
            assert url.path is not None
            # Brings an archive of an older schema (one without the index) up to date first.
            open_archive(url, readonly=True).close()
            return url.path, False
        snapshot = workspace / "archive.sqlite3"
        open_archive(url, readonly=True).close()  # a server that is down: one line, no progress said first
        self._say(f"writing an SQLite snapshot of {url.redacted()} to explore (scrapy export --sqlite FILE keeps one)")
        write_snapshot(url, snapshot)
        return snapshot, True

    @staticmethod
    def _say(message: str) -> None:
        print(f"scrapy explore: {' '.join(message.split())}", file=sys.stderr, flush=True)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _listening(port: int, process: subprocess.Popen, timeout: float = 60) -> bool:
    """Wait until something answers on the port (True), or the process ends or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((HOST, port)) == 0:
                return True
        time.sleep(0.1)
    return False
