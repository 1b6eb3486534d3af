"""A ``JOBDIR`` that can be resumed from, and one that cannot.

Scrapy keeps a paused crawl's state in ``JOBDIR`` (docs: "Jobs: pausing and resuming crawls"):
the requests it has seen (``requests.seen``) and those still to make (``requests.queue/``). It
writes the queue's bookkeeping only when the crawl stops cleanly (Ctrl-C or SIGTERM once; a
``CLOSESPIDER_*`` limit): queuelib's disk queues record their length when they are closed. A
crawl killed (SIGKILL, a crash, the machine stopping) leaves the seen requests on disk but a queue
that cannot be read back: resumed from, it fails to read its queue (in Scrapy's log, not in its
exit code) and never makes the requests it had seen, so a backfill would end silently without
them, and would again each time.

So a crawl with ``JOBDIR`` marks the folder while it runs (:data:`MARKER`, holding its process
id) and removes the mark once Scrapy has closed the queue; :func:`jobdir_problem` reads a mark
left behind, and ``scrapy crawl`` refuses the folder with one line (exit 2) instead of resuming
from it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

#: The mark of a crawl under way in a JOBDIR: a file holding its process id.
MARKER = "ministry-feeds.running"


def _running(pid: int) -> bool:
    """True when process ``pid`` is alive and runs Scrapy (on Linux, from its command line; a
    process id reused by another program is not the crawl)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    try:
        return b"scrapy" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc to tell by: alive is all that is known


def jobdir_problem(jobdir: str | os.PathLike[str]) -> str | None:
    """Why a crawl cannot resume from ``jobdir`` (a crawl in it is under way, or the last one did
    not stop cleanly), or None when it can (no crawl has marked it, or every one stopped cleanly)."""
    marker = Path(jobdir) / MARKER
    try:
        text = marker.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        return f"{marker} cannot be read ({getattr(error, 'strerror', None) or error})"
    pid = int(text) if text.isdigit() else None
    if pid is not None and pid != os.getpid() and _running(pid):
        return f"in use by the crawl running as process {pid}"
    return ("the crawl that used it did not stop cleanly (killed, or its machine stopped), so the queue of requests "
            "Scrapy saved there cannot be resumed from; remove the folder and start again (what was archived "
            "stays, and archived articles are not fetched again)")


class JobdirMarker:
    """A Scrapy extension, on when ``JOBDIR`` is set: marks the folder while the crawl runs, from
    before the scheduler opens its queue until after it has closed it (``spider_closed`` comes
    after the scheduler's close)."""

    def __init__(self, jobdir: Path) -> None:
        self.marker = jobdir / MARKER

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            raise NotConfigured
        marker = cls(Path(jobdir))
        marker.marker.parent.mkdir(parents=True, exist_ok=True)
        marker.marker.write_text(f"{os.getpid()}\n", encoding="ascii")
        crawler.signals.connect(marker.spider_closed, signal=signals.spider_closed)
        return marker

    def spider_closed(self, spider: Spider) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.marker.unlink()
