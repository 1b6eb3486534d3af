"""``feeds.opml``: every feed, grouped by ministry and language, for importing into a reader."""

from __future__ import annotations

from itertools import groupby

from lxml import etree

from crawler.normalise.text import clean_inline, xml_safe
from feeds.catalog import FeedSpec, language_name


def render_opml(catalog: list[FeedSpec], base_url: str) -> bytes:
    """OPML 2.0; the same catalog gives the same bytes."""
    base = base_url.rstrip("/") + "/"
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = "ministry-feeds: every feed"
    etree.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = etree.SubElement(opml, "body")

    def group_name(spec: FeedSpec) -> str:
        return spec.source.ministry if spec.source else "All ministries"

    ordered = sorted(catalog, key=lambda s: (s.source is None, group_name(s), s.language, s.kind != "source",
                                             s.kind != "all", s.kind, s.label.lower()))
    for ministry, specs in groupby(ordered, key=group_name):
        ministry_outline = etree.SubElement(body, "outline", text=xml_safe(ministry), title=xml_safe(ministry))
        for language, lang_specs in groupby(specs, key=lambda s: s.language):
            lang_outline = etree.SubElement(ministry_outline, "outline", text=language_name(language))
            for spec in lang_specs:
                etree.SubElement(lang_outline, "outline", type="rss", version="ATOM1",
                                 text=clean_inline(spec.title), title=clean_inline(spec.title),
                                 xmlUrl=base + spec.path,
                                 htmlUrl=spec.source.home_for(spec.language) if spec.source else base)
    return etree.tostring(opml, xml_declaration=True, encoding="UTF-8", pretty_print=True)
