"""Inputs the extraction's fast paths must read as the general code does (found by a review of
the speed-ups of issue 17: each failed on a first version of them)."""

from __future__ import annotations

import json
import random
import re
from collections import deque
from urllib.parse import urljoin

import pytest
from lxml import etree

from crawler.normalise.dates import parse_date
from crawler.pages import auswaertiges_amt, gac_ca, mid, mid_archive, registry, segments, state_dept
from crawler.pages.cleanup import parse_document
from crawler.pages.evidence import (
    TAG_BLOCK,
    _resolved,
    head_alternates,
    language_versions,
    meta_contents,
    meta_published,
)
from crawler.pages.markers import MID, STATE_DEPT
from crawler.pages.segments import read_segments
from tests.conftest import fixture_response

_PARSER = etree.HTMLParser(encoding="utf-8")


@pytest.mark.parametrize("attribute", ['xml:lang="ru"', '@click="open()"', ':class="c"', 'v-on:click="f"'])
def test_a_labelled_paragraph_of_plain_text_keeps_html_attributes_xml_cannot_name(attribute):
    # _without_prefix's fast path builds etree.Element(tag, attrib), which refuses attribute names
    # libxml2's HTML parser accepts; the deep copy before it did not.
    html = f"<p>Question: What is it?</p><p {attribute}>Answer: Nothing.</p>"
    segments = read_segments(html, MID)
    assert [(s.kind, s.text) for s in segments] == [("question", "What is it?"), ("answer", "Nothing.")]
    assert segments[1].html == f"<p {attribute}>Nothing.</p>"


def test_a_state_dept_answer_with_a_namespaced_attribute():
    html = '<p>QUESTION: What?</p><p xml:lang="en">MR PRICE: Nothing.</p>'
    segments = read_segments(html, STATE_DEPT)
    assert [(s.kind, s.speaker, s.text) for s in segments] == [("question", None, "What?"),
                                                                ("answer", "MR PRICE", "Nothing.")]


def test_an_absolute_language_link_broken_over_a_line_is_read_as_browsers_read_it():
    # urljoin (urlsplit) drops ASCII tabs and newlines from a URL, as the WHATWG URL parser does;
    # the absolute-link shortcut hands the href on with its newline.
    page = ('<html><body><a hreflang="en" href="https://www.auswaertiges-amt.de/en/newsroom/news/icg-\n2776128">'
            "English</a></body></html>")
    root = etree.fromstring(page.encode(), _PARSER)
    versions = language_versions(root, "https://www.auswaertiges-amt.de/de/newsroom/presse/icg-2776130", "de",
                                 auswaertiges_amt._read_url)
    assert versions == {"en": "https://www.auswaertiges-amt.de/en/newsroom/news/icg-2776128"}


_GAC_EN = "https://www.canada.ca/en/global-affairs/news/2026/09/minister-anand-meets-with-japans-foreign-minister.html"
_GAC_FR = ("https://www.canada.ca/fr/affaires-mondiales/nouvelles/2026/09/"
           "la-ministre-anand-rencontre-le-ministre-des-affaires-etrangeres-du-japon.html")


@pytest.mark.parametrize("written", ['hreflang="fr"', 'hrefLang="fr"', 'HREFLANG="fr"', "hreflang=fr"])
def test_a_language_switchers_hreflang_is_read_however_its_name_is_written(written):
    # HTML attribute names are case-insensitive (React's server rendering writes "hrefLang"), and the
    # parsers give them in lower case: the source's spelling of the name tells nothing. The page
    # without its head's alternates, so that its switcher is the only evidence.
    text = fixture_response(_GAC_EN).text
    text = re.sub(r'<link rel="alternate" hreflang="[a-z]+" href="[^"]+">\n', "", text)
    assert text.count('hreflang="fr"') == 1
    page = gac_ca.GacNewsPage(_GAC_EN, text.replace('hreflang="fr"', written))
    assert page.statement().translations == {"fr": _GAC_FR}


_OLD_PAGE = "https://archive.mid.ru/ru/kommentarii/-/asset_publisher/2MrVt3CzL5sw/content/id/4005408"


