"""`scrapy refresh`: run every refresh source once, for cron; one summary line, an exit status."""

from __future__ import annotations

import argparse
import logging
import shlex
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader

from crawler import stats as names
from crawler.archive.run import LOCKED_EXIT_STATUS, run_under_lock
from crawler.commands import check_command_settings, check_spider_arguments, unknown_spider
from crawler.distributed import make_coordinator
from crawler.monitoring.record import monitor_failures, record_run

logger = logging.getLogger(__name__)

FAILED_EXIT_STATUS = 1


@dataclass(frozen=True)
class Source:
    """One spider to run, with its arguments."""

    spider: str
    arguments: dict[str, str]

    def __str__(self) -> str:
        return " ".join([self.spider, *(f"{k}={v}" for k, v in self.arguments.items())])


def read_sources(settings: BaseSettings) -> list[Source]:
    """Read REFRESH_SOURCES, or take every spider that declares `refresh_source = True`."""
    configured = settings.get("REFRESH_SOURCES") or []
    if isinstance(configured, str):  # from `-s REFRESH_SOURCES=...`: sources split by `;`
        configured = [part for part in configured.split(";") if part.strip()]
    loader = get_spider_loader(settings)
    if not configured:
        return [
            Source(name, {})
            for name in sorted(loader.list())
            if getattr(loader.load(name), "refresh_source", False)
        ]
    sources = []
    for line in configured:
        try:
            name, *pairs = shlex.split(line)
        except ValueError as error:  # an unclosed quote
            raise UsageError(f"REFRESH_SOURCES entry {line!r}: {error}") from None
        if any("=" not in pair for pair in pairs):
            raise UsageError(f"REFRESH_SOURCES entry {line!r}: arguments must be NAME=VALUE")
        sources.append(Source(name, dict(pair.split("=", 1) for pair in pairs)))
    return sources


def check_source(settings: BaseSettings, source: Source) -> None:
    """Fail early, with a usage error, on an unknown spider or bad arguments."""
    try:
        known = check_spider_arguments(settings, source.spider, source.arguments)
    except (TypeError, ValueError) as error:
        raise UsageError(f"refresh source {source}: {error}") from None
    if not known:
        raise UsageError(f"refresh source {source}: {unknown_spider(settings, source.spider)}")


@dataclass
class Summary:
    """What a refresh did, added up over its crawls."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    dropped: int = 0
    errors: int = 0
    seconds: float = 0.0

    @classmethod
    def of(cls, crawlers: list[Crawler], seconds: float) -> Summary:
        """Add up the stats of finished crawls."""
        summary = cls(seconds=seconds)
        for crawler in crawlers:
            stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats else {}
            # An article another source holds is dropped by its own stage, but unchanged.
            elsewhere = stats.get(names.ARCHIVED_BY_ANOTHER_SOURCE, 0)
            summary.new += stats.get(names.WRITTEN, 0)
            summary.updated += stats.get(names.UPDATED, 0)
            summary.unchanged += (
                stats.get(names.UNCHANGED, 0) + stats.get(names.LISTED_UNCHANGED, 0) + elsewhere
            )
            # Pages that are not articles, entries no article comes from, redirects not followed.
            not_items = sum(
                value for name, value in stats.items() if name.endswith(names.DROPPED_SUFFIXES)
            )
            summary.dropped += stats.get(names.DROPPED, 0) - elsewhere + not_items
            # A failed request counts once, although Scrapy's retry middleware and the
            # spider both log it.
            summary.errors += sum(
                value for name, value in stats.items() if name.endswith(names.FAILURE_SUFFIXES)
            ) + sum(value for name, value in stats.items() if name.startswith(names.CRASH_PREFIXES))
        return summary

    def line(self) -> str:
        """Return the one summary line."""
        return (
            f"refresh: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.dropped} dropped, {self.errors} errors in {self.seconds:.1f}s"
        )


class Command(ScrapyCommand):
    """Run the refresh sources in one process under the archive lock."""

    requires_project = True
    # One run report for all the sources (written below), not one per crawl.
    default_settings = {"RUN_REPORT_PER_CRAWL": False}  # noqa: RUF012

    def syntax(self) -> str:
        """Show the arguments."""
        return "[options]"

    def short_desc(self) -> str:
        """Describe the command in one line."""
        return "Fetch what is new or changed from every refresh source (for cron)"

    def long_desc(self) -> str:
        """Describe the exit statuses."""
        return (
            "Runs every spider declared as a refresh source (or those in REFRESH_SOURCES) "
            "under the archive lock, prints one summary line and exits 0 when the run "
            "worked, 1 when it failed (a source could not start, a crawl did not finish, "
            "or more errors than REFRESH_MAX_ERRORS), 75 when another run holds the archive."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Crawl every source, then print the summary and set the exit status."""
        if args:
            raise UsageError("refresh takes no arguments; configure REFRESH_SOURCES")
        assert self.settings is not None and self.crawler_process is not None
        check_command_settings(self.settings)
        process = self.crawler_process
        make_coordinator(self.settings)  # with REDIS_URL: workers fetch the articles
        sources = read_sources(self.settings)
        for source in sources:
            check_source(self.settings, source)
        crawlers: list[Crawler] = []

        def crawl_all() -> None:
            for source in sources:
                crawler = process.create_crawler(source.spider)
                crawlers.append(crawler)
                process.crawl(crawler, **source.arguments)
            process.start()

        started, started_at = time.monotonic(), datetime.now(UTC)
        status = run_under_lock(self.settings, crawl_all)
        if status == LOCKED_EXIT_STATUS:
            self.exitcode = status
            return
        summary = Summary.of(crawlers, time.monotonic() - started)
        if status:  # nothing ran: the archive folder or its state cannot be used
            failures = ["the archive cannot be used (the error above says why)"]
        else:
            failures = self.failures(sources, crawlers, summary) + monitor_failures(crawlers)
        runs = [
            (str(source), source.arguments, crawler)
            for source, crawler in zip(sources, crawlers, strict=False)
        ]
        record_run(self.settings, "refresh", runs, started_at, failures)
        print(summary.line() + ("" if not failures else f" — FAILED: {'; '.join(failures)}"))
        self.exitcode = FAILED_EXIT_STATUS if failures else 0

    def failures(
        self, sources: list[Source], crawlers: list[Crawler], summary: Summary
    ) -> list[str]:
        """Name what makes this run a failure for a scheduler."""
        assert self.settings is not None and self.crawler_process is not None
        failures = []
        for source, crawler in zip(sources, crawlers, strict=True):
            reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
            if reason != "finished":
                failures.append(f"{source}: {reason or 'did not start'}")
        max_errors = self.settings.getint("REFRESH_MAX_ERRORS", 0)
        if summary.errors > max_errors:
            failures.append(f"{summary.errors} errors (REFRESH_MAX_ERRORS is {max_errors})")
        return failures
