"""Which feeds exist: one per source and language, per document type, per tag, per language
across sources, and each source and language's edits and removals (``edits.atom``) — all derived
from the source registry and what the archive holds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from crawler.normalise.slugs import tag_slug
from crawler.sources import SOURCES, Source
from crawler.store import Selection
from feeds.edits import site_changes

if TYPE_CHECKING:
    from crawler.store import ArchiveStore

LANGUAGE_NAMES = {"en": "English", "ru": "Russian", "de": "German", "zh": "Chinese", "fr": "French",
                  "es": "Spanish", "ar": "Arabic", "pt": "Portuguese", "ur": "Urdu", "ja": "Japanese",
                  "hi": "Hindi"}
TYPE_NAMES = {"briefing": "briefings", "statement": "statements", "comment": "comments", "news": "news",
              "speech": "speeches", "answer": "answers to media questions", "interview": "interviews"}


@dataclass(frozen=True)
class FeedSpec:
    """One subscription feed: its path, its texts, and which archived statements it holds."""

    key: str
    """Path below the public folder without ``.atom``: ``mid/en``, ``mid/en/type/briefing``,
    ``mid/en/tag/<slug>``, ``all/en``, ``mid/en/edits``."""
    kind: str
    """``source``, ``type``, ``tag``, ``all`` or ``edits``."""
    title: str
    subtitle: str
    language: str
    source: Source | None
    selection: Selection
    """The archived statements it holds."""
    count: int
    """Statements it holds (its archive documents included); of an ``edits`` feed, the edits and
    removals."""
    label: str
    """Short name in lists: "English", "briefings", "NATO"."""

    @property
    def path(self) -> str:
        return f"{self.key}.atom"


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def _source_spec(source: Source, language: str, count: int) -> FeedSpec:
    lang = language_name(language)
    return FeedSpec(
        key=source_key(source.name, language), kind="source", language=language, source=source,
        title=f"{source.ministry} ({lang})",
        subtitle=f"Statements, briefings, comments and speeches of the {source.ministry}, in {lang}, "
                 "full text, with every edit",
        selection=Selection(source=source.name, language=language), count=count, label=lang)


def _type_spec(source: Source, language: str, doc_type: str, count: int) -> FeedSpec:
    lang, name = language_name(language), TYPE_NAMES.get(doc_type, doc_type)
    return FeedSpec(
        key=type_key(source.name, language, doc_type), kind="type", language=language, source=source,
        title=f"{source.ministry}: {name} ({lang})",
        subtitle=f"{name.capitalize()} of the {source.ministry}, in {lang}",
        selection=Selection(source=source.name, language=language, type=doc_type), count=count, label=name)


def _tag_spec(source: Source, language: str, slug: str, tag: str, count: int) -> FeedSpec:
    lang = language_name(language)
    return FeedSpec(
        key=tag_key(source.name, language, slug), kind="tag", language=language, source=source,
        title=f"{source.ministry}: {tag} ({lang})",
        subtitle=f"Statements of the {source.ministry} tagged “{tag}”, in {lang}",
        selection=Selection(source=source.name, language=language, tag_slug=slug), count=count, label=tag)


def _all_spec(language: str, count: int) -> FeedSpec:
    lang = language_name(language)
    return FeedSpec(
        key=all_key(language), kind="all", language=language, source=None, title=f"Foreign ministries ({lang})",
        subtitle=f"Every ministry ministry-feeds follows, in {lang}",
        selection=Selection(language=language), count=count, label=lang)


def _edits_spec(source: Source, language: str, count: int) -> FeedSpec:
    lang = language_name(language)
    return FeedSpec(
        key=edits_key(source.name, language), kind="edits", language=language, source=source,
        title=f"{source.ministry}: edits and removals ({lang})",
        subtitle=f"Every edit and removal found on the site of the {source.ministry}, in {lang}, with what "
                 "changed",
        selection=Selection(source=source.name, language=language), count=count, label="edits and removals")


def spec_for_key(store: ArchiveStore, key: str) -> FeedSpec | None:
    """One feed of the catalog, counted again; None when it holds nothing (or the key is unknown)."""
    parts = key.split("/")
    if len(parts) == 2 and parts[0] == "all":
        spec = _all_spec(parts[1], 0)
    elif parts[0] in SOURCES and len(parts) == 2:
        spec = _source_spec(SOURCES[parts[0]], parts[1], 0)
    elif parts[0] in SOURCES and len(parts) == 3 and parts[2] == "edits":
        spec = _edits_spec(SOURCES[parts[0]], parts[1], 0)
        count = len(site_changes(store, spec.selection))
        return replace(spec, count=count) if count else None
    elif parts[0] in SOURCES and len(parts) == 4 and parts[2] == "type":
        spec = _type_spec(SOURCES[parts[0]], parts[1], parts[3], 0)
    elif parts[0] in SOURCES and len(parts) == 4 and parts[2] == "tag":
        tag = store.tag_for_slug(parts[3])
        if tag is None:
            return None
        spec = _tag_spec(SOURCES[parts[0]], parts[1], parts[3], tag, 0)
    else:
        return None
    count = store.count_statements(spec.selection)
    return replace(spec, count=count) if count else None


def spec_to_json(spec: FeedSpec) -> dict:
    """A feed of the catalog as plain JSON data (for the publish state)."""
    return {**{k: v for k, v in spec.__dict__.items() if k not in ("source", "selection")},
            "source": spec.source.name if spec.source else None, "selection": spec.selection.to_json()}


def spec_from_json(data: dict) -> FeedSpec:
    """Read back what :func:`spec_to_json` wrote; raises ValueError for anything else (a state
    file written by an older release, say)."""
    try:
        return FeedSpec(**{**data, "source": SOURCES.get(data["source"]) if data["source"] else None,
                           "selection": Selection.from_json(data["selection"])})
    except (KeyError, TypeError) as error:
        raise ValueError(f"not a feed of the catalog: {error}") from None


def order_catalog(specs) -> list[FeedSpec]:
    """The catalog's stable order: sources in registry order, then the feeds across sources."""
    names = list(SOURCES)
    kinds = {"source": 0, "edits": 1, "type": 2, "tag": 3}
    return sorted(specs, key=lambda s: (s.source is None, names.index(s.source.name) if s.source else 0,
                                        s.language, kinds.get(s.kind, 3), s.key))


