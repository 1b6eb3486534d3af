"""Extraction faults a reviewer found, each checked on every source where it can occur: a lone
surrogate in text from a JSON API or a feed, another article's tags inside the article's container,
an unreadable printed date that falls back (see also tests/phrases/ for the link-density rule)."""

from __future__ import annotations

import json
import re

import pytest

from crawler.normalise.statement import normalise
from crawler.normalise.text import replace_lone_surrogates
from crawler.pages import ParseError
from crawler.pages.auswaertiges_amt import AaFeed
from crawler.pages.cleanup import cut_short, parse_document, text_of
from crawler.pages.govuk import GovUkContentItem, content_api_url
from crawler.pages.mea_in import MeaArticlePage, detail_url
from crawler.pages.registry import read_article, read_saved_page
from crawler.pages.state_dept import StateFeed
from tests.conftest import FIXTURES, fixture_response, manifest

LONE = "\ud83d"  # the high half of an emoji's UTF-16 pair, alone (JSON "\ud83d")


# --- 3. a lone surrogate never cuts the text ---------------------------------------------------------
def test_replace_lone_surrogates():
    assert replace_lone_surrogates(f"a{LONE}b\udc00c") == "a\ufffdb\ufffdc"
    assert replace_lone_surrogates("Emoji 😀 kept") == "Emoji 😀 kept"


def test_parse_document_reads_past_a_lone_surrogate():
    root = parse_document("https://x.test/", f"<html><body><p>Para one{LONE} more</p><p>Para two</p></body></html>")
    assert text_of(root.find("body")) == "Para one\ufffd morePara two"


def test_govuk_json_body_with_a_lone_surrogate_keeps_all_its_text():
    name = "news_article_frontend_world_news_story_news_article"
    raw = (FIXTURES / "fcdo" / f"publishing-api__{name}.json").read_text(encoding="utf-8")
    item = json.loads(raw)
    item["details"]["body"] = (f"<div class=\"govspeak\"><p>Para one {LONE} and on.</p><p>Para two.</p>"
                               f"<p>Para three, the last.</p></div>")
    text = json.dumps(item)  # ensure_ascii: the surrogate travels as "\ud83d", as the API sends it
    assert "\\ud83d" in text
    url = content_api_url("https://www.gov.uk" + item["base_path"])
    body = normalise(GovUkContentItem(url, text).statement()).body_text
    assert body == "Para one \ufffd and on.\n\nPara two.\n\nPara three, the last."


def test_rss_reference_to_a_surrogate_keeps_all_the_text():
    url = "https://www.state.gov/rss-feed/press-releases/feed/"
    data = fixture_response(url).body.replace(b"Spokesperson Tammy Bruce:</p>",
                                              b"Spokesperson Tammy Bruce &#xD83D;:</p>", 1)
    data = data.replace(b"<title>", b"<title>&#55357;", 2)
    entries = StateFeed(url, data).entries()
    body = normalise(entries[0].statement).body_text
    assert body.startswith("The following is attributable to Spokesperson Tammy Bruce \ufffd:\n\nSecretary of State")
    assert body.endswith("commitment to the Mutual Defense Treaty.")
    url = "https://www.auswaertiges-amt.de/static/appdata/includes/rss_en/RSS_Pressemitteilungen_Reden.xml"
    data = fixture_response(url).body.replace(b"<![CDATA[<div><p>Ladies and gentlemen,",
                                              b"<![CDATA[<div><p>Ladies &#xd83d; and gentlemen,", 1)
    data = data.replace(b"</title>", b" &#xDE00;</title>")  # in XML text, not CDATA
    entries = AaFeed(url, data).entries()
    speech = normalise(entries[1].statement)
    assert speech.body_text == ("Ladies \ufffd and gentlemen,\n\nWelcome to Berlin. The world around us is changing"
                                " fast, and our diplomacy has to change with it.\n\nThank you.")
    assert speech.title.endswith("\ufffd")


