"""A JSON report of every run in `<archive>/.archive/runs/`, the last RUN_REPORT_KEEP kept.

Each report names the run's sources and arguments, its counts, the monitors' results and
the finish reasons (record.py writes them; metrics.py tells the same run to Prometheus).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler import stats as names
from crawler.archive.state import state_folder
from crawler.monitoring.checks import drop_reasons, error_kinds

logger = logging.getLogger(__name__)

RUNS_FOLDER = "runs"
COUNTS = ("new", "updated", "unchanged", "dropped", "errors")


def runs_folder(root: Path) -> Path:
    """Return the folder of an archive's run reports."""
    return state_folder(root) / RUNS_FOLDER


def source_report(
    source: str, arguments: Mapping[str, str], stats: Mapping[str, Any]
) -> dict[str, Any]:
    """Describe what one crawl of a run did, from its stats."""
    dropped, errors = drop_reasons(stats), error_kinds(stats)
    counts = {
        "new": int(stats.get(names.WRITTEN, 0)),
        "updated": int(stats.get(names.UPDATED, 0)),
        "unchanged": sum(
            int(stats.get(name, 0))
            for name in (names.UNCHANGED, names.LISTED_UNCHANGED, names.ARCHIVED_BY_ANOTHER_SOURCE)
        ),
        "dropped": sum(dropped.values()),
        "errors": sum(errors.values()),
    }
    return {
        "source": source,
        "arguments": dict(arguments),
        "finish_reason": stats.get("finish_reason"),
        "counts": counts,
        "dropped": dict(dropped.most_common()),
        "errors": dict(errors.most_common()),
        "monitors": {
            "passed": list(stats.get(names.MONITOR_PASSED, [])),
            "failed": list(stats.get(names.MONITOR_FAILURES, [])),
        },
    }


def run_report(
    command: str,
    sources: Sequence[dict[str, Any]],
    started: datetime,
    finished: datetime,
    failures: Sequence[str],
) -> dict[str, Any]:
    """Describe a whole run: its sources, the counts added up, and why it failed if it did."""
    return {
        "command": command,
        "started": started.astimezone(UTC).isoformat(timespec="seconds"),
        "finished": finished.astimezone(UTC).isoformat(timespec="seconds"),
        "seconds": round((finished - started).total_seconds(), 3),
        "success": not failures,
        "failures": list(failures),
        "counts": {count: sum(source["counts"][count] for source in sources) for count in COUNTS},
        "sources": list(sources),
    }


def write_report(root: Path, report: dict[str, Any], keep: int) -> Path:
    """Write a run's report (atomically), then remove all but the last `keep` reports."""
    folder = runs_folder(root)
    folder.mkdir(parents=True, exist_ok=True)
    # Named by the time it is written, to the microsecond: names sort as the runs ran.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    path = folder / f"{stamp}-{os.getpid()}.json"
    temporary = folder / f".{path.name}.tmp"  # a kill leaves it to the start's clean-up
    temporary.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)
    for old in report_paths(root)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return path


def report_paths(root: Path) -> list[Path]:
    """Return the paths of an archive's run reports, oldest first."""
    folder = runs_folder(root)
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def read_reports(root: Path) -> Iterator[dict[str, Any]]:
    """Read an archive's run reports, oldest first (an unreadable one is skipped, logged)."""
    for path in report_paths(root):
        try:
            yield json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            logger.warning("Unreadable run report %s: %s", path, error)
