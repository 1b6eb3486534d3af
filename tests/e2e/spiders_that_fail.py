"""A spider whose first requests cannot be made (its ``start()`` raises), for the test that
``scrapy crawl`` says so and exits 1: named with ``-s SPIDER_MODULES=tests.e2e.spiders_that_fail``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import scrapy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


class NoStart(scrapy.Spider):
    name = "no_start"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        raise RuntimeError("the start requests cannot be made")
        yield scrapy.Request("http://127.0.0.1:9/")  # (a generator, as Scrapy expects)
