"""Charsets decided by evidence (issue 10, item 5): header, meta and bytes weighed, in the crawl's
middleware and in ``scrapy extract --encoding``; mojibake is never the answer."""

from __future__ import annotations

import json
import logging
import re

import pytest
from scrapy.http import HtmlResponse, JsonResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares.charset import CharsetMiddleware
from crawler.normalise.charset import decide_charset, decode_page, mostly_utf8, single_byte
from tests.conftest import FIXTURES
from tests.crawl import run_scrapy

RUSSIAN = "О встрече Министра иностранных дел России С.В.Лаврова"
CHINESE = "外交部发言人毛宁主持例行记者会"
FRENCH = "Déclaration du ministère des Affaires étrangères sur la situation à Genève"
JAPANESE = "外務大臣会見記録　令和６年５月３０日"


def page(text: str, encoding: str, meta: str | None) -> bytes:
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<html><head>{head}<title>{text}</title></head><body><p>{text}</p></body></html>".encode(encoding)


@pytest.mark.parametrize(("body", "content_type", "hints", "encoding", "evidence"), [
    # the bytes are valid UTF-8: UTF-8, whatever the header says
    (page(RUSSIAN, "utf-8", "utf-8"), "text/html; charset=windows-1251", (), "utf-8", "valid utf-8"),
    (page(RUSSIAN, "utf-8", "utf-8"), "text/html; charset=iso-8859-1", (), "utf-8", "valid utf-8"),
    (page(RUSSIAN, "utf-8", "windows-1251"), "text/html; charset=windows-1251", (), "utf-8", "valid utf-8"),
    (page(CHINESE, "utf-8", "gb2312"), "text/html; charset=gb2312", (), "utf-8", "valid utf-8"),
    # windows-1251 bytes under a header and a meta that say UTF-8
    (page(RUSSIAN, "cp1251", "utf-8"), "text/html; charset=utf-8", ("cp1251",), "cp1251", "fallback"),
    (page(RUSSIAN, "cp1251", "utf-8"), "text/html; charset=utf-8", (), "cp1251", "detected"),
    (page(RUSSIAN, "cp1251", None), None, ("cp1251",), "cp1251", "fallback"),
    # header and meta disagree and both decode: the one that reads as a language
    (page(RUSSIAN, "cp1251", "windows-1251"), "text/html; charset=iso-8859-1", (), "cp1251", "declared"),
    # a declared label read through WHATWG's aliases: gb2312 pages are GBK, read as GB18030
    (page(CHINESE + "镕", "gbk", "gb2312"), "text/html; charset=gb2312", (), "gb18030", "declared"),
    (page(RUSSIAN, "cp1251", "windows-1251"), "text/html", (), "cp1251", "declared"),
    # a single-byte label decodes any bytes, so it is weighed, not trusted: windows-1251 bytes
    # under iso-8859-1, KOI8-R bytes under windows-1251 or UTF-8 (with the site's cp1251 hint)
    (page(RUSSIAN, "cp1251", None), "text/html; charset=iso-8859-1", (), "cp1251", "detected"),
    (page(RUSSIAN, "cp1251", None), "text/html; charset=iso-8859-1", ("cp1251",), "cp1251", "fallback"),
    (page(RUSSIAN, "koi8-r", None), "text/html; charset=windows-1251", (), "koi8-r", "detected"),
    (page(RUSSIAN, "koi8-r", None), "text/html; charset=windows-1251", ("cp1251",), "koi8-r", "detected"),
    (page(RUSSIAN, "koi8-r", "utf-8"), "text/html; charset=utf-8", ("cp1251",), "koi8-r", "detected"),
    # ... and kept when its text reads as well as any other
    (page(RUSSIAN, "koi8-r", "koi8-r"), "text/html; charset=koi8-r", ("cp1251",), "koi8-r", "declared"),
    (page(RUSSIAN, "cp1251", "windows-1251"), "text/html; charset=windows-1251", ("cp1251",), "cp1251", "declared"),
    (page(FRENCH, "cp1252", None), "text/html; charset=iso-8859-1", (), "cp1252", "declared"),
    (page(FRENCH, "cp1252", "windows-1252"), None, ("cp1251",), "cp1252", "declared"),
    # multi-byte encodings: the declared or hinted one that decodes, else detected
    (page(JAPANESE, "cp932", "shift_jis"), None, ("cp932",), "cp932", "declared"),
    (page(JAPANESE, "cp932", None), None, ("cp932",), "cp932", "fallback"),
    (page(JAPANESE, "cp932", None), "text/html; charset=iso-8859-1", (), "cp932", "detected"),
    (page(CHINESE, "gbk", None), "text/html; charset=iso-8859-1", ("gb18030",), "gb18030", "fallback"),
    # ... but a declared multi-byte label that decodes is weighed against the site's own encoding
    (page(JAPANESE, "cp932", None), "text/html; charset=gb2312", ("cp932",), "cp932", "fallback"),
    (page(JAPANESE, "cp932", "gb2312"), None, ("cp932",), "cp932", "fallback"),
    (page(CHINESE + "，中华人民共和国外交部", "gbk", None), "text/html; charset=euc-kr", ("gb18030",), "gb18030",
     "fallback"),
    # windows-1252 text with no usable label is windows-1252, not another encoding giving other text
    (page(FRENCH, "cp1252", "utf-8"), "text/html; charset=utf-8", (), "cp1252", "detected"),
    (page(FRENCH, "cp1252", None), None, (), "cp1252", "detected"),
    # a byte-order mark wins; pure ASCII keeps the declaration
    (b"\xef\xbb\xbf" + page(RUSSIAN, "utf-8", None), "text/html; charset=windows-1251", (), "utf-8-sig", "bom"),
    (page("plain", "ascii", "iso-8859-1"), None, (), "cp1252", "ascii"),
])
def test_decide_charset(body, content_type, hints, encoding, evidence):
    choice = decide_charset(body, content_type, hints)
    assert (choice.encoding, choice.evidence) == (encoding, evidence)
    text = decode_page(body, content_type, hints)[0]
    assert "\ufffd" not in text and not text.startswith("\ufeff")


