"""The archive's Spidermon monitors: one per check of checks.py, run when a crawl closes."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from spidermon import Monitor, MonitorSuite

from crawler.monitoring.checks import CHECKS, Stats, Thresholds


class ArchiveMonitor(Monitor):  # type: ignore[misc]
    """Runs one check on the crawl's stats; fails with the problems it names."""

    check: ClassVar[Callable[[Stats, Thresholds], list[str]]]

    def test_check(self) -> None:
        """Fail with the check's problems, if it found any."""
        problems = type(self).check(self.data.stats, Thresholds.of(self.data.crawler.settings))
        if problems:
            self.fail(", ".join(problems))


def monitor_class(name: str, check: Callable[[Stats, Thresholds], list[str]]) -> type[Monitor]:
    """Make the Spidermon monitor of one check."""
    return type(
        f"{name.title().replace('_', '')}Monitor",
        (ArchiveMonitor,),
        {"check": staticmethod(check), "__doc__": check.__doc__},
    )


class ArchiveMonitorSuite(MonitorSuite):  # type: ignore[misc]
    """Every check, under the names failures are reported by (`field_coverage`, ...)."""

    monitors: ClassVar[list[tuple[str, type[Monitor]]]] = [
        (name, monitor_class(name, check)) for name, check in CHECKS.items()
    ]
