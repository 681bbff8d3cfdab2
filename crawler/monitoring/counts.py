"""The counts the monitors read, taken from Scrapy's signals: no spider or pipeline changes.

Every article a spider yields ends in one of three signals (scraped, dropped, or a pipeline
error); each is counted once, per site, with the fields it had at that point.
"""

from __future__ import annotations

from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.statscollectors import StatsCollector

from crawler import stats as names
from crawler.common.html import has_text
from crawler.monitoring.fields import MONITORED_FIELDS
from crawler.sites import site_named
from crawler.spiders.archiving import ARTICLE

FIELDS = MONITORED_FIELDS  # how each is told present on an article: `present_fields`
UNKNOWN_SITE = "unknown"  # an article no site profile extracted


def default_image(site_key: str) -> str:
    """Return the image a site files when an article has none of its own (or '')."""
    try:
        return site_named(site_key).default_image
    except KeyError:
        return ""


def present_fields(item: Any) -> list[str]:
    """Name the fields an article item holds (its own lead image, not the site's default)."""
    adapter = ItemAdapter(item)
    lead_image = adapter.get("lead_image") or ""
    values = {
        "title": bool((adapter.get("title") or "").strip()),
        "date": adapter.get("published") is not None,
        "body": has_text(adapter.get("body_html") or ""),
        "lead_image": bool(lead_image)
        and lead_image != default_image(adapter.get("site_key") or ""),
        "source": bool((adapter.get("media_source") or "").strip()),
        "editor": bool((adapter.get("editor") or "").strip()),
    }
    return [name for name in FIELDS if values[name]]


def coverage_stat(site: str, field: str) -> str:
    """Name the stat counting a site's articles that had a field (`articles`: all of them)."""
    return f"{names.COVERAGE_PREFIX}{site}/{field}"


class ArticleCounts:
    """Counts article pages fetched, and articles seen per site and field."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Connect to the signals that every request and article goes through."""
        assert crawler.stats is not None
        counts = cls(crawler.stats)
        crawler.signals.connect(counts.response_received, signals.response_received)
        crawler.signals.connect(counts.item_scraped, signals.item_scraped)
        crawler.signals.connect(counts.item_dropped, signals.item_dropped)
        crawler.signals.connect(counts.item_error, signals.item_error)
        return counts

    def response_received(self, response: Response, request: Request) -> None:
        """Count a fetched article page (list pages are counted by their spiders)."""
        if request.meta.get("kind") == ARTICLE:
            self.stats.inc_value(names.ARTICLE_PAGES)

    def item_scraped(self, item: Any) -> None:
        """Count an archived article."""
        self.count(item)

    def item_dropped(self, item: Any) -> None:
        """Count a dropped article (its drop reason is counted where it was dropped)."""
        self.count(item)

    def item_error(self, item: Any) -> None:
        """Count an article a pipeline raised on (the spider counts the error itself)."""
        self.count(item)

    def count(self, item: Any) -> None:
        """Count an article under its site, and each field it had."""
        site = ItemAdapter(item).get("site_key") or UNKNOWN_SITE
        self.stats.inc_value(names.ARTICLES_SEEN)
        self.stats.inc_value(coverage_stat(site, "articles"))
        for field in present_fields(item):
            self.stats.inc_value(coverage_stat(site, field))
