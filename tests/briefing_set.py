"""The labelled briefing pages (tests/fixtures/briefings/) and how segmentation is scored on them.

Each page is read as a crawl reads it — its bytes decoded by the page object its URL calls for,
parsed, normalised — and its segments are compared with the labels a reader marked. Predicted
and expected segments are aligned by the start of their text (``difflib``); over the aligned
pairs:

- boundaries: precision = aligned / predicted, recall = aligned / expected;
- kinds: aligned pairs of the same kind, over predicted and over expected;
- speakers: aligned pairs with the same speaker and affiliation, over the segments (predicted,
  expected) that name a speaker or an outlet;
- texts: aligned pairs whose whole texts agree (white space aside), over expected.

Pages whose structure is unlabelled expect no segments: any predicted there is a false one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.http import HtmlResponse

from crawler.normalise.statement import normalise
from crawler.pages.registry import read_saved_page

if TYPE_CHECKING:
    from crawler.items import PageStatement

BRIEFINGS = Path(__file__).resolve().parent / "fixtures" / "briefings"
#: a segment is known by the start of its text
KEY_LENGTH = 50


@dataclass
class LabelledPage:
    """One labelled page: what a reader marked and what we read."""

    name: str
    labels: dict[str, Any]
    predicted: list[dict[str, Any]]
    body_text: str

    @property
    def expected(self) -> list[dict[str, Any]]:
        return self.labels["segments"]


def read_page(labels: dict[str, Any]) -> PageStatement:
    """A labelled page read by the page object its URL calls for, from its saved bytes."""
    response = HtmlResponse(url=labels["url"], body=(BRIEFINGS / labels["file"]).read_bytes(),
                            headers=labels["headers"])
    return read_saved_page(labels["url"], response.body, response.text)


def labelled_pages() -> list[LabelledPage]:
    """Every labelled page, read and normalised as a crawl would."""
    pages = []
    for path in sorted(BRIEFINGS.glob("*.labels.json")):
        labels = json.loads(path.read_text(encoding="utf-8"))
        statement = normalise(read_page(labels))
        pages.append(LabelledPage(path.name.removesuffix(".labels.json"), labels, statement.segments,
                                  statement.body_text))
    return pages


def _flat(text: str) -> str:
    return " ".join(text.split())


def _key(segment: dict[str, Any]) -> str:
    return _flat(segment["text"])[:KEY_LENGTH]


def _attribution(segment: dict[str, Any]) -> tuple[str | None, str | None]:
    return segment["speaker"], segment["affiliation"]


def aligned(expected: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(expected index, predicted index) of the segments that start at the same text, in order."""
    matcher = SequenceMatcher(None, [_key(s) for s in expected], [_key(s) for s in predicted], autojunk=False)
    return [(block.a + offset, block.b + offset) for block in matcher.get_matching_blocks()
            for offset in range(block.size)]


@dataclass
class Score:
    """Counts over the set, and the ratios they give."""

    expected: int = 0
    predicted: int = 0
    boundaries: int = 0
    kinds: int = 0
    speakers: int = 0
    expected_attributed: int = 0
    predicted_attributed: int = 0
    texts: int = 0
    pages: int = 0
    pages_exact: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, page: LabelledPage) -> None:
        expected, predicted = page.expected, page.predicted
        self.pages += 1
        self.expected += len(expected)
        self.predicted += len(predicted)
        self.expected_attributed += sum(1 for s in expected if any(_attribution(s)))
        self.predicted_attributed += sum(1 for s in predicted if any(_attribution(s)))
        exact = len(expected) == len(predicted)
        pairs = aligned(expected, predicted)
        for e, p in pairs:
            gold, ours = expected[e], predicted[p]
            self.boundaries += 1
            same = True
            if gold["kind"] == ours["kind"]:
                self.kinds += 1
            else:
                same = False
                self.misses.append(f"{page.name} #{e}: kind {ours['kind']} for {gold['kind']}")
            if any(_attribution(gold)) and _attribution(gold) == _attribution(ours):
                self.speakers += 1
            elif _attribution(gold) != _attribution(ours):
                same = False
                self.misses.append(f"{page.name} #{e}: speaker {_attribution(ours)} for {_attribution(gold)}")
            if _flat(gold["text"]) == _flat(ours["text"]):
                self.texts += 1
            else:
                same = False
                self.misses.append(f"{page.name} #{e}: text {_flat(ours['text'])[:60]!r}"
                                   f" for {_flat(gold['text'])[:60]!r}")
            exact = exact and same
        matched_expected = {e for e, _ in pairs}
        matched_predicted = {p for _, p in pairs}
        self.misses.extend(f"{page.name} #{i}: missed {s['kind']} {_key(s)!r}"
                           for i, s in enumerate(expected) if i not in matched_expected)
        self.misses.extend(f"{page.name}: extra {s['kind']} {_key(s)!r}"
                           for i, s in enumerate(predicted) if i not in matched_predicted)
        self.pages_exact += exact and len(pairs) == len(expected)

    def ratios(self) -> dict[str, tuple[float, float]]:
        """Metric → (precision, recall); an empty denominator counts as 1.0."""
        def ratio(part: int, whole: int) -> float:
            return part / whole if whole else 1.0
        return {
            "boundaries": (ratio(self.boundaries, self.predicted), ratio(self.boundaries, self.expected)),
            "kinds": (ratio(self.kinds, self.predicted), ratio(self.kinds, self.expected)),
            "speakers": (ratio(self.speakers, self.predicted_attributed),
                         ratio(self.speakers, self.expected_attributed)),
        }


def score(pages: list[LabelledPage]) -> Score:
    """The set's score."""
    total = Score()
    for page in pages:
        total.add(page)
    return total
