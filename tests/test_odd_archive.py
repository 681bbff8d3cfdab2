"""Odd archive contents at start: one "Not starting: …" line and exit 1, never a traceback."""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crawler.archive.run import RUN_RECORD, UNUSABLE_EXIT_STATUS
from crawler.archive.state import state_folder
from tests.crawling import Crawl, crawl, mirror_of
from tests.documents import scrapy
from tests.test_state_recovery import delete_the_state, state_rows

Unreadable = Callable[[Path], None]


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch) -> Unreadable:
    """Make a file or folder unreadable: mode 000, and, for root, refused as for anyone else.

    Tests run as root here, whom no mode stops; for root the folder listings and file opens
    of these paths are refused with EACCES, as the kernel refuses them to any other user.
    """
    denied: set[str] = set()
    real_scandir, real_open = os.scandir, io.open

    def refuse(path: Any) -> None:
        if os.fspath(path) in denied:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))

    def scandir(path: Any = ".") -> Any:
        refuse(path)
        return real_scandir(path)

    def open_(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, os.PathLike)):
            refuse(file)
        return real_open(file, *args, **kwargs)

    def make(path: Path) -> None:
        path.chmod(0)
        if os.geteuid() == 0:
            denied.add(str(path))

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(io, "open", open_)
    return make


def assert_not_started(result: Crawl, reason: str) -> None:
    """The run stopped before any request with the one line, and no traceback."""
    assert result.process.returncode == 1, result.log
    assert f"ERROR: Not starting: {reason}" in result.log, result.log
    assert "Traceback" not in result.log
    assert result.mirror.requests == {}


def first_crawl(fixtures: Path, archive: Path) -> list[Path]:
    with mirror_of(fixtures) as mirror:
        return crawl(mirror, archive).files()


def mark_killed(archive: Path) -> None:
    """Leave the run record a killed run leaves."""
    (state_folder(archive) / RUN_RECORD).write_text("running: pid 1 since 2026-12-01\n")


@pytest.mark.parametrize("folder", ["an article's", "the state's"])
def test_an_unreadable_folder_stops_the_clean_up_after_a_killed_run(
    fixtures: Path, tmp_path: Path, unreadable: Unreadable, folder: str
) -> None:
    archive = tmp_path / "archive"
    [file, *_] = first_crawl(fixtures, archive)
    mark_killed(archive)
    refused = file.parent if folder == "an article's" else state_folder(archive)
    unreadable(refused)
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, archive)
    assert_not_started(
        result, f"cannot read the archive folder {refused}: [Errno 13] Permission denied"
    )


def test_the_clean_up_after_a_killed_run_removes_its_temporary_file_in_the_state_folder(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    first_crawl(fixtures, archive)
    mark_killed(archive)
    left = state_folder(archive) / ".archive-write-0123456789abcdef.tmp"  # a run record's
    left.write_text("running: pid 2")
    with mirror_of(fixtures) as mirror:
        crawl(mirror, archive)
    assert not left.exists()


def test_archive_check_names_a_folder_it_cannot_read(
    fixtures: Path, tmp_path: Path, unreadable: Unreadable
) -> None:
    archive = tmp_path / "archive"
    [file, *_] = first_crawl(fixtures, archive)
    unreadable(file.parent)
    result = scrapy("archive", "check", "-s", f"MARKDOWN_EXPORT_DIR={archive}")
    assert result.returncode == UNUSABLE_EXIT_STATUS
    [line] = result.stdout.splitlines()
    assert line.startswith(
        f"archive check: cannot read the archive folder {file.parent}: [Errno 13] Permission denied"
    )
    assert "Traceback" not in result.stderr


def test_an_unreadable_folder_stops_a_rebuild(
    fixtures: Path, tmp_path: Path, unreadable: Unreadable
) -> None:
    archive = tmp_path / "archive"
    [file, *_] = first_crawl(fixtures, archive)
    delete_the_state(archive)
    unreadable(file.parent)
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, archive)
    assert_not_started(
        result, f"cannot read the archive folder {file.parent}: [Errno 13] Permission denied"
    )


def test_an_unreadable_file_stops_a_rebuild_which_the_next_run_does_again(
    fixtures: Path, tmp_path: Path, unreadable: Unreadable, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    files = first_crawl(fixtures, archive)
    delete_the_state(archive)
    unreadable(files[1])
    with mirror_of(fixtures) as mirror:
        stopped = crawl(mirror, archive)
        assert_not_started(
            stopped, f"cannot read the archive file {files[1]}: [Errno 13] Permission denied"
        )
        monkeypatch.undo()  # readable again
        files[1].chmod(0o644)
        again = crawl(mirror, archive)
    assert again.process.returncode == 0, again.log
    assert "rebuilt from 3 files" in again.log
    assert again.files() == files
    assert state_rows(archive) == 3


def test_a_folder_named_like_an_article_file_is_walked_as_a_folder(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    [file, *others] = first_crawl(fixtures, archive)
    odd = file.parent / "x.md"
    odd.mkdir()
    file.rename(odd / file.name)  # its article file inside
    delete_the_state(archive)
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, archive)
    assert result.process.returncode == 0, result.log
    assert "rebuilt from 3 files" in result.log
    assert "Traceback" not in result.log
    assert result.files() == sorted([odd / file.name, *others])  # found there: no second file
    assert state_rows(archive) == 3


def test_a_folder_where_an_article_file_would_go_gives_the_article_another_name(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    channel = archive / "金融" / "新浪财经" / "新浪财经－国內"
    taken = channel / "债券市场是否存在泡沫？世界知名首席投资官们这么说.md"
    taken.mkdir(parents=True)
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, archive)
    assert result.process.returncode == 0, result.log
    assert "Traceback" not in result.log
    assert len(result.files()) == 3
    assert (
        channel / "债券市场是否存在泡沫？世界知名首席投资官们这么说_icezzrq4681677.md"
    ).is_file()
    assert taken.is_dir()
