"""The archive's own files: the modes they get, the temporary files the clean-up may remove,
and an export setting that names no folder."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.archive.files import is_temporary, write_atomically
from crawler.archive.run import RUN_RECORD
from crawler.archive.state import state_folder
from tests.crawling import FAST, crawl, mirror_of
from tests.documents import ROOT


@pytest.fixture
def umask() -> Iterator[None]:
    """Give the test its own umask back whatever it sets."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- modes ----------------------------------------------------------------------------


@pytest.mark.parametrize("umask_value", [0o022, 0o002, 0o077])
def test_archive_files_get_the_mode_the_umask_gives_an_ordinary_write(
    fixtures: Path, tmp_path: Path, umask: None, umask_value: int
) -> None:
    os.umask(umask_value)
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, tmp_path / "archive")
    assert result.process.returncode == 0, result.log
    files = result.files()
    assert len(files) == 3
    assert {mode(path) for path in files} == {0o666 & ~umask_value}


def test_a_rewritten_file_keeps_the_mode_it_was_given(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "a.md"
    write_atomically(target, b"old")
    target.chmod(0o640)  # e.g. its owner's choice
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert mode(target) == 0o640


# --- temporary files ------------------------------------------------------------------


def test_the_clean_up_after_a_killed_run_removes_only_the_archives_own_temporary_files(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        [file, *_] = crawl(mirror, archive).files()
        own = file.parent / ".archive-write-0123456789abcdef.tmp"  # as a killed write leaves
        own.write_bytes(b"half an article")
        someone_elses = [archive / "docs" / ".draft.tmp", file.parent / ".a1b2c3d4.tmp"]
        for path in someone_elses:
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(b"not the archive's")
        (state_folder(archive) / RUN_RECORD).write_text("running: pid 1 since 2026-12-01\n")
        after = crawl(mirror, archive)
    assert after.process.returncode == 0, after.log
    assert "Removed 1 temporary files left by an interrupted run" in after.log
    assert not own.exists()
    assert all(path.read_bytes() == b"not the archive's" for path in someone_elses)


def test_a_write_names_its_temporary_file_as_the_clean_up_knows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renamed: list[str] = []
    real_replace = os.replace

    def replace(source: str, target: str) -> None:
        renamed.append(Path(source).name)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    write_atomically(tmp_path / "a.md", b"x")
    [name] = renamed
    assert is_temporary(name)
    assert not is_temporary(".draft.tmp") and not is_temporary(".a1b2c3d4.tmp")


# --- an export setting that names no folder --------------------------------------------


@pytest.mark.parametrize("command", ["crawl sina", "refresh"])
@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_export_dir_is_a_usage_error_and_touches_nothing(
    fixtures: Path, tmp_path: Path, command: str, value: str
) -> None:
    project = tmp_path / "project"  # the current folder an empty value would mean
    project.mkdir()
    (project / "notes.md").write_text("\n---\ntitle: 'x'\ndate: y\n---\n", encoding="utf-8")
    (project / "docs").mkdir()
    (project / "docs" / ".draft.tmp").write_text("draft", encoding="utf-8")
    before = sorted(project.rglob("*"))
    with mirror_of(fixtures) as mirror:
        child = subprocess.run(
            [sys.executable, "-m", "scrapy", *command.split(), *FAST,
             "-s", f"SINA_ROLL_API_URL={mirror.origin}/api/roll/get",
             "-s", f"MARKDOWN_EXPORT_DIR={value}"],
            cwd=project, capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT),
                 "SCRAPY_SETTINGS_MODULE": "crawler.settings"},
        )  # fmt: skip
    assert child.returncode == 2, child.stderr
    [line] = [line for line in child.stderr.splitlines() if "error:" in line]
    assert line.endswith(
        f"error: MARKDOWN_EXPORT_DIR must name the archive's folder (e.g. output), not {value!r}"
    )
    assert "Traceback" not in child.stderr
    assert mirror.requests == {}
    assert sorted(project.rglob("*")) == before