def test_choice_says_what_it_overruled():
    choice = decide_charset(page(RUSSIAN, "utf-8", "utf-8"), "text/html; charset=windows-1251")
    assert choice.conflict
    assert choice.describe() == "utf-8 (valid utf-8; header cp1251, meta utf-8)"
    assert not decide_charset(page(RUSSIAN, "utf-8", "utf-8"), "text/html; charset=utf-8").conflict


# --- UTF-8 with stray bytes: an editor's pasted windows-1252 quote in a UTF-8 page ---------------
#: UTF-8 pages and API answers of several scripts, and where a stray byte is pasted in each.
UTF8_WITH_STRAYS = [
    ("mid/ru/foreign_policy/news/1820150.html", "Лавров".encode()),
    ("fmprc/en/t20241128_11535555.html", b"Can you share"),
    ("mofa_jp/ja/pressit_000001_04228.html", "外務".encode()),
    ("fcdo/publishing-api__news_article_frontend_news_article_news_story_translated_arabic.json", b'"title"'),
    ("mea_in/hi/detail-33993.html", "भारत".encode()),
]


def with_strays(fixture: str, before: bytes, strays: bytes) -> tuple[bytes, str]:
    """The fixture's bytes with ``strays`` pasted before the first ``before``, and the text they
    should read as: the page's text, a U+FFFD for each stray byte."""
    body = (FIXTURES / fixture).read_bytes()
    at = body.index(before)
    text = body.decode("utf-8")
    at_text = text.index(before.decode())
    return body[:at] + strays + body[at:], text[:at_text] + "\ufffd" * len(strays) + text[at_text:]


@pytest.mark.parametrize(("fixture", "before"), UTF8_WITH_STRAYS, ids=[f for f, _ in UTF8_WITH_STRAYS])
@pytest.mark.parametrize("strays", [b"\x93", b"\x93\x94", b"\xff", b"\x81", b"\xc3"], ids=repr)
@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/html; charset=windows-1251", None])
def test_utf8_with_a_stray_byte_is_utf8(fixture, before, strays, content_type):
    """Not a legacy page: its every other character would be mojibake ("LavrovвЂ™s" for
    "Lavrov’s"); the stray byte alone is U+FFFD."""
    body, expected = with_strays(fixture, before, strays)
    choice = decide_charset(body, content_type, ("cp1251", "gb18030", "cp932"))
    assert (choice.encoding, choice.evidence) == ("utf-8", "mostly valid utf-8")
    assert decode_page(body, content_type)[0] == expected


