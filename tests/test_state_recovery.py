"""A lost, killed or half-built state: never a second file, never an archive taken as empty."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from crawler.archive.state import ADOPTABLE_QUERY, ArchiveState, Record
from tests.crawling import Crawl, against, crawl, mirror_of
from tests.documents import ROOT
from tests.test_refresh import USSTOCK_URL, bump_mtime, edit_roll

STATE = Path(".archive") / "state.db"
OLD_TITLE = "债券市场是否存在泡沫？世界知名首席投资官们这么说"
NEW_TITLE = "债市泡沫之问：首席投资官们怎么看"
USSTOCK_PAGE = "finance-usstock-2019-09-09-doc-iicezzrq4681677.html"


def change_the_headline(fixtures: Path, old: str = OLD_TITLE, new: str = NEW_TITLE) -> None:
    """Give the US-stock article a new headline and a new roll-API `mtime`."""
    page = fixtures / USSTOCK_PAGE
    page.write_text(page.read_text(encoding="utf-8").replace(old, new), "utf-8")
    edit_roll(fixtures, 1, bump_mtime(USSTOCK_URL))


def delete_the_state(archive: Path) -> None:
    """Delete the state database, with its WAL and shared-memory files."""
    for state_file in (archive / STATE.parent).glob("state.db*"):
        state_file.unlink()


def state_rows(archive: Path) -> int:
    with closing(sqlite3.connect(archive / STATE)) as connection:
        (rows,) = connection.execute("SELECT count(*) FROM articles").fetchone()
    return int(rows)


def titles(result: Crawl) -> list[str]:
    """The `title:` line of every file of the archive."""
    return sorted(path.read_text(encoding="utf-8").split("\n")[2] for path in result.files())


def test_a_headline_changed_after_the_state_was_deleted_keeps_the_one_file(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        first = crawl(mirror, archive)
        before = first.files()
        delete_the_state(archive)
        change_the_headline(fixtures)
        mirror.load_pages()
        after = crawl(mirror, archive)
    assert after.process.returncode == 0, after.log
    assert after.files() == before  # no second file for the retitled article
    kept = next(path for path in after.files() if path.name == f"{OLD_TITLE}.md")
    assert f"title: '{NEW_TITLE}'\n" in kept.read_text(encoding="utf-8")
    assert (after.stat("markdown/updated"), after.stat("markdown/written")) == (1, 0)
    assert state_rows(archive) == 3


def test_a_headline_changed_after_the_articles_row_was_deleted_keeps_the_one_file(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        before = crawl(mirror, archive).files()
        with closing(sqlite3.connect(archive / STATE)) as connection, connection:
            connection.execute("DELETE FROM articles WHERE title = ?", (OLD_TITLE,))
        change_the_headline(fixtures)
        mirror.load_pages()
        after = crawl(mirror, archive)
    assert after.process.returncode == 0, after.log
    assert after.files() == before
    assert "it changed since the last run ended: checking it in full" in after.log
    assert "recorded 1 files it did not know" in after.log
    kept = next(path for path in after.files() if path.name == f"{OLD_TITLE}.md")
    assert f"title: '{NEW_TITLE}'\n" in kept.read_text(encoding="utf-8")
    assert state_rows(archive) == 3


# A `scrapy crawl` that SIGKILLs itself right after an article file is renamed into place
# (the first, or the KILL_AFTER_RENAMES-th): between the file's rename and its record.
KILLED_AFTER_RENAME = """
import os, signal, sys
real_replace, renamed = os.replace, []
def replace(source, target, *args, **kwargs):
    real_replace(source, target, *args, **kwargs)
    renamed.append(target)
    if str(target).endswith(".md") and len(renamed) >= int(os.environ.get("KILL_AFTER_RENAMES", 1)):
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
from scrapy.cmdline import execute
sys.argv = ["scrapy", *sys.argv[1:]]
execute()
"""


def crawl_killed_after_the_first_rename(mirror: object, archive: Path, *args: str) -> None:
    """Run `scrapy crawl sina` in a child process that is killed after its first rename."""
    child = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_RENAME, "crawl", "sina",
         *against(mirror, archive), *args],  # type: ignore[arg-type]
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr


def test_a_headline_changed_after_a_kill_between_rename_and_record_keeps_the_one_file(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        # One article listed, so that the one file the kill leaves is the US-stock one.
        edit_roll(fixtures, 1, lambda entries: entries.__delitem__(slice(0, 2)))
        crawl_killed_after_the_first_rename(mirror, archive)
        [killed] = [p for p in archive.rglob("*.md") if STATE.parent.name not in p.parts]
        assert killed.name == f"{OLD_TITLE}.md"
        change_the_headline(fixtures)
        mirror.load_pages()
        after = crawl(mirror, archive)
    assert after.process.returncode == 0, after.log
    assert after.files() == [killed]
    assert f"title: '{NEW_TITLE}'\n" in killed.read_text(encoding="utf-8")
    state = ArchiveState.open(archive / STATE)
    record = state.lookup("sina:icezzrq4681677")  # its own key (not `file:`): known again
    state.close()
    assert record is not None
    assert record.path.endswith(f"{OLD_TITLE}.md") and record.title == NEW_TITLE


# --- a rebuild that did not finish ------------------------------------------------------


def test_a_zero_byte_state_is_rebuilt_not_taken_for_an_empty_archive(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        before = crawl(mirror, archive).files()
        delete_the_state(archive)
        (archive / STATE).write_bytes(b"")
        change_the_headline(fixtures)
        mirror.load_pages()
        after = crawl(mirror, archive)
    assert after.process.returncode == 0, after.log
    assert "was incomplete (a rebuild that did not finish, or an empty file): rebuilt from 3 " in (
        after.log
    )
    assert after.files() == before
    assert (after.stat("markdown/updated"), after.stat("markdown/written")) == (1, 0)
    assert state_rows(archive) == 3


def many_articles(archive: Path, count: int) -> list[Path]:
    """Copy the archive's first file into `count` articles of their own (another title each)."""
    [model, *_] = (p for p in archive.rglob("*.md") if STATE.parent.name not in p.parts)
    text = model.read_text(encoding="utf-8")
    title_line = text.split("\n")[2]
    copies = []
    for number in range(count):
        copy = model.with_name(f"复本{number}.md")
        copy.write_text(text.replace(title_line, f"title: '复本{number}'"), encoding="utf-8")
        copies.append(copy)
    return copies


