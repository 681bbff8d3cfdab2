"""Spidermon, wrapped: its runner logs through `logging`, and its results go into the stats.

Spidermon 1.27's runner logs with `Spider.log`, which Scrapy 2.19 deprecates: under
warnings-as-errors that warning stops its monitors. The result class here logs the same
lines through a logger of its own instead; nothing else of Spidermon changes.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import Spider
from scrapy.crawler import Crawler
from spidermon import MonitorSuite
from spidermon.contrib.scrapy.extensions import Spidermon
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner
from spidermon.settings import STEPS

from crawler import stats as names

logger = logging.getLogger("spidermon")

SUITE = "crawler.monitoring.monitors.ArchiveMonitorSuite"


class LoggingMonitorResult(SpiderMonitorResult):  # type: ignore[misc]
    """Spidermon's result for a spider, logging through `logging`; keeps each failure's text."""

    def __init__(self, spider: Spider) -> None:
        super().__init__(spider)
        self.problems: dict[str, str] = {}
        self.passed_monitors: list[str] = []

    def log(self, msg: object, level: int = logging.DEBUG) -> None:
        """Log a line of the run's output (Spidermon's own calls the deprecated Spider.log)."""
        logger.log(level, "[Spidermon] %s", msg)

    def write_errors(self) -> None:
        """Log each failed monitor on one line, its message without the assertion's traceback."""
        if self.step.name != STEPS.MONITORS:
            super().write_errors()
            return
        for name, text in self.problems.items():
            self.log(f"FAILED {name}: {text}", level=logging.ERROR)

    def addSuccess(  # noqa: N802 (unittest's name)
        self, test: Any
    ) -> None:
        """Note a monitor that passed."""
        super().addSuccess(test)
        self.passed_monitors.append(test.monitor_name)

    def addFailure(  # noqa: N802 (unittest's name)
        self, test: Any, error: Any
    ) -> None:
        """Note a monitor that failed, with its message."""
        super().addFailure(test, error)
        self.problems[test.monitor_name] = str(error[1])

    def addError(  # noqa: N802 (unittest's name)
        self, test: Any, error: Any
    ) -> None:
        """Note a monitor that crashed: a failure too."""
        super().addError(test, error)
        self.problems[test.monitor_name] = f"the monitor crashed: {error[1]!r}"


class LoggingMonitorRunner(SpiderMonitorRunner):  # type: ignore[misc]
    """Spidermon's spider runner with the logging result."""

    def create_result(self) -> LoggingMonitorResult:
        """Make the result that logs through `logging`."""
        return LoggingMonitorResult(self.spider)


class MonitorExtension(Spidermon):  # type: ignore[misc]
    """Spidermon with the archive's monitors, results kept in `monitor/failures` and `/passed`.

    SPIDERMON_ENABLED switches it; monitors in SPIDERMON_SPIDER_CLOSE_MONITORS run too.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build Spidermon from its settings, with the archive's suite first at spider close."""
        extension: Self = super().from_crawler(crawler)
        extension.spider_closed_suites.insert(0, extension.load_suite(SUITE))
        return extension

    def _run_suites(self, spider: Spider, suites: list[MonitorSuite]) -> None:
        """Run suites as Spidermon does, through the logging runner; keep their results."""
        data = self._generate_data_for_spider(spider)
        stats = self.crawler.stats
        for suite in suites:
            result = LoggingMonitorRunner(spider=spider).run(suite, **data)
            failures = [f"{name}: {text}" for name, text in result.problems.items()]
            stats.set_value(
                names.MONITOR_FAILURES, stats.get_value(names.MONITOR_FAILURES, []) + failures
            )
            stats.set_value(
                names.MONITOR_PASSED,
                stats.get_value(names.MONITOR_PASSED, []) + result.passed_monitors,
            )