ENGLISH_PAGE = "mid/en/press_service/deputy_ministers_speeches/1818705.html"


def test_a_pasted_word_paragraph_in_an_english_utf8_page_is_utf8():
    """Few valid multi-byte characters (an English page's ’ and ©), several stray quotes: strays
    that are all C1 bytes (windows-1252's quotes and dashes) in a page that says UTF-8 are
    stray bytes, not a legacy page (where "Ryabkov’s" would read "RyabkovвЂ™s")."""
    body, expected = with_strays(ENGLISH_PAGE, b"Russia supports", b"\x93")
    body = body.replace(b"\x93Russia supports", b"\x93Russia\x92s partners\x92 views matter\x94. Russia supports")
    choice = decide_charset(body, "text/html; charset=utf-8")
    assert (choice.encoding, choice.evidence) == ("utf-8", "mostly valid utf-8")
    text = decode_page(body, "text/html; charset=utf-8")[0]
    assert text == expected.replace("\ufffdRussia supports",
                                    "\ufffdRussia\ufffds partners\ufffd views matter\ufffd. Russia supports")


@pytest.mark.parametrize(("text", "encoding"), [
    ("邮编：100701", "gb18030"), ("茂木外", "cp932"), ("茂木外", "euc_jp"), ("её всё", "koi8_r"),
    ("中华人民共和国外交部", "gb18030"), ("外務大臣会見記録", "cp932"), ("Déjà vu «œuvre»", "cp1252"),
])
def test_a_few_legacy_characters_are_not_utf8_with_strays(text, encoding):
    """A short run of legacy text can hold a valid UTF-8 sequence by chance ("её" in KOI8-R is
    "ţ"): under its own label, or under none, it is never read as UTF-8."""
    body = f"<html><head></head><body><p>Text: {text}.</p></body></html>".encode(encoding)
    assert not mostly_utf8(body)
    assert not mostly_utf8(body, (encoding, None))
    assert decide_charset(body, f"text/html; charset={encoding}").encoding != "utf-8"


def test_an_english_page_in_koi8_r_quoting_russian_stays_koi8_r():
    """Its header and meta say KOI8-R, and its few Cyrillic letters hold a valid UTF-8 sequence by
    chance: the label wins over so little evidence."""
    text = (FIXTURES / ENGLISH_PAGE).read_text(encoding="utf-8")
    text = re.sub(r'charset=["]?utf-8', "charset=koi8-r", text, flags=re.I).replace("’", "'").replace("©", "(c)")
    text = text.replace("Colleagues,", 'Colleagues ("её всё"),', 1)
    assert 'Colleagues ("её всё"),' in text
    body = text.encode("koi8_r")
    choice = decide_charset(body, "text/html; charset=koi8-r", ("cp1251",))
    assert choice.encoding == "koi8-r"
    assert 'Colleagues ("её всё"),' in decode_page(body, "text/html; charset=koi8-r", ("cp1251",))[0]


@pytest.mark.parametrize(("fixture", "encoding"), [
    ("mid/ru/foreign_policy/news/1820801.html", "cp1251"),
    ("mid_archive/ru/comments/4005408.html", "cp1251"),
    ("fmprc/zh/t20241128_11535541.shtml", "gb18030"),
    ("briefings/fmprc-zh-2013-wenda-narrative.html", "gb18030"),
    ("mofa_jp/ja/kaikenit_000001_00152.html", "cp932"),
])
def test_legacy_pages_are_not_utf8_with_strays(fixture, encoding):
    """The saved pages in legacy encodings: their bytes hold sequences that happen to be valid
    UTF-8 (a quarter of GB18030's and Shift_JIS's characters), never enough to read as UTF-8."""
    body = (FIXTURES / fixture).read_bytes()
    assert not mostly_utf8(body)
    assert decide_charset(body, "text/html; charset=utf-8", (encoding,)).encoding == encoding


# --- in the crawl: a downloader middleware before anything reads the text -----------------------
def middleware(hints=()):
    crawler = get_crawler(settings_dict={})
    crawler.spider = type("Spider", (), {"charset_hints": hints})()
    crawler.stats.open_spider()
    return CharsetMiddleware.from_crawler(crawler), crawler


