"""France's Ministry for Europe and Foreign Affairs (mae_fr): the Drupal site's listings (cards,
pages from 0, the pager), documents in English and French (one node, linked), ordinal English and
French dates, and the spokesperson's briefings as Q/R segments (tests/fixtures/mae_fr/)."""

from __future__ import annotations

import pytest

from crawler.normalise.statement import normalise
from crawler.pages import ParseError
from crawler.pages.cleanup import parse_document
from crawler.pages.mae_fr import MaeArticlePage, MaeListingPage, listing_url, node_id, parse_article_url
from tests.conftest import fixture_response

ORIGIN = "https://www.diplomatie.gouv.fr"
NEWS = "/presse-et-ressources/decouvrir-et-informer/actualites/"
BRIEFING_EN = f"{ORIGIN}/en{NEWS}point-de-presse-du-porte-parole-15-juin-2026"
BRIEFING_FR = f"{ORIGIN}/fr{NEWS}point-de-presse-du-porte-parole-15-juin-2026"
STATEMENT_EN = f"{ORIGIN}/en{NEWS}ukraine-declaration-de-la-porte-parole-13-mai-2026"


def item(url: str) -> dict:
    return normalise(MaeArticlePage(url, fixture_response(url).text).statement()).to_dict()


@pytest.mark.parametrize(("url", "facts"), [
    (BRIEFING_EN, ("en", "point-de-presse-du-porte-parole-15-juin-2026")),
    (f"{ORIGIN}/fr{NEWS}liban-deplacement-du-ministre-31-mars-2026/",
     ("fr", "liban-deplacement-du-ministre-31-mars-2026")),
    (f"{ORIGIN}/en/press/news?page=1", None),
    (f"{ORIGIN}/en/country-files/israel-palestinian-territories/news/2023/article/x", None),  # the SPIP site's
])
def test_document_urls(url, facts):
    assert parse_article_url(url) == facts


def test_listing_pages_count_from_zero():
    assert listing_url(ORIGIN, "en/press/news", 1) == f"{ORIGIN}/en/press/news"
    assert listing_url(ORIGIN, "en/press/news", 2) == f"{ORIGIN}/en/press/news?page=1"


def test_listing_cards_dates_and_pager():
    url = f"{ORIGIN}/en/press/news"
    page = MaeListingPage(url, fixture_response(url).text)
    assert [(e.url, e.date_raw) for e in page.entries()] == [(BRIEFING_EN, "June 15th 2026"),
                                                              (STATEMENT_EN, "May 13th 2026")]
    assert page.has_next_page()
    url = f"{ORIGIN}/en/press/news?page=1"
    assert not MaeListingPage(url, fixture_response(url).text).has_next_page()
    with pytest.raises(ParseError, match="listing_layout"):
        MaeListingPage(url, "<html><body><p>Maintenance</p></body></html>").entries()


def test_english_statement():
    statement = item(STATEMENT_EN)
    assert (statement["id"], statement["site"], statement["site_id"]) == \
        ("mae_fr:en:8651", "diplomatie.gouv.fr", "8651")
    assert (statement["type"], statement["language"]) == ("statement", "en")
    assert (statement["published"], statement["published_precision"], statement["published_raw"]) == \
        ("2026-05-13T00:00:00+02:00", "date", "May 13th 2026")
    assert statement["translations"] == {"fr": f"{ORIGIN}/fr{NEWS}ukraine-declaration-de-la-porte-parole-13-mai-2026"}
    assert statement["tags"] == ["Europe"]
    assert statement["body_text"].startswith("France condemns in the strongest terms")


def test_french_briefing_is_the_same_node_and_is_segmented():
    french = item(BRIEFING_FR)
    assert (french["site_id"], french["type"], french["language"]) == ("8702", "briefing", "fr")
    assert (french["published"], french["published_raw"]) == ("2026-06-15T00:00:00+02:00", "15 juin 2026")
    assert french["translations"] == {"en": BRIEFING_EN}
    assert [s["kind"] for s in french["segments"]] == ["question", "answer", "question", "answer", "remark"]
    assert french["segments"][0]["text"].startswith("J’ai une question concernant la négociation")
    english = item(BRIEFING_EN)
    assert english["site_id"] == "8702"
    assert [s["kind"] for s in english["segments"]] == ["question", "answer", "question", "answer"]
    assert english["segments"][1]["text"].count("\n\n") == 1  # an answer of two paragraphs


def test_chrome_stays_out():
    text = item(BRIEFING_FR)["body_text"]
    for chrome in ("Point de presse\n", "Publié le", "Partager", "Imprimer", "Copier le lien", "Voir le fil",
                   "Accéder au contenu", "Voir aussi", "Mots-clés", "Mentions légales", "France Diplomatie",
                   "Accueil"):
        assert chrome not in text, chrome


def test_the_node_from_settings_or_the_body_class():
    settings = '<script type="application/json" data-drupal-selector="drupal-settings-json">' \
               '{"path": {"currentPath": "node/8651"}}</script>'
    assert node_id(parse_document("u", f"<html><head>{settings}</head><body></body></html>")) == "8651"
    assert node_id(parse_document("u", '<html><body class="path-node page-node-8652"></body></html>')) == "8652"
    assert node_id(parse_document("u", "<html><body></body></html>")) is None


def test_missing_parts_raise():
    html = fixture_response(STATEMENT_EN).text
    with pytest.raises(ParseError, match="missing_node"):
        MaeArticlePage(STATEMENT_EN, html.replace("node/8651", "taxonomy/1").replace("page-node-8651", "")).statement()
    with pytest.raises(ParseError, match="missing_title"):
        MaeArticlePage(STATEMENT_EN, html.replace("<h1", "<p").replace("</h1>", "</p>")).statement()
    with pytest.raises(ParseError, match="unknown_url"):
        MaeArticlePage(f"{ORIGIN}/en/press/news", html).statement()
