"""Redirected article requests are never dropped as duplicates.

A removed article often redirects to the site's home page. When several do in one run, Scrapy's
duplicate filter would drop the second and later redirects to that same URL: those articles would
get no outcome at all (a known one never marked removed, a new one never recorded as failed).
This middleware sits before Scrapy's RedirectMiddleware in the response path (a higher number
than its 600) and marks an article request that got a redirect as not to be filtered, so the
redirected request Scrapy builds from it (which copies ``dont_filter``) reaches the spider's
callback, which records each outcome. Listing and other requests keep the duplicate filter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

#: Request kinds (``mf_kind``) whose redirects must each reach the spider.
ARTICLE_KINDS = frozenset({"article", "recheck", "retry"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class ArticleRedirectMiddleware:
    """Sets ``dont_filter`` on article requests answered with a redirect (RFC 9110 §15.4)."""

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in _REDIRECTS and request.meta.get("mf_kind") in ARTICLE_KINDS:
            request.dont_filter = True
        return response