# --- 2. another article's tags, in a related block inside the article, are not this one's -----------
def _other(tag_block: str) -> str:
    return tag_block.replace("{tag}", "OtherArticleTag")


#: (saved page, where the related block goes, the block): every source that reads tags from its page
RELATED_TAGS = [
    ("mid/en/foreign_policy/news/1819686.html", '<div class="photo-content">',
     '<div class="photo-content"><div class="related"><div class="item"><a href="/en/foreign_policy/news/1/">'
     'Other news</a><div class="tags"><a>{tag}</a></div></div></div>'),
    ("mid_archive/en/answers/3990765.html", '<div class="article-tags">',
     '<div class="related-articles"><div class="item"><a href="/en/x">Other news</a><div class="article-tags">'
     '<div class="taglib-asset-tags-summary"><a class="tag" href="/en/tags/-/tags/x">{tag}</a></div></div></div>'
     '</div><div class="article-tags">'),
    # (mea.gov.in: the detail endpoint's answer, read under the public URL, as a crawl reads it)
    ("mea_in/en/detail-41705.html|https://www.mea.gov.in/press-releases?dtl/41705/"
     "Visit_of_External_Affairs_Minister_to_Japan_October_5_7_2026", '<div class="d-flex tags">',
     '<div class="relatedBox"><ul class="relatedList"><li><a href="/x.htm">Other release</a>'
     '<div class="d-flex tags"><a class="tagLink" href="/search-result?tag=x">{tag}</a></div></li></ul></div>'
     '<div class="d-flex tags">'),
    ("mae_fr/en/point-de-presse-du-porte-parole-15-juin-2026.html", '<aside class="diplomatie--sidebar">',
     '<aside class="diplomatie--sidebar"><div class="diplomatie--related-inline"><a href="/en/x">Other news</a>'
     '<ul class="fr-tags-group"><li><a class="fr-tag" href="/en/tags/x">{tag}</a></li></ul></div>'),
    ("aa/article-2500440.html", '<div class="link-list">',
     '<div class="c-teaser c-teaser--article"><a class="c-teaser__link" href="/en/x">Other news</a>'
     '<div class="link-list"><ul class="link-list__list"><li><a class="link-list__link" href="/en/y">{tag}</a>'
     '</li></ul></div></div><div class="link-list">'),
    ("state_dept/article-104187.html", '<div class="related-tags">',
     '<div class="related-posts"><article><a href="/x/">Other post</a><div class="related-tags">'
     '<div class="related-tags__pills"><a class="related-tags__pill" href="/tag/x/">{tag}</a></div></div>'
     '</article></div><div class="related-tags">'),
]


def _saved(path: str) -> tuple[str, str]:
    path, _, public = path.partition("|")
    for url, entry in json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8")).items():
        if entry["file"] == path:
            return public or url, entry["headers"]["Content-Type"]
    raise LookupError(path)


@pytest.mark.parametrize(("path", "anchor", "block"), RELATED_TAGS,
                         ids=[path.partition("|")[0] for path, _, _ in RELATED_TAGS])
def test_tags_in_a_related_block_are_another_articles(path, anchor, block):
    url, content_type = _saved(path)
    raw = (FIXTURES / path.partition("|")[0]).read_bytes()
    encoding = "windows-1251" if "1251" in content_type.lower() else "utf-8"
    page = raw.decode(encoding)
    assert page.count(anchor) >= 1, anchor
    varied = page.replace(anchor, _other(block), 1).encode(encoding)
    own = normalise(read_saved_page(url, raw, content_type)).tags
    item = normalise(read_saved_page(url, varied, content_type))
    assert "OtherArticleTag" not in item.tags
    assert item.tags == own
    assert "Other" not in item.body_text.split("\n")[0]


