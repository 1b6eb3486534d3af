"""Briefings as segments: the segmenter per source and edge case, the labelled set's quality gate,
and what the crawl makes of segments (schema, stats, run report, versions)."""

from __future__ import annotations

import re

import pytest
from scrapy.utils.test import get_crawler

from crawler.normalise.statement import normalise
from crawler.pages import ParseError
from crawler.pages.markers import FMPRC, MARKERS, MID, STATE_DEPT
from crawler.pages.registry import read_saved_page
from crawler.pages.segments import Unrecognised, read_segments, segment
from crawler.pages.state_dept import StateFeed
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import schema_errors
from crawler.report import by_source, summarise
from crawler.store import CONTENT_FIELDS, open_archive
from tests.briefing_set import labelled_pages, read_page, score
from tests.conftest import fixture_response, manifest

MAO_NING = "Foreign Ministry Spokesperson Mao Ning’s Regular Press Conference on October 27, 2022"


def read(html: str, markers=MID, title: str = "") -> list[tuple]:
    """(kind, speaker, affiliation, text) of each segment, text with its tags dropped."""
    return [(s.kind, s.speaker, s.affiliation, " ".join(re.sub(r"<[^>]+>", " ", s.html).split()))
            for s in read_segments(html, markers, title)]


@pytest.fixture(scope="module")
def pages():
    return labelled_pages()


# --- the labelled set -------------------------------------------------------------------------

def test_labelled_set_meets_the_targets(pages):
    assert len(pages) >= 12
    assert {page.labels["site"] for page in pages} >= {"mid", "mid_archive", "fmprc_en", "fmprc_zh", "state_dept",
                                                       "mofa_jp", "mea_in", "mae_fr"}
    assert {page.labels["language"] for page in pages} >= {"en", "ru", "zh"}
    result = score(pages)
    assert result.expected >= 100
    for metric, (precision, recall) in result.ratios().items():
        assert precision >= 0.98, (metric, result.misses)
        assert recall >= 0.98, (metric, result.misses)


def test_unlabelled_pages_give_no_segments(pages):
    unlabelled = [page for page in pages if page.labels["expect"] == "none"]
    assert len(unlabelled) >= 2
    assert all(page.predicted == [] for page in unlabelled)


def test_segments_are_valid_ordered_and_cover_the_body_in_order(pages):
    for page in pages:
        positions = [s["position"] for s in page.predicted]
        assert positions == list(range(len(page.predicted)))
        body = " ".join(page.body_text.split())
        at = 0
        for s in page.predicted:
            text = " ".join(s["text"].split())
            found = body.find(text, at)
            assert found >= 0, (page.name, s["position"], text[:60])
            at = found + len(text)
            assert "<script" not in s["html"] and "style=" not in s["html"] and "class=" not in s["html"]
            assert all(href.startswith("https://") for href in re.findall(r'href="([^"]+)"', s["html"]))


def test_segment_links_are_absolute(pages):
    [page] = [page for page in pages if page.name == "mid-en-2024-h2-lists"]
    answer = page.predicted[5]
    assert answer["kind"] == "answer"
    assert 'href="https://mid.ru/en/foreign_policy/news/1950010/"' in answer["html"]
    assert "<li>entry bans for EU officials;</li>" in answer["html"]


# --- mid.ru --------------------------------------------------------------------------------------

def test_mid_opening_topics_are_headings_and_statements():
    html = ("<h3>Sergey Lavrov’s schedule</h3><p>On July 3, the minister will hold talks.</p>"
            "<p>On July 7, he will go to Bali.</p><p><strong>Answers to media questions:</strong></p>"
            "<p><strong>Question:</strong> Will he meet Blinken?</p>"
            "<p><strong>Maria Zakharova:</strong> No requests.</p><p>We are open to contacts.</p>")
    assert read(html) == [
        ("heading", None, None, "Sergey Lavrov’s schedule"),
        ("statement", None, None, "On July 3, the minister will hold talks. On July 7, he will go to Bali."),
        ("heading", None, None, "Answers to media questions:"),
        ("question", None, None, "Will he meet Blinken?"),
        ("answer", "Maria Zakharova", None, "No requests. We are open to contacts."),
    ]


