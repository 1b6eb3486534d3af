"""The shared body work's fast paths (chrome removal, the body's HTML, its text read from the tree)
against the general code they stand in for, on tricky and generated markup: the outputs must be
the same, character for character."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crawler.normalise import html as body_html
from crawler.normalise.html import sanitised_text
from crawler.normalise.text import clean_inline, join_paragraphs
from crawler.pages import ParseError, cleanup, mid, mid_archive
from crawler.pages.cleanup import Chrome, clean_element, inner_html, parse_document

URL = "https://mid.ru/en/foreign_policy/news/1819686/"
_CHROME = Chrome("article-line__note", tags=("h1",))


def _body(markup: str) -> etree._Element:
    return parse_document(URL, f"<html><body><div class='text a'>{markup}</div></body></html>").find(".//body/div")


# --- the general code, as it was before the fast paths -----------------------------------------
def _general_inner_html(root: etree._Element) -> str:
    """The element serialised with its attributes taken off, its own tag cut off."""
    tag, attributes = root.tag, dict(root.attrib)
    root.tag = "div"
    root.attrib.clear()
    try:
        html = etree.tostring(root, encoding="unicode", method="html", with_tail=False)
    finally:
        root.tag = tag
        root.attrib.update(attributes)
    return html[len("<div>"):-len("</div>")].strip()


def _general_drop_empty(wrappers: list[etree._Element]) -> None:
    for element in reversed(wrappers):
        if (element.text and element.text.strip(cleanup._BLANKS)) or cleanup._STRING(element).strip(cleanup._BLANKS):
            continue
        if next(element.iter("img", "table"), None) is None:
            cleanup.drop(element)


def _general_drop_link_blocks(root: etree._Element, page_url: str | None, links: list[etree._Element]) -> None:
    counts: dict[etree._Element, list[int]] = {}  # element → [in-page chars, other chars, in-page n, other n]
    back_links: list[etree._Element] = []
    for link in links:
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:")):
            continue
        text = cleanup._STRING(link)
        inward = cleanup._in_page(href, page_url)
        if inward and cleanup.BACK_LINK.fullmatch(clean_inline(text)):
            back_links.append(link)
            continue
        length = cleanup._visible_length(text)
        slot = 0 if inward else 1
        for ancestor in link.iterancestors():
            if ancestor is root:
                break
            entry = counts.setdefault(ancestor, [0, 0, 0, 0])
            entry[slot] += length
            entry[slot + 2] += 1
    for link in back_links:  # inline back links, and the blocks they leave empty
        parent = link.getparent()
        cleanup.drop(link)
        if parent is not None and parent is not root and cleanup.is_blank(parent) \
                and next(parent.iterdescendants("img", "table"), None) is None:
            cleanup.drop(parent)
    if not counts:
        return
    body_length = cleanup._visible_length(cleanup._STRING(root))
    anchor_blocks: list[etree._Element] = []
    link_blocks: list[etree._Element] = []
    judged: set[etree._Element] = set()  # blocks removed, and everything inside them
    for element in root.iter():
        if judged and element.getparent() in judged:
            judged.add(element)
            continue
        if element not in counts or element.tag not in cleanup._BLOCKS:
            continue
        inward, outward, inward_n, outward_n = counts[element]
        length = cleanup._visible_length(cleanup._STRING(element))
        if not length or length >= 0.9 * body_length:
            continue
        if inward_n and not outward_n and inward >= cleanup._ANCHOR_DENSITY * length:
            anchor_blocks.append(element)
        elif cleanup._is_link_list(element, outward, outward_n, length, counts):
            link_blocks.append(element)
        else:
            continue
        judged.add(element)
    removed = set(anchor_blocks) | set(link_blocks)
    headings: list[etree._Element] = []
    for block in anchor_blocks:
        before = cleanup._significant_sibling(block, forward=False)
        if before is None or before in removed or not cleanup._is_heading(before):
            continue
        # The contents heading ("Contents", or any heading over two links into the page or
        # more), or a sub-heading between two parts of the contents ("Answers to media questions:").
        if cleanup.CONTENTS.fullmatch(cleanup.text_of(before)) or counts[block][2] >= 2 \
                or cleanup._significant_sibling(before, forward=False) in anchor_blocks:
            headings.append(before)
    for block in link_blocks:
        before = cleanup._significant_sibling(block, forward=False)
        if before is not None and before not in removed and cleanup.RELATED.fullmatch(cleanup.text_of(before)):
            headings.append(before)
    for element in anchor_blocks + link_blocks + headings:
        cleanup.drop(element)


def _general_clean_element(url: str, root: etree._Element, chrome: Chrome | None) -> None:
    found, links, wrappers = cleanup.body_walk(root, chrome)  # (the walk itself is unchanged)
    for element in found:
        cleanup.drop(element)
    _general_drop_link_blocks(root, url, links)
    _general_drop_empty(wrappers)
    if cleanup.is_blank(root):
        raise ParseError(url, "empty_body")


def _general_rebuilt(element, parent, kept, scope, in_p, in_a) -> bool:
    tag = element.tag
    if (tag in body_html._NOTABLE or parent in body_html._TABLE_CONTENT) \
            and body_html._rebuilt_here(element, parent, kept, scope, in_p, in_a):
        return True
    if element.tag in body_html._TABLE_CONTENT \
            and any(child.tail and child.tail.strip(body_html._XML_SPACE) for child in element):
        return True  # text after a table part's children: moved out of the table
    if not len(element):
        return False
    if tag in body_html.ALLOWED_TAGS and not (tag in body_html._CONTAINERS and body_html._is_wrapper(element)):
        kept = tag
    if tag in body_html._ITEM_SCOPE:
        scope = tag
    in_p, in_a = in_p or tag == "p", in_a or tag == "a"
    return any(_general_rebuilt(child, tag, kept, scope, in_p, in_a) for child in element)


def _general_sanitised_text(root: etree._Element) -> str | None:
    if any(_general_rebuilt(child, None, None, None, False, False) for child in root):
        return None
    if not (root.text and not root.text.isspace()) \
            and not any(child.tail and not child.tail.isspace() for child in root):
        paragraphs = body_html._flat_paragraphs(root)
        if paragraphs is not None:
            return "\n\n".join(paragraphs)
    return join_paragraphs(body_html._paragraphs(root, body_html._AS_SANITISED))


def _cleaned(clean, markup: str, chrome: Chrome | None) -> tuple[str, str | None]:
    root = _body(markup)
    try:
        clean(URL, root, chrome)
    except ParseError as error:
        return "error", error.args[-1] if error.args else None
    return etree.tostring(root, encoding="unicode", with_tail=False), None


# --- generated markup --------------------------------------------------------------------------
_TAGS = ("p", "div", "span", "a", "b", "strong", "em", "i", "font", "br", "ul", "ol", "li", "dl", "dt", "dd", "h2",
         "h3", "table", "tbody", "tr", "td", "th", "caption", "colgroup", "col", "blockquote", "pre", "section",
         "center", "hr", "img", "script", "iframe", "noscript", "nobr", "svg", "sup", "figure", "figcaption",
         "nav", "o:p")
_TEXTS = ("a", "b c", " ", "\n", "\u00a0", "\u200b", "\u3000", "Q:", "See also", "Contents", "Back to top", "x\ty",
          "1.", "\u200c")
_STARTS = ("", ' href="/x"', ' href="#2"', ' href="/a.pdf"', ' class="share"', ' class="article-line__note"',
           ' title="a>b"', ' start="3"', ' href="#2"', ' href="/y"', ' href="https://mid.ru/en/foreign_policy/news/1819686/#3"')


def _markup(depth: int = 3):
    text = st.sampled_from(_TEXTS)
    if depth == 0:
        return text
    element = st.builds(lambda tag, start, inner, close: f"<{tag}{start}>{''.join(inner)}" + (f"</{tag}>" * close),
                        st.sampled_from(_TAGS), st.sampled_from(_STARTS), st.lists(_markup(depth - 1), max_size=4),
                        st.booleans())
    return st.one_of(text, element)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_markup(), min_size=1, max_size=6), st.booleans())
def test_cleaning_is_the_general_codes_on_generated_markup(parts, with_chrome):
    markup = "".join(parts)
    chrome = _CHROME if with_chrome else None
    assert _cleaned(clean_element, markup, chrome) == _cleaned(_general_clean_element, markup, chrome)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_markup(), min_size=1, max_size=6))
def test_text_read_from_the_tree_is_the_general_codes_on_generated_markup(parts):
    root = _body("".join(parts))
    assert sanitised_text(root) == _general_sanitised_text(root)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["class", "title", "href", "data-x", "hidden", "src"]),
                       st.text(alphabet="a <>&\"'=/\u00a0ё", max_size=6), max_size=4))
def test_the_bodys_html_is_the_general_codes_whatever_its_attributes(attributes):
    root = _body("<p>One <b>two</b></p>three<br>")
    root.attrib.clear()
    root.attrib.update(attributes)
    before = dict(root.attrib)
    assert inner_html(root) == _general_inner_html(root) == "<p>One <b>two</b></p>three<br>"
    assert dict(root.attrib) == before and root.tag == "div"


# --- tricky inputs, real values ----------------------------------------------------------------
@pytest.mark.parametrize(("start", "html"), [
    ('<div class="x">', "<p>a</p>"),
    ('<div title="a>b" class="c">', "<p>a</p>"),  # a ">" in a value: the first ">" is not the tag's end
    ('<section data-x="<p>">', "<p>a</p>"),
    ("<article hidden>", "<p>a</p>"),
    ('<div href="x>y">', "x<br>y"),
])
def test_the_bodys_html_whatever_its_start_tag(start, html):
    tag = start[1:start.index(" ") if " " in start else -1]
    root = parse_document(URL, f"<html><body>{start}{html}</{tag}></body></html>").find(f".//body/{tag}")
    assert inner_html(root) == _general_inner_html(root) == html
    assert root.tag == tag


@pytest.mark.parametrize(("markup", "cleaned"), [
    # a wrapper holding text keeps its parents, a blank one goes (its tail stays)
    ("<div><p><span>a</span></p><p><span> </span></p>b</div>", "<div><p><span>a</span></p>b</div>"),
    # text only in the tail of a blank wrapper's child: the wrapper holds it
    ("<p><span>\u00a0</span><b></b>x</p>", "<p>x</p>"),
    # only the blanks of the rule are nothing (an ideographic space is not one), a zero-width space is
    ("<p>a</p><div><span>\u3000</span></div><p><b>\u200b</b></p>", "<p>a</p><div><span>\u3000</span></div>"),
    # a wrapper with an image or a table stays, blank as it is
    ("<p>a</p><div><span><img src='/i.png'></span></div>", '<p>a</p><div><span><img src="/i.png"></span></div>'),
    # a contents list and its heading, a back link, a "See also" list of links with its heading
    ("<p>Contents</p><ul><li><a href='#1'>One</a></li><li><a href='#2'>Two</a></li></ul>"
     "<p>Text here long enough to be text of the body.</p><p><a href='#top'>Back to top</a></p>"
     "<p>See also</p><ul><li><a href='/x'>Xxxx</a></li><li><a href='/y'>Yyyy</a></li></ul>",
     "<p>Text here long enough to be text of the body.</p>"),
    # a link list inside blocks; a back link beside another link: the paragraph stays
    ("<div><p>Text of the body, long enough.</p><p><span><a href='#top'>Back to top</a></span><a href='/z'>z</a></p>"
     "<div><ul><li><a href='/x'>Xxxx</a></li><li><a href='/y'>Yyyy</a></li></ul></div></div>",
     '<div><p>Text of the body, long enough.</p><p><a href="/z">z</a></p></div>'),
])
def test_wrappers_left_empty_and_link_blocks(markup, cleaned):
    root = _body(markup)
    clean_element(URL, root, _CHROME)
    assert inner_html(root) == cleaned
    assert _cleaned(clean_element, markup, _CHROME) == _cleaned(_general_clean_element, markup, _CHROME)


@pytest.mark.parametrize("markup", [
    "<p><span> </span></p><div>\u00a0<b>\u200b</b></div>",
    "<nav>Menu</nav><p class='share'>x</p>",
    "<p><a href='#top'>Back to top</a></p>",
    "<div>\u00a0<p>\ufeff<b>\u2060</b></p></div>",
])
def test_a_body_left_with_no_text_is_an_error(markup):
    with pytest.raises(ParseError, match="empty_body"):
        clean_element(URL, _body(markup), _CHROME)
    assert _cleaned(_general_clean_element, markup, _CHROME)[0] == "error"


@pytest.mark.parametrize(("markup", "text"), [
    ("<p>One <b>two</b></p><h2>Three</h2>\n<p></p><p> </p>", "One two\n\nThree"),
    ("<p>a<br>b</p><p>c</p>", "a\nb\n\nc"),  # a line break: the general walk
    ("<p>a</p>tail<p>b</p>", "a\n\ntail\n\nb"),  # text between blocks: the general walk
    ("<p>a</p><ul><li>b</li></ul>", "a\n\nb"),
    ("<p>x<sup>1</sup> <span><em>y</em></span></p>", "x1 y"),
    ("<p>a<nobr>b</nobr></p>", None),  # a tag the sanitiser's parser reads otherwise, below a paragraph
    ("<p>a<span><iframe></iframe></span></p>", None),
    ("<h2>a<span><a href='/1'>b<span><a href='/2'>c</a></span></a></span></h2>", None),  # a link in a link
    ("<p>a<span><li>b</li></span></p>", None),  # an item that closes the paragraph
    ("<p>a<span><td>b</td></span></p>", None),  # a table part out of its table
    ("<p>a<span><svg></svg>b</span></p>", None),
    # notable tags below a block that the parsers leave in place: the general walk
    ("<blockquote><em>a</em><span><hr></span></blockquote>", "a"),
    ("<blockquote><em>a</em><span><p>b</p></span></blockquote>", "a\n\nb"),
    ("<h3>a<b><ol><li>x</li></ol></b></h3>", "a\n\n1. x"),
    ("<dd>a<b>b</b></dd>", "ab"),
    ("<figcaption><span>a</span> <span>b</span></figcaption>", "a b"),
    ("<table><tr><td><p>a</p></td><td>b</td></tr></table>", "a\tb"),
    # rows: each cell judged in line (_rebuilt_row), its tail too
    ("<table><tbody><tr><th>h</th><td></td><td colspan='2'>a<br>b</td></tr>\n<tr><td><ol><li> </li></ol></td>"
     "<td>\n<p>x</p>\n</td></tr></tbody></table>", "h\ta b\n\n1.\tx"),
    ("<table><tr><td>a</td>b<td>c</td></tr></table>", None),  # text between cells: moved out
    ("<table><tr><td>a</td>\u00a0<td>c</td></tr></table>", None),  # a no-break space is text there
    ("<table><tr><td>a</td><!-- c --><td>c</td></tr></table>", "a\tc"),  # (the parser drops comments)
    ("<table><tr><td><p>a<span><li>b</li></span></p></td></tr></table>", None),  # below a cell
    ("<table><tr><td><table><tr><td>a</td></tr>b</table></td></tr></table>", None),  # a table in a cell
    ("<table><tr><td></td>x</tr></table>", None),
    ("<ul><li><table><tr><td><li>a</li></td></tr></table></li></ul>", "a"),  # a cell is an item's scope
])
def test_text_read_from_tricky_markup(markup, text):
    root = _body(markup)
    assert sanitised_text(root) == _general_sanitised_text(root) == text


def test_a_table_part_is_notable():
    # the text's fast path leaves the parts below a block unjudged when none of their tags is
    # notable: a table part's children are judged whatever their tags
    assert frozenset(body_html._TABLE_CONTENT) <= body_html._NOTABLE
    assert body_html._AS_SANITISED.flat.isdisjoint(body_html._TABLE_CONTENT)


def test_cleaning_the_fixture_bodies_is_the_general_codes():
    from tests.conftest import fixture_response, manifest

    bodies = 0
    for url in sorted(manifest()):
        if "mid.ru/" not in url:
            continue
        chrome = mid_archive._BODY_CHROME if "archive.mid.ru" in url else mid._BODY_CHROME
        for body in parse_document(url, fixture_response(url).text).iter("div"):
            if "text" not in (body.get("class") or "").split():
                continue
            ours, general = copy.deepcopy(body), copy.deepcopy(body)
            try:
                _general_clean_element(url, general, chrome)
            except ParseError:
                with pytest.raises(ParseError):
                    clean_element(url, ours, chrome)
                continue
            clean_element(url, ours, chrome)
            assert inner_html(ours) == _general_inner_html(general)
            assert sanitised_text(ours) == _general_sanitised_text(general)
            bodies += 1
    assert bodies >= 40


@pytest.mark.parametrize("start", ['<div title="&#1;">', '<div title="&#1;>" class="a>b">', "<div title='\"&gt;'>"])
def test_a_body_whose_attribute_holds_a_control_character_is_serialised_and_left_as_it_was(start):
    # The general code took the attributes off and set them back, which lxml refuses for a value
    # holding a control character: the page was lost with a ValueError (a fresh-eyes review).
    root = parse_document(URL, f"<html><body>{start}<p>a &gt; b</p>c</div></body></html>").find(".//body/div")
    before = dict(root.attrib)
    assert inner_html(root) == "<p>a &gt; b</p>c"
    assert dict(root.attrib) == before and root.tag == "div"
