"""A report per run in `<archive>/.archive/runs/`, the last N kept; `scrapy archive status`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.monitoring.report import read_reports, report_paths, run_report, write_report
from tests.crawling import crawl, mirror_of, refresh
from tests.documents import scrapy


def test_a_crawl_writes_its_own_report_with_its_arguments(fixtures: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        crawl(mirror, archive, "-a", "max_pages=2")
    (report,) = read_reports(archive)
    assert report["command"] == "crawl"
    assert report["success"] is True
    (source,) = report["sources"]
    assert source["source"] == "sina"
    assert source["arguments"] == {"channels": "1686", "max_pages": "2"}
    assert source["counts"]["new"] == 6


def test_only_the_last_reports_are_kept(tmp_path: Path) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for minute in range(5):
        finished = start + timedelta(minutes=minute)
        write_report(tmp_path, run_report("refresh", [], start, finished, []), keep=3)
    kept = [json.loads(path.read_text())["finished"] for path in report_paths(tmp_path)]
    assert kept == [
        "2026-11-01T00:02:00+00:00",
        "2026-11-01T00:03:00+00:00",
        "2026-11-01T00:04:00+00:00",
    ]


def test_status_shows_the_last_runs_newest_first(fixtures: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    pipelines = json.dumps({"tests.test_monitors.RaisingPipeline": 100})
    again = ("-s", "REFRESH_SOURCES=sina refresh=all max_pages=2")
    with mirror_of(fixtures) as mirror:
        first = refresh(mirror, archive, "-s", "REFRESH_SOURCES=sina max_pages=2")
        failing = refresh(mirror, archive, *again, "-s", f"ITEM_PIPELINES={pipelines}")
    assert first.process.returncode == 0
    assert failing.process.returncode == 1
    result = scrapy("archive", "status", "-s", f"MARKDOWN_EXPORT_DIR={archive}")
    assert result.returncode == 0
    header, newest, oldest = result.stdout.splitlines()
    assert header.split() == [
        "finished", "(UTC)", "command", "took", "result", "new", "updated", "unchanged",
        "dropped", "errors", "why", "it", "failed",
    ]  # fmt: skip
    assert newest.split()[2] == oldest.split()[2] == "refresh"
    assert newest.split()[4:10] == ["FAILED", "0", "0", "0", "0", "6"]
    assert newest.endswith(
        "monitor articles: 0 of 6 listed articles archived; monitor errors: 6 errors (6 pipeline)"
    )
    assert oldest.split()[4:10] == ["ok", "6", "0", "0", "0", "0"]
    assert len(oldest.split()) == 10  # nothing in "why it failed"
    # Counts are aligned to the right, under the end of their heading.
    end = header.index("errors") + len("errors")
    assert newest[end - 1] == "6" and oldest[end - 1] == "0" and newest[end] == " "


def test_status_of_an_archive_without_runs_says_so(tmp_path: Path) -> None:
    result = scrapy("archive", "status", "-s", f"MARKDOWN_EXPORT_DIR={tmp_path}")
    assert result.returncode == 0
    assert result.stdout == f"no run reports in {tmp_path}/.archive/runs yet\n"