def build_catalog(store: ArchiveStore) -> list[FeedSpec]:
    """Every feed the archive can fill, in a stable order."""
    specs: list[FeedSpec] = []
    languages: dict[str, int] = {}
    changes: dict[tuple[str, str], int] = {}
    for change in site_changes(store, Selection()):
        changes[change.source, change.language] = changes.get((change.source, change.language), 0) + 1
    for (source_name, language), count in store.counts_by(Selection(), "source", "language").items():
        source = SOURCES.get(source_name)
        if source is None:
            continue
        languages[language] = languages.get(language, 0) + count
        specs.append(_source_spec(source, language, count))
        if changes.get((source_name, language)):
            specs.append(_edits_spec(source, language, changes[source_name, language]))
        feed = Selection(source=source.name, language=language)
        for (doc_type,), type_count in store.counts_by(feed, "type").items():
            specs.append(_type_spec(source, language, doc_type, type_count))
        for slug, tag, tag_count in store.tag_counts(feed):
            specs.append(_tag_spec(source, language, slug, tag, tag_count))
    specs.extend(_all_spec(language, count) for language, count in languages.items())
    return order_catalog(specs)


def source_key(source: str, language: str) -> str:
    return f"{source}/{language}"


def type_key(source: str, language: str, doc_type: str) -> str:
    return f"{source}/{language}/type/{doc_type}"


def tag_key(source: str, language: str, slug: str) -> str:
    return f"{source}/{language}/tag/{slug}"


def all_key(language: str) -> str:
    return f"all/{language}"


def edits_key(source: str, language: str) -> str:
    return f"{source}/{language}/edits"


def feed_keys_of(doc: dict) -> set[str]:
    """The feeds one archived statement appears in, unless it repeats another (``same_as``: then
    in none). A tag's feed is keyed by the tag's slug, as the archive's tag index has it
    (crawler.normalise.slugs.tag_slug). Its source and language's edits feed is among them: any
    change of a statement (an edit, a removal, a return) may change that feed."""
    source, language = doc["source"], doc["language"]
    keys = {all_key(language), source_key(source, language), type_key(source, language, doc["type"]),
            edits_key(source, language)}
    keys.update(tag_key(source, language, tag_slug(tag)) for tag in doc.get("tags", []))
    return keys
