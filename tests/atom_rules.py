"""RFC 4287 (Atom) and RFC 5005 (archived feeds) rules, checked on a published document."""

from __future__ import annotations

import re

import feedparser
from lxml import etree

A = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def one(parent, name: str, where: str) -> etree._Element:
    found = parent.findall(f"{A}{name}")
    assert len(found) == 1, f"{where}: {len(found)} <{name}> elements, RFC 4287 wants exactly one"
    return found[0]


def check_document(data: bytes, where: str) -> etree._Element:
    """Every rule this project promises of a published Atom document; returns the root."""
    parsed = feedparser.parse(data)
    assert not parsed.bozo, f"{where}: feedparser: {parsed.get('bozo_exception')}"
    root = etree.fromstring(data)
    assert root.tag == f"{A}feed", where
    assert IRI.match(one(root, "id", where).text), f"{where}: feed id is not an absolute IRI"
    assert one(root, "title", where).text
    assert RFC3339.match(one(root, "updated", where).text), f"{where}: feed updated is not RFC 3339"
    feed_has_author = root.find(f"{A}author/{A}name") is not None
    selfs = [link for link in root.findall(f"{A}link") if link.get("rel") == "self"]
    assert len(selfs) == 1, f"{where}: needs one self link"
    assert selfs[0].get("href").startswith(("http://", "https://")), f"{where}: self link not absolute"
    for link in root.iter(f"{A}link"):
        assert link.get("href", "").startswith(("http://", "https://")), f"{where}: relative link {link.get('href')}"
    ids = []
    for entry in root.findall(f"{A}entry"):
        entry_id = one(entry, "id", where).text
        assert IRI.match(entry_id), f"{where}: entry id {entry_id!r} is not an absolute IRI"
        ids.append(entry_id)
        assert one(entry, "title", where).text
        assert RFC3339.match(one(entry, "updated", where).text)
        for published in entry.findall(f"{A}published"):
            assert RFC3339.match(published.text)
        assert feed_has_author or entry.find(f"{A}author/{A}name") is not None, f"{where}: no author"
        alternates = [link for link in entry.findall(f"{A}link") if link.get("rel", "alternate") == "alternate"]
        assert entry.find(f"{A}content") is not None or alternates, f"{where}: entry without content or link"
        pairs = [(link.get("type"), link.get("hreflang")) for link in alternates]
        assert len(pairs) == len(set(pairs)), f"{where}: alternate links with the same type and hreflang"
        assert entry.get(XML_LANG), f"{where}: entry without xml:lang"
    assert len(ids) == len(set(ids)), f"{where}: duplicate entry ids"
    return root


def links(root: etree._Element) -> dict[str, str]:
    return {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}


def is_archive(root: etree._Element) -> bool:
    return root.find(f"{FH}archive") is not None
