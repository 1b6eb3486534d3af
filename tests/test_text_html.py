"""Plain-text clean-up, HTML sanitising and the HTML-to-text rendering."""

import json
from html import escape
from pathlib import Path

import nh3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.normalise.html import html_to_text, sanitise
from crawler.normalise.text import clean_inline, clean_paragraph, xml_safe

BASE = "https://mid.ru/en/foreign_policy/news/1819686/"


def test_xml_safe_drops_c0_controls_and_surrogates():
    assert xml_safe("a\x00b\x07c\x1fd\x7fe\ud800f\ufffeg\ty\nz") == "abcdefg\ty\nz"
    assert xml_safe("one\r\ntwo\rthree") == "one\ntwo\nthree"


def test_clean_inline_and_paragraph():
    assert clean_inline("  Foreign\u00a0Ministry\ufeff  statement\n ") == "Foreign Ministry statement"
    assert clean_paragraph("line  one \n\n  line\ttwo ") == "line one\nline two"


def test_clean_inline_gives_printable_text_back_only_when_it_is_clean():
    """The fast path for printable text gives what the full rule gives, for every code point
    (alone between letters, and beside spaces), and the same object for clean text."""
    from crawler.normalise.text import _DROPPED, _XML_ILLEGAL

    clean = "Заявление МИД России: 中文 x"
    assert clean_inline(clean) is clean
    assert clean_inline(" می‌کند ‍ ") == "می‌کند ‍"  # joiners are not printable, and kept
    for code_point in range(0x110000):  # (with no-break spaces too: their own fast path)
        character = chr(code_point)
        for text in (f"a{character}b", f" {character}  z", f"a\xa0{character}b", f"\xa0{character} \xa0z"):
            assert clean_inline(text) == " ".join(_DROPPED.sub("", text).split()), hex(code_point)
    for code_point in range(0x110000):  # XML-safe text: what the pattern alone leaves
        for text in (f"<p>a{chr(code_point)}\tb\n</p>", f"<p>a\xa0{chr(code_point)}</p>"):
            assert xml_safe(text) == _XML_ILLEGAL.sub("", text.replace("\r", "\n")), hex(code_point)
    for code_point in range(0x110000):  # a paragraph's rule, on text with no line break, is the line's
        for text in (f"a{chr(code_point)} b", f"a\xa0{chr(code_point)} b"):
            if code_point not in (0x0A, 0x0D, 0x85):
                assert clean_paragraph(text) == " ".join(_DROPPED.sub("", text).split()), hex(code_point)


def test_sanitise_removes_scripts_styles_handlers_and_absolutises_links():
    html = ('<p onclick="steal()" style="color:red" class="MsoNormal">Text <a href="/en/x/1/">link</a>'
            ' <a href="javascript:alert(1)">bad</a> <img src="img/a.png" onerror="x()"></p>'
            '<script>alert(1)</script><style>p{}</style><iframe src="https://evil.example/"></iframe>')
    out = sanitise(html, BASE)
    assert "script" not in out and "alert" not in out and "style" not in out
    assert "onclick" not in out and "onerror" not in out and "iframe" not in out
    assert "javascript:" not in out
    assert 'href="https://mid.ru/en/x/1/"' in out
    assert 'src="https://mid.ru/en/foreign_policy/news/1819686/img/a.png"' in out
    assert out.startswith("<p>Text ")


def test_sanitise_keeps_tables():
    out = sanitise('<table border="1"><tr><td colspan="2">A</td></tr></table>', BASE)
    assert '<td colspan="2">A</td>' in out and "border" not in out


def test_html_to_text_paragraphs_and_breaks():
    html = "<h3>Heading</h3><p>One <b>bold</b>\n word.</p><p>Line<br>break</p><ul><li>a</li><li>b</li></ul>"
    assert html_to_text(html) == "Heading\n\nOne bold word.\n\nLine\nbreak\n\na\n\nb"


def test_html_to_text_table_rows_keep_numbering():
    html = ('<table><tr><td><ol start="7"><li>&nbsp;</li></ol></td><td><p><strong>Name<br>'
            '(Latin)</strong></p></td><td><p>&ndash;</p></td><td><p>post;</p></td></tr>'
            '<tr><td><ol start="8"><li>&nbsp;</li></ol></td><td>Other</td><td>–</td><td>job</td></tr></table>')
    assert html_to_text(html) == "7.\tName (Latin)\t–\tpost;\n\n8.\tOther\t–\tjob"


def test_html_to_text_is_xml_safe():
    assert html_to_text("<p>a\x0bb\x00c</p>") == "abc"


