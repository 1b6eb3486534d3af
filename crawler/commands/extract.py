"""``scrapy extract PATH --url URL``: parse one saved page as if fetched from URL.

Prints the normalised statement as JSON on stdout, its ``translations`` as the page shows them.
A page that cannot become a statement (a challenge page, an unknown URL, a missing title, an
unreadable date) exits 1 with one line on stderr naming the file, the URL and the reason; a PATH
that cannot be read or a bad ``--url`` or ``--encoding`` exits 2, as does one larger than a crawl
downloads (DOWNLOAD_MAXSIZE; a file that is not a regular one, /dev/zero, is read up to it).
The page's charset is decided as in a crawl (header given by ``--encoding``, the page's meta, its
bytes: crawler.normalise.charset), logged at debug level.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import EXIT_USAGE, one_line_usage_errors
from crawler.normalise.charset import decode_page, known_encoding
from crawler.normalise.statement import NormaliseError, normalise
from crawler.pages import ParseError
from crawler.pages.registry import page_class_for
from crawler.pipelines.validate import schema_errors
from crawler.setting_checks import check_settings, given_as, http_url_problem

if TYPE_CHECKING:
    import argparse

    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "PATH --url URL"

    def short_desc(self) -> str:
        return "Parse one saved page as if fetched from URL and print the statement as JSON"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_usage_errors(parser, "extract")
        parser.add_argument("--url", required=True, help="the URL the page was fetched from")
        parser.add_argument("--encoding", help="the charset the page was served with (its HTTP header's); "
                            "weighed with the page's meta and its bytes, as in a crawl")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError(f"give exactly one PATH (got {len(args)})", print_help=False)
        problem = http_url_problem(opts.url)
        if problem is not None:
            raise UsageError(f"--url {opts.url}: {problem}", print_help=False)
        if opts.encoding is not None and not known_encoding(opts.encoding):
            raise UsageError(f"--encoding {opts.encoding}: not a known character encoding", print_help=False)
        assert self.settings is not None
        try:
            check_settings(self.settings, ["DOWNLOAD_MAXSIZE"])
        except ValueError as error:
            raise UsageError(str(error), print_help=False) from None
        path = Path(args[0])
        try:
            body = _read_page(path, self.settings)
        except OSError as error:  # a missing or unreadable PATH is a bad argument: exit 2
            print(f"scrapy extract: {path}: cannot read ({error.strerror or error})", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        except _TooLarge as error:
            print(f"scrapy extract: {path}: {error}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        # --encoding stands for the HTTP header the page was served with: evidence like the rest.
        content_type = f"text/html; charset={opts.encoding}" if opts.encoding else None
        try:
            page_class = page_class_for(opts.url)
            text, choice = decode_page(body, content_type, page_class.charset_hints)
            logger.debug("Charset of %s: %s", path, choice.describe())
            statement = normalise(page_class(opts.url, text).statement())
        except (ParseError, NormaliseError) as error:
            self._fail(f"{path}: {error}")
            return
        item = statement.to_dict()
        errors = schema_errors(item)
        if errors:
            self._fail(f"{path}: {opts.url}: invalid statement ({'; '.join(errors[:3])})")
            return
        json.dump(item, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")

    def _fail(self, message: str) -> None:
        print(message.replace("\n", " "), file=sys.stderr)
        self.exitcode = 1


class _TooLarge(Exception):
    """A page larger than a crawl would download (the message says why, without the file)."""


def _read_page(path: Path, settings: BaseSettings) -> bytes:
    """The bytes of the saved page, at most DOWNLOAD_MAXSIZE of them, as a crawl would take
    (reading its limit + 1 byte to tell). A file that is not a regular one (a device, a pipe)
    is read up to the limit too: /dev/zero would never end. Raises OSError, :class:`_TooLarge`."""
    limit = settings.getint("DOWNLOAD_MAXSIZE")  # (0: no limit, as in a crawl)
    name = given_as(settings, "DOWNLOAD_MAXSIZE")
    with path.open("rb") as handle:
        regular = stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
        if not limit:
            if not regular:
                raise _TooLarge(f"not a regular file, and {name} is 0 (no limit): it might never end")
            return handle.read()
        body = handle.read(limit + 1)
    if len(body) > limit:
        if regular:
            raise _TooLarge(f"larger than {name} ({limit} bytes), the most a crawl downloads")
        raise _TooLarge(f"not a regular file, and more than {name} ({limit} bytes) came from it, the most a "
                        "crawl downloads")
    return body
