"""Which feeds exist: one per source and language, per document type, per tag, and per language
across sources — all derived from the source registry and what the archive holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.normalise.slugs import tag_slug
from crawler.sources import SOURCES, Source

if TYPE_CHECKING:
    from crawler.store import ArchiveStore

LANGUAGE_NAMES = {"en": "English", "ru": "Russian", "de": "German", "zh": "Chinese", "fr": "French",
                  "es": "Spanish", "ar": "Arabic", "pt": "Portuguese", "ur": "Urdu"}
TYPE_NAMES = {"briefing": "briefings", "statement": "statements", "comment": "comments", "news": "news",
              "speech": "speeches", "answer": "answers to media questions", "interview": "interviews"}


@dataclass(frozen=True)
class FeedSpec:
    """One subscription feed: its path, its texts, and which archived statements it holds."""

    key: str
    """Path below the public folder without ``.atom``: ``mid/en``, ``mid/en/type/briefing``,
    ``mid/en/tag/<slug>``, ``all/en``."""
    kind: str
    """``source``, ``type``, ``tag`` or ``all``."""
    title: str
    subtitle: str
    language: str
    source: Source | None
    where: str
    """SQL condition on the archive's documents table."""
    params: tuple
    count: int
    """Statements it holds (its archive documents included)."""
    label: str
    """Short name in lists: "English", "briefings", "NATO"."""

    @property
    def path(self) -> str:
        return f"{self.key}.atom"


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def build_catalog(store: ArchiveStore) -> list[FeedSpec]:
    """Every feed the archive can fill, in a stable order."""
    db = store.db
    specs: list[FeedSpec] = []
    pairs = db.execute("SELECT source, language, count(*) FROM documents WHERE same_as IS NULL"
                       " GROUP BY source, language ORDER BY source, language").fetchall()
    languages: dict[str, int] = {}
    for source_name, language, count in pairs:
        source = SOURCES.get(source_name)
        if source is None:
            continue
        languages[language] = languages.get(language, 0) + count
        lang = language_name(language)
        base = "source = ? AND language = ?"
        specs.append(FeedSpec(
            key=f"{source.name}/{language}", kind="source", language=language, source=source,
            title=f"{source.ministry} ({lang})",
            subtitle=f"Statements, briefings, comments and speeches of the {source.ministry}, in {lang}, "
                     "full text, with every edit",
            where=base, params=(source.name, language), count=count, label=lang))
        for doc_type, type_count in db.execute(
                f"SELECT type, count(*) FROM documents WHERE {base} AND same_as IS NULL GROUP BY type"  # noqa: S608
                " ORDER BY type", (source.name, language)):
            name = TYPE_NAMES.get(doc_type, doc_type)
            specs.append(FeedSpec(
                key=f"{source.name}/{language}/type/{doc_type}", kind="type", language=language, source=source,
                title=f"{source.ministry}: {name} ({lang})",
                subtitle=f"{name.capitalize()} of the {source.ministry}, in {lang}",
                where=f"{base} AND type = ?", params=(source.name, language, doc_type), count=type_count,
                label=name))
        for slug, tag, tag_count in db.execute(
                "SELECT t.slug, min(t.tag), count(*) FROM document_tags t JOIN documents d ON d.id = t.doc_id"
                " WHERE d.source = ? AND d.language = ? AND d.same_as IS NULL GROUP BY t.slug ORDER BY t.slug",
                (source.name, language)):
            specs.append(FeedSpec(
                key=f"{source.name}/{language}/tag/{slug}", kind="tag", language=language, source=source,
                title=f"{source.ministry}: {tag} ({lang})",
                subtitle=f"Statements of the {source.ministry} tagged “{tag}”, in {lang}",
                where=f"{base} AND id IN (SELECT doc_id FROM document_tags WHERE slug = ?)",  # noqa: S608
                params=(source.name, language, slug), count=tag_count, label=tag))
    for language, count in sorted(languages.items()):
        lang = language_name(language)
        specs.append(FeedSpec(
            key=f"all/{language}", kind="all", language=language, source=None,
            title=f"Foreign ministries ({lang})",
            subtitle=f"Every ministry ministry-feeds follows, in {lang}", where="language = ?",
            params=(language,), count=count, label=lang))
    return specs


def feed_keys_of(doc: dict) -> set[str]:
    """The feeds one archived statement appears in."""
    source, language = doc["source"], doc["language"]
    keys = {f"all/{language}", f"{source}/{language}", f"{source}/{language}/type/{doc['type']}"}
    keys.update(f"{source}/{language}/tag/{tag_slug(tag)}" for tag in doc.get("tags", []))
    return keys
