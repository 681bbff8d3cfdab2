"""Stage 0, fallbacks: report the fields generic extraction supplied for a site profile.

The page object (crawler/sites/page.py) reads a field generically when its site's own
selectors find nothing and names it in `Article.fallbacks`; this stage logs that once per
page, with the URL, and counts each field as `extract/fallback/<site>/<field>`, so that a
site whose template changed shows in the stats before its articles go missing.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.stats import fallback_stat

logger = logging.getLogger(__name__)


class FallbackReportPipeline:
    """Log and count the fields of each article that generic extraction supplied."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the stage with the crawl's stats."""
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        """Count and log the article's fallback fields; the article goes on unchanged."""
        adapter = ItemAdapter(item)
        fields = adapter.get("fallbacks") or ()
        if fields:
            site = adapter["site_key"]
            for field in fields:
                self.stats.inc_value(fallback_stat(site, field))
            logger.info(
                "Generic fallback for <%s>: the %s profile found no %s",
                adapter["url"],
                site,
                ", ".join(fields),
            )
        return item
