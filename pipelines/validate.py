"""Stage 3, validate: drop an article that has no title, no body text or no date."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from pipelines.html import parse_fragment


def missing_parts(item: Any) -> list[str]:
    """Name what a complete article lacks: `no title`, `no body text`, `no date`."""
    adapter = ItemAdapter(item)
    missing = []
    if not adapter.get("title", "").strip():
        missing.append("no title")
    body = adapter.get("body_html", "")
    if not body.strip() or not "".join(parse_fragment(body).itertext()).strip():
        missing.append("no body text")
    if adapter.get("published") is None:
        missing.append("no date")
    return missing


class ValidatePipeline:
    """Drop incomplete articles, with the reason logged and counted in the stats."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        """Build the pipeline with the crawler's stats."""
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        """Pass a complete article on; drop an incomplete one."""
        missing = missing_parts(item)
        for reason in missing:
            self.stats.inc_value(f"validate/dropped/{reason.replace(' ', '_')}")
        if missing:
            raise DropItem(f"incomplete article ({', '.join(missing)}): {ItemAdapter(item)['url']}")
        return item
