"""Shared test helpers: fixture pages read as the crawler would read them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = FIXTURES.parent.parent


def manifest() -> dict[str, dict]:
    """The bundled mirror's manifest: URL → entry."""
    return json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))


def fixture_response(url: str) -> HtmlResponse:
    """The mirror's page for ``url`` as Scrapy would hand it to a callback (charset and all)."""
    entry = manifest()[url]
    body = (FIXTURES / entry["file"]).read_bytes()
    return HtmlResponse(url=url, body=body, headers=entry.get("headers", {}),
                        status=entry.get("status", 200))


@pytest.fixture
def page_text():
    """``page_text(url)``: the decoded text of a mirror page."""
    return lambda url: fixture_response(url).text