def test_middleware_reads_a_utf8_page_served_as_windows_1251(caplog):
    body = page(RUSSIAN, "utf-8", "utf-8")
    response = HtmlResponse("https://mid.ru/ru/x/", body=body,
                            headers={"Content-Type": "text/html; charset=windows-1251"})
    assert RUSSIAN not in response.text  # what Scrapy alone would store: mojibake
    mw, crawler = middleware()
    with caplog.at_level(logging.DEBUG, logger="crawler.middlewares.charset"):
        fixed = mw.process_response(None, response)
    assert RUSSIAN in fixed.text
    assert fixed.body == body  # the raw page is kept as served
    assert "Charset of https://mid.ru/ru/x/: utf-8 (valid utf-8; header cp1251, meta utf-8)" in caplog.text
    assert crawler.stats.get_value("mf/charset/overruled") == 1


def test_middleware_reads_windows_1251_bytes_declared_utf8():
    body = page(RUSSIAN, "cp1251", "utf-8")
    response = HtmlResponse("https://mid.ru/ru/x/", body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    mw, _ = middleware(("cp1251",))
    assert RUSSIAN in mw.process_response(None, response).text


@pytest.mark.parametrize(("encoding", "header"), [("koi8-r", "windows-1251"), ("cp1251", "iso-8859-1")])
def test_middleware_reads_cyrillic_bytes_under_a_wrong_single_byte_label(encoding, header):
    body = page(RUSSIAN, encoding, None)
    response = HtmlResponse("https://mid.ru/ru/x/", body=body, headers={"Content-Type": f"text/html; charset={header}"})
    assert RUSSIAN not in response.text  # what Scrapy alone would store: mojibake
    mw, crawler = middleware(("cp1251",))
    assert RUSSIAN in mw.process_response(None, response).text
    assert crawler.stats.get_value("mf/charset/overruled") == 1


def test_middleware_reads_an_api_answer_with_a_stray_byte_as_utf8():
    """GOV.UK's JSON with one pasted windows-1252 byte: its Arabic title as sent, not
    "Ø¨ÛŒØ§Ù†ÛŒÙ‡" (Scrapy alone reads the answer as windows-1252)."""
    fixture = "fcdo/publishing-api__news_article_frontend_news_article_news_story_translated_arabic.json"
    title = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))["title"]
    assert not title.isascii()
    body, expected = with_strays(fixture, title.encode(), b"\x92")
    response = JsonResponse("https://www.gov.uk/api/content/x", body=body,
                            headers={"Content-Type": "application/json; charset=utf-8"})
    mw, _ = middleware()
    text = mw.process_response(None, response).text
    assert text == expected
    assert json.loads(text)["title"] == "\ufffd" + title


def test_single_byte_encodings_are_told_from_multi_byte_ones():
    assert all(map(single_byte, ["cp1251", "koi8_r", "cp1252", "latin-1", "iso8859_5"]))
    assert not any(map(single_byte, ["gb18030", "cp932", "euc_kr", "big5", "utf-8"]))


