"""Stage 2, validate: drop an article with no title, body text or date, or with garbled text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter
from lxml import etree
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.common.html import parse_fragment, text_of

# The body stage has each body's tree at hand when it writes the body: it leaves the text it
# read from that tree here, keyed by the body it wrote, so this stage does not parse the
# body again. A few entries are enough: an item goes from that stage to this one at once.
_TEXT_OF_BODY: dict[str, str] = {}
_BODIES_KEPT = 16


def text_of_tree(root: etree._Element) -> str:
    """Return the text of a body's tree, markup and white space left out."""
    return "".join(text_of(root).split())


def remember_body_text(body_html: str, root: etree._Element) -> str:
    """Note (and return) the text of the tree `body_html` was written from, for `body_text`."""
    if len(_TEXT_OF_BODY) >= _BODIES_KEPT:
        del _TEXT_OF_BODY[next(iter(_TEXT_OF_BODY))]  # the oldest
    text = _TEXT_OF_BODY[body_html] = text_of_tree(root)
    return text


def body_text(body_html: str) -> str:
    """Return the text of body HTML, markup and white space left out (all the checks read).

    White space is layout, and the body stage's tree and the written body differ in it.
    """
    known = _TEXT_OF_BODY.get(body_html)
    if known is not None:
        return known
    # Read twice for an article (is there any? is it garbled?): parsed once.
    return remember_body_text(body_html, parse_fragment(body_html))


def date_out_of_range(published: datetime) -> str:
    """Say why a date cannot be written (in UTC, as the front matter's `date` is); "" if it can."""
    try:
        published.astimezone(UTC)
    except (OverflowError, ValueError):
        return f"{published.isoformat()} is not a time in UTC years 1 to 9999"
    return ""


def missing_parts(item: Any) -> list[str]:
    """Name what a complete article lacks: `no title`, `no body text`, `no date`."""
    adapter = ItemAdapter(item)
    missing = []
    if not adapter.get("title", "").strip():
        missing.append("no title")
    body = adapter.get("body_html", "")
    if not body_text(body):
        missing.append("no body text")
    if adapter.get("published") is None:
        missing.append("no date")
    return missing


# Characters that a page read in the wrong charset is made of: U+FFFD for bytes that did not
# decode, and runs of Latin-1 / windows-1252 characters for Chinese read as Latin-1 (each
# Chinese character becomes two or three of them: 交通 in GBK read as Latin-1 is ½»Í¨).
# Runs of three or more, so that real accented names (Müller, Société) do not count; the
# symbols Chinese text itself uses are left out.
_LATIN1 = "".join(map(chr, range(0x80, 0x100)))
# windows-1252's 0x80-0x9F, less the quotes, dashes, bullet and ellipsis Chinese text uses.
_CP1252_LETTERS = "ŒœŠšŸŽžƒˆ˜‚„†‡‰‹›€™"
_CHINESE_TEXT_SYMBOLS = "\u00a0·×÷°±§©®«»¥£¢"
_MOJIBAKE_RUN = re.compile(
    "[" + re.escape("".join(sorted(set(_LATIN1 + _CP1252_LETTERS) - set(_CHINESE_TEXT_SYMBOLS))))
    + "]{3,}"
)  # fmt: skip
MAX_GARBLED_SHARE = 0.1  # mojibake is well above half of a text; a stray bad byte, far below


def garbled_share(text: str) -> float:
    """Return the share of a text's non-space characters that are U+FFFD or mojibake."""
    visible = "".join(text.split())
    if not visible:
        return 0.0
    garbled = visible.count("\ufffd") + sum(len(run) for run in _MOJIBAKE_RUN.findall(visible))
    return garbled / len(visible)


def garbled_parts(item: Any) -> list[str]:
    """Name the parts of an article (title, body text) that are garbled, with their share."""
    adapter = ItemAdapter(item)
    parts = {
        "title": adapter.get("title", ""),
        "body text": body_text(adapter.get("body_html", "")),
    }
    shares = {name: garbled_share(text) for name, text in parts.items()}
    return [
        f"{name} {share:.0%} garbled" for name, share in shares.items() if share > MAX_GARBLED_SHARE
    ]


class ValidatePipeline:
    """Drop incomplete or garbled articles, with the reason logged and counted in the stats."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        """Build the pipeline with the crawler's stats."""
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        """Pass a complete, readable article on; drop an incomplete or garbled one."""
        missing = missing_parts(item)
        for reason in missing:
            self.stats.inc_value(f"validate/dropped/{reason.replace(' ', '_')}")
        if missing:
            raise DropItem(f"incomplete article ({', '.join(missing)}): {ItemAdapter(item)['url']}")
        unwritable = date_out_of_range(ItemAdapter(item)["published"])
        if unwritable:
            self.stats.inc_value("validate/dropped/date_out_of_range")
            raise DropItem(f"date out of range ({unwritable}): {ItemAdapter(item)['url']}")
        garbled = garbled_parts(item)
        if garbled:
            self.stats.inc_value("validate/dropped/unreadable_text")
            raise DropItem(
                f"unreadable text ({', '.join(garbled)}: wrong or broken charset?): "
                f"{ItemAdapter(item)['url']}"
            )
        return item
