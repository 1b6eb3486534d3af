"""Test-only, put on PYTHONPATH by tests.e2e.test_update and tests.e2e.test_reextract: a command
waits at one moment, so that a test can send it a signal at that moment and no other. It writes
its process id to the file ``MF_TEST_PAUSE_FILE`` and waits until the test removes the file.
``MF_TEST_PAUSE_AT`` says where: ``start``, as ``scrapy update`` starts its crawler process (the
crawls scheduled, the reactor not yet running); ``startup``, as the reactor starts up (Twisted's
and Scrapy's signal handlers go in then, when they are installed), before the crawls' first
step; ``reextract``, as ``scrapy reextract`` is about to write its first batch."""

import os
import time
from pathlib import Path

_PAUSE = Path(os.environ["MF_TEST_PAUSE_FILE"])
_AT = os.environ["MF_TEST_PAUSE_AT"]


def _pause() -> None:
    _PAUSE.write_text(str(os.getpid()))
    while _PAUSE.exists():  # (a signal's handler runs meanwhile: the sleep is interrupted for it)
        time.sleep(0.01)


def _paused_start(start):
    def paused_start(self, *args, **kwargs):
        if _AT == "start":
            _pause()
        else:
            from twisted.internet import reactor  # the one the crawler process installed

            reactor.addSystemEventTrigger("after", "startup", _pause)
        return start(self, *args, **kwargs)

    return paused_start


def _paused_write(write):
    def paused_write(self, *args, **kwargs):
        if not getattr(self, "_paused", False):
            self._paused = True
            _pause()
        return write(self, *args, **kwargs)

    return paused_write


if _AT == "reextract":
    from crawler.reextract import Reextraction

    Reextraction._write = _paused_write(Reextraction._write)
else:
    from scrapy.crawler import AsyncCrawlerProcess, CrawlerProcess

    for _cls in (AsyncCrawlerProcess, CrawlerProcess):
        _cls.start = _paused_start(_cls.start)
