"""Faults on disk: a folder that cannot be written, a full disk, a locked or corrupt state."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO, Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.archive.state import ArchiveState, open_state
from crawler.items import Article
from crawler.listing import article_key
from pipelines.export import MarkdownExportPipeline
from tests.crawling import crawl, mirror_of, refresh
from tests.test_export import ARTICLE, article, files_under, stat

STATE = Path(".archive") / "state.db"


def state_rows(archive: Path) -> int:
    """Count the articles the archive's state records."""
    with closing(sqlite3.connect(archive / STATE)) as connection:
        (rows,) = connection.execute("SELECT count(*) FROM articles").fetchone()
    return int(rows)


def temporary_files(archive: Path) -> list[Path]:
    """The temporary files a write left behind."""
    return list(archive.rglob(".*.tmp"))


# --- a folder that cannot be written -----------------------------------------------------


def test_a_folder_that_cannot_be_created_drops_each_article_and_fails_the_refresh(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    # Tests run as root, whom no permission stops: a file where a folder must go does.
    (archive / "金融").write_text("not a folder", encoding="utf-8")
    with mirror_of(fixtures) as mirror:
        failed = refresh(mirror, archive)
        left, recorded = [*failed.files(), *temporary_files(archive)], state_rows(archive)
        (archive / "金融").unlink()
        again = refresh(mirror, archive)
    assert failed.process.returncode == 1
    assert failed.process.stdout.startswith("refresh: 0 new, 0 updated, 0 unchanged, 3 dropped")
    assert "FAILED: 3 errors (REFRESH_MAX_ERRORS is 0)" in failed.process.stdout
    assert (
        len(
            re.findall(
                r"Dropped: cannot write [^\n]+\.md for http\S+: \[Errno 20\] Not a directory",
                failed.log,
            )
        )
        == 3
    )
    assert failed.stat("markdown/write_errors") == 3
    assert left == [archive / "金融"]  # no article file, no temporary file
    assert recorded == 0  # nothing is recorded as archived that is not
    assert again.process.returncode == 0, again.log
    assert again.process.stdout.startswith("refresh: 3 new,")


def test_an_archive_folder_that_is_a_file_stops_the_run_before_any_request(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    archive.write_text("not a folder", encoding="utf-8")
    with mirror_of(fixtures) as mirror:
        crawled = crawl(mirror, archive)
        refreshed = refresh(mirror, archive)
    assert crawled.process.returncode == refreshed.process.returncode == 1
    for result in (crawled, refreshed):
        assert f"ERROR: Not starting: cannot use the archive folder {archive}: [Errno 20]" in (
            result.log
        )
        assert "Traceback" not in result.log
    assert "FAILED: the archive cannot be used (the error above says why)" in (
        refreshed.process.stdout
    )
    assert mirror.requests == {}


# --- a full disk ---------------------------------------------------------------------------


class FullDisk:
    """A file that takes the first half of what is written, then fails: no space left."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file

    def write(self, data: bytes) -> int:
        self.file.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.file, name)

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()


@contextmanager
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make the exporter's file writes fail as on a full disk, for the duration of a block.

    A real full disk cannot be had safely in a test; this is the one fault made in-process.
    """
    real_fdopen = os.fdopen

    def fdopen(descriptor: int, mode: str = "r", *args: Any, **kwargs: Any) -> FullDisk:
        return FullDisk(real_fdopen(descriptor, mode, *args, **kwargs))

    with monkeypatch.context() as patch:
        patch.setattr(os, "fdopen", fdopen)
        yield


def pipeline_with_state(root: Path, state: ArchiveState) -> tuple[MarkdownExportPipeline, Any]:
    """The export pipeline over an archive folder and its state, and the crawler's stats."""
    crawler = get_crawler(settings_dict={"MARKDOWN_EXPORT_DIR": str(root)})
    assert crawler.stats is not None
    return MarkdownExportPipeline(root, (), crawler.stats, state), crawler


def test_a_full_disk_drops_the_article_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = ArchiveState.open(tmp_path / STATE)
    pipeline, crawler = pipeline_with_state(tmp_path, state)
    with full_disk(monkeypatch), pytest.raises(DropItem) as dropped:
        pipeline.process_item(ARTICLE)
    assert str(dropped.value).startswith("cannot write ")
    assert str(dropped.value).endswith(f" for {ARTICLE.url}: [Errno 28] No space left on device")
    assert stat(crawler, "markdown/write_errors") == 1
    assert [path for path in files_under(tmp_path) if STATE.parent.name not in path.parts] == []
    assert state.count() == 0
    pipeline.process_item(ARTICLE)  # room again: the next run archives it
    assert stat(crawler, "markdown/written") == 1
    assert state.count() == 1
    state.close()


def test_a_full_disk_keeps_the_old_file_of_an_updated_article_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = ArchiveState.open(tmp_path / STATE)
    pipeline, _ = pipeline_with_state(tmp_path, state)
    pipeline.process_item(ARTICLE)
    (path,) = (path for path in files_under(tmp_path) if path.suffix == ".md")
    key = article_key(ARTICLE.site_key, ARTICLE.doc_id, ARTICLE.url)
    before, recorded = path.read_bytes(), state.lookup(key)
    assert recorded is not None
    updated: Article = article(body_html="<p>　　正文第一段（更新）。</p>")
    with full_disk(monkeypatch), pytest.raises(DropItem, match="No space left on device"):
        pipeline.process_item(updated)
    assert path.read_bytes() == before
    assert temporary_files(tmp_path) == []
    assert state.lookup(key) == recorded
    state.close()


# --- the state database ------------------------------------------------------------------


def test_a_locked_state_counts_state_errors_and_loses_nothing(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    open_state(archive, archive / STATE).close()  # a complete state: no rebuild at start
    holder = sqlite3.connect(archive / STATE, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # e.g. someone's `sqlite3 state.db` left in a transaction
    with mirror_of(fixtures) as mirror:
        locked = refresh(mirror, archive, "-s", "ARCHIVE_STATE_TIMEOUT=0.2")
        left = [*locked.files(), *temporary_files(archive)]
        holder.execute("ROLLBACK")
        holder.close()
        after = refresh(mirror, archive)
    assert locked.process.returncode == 1
    assert locked.process.stdout.startswith("refresh: 0 new, 0 updated, 0 unchanged, 3 dropped")
    assert "FAILED" in locked.process.stdout
    assert locked.log.count("Dropped: not written, the archive state cannot record it") == 3
    records = re.findall(
        rf"ERROR: Archive state {re.escape(str(archive / STATE))}: cannot record [^\n]+\.md "
        r"<http\S+>: database is locked",
        locked.log,
    )
    assert len(records) == 3
    assert locked.stat("archive/state_errors") >= 3  # the records, and the channel marks
    # No file the state cannot account for: nothing that a headline change could duplicate.
    assert left == []
    # Unrecorded, the three are fetched again, written and recorded.
    assert after.process.returncode == 0, after.log
    assert after.process.stdout.startswith("refresh: 3 new, 0 updated, 0 unchanged")
    assert len(after.files()) == 3
    assert state_rows(archive) == 3


def corrupt_state_message(archive: Path, error: str) -> str:
    """The error line of a run that found the state corrupt: what, and how to recover."""
    state = archive / STATE
    return (
        rf"ERROR: Not starting: archive state {re.escape(str(state))} is unusable "
        rf"\({re.escape(error)}[^\n]*\)\. To recover, delete it \(with any state\.db-wal and "
        r"state\.db-shm beside it\): the next run rebuilds it from the archive's files\n"
    )


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (lambda data: os.urandom(len(data)), "file is not a database"),
        # Its header whole, the pages after the first (tables, indexes) overwritten.
        (
            lambda data: data[:4096] + b"\xa5" * (len(data) - 4096),
            "database disk image is malformed",
        ),
    ],
    ids=["garbage", "damaged-inside"],
)
def test_a_corrupt_state_stops_the_run_before_any_request_and_says_how_to_recover(
    fixtures: Path, tmp_path: Path, damage: Any, error: str
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        first = crawl(mirror, archive)
        assert first.process.returncode == 0, first.log
        state = archive / STATE
        state.write_bytes(damage(state.read_bytes()))
        mirror.requests.clear()
        crawled = crawl(mirror, archive)
        refreshed = refresh(mirror, archive)
        assert mirror.requests == {}  # stopped before any request
        for leftover in state.parent.glob("state.db*"):  # what the message says to do
            leftover.unlink()
        recovered = crawl(mirror, archive)
    for result in (crawled, refreshed):
        assert result.process.returncode == 1
        assert re.search(corrupt_state_message(archive, error), result.log), result.log
        assert "Traceback" not in result.log
    assert "FAILED: the archive cannot be used" in refreshed.process.stdout
    assert recovered.process.returncode == 0, recovered.log
    assert "rebuilt from 3 files" in recovered.log
    assert sorted(recovered.files()) == sorted(first.files())
    assert state_rows(archive) == 3
