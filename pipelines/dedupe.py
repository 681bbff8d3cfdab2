"""Stage 3, one article, one source: an article another source archived is left as it is."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler import stats
from crawler.archive.extension import ArchiveExtension
from crawler.archive.state import ArchiveState

logger = logging.getLogger(__name__)


class ArchivedByAnotherSource(DropItem):
    """The article's URL is archived under another source's key; its file stays as it is."""


class CrossSourceDedupePipeline:
    """Drop an article whose URL another source archived under its own key.

    The first source keeps the article: two sources never write one file in turn, each
    with its own version of the body. A record adopted from a file (`file:` key) belongs
    to no source yet, so it does not count.
    """

    writes_archive = True  # needs the archive state; `scrapy render` leaves it out

    def __init__(self, state: ArchiveState, stats: StatsCollector) -> None:
        self.state = state
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrossSourceDedupePipeline:
        """Build the stage on the crawl's archive state (off without one)."""
        archive = crawler.get_extension(ArchiveExtension)
        if archive is None or archive.state is None:
            raise NotConfigured("no archive state (ARCHIVE_ENABLED is off)")
        assert crawler.stats is not None
        return cls(archive.state, crawler.stats)

    def process_item(self, item: Any) -> Any:
        """Pass the article on, unless another source archived its URL."""
        adapter = ItemAdapter(item)
        other = self.state.lookup_url(adapter["url"])
        if other is None or other.key == adapter["key"] or other.key.startswith("file:"):
            return item
        self.stats.inc_value(stats.ARCHIVED_BY_ANOTHER_SOURCE)
        raise ArchivedByAnotherSource(
            f"already archived by another source as {other.key}: {other.path} <{adapter['url']}>",
            log_level="INFO",
        )
