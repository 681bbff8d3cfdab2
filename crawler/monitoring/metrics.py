"""A run's metrics in node_exporter's textfile format (ARCHIVE_METRICS_TEXTFILE), for Prometheus.

Written with prometheus-client's `write_to_textfile`, which writes a temporary file and
renames it: node_exporter reads the whole of one run or of the one before, never half.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, write_to_textfile
from scrapy.settings import BaseSettings

from crawler.archive.state import state_path
from crawler.monitoring.checks import CHECKS
from crawler.monitoring.report import COUNTS, read_reports


def timestamp(iso: str) -> float:
    """Return an ISO 8601 time as seconds since the epoch."""
    return datetime.fromisoformat(iso).timestamp()


def last_success(root: Path, report: dict[str, Any]) -> float | None:
    """Return when the last successful run finished (this one, or an earlier report's)."""
    if report["success"]:
        return timestamp(report["finished"])
    finished = [timestamp(each["finished"]) for each in read_reports(root) if each.get("success")]
    return max(finished, default=None)


def archived_articles(settings: BaseSettings) -> int | None:
    """Return how many articles the archive state records (None without a state)."""
    path = state_path(settings)
    if not path.exists():
        return None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            (count,) = connection.execute("SELECT count(*) FROM articles").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return int(count)


def write_metrics(path: Path, root: Path, settings: BaseSettings, report: dict[str, Any]) -> None:
    """Write a run's metrics to `path` (atomically), with the last success carried over."""
    registry = CollectorRegistry()

    def gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(f"archive_{name}", documentation, labels, registry=registry)

    gauge("run_last_timestamp_seconds", "When the last run finished").set(
        timestamp(report["finished"])
    )
    succeeded = last_success(root, report)
    if succeeded is not None:
        gauge("run_last_success_timestamp_seconds", "When the last successful run finished").set(
            succeeded
        )
    gauge("run_success", "1 if the last run worked, 0 if it failed").set(int(report["success"]))
    gauge("run_duration_seconds", "How long the last run took").set(report["seconds"])
    articles = gauge(
        "run_articles", "Articles of the last run, per source and outcome", ("source", "outcome")
    )
    failed_monitors: set[str] = set()
    for source in report["sources"]:
        for outcome in COUNTS:
            articles.labels(source["source"], outcome).set(source["counts"][outcome])
        failed_monitors |= {text.partition(":")[0] for text in source["monitors"]["failed"]}
    monitors = gauge(
        "monitor_failed", "1 if the monitor failed in the last run, else 0", ("monitor",)
    )
    for name in CHECKS:
        monitors.labels(name).set(int(name in failed_monitors))
    total = archived_articles(settings)
    if total is not None:
        gauge("articles", "Articles the archive holds").set(total)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(path), registry)