# --- 4. a printed date is read with its weekday; an unreadable one is never dropped in silence --------
MID_PAGE = FIXTURES / "mid" / "en" / "foreign_policy" / "news" / "1819686.html"
MID_URL = "https://mid.ru/en/foreign_policy/news/1819686/"
FMPRC_URL = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202405/t20240530_11347301.html"


def _mid_with_date(line: str) -> bytes:
    page = MID_PAGE.read_bytes()
    assert b">28 June 2022 11:44<" in page
    return page.replace(b">28 June 2022 11:44<", f">{line}<".encode(), 1)


@pytest.mark.parametrize(("raw", "tz", "value"), [
    ("пятница, 1 июля 2022 г.", "Europe/Moscow", "2022-07-01T00:00:00+03:00"),
    ("Пятница, 1 июля 2022 г. 11:44", "Europe/Moscow", "2022-07-01T11:44:00+03:00"),
    ("пт, 01.07.2022 11:44", "Europe/Moscow", "2022-07-01T11:44:00+03:00"),
    ("Friday, 1 July 2022 11:44", "Europe/Moscow", "2022-07-01T11:44:00+03:00"),
    ("2019年1月2日 星期三", "Asia/Shanghai", "2019-01-02T00:00:00+08:00"),
    ("2019年1月2日星期三 15:30", "Asia/Shanghai", "2019-01-02T15:30:00+08:00"),
    ("2019年1月2日（星期三）", "Asia/Shanghai", "2019-01-02T00:00:00+08:00"),
    ("2019年01月02日 周三", "Asia/Shanghai", "2019-01-02T00:00:00+08:00"),
])
def test_a_weekday_with_the_date_is_read(raw, tz, value):
    from crawler.normalise.dates import isoformat, parse_date

    assert isoformat(parse_date(raw, tz).value) == value


@pytest.mark.parametrize("line", ["пятница, 1 июля 2022 г.", "Friday, 1 July 2022"])
def test_mid_page_with_a_weekday_in_its_date_line(line, caplog):
    item = normalise(read_saved_page(MID_URL, _mid_with_date(line), "text/html; charset=utf-8"))
    assert item.published == "2022-07-01T00:00:00+03:00"
    assert item.published_raw == line
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_unreadable_printed_date_falls_back_with_a_warning(caplog):
    page = _mid_with_date("garbage date")
    item = normalise(read_saved_page(MID_URL, page, "text/html; charset=utf-8"))
    assert item.published == "2022-06-28T00:00:00+03:00"  # the document number's day
    assert item.published_raw is None  # docs/schema.md: null when from the document number
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert MID_URL in warning and "'garbage date'" in warning and "document number '1345-28-06-2022'" in warning
    caplog.clear()
    item = normalise(read_saved_page(MID_URL, page, "text/html; charset=utf-8", listing_date="28.06.2022 11:44"))
    assert item.published == "2022-06-28T11:44:00+03:00"
    assert item.published_raw == "28.06.2022 11:44"  # the string the date was taken from
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert MID_URL in warning and "'garbage date'" in warning and "listing's date '28.06.2022 11:44'" in warning


@pytest.mark.parametrize(("name", "line", "published", "raw"), [
    ("slash-date", "2019年1月2日 星期三", "2019-01-02T00:00:00+08:00", "2019年1月2日 星期三"),
    # a printed day without a time takes the time of the page's PubDate meta of the same day
    ("slash-date-with-meta", "2019年1月2日 星期三", "2019-01-02T15:30:00+08:00", "2019-01-02 15:30"),
])
def test_fmprc_page_with_a_trailing_weekday(name, line, published, raw, caplog):
    page = (FIXTURES / "cases" / "fmprc-printed-dates" / f"{name}.html").read_bytes()
    page = page.replace(b">2019/01/02<", f">{line}<".encode(), 1)
    item = normalise(read_saved_page(FMPRC_URL, page))
    assert (item.published, item.published_raw) == (published, raw)
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_fmprc_unreadable_date_falls_back_to_the_meta_with_a_warning(caplog):
    page = (FIXTURES / "cases" / "fmprc-printed-dates" / "slash-date-with-meta.html").read_bytes()
    item = normalise(read_saved_page(FMPRC_URL, page.replace(b">2019/01/02<", b">date unknown<", 1)))
    assert (item.published, item.published_raw) == ("2019-01-02T15:30:00+08:00", "2019-01-02 15:30")
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert FMPRC_URL in warning and "'date unknown'" in warning and "metadata" in warning


