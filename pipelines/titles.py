"""Titles no theme can turn into markup: `<`, `>` and attribute break-outs in their safe forms.

Volantis writes a post's title into its pages unescaped (the header image's `alt`, link
titles, JSON-LD, the sidebar), so a title is itself markup there. `<` and `>` become `＜`
and `＞`, as the old archiver wrote them; a quote that would end an attribute and start
another one with a value (`" onerror="…`, `'/style='…`) becomes its full-width twin; every
other quote stays, as in the seeds. `HEXO_SAFE_TITLES_ENABLED = False` keeps titles as the
page gave them, for a theme that escapes.
"""

from __future__ import annotations

import re
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

_ANGLES = str.maketrans({"<": "＜", ">": "＞"})
_FULL_WIDTH_QUOTES = {'"': "＂", "'": "＇"}
_SEPARATORS = " \t\n\f\r/"
_NAME_END = " \t\n\f\r/>="
_ACTING_NAME = re.compile(r"[A-Za-z]")  # every attribute that does something: on…, style, src


def _skip(text: str, at: int, characters: str) -> int:
    """Return the index of the first character from `at` not among `characters`."""
    while at < len(text) and text[at] in characters:
        at += 1
    return at


def _until(text: str, at: int, stops: str) -> int:
    """Return the index of the first character from `at` among `stops` (or the end)."""
    while at < len(text) and text[at] not in stops:
        at += 1
    return at


def sets_an_attribute(rest: str) -> bool:
    """Tell whether HTML, after a quote closed an attribute, reads `rest` as setting another.

    The HTML tokenizer's attribute states, read over the text that follows the quote: names
    (with or without `= value`) until the text ends; True at the first name that starts
    with an ASCII letter and is given a value, or at a value that would run on past the
    text into the theme's markup.
    """
    at = _skip(rest, 0, _SEPARATORS)
    while at < len(rest) and rest[at] != ">":
        name_start = at
        at = _until(rest, at + 1, _NAME_END)  # a name's first character may be `=`
        name = rest[name_start:at]
        at = _skip(rest, at, " \t\n\f\r")
        if at < len(rest) and rest[at] == "=":
            if _ACTING_NAME.match(name):
                return True
            at = _skip(rest, at + 1, " \t\n\f\r")
            if at == len(rest):
                return True  # the value would be the theme's own markup: nothing to trust
            if rest[at] in "\"'":
                closing = rest.find(rest[at], at + 1)
                if closing < 0:
                    return True  # the same: the value runs on into the theme's markup
                at = closing + 1
            else:
                at = _until(rest, at, " \t\n\f\r>")
        at = _skip(rest, at, _SEPARATORS)
    return False


def markup_safe_title(title: str) -> str:
    """Return the title with nothing a theme writing it unescaped would read as markup.

    For each kind of quote, the first one in the title is where a theme's attribute quoted
    with it would end: while what follows it would set an attribute, it is made full-width.
    """
    title = title.translate(_ANGLES)
    changed = True
    while changed:  # a quote made full-width changes how the other kind reads
        changed = False
        for quote, twin in _FULL_WIDTH_QUOTES.items():
            at = title.find(quote)
            while at >= 0 and sets_an_attribute(title[at + 1 :]):
                title = f"{title[:at]}{twin}{title[at + 1 :]}"
                at, changed = title.find(quote, at + 1), True
    return title


class SafeTitlePipeline:
    """Write each article's title in its markup-safe form (HEXO_SAFE_TITLES_ENABLED)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafeTitlePipeline:
        """Build the stage, unless HEXO_SAFE_TITLES_ENABLED is off."""
        if not crawler.settings.getbool("HEXO_SAFE_TITLES_ENABLED", True):
            raise NotConfigured("HEXO_SAFE_TITLES_ENABLED is off")
        return cls()

    def process_item(self, item: Any) -> Any:
        """Pass the article on with its title made markup-safe."""
        adapter = ItemAdapter(item)
        adapter["title"] = markup_safe_title(adapter["title"])
        return item
