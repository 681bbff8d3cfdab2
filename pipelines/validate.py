"""Stage 2, validate: drop an article with no title, body text or date, or with garbled text."""

from __future__ import annotations

import functools
import re
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.common.html import parse_fragment


# The pipeline reads a body's text twice (is there any? is it garbled?): parse it once.
@functools.lru_cache(maxsize=1)
def body_text(body_html: str) -> str:
    """Return the text of body HTML, markup left out."""
    return "".join(parse_fragment(body_html).itertext())


def missing_parts(item: Any) -> list[str]:
    """Name what a complete article lacks: `no title`, `no body text`, `no date`."""
    adapter = ItemAdapter(item)
    missing = []
    if not adapter.get("title", "").strip():
        missing.append("no title")
    body = adapter.get("body_html", "")
    if not body.strip() or not body_text(body).strip():
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
        garbled = garbled_parts(item)
        if garbled:
            self.stats.inc_value("validate/dropped/unreadable_text")
            raise DropItem(
                f"unreadable text ({', '.join(garbled)}: wrong or broken charset?): "
                f"{ItemAdapter(item)['url']}"
            )
        return item