def test_extract_command_warns_about_an_unreadable_date(tmp_path):
    from tests.crawl import run_scrapy

    path = tmp_path / "1819686.html"
    path.write_bytes(_mid_with_date("garbage date"))
    result = run_scrapy("extract", str(path), "--url", MID_URL)
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert item["published"] == "2022-06-28T00:00:00+03:00"
    assert item["published_raw"] is None
    [line] = [line for line in result.stderr.splitlines() if "garbage date" in line]
    assert MID_URL in line and "document number" in line


# --- 1. the link-density rule: a list the text introduces stays, a "Read also" run goes ----------------
def _inserted(heading: str, lead: str) -> str:
    """Blocks put into an article body after its first paragraph: a list of documents the article
    introduces, a list of other pages it introduces, a "Read also" heading over one link per
    paragraph, and the article's own closing paragraph."""
    return (f'<p>{lead}</p><ul><li><a href="/docs/x.pdf">Agreement on economic cooperation between the two'
            ' governments</a></li><li><a href="/upload/memo.docx">Memorandum on culture and education</a></li></ul>'
            '<p>The delegation also visited:</p><ul><li><a href="/visit/museum">the Museum of Contemporary'
            ' History</a></li><li><a href="/visit/library">the National Library</a></li></ul>'
            f'<p><strong>{heading}</strong></p><p><a href="/x/1.html">Minister holds talks with his counterpart</a></p>'
            '<p><a href="/x/2.html">Statement on the situation in the region</a></p>'
            '<p><a href="/x/3.html">Comment on a question from the media</a></p>'
            '<p>The sides agreed to meet again next year.</p>')


#: (saved page, the body text the blocks go after, the "Read also" heading in the page's language)
LINK_PAGES = [
    ("mid/en/foreign_policy/news/1819686.html", "In response to the constantly expanding US sanctions", "Read also:"),
    ("mid/ru/foreign_policy/news/1820801.html", "30 июня состоялся телефонный разговор", "Читайте также:"),
    ("mid_archive/en/answers/3990765.html", "How does Moscow assess the implementation", "See also:"),
    ("state_dept/article-104187.html", "The Department of State is designating", "Related Articles"),
    ("fmprc/en/t20241128_11535555.html", "Wang Yi will chair the fifth China-Central Asia", "Related news:"),
    ("aa/article-2500440.html", "For the climate crisis does not stop at borders.", "Read more:"),
    ("mofa_jp/en/press4e_001223.html", "1. On August 2, the Government of Japan decided", "Related Links"),
    ("mofa_jp/ja/pressit_000001_04231.html", "大空幸星外務大臣政務官は", "関連リンク"),
    ("gac_ca/en/canada-announces-humanitarian-assistance-for-people-affected.html", None, "See also:"),
    ("mae_fr/fr/point-de-presse-du-porte-parole-15-juin-2026.html", None, "Lire aussi :"),
]


def _charset(content_type: str) -> str:
    label = content_type.lower().partition("charset=")[2].strip() or "utf-8"
    return "gb18030" if label in ("gb2312", "gbk") else label


