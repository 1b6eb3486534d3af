"""The chain of a feed's RFC 5005 archive pages, worked out from its months' counts: the same
pages, links and pages to render as the chain written out page by page."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from feeds.publish import ArchivePage, Chain

MONTHS = [f"{year}-{month:02d}" for year in (2019, 2020) for month in range(1, 13)]


def listed(months: dict[str, int], size: int) -> list[ArchivePage]:
    """The chain written out: every page of every month, oldest first."""
    return [ArchivePage(month, number) for month in sorted(months) if months[month] > 0
            for number in range(1, -(-months[month] // size) + 1)]


def test_a_chain():
    chain = Chain("mid/en", 100, {"2020-03": 250, "2019-12": 1, "2020-01": 0, "not a month": 5, "2020-02": 100})
    assert list(chain.pages()) == [ArchivePage("2019-12", 1), ArchivePage("2020-02", 1), ArchivePage("2020-03", 1),
                                   ArchivePage("2020-03", 2), ArchivePage("2020-03", 3)]
    assert chain.newest() == ArchivePage("2020-03", 3)
    links = chain.links(ArchivePage("2020-03", 1), "mid/en.atom")
    assert (links.prev_archive, links.next_archive, links.current, links.is_archive) == (
        "mid/en/archive/2020-02.atom", "mid/en/archive/2020-03-p2.atom", "mid/en.atom", True)
    assert chain.links(ArchivePage("2019-12", 1), "mid/en.atom").prev_archive is None
    assert chain.links(ArchivePage("2020-03", 3), "mid/en.atom").next_archive is None
    # January lost its statements: December and February face each other, and are rendered again.
    assert chain.to_render(["2020-01"]) == [ArchivePage("2019-12", 1), ArchivePage("2020-02", 1)]
    assert chain.to_render(["2020-02"]) == [ArchivePage("2019-12", 1), ArchivePage("2020-02", 1),
                                            ArchivePage("2020-03", 1)]
    assert Chain("x", 10, {}).newest() is None and list(Chain("x", 10, {}).pages()) == []


@given(counts=st.dictionaries(st.sampled_from(MONTHS), st.integers(0, 250), max_size=12),
       size=st.integers(1, 120), changed=st.sets(st.sampled_from(MONTHS), max_size=3))
def test_the_chain_is_the_chain_written_out(counts, size, changed):
    chain, pages = Chain("k", size, counts), listed(counts, size)
    assert list(chain.pages()) == pages
    assert chain.newest() == (pages[-1] if pages else None)
    for index, page in enumerate(pages):
        links = chain.links(page, "k.atom")
        assert links.prev_archive == (pages[index - 1].path("k") if index else None)
        assert links.next_archive == (pages[index + 1].path("k") if index + 1 < len(pages) else None)
    expected = set()
    for month in changed:
        inside = [index for index, page in enumerate(pages) if page.month == month]
        expected.update(pages[index] for index in inside)
        following = next((index for index, page in enumerate(pages) if page.month > month), len(pages))
        if (inside[0] if inside else following) > 0:
            expected.add(pages[(inside[0] if inside else following) - 1])
        if following < len(pages):
            expected.add(pages[following])
    assert chain.to_render(changed) == sorted(expected)
