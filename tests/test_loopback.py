"""The loopback test server: keep-alive connections without Nagle's stall, ETags and 304s."""

from __future__ import annotations

import http.client

from tests.conftest import FIXTURES
from tests.loopback import LoopbackSite

LISTING = "/en/foreign_policy/news/"


def test_a_kept_alive_connection_has_tcp_nodelay_and_answers_every_request():
    with LoopbackSite(FIXTURES) as site:
        connection = http.client.HTTPConnection("127.0.0.1", site.server.server_address[1], timeout=10)
        bodies = []
        for _ in range(5):
            connection.request("GET", LISTING)
            response = connection.getresponse()
            bodies.append((response.status, response.read()))
        connection.close()
    assert site.nodelay == [True]  # one connection for the five requests, without Nagle's algorithm
    assert site.hits[LISTING] == 5
    assert {status for status, _ in bodies} == {200}
    assert bodies[0][1] == site.original(LISTING)
    assert len({body for _, body in bodies}) == 1


def test_etag_answers_304():
    with LoopbackSite(FIXTURES) as site:
        connection = http.client.HTTPConnection("127.0.0.1", site.server.server_address[1], timeout=10)
        connection.request("GET", LISTING)
        first = connection.getresponse()
        first.read()
        connection.request("GET", LISTING, headers={"If-None-Match": first.getheader("ETag")})
        second = connection.getresponse()
        assert (second.status, second.read()) == (304, b"")
        connection.close()
    assert site.statuses[(LISTING, 200)] == 1 and site.statuses[(LISTING, 304)] == 1