@pytest.mark.parametrize(("label", "expected"), [
    ("Question (RIA Novosti):", ("question", None, "RIA Novosti")),
    ("Вопрос (ТАСС):", ("question", None, "ТАСС")),
    ("Вопрос (Reuters):", ("question", None, "Reuters")),  # an outlet in another script
    ("Question (follow-up):", ("question", None, None)),  # a qualifier, not an outlet
    ("Вопрос (в продолжение):", ("question", None, None)),
    ("Вопрос：", ("question", None, None)),  # full-width colon
    ("Ответ:", ("answer", None, None)),
    ("М.В.Захарова:", ("answer", "М.В.Захарова", None)),
    ("С. В. Лавров:", ("answer", "С. В. Лавров", None)),
    ("Мария Захарова:", ("answer", "Мария Захарова", None)),
    ("Sergey Lavrov:", ("answer", "Sergey Lavrov", None)),
])
def test_mid_labels(label, expected):
    html = f"<p><b>Вопрос:</b> Первый?</p><p><b>Ответ:</b> Да.</p><p><b>{label}</b> Текст.</p>"
    assert read(html)[-1][:3] == expected


@pytest.mark.parametrize("markup", [
    "<p><strong>Question:</strong> Why?</p><p><strong>Answer:</strong> Because.</p>",   # strong
    "<p><b>Question:</b>Why?</p><p><b>Answer:</b>  Because.</p>",                       # b, no space, two
    "<p>Question:&nbsp;Why?</p><p>Answer: Because.</p>",                                # plain, nbsp
    '<p><span style="font-weight:bold">Question:</span> Why?</p><p>Answer: Because.</p>',  # a bold span
    "<p><strong>Question</strong>: Why?</p><p><strong>Answer</strong>: Because.</p>",   # colon outside
    "<p>Question: Why?<br>Answer: Because.</p>",                                        # one <br>
    "<p>Question: Why?<br><br>Answer: Because.</p>",                                    # <br><br>
    '<div class="dxl"><p class="dxl-par"><span class="dxl-run"><b>Question:</b> Why?</span></p>'
    '<p class="dxl-par"><span class="dxl-run"><b>Answer:</b> Because.</span></p></div>',  # Word export
    "<p><strong>Question:</strong></p><p>Why?</p><p><strong>Answer:</strong></p><p>Because.</p>",  # alone
    "<p><strong>Question:</strong><br>Why?</p><p><strong>Answer:</strong><br>Because.</p>",  # then a break
])
def test_label_markup_variants(markup):
    assert read(markup) == [("question", None, None, "Why?"), ("answer", None, None, "Because.")]


def test_a_label_on_its_own_line_leaves_no_break_behind():
    segments = read_segments("<p><b>Question:</b><br>Why?</p><div>Answer: <br> Because.</div>", MID)
    assert [s.html for s in segments] == ["<p>Why?</p>", "<div>Because.</div>"]


def test_a_line_break_without_a_label_stays_in_the_paragraph():
    segments = read_segments("<p>Question: Why?</p><p>Answer: Because<br>of this.</p>", MID)
    assert segments[1].html == "<p>Because<br>of this.</p>"


def test_paragraphs_split_by_blank_lines_continue_the_answer():
    assert read("<p>Question: Why?</p><p>Answer: First.<br><br>Second.<br><br>Third.</p>")[1] == \
        ("answer", None, None, "First. Second. Third.")