# --- joiners are letters, not noise (issue 10, item 4) ------------------------------------------
PERSIAN = "گفت\u200cوگوهای بین\u200cالمللی"  # "international talks": two zero-width non-joiners
EMOJI_FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji built by zero-width joiners


def test_zero_width_joiners_are_kept_everywhere_text_is_cleaned():
    assert clean_inline(f"  {PERSIAN}  ") == PERSIAN
    assert clean_paragraph(f"{PERSIAN}\n{EMOJI_FAMILY}") == f"{PERSIAN}\n{EMOJI_FAMILY}"
    assert html_to_text(sanitise(f"<p>{PERSIAN}</p><p>{EMOJI_FAMILY}</p>", BASE)) == f"{PERSIAN}\n\n{EMOJI_FAMILY}"
    assert xml_safe(PERSIAN) == PERSIAN


def test_invisible_noise_is_removed():
    noisy = "soft\u00adhyphen \ufeffbom invisible\u2062times"
    assert clean_inline(noisy) == "softhyphen bom invisibletimes"
    assert html_to_text(f"<p>{noisy}</p>") == "softhyphen bom invisibletimes"


# A WORD JOINER is kept (it marks where a line may not break); a ZERO WIDTH SPACE is noise (issue
# 10: "only noise (U+200B, BOM, soft hyphen) is removed").
JOINED = "word\u2060joiner"


def test_word_joiner_kept_and_zero_width_space_removed():
    assert clean_inline(f"zero\u200bwidth {JOINED}") == f"zerowidth {JOINED}"
    assert clean_paragraph(f"{JOINED}\n\u200b{JOINED}") == f"{JOINED}\n{JOINED}"
    assert html_to_text(sanitise(f"<p>Мини\u200bстерство {JOINED}</p>", BASE)) == f"Министерство {JOINED}"
    assert xml_safe(JOINED) == JOINED


# --- C1 controls (U+0080-U+009F) never reach XML (reviewer's finding 2) -------------------------
def test_c1_controls_are_removed_and_next_line_is_kept_in_html_a_space_in_text():
    assert xml_safe("a\x85b\x80c\x9fd\x96e") == "a\x85bcde"
    assert clean_inline("a\x85b\x80c\x9fd") == "a bcd"
    assert clean_paragraph("a\x85b\nc\x9ad") == "a b\ncd"
    html = "<p>one\x85two\x80three\x9f</p>"
    assert sanitise(html, BASE) == "<p>one\x85twothree</p>"
    assert html_to_text(sanitise(html, BASE)) == "one twothree"


def test_controls_written_as_character_references_never_reach_the_sanitised_html():
    # the parsers decode references: C0 and C1 controls, a carriage return, a non-character
    html = "<p>a&#1;b&#x81;c&#13;d&#xFFFE;e&#X85;f</p><p title='&#2;t'>g</p>"
    assert sanitise(html, BASE) == '<p>abc\nde\u2026f</p><p title="t">g</p>'
    assert sanitise("<p>a&Tab;b&NewLine;c&amp;#1;</p>", BASE) == "<p>a\tb\nc&amp;#1;</p>"


# --- <br><br> separates paragraphs, one <br> breaks a line (issue 10, item 4) ------------------
@pytest.mark.parametrize(("html", "text"), [
    ("<div>One.<br><br>Two.<br><br>Three.<br />Four.</div>", "One.\n\nTwo.\n\nThree.\nFour."),
    ("<p>One.<br>\n  <br/>Two.</p>", "One.\n\nTwo."),                      # white space between
    ("<p>One.<br>&nbsp;<br>Two.</p>", "One.\n\nTwo."),                     # a no-break space between
    ("<p>One.<br><br><br><br>Two.</p>", "One.\n\nTwo."),                   # more than two: one break
    ("<p>One.<br><span> </span><br>Two.</p>", "One.\n\nTwo."),             # empty inline markup between
    ("<p>Line one<br>line two</p><p>Next</p>", "Line one\nline two\n\nNext"),
    ("<p><br><br>Leading breaks</p>", "Leading breaks"),
    ("<p>Trailing<br><br></p><p>Next</p>", "Trailing\n\nNext"),
    ("<td>a<br><br>b</td>", "a\n\nb"),
])
def test_double_line_breaks_separate_paragraphs(html, text):
    assert html_to_text(html) == text


