"""`scrapy archive check [--repair]`: each planted fault found, and mended where it can be."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from crawler.archive.files import create_temporary
from crawler.archive.run import LOCKED_EXIT_STATUS, archive_lock
from crawler.archive.state import ArchiveState
from tests.crawling import crawl, mirror_of
from tests.documents import scrapy
from tests.inprocess import Run


@pytest.fixture
def archive(fixtures: Path, tmp_path: Path) -> Path:
    """An archive of the mirror's six articles, written by a real crawl."""
    folder = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, folder, "-a", "max_pages=2")
    assert len(result.files()) == 6
    return folder


def check(archive: Path, *options: str) -> Run:
    return scrapy("archive", "check", *options, "-s", f"MARKDOWN_EXPORT_DIR={archive}")


def repairs(run: Run) -> dict[tuple[str, str], str]:
    """What the report says of each problem, by (kind, file name): what --repair did."""
    found = {}
    for line in run.stdout.splitlines()[1:]:
        kind, _, rest = line.strip().partition(" ")
        path, _, detail = rest.strip().partition(": ")
        found[kind, Path(path).name] = detail.rpartition(" — ")[2] if " — " in detail else ""
    return found


def problems(run: Run) -> list[tuple[str, str]]:
    """The (kind, file name) of each problem line of a check's report."""
    return sorted(repairs(run))


def plant_faults(archive: Path) -> dict[str, Path]:
    """Damage the archive in each way the check knows; return the files concerned."""
    files = sorted(path for path in archive.rglob("*.md") if ".archive" not in path.parts)
    truncated, edited, copied, unrecorded, deleted = files[:5]
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    edited.write_text(edited.read_text(encoding="utf-8").replace("</p>", "。</p>", 1))
    duplicate = copied.with_name(f"{copied.stem} (copy).md")
    shutil.copyfile(copied, duplicate)
    relative = str(unrecorded.relative_to(archive))
    with closing(sqlite3.connect(archive / ".archive" / "state.db")) as connection, connection:
        connection.execute("DELETE FROM articles WHERE path = ?", (relative,))
    deleted.unlink()
    handle, temporary = create_temporary(copied.parent)  # a write a killed run left
    os.write(handle, b"half")
    os.close(handle)
    users = copied.parent / ".draft.tmp"  # a file of the user's: no fault of the archive
    users.write_text("mine", encoding="utf-8")
    return {
        "truncated": truncated, "edited": edited, "duplicate": duplicate,
        "unrecorded": unrecorded, "deleted": deleted, "temporary": temporary, "users": users,
    }  # fmt: skip


def test_a_sound_archive_checks_sound(archive: Path) -> None:
    result = check(archive)
    assert result.returncode == 0, result.stdout
    assert re.fullmatch(
        r"archive check \S+: 6 files, 6 state rows, sound in [0-9.]+s\n", result.stdout
    )


def test_check_finds_each_planted_fault(archive: Path) -> None:
    faults = plant_faults(archive)
    result = check(archive)
    assert result.returncode == 1
    assert problems(result) == sorted(
        [
            ("unreadable", faults["truncated"].name),
            ("hash", faults["truncated"].name),
            ("hash", faults["edited"].name),
            ("duplicate", faults["duplicate"].name),
            ("orphan", faults["unrecorded"].name),
            ("missing", faults["deleted"].name),
            ("temporary", faults["temporary"].name),
        ]
    )
    assert "cut short: no closing </div>" in result.stdout
    assert "6 problems" not in result.stdout and "7 problems" in result.stdout


def test_repair_mends_what_it_can_and_says_what_it_did(archive: Path) -> None:
    faults = plant_faults(archive)
    result = check(archive, "--repair")
    assert result.returncode == 1  # the truncated file cannot be mended by a check
    name = {fault: path.name for fault, path in faults.items()}
    assert repairs(result) == {
        ("temporary", name["temporary"]): "removed",
        ("duplicate", name["duplicate"]): "removed (the recorded file stays)",
        ("orphan", name["unrecorded"]): "recorded from the file",
        ("hash", name["edited"]): "row re-recorded from the file",
        (
            "missing",
            name["deleted"],
        ): "row forgotten: a run that lists the article fetches it again",
        (
            "hash",
            name["truncated"],
        ): "row forgotten (the file is damaged): a run that lists it rewrites it",
        (
            "unreadable",
            name["truncated"],
        ): "not mended: fetch the article again, or restore the file",
    }
    assert not faults["temporary"].exists()
    assert faults["users"].read_text(encoding="utf-8") == "mine"
    assert not faults["duplicate"].exists()
    assert faults["unrecorded"].exists() and faults["edited"].exists()
    state = ArchiveState.open(archive / ".archive" / "state.db")
    try:
        recorded = {record.path for record in state.records()}
    finally:
        state.close()
    relative = {name: str(path.relative_to(archive)) for name, path in faults.items()}
    assert relative["unrecorded"] in recorded  # re-recorded from its file
    assert relative["deleted"] not in recorded  # forgotten: fetched again when listed
    assert relative["truncated"] not in recorded  # forgotten: a fetch rewrites it
    again = check(archive)
    assert again.returncode == 1
    assert problems(again) == [("unreadable", faults["truncated"].name)]


def test_repair_waits_for_no_run(archive: Path) -> None:
    with archive_lock(archive):
        result = check(archive, "--repair")
    assert result.returncode == LOCKED_EXIT_STATUS
    assert "not repairing while a run goes on" in result.stdout