def test_middleware_leaves_agreeing_pages_and_xml_alone():
    mw, crawler = middleware()
    response = HtmlResponse("https://mid.ru/x/", body=page(RUSSIAN, "utf-8", "utf-8"),
                            headers={"Content-Type": "text/html; charset=utf-8"})
    assert mw.process_response(None, response) is response
    feed = XmlResponse("https://mid.ru/rss", body=b'<?xml version="1.0" encoding="windows-1251"?><rss/>',
                       headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    assert mw.process_response(None, feed) is feed
    api = JsonResponse("https://www.gov.uk/api/x", body=json.dumps({"t": RUSSIAN}, ensure_ascii=False).encode(),
                       headers={"Content-Type": "application/json"})
    assert json.loads(mw.process_response(None, api).text)["t"] == RUSSIAN
    assert crawler.stats.get_value("mf/charset/overruled") is None


# --- scrapy extract --encoding -------------------------------------------------------------------
UTF8_PAGE = FIXTURES / "mid" / "ru" / "foreign_policy" / "news" / "1820150.html"
UTF8_URL = "https://mid.ru/ru/foreign_policy/news/1820150/"
TITLE = ("О встрече Министра иностранных дел России С.В.Лаврова с Министром иностранных дел Туркменистана"
         " Р.О.Мередовым")


@pytest.mark.parametrize("encoding", ["windows-1251", "iso-8859-1"])
def test_extract_utf8_page_with_a_wrong_encoding_given(encoding):
    result = run_scrapy("extract", str(UTF8_PAGE), "--url", UTF8_URL, "--encoding", encoding)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"] == TITLE


def test_extract_windows_1251_bytes_declared_utf8(tmp_path):
    path = tmp_path / "1820150.html"
    path.write_bytes(UTF8_PAGE.read_text(encoding="utf-8").encode("cp1251"))  # the meta still says utf-8
    result = run_scrapy("extract", str(path), "--url", UTF8_URL, "--encoding", "utf-8")
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert item["title"] == TITLE
    assert "\ufffd" not in item["body_text"]


@pytest.mark.parametrize(("written", "given"), [("koi8-r", "windows-1251"), ("cp1251", "iso-8859-1"),
                                               ("koi8-r", "utf-8")])
def test_extract_cyrillic_bytes_under_a_wrong_label(tmp_path, written, given):
    path = tmp_path / "1820150.html"
    text = UTF8_PAGE.read_text(encoding="utf-8").replace('charset="utf-8"', "")  # http-equiv says utf-8
    path.write_bytes(text.encode(written, errors="xmlcharrefreplace"))
    result = run_scrapy("extract", str(path), "--url", UTF8_URL, "--encoding", given)
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert item["title"] == TITLE
    assert "\ufffd" not in item["body_text"] and "Лавров" in item["body_text"]


@pytest.mark.parametrize(("fixture", "url", "written", "given"), [
    ("mofa_jp/ja/pressit_000001_04228.html", "https://www.mofa.go.jp/mofaj/press/release/pressit_000001_04228.html",
     "cp932", "gb2312"),
    ("mae_fr/fr/liban-deplacement-du-ministre-31-mars-2026.html", "https://www.diplomatie.gouv.fr/fr/presse-et-"
     "ressources/decouvrir-et-informer/actualites/liban-deplacement-du-ministre-31-mars-2026", "cp1252", "utf-8"),
])
def test_extract_legacy_bytes_of_other_sources_under_a_wrong_label(tmp_path, fixture, url, written, given):
    """Shift_JIS under a GB2312 label, windows-1252 French under UTF-8: the title and text as in
    the UTF-8 page."""
    right = run_scrapy("extract", str(FIXTURES / fixture), "--url", url)
    assert right.returncode == 0, right.stderr
    path = tmp_path / "page.html"
    text = (FIXTURES / fixture).read_text(encoding="utf-8").replace('charset="utf-8"', "")
    path.write_bytes(text.encode(written, errors="xmlcharrefreplace"))
    result = run_scrapy("extract", str(path), "--url", url, "--encoding", given)
    assert result.returncode == 0, result.stderr
    expected, item = json.loads(right.stdout), json.loads(result.stdout)
    assert (item["title"], item["body_text"]) == (expected["title"], expected["body_text"])


def test_extract_a_utf8_page_with_stray_quotes(tmp_path):
    """China's MFA page with a pasted windows-1252 quote pair: its title with ’ as published (not
    "Mao Ningâ€™s"), the two stray bytes U+FFFD in the text."""
    fixture, url = "fmprc/en/t20241128_11535555.html", \
        "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202411/t20241128_11535555.html"
    right = run_scrapy("extract", str(FIXTURES / fixture), "--url", url)
    assert right.returncode == 0, right.stderr
    path = tmp_path / "page.html"
    body = with_strays(fixture, b"Can you share", b"\x93")[0]
    path.write_bytes(body.replace(b"Can you share", b"Can you\x94 share", 1))
    result = run_scrapy("extract", str(path), "--url", url)
    assert result.returncode == 0, result.stderr
    expected, item = json.loads(right.stdout), json.loads(result.stdout)
    assert item["title"] == expected["title"] and "’" in item["title"]
    assert item["body_text"] == expected["body_text"].replace("Can you share", "\ufffdCan you\ufffd share", 1)


def test_extract_unknown_encoding_is_a_usage_error():
    result = run_scrapy("extract", str(UTF8_PAGE), "--url", UTF8_URL, "--encoding", "klingon-8")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == "scrapy extract: --encoding klingon-8: not a known character encoding"