def test_old_site_centred_paragraphs_are_headings():
    html = ('<p style="text-align:center">О ситуации в Сирии</p><p>Режим соблюдается.</p>'
            '<p align="center">Из ответов на вопросы СМИ:</p><p>Вопрос: Когда?</p><p>Ответ: Скоро.</p>')
    assert [kind for kind, *_ in read(html)] == ["heading", "statement", "heading", "question", "answer"]


def test_names_shaped_like_words_count_only_in_bold_or_after_a_question():
    # "Foreign Ministry:" in the opening topics is text, not a speaker
    html = ("<p>Foreign Ministry: the schedule is as follows.</p><p>Question: Why?</p>"
            "<p>Maria Zakharova: Because.</p>")
    assert read(html) == [("statement", None, None, "Foreign Ministry: the schedule is as follows."),
                          ("question", None, None, "Why?"), ("answer", "Maria Zakharova", None, "Because.")]


# --- China ---------------------------------------------------------------------------------------

def test_fmprc_outlets_ask_and_the_spokesperson_named_in_the_title_answers():
    html = ("<p>CCTV: Can you share more?</p><p>Mao Ning: Tanzania is an important country.</p>"
            "<p>President Hassan will be the first African head of state.</p>"
            "<p>Xinhua News Agency: We have noted the meeting.</p><p>Mao Ning: It shows the importance.</p>"
            "<p>Bloomberg: On Darwin?</p><p>Mao Ning: We hope.</p><p>Bloomberg: A follow-up?</p>"
            "<p>Mao Ning: I have stated our position.</p>")
    assert read(html, FMPRC, MAO_NING) == [
        ("question", None, "CCTV", "Can you share more?"),
        ("answer", "Mao Ning", None, "Tanzania is an important country. President Hassan will be the first African "
                                     "head of state."),
        ("question", None, "Xinhua News Agency", "We have noted the meeting."),
        ("answer", "Mao Ning", None, "It shows the importance."),
        ("question", None, "Bloomberg", "On Darwin?"),
        ("answer", "Mao Ning", None, "We hope."),
        ("question", None, "Bloomberg", "A follow-up?"),
        ("answer", "Mao Ning", None, "I have stated our position."),
    ]


def test_fmprc_known_spokesperson_without_a_name_in_the_title():
    html = "<p><b>AFP:</b> Will China attend?</p><p><b>Lin Jian:</b> No information.</p><p><b>Follow-up:</b> Why?</p>" \
           "<p><b>Lin Jian:</b> As I said.</p>"
    assert read(html, FMPRC, "Foreign Ministry Spokesperson’s Regular Press Conference on March 12, 2024") == [
        ("question", None, "AFP", "Will China attend?"), ("answer", "Lin Jian", None, "No information."),
        ("question", None, None, "Why?"), ("answer", "Lin Jian", None, "As I said.")]


def test_fmprc_unknown_podium_gives_no_segments():
    # a spokesperson neither in the title nor known reads like an outlet: every turn a question
    html = "<p>CCTV: A question?</p><p>Zhang Wei: An answer.</p>"
    with pytest.raises(Unrecognised, match="no answer"):
        read_segments(html, FMPRC, "Foreign Ministry Spokesperson’s Regular Press Conference")
    assert segment(html, FMPRC, "Foreign Ministry Spokesperson’s Regular Press Conference") == []


def test_fmprc_sentence_openers_are_not_outlets():
    html = "<p>CCTV: What are the outcomes?</p><p>Mao Ning: Let me stress two points.</p>" \
           "<p>First: cooperation.</p><p>Second: connectivity.</p>"
    assert read(html, FMPRC, MAO_NING)[-1] == ("answer", "Mao Ning", None,
                                                "Let me stress two points. First: cooperation. Second: connectivity.")


