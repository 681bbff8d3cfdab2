"""Hexo-safe file names, and an archive written with the older names moving over once."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import logging
import os
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler.archive.extension import ArchiveExtension
from crawler.archive.names import WINDOWS_RESERVED_NAMES, hexo_safe_name, safe_name
from crawler.archive.rename import NAMES_LISTING, rename_to_hexo_safe
from crawler.archive.state import ArchiveState, ArchiveUnusableError
from crawler.archive.state import open_state as open_for_a_run
from crawler.common.text import squash
from crawler.items import Article
from pipelines import export
from pipelines.export import MarkdownExportPipeline

# --- the rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("美股收盘: 道指涨1%", "美股收盘_ 道指涨1％.md"),
        ("Moody's cuts China's outlook", "Moody’s cuts China’s outlook.md"),
        ("#美股# 道指涨", "美股_ 道指涨.md"),
        ("[快讯] 央行降准", "快讯_ 央行降准.md"),
        ("?谁在买", "谁在买.md"),
        ('"看得出这个寺庙在中国吗？"当地回应', "看得出这个寺庙在中国吗？_当地回应.md"),
        ("...而且", "而且.md"),
        ("_underscore", "underscore.md"),
        (".hidden", "hidden.md"),
        ("*|>\\ 星号", "星号.md"),
        ("CON", "CON_.md"),
        ("nul.txt", "nul_.txt.md"),
        ("Com1", "Com1_.md"),
        ("#CON", "CON_.md"),
        (
            "多家银行下调大额存单利率 部分储户转向理财产品",
            "多家银行下调大额存单利率 部分储户转向理财产品.md",
        ),
        (
            '60万"12306账号"外泄? 中铁总辟谣称消息不实',
            "60万_12306账号_外泄_ 中铁总辟谣称消息不实.md",
        ),
        ("%%%", "％％％.md"),
        ("___", "untitled.md"),
    ],
)
def test_a_title_gets_the_name_hexo_keeps(title: str, name: str) -> None:
    assert safe_name(title, ".md") == name


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=300), suffix=st.sampled_from(["", ".md", "_abc123.md"]))
def test_no_name_has_what_hexo_or_a_theme_cannot_keep(text: str, suffix: str) -> None:
    name = safe_name(text, suffix)
    assert "%" not in name and "'" not in name
    assert not name.startswith(("_", ".", " "))
    assert name.split(".")[0].upper() not in WINDOWS_RESERVED_NAMES
    assert len(name.encode()) <= 255
    if suffix:
        assert hexo_safe_name(name) == name  # a second pass changes nothing


# The rules of the version before this one, kept to write the archives that must move over.
OLD_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f:/\\?*"<>|\[\]#\u2028\u2029]+|\.{2,}')


def old_safe_name(text: str, suffix: str = "", fallback: str = "untitled") -> str:
    """A file name as the previous version made it."""
    name = squash(OLD_UNSAFE.sub("_", text)).strip(" .") or fallback
    if name.split(".")[0].strip().upper() in WINDOWS_RESERVED_NAMES:
        name = "_" + name
    budget = 255 - len(suffix.encode())
    while len(name.encode()) > budget:
        name = name[:-1]
    return (name.rstrip(" .") or fallback) + suffix


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=120), suffix=st.sampled_from([".md", "_abc123.md"]))
def test_an_old_name_moves_to_the_name_its_title_gets_today(text: str, suffix: str) -> None:
    assume(old_safe_name(text).lstrip("_. "))  # a title of only `_`s moves, to another name
    assert hexo_safe_name(old_safe_name(text, suffix)) == safe_name(text, suffix)


# --- moving an old archive over ---------------------------------------------------------

TITLES = [
    "美股收盘: 道指涨1%",
    "Moody's cuts China's outlook",
    "#美股# 道指涨",
    "[快讯] 央行降准",
    "?谁在买",
    "CON",
    "多家银行下调大额存单利率",  # already safe: left where it is
]


def article(number: int, title: str) -> Article:
    """A distinct article with this title."""
    return Article(
        url=f"https://finance.sina.com.cn/roll/2024-01-0{1 + number % 9}/doc-i{number}.shtml",
        site="新浪财经",
        channel="1686",
        categories=("金融", "新浪财经", "新浪财经－国內"),
        title=title,
        published=datetime(2024, 1, 1 + number, 8, 0, tzinfo=UTC),
        lead_image="https://n.sinaimg.cn/a.jpg",
        body_html=f"<p>第{number}篇。</p>",
        site_key="sina",
        key=f"sina:i{number}",
    )


ARTICLES = [article(number, title) for number, title in enumerate(TITLES)]


def crawler_for(root: Path) -> Crawler:
    return get_crawler(settings_dict={"MARKDOWN_EXPORT_DIR": str(root)})


def export_all(root: Path, articles: list[Article]) -> Crawler:
    """Run the archive extension and the export pipeline over the articles, as a crawl does."""
    crawler = crawler_for(root)
    extension = ArchiveExtension.from_crawler(crawler)
    pipeline = MarkdownExportPipeline.from_crawler(crawler)
    pipeline.state = extension.state
    for item in articles:
        pipeline.process_item(item)
    extension.spider_closed()
    return crawler


def write_old_archive(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Write the articles as the previous version did: its names, its state."""
    with monkeypatch.context() as patched:
        patched.setattr(export, "safe_name", old_safe_name)
        patched.setattr("crawler.archive.extension.rename_to_hexo_safe", lambda *_: 0)
        export_all(root, ARTICLES)
    state = open_state(root)
    state.connection.execute("DELETE FROM listings WHERE name = ?", (NAMES_LISTING,))
    state.close()