# A `scrapy crawl` killed (SIGKILL) while it rebuilds the state, after reading 100 files.
KILLED_IN_THE_REBUILD = """
import os, signal, sys
import crawler.archive.state as state
real_identity, read = state.document_identity, []
def identity(text):
    read.append(1)
    if len(read) == 100:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_identity(text)
state.document_identity = identity
from scrapy.cmdline import execute
sys.argv = ["scrapy", *sys.argv[1:]]
execute()
"""


def test_a_rebuild_killed_midway_is_done_again_by_the_next_run(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        crawl(mirror, archive)
        many_articles(archive, 500)
        delete_the_state(archive)
        mirror.requests.clear()
        child = subprocess.run(
            [sys.executable, "-c", KILLED_IN_THE_REBUILD, "crawl", "sina",
             *against(mirror, archive)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert child.returncode == -signal.SIGKILL, child.stderr
        assert mirror.requests == {}  # killed before any request
        assert state_rows(archive) == 0  # the rebuild's transaction never committed
        change_the_headline(fixtures)
        mirror.load_pages()
        after = crawl(mirror, archive)
    assert after.process.returncode == 0, after.log
    assert "rebuilt from 503 files" in after.log
    assert len(after.files()) == 503  # the retitled article found its file
    assert state_rows(archive) == 503


def test_the_look_for_an_adopted_file_reads_the_adopted_records_of_the_date_only(
    tmp_path: Path,
) -> None:
    state = ArchiveState.open(tmp_path / "state.db")
    date = "2026-11-28 08:00:00"
    for number in range(50):  # one day of crawled news: none of it adopted
        state.record(Record(f"sina:{number}", f"https://finance.sina.com.cn/{number}.shtml",
                            f"金融/{number}.md", "0" * 64, f"标题{number}", date, None, None,
                            "2026", "2026", f"{number:064d}"))  # fmt: skip
    adopted = Record("file:金融/旧.md", "https://finance.sina.com.cn/old.shtml", "金融/旧.md",
                     "1" * 64, "旧标题", date, None, None, "2026", "2026", "b" * 64)  # fmt: skip
    state.record(adopted)
    assert state.lookup_adoptable("新标题", date, "b" * 64) == adopted  # the body matches
    assert state.lookup_adoptable("标题7", date, "7" * 64) is None  # crawled, not adopted
    # Found through the index of adopted records, not by reading every record of the date.
    plan = " ".join(
        str(row["detail"])
        for row in state.connection.execute(
            "EXPLAIN QUERY PLAN " + ADOPTABLE_QUERY, {"title": "x", "date": date, "body_hash": "y"}
        )
    )
    state.close()
    assert "USING INDEX articles_adopted" in plan, plan


def a_document(title: str) -> str:
    """A minimal seed-format document: what the state reads an adopted file's identity from."""
    return (
        f"\n---\ntitle: '{title}'\ndate: Sat, 28 May 2022 13:19:43 GMT\n---\n<div>{title}</div>\n"
    )


def test_files_unknown_to_the_state_are_found_across_look_up_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seven documents in two folders (and a file that is no document), looked up four at a
    # time: whatever order the folders list them in, each batch holds a file without a row.
    # Each of the five without one is adopted once; the two with one are not.
    monkeypatch.setattr("crawler.archive.state.LOOKUP_BATCH", 4)
    root = tmp_path / "archive"
    paths = [Path("金融", f"{n}.md") for n in range(4)]
    paths += [Path("科技", "子", f"{n}.md") for n in range(3)]
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(a_document(path.stem), encoding="utf-8")
    (root / "金融" / "notes.txt").write_text("not an article", encoding="utf-8")
    recorded = [paths[1], paths[4]]
    with closing(ArchiveState.open(root / STATE)) as state:
        for path in recorded:
            state.record(Record(f"sina:{path}", f"https://example.com/{path}", str(path),
                                "0" * 64, path.stem, "2022-05-28", None, None, "", ""))  # fmt: skip
        assert state.adopt_unknown_files(root) == 5
        adopted = [record.path for record in state.records() if record.key.startswith("file:")]
        assert sorted(adopted) == sorted(str(path) for path in paths if path not in recorded)
        assert state.adopt_unknown_files(root) == 0