@pytest.mark.parametrize(("base", "href", "joined"), [
    (_OLD_PAGE, "https://www.mid.ru/en/comments/-/asset_publisher/2MrVt3CzL5sw/content/id/4005408",
     "https://www.mid.ru/en/comments/-/asset_publisher/2MrVt3CzL5sw/content/id/4005408"),
    (_OLD_PAGE, "https://www.mid.ru", "https://www.mid.ru"),
    (_OLD_PAGE, "http://www.mid.ru/en/x", "http://www.mid.ru/en/x"),
    # a link with a host is not normalised: dot segments, empty segments and a port stay as written
    (_OLD_PAGE, "https://www.mid.ru/en/a/../b/./c", "https://www.mid.ru/en/a/../b/./c"),
    (_OLD_PAGE, "https://www.mid.ru//en", "https://www.mid.ru//en"),
    (_OLD_PAGE, "https://www.mid.ru:443/en", "https://www.mid.ru:443/en"),
    ("", "https://www.mid.ru/en/x", "https://www.mid.ru/en/x"),
    # urlunparse drops an empty query, fragment or ;params
    (_OLD_PAGE, "https://www.mid.ru/en/x?", "https://www.mid.ru/en/x"),
    (_OLD_PAGE, "https://www.mid.ru/en/x?a=1#", "https://www.mid.ru/en/x?a=1"),
    (_OLD_PAGE, "https://www.mid.ru/en/x;", "https://www.mid.ru/en/x"),
    # urlsplit drops tabs and newlines and lower-cases the scheme
    (_OLD_PAGE, "https://www.mid.ru/en/\nx", "https://www.mid.ru/en/x"),
    (_OLD_PAGE, "HTTPS://www.mid.ru/en/x", "https://www.mid.ru/en/x"),
    # ... but a link of another scheme than the base's is handed back as given, tab and all
    (_OLD_PAGE, "http://www.mid.ru/en/\tx", "http://www.mid.ru/en/\tx"),
    # no host: the base's
    (_OLD_PAGE, "https:///en/x", "https://archive.mid.ru/en/x"),
])
def test_a_language_link_is_resolved_as_urljoin_resolves_it(base, href, joined):
    assert urljoin(base, href) == joined
    assert _resolved(base, href) == joined


@pytest.mark.parametrize(("base", "href"), [
    (_OLD_PAGE, "https://[::1/x"),  # an IPv6 host without its closing bracket
    ("https://[::1/", "https://www.mid.ru/en/x"),
    (_OLD_PAGE, "https://\u2100.example/x"),  # a host that NFKC turns into a/c
    ("https://\u2100.example/", "https://www.mid.ru/en/x"),
])
def test_a_link_urljoin_refuses_is_refused_by_the_shortcut_too(base, href):
    with pytest.raises(ValueError):
        urljoin(base, href)
    with pytest.raises(ValueError):
        _resolved(base, href)


def test_absolute_links_of_every_shape_are_resolved_as_urljoin_resolves_them():
    # Random links built from the characters urllib treats specially, on bases of every kind.
    pieces = [*"hHtTsS:/?#;[]@.%a1 \t\n\r\x00\x01\x1f\x7fé\u2100=&", "http://", "https://", "//"]
    bases = [_OLD_PAGE, "http://archive.mid.ru/ru/", "", "https://[::1]/", "https://h[/", "ftp://h/p",
             "https://é.example/", "https://\u2100.example/", "HTTPS://H/", "/relative", "mailto:x@y"]
    draw = random.Random(17)

    def outcome(join, base, href):
        try:
            return join(base, href)
        except ValueError as error:
            return repr(error)

    for _ in range(20000):
        href = "".join(draw.choice(pieces) for _ in range(draw.randint(0, 12)))
        href = draw.choice(["", "http://", "https://"]) + href
        base = draw.choice(bases)
        assert outcome(_resolved, base, href) == outcome(urljoin, base, href), (base, href)


def test_every_class_of_an_old_site_part_holds_one_of_the_marks_the_walk_looks_for():
    # _parts splits a class attribute into tokens only when it holds one of _PART_MARKS.
    names = (mid_archive._STATUS_CLASS, mid_archive._NOTE_CLASS, *mid_archive._NUMBER_CLASSES,
             mid_archive._BODY_CLASS, *mid_archive._TAG_CLASSES)
    assert all(any(mark in name for mark in mid_archive._PART_MARKS) for name in names)


def test_every_class_of_a_current_site_part_and_every_tag_block_word_holds_one_of_the_marks():
    # mid._parts splits a class attribute into tokens only when it holds one of _PART_MARKS.
    names = (mid._DATE_CLASS, mid._NUMBER_CLASS, mid._BODY_CLASS, *TAG_BLOCK.pattern.split("|"))
    assert all(any(mark in name for mark in mid._PART_MARKS) for name in names)
    assert set(TAG_BLOCK.pattern.split("|")) == {"tags", "tag-list", "categories", "keywords"}  # plain words