# --- links resolved as nh3 resolves them, by a sanitiser built once (issue 17, item 3) ----------
def _nh3_per_call(html: str, base: str) -> str:
    """The sanitiser as it was configured on every call: nh3 resolving relative links itself (the
    URL Standard's resolution), the oracle :func:`sanitise` must agree with."""
    from crawler.normalise import html as module

    return module.xml_safe(nh3.clean(module.xml_safe(html), tags=module.ALLOWED_TAGS,
                                     attributes=module.ALLOWED_ATTRIBUTES, url_schemes=module.URL_SCHEMES,
                                     url_relative=("rewrite_with_base", base), strip_comments=True,
                                     link_rel="noopener noreferrer")).strip()


_BASES = [BASE, "https://mid.ru/ru/foreign_policy/news/", "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202210/t1.html",
          "https://archive.mid.ru/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2826535",
          "https://www.gov.uk", "http://127.0.0.1:8080/a/b", "https://mid.ru/a/./b", "https://mid.ru/%2e/x",
          "https://mid.ru/a/b?x=1#f", "https://MID.ru/a/", "https://mid.ru/", "https://h/a:b/c", "https://h/a//b"]


@pytest.mark.parametrize("reference", [
    "/en/x/1/", "x/y.pdf", "../up", "../../../../beyond", "./here", ".", "..", "", "?page=2", "#part",
    "a/./b/../c", ";params", "a;p?q#f", "//other.example/x", "1a:b/c", "a%2e%2e/b", "%2e%2e/x", "Ссылка/x",
    "a b", " /lead", "tab\tx", "back\\slash", "it's", 'q?"x"', "c^d|e", "{x}", "[1]", "x%zz", "/a//b/",
    "~user/!$&()*+,=:@", "/path?q=a/../b#frag:x",
])
@pytest.mark.parametrize("base", _BASES)
def test_links_resolve_as_nh3_resolves_them(reference, base):
    html = f'<p><a href="{escape(reference)}">link</a> <img src="{escape(reference)}"></p>'
    assert sanitise(html, base) == _nh3_per_call(html, base)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reference=st.text(alphabet=st.sampled_from(list("aZ09-._~!$&'()*+,;=:@/?#%[]^|{} \\\"<>`ёé2eE.")),
                         max_size=24),
       base=st.sampled_from(_BASES))
def test_any_reference_resolves_as_nh3_resolves_it(reference, base):
    html = f'<a href="{escape(reference)}">x</a>'
    assert sanitise(html, base) == _nh3_per_call(html, base)


# --- the text read from the tree is the text of the sanitised HTML (issue 17, item 3) ---------
_TAGS = ("p", "div", "span", "a", "b", "strong", "em", "br", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3",
         "table", "tbody", "tr", "td", "th", "caption", "blockquote", "pre", "section", "font", "center", "hr",
         "img", "script", "style", "form", "button", "iframe", "noscript", "textarea", "select", "option", "svg",
         "nobr", "sup", "figure", "figcaption", "o:p", "header", "address", "u", "q", "small", "code")
_TEXTS = ("a", "b c", " ", "\n", "\u00a0", "Q:", "&amp;", "x\ty", "1.", "\r\n", "<", "\u200c")


def _markup(depth: int = 3):
    text = st.sampled_from(_TEXTS)
    if depth == 0:
        return text
    element = st.builds(lambda tag, start, inner, close: f'<{tag}{start}>{"".join(inner)}' + (f"</{tag}>" * close),
                        st.sampled_from(_TAGS), st.sampled_from(("", ' start="3"', ' href="/x"', ' style="a"')),
                        st.lists(_markup(depth - 1), max_size=4), st.booleans())
    return st.one_of(text, element)


def _body(markup: str):
    from crawler.pages.cleanup import parse_document

    return parse_document(BASE, f"<html><body><div>{markup}</div></body></html>").find(".//body/div")


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_markup(), min_size=1, max_size=6))
def test_text_read_from_the_tree_is_the_sanitised_htmls(parts):
    from crawler.normalise.html import sanitised_text
    from crawler.pages.cleanup import inner_html

    root = _body("".join(parts))
    text = sanitised_text(root)
    if text is not None:
        assert text == html_to_text(sanitise(inner_html(root), BASE))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_markup(), min_size=1, max_size=6), st.data())
def test_text_read_from_a_segments_parts_is_the_sanitised_htmls(parts, data):
    from lxml import etree

    from crawler.normalise.html import sanitised_text_of

    root = _body("".join(parts))
    children = [child for child in root if isinstance(child.tag, str)]
    chosen = data.draw(st.lists(st.sampled_from(children), unique=True), label="parts") if children else []
    text = sanitised_text_of(chosen)
    if text is not None:
        html = "".join(etree.tostring(node, encoding="unicode", method="html", with_tail=False) for node in chosen)
        assert text == html_to_text(sanitise(html, BASE))


