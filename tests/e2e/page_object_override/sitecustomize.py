"""Test-only: mid.ru's article page object as a later release changes it, in one rule — the date
line is found under a second class name (``photo-content__dateline``) as well as the first.

tests/e2e/test_reextract.py puts this folder first on ``PYTHONPATH`` of one ``scrapy reextract``
process; Python imports a ``sitecustomize`` module it finds there at start-up, so that process
runs with the changed rule and every other process (the crawl) without it. Nothing else of the
project is replaced.
"""

from lxml import etree

from crawler.pages import mid

#: The class the changed rule also reads the date line from.
SECOND_DATE_CLASS = "photo-content__dateline"
_parts = mid._parts


def _parts_with_second_date_class(article):
    parts = _parts(article)
    if parts.date is None:
        parts.date = next((element for element in article.iter(etree.Element)
                           if SECOND_DATE_CLASS in (element.get("class") or "").split()), None)
    return parts


mid._parts = _parts_with_second_date_class