def test_a_day_that_does_not_exist_is_none_before_the_zone_is_looked_up():
    assert parse_date("31 February 2022", "No/Such") is None
    assert parse_date("1 May 2022 25:00", "No/Such") is None


def test_a_page_opening_with_an_xml_declaration_is_read_whatever_encoding_it_names():
    # The page is decoded already: the parser reads its UTF-8, never the declaration (a str with
    # one was refused by lxml before the pages were parsed from bytes).
    for encoding in ("UTF-8", "windows-1251", "UTF-16"):
        root = parse_document("https://example.org/x", f'<?xml version="1.0" encoding="{encoding}"?>'
                              "<html><body><p>Привет</p></body></html>")
        assert root.findtext(".//p") == "Привет"


@pytest.mark.parametrize(("head", "expected"), [
    ('<meta name="PubDate" content="2024-05-01 10:00">', "2024-05-01 10:00"),
    ('<meta property="article:published_time" content="2024-05-01T10:00:00+03:00">', "2024-05-01T10:00:00+03:00"),
    ('<meta itemprop="datePublished" content="2024-05-01">', "2024-05-01"),
    ('<meta name="DC.date.issued" content="2024-05-01">', "2024-05-01"),
    ('<meta name="&#80;ubDate" content="2024-05-01">', "2024-05-01"),  # a letter as a reference
    ('<meta name="P&#x75;bDate" content="2024-05-02">', "2024-05-02"),
    ('<meta property="article&colon;published&lowbar;time" content="2024-05-03">', "2024-05-03"),
    ('<meta name="dcterms&period;issued" content="2024-05-04">', "2024-05-04"),
    ('<meta name="description" content="Nothing published here">', None),
    # a meta's name in any case (HTML §4.2.5.1: compared ASCII case-insensitively)
    ('<meta name="pubDate" content="2024-05-01">', "2024-05-01"),
    ('<meta name="PUBDATE" content="2024-05-06">', "2024-05-06"),
    ('<meta name="DCTERMS.ISSUED" content="2024-05-07">', "2024-05-07"),
    ('<meta name="p&#x55;bdate" content="2024-05-08">', "2024-05-08"),
    ('<meta name="description" content="Nothing"><meta name="PubDaté" content="2024-05-09">', None),
    # ... a property (RDFa) and an itemprop (microdata) as written
    ('<meta property="Article:Published_Time" content="2024-05-01">', None),
    ('<meta itemprop="DatePublished" content="2024-05-01">', None),
    # ... each of their tokens (HTML §5.2.3: an itemprop is a set of tokens; RDFa Core 1.1 §5.4: a
    # property a list of terms), split on ASCII white space
    ('<meta itemprop="dateCreated datePublished" content="2024-05-10">', "2024-05-10"),
    ('<meta itemprop=" datePublished\n" content="2024-05-11">', "2024-05-11"),
    ('<meta property="article:published_time og:updated_time" content="2024-05-12">', "2024-05-12"),
    ('<meta itemprop="datePublished\u00a0x" content="2024-05-13">', None),  # (a no-break space is no separator)
    ('<meta name="pubdate x" content="2024-05-14">', None),  # (a name is one name)
    ('<meta name="pubdatex" content="2024-05-01">', None),  # not a name the rule knows
    ('<meta name="description" content="PubDate">', None),  # a name as another attribute's value
    ('<meta content="PubDate" itemprop="x"><meta content="2024-05-05" itemprop="datePublished">', "2024-05-05"),
    ("", None),
])
def test_the_metadata_date_is_read_under_every_name_the_rule_knows_however_it_is_spelled(head, expected):
    page = f"<html><head><title>T</title>{head}</head><body><p>Text</p></body></html>"
    assert meta_published(parse_document("https://example.org/x", page)) == expected


def test_the_metadata_date_is_not_read_from_the_body():
    # a teaser's microdata there gives another article's date
    page = ('<html><head><title>T</title></head><body><p>Text</p><aside><article itemscope>'
            '<meta itemprop="datePublished" content="2020-01-01"><a href="/other">Other</a></article></aside>'
            '</body></html>')
    assert meta_published(parse_document("https://example.org/x", page)) is None