def test_fmprc_chinese_labels_announcements_and_the_narrative_question():
    html = ("<p>洪磊首先发布消息：</p><p>一、应邀访问。</p><p>二、出席会议。</p><p>问：中方有何期待？</p>"
            "<p>答：此访将推动两国关系。</p><p>问：有何评论？</p><p>答：中方主张对话。</p><p>我们希望各方克制。</p>"
            "<p>会后，有记者问及：中方对危机有何看法？洪磊表示，中方希望妥善处理。</p>")
    assert read(html, FMPRC, "2013年3月25日外交部发言人洪磊主持例行记者会") == [
        ("statement", "洪磊", None, "一、应邀访问。 二、出席会议。"),
        ("question", None, None, "中方有何期待？"), ("answer", None, None, "此访将推动两国关系。"),
        ("question", None, None, "有何评论？"), ("answer", None, None, "中方主张对话。 我们希望各方克制。"),
        ("question", None, None, "会后，有记者问及：中方对危机有何看法？"),
        ("answer", "洪磊", None, "洪磊表示，中方希望妥善处理。"),
    ]


def test_fmprc_chinese_outlets_follow_ups_and_latin_outlets():
    html = ("<p><b>澎湃新闻记者：</b>中方有何回应？</p><p><b>汪文斌：</b>中方已经发表声明。</p>"
            "<p><b>追问：</b>将采取哪些措施？</p><p><b>汪文斌：</b>请拭目以待。</p>"
            "<p><b>Bloomberg记者：</b>有何评论？</p><p><b>汪文斌：</b>我们的立场是一贯的。</p>")
    assert read(html, FMPRC, "2022年8月4日外交部发言人汪文斌主持例行记者会") == [
        ("question", None, "澎湃新闻", "中方有何回应？"), ("answer", "汪文斌", None, "中方已经发表声明。"),
        ("question", None, None, "将采取哪些措施？"), ("answer", "汪文斌", None, "请拭目以待。"),
        ("question", None, "Bloomberg", "有何评论？"), ("answer", "汪文斌", None, "我们的立场是一贯的。")]


# --- State Department ----------------------------------------------------------------------------

def test_state_turns_notes_and_guests():
    html = ("<p>1:21 p.m. EDT</p><p>MR MILLER: Good afternoon.</p><p>QUESTION: I’ll shoot, yeah.</p>"
            "<p>QUESTION: Sudan. What’s the next step?</p><p>MR MILLER: Why don’t I speak to that.</p>"
            "<p>We have continued engagement.</p><p>QUESTION: (Off-mike.)</p><p>(Laughter.)</p>"
            "<p>MR MILLER: Fair.</p><p>(Inaudible)</p><p>And more.</p><p>QUESTION: Oh, I (inaudible).</p>"
            "<p>MR RUBIN: Thanks very much, Matt.</p><p>MODERATOR: Next question.</p>")
    assert read(html, STATE_DEPT) == [
        ("remark", None, None, "1:21 p.m. EDT"), ("statement", "MR MILLER", None, "Good afternoon."),
        ("question", None, None, "I’ll shoot, yeah."), ("question", None, None, "Sudan. What’s the next step?"),
        ("answer", "MR MILLER", None, "Why don’t I speak to that. We have continued engagement."),
        ("question", None, None, "(Off-mike.)"), ("remark", None, None, "(Laughter.)"),
        ("answer", "MR MILLER", None, "Fair."), ("remark", None, None, "(Inaudible)"),
        ("answer", "MR MILLER", None, "And more."),  # the turn goes on after the note
        ("question", None, None, "Oh, I (inaudible)."),
        ("answer", "MR RUBIN", None, "Thanks very much, Matt."), ("remark", "MODERATOR", None, "Next question."),
    ]


def test_state_feed_briefings_are_segmented():
    url = "https://www.state.gov/rss-feed/department-press-briefings/feed/"
    [entry] = StateFeed(url, fixture_response(url).body).entries()
    statement = normalise(entry.statement)
    assert [(s["kind"], s["speaker"], s["text"]) for s in statement.segments] == [
        ("statement", "MS BRUCE", "Good afternoon, everyone. Thank you for joining us."),
        ("question", None, "Can you tell us more about the Secretary’s travel next week?"),
        ("answer", "MS BRUCE", "We will have more on the Secretary’s travel in the coming days."),
    ]


