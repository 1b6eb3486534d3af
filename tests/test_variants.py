"""Page objects on pages of our sites in layouts the mirror does not show (issue 10: "a page object
that only knows its own fixture is not done"). The pages are built by
tests/fixtures/tools/build_variants.py; tests/phrases/variants.json says what each must give."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from crawler.normalise.statement import normalise
from crawler.pages.cleanup import drop_link_blocks, parse_document
from crawler.pages.registry import read_saved_page
from tests.conftest import FIXTURES

VARIANTS = FIXTURES / "variants"
MANIFEST = json.loads((VARIANTS / "manifest.json").read_text(encoding="utf-8"))
CORPUS = json.loads((Path(__file__).parent / "phrases" / "variants.json").read_text(encoding="utf-8"))


def statement(url: str) -> dict:
    entry = MANIFEST[url]
    return normalise(read_saved_page(url, (VARIANTS / entry["file"]).read_bytes(),
                                     entry["headers"]["Content-Type"])).to_dict()


def test_corpus_covers_every_variant_and_every_rule():
    assert sorted(CORPUS["pages"]) == sorted(MANIFEST)
    exercised = {rule for page in CORPUS["pages"].values() for rule in page["rules"]}
    assert exercised == set(CORPUS["rules"])
    for url, page in CORPUS["pages"].items():
        assert page["must"] and page["must_not"], url


@pytest.mark.parametrize("url", sorted(CORPUS["pages"]))
def test_variant(url):
    item = statement(url)
    expected = CORPUS["pages"][url]
    text = item["body_text"] + "\n"
    for phrase in expected["must"]:
        assert phrase in text, f"{url}: missing {phrase!r}"
    for phrase in expected["must_not"]:
        assert phrase not in text, f"{url}: chrome left in: {phrase!r}"
    for field, value in expected["fields"].items():
        assert item[field] == value, f"{url}: {field}"


def test_variants_are_what_the_builder_makes():
    spec = importlib.util.spec_from_file_location("build_variants", FIXTURES / "tools" / "build_variants.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    built = {}
    for make in (builder.mid_variants, builder.archive_variants, builder.fmprc_variants, builder.aa_variants,
                 builder.state_variants, builder.mofa_jp_variants, builder.mea_in_variants,
                 builder.gac_ca_variants, builder.mae_fr_variants):
        built.update(make())
    assert sorted(built) == sorted(MANIFEST)
    for url, (relative, html) in built.items():
        assert MANIFEST[url]["file"] == relative
        assert (VARIANTS / relative).read_text(encoding="utf-8") == html, f"{relative}: rebuild the variants"


# --- the link rules one by one, on small bodies (table-driven) -------------------------------------
PAGE = "https://mid.ru/en/press_service/spokesman/briefings/1/"


@pytest.mark.parametrize(("html", "kept", "dropped"), [
    # a contents list with its heading; a sub-heading between two lists; its body heading kept
    ('<h2>Contents</h2><ol><li><a href="#1">One</a></li><li><a href="#2">Two</a></li></ol>'
     '<h3><a name="1"></a>One</h3><p>Text one.</p>', ["One", "Text one."], ["Contents", "Two"]),
    ('<p><b>In this briefing:</b></p><ul><li><a href="#1">Alpha</a></li></ul><p>Answers:</p>'
     '<ul><li><a href="#2">Beta</a></li></ul><h3>Answers:</h3><p>Question: why?</p>',
     ["Answers:\n\nQuestion: why?"], ["In this briefing", "Alpha", "Beta"]),
    # links to the page's own URL with a fragment are links into the page
    (f'<p><a href="{PAGE}#1">First item</a></p><p><a href="{PAGE}#2">Second item</a></p><p>Body text here.</p>',
     ["Body text here."], ["First item", "Second item"]),
    # a back link at the end of a paragraph goes, the paragraph stays
    ('<p>We will inform you. <a href="#top">Back to contents</a></p>', ["We will inform you."], ["Back to"]),
    # one link in running text is text; a line of links is not
    ('<p>The text is <a href="/x/">published here</a>.</p><p><a href="/a/">A news</a> | <a href="/b/">B news</a></p>',
     ["The text is published here."], ["A news", "B news"]),
    # an unnamed list of links to other pages, and a "See also" heading over a single link
    ('<p>Body.</p><div class="x"><ul><li><a href="/1/">Other one</a></li><li><a href="/2/">Other two</a></li>'
     '</ul></div><p><b>See also:</b></p><ul><li><a href="/3/">Other three</a></li></ul>',
     ["Body."], ["Other one", "Other two", "See also", "Other three"]),
    # a list of links the article's own sentence introduces stays; so does a list of documents
    ('<p>Body text of the statement.</p><p>The following documents were signed:</p><ul><li><a href="/docs/x.pdf">'
     'Agreement on economic cooperation</a></li><li><a href="/docs/y.pdf">Protocol on trade</a></li></ul><p>End.</p>',
     ["The following documents were signed:\n\nAgreement on economic cooperation\n\nProtocol on trade"], []),
    ('<p>Body text of the statement.</p><ul><li><a href="/files/1.docx">Joint declaration</a></li>'
     '<li><a href="/upload/2.pdf">Annex</a></li></ul><p>End.</p>', ["Joint declaration", "Annex"], []),
    # a paragraph of links joined by words is text; links joined only by separators are not
    ('<p>Body text of the statement.</p><p><a href="/a/">UK and France agree</a> and '
     '<a href="/b/">the joint communique</a></p>', ["UK and France agree and the joint communique"], []),
    # a "Read also" heading over one link per paragraph, in each language of our sources
    *[(f'<p>Body text of the statement.</p><p><b>{heading}</b></p><p><a href="/x/1.html">Other one</a></p>'
       '<p><a href="/x/2.html">Other two</a></p><p><a href="/x/3.html">Other three</a></p>',
       ["Body text of the statement."], [heading.rstrip(" :："), "Other one", "Other two", "Other three"])
      for heading in ("Read also:", "See also", "Читайте также:", "См. также:", "Voir aussi :", "Lire aussi :",
                      "Siehe auch:", "Lesen Sie auch:", "相关新闻：", "延伸阅读", "関連記事", "関連リンク")],
    # a line of the page's tools inside the article goes, alone or with separators and brackets, in
    # each language of our sources; a tool word linked in running text is text, and stays
    *[(f'<p>Body text of the statement.</p><p>{line}</p><p>End.</p>', ["Body text of the statement.\n\nEnd."], [word])
      for line, word in (('<a href="?print=Y">Print version</a>', "Print"),
                         ('<a href="javascript:window.print()">Версия для печати</a>', "печати"),
                         ('[<a href="javascript:print()">Print</a>] [<a href="javascript:close()">Close</a>]', "Close"),
                         ('<span><a href="#">【打印本页】</a> <a href="#">【关闭窗口】</a></span>', "打印"),
                         ('<a href="?print">Druckversion</a> | <a href="?close">Fenster schließen</a>', "Druck"),
                         ('<a href="/imprimer/">Imprimer la page</a>', "Imprimer"),
                         ('<a href="?p=1">印刷用ページ</a>', "印刷"),
                         ('<a href="?print=Y"><img src="/i/print.png" alt="">Print version</a>', "Print"),
                         ('<a onclick="window.print()">Print version</a>', "Print"),
                         ('<a href="?print=Y">Print version</a> | <a href="mailto:?body=x">Send by e-mail</a>',
                          "e-mail"))],
    # a line of tools beside an image of the text's own stays with it
    ('<p>Body text of the statement.</p><p><img src="/photo.jpg" alt="The ministers"> <a href="?print">Print</a></p>',
     ["Body text of the statement.\n\nPrint"], []),
    ('<p>Body text of the statement. <a href="/media/">Print</a> media were briefed.</p><p><a href="?x">Close</a> '
     'ties with the region.</p>', ["Print media were briefed.\n\nClose ties with the region."], []),
    # a list of links that is the whole body stays (it is the text)
    ('<ul><li><a href="/1/">Decree No. 1 on the matter</a></li><li><a href="/2/">Decree No. 2</a></li></ul>',
     ["Decree No. 1 on the matter", "Decree No. 2"], []),
])
def test_link_rules(html, kept, dropped):
    from crawler.normalise.html import html_to_text
    from crawler.pages.cleanup import inner_html

    root = parse_document(PAGE, f"<html><body><div>{html}</div></body></html>").find(".//body/div")
    drop_link_blocks(root, PAGE)
    text = html_to_text(inner_html(root))
    for phrase in kept:
        assert phrase in text
    for phrase in dropped:
        assert phrase not in text
