"""Each run told when it ends: its report and metrics, and its monitors' failures.

A `scrapy crawl` is a run of its own, recorded when it closes (RunReportExtension, after
the monitors); `scrapy refresh` records one run for all its sources (`record_run`), and
turns the extension off with RUN_REPORT_PER_CRAWL.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from crawler import stats as names
from crawler.archive.state import archive_root
from crawler.monitoring.metrics import write_metrics
from crawler.monitoring.report import run_report, source_report, write_report

logger = logging.getLogger(__name__)


def monitor_failures(crawlers: Sequence[Crawler]) -> list[str]:
    """Return the failed monitors of crawls, as `monitor <name>: <what failed>`.

    Monitors that should have run and left no result (they crashed: the log says how) fail
    too: a run whose monitors are silent is not known to be sound.
    """
    failures = []
    for crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        failures += [f"monitor {failure}" for failure in stats.get(names.MONITOR_FAILURES, [])]
        started = "start_time" in stats
        if (
            started
            and crawler.settings.getbool("SPIDERMON_ENABLED")
            and not (names.MONITOR_PASSED in stats or names.MONITOR_FAILURES in stats)
        ):
            failures.append("monitors did not run (the log says why)")
    return failures


def record_run(
    settings: BaseSettings,
    command: str,
    sources: Sequence[tuple[str, Mapping[str, str], Crawler | None]],
    started: datetime,
    failures: Sequence[str],
) -> None:
    """Write a run's report and metrics, as the settings ask; a failure to is logged only."""
    if not settings.getbool("RUN_REPORT_ENABLED", True):
        return
    root = archive_root(settings)
    parts = [
        source_report(
            source, arguments, crawler.stats.get_stats() if crawler and crawler.stats else {}
        )
        for source, arguments, crawler in sources
    ]
    report = run_report(command, parts, started, datetime.now(UTC), failures)
    try:
        path = write_report(root, report, settings.getint("RUN_REPORT_KEEP", 100))
        logger.info("Run report: %s", path)
        metrics = settings.get("ARCHIVE_METRICS_TEXTFILE")
        if metrics:
            write_metrics(Path(metrics), root, settings, report)
            logger.info("Run metrics: %s", metrics)
    except OSError as error:  # the run's work is done; the reports are a view of it
        logger.error("Cannot write the run report or metrics of %s: %s", root, error)


def spider_arguments(spider: Spider) -> dict[str, str]:
    """Describe a spider's checked `-a` arguments (those that are set), for the report."""
    arguments = getattr(spider, "arguments", None)
    if not dataclasses.is_dataclass(arguments) or isinstance(arguments, type):
        return {}
    described = {}
    for field in dataclasses.fields(arguments):
        value = getattr(arguments, field.name)
        if isinstance(value, list | tuple):
            value = ",".join(str(getattr(part, "id", None) or part) for part in value)
        if value not in (None, "", False):
            described[field.name] = str(value)
    return described


class RunReportExtension:
    """Writes the report and metrics of a `scrapy crawl` when it closes, after the monitors."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Only for crawls that are a run of their own (RUN_REPORT_PER_CRAWL)."""
        settings = crawler.settings
        if not settings.getbool("RUN_REPORT_ENABLED", True) or not settings.getbool(
            "RUN_REPORT_PER_CRAWL", True
        ):
            raise NotConfigured  # no message: Scrapy would log one at WARNING on every run
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider) -> None:
        """Write the crawl's report: it failed if it did not finish or a monitor failed."""
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        started = stats.get("start_time") or datetime.now(UTC)
        record_run(
            self.crawler.settings,
            "crawl",
            [(spider.name, spider_arguments(spider), self.crawler)],
            started,
            monitor_failures([self.crawler]),
        )