@pytest.mark.parametrize("html", [
    "<p>One <b>bold</b> word.</p><div>Two</div><div>three</div><ol start='3'><li>x</li><li>y</li></ol>",
    "<h1>Title</h1><p>a<br><br>b</p><table><tr><td>1</td><td><p>2</p></td></tr></table>",
    "<ul><li>a<ul><li>b</li></ul></li></ul><dl><dt>t</dt><dd>d</dd></dl><pre>x\n y</pre>",
])
def test_text_read_from_ordinary_markup(html):
    from crawler.normalise.html import sanitised_text
    from crawler.pages.cleanup import inner_html

    root = _body(html)
    assert sanitised_text(root) == html_to_text(sanitise(inner_html(root), BASE))
    assert sanitised_text(root) is not None


@pytest.mark.parametrize("html", [
    "<p>a<div>b</div>c</p>", "<table><tr><td>a</td></tr>stray</table>", "<a href='/1'>a<a href='/2'>b</a></a>",
    "<noscript><p>x</p></noscript>", "<ol><div><li>x</li></div></ol>", "<tr><td>a</td></tr>",
])
def test_markup_the_sanitiser_rebuilds_is_left_to_it(html):
    from crawler.normalise.html import sanitised_text

    root = _body(html)
    if sanitised_text(root) is not None:  # lxml may have rebuilt it the same way already
        from crawler.pages.cleanup import inner_html

        assert sanitised_text(root) == html_to_text(sanitise(inner_html(root), BASE))


# --- on every saved page: what the page objects read from their trees is what normalise would
# --- render from the sanitised HTML, and the segments read from the tree are those of the HTML
def _saved_pages() -> list[tuple[str, Path, str | None]]:
    from tests.conftest import FIXTURES

    pages = []
    for manifest in (FIXTURES / "manifest.json", FIXTURES / "variants" / "manifest.json",
                     *sorted(FIXTURES.glob("cases/*/manifest.json"))):
        for url, entry in json.loads(manifest.read_text(encoding="utf-8")).items():
            if entry["file"].endswith(".html"):
                pages.append((url, manifest.parent / entry["file"], entry.get("headers", {}).get("Content-Type")))
    for labels in sorted((FIXTURES / "briefings").glob("*.labels.json")):
        entry = json.loads(labels.read_text(encoding="utf-8"))
        pages.append((entry["url"], labels.parent / entry["file"], entry["headers"].get("Content-Type")))
    return pages


def _statement(url: str, path: Path, content_type: str | None):
    from crawler.pages import ParseError
    from crawler.pages.registry import page_class_for, read_saved_page

    try:
        page_class_for(url)
        return read_saved_page(url, path.read_bytes(), content_type)
    except ParseError:
        return None  # listings, the challenge page


@pytest.mark.parametrize(("url", "path", "content_type"), _saved_pages(), ids=lambda value: str(value)[-60:])
def test_texts_read_from_the_tree_are_the_sanitised_htmls_on_saved_pages(url, path, content_type):
    from crawler.pages.segments import segment

    page = _statement(url, path, content_type)
    if page is None:
        return
    if page.body_text is not None:
        assert page.body_text == html_to_text(sanitise(page.body_html, page.url))
    if page.segments:
        for part in page.segments:
            if part.text is not None:
                assert part.text == html_to_text(sanitise(part.html, page.url))
        from crawler.pages.markers import MARKERS

        markers = MARKERS["mid" if page.source == "mid" else page.source]
        again = segment(page.body_html, markers, page.title)  # from the HTML, parsed again
        assert [(s.kind, s.speaker, s.affiliation, s.html) for s in again] == \
            [(s.kind, s.speaker, s.affiliation, s.html) for s in page.segments]


def test_mid_pages_read_their_texts_from_the_tree():
    """The current and the old mid.ru site give their texts without a second parse (bench/extract.py)."""
    read = [page for page in (_statement(*entry) for entry in _saved_pages())
            if page is not None and page.source == "mid"]
    assert len(read) >= 40
    assert all(page.body_text is not None for page in read)
    assert all(part.text is not None for page in read for part in page.segments or [])