# --- precision: no segments rather than wrong ones --------------------------------------------------

@pytest.mark.parametrize(("html", "reason"), [
    ("<p>The situation in Ukraine remains difficult.</p><p>We call on the West to stop.</p>", "no labelled question"),
    ("<p><strong>Is Moscow ready?</strong></p><p>It depends.</p>", "unlabelled question"),
    ("<p>Question: Why?</p><p>Question: And how?</p>", "no answer"),
    ("<p>Question: Why?</p><p>Answer: Because.</p><p><b>Reuters:</b> And then?</p><p>Answer: Then.</p>",
     "unknown label"),
    ("<p>Question: Why?</p><p>Answer: Because.</p><p><strong>And will he go to Bali?</strong></p>"
     "<p>Answer: Perhaps.</p>", "unlabelled question"),
    ("<p>Question: Why?</p><p>Maria Zakharova: Because.</p><p>And will he go to Bali?</p>"
     "<p>Maria Zakharova: Perhaps.</p>", "unlabelled question before 'Maria Zakharova:'"),
])
def test_unrecognised_structures_give_no_segments(html, reason):
    with pytest.raises(Unrecognised, match=reason):
        read_segments(html, MID)
    assert segment(html, MID) == []


def test_only_briefings_are_segmented():
    url = "https://mid.ru/en/press_service/spokesman/answers/1820655/"  # Question/Answer, but an answer
    response = fixture_response(url)
    page = read_saved_page(url, response.body, response.text)
    assert page.type == "answer" and page.segments is None
    assert normalise(page).segments == []


def test_the_mirror_briefings_are_segmented():
    briefings = 0
    for url in manifest():
        response = fixture_response(url)
        try:
            statement = normalise(read_saved_page(url, response.body, response.text))
        except ParseError:  # listings and the challenge page
            continue
        if statement.type != "briefing":
            continue
        briefings += 1
        kinds = [s["kind"] for s in statement.segments]
        assert "question" in kinds and "answer" in kinds, url
    assert briefings >= 8


def test_every_source_with_briefings_has_a_marker_set():
    assert set(MARKERS) == {"mid", "fmprc", "state_dept", "mofa_jp", "mea_in", "mae_fr"}


# --- the crawl: schema, stats, report, versions ---------------------------------------------------

def test_stats_and_run_report_count_briefings_left_whole(pages):
    crawler = get_crawler(settings_dict={})
    pipeline = NormalisePipeline.from_crawler(crawler)
    for page in pages:
        statement = pipeline.process_item(read_page(page.labels))
        assert schema_errors(statement.to_dict()) == []
    stats = crawler.stats.get_stats()
    assert stats["mf/segments/segmented"] == len(pages) - 2
    assert stats["mf/segments/unrecognised"] == 2
    run = summarise("mid", {**stats, "finish_reason": "finished", "elapsed_time_seconds": 1.0})
    assert run.ok
    assert run.extra["briefings_unsegmented"] == 2
    assert "; 2 briefing(s) left whole (structure not recognised);" in run.summary_line()
    assert by_source([run])["mid"]["briefings_unsegmented"] == 2


def test_a_new_segmentation_is_not_a_new_version(archive_url, pages):
    assert "segments" not in CONTENT_FIELDS
    [page] = [page for page in pages if page.name == "mid-en-2022-h3-strong"]
    item = normalise(read_page(page.labels)).to_dict()
    store = open_archive(archive_url)
    try:
        assert store.write_batch([], [{**item, "segments": []}]) == ["new"]
        assert store.write_batch([], [item]) == ["unchanged"]
        stored = store.get(item["id"])
        assert stored["version"] == 1
        assert [s["kind"] for s in stored["segments"]][:2] == ["heading", "statement"]
    finally:
        store.close()