@pytest.mark.parametrize(("path", "anchor", "heading"), LINK_PAGES, ids=[path for path, _, _ in LINK_PAGES])
def test_introduced_lists_stay_and_read_also_runs_go(path, anchor, heading):
    url, content_type = _saved(path)
    raw = (FIXTURES / path).read_bytes()
    if anchor is None:  # the first phrase the phrase corpus says the body has
        corpus = json.loads((FIXTURES.parent / "phrases" / "sources.json").read_text(encoding="utf-8"))
        anchor = corpus["pages"][url]["must"][0]
    encoding = _charset(content_type)
    at = raw.index(b"</p>", raw.index(anchor.encode(encoding))) + len(b"</p>")
    lead = "The following documents were signed:"
    varied = raw[:at] + _inserted(heading, lead).encode(encoding) + raw[at:]
    text = normalise(read_saved_page(url, varied, content_type)).body_text
    for phrase in (lead, "Agreement on economic cooperation between the two governments",
                   "Memorandum on culture and education", "The delegation also visited:",
                   "the Museum of Contemporary History", "the National Library",
                   "The sides agreed to meet again next year."):
        assert phrase in text, f"{path}: lost {phrase!r}"
    for phrase in (heading.rstrip(" :"), "Minister holds talks", "Statement on the situation in the region",
                   "Comment on a question"):
        assert phrase not in text, f"{path}: chrome left in: {phrase!r}"


def test_govuk_paragraph_of_inline_links_stays_and_a_see_also_run_goes():
    name = "news_article_frontend_world_news_story_news_article"
    item = json.loads((FIXTURES / "fcdo" / f"publishing-api__{name}.json").read_text(encoding="utf-8"))
    item["details"]["body"] = (
        '<div class="govspeak"><p>The Foreign Secretary made a statement today.</p>'
        '<p><a href="https://www.gov.uk/government/news/uk-and-france-agree">UK and France agree new partnership</a>'
        ' and <a href="https://www.gov.uk/government/news/joint-communique">the joint communiqué</a></p>'
        '<p>The following documents were signed:</p><ul>'
        '<li><a href="https://assets.publishing.service.gov.uk/media/1/treaty.pdf">Treaty on cooperation</a></li>'
        '<li><a href="https://assets.publishing.service.gov.uk/media/2/annex.pdf">Annex to the treaty</a></li></ul>'
        '<h2>See also</h2><p><a href="https://www.gov.uk/a">Travel advice</a></p>'
        '<p><a href="https://www.gov.uk/b">Living in France</a></p></div>')
    url = content_api_url("https://www.gov.uk" + item["base_path"])
    text = normalise(GovUkContentItem(url, json.dumps(item)).statement()).body_text
    assert text == ("The Foreign Secretary made a statement today.\n\n"
                    "UK and France agree new partnership and the joint communiqué\n\n"
                    "The following documents were signed:\n\nTreaty on cooperation\n\nAnnex to the treaty")


# --- a page cut short is never the start of a statement ------------------------------------------------
def _article_pages() -> list[tuple[str, str]]:
    """(url, text) of every bundled page that an article page object reads as a statement."""
    found = []
    for url in sorted(manifest()):
        text = fixture_response(url).text
        try:
            read_article(url, text)
        except ParseError:  # listings, feeds, the challenge page
            continue
        found.append((url, text))
    return found


ARTICLE_PAGES = _article_pages()
DOCUMENTS = [(url, text) for url, text in ARTICLE_PAGES
             if text.lstrip("\ufeff \n").lower().startswith(("<!doctype", "<html"))]


def test_every_source_with_whole_documents_is_checked():
    assert {read_article(url, text).source for url, text in DOCUMENTS} >= {
        "mid", "fmprc", "aa", "state_dept", "mofa_jp", "mae_fr", "gac_ca"}
    assert len(DOCUMENTS) >= 40


