"""A lost, killed or half-built state: never a second file, never an archive taken as empty."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from crawler.archive.state import ArchiveState
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


# A `scrapy crawl` that SIGKILLs itself right after the first article file is renamed into
# place: the moment between the file's rename and its record in the state.
KILLED_AFTER_RENAME = """
import os, signal, sys
real_replace = os.replace
def replace(source, target, *args, **kwargs):
    real_replace(source, target, *args, **kwargs)
    if str(target).endswith(".md"):
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
