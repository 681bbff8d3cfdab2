"""Archive start-up: what a start reads after a clean end, and what it does after a crash."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any, NoReturn

import pytest
from scrapy.settings import Settings

from crawler.archive.extension import ArchiveExtension
from crawler.archive.run import (
    UNUSABLE_EXIT_STATUS,
    check_state,
    read_run_record,
    run_under_lock,
)
from crawler.archive.state import ArchiveState, ArchiveUnusableError, Record, state_folder
from tests.crawling import crawl, mirror_of

STATE = Path(".archive") / "state.db"
ROOT = Path(__file__).resolve().parent.parent


def settings_for(root: Path, **extra: Any) -> Settings:
    """Settings that put the archive in `root`."""
    return Settings({"MARKDOWN_EXPORT_DIR": str(root), **extra})


def new_archive(tmp_path: Path) -> Path:
    """An archive whose state records one article."""
    root = tmp_path / "archive"
    state = ArchiveState.open(root / STATE)
    state.record(
        Record("sina:x", "https://finance.sina.com.cn/x.shtml", "金融/x.md", "0" * 64,
               "标题", "2026-11-28 08:00:00", None, None, "2026", "2026")
    )  # fmt: skip
    state.close()
    return root


def plant_temporary_file(root: Path) -> Path:
    """Leave a temporary file where a write killed midway leaves one."""
    folder = root / "金融" / "新浪财经"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".archive-write-0123456789abcdef.tmp"
    path.write_bytes(b"half an article")
    return path


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Note each full check of a state database (it still runs)."""
    checked: list[Path] = []
    real_check = ArchiveState.check

    def check(self: ArchiveState) -> None:
        checked.append(self.path)
        real_check(self)

    monkeypatch.setattr(ArchiveState, "check", check)
    return checked


def nothing() -> None:
    """A run that does nothing, and ends cleanly."""


def kill_a_run(root: Path) -> int:
    """Start a run on the archive in another process and SIGKILL it midway; return its pid."""
    code = (
        "import os, signal, sys\n"
        "from scrapy.settings import Settings\n"
        "from crawler.archive.run import run_under_lock\n"
        "settings = Settings({'MARKDOWN_EXPORT_DIR': sys.argv[1]})\n"
        "print(os.getpid(), flush=True)\n"
        "run_under_lock(settings, lambda: os.kill(os.getpid(), signal.SIGKILL))\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", code, str(root)], check=False,
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr
    return int(child.stdout)