# --- every block is a paragraph, in the text and in the published HTML (reviewer's finding 1) --
@pytest.mark.parametrize(("html", "published", "text"), [
    ("<div>One.</div><div>Two.</div>", "<div>One.</div><div>Two.</div>", "One.\n\nTwo."),
    ("<div>One.<br><br>Two.</div><div>Three.</div>", "<div>One.<br><br>Two.</div><div>Three.</div>",
     "One.\n\nTwo.\n\nThree."),
    ('<section class="x">A</section><article>B</article><aside>C</aside><header>D</header><footer>E</footer>'
     "<main>F</main><nav>G</nav><address>H</address>",
     "<section>A</section><article>B</article><aside>C</aside><header>D</header><footer>E</footer>"
     "<main>F</main><nav>G</nav><address>H</address>", "A\n\nB\n\nC\n\nD\n\nE\n\nF\n\nG\n\nH"),
    ("<h1>Head</h1><div>Body</div>", "<h1>Head</h1><div>Body</div>", "Head\n\nBody"),
    ("<ul><li>one</li><li>two</li></ul><blockquote>quoted</blockquote>",
     "<ul><li>one</li><li>two</li></ul><blockquote>quoted</blockquote>", "one\n\ntwo\n\nquoted"),
    ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>",
     "<table><tbody><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></tbody></table>", "a\tb\n\nc"),
    # inline markup adds no boundary
    ('<div>in<span>line</span> <b>bold</b><a href="/x">link</a></div>',
     '<div>inline <b>bold</b><a href="https://mid.ru/x" rel="noopener noreferrer">link</a></div>', "inline boldlink"),
    # divs mixed with paragraphs, as before
    ("<p>x</p><div>y</div><p>z</p>", "<p>x</p><div>y</div><p>z</p>", "x\n\ny\n\nz"),
])
def test_sibling_blocks_are_paragraphs(html, published, text):
    body = sanitise(html, BASE)
    assert body == published
    assert html_to_text(body) == text
    assert html_to_text(html) == text


# --- <pre> keeps its line breaks (reviewer's finding 5) -----------------------------------------
@pytest.mark.parametrize(("html", "text"), [
    ("<pre>a\n  b\nc</pre>", "a\nb\nc"),
    ("<pre>\nline one\nline <b>two\nthree</b>\n\nnext para</pre><p>after\nx</p>",
     "line one\nline two\nthree\n\nnext para\n\nafter x"),
    ("<div>x<pre>a\r\nb</pre>y</div>", "x\n\na\nb\n\ny"),
])
def test_preformatted_line_breaks_are_kept(html, text):
    assert html_to_text(html) == text
    assert html_to_text(sanitise(html, BASE)) == text


@pytest.mark.parametrize(("html", "published"), [
    # a container that only wraps blocks adds no boundary: unwrapped, as the layout divs always were
    ('<div class="content"><div><p>a</p>\n<p>b</p></div></div>', "<p>a</p>\n<p>b</p>"),
    ("<section> <h2>T</h2><div>x</div> </section>tail", " <h2>T</h2><div>x</div> tail"),
    ("<div><div></div></div><p>a</p>", "<div></div><p>a</p>"),
    # an empty one still separates the text around it
    ("a<div></div>b", "a<div></div>b"),
    # one with text of its own is a block of its own
    ("<div>intro<p>a</p></div>", "<div>intro<p>a</p></div>"),
    ("<div><p>a</p>after</div>", "<div><p>a</p>after</div>"),
])
def test_wrapper_containers_are_unwrapped(html, published):
    assert sanitise(html, BASE) == published.strip()
    assert html_to_text(sanitise(html, BASE)) == html_to_text(html)


@given(st.text(alphabet="<>/ \t\xa0divDIVsectionSECTIONnavNAVmainMAINaprщ", max_size=40))
@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
def test_container_test_misses_no_start_tag(html):
    """The parse that unwraps containers is spared only where no start tag of one can be, in
    any case: wherever a case-insensitive pattern for such a tag finds one, the test says maybe."""
    import re

    from crawler.normalise.html import _CONTAINERS, _may_hold_container

    start_tag = re.compile("<(?:" + "|".join(_CONTAINERS) + r")[\s/>]", re.I | re.A)
    if start_tag.search(html) or re.search("<(?:" + "|".join(_CONTAINERS) + r")[\s/>]", html, re.I):
        assert _may_hold_container(html)


def test_upper_case_wrappers_are_unwrapped_like_lower_case_ones():
    assert sanitise("<DIV><p>One.</p><P>Two.</P></DIV>", BASE) == sanitise("<div><p>One.</p><p>Two.</p></div>", BASE) \
        == "<p>One.</p><p>Two.</p>"
    assert sanitise("<SeCtIoN>\n<p>One.</p></SeCtIoN>", BASE) == "<p>One.</p>"