def open_state(root: Path) -> ArchiveState:
    return ArchiveState.open(root / ".archive" / "state.db")


def documents(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.md") if ".archive" not in path.parts)


def state_paths(root: Path) -> dict[str, str]:
    state = open_state(root)
    rows = state.connection.execute("SELECT key, path FROM articles").fetchall()
    state.close()
    return {row["key"]: row["path"] for row in rows}


def test_an_old_archive_is_renamed_once_with_its_state_and_no_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    write_old_archive(tmp_path, monkeypatch)
    old_names = {path.name for path in documents(tmp_path)}
    assert "_美股_ 道指涨.md" in old_names and "美股收盘_ 道指涨1%.md" in old_names
    contents = {path.read_bytes() for path in documents(tmp_path)}

    with caplog.at_level(logging.INFO):
        crawler = crawler_for(tmp_path)
        ArchiveExtension.from_crawler(crawler).spider_closed()

    assert f"renamed {len(TITLES) - 1} files to Hexo-safe names" in caplog.text
    names = {path.name for path in documents(tmp_path)}
    assert names == {safe_name(title, ".md") for title in TITLES}
    assert {path.read_bytes() for path in documents(tmp_path)} == contents  # bytes unchanged
    paths = state_paths(tmp_path)
    assert len(paths) == len(TITLES)
    assert {Path(path).name for path in paths.values()} == names
    assert all((tmp_path / path).is_file() for path in paths.values())

    caplog.clear()
    before = {path: path.stat().st_ino for path in documents(tmp_path)}
    with caplog.at_level(logging.INFO):
        export_all(tmp_path, ARTICLES)  # the next run: nothing renamed, nothing written twice
    assert "renamed" not in caplog.text
    assert {path: path.stat().st_ino for path in documents(tmp_path)} == before
    assert state_paths(tmp_path) == paths


def test_a_second_start_does_not_walk_the_archive_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_old_archive(tmp_path, monkeypatch)
    state = open_state(tmp_path)
    assert rename_to_hexo_safe(state, tmp_path) == len(TITLES) - 1
    (tmp_path / "金融" / "_planted%.md").write_text("\n---\ntitle: x\ndate: y\n---\n")

    def no_walking(*args: Any) -> Any:
        raise AssertionError("the second start walked the archive")

    monkeypatch.setattr("crawler.archive.rename.archive_folders", no_walking)
    assert rename_to_hexo_safe(state, tmp_path) == 0
    state.close()


def test_a_folder_the_rename_cannot_list_stops_the_start_and_the_next_one_walks_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_old_archive(tmp_path, monkeypatch)
    state = open_state(tmp_path)
    folder = documents(tmp_path)[0].parent
    real_scandir = os.scandir

    def refuse(path: Any = ".") -> Any:
        if os.fspath(path) == os.fspath(folder):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real_scandir(path)

    with monkeypatch.context() as patched:
        patched.setattr("crawler.archive.state.os.scandir", refuse)
        with pytest.raises(ArchiveUnusableError, match="cannot read the archive folder"):
            rename_to_hexo_safe(state, tmp_path)
    assert rename_to_hexo_safe(state, tmp_path) == len(TITLES) - 1  # not marked as done
    state.close()


def test_a_rename_killed_after_the_link_is_finished_by_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_old_archive(tmp_path, monkeypatch)
    [old] = [path for path in documents(tmp_path) if path.name == "_CON.md"]
    new = old.with_name("CON_.md")
    new.hardlink_to(old)  # killed here: both names, the state still on the old one
    state = open_state(tmp_path)
    rename_to_hexo_safe(state, tmp_path)
    state.close()
    assert not old.exists() and new.is_file()
    assert len(documents(tmp_path)) == len(TITLES)
    assert str(new.relative_to(tmp_path)) in state_paths(tmp_path).values()


def test_a_killed_move_adopted_by_the_next_start_leaves_one_record_per_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_old_archive(tmp_path, monkeypatch)
    [old] = [path for path in documents(tmp_path) if path.name == "_CON.md"]
    old.with_name("CON_.md").hardlink_to(old)  # killed here, before the record moved
    # The start after a killed run records the files the state does not know.
    open_for_a_run(tmp_path, tmp_path / ".archive" / "state.db", adopt_unknown=True).close()
    assert any(key.startswith("file:") for key in state_paths(tmp_path))
    state = ArchiveState.open(tmp_path / ".archive" / "state.db")
    rename_to_hexo_safe(state, tmp_path)
    state.close()
    paths = state_paths(tmp_path)
    assert sorted(paths.values()) == sorted(
        str(path.relative_to(tmp_path)) for path in documents(tmp_path)
    )
    assert len(paths) == len(TITLES) and not any(key.startswith("file:") for key in paths)


def test_a_safe_name_held_by_another_article_gets_a_suffix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_old_archive(tmp_path, monkeypatch)
    folder = documents(tmp_path)[0].parent
    other = folder / "美股_ 道指涨.md"  # what `_美股_ 道指涨.md` would become
    other.write_text("\n---\ntitle: '另一篇'\ndate: Mon, 01 Jan 2024 00:00:00 GMT\n---\n")
    state = open_state(tmp_path)
    rename_to_hexo_safe(state, tmp_path)
    state.close()
    suffix = hashlib.sha1("金融/新浪财经/新浪财经－国內/_美股_ 道指涨.md".encode()).hexdigest()[:12]
    moved = folder / f"美股_ 道指涨_{suffix}.md"
    assert moved.is_file() and "另一篇" in other.read_text(encoding="utf-8")
    assert "#美股#" in moved.read_text(encoding="utf-8")
    assert str(moved.relative_to(tmp_path)) in state_paths(tmp_path).values()


def test_a_file_the_archive_did_not_write_is_left_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_old_archive(tmp_path, monkeypatch)
    draft = tmp_path / "金融" / "_my notes.md"
    draft.write_text("not an archive document\n", encoding="utf-8")
    state = open_state(tmp_path)
    rename_to_hexo_safe(state, tmp_path)
    state.close()
    assert draft.is_file()


def test_a_file_that_cannot_be_renamed_is_logged_and_tried_again_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    write_old_archive(tmp_path, monkeypatch)
    state = open_state(tmp_path)

    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as patched:
        patched.setattr("crawler.archive.rename.os.link", refuse)
        assert rename_to_hexo_safe(state, tmp_path) == 0
    assert "Cannot rename" in caplog.text and "Permission denied" in caplog.text
    assert len(documents(tmp_path)) == len(TITLES)
    assert rename_to_hexo_safe(state, tmp_path) == len(TITLES) - 1
    state.close()


def test_a_state_that_cannot_record_the_move_keeps_both_names_until_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_old_archive(tmp_path, monkeypatch)
    state = open_state(tmp_path)

    def locked(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    with monkeypatch.context() as patched:
        patched.setattr(state, "record", locked)
        rename_to_hexo_safe(state, tmp_path)
    assert all((tmp_path / path).is_file() for path in state_paths(tmp_path).values())
    rename_to_hexo_safe(state, tmp_path)
    state.close()
    assert len(documents(tmp_path)) == len(TITLES)
    assert {Path(path).name for path in state_paths(tmp_path).values()} == {
        safe_name(title, ".md") for title in TITLES
    }


def test_a_percent_title_is_written_under_its_full_width_name_once(tmp_path: Path) -> None:
    extra = dataclasses.replace(ARTICLES[0], body_html="<p>更新。</p>")
    crawler = get_crawler(
        settings_dict={"MARKDOWN_EXPORT_DIR": str(tmp_path), "ARCHIVE_ENABLED": False}
    )
    pipeline = MarkdownExportPipeline.from_crawler(crawler)
    pipeline.process_item(ARTICLES[0])
    pipeline.process_item(extra)
    assert [path.name for path in documents(tmp_path)] == ["美股收盘_ 道指涨1％.md"]