@pytest.mark.parametrize("name", ["keywords", "Keywords", "KEYWORDS"])
def test_a_metas_content_is_found_whatever_the_case_of_its_name(name):
    page = (f'<html><head><meta name="{name}" content="a; b"><meta content="c" NAME="{name}">'
            f'<meta name="{name}"><meta name="keywordsx" content="d"><meta property="{name}" content="e">'
            '</head><body><p>Text</p></body></html>')
    assert meta_contents(parse_document("https://example.org/x", page), "keywords") == ["a; b", "c"]


_FMPRC_EN = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202411/t20241128_11535555.html"


@pytest.mark.parametrize(("url", "written", "spelled"), [
    (_FMPRC_EN, 'name="Keywords"', 'name="keywords"'),
    (_FMPRC_EN, 'name="Keywords"', 'name="KEYWORDS"'),
    (_GAC_EN, 'name="keywords"', 'name="Keywords"'),
])
def test_a_pages_keyword_tags_are_read_however_the_metas_name_is_written(url, written, spelled):
    text = fixture_response(url).text
    assert text.count(written) == 1
    read = registry.page_class_for(url)
    as_saved = read(url, text).statement()
    respelled = read(url, text.replace(written, spelled)).statement()
    assert as_saved.tags and respelled.tags == as_saved.tags
    assert respelled.title == as_saved.title


@pytest.mark.parametrize("rel", ["alternate", "Alternate", "ALTERNATE", "alternate\tx", " x  ALTERNATE\n"])
def test_head_alternates_read_a_link_type_in_any_case(rel):
    # link types are ASCII case-insensitive (HTML §4.6.1), separated by ASCII white space
    text = fixture_response(_GAC_EN).text.replace('<link rel="alternate" hreflang', f'<link rel="{rel}" hreflang')
    root = parse_document(_GAC_EN, text)
    assert head_alternates(root, _GAC_EN, "en", gac_ca._read_url) == {"fr": _GAC_FR}


@pytest.mark.parametrize("rel", ["alternate\u00a0x", "alternates"])
def test_head_alternates_need_the_link_type_itself(rel):
    text = fixture_response(_GAC_EN).text.replace('<link rel="alternate" hreflang', f'<link rel="{rel}" hreflang')
    root = parse_document(_GAC_EN, text)
    assert head_alternates(root, _GAC_EN, "en", gac_ca._read_url) == {}


_STATE_ARTICLE = ("https://www.state.gov/releases/office-of-the-spokesperson/2025/07/"
                  "designation-of-a-transnational-criminal-organization/")


@pytest.mark.parametrize("rel", ["rel='shortlink'", 'rel="ShortLink"', "rel='SHORTLINK nofollow'"])
def test_a_state_dept_pages_post_id_is_read_from_its_shortlink_in_any_case(rel):
    text = fixture_response(_STATE_ARTICLE).text
    assert text.count("rel='shortlink'") == 1
    statement = state_dept.StateArticlePage(_STATE_ARTICLE, text.replace("rel='shortlink'", rel)).statement()
    assert statement.site_id == "104187"


