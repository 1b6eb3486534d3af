"""What the two mid.ru sites share: briefing chrome, interview titles, and body clean-up."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crawler.pages import ParseError
from crawler.pages.cleanup import (
    copy_element,
    drop_empty_blocks,
    drop_in_page_links,
    drop_matching,
    drop_table_of_contents,
    has_in_page_links,
    inner_html,
    is_blank,
)

if TYPE_CHECKING:
    from lxml import etree

#: The legacy encoding both sites have served pages in (besides the UTF-8 most pages are in).
CHARSET_HINTS = ("cp1251",)
# Speech-section titles that are interviews rather than speeches.
INTERVIEW = re.compile(r"^(interview|интервью)\b|\binterview (with|to|given)\b|\bинтервью\b", re.I)
# Briefing chrome: the contents heading and the links back to it.
CONTENTS = re.compile(r"(Содержание|Оглавление|Contents|Table of contents)", re.I)
BACK_TO_CONTENTS = re.compile(
    r"(Назад к (оглавлению|содержанию)|Back to (the )?(contents|table of contents)|К оглавлению)", re.I)


def has_class(name: str) -> str:
    """XPath test for one class among several."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def speech_type(section_type: str, title: str) -> str:
    """The section's type; interviews published among speeches are interviews."""
    return "interview" if section_type == "speech" and INTERVIEW.search(title) else section_type


def clean_body(url: str, body: etree._Element, chrome: etree.XPath) -> str:
    """A copy of the body without chrome, contents list and back links; ParseError when empty."""
    root = copy_element(body)
    drop_matching(root, chrome)
    if has_in_page_links(root):
        drop_table_of_contents(root, CONTENTS)
        drop_in_page_links(root, BACK_TO_CONTENTS)
    drop_empty_blocks(root)
    if is_blank(root):
        raise ParseError(url, "empty_body")
    return inner_html(root)
