"""Progress on long work: a bar when standard error is a terminal, log lines otherwise (cron).

`Progress` serves any loop (`scrapy archive check`); ProgressExtension shows a crawl's from
its stats (a backfill with `-a since=`, or any crawl with PROGRESS_ENABLED), so spiders
stay as they are.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime
from typing import Any, Self, TextIO

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from tqdm import tqdm
from twisted.internet.task import LoopingCall

from crawler import stats as names

logger = logging.getLogger(__name__)

BAR_REFRESH_SECONDS = 0.5  # how often a terminal's bar is redrawn
MIN_INTERVAL = 0.1  # seconds: the shortest PROGRESS_INTERVAL a crawl's log lines take


class Progress:
    """Shows work going on: a tqdm bar on a terminal, else a log line every `interval` s."""

    def __init__(
        self,
        what: str,
        unit: str,
        total: int | None = None,
        interval: float = 60.0,
        stream: TextIO | None = None,
    ) -> None:
        self.what, self.unit, self.total, self.interval = what, unit, total, interval
        self.stream = stream or sys.stderr
        self.started = self.logged = time.monotonic()
        self.done = 0
        self.bar: tqdm[Any] | None = None
        if self.stream.isatty():
            self.bar = tqdm(
                total=total, desc=what, unit=f" {unit}", file=self.stream,
                mininterval=BAR_REFRESH_SECONDS, dynamic_ncols=True,
            )  # fmt: skip

    @property
    def is_bar(self) -> bool:
        """Tell whether progress shows as a bar (on a terminal)."""
        return self.bar is not None

    def update(self, done: int, details: dict[str, object] | None = None) -> None:
        """Note that `done` units are done, with details shown beside the count."""
        self.done = done
        if self.bar is not None:
            if details:
                self.bar.set_postfix(details, refresh=False)
            self.bar.update(done - self.bar.n)
            return
        now = time.monotonic()
        if now - self.logged >= self.interval:
            self.logged = now
            self.log(details)

    def log(self, details: dict[str, object] | None = None) -> None:
        """Log the progress so far in one line."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        of = f"/{self.total}" if self.total is not None else ""
        extra = "".join(f", {name} {value}" for name, value in (details or {}).items())
        logger.info(
            "%s: %d%s %s%s (%.1f %s/s)",
            self.what, self.done, of, self.unit, extra, self.done / elapsed, self.unit,
        )  # fmt: skip

    def close(self, details: dict[str, object] | None = None) -> None:
        """End the bar, or log the last line."""
        if self.bar is not None:
            if details:
                self.bar.set_postfix(details, refresh=False)
            self.bar.close()
        else:
            self.log(details)


class ProgressExtension:
    """Shows a long crawl's progress: pages read, oldest date reached, articles written."""

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.oldest: datetime | None = None
        self.progress: Progress | None = None
        self.task: AsyncioLoopingCall | LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Connect to the crawl's signals; whether to show anything is known when it opens."""
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signals.spider_closed)
        crawler.signals.connect(extension.item_seen, signals.item_scraped)
        crawler.signals.connect(extension.item_seen, signals.item_dropped)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        """Start showing progress for a backfill (`since`), or any crawl if PROGRESS_ENABLED."""
        settings = self.crawler.settings
        backfill = getattr(getattr(spider, "arguments", None), "since", None) is not None
        if not (backfill or settings.getbool("PROGRESS_ENABLED")):
            return
        # A looping call at 0 s would never let the crawl run.
        interval = max(settings.getfloat("PROGRESS_INTERVAL", 60.0), MIN_INTERVAL)
        self.progress = Progress(f"{spider.name}: pages read", "pages", interval=interval)
        self.task = create_looping_call(self.show)
        self.task.start(BAR_REFRESH_SECONDS if self.progress.is_bar else interval, now=False)

    def item_seen(self, item: Any) -> None:
        """Note how far back the crawl has reached."""
        published = getattr(item, "published", None)
        if published is not None and (self.oldest is None or published < self.oldest):
            self.oldest = published

    def details(self) -> dict[str, object]:
        """What is shown beside the pages read."""
        written = self.stats.get_value(names.WRITTEN, 0) + self.stats.get_value(names.UPDATED, 0)
        oldest = self.oldest.date().isoformat() if self.oldest else "-"
        return {"oldest": oldest, "written": written}

    def show(self) -> None:
        """Show the progress so far."""
        if self.progress is None:
            return
        pages = self.stats.get_value("response_received_count", 0)
        if self.progress.is_bar:
            self.progress.update(pages, self.details())
        else:  # called every PROGRESS_INTERVAL already
            self.progress.done = pages
            self.progress.log(self.details())

    def spider_closed(self) -> None:
        """Stop, with the final figures."""
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.progress is not None:
            self.progress.done = self.stats.get_value("response_received_count", 0)
            self.progress.close(self.details())
