"""`scrapy archive status` (the last runs, as a table) and `scrapy archive check [--repair]`."""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.archive.run import (
    LOCKED_EXIT_STATUS,
    UNUSABLE_EXIT_STATUS,
    ArchiveLockedError,
    archive_lock,
)
from crawler.archive.state import ArchiveState, ArchiveUnusableError, archive_root, state_path
from crawler.commands import check_command_settings
from crawler.monitoring.check import Findings, check_archive, repair
from crawler.monitoring.progress import Progress
from crawler.monitoring.report import read_reports

PROBLEMS_EXIT_STATUS = 1
COUNTED = ("new", "updated", "unchanged", "dropped", "errors")
COLUMNS = ("finished (UTC)", "command", "took", "result", *COUNTED, "why it failed")
NUMBER = re.compile(r"[0-9.]+s?")  # counts and durations: aligned to the right


def status_rows(reports: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """One row per run report, newest first."""
    rows = []
    for report in reversed(reports):
        counts = report.get("counts", {})
        finished = datetime.fromisoformat(report["finished"]).strftime("%Y-%m-%d %H:%M:%S")
        rows.append(
            (
                finished,
                report.get("command", ""),
                f"{report.get('seconds', 0):.1f}s",
                "ok" if report.get("success") else "FAILED",
                *(str(counts.get(name, 0)) for name in COUNTED),
                "; ".join(report.get("failures", [])),
            )
        )
    return rows


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Lay rows out in aligned columns (numbers to the right), the last column free."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.rjust(width) if NUMBER.fullmatch(cell) else cell.ljust(width)
            for cell, width in zip(row, widths, strict=False)
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


class Command(ScrapyCommand):
    """Tell how the last runs went, or check (and repair) the archive against its state."""

    requires_project = True

    def syntax(self) -> str:
        """Show the arguments."""
        return "status [--last N] | check [--repair]"

    def short_desc(self) -> str:
        """Describe the command in one line."""
        return "Show the last runs, or check the archive's files against its state"

    def long_desc(self) -> str:
        """Describe the subcommands and exit statuses."""
        return (
            "status: the last runs (from <archive>/.archive/runs/) as a table. "
            "check: every .md file is a whole seed-format document, every state row's file "
            "is there with the recorded sha256, no article has two files, no file lacks a "
            "row, no temporary file is left; exit 0 when sound, 1 with the problems. "
            "--repair (under the archive lock: exit 75 while a run holds it) mends what it "
            "can and says what it did."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """Add --last and --repair."""
        super().add_options(parser)
        parser.add_argument("--last", type=int, default=10, help="status: runs shown (10)")
        parser.add_argument("--repair", action="store_true", help="check: mend what it can")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Run the subcommand."""
        assert self.settings is not None
        check_command_settings(self.settings)
        if args == ["status"]:
            self.status(opts.last)
        elif args == ["check"]:
            self.check(opts.repair)
        else:
            raise UsageError("give one of: status, check")

    def status(self, last: int) -> None:
        """Print the last runs, newest first."""
        assert self.settings is not None
        root = archive_root(self.settings)
        reports = list(read_reports(root))[-last:] if last > 0 else []
        if not reports:
            print(f"no run reports in {root}/.archive/runs yet")
            return
        print(table(COLUMNS, status_rows(reports)))

    def check(self, mend: bool) -> None:
        """Check the archive; with `mend`, repair it under the lock; print what was found."""
        assert self.settings is not None
        root = archive_root(self.settings)
        if not root.is_dir():
            raise UsageError(f"no archive folder {root}", print_help=False)
        try:
            with self.locked(root, mend), self.opened_state() as state:
                started = time.monotonic()
                interval = self.settings.getfloat("PROGRESS_INTERVAL", 60.0)
                progress = Progress("archive check: files read", "files", interval=interval)
                findings = check_archive(root, state, progress)
                progress.close()
                if mend and state is not None:
                    repair(root, state, findings.problems)
        except ArchiveLockedError as error:
            print(f"archive check: {error}: not repairing while a run goes on")
            self.exitcode = LOCKED_EXIT_STATUS
            return
        except ArchiveUnusableError as error:  # a folder it cannot list, a damaged state
            print(f"archive check: {error}")
            self.exitcode = UNUSABLE_EXIT_STATUS
            return
        print(report_text(root, findings, time.monotonic() - started, mend))
        unmended = [problem for problem in findings.problems if not problem.mended]
        self.exitcode = PROBLEMS_EXIT_STATUS if unmended else 0

    @contextmanager
    def locked(self, root: Path, mend: bool) -> Iterator[None]:
        """Hold the archive's lock to repair (a check alone only reads)."""
        if not mend:
            yield
            return
        with archive_lock(root):
            yield

    @contextmanager
    def opened_state(self) -> Iterator[ArchiveState | None]:
        """Open the archive's state, if it has one (a check creates none)."""
        assert self.settings is not None
        path = state_path(self.settings)
        if not path.exists():
            yield None
            return
        state = ArchiveState.open(path, self.settings.getfloat("ARCHIVE_STATE_TIMEOUT", 30))
        try:
            yield state
        finally:
            state.close()


def report_text(root: Path, findings: Findings, seconds: float, mend: bool) -> str:
    """Describe the check's findings, and what the repair did, one problem a line."""
    problems = sorted(findings.problems, key=lambda problem: (problem.path, problem.kind))
    verdict = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}" if problems else "sound"
    lines = [
        f"archive check {root}: {findings.files} files, {findings.rows} state rows, "
        f"{verdict} in {seconds:.1f}s"
    ]
    for problem in problems:
        line = f"  {problem.kind:<10} {problem.path}: {problem.detail}"
        if mend:
            line += f" — {problem.repaired}"
        lines.append(line)
    return "\n".join(lines)