def test_the_first_run_on_an_archive_cleans_up_and_checks_it_in_full(
    tmp_path: Path, full_checks: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = new_archive(tmp_path)  # e.g. kept by a version that kept no record of its runs
    planted = plant_temporary_file(root)
    with caplog.at_level(logging.INFO):
        assert run_under_lock(settings_for(root), nothing) == 0
    assert not planted.exists()
    assert full_checks == [root / STATE]
    assert "no record of how the last run ended: removing any temporary files" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_start_after_a_clean_end_neither_walks_the_folders_nor_checks_the_whole_state(
    tmp_path: Path,
    full_checks: list[Path],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = new_archive(tmp_path)
    assert run_under_lock(settings_for(root), nothing) == 0
    assert read_run_record(root).startswith("ended cleanly at ")  # type: ignore[union-attr]
    full_checks.clear()
    planted = plant_temporary_file(root)  # a clean run leaves none: this one is only a probe

    def no_walking(path: Any) -> NoReturn:
        raise AssertionError(f"the start listed the folder {path}")

    monkeypatch.setattr(os, "scandir", no_walking)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert run_under_lock(settings_for(root), nothing) == 0
    assert planted.exists()
    assert full_checks == []
    assert "the last run ended cleanly at " in caplog.text
    assert "state not checked in full" in caplog.text
    assert "checking it in full" not in caplog.text


def test_a_start_after_a_killed_run_says_so_removes_its_temporary_files_and_checks_in_full(
    tmp_path: Path, full_checks: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = new_archive(tmp_path)
    assert run_under_lock(settings_for(root), nothing) == 0
    killed = kill_a_run(root)
    planted = plant_temporary_file(root)
    full_checks.clear()
    with caplog.at_level(logging.INFO):
        assert run_under_lock(settings_for(root), nothing) == 0
    assert not planted.exists()
    assert full_checks == [root / STATE]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        f"the last run (pid {killed} since " in message
        and "did not end cleanly: removing any temporary files it left" in message
        for message in warnings
    ), warnings
    assert "Removed 1 temporary files left by an interrupted run" in warnings
    assert any("did not end cleanly: checking it in full" in message for message in warnings)
    # The check found the state sound, and the run ended cleanly: the next start is cheap.
    full_checks.clear()
    assert run_under_lock(settings_for(root), nothing) == 0
    assert full_checks == []


def test_a_run_that_raises_has_not_ended_cleanly(tmp_path: Path, full_checks: list[Path]) -> None:
    root = new_archive(tmp_path)
    assert run_under_lock(settings_for(root), nothing) == 0

    def crash() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_under_lock(settings_for(root), crash)
    planted = plant_temporary_file(root)
    full_checks.clear()
    assert run_under_lock(settings_for(root), nothing) == 0
    assert not planted.exists()
    assert full_checks == [root / STATE]


def test_a_state_changed_since_the_last_run_ended_is_checked_in_full(
    tmp_path: Path, full_checks: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = new_archive(tmp_path)
    assert run_under_lock(settings_for(root), nothing) == 0
    # e.g. someone's `sqlite3 state.db`
    with closing(sqlite3.connect(root / STATE)) as connection, connection:
        connection.execute("UPDATE articles SET title = '另一个标题'")
    planted = plant_temporary_file(root)
    full_checks.clear()
    with caplog.at_level(logging.INFO):
        assert run_under_lock(settings_for(root), nothing) == 0
    assert full_checks == [root / STATE]
    assert planted.exists()  # the last run ended cleanly: no temporary file of it to remove
    assert f"Archive state {root / STATE}: it changed since the last run ended" in caplog.text


def test_archive_full_check_checks_in_full_after_a_clean_end_too(
    tmp_path: Path, full_checks: list[Path]
) -> None:
    root = new_archive(tmp_path)
    assert run_under_lock(settings_for(root), nothing) == 0
    planted = plant_temporary_file(root)
    full_checks.clear()
    assert run_under_lock(settings_for(root, ARCHIVE_FULL_CHECK=True), nothing) == 0
    assert full_checks == [root / STATE]
    assert not planted.exists()


def damage_in_place(path: Path) -> None:
    """Overwrite every page after the first, keeping the file (its inode and its size)."""
    with path.open("r+b") as file:
        file.seek(4096)
        file.write(b"\xa5" * (path.stat().st_size - 4096))


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (damage_in_place, "database disk image is malformed"),
        (lambda path: path.write_bytes(os.urandom(path.stat().st_size)), "file is not a database"),
    ],
    ids=["damaged-inside", "garbage"],
)
def test_the_cheap_look_of_every_start_finds_a_damaged_state(
    tmp_path: Path, damage: Callable[[Path], None], error: str
) -> None:
    root = new_archive(tmp_path)
    damage(root / STATE)
    with pytest.raises(ArchiveUnusableError) as raised:
        check_state(root / STATE, 1.0, full=False)
    assert error in str(raised.value)
    assert "To recover, delete it" in str(raised.value)


def test_a_state_damaged_after_a_clean_end_stops_the_next_run_with_the_recovery_hint(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = new_archive(tmp_path)
    assert run_under_lock(settings_for(root), nothing) == 0
    damage_in_place(root / STATE)
    ran: list[bool] = []
    assert run_under_lock(settings_for(root), lambda: ran.append(True)) == UNUSABLE_EXIT_STATUS
    assert ran == []
    assert "Not starting: archive state" in caplog.text
    assert "database disk image is malformed" in caplog.text


def test_the_extension_does_not_count_the_articles_when_the_spider_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    root = new_archive(tmp_path)

    def count(self: ArchiveState) -> NoReturn:
        raise AssertionError("count(*) reads a whole index")

    monkeypatch.setattr(ArchiveState, "count", count)
    extension = ArchiveExtension(root, root / STATE)
    extension.open()
    with caplog.at_level(logging.INFO):
        extension.spider_opened()
    extension.spider_closed()
    assert f"Archive state {root / STATE}: in use" in caplog.text


def test_a_crawl_after_a_clean_crawl_starts_without_the_full_clean_up(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        first = crawl(mirror, archive)
        planted = plant_temporary_file(archive)
        second = crawl(mirror, archive)
    assert first.process.returncode == 0, first.log
    assert "no record of how the last run ended" in first.log  # a new archive
    assert second.process.returncode == 0, second.log
    assert "the last run ended cleanly at " in second.log
    assert "checking it in full" not in second.log
    assert planted.exists()
    assert (state_folder(archive) / "last-run").exists()
    assert read_run_record(archive).startswith("ended cleanly at ")  # type: ignore[union-attr]
