"""feeds.diff: what changed between two versions of a statement, as tables of (old, new, expected)."""

from __future__ import annotations

import itertools

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.diff import (
    ADDED,
    CHANGED,
    DELETE,
    EQUAL,
    INSERT,
    REMOVED,
    Span,
    diff_paragraphs,
    diff_statements,
    diff_words,
    render_html,
    render_text,
    split_paragraphs,
    tokens,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("Die Außenministerin traf den Amtskollegen.",
     ["Die", " ", "Außenministerin", " ", "traf", " ", "den", " ", "Amtskollegen", "."]),
    ("Министр иностранных дел С.В.Лавров", ["Министр", " ", "иностранных", " ", "дел", " ", "С", ".", "В", ".",
                                            "Лавров"]),
    # Chinese and Japanese: one character a token (no dictionary segmentation).
    ("中方表示强烈不满。", ["中", "方", "表", "示", "强", "烈", "不", "满", "。"]),
    ("外務大臣が会談した", ["外", "務", "大", "臣", "が", "会", "談", "し", "た"]),
    # Devanagari: the virama and vowel signs (combining marks) stay inside the word.
    ("हिन्दी भाषा", ["हिन्दी", " ", "भाषा"]),
    # Joiners stay inside their word (Persian's ZWNJ); digits are words; runs of space one token.
    ("می\u200cخواهم  2024", ["می\u200cخواهم", "  ", "2024"]),
    # A variation selector stays with its ideograph.
    ("葛\U000e0100城", ["葛\U000e0100", "城"]),
    ("", []),
])
def test_tokens(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(("old", "new", "expected"), [
    # German: a word inserted.
    ("Die Bundesregierung begrüßt die Einigung.", "Die Bundesregierung begrüßt ausdrücklich die Einigung.",
     [(EQUAL, "Die Bundesregierung begrüßt "), (INSERT, "ausdrücklich "), (EQUAL, "die Einigung.")]),
    # German: a compound replaced whole, not letter by letter.
    ("Das Auswärtige Amt verurteilt den Angriff.", "Das Auswärtige Amt verurteilt den Raketenangriff.",
     [(EQUAL, "Das Auswärtige Amt verurteilt den "), (DELETE, "Angriff"), (INSERT, "Raketenangriff"),
      (EQUAL, ".")]),
    # Russian: one word replaced by two; inflected forms are different words.
    ("Министр иностранных дел встретился с коллегой.", "Министр иностранных дел провёл переговоры с коллегой.",
     [(EQUAL, "Министр иностранных дел "), (DELETE, "встретился"), (INSERT, "провёл переговоры"),
      (EQUAL, " с коллегой.")]),
    ("Введены санкции против граждан США.", "Введены санкции против гражданина США.",
     [(EQUAL, "Введены санкции против "), (DELETE, "граждан"), (INSERT, "гражданина"), (EQUAL, " США.")]),
    # Chinese: the changed characters, the shared ones kept.
    ("中方对此表示强烈不满。", "中方对此表示坚决反对。",
     [(EQUAL, "中方对此表示"), (DELETE, "强烈不满"), (INSERT, "坚决反对"), (EQUAL, "。")]),
    # Character by character: 克 is in both names (哈萨克斯坦, 乌兹别克斯坦), and stays unmarked.
    ("王毅会见哈萨克斯坦外长", "王毅会见乌兹别克斯坦外长",
     [(EQUAL, "王毅会见"), (DELETE, "哈萨"), (INSERT, "乌兹别"), (EQUAL, "克斯坦外长")]),
    # Chinese: a lone shared "的" inside a rewritten phrase is not kept as a match (no confetti).
    ("中方坚决反对美方的错误做法", "中方强烈谴责日方的挑衅行为",
     [(EQUAL, "中方"), (DELETE, "坚决反对美方的错误做法"), (INSERT, "强烈谴责日方的挑衅行为")]),
    # English: a rewritten phrase whose spaces alone match is one deletion and one insertion.
    ("the quick brown fox jumps", "a slow red dog sleeps",
     [(DELETE, "the quick brown fox jumps"), (INSERT, "a slow red dog sleeps")]),
    # A word inserted is marked with its space after it, not before.
    ("On July 3, the minister", "On indeed July 3, the minister",
     [(EQUAL, "On "), (INSERT, "indeed "), (EQUAL, "July 3, the minister")]),
    ("В Москве прошли переговоры", "В Москве вчера прошли переговоры",
     [(EQUAL, "В Москве "), (INSERT, "вчера "), (EQUAL, "прошли переговоры")]),
    # Punctuation alone.
    ("Hello, world", "Hello; world", [(EQUAL, "Hello"), (DELETE, ","), (INSERT, ";"), (EQUAL, " world")]),
    ("same", "same", [(EQUAL, "same")]),
    ("", "new", [(INSERT, "new")]),
    ("old", "", [(DELETE, "old")]),
])
def test_diff_words(old, new, expected):
    assert [(span.op, span.text) for span in diff_words(old, new)] == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab 中文Яя,.\n", max_size=40), st.text(alphabet="ab 中文Яя,.\n", max_size=40))
def test_word_diff_rebuilds_both_texts(old, new):
    spans = diff_words(old, new)
    assert "".join(s.text for s in spans if s.op != INSERT) == old
    assert "".join(s.text for s in spans if s.op != DELETE) == new
    for first, second in itertools.pairwise(spans):  # merged: no two equal spans in a row
        assert not (first.op == second.op == EQUAL)


@pytest.mark.parametrize(("text", "expected"), [
    ("One.\n\nTwo.\n\n\nThree.", ["One.", "Two.", "Three."]),
    ("Line one\nline two\n\nNext", ["Line one\nline two", "Next"]),
    ("\n\n", []),
    (None, []),
])
def test_split_paragraphs(text, expected):
    assert split_paragraphs(text) == expected


PARAGRAPHS = ["Первый абзац заявления.", "Второй абзац о санкциях против граждан США.",
              "Третий абзац.", "Четвёртый абзац о переговорах."]


@pytest.mark.parametrize(("old", "new", "expected"), [
    # (kind, old position, new position)
    (PARAGRAPHS, PARAGRAPHS, []),
    (PARAGRAPHS, [*PARAGRAPHS[:2], "Новый абзац, которого не было.", *PARAGRAPHS[2:]], [(ADDED, None, 2)]),
    (PARAGRAPHS, [PARAGRAPHS[0], *PARAGRAPHS[2:]], [(REMOVED, 1, None)]),
    (PARAGRAPHS, [PARAGRAPHS[0], "Второй абзац о санкциях против гражданина США.", *PARAGRAPHS[2:]],
     [(CHANGED, 1, 1)]),
    # A changed paragraph and a new one in the same run: the alike pair is paired, the other added.
    (PARAGRAPHS, [PARAGRAPHS[0], "Совсем другой текст здесь.", "Второй абзац о новых санкциях против граждан США.",
                  *PARAGRAPHS[2:]],
     [(ADDED, None, 1), (CHANGED, 1, 2)]),
    # Nothing alike: removed and added, not "changed".
    (["Alpha beta gamma."], ["Völlig anderer Text ohne Bezug."], [(REMOVED, 0, None), (ADDED, None, 0)]),
    # Paragraphs swapped: one moves (removed at one place, added at the other).
    (["A first paragraph.", "A second paragraph."], ["A second paragraph.", "A first paragraph."],
     [(ADDED, None, 0), (REMOVED, 1, None)]),
    ([], ["只有一段。"], [(ADDED, None, 0)]),
])
def test_diff_paragraphs(old, new, expected):
    assert [(c.kind, c.old_position, c.new_position) for c in diff_paragraphs(old, new)] == expected


RU_V1 = {"version": 1, "title": "Заявление МИД России о санкциях", "tags": ["США"],
         "body_text": "Первый абзац.\n\nВведены санкции против граждан США.\n\nПоследний абзац.",
         "body_html": "<p>…</p>"}
RU_V2 = {"version": 2, "title": "Заявление МИД России о персональных санкциях", "tags": ["США"],
         "body_text": "Первый абзац.\n\nВведены санкции против 25 граждан США.\n\nДобавленный абзац.",
         "body_html": "<p>…!</p>"}
ZH_V1 = {"version": 1, "title": "外交部发言人答记者问",
         "body_text": "中方对此表示强烈不满。\n\n我们敦促美方停止错误做法。"}
ZH_V2 = {"version": 2, "title": "外交部发言人答记者问",
         "body_text": "中方对此表示坚决反对。\n\n我们敦促美方停止错误做法。"}
DE_V1 = {"version": 3, "title": "Außenministerin zur Lage", "body_text": "Wir verurteilen den Angriff.",
         "published": "2024-01-01T10:00:00+01:00"}
DE_V2 = {"version": 4, "title": "Außenministerin zur Lage", "body_text": "Wir verurteilen den Angriff.",
         "published": "2024-01-02T10:00:00+01:00"}


@pytest.mark.parametrize(("old", "new", "summary"), [
    (RU_V1, RU_V2, {"from_version": 1, "fields": ["title", "body_text", "body_html"], "title_changed": True,
                    "paragraphs_added": 1, "paragraphs_removed": 1, "paragraphs_changed": 1,
                    # "персональных " (13) in the title; "25 " (3); "Последний абзац." (16) and
                    # "Добавленный абзац." (18)
                    "characters_changed": 13 + 3 + 16 + 18}),
    (ZH_V1, ZH_V2, {"from_version": 1, "fields": ["body_text"], "title_changed": False, "paragraphs_added": 0,
                    "paragraphs_removed": 0, "paragraphs_changed": 1, "characters_changed": 8}),
    # Only the date changed: a new version, no text changed.
    (DE_V1, DE_V2, {"from_version": 3, "fields": ["published"], "title_changed": False, "paragraphs_added": 0,
                    "paragraphs_removed": 0, "paragraphs_changed": 0, "characters_changed": 0}),
])
def test_summary(old, new, summary):
    assert diff_statements(old, new).summary() == summary


def test_html_marks_words_and_is_safe_for_any_feed_sanitiser():
    html = render_html(diff_statements(RU_V1, RU_V2))
    assert html == (
        '<div class="mf-changes">'
        "<p><strong>Title:</strong> Заявление МИД России о <ins>персональных </ins>санкциях</p>"
        "<p><strong>Changed paragraph 2:</strong> Введены санкции против <ins>25 </ins>граждан США.</p>"
        "<p><strong>Removed paragraph 3:</strong> <del>Последний абзац.</del></p>"
        "<p><strong>Added paragraph 3:</strong> <ins>Добавленный абзац.</ins></p></div>")
    # A fixed point of a sanitiser that allows only these elements: nothing to strip or rewrite.
    allowed = {"div", "p", "strong", "ins", "del"}
    assert nh3.clean(html, tags=allowed, attributes={"div": {"class"}}) == html


def test_html_escapes_markup_in_text():
    old = {"title": "T", "body_text": "Text <b>bold</b> & more"}
    new = {"title": "T", "body_text": "Text <script>alert(1)</script> & more"}
    html = render_html(diff_statements(old, new))
    root = etree.fromstring(html)  # well-formed XML too: it can go into an Atom entry as it is
    assert {element.tag for element in root.iter()} <= {"div", "p", "strong", "ins", "del"}
    assert not root.findall(".//script") and not root.findall(".//b")
    inserted = "".join(root.xpath("//ins/text() | //p/text()"))
    assert "<script>alert(1)</script> & more" in inserted


def test_html_of_no_text_change_is_empty():
    assert render_html(diff_statements(DE_V1, DE_V2)) == ""


def test_html_context_shortens_long_unchanged_text():
    words = " ".join(f"слово{n}" for n in range(200))
    old = {"title": "T", "body_text": f"{words} конец."}
    new = {"title": "T", "body_text": f"{words} самый конец."}
    html = render_html(diff_statements(old, new), context=30)
    assert html.startswith('<div class="mf-changes"><p><strong>Changed paragraph 1:</strong> …')
    assert html.endswith("слово199 <ins>самый </ins>конец.</p></div>")
    assert "слово0 " not in html
    assert len(html) < 200
    assert "слово0 " in render_html(diff_statements(old, new), context=None)


def test_text_rendering_plain_and_coloured():
    diff = diff_statements(ZH_V1, ZH_V2)
    assert render_text(diff) == ("1 paragraph changed, 0 added, 0 removed; 8 characters changed\n"
                                 "fields changed: body_text\n\n"
                                 "Changed paragraph 1\n"
                                 "  中方对此表示[-强烈不满-]{+坚决反对+}。\n")
    coloured = render_text(diff, colour=True)
    assert "\x1b[31;9m强烈不满\x1b[0m\x1b[32;4m坚决反对\x1b[0m" in coloured
    assert "[-" not in coloured


def test_text_rendering_names_removed_paragraphs_by_the_old_version():
    text = render_text(diff_statements(RU_V1, RU_V2))
    assert text.splitlines()[:2] == [
        "1 paragraph changed, 1 added, 1 removed; 50 characters changed; title changed",
        "fields changed: title, body_text, body_html"]
    assert "Title\n  Заявление МИД России о {+персональных +}санкциях\n" in text
    assert "Removed paragraph 3 of version 1\n  [-Последний абзац.-]\n" in text
    assert "Added paragraph 3\n  {+Добавленный абзац.+}\n" in text


def test_multiline_paragraph_keeps_its_indentation():
    old = {"title": "T", "body_text": "1.\tName\t–\tposition\n2.\tOther\t–\tthing"}
    new = {"title": "T", "body_text": "1.\tName\t–\tposition\n2.\tOther\t–\tplace"}
    text = render_text(diff_statements(old, new))
    assert text.endswith("Changed paragraph 1\n  1.\tName\t–\tposition\n  2.\tOther\t–\t[-thing-]{+place+}\n")


def test_span_is_plain_data():
    assert Span(EQUAL, "x") == Span("equal", "x")
