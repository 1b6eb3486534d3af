"""The source registry: every ministry we follow, in one place.

Spiders, the update command, publishers and exports look sources up here; adding a ministry means
adding an entry (and its spiders and page objects), never touching publisher code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A ministry's publications as one source of statements."""

    name: str
    """Registry name, the first part of every id (``mid``)."""
    ministry: str
    """The ministry's name in English."""
    country: str
    """ISO 3166-1 alpha-2 code of the country."""
    languages: tuple[str, ...]
    """BCP 47 tags of the languages we collect."""
    timezone: str
    """IANA zone the ministry's pages print their times in."""
    home: str
    """The ministry's home page."""
    spiders: tuple[str, ...]
    """Names of the spiders that crawl it."""
    icon: str | None = None
    """An icon URL for feeds, where the ministry has one."""
    homes: tuple[tuple[str, str], ...] = ()
    """(language, home page in that language) where it differs from ``home``."""

    def home_for(self, language: str) -> str:
        """The ministry's home page in a language (``home`` when it has none of its own)."""
        return dict(self.homes).get(language, self.home)


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            name="mid",
            ministry="Ministry of Foreign Affairs of the Russian Federation",
            country="RU",
            languages=("en", "ru"),
            timezone="Europe/Moscow",
            home="https://mid.ru/en/",
            spiders=("mid", "mid_archive"),
            icon="https://mid.ru/favicon.ico",
            homes=(("ru", "https://mid.ru/ru/"),),
        ),
        Source(
            name="fcdo",
            ministry="Foreign, Commonwealth & Development Office",
            country="GB",
            languages=("en",),
            timezone="Europe/London",
            home="https://www.gov.uk/government/organisations/foreign-commonwealth-development-office",
            spiders=("fcdo",),
            icon="https://www.gov.uk/favicon.ico",
        ),
        Source(
            name="state_dept",
            ministry="U.S. Department of State",
            country="US",
            languages=("en",),
            timezone="America/New_York",
            home="https://www.state.gov/",
            spiders=("state_dept",),
            icon="https://www.state.gov/favicon.ico",
        ),
        Source(
            name="fmprc",
            ministry="Ministry of Foreign Affairs of the People's Republic of China",
            country="CN",
            languages=("en", "zh"),
            timezone="Asia/Shanghai",
            home="https://www.fmprc.gov.cn/eng/",
            spiders=("fmprc_en", "fmprc_zh"),
            icon="https://www.fmprc.gov.cn/favicon.ico",
            homes=(("zh", "https://www.mfa.gov.cn/web/"),),
        ),
        Source(
            name="aa",
            ministry="Federal Foreign Office of Germany",
            country="DE",
            languages=("en", "de"),
            timezone="Europe/Berlin",
            home="https://www.auswaertiges-amt.de/en",
            spiders=("aa",),
            icon="https://www.auswaertiges-amt.de/favicon.ico",
            homes=(("de", "https://www.auswaertiges-amt.de/de"),),
        ),
        Source(
            name="mofa_jp",
            ministry="Ministry of Foreign Affairs of Japan",
            country="JP",
            languages=("en", "ja"),
            timezone="Asia/Tokyo",
            home="https://www.mofa.go.jp/index.html",
            spiders=("mofa_jp",),
            icon="https://www.mofa.go.jp/files/100002787.ico",
            homes=(("ja", "https://www.mofa.go.jp/mofaj/index.html"),),
        ),
        Source(
            name="mea_in",
            ministry="Ministry of External Affairs of India",
            country="IN",
            languages=("en", "hi"),
            timezone="Asia/Kolkata",
            home="https://www.mea.gov.in/",
            spiders=("mea_in",),
            icon="https://www.mea.gov.in/favicon.ico",
            homes=(("hi", "https://www.mea.gov.in/index-hi.htm"),),
        ),
        Source(
            name="gac_ca",
            ministry="Global Affairs Canada",
            country="CA",
            languages=("en", "fr"),
            timezone="America/Toronto",
            home="https://www.canada.ca/en/global-affairs.html",
            spiders=("gac_ca",),
            icon="https://www.canada.ca/etc/designs/canada/wet-boew/assets/favicon.ico",
            homes=(("fr", "https://www.canada.ca/fr/affaires-mondiales.html"),),
        ),
        Source(
            name="mae_fr",
            ministry="Ministry for Europe and Foreign Affairs of France",
            country="FR",
            languages=("en", "fr"),
            timezone="Europe/Paris",
            home="https://www.diplomatie.gouv.fr/en/",
            spiders=("mae_fr",),
            icon="https://www.diplomatie.gouv.fr/favicon.ico",
            homes=(("fr", "https://www.diplomatie.gouv.fr/fr/"),),
        ),
    )
}


def get_source(name: str) -> Source:
    """The registered source called ``name``; KeyError names the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise KeyError(f"unknown source {name!r} (known: {known})") from None
