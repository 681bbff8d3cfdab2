"""What every discovery spider shares: the archive state, and how failures are told."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import ClassVar

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.archive.extension import ArchiveExtension
from crawler.archive.state import ArchiveState, counting_state_errors
from crawler.items import Article
from crawler.pages import article_page, failure_reason, page_name
from crawler.sites import ExtractionError


class ArchivingSpider(scrapy.Spider):
    """A spider that checks the archive before fetching and logs each failure one way.

    Subclasses set `stats_prefix` (their stats are `<prefix>/...`) and call `open_state()`
    at the start of the crawl.
    """

    stats_prefix: ClassVar[str]
    state: ArchiveState | None = None

    def open_state(self) -> None:
        """Take the archive state of this crawl (None when ARCHIVE_ENABLED is off)."""
        archive = self.crawler.get_extension(ArchiveExtension)
        self.state = archive.state if archive else None

    def counting_state_errors(self, doing: str) -> AbstractContextManager[None]:
        """Log and count a failed archive state write instead of stopping the crawl."""
        if self.state is None:
            return nullcontext()
        return counting_state_errors(self.crawler.stats, self.state.path, doing)

    def note_listed_unchanged(self, keys: list[str], what: str = "articles") -> None:
        """Mark the listed `what` that the archive holds unchanged as seen; count them."""
        if self.state is not None and keys:
            with self.counting_state_errors(f"mark the listed {what} as seen"):
                self.state.touch(keys)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/listed_unchanged", len(keys))

    def count(self, name: str, value: int = 1) -> None:
        """Add to one of this spider's stats (`<prefix>/<name>`)."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{self.stats_prefix}/{name}", value)

    def extract(
        self, response: Response, parse: Callable[[TextResponse], Article]
    ) -> Article | None:
        """Run a parser on a fetched page; log and count a page that is not an article."""
        try:
            return parse(article_page(response))
        except ExtractionError as error:
            self.count("article/extraction_errors")
            self.logger.warning("Cannot extract an article %s: %s", page_name(response), error)
            return None

    def log_failure(self, failure: Failure, stat: str) -> None:
        """Log and count (as `<prefix>/<stat>`) a request that failed for good."""
        self.count(stat)
        url = failure.request.url  # type: ignore[attr-defined]
        self.logger.error("Request failed <%s>: %s", url, failure_reason(failure))