def _html(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode", with_tail=False)


@pytest.mark.parametrize(("html", "count", "expected"), [
    ("<p><strong>Question:</strong> What is it?</p>", 9, "<p>What is it?</p>"),
    ('<p class="c"><span class="r"><b>Вопрос:</b>  Как?<i>x</i></span> y</p>', 7,
     '<p class="c"><span class="r">Как?<i>x</i></span> y</p>'),
])
def test_a_label_in_bold_is_cut_as_the_walk_cuts_it(html, count, expected):
    element = etree.fromstring(html)
    assert _html(segments._without_prefix(element, count)) == expected
    assert _html(segments._cut_prefix(element.__copy__(), count)) == expected
    assert _html(element) == html  # the paragraph itself unchanged


def _shapes():
    """Paragraphs opening with a chain of first children, each part varied where the fast path of
    _without_prefix tests it: text before, tags, the label's text, what follows in its tail."""
    texts = [None, "", " ", "x"]
    tails = [None, "", " ", " \u00a0", "  What?", "What? ", "\u3000问"]
    for outer_text in texts:
        for middle in ([], ["span"], ["span", "i"], ["br"], ["img"]):
            for leaf in ("strong", "b", "br", "img"):
                for label in (None, "", "Q:", " Q:"):
                    for tail in tails:
                        chain = "".join(f"<{tag}>" for tag in middle)
                        close = "".join(f"</{tag}>" for tag in reversed(middle))
                        inner = f"<{leaf}>{label or ''}</{leaf}>" if label is not None else f"<{leaf}/>"
                        html = f"<p>{outer_text or ''}{chain}{inner}{tail or ''}<em>more</em> end{close}</p>"
                        yield html


def test_the_fast_path_of_without_prefix_agrees_with_the_walk():
    checked = fast = 0
    parser = etree.HTMLParser()
    for html in _shapes():
        element = etree.fromstring(html, parser).find(".//p")
        for count in range(5):
            expected = _html(segments._cut_prefix(element.__copy__(), count))
            assert _html(segments._without_prefix(element, count)) == expected, (html, count)
            checked += 1
            fast += bool(segments._label_depth(element, count))
    assert checked > 4000 and fast > 100  # both ways taken, many times


@pytest.mark.parametrize(("pattern", "needs"), [
    (segments._LABEL_LIKE.pattern, True),
    (r"\s*(?:Question|Вопрос)\s*[:：]", True),
    (r"(?:A|B:)", False),  # in one branch only
    (r"(?:A:|B：)", True),
    (r"Q\s*[:：]?", False),  # optional
    (r"Q(?::)+", True),
    (r"Q(?=:)", False),  # looked at, not matched
    (r"Q[^:]", False),
    (r"Q[:;]", False),
    (r"(?i)q\s*:", True),
    (r"有记者问(?:及|到)?", False),
])
def test_a_pattern_needs_a_colon_only_when_every_match_holds_one(pattern, needs):
    assert segments._needs_colon(re.compile(pattern)) is needs


def test_paragraphs_without_a_colon_are_read_as_when_every_rule_is_tried(monkeypatch):
    # The colon guard of _Reader.label and of the unknown-label test, against every rule tried on
    # every paragraph, over the labelled briefings of every source.
    from tests.briefing_set import BRIEFINGS, labelled_pages

    def read_all():
        return [(page.name, page.predicted) for page in labelled_pages()]

    guarded = read_all()
    segments._compile.cache_clear()
    monkeypatch.setattr(segments, "_needs_colon", lambda pattern: False)
    monkeypatch.setattr(segments, "_COLONS", ("", ""))  # every text "holds" one
    try:
        assert read_all() == guarded
    finally:
        segments._compile.cache_clear()
    assert sum(bool(found) for _, found in guarded) > 15 and len(list(BRIEFINGS.glob("*.html"))) == len(guarded)


@pytest.mark.parametrize("text", ["", " ", "Why?", "Why? ", "Why?\n", "Why?\n\n", "Why ?\u3000", "为什么？", "Why?\x1c",
                                  "Why?x", "Yes.", "Yes.\u00a0", "Yes…", "Да!", "好。", "Yes", "?", ".\n", "a\n?"])
def test_a_sentence_and_a_question_end_as_the_patterns_anchored_at_the_end_say(text):
    sentence, question = re.compile(r"[.?!。？！…]\s*$"), re.compile(r"[?？]\s*$")
    assert text.rstrip().endswith(segments._SENTENCE_ENDS) is bool(sentence.search(text))
    assert text.rstrip().endswith(segments._QUESTION_ENDS) is bool(question.search(text))


def test_the_string_values_and_html_a_reader_keeps_are_its_parts():
    # _Segment.values spares reading each part's text again for its visibility and its end;
    # _Segment.htmls, serialising a part again for the segment's HTML.
    from crawler.normalise.html import fragment_root, string_value
    from crawler.pages.markers import MARKERS
    from tests.briefing_set import BRIEFINGS, read_page

    parts = kept = 0
    for path in sorted(BRIEFINGS.glob("*.labels.json")):
        page = read_page(json.loads(path.read_text(encoding="utf-8")))
        reader = segments._Reader(MARKERS[page.source], page.title)
        pending: deque = deque()
        try:
            for block in segments._blocks(fragment_root(page.body_html)):
                pending.extend(segments._paragraphs(block, reader.starts_turn))
                while pending:
                    reader.read(pending.popleft(), pending)
        except segments.Unrecognised:
            pass
        for segment in reader.segments:
            assert segment.values == [string_value(part) for part in segment.parts]
            assert all(html in (None, segments._serialised(part)) for part, html in zip(segment.parts, segment.htmls))
            parts += len(segment.parts)
            kept += sum(html is not None for html in segment.htmls)
    assert parts > 200 and kept > 20
