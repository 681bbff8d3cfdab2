"""Progress on long work: a bar on a terminal, log lines otherwise (a backfill, archive check)."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

from crawler.monitoring.progress import Progress
from tests.crawling import against, crawl, mirror_of
from tests.documents import ROOT, scrapy

PROGRESS_LINE = re.compile(
    r"sina: pages read: (\d+) pages, oldest (\d{4}-\d\d-\d\d|-), written (\d+) \([0-9.]+ pages/s\)"
)
BACKFILL = ("-a", "since=2016-01-01", "-s", "PROGRESS_INTERVAL=0.1")


class Terminal(io.StringIO):
    """Standard error as a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_backfill_logs_its_progress_when_not_on_a_terminal(
    fixtures: Path, tmp_path: Path
) -> None:
    with mirror_of(fixtures, page_delay=0.1) as mirror:
        result = crawl(mirror, tmp_path / "archive", *BACKFILL)
    lines = [match.groups() for match in PROGRESS_LINE.finditer(result.log)]
    assert len(lines) >= 3  # a line every 0.1 s while the pages trickle in, and the last
    pages = [int(found[0]) for found in lines]
    assert pages == sorted(pages)  # counts only grow
    assert lines[-1] == (str(result.stat("response_received_count")), "2016-05-25", "6")


def test_a_crawl_that_is_no_backfill_shows_no_progress(fixtures: Path, tmp_path: Path) -> None:
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-s", "PROGRESS_INTERVAL=0.1")
    assert not PROGRESS_LINE.search(result.log)


def test_on_a_terminal_progress_is_a_bar() -> None:
    terminal = Terminal()
    progress = Progress("archive check: files read", "files", total=4, stream=terminal)
    for done in range(1, 5):
        progress.update(done, {"oldest": "2024-01-03"})
    progress.close()
    shown = terminal.getvalue()
    assert "\r" in shown  # redrawn in place
    assert re.search(
        r"archive check: files read: 100%\|[#█]+\| 4/4 \[.*files/s, oldest=2024-01-03\]", shown
    )


def test_a_backfill_on_a_terminal_draws_a_bar(fixtures: Path, tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    # A terminal of 120 columns (a new pseudo-terminal has none, and tqdm fits the bar in).
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    with mirror_of(fixtures, page_delay=0.05) as mirror:
        command = ["crawl", "sina", *against(mirror, tmp_path / "archive"), *BACKFILL]
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", *command],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal,
        )  # fmt: skip
        os.close(terminal)
        shown = b""
        while chunk := read_some(controller):
            shown += chunk
        assert process.wait(timeout=60) == 0
    os.close(controller)
    text = shown.decode("utf-8", errors="replace")
    assert "\r" in text
    assert re.search(r"sina: pages read: \d+ pages \[[^\]]*oldest=2016-05-25, written=6\]", text)
    assert not PROGRESS_LINE.search(text)  # a bar, not log lines


def read_some(controller: int) -> bytes:
    """Read what the child wrote to its terminal; b"" once it closed it."""
    try:
        return os.read(controller, 65536)
    except OSError:  # EIO: the child's side is closed
        return b""


def test_archive_check_logs_its_progress(fixtures: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        crawl(mirror, archive, "-a", "max_pages=2")
    result = scrapy(
        "archive", "check", "-s", f"MARKDOWN_EXPORT_DIR={archive}", "-s", "PROGRESS_INTERVAL=0"
    )
    assert result.returncode == 0
    counts = re.findall(r"archive check: files read: (\d+) files \(", result.stderr)
    assert counts[-1] == "6" and len(counts) >= 6