@pytest.mark.parametrize(("url", "text"), DOCUMENTS, ids=[url for url, _ in DOCUMENTS])
def test_a_document_cut_in_its_body_is_a_truncated_page(url, text):
    body_text = read_article(url, text).body_html
    words = re.sub(r"<[^>]+>", " ", body_text).split()
    # cut right after a word from the middle of the body, as a connection or a failing server cuts
    word = words[len(words) // 2]
    at = text.index(word, text.index(words[0]) if words[0] in text else 0) + len(word)
    with pytest.raises(ParseError) as raised:
        read_article(url, text[:at])
    assert raised.value.reason == "truncated_page"
    assert raised.value.url == url


def test_a_fragment_is_not_judged_by_its_end():
    """mea.gov.in's endpoints serve the article as a fragment, with no <html> nor </html>: read
    as it is (its end cannot be told from a cut)."""
    url = "https://www.mea.gov.in/press-releases?dtl/41705/Visit_of_External_Affairs_Minister_to_Japan_October_5_7_2026"
    text = fixture_response(detail_url("https://www.mea.gov.in", url)).text
    assert "<html" not in text.lower() and "</html" not in text.lower()
    assert not cut_short(text)
    assert MeaArticlePage(url, text).statement().title.startswith("Visit of External Affairs Minister")


@pytest.mark.parametrize(("text", "cut"), [
    ("<!DOCTYPE html><html><body><p>All of it.</p></body></html>", False),
    ("<!doctype html>\n<html lang=en><body><p>All of it.</p></BODY >\n", False),  # </html> left out
    ("\ufeff <!-- generated --> <HTML><body><p>All of it.</p></html>", False),   # </body> left out
    ("<html><body><p>All of it.</p></body></html>" + "<script>var x = 1;</script>" * 400, False),
    ("<!DOCTYPE html><html><body><p>The start of it", True),
    ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN">'
     '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>The start of it', True),
    ('<?xml version="1.0"?><html><body><p>All of it.</p></body></html>', False),
    ("\ufeff<!-- x --><html><head><title>T</title></head><body><div><p>The start", True),
    ("<!DOCTYPE html><html><body><p>Says &lt;/body&gt; and &lt;/html&gt; in its text", True),
    ('<div class="article"><p>A fragment, whole as served</p></div>', False),
    ('{"body": "<html><p>JSON holding HTML</p>"}', False),
    ("", False),
])
def test_cut_short(text, cut):
    assert cut_short(text) is cut


@pytest.mark.parametrize("line", ["[打印本页] [关闭窗口]", "【打印本页】 【关闭窗口】", "【打印】【关闭】",
                                  "[ Print this page ] [ Close window ]", "[Print] [Close]"])
def test_fmprc_print_and_close_line_ends_the_text(line):
    url = "https://www.fmprc.gov.cn/eng/xw/zyjh/202411/t20241125_11533101.html"
    text = fixture_response(url).text
    last = "as the year draws to a close."
    assert text.count(last) == 1
    page = text.replace(last, f"{last}</p>\n<p>{line}</p>\n<p>(Chrome after the tools)", 1)
    body = normalise(read_article(url, page)).body_text
    assert body.endswith(last)
    assert "打印" not in body and "Print" not in body and "Chrome after" not in body


@pytest.mark.parametrize("feed", ["aa/rss-en.xml", "aa/rss-de.xml", "state_dept/press-releases.rss",
                                  "state_dept/department-press-briefings.rss"])
def test_a_feed_cut_short_is_a_truncated_feed(feed):
    """libxml2's recovery read a feed cut in its items as fewer items (a statement it seemed to
    drop was re-checked, and removed on its page's 404)."""
    from crawler.pages.feeds_rss import read_rss

    data = (FIXTURES / feed).read_bytes()
    whole = read_rss("https://x.test/feed", data)
    assert len(read_rss("https://x.test/feed", data + b"\n<!-- cached -->\n")) == len(whole) >= 1
    for cut in (data[:len(data) // 3], data[:data.rindex(b"<item>")], data.rstrip()[:-len("</rss>")]):
        with pytest.raises(ParseError) as raised:
            read_rss("https://x.test/feed", cut)
        assert raised.value.reason == "truncated_feed"
