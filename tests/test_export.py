"""Stage 4, export: safe file names, the archive's folders, atomic writes, no needless writes."""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import frontmatter
import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from crawler.archive.document import format_article
from crawler.archive.files import write_atomically
from crawler.archive.names import safe_name
from crawler.items import Article
from pipelines.export import MarkdownExportPipeline, article_folder

BEIJING = timezone(timedelta(hours=8))
SINA_1686 = ("金融", "新浪财经", "新浪财经－国內")
TITLE = "多家银行下调大额存单利率 部分储户转向理财产品"
URL = "https://finance.sina.com.cn/roll/2022-05-28/doc-imizmscu3890443.shtml"
OLD_MTIME_NS = 1_000_000_000 * 1_000_000_000  # 2001-09-09, long before any test runs

ARTICLE = Article(
    url=URL,
    site="新浪财经",
    channel="1686",
    categories=SINA_1686,
    title=TITLE,
    published=datetime(2022, 5, 28, 21, 19, 43, tzinfo=BEIJING),
    lead_image="https://n.sinaimg.cn/a.jpg",
    body_html="<p>　　正文第一段。</p>",
    doc_id="imizmscu3890443",
    site_key="sina",
    key="sina:imizmscu3890443",  # decided from the listing, before the fetch
)


def article(**changes: Any) -> Article:
    """Return the sample article with some fields changed."""
    return dataclasses.replace(ARTICLE, **changes)


def crawler_for(root: Path, **settings: Any) -> Crawler:
    """Return a crawler (with stats) whose archive is `root`."""
    return get_crawler(settings_dict={"MARKDOWN_EXPORT_DIR": str(root), **settings})


def pipeline_for(crawler: Crawler) -> MarkdownExportPipeline:
    """Build the export pipeline the way Scrapy does."""
    return MarkdownExportPipeline.from_crawler(crawler)


def stat(crawler: Crawler, name: str) -> int:
    """Return a stats counter of the crawler, 0 when never counted."""
    value = crawler.stats.get_value(name, 0)
    assert isinstance(value, int)
    return value


def files_under(root: Path) -> list[Path]:
    """Return every file under a folder, hidden ones included, sorted."""
    return sorted(path for path in root.rglob("*") if path.is_file())


def channel_folder(root: Path) -> Path:
    return root / "金融" / "新浪财经" / "新浪财经－国內"


# --- safe_name ---------------------------------------------------------------------------


@pytest.mark.parametrize("character", list(':/\\?*"<>|[]#'))
def test_safe_name_leaves_out_every_forbidden_character(character: str) -> None:
    name = safe_name(f"前{character}后", ".md")
    assert character not in name.removesuffix(".md")
    assert name.startswith("前")
    assert name.endswith("后.md")


@pytest.mark.parametrize(
    "title",
    ["../../etc/passwd", "..\\..\\windows\\system32", "a/../b", "..", "../", "/..", "/"],
)
def test_safe_name_leaves_no_path_separator_or_parent_folder(title: str) -> None:
    name = safe_name(title, ".md")
    assert "/" not in name
    assert "\\" not in name
    assert ".." not in name
    assert name.removesuffix(".md") not in {"", ".", ".."}


def test_safe_name_leaves_out_control_characters() -> None:
    controls = "".join(chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)])
    name = safe_name(f"前{controls}后\u2028尾\u2029", ".md")
    assert not [char for char in name if unicodedata.category(char) == "Cc"]
    assert "\u2028" not in name
    assert "\u2029" not in name
    assert name.startswith("前")
    assert "后" in name
    assert "尾" in name


@pytest.mark.parametrize(
    "title",
    [
        TITLE,
        "中国人习以为常的地方 为何老外却说“了不得”？",
        "美股收盘：道指涨1％（附图）",
        "【独家】比特币暴涨🚀",
    ],
)
def test_safe_name_keeps_a_chinese_title_as_it_is(title: str) -> None:
    assert safe_name(title, ".md") == f"{title}.md"


@pytest.mark.parametrize(
    ("title", "suffix", "kept"),
    [
        ("中" * 100, ".md", "中" * 84),  # 84 × 3 bytes + 3 = 255
        ("中" * 100, "_imizmscu3890443.md", "中" * 78),  # 78 × 3 + 19 = 253: one more is 256
        ("a" + "中" * 100, ".md", "a" + "中" * 83),  # 1 + 83 × 3 + 3 = 253: one more is 256
        ("😀" * 100, ".md", "😀" * 63),  # 63 × 4 + 3 = 255
        ("x" * 300, ".md", "x" * 252),
    ],
    ids=["chinese", "chinese-with-id-suffix", "ascii-then-chinese", "emoji", "ascii"],
)
def test_safe_name_caps_the_utf8_length_at_255_bytes_without_splitting_a_character(
    title: str, suffix: str, kept: str
) -> None:
    name = safe_name(title, suffix)
    assert len(name.encode("utf-8")) <= 255
    assert name == kept + suffix


@pytest.mark.parametrize("title", ["", "   ", ".", "...", " . ", "\x00", "///", "\u2028"])
def test_safe_name_never_returns_an_empty_name(title: str) -> None:
    name = safe_name(title, ".md")
    assert name.endswith(".md")
    assert name.removesuffix(".md").strip(" .")
    assert safe_name(title).strip(" .")


def test_article_folder_is_topic_site_channel_under_the_root(tmp_path: Path) -> None:
    assert article_folder(tmp_path, SINA_1686) == channel_folder(tmp_path)


def test_article_folder_stays_under_the_root_whatever_the_categories(tmp_path: Path) -> None:
    folder = article_folder(tmp_path, ("..", "a/../../b", "/etc"))
    assert folder.parent.parent.parent == tmp_path
    assert folder.resolve().is_relative_to(tmp_path.resolve())


# --- write_atomically --------------------------------------------------------------------


def test_write_atomically_writes_the_bytes_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "新" / "文件.md"
    write_atomically(target, "内容\n".encode())
    assert target.read_bytes() == "内容\n".encode()
    assert files_under(tmp_path) == [target]


def test_write_atomically_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    target.write_bytes(b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert files_under(tmp_path) == [target]


def test_write_atomically_keeps_the_old_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.md"
    target.write_bytes(b"old")

    def refuse(source: object, destination: object) -> None:
        raise OSError("rename refused")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="rename refused"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert files_under(tmp_path) == [target]


# --- MarkdownExportPipeline --------------------------------------------------------------


def test_pipeline_writes_the_article_to_its_category_folder(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    assert pipeline_for(crawler).process_item(ARTICLE) is ARTICLE
    path = channel_folder(tmp_path) / f"{TITLE}.md"
    assert files_under(tmp_path) == [path]
    assert path.read_text(encoding="utf-8") == format_article(ARTICLE)
    assert frontmatter.load(path)["title"] == TITLE
    assert stat(crawler, "markdown/written") == 1


def test_pipeline_file_name_leaves_out_forbidden_characters(tmp_path: Path) -> None:
    item = article(title="美股: A/B? 道指*涨<1%>")
    pipeline_for(crawler_for(tmp_path)).process_item(item)
    [path] = files_under(tmp_path)
    assert path.parent == channel_folder(tmp_path)
    assert path.name == safe_name(item.title, ".md")
    assert frontmatter.load(path)["title"] == "美股: A/B? 道指*涨<1%>"


def test_same_article_written_twice_leaves_the_file_untouched(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    pipeline = pipeline_for(crawler)
    pipeline.process_item(ARTICLE)
    path = channel_folder(tmp_path) / f"{TITLE}.md"
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    inode = path.stat().st_ino

    pipeline.process_item(article())

    assert path.stat().st_mtime_ns == OLD_MTIME_NS
    assert path.stat().st_ino == inode
    assert files_under(tmp_path) == [path]
    assert stat(crawler, "markdown/written") == 1
    assert stat(crawler, "markdown/unchanged") == 1
    assert stat(crawler, "markdown/updated") == 0


def test_changed_body_rewrites_the_same_file(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    pipeline = pipeline_for(crawler)
    pipeline.process_item(ARTICLE)
    changed = article(body_html="<p>　　更正后的正文。</p>")
    pipeline.process_item(changed)
    path = channel_folder(tmp_path) / f"{TITLE}.md"
    assert files_under(tmp_path) == [path]
    assert path.read_text(encoding="utf-8") == format_article(changed)
    assert stat(crawler, "markdown/written") == 1
    assert stat(crawler, "markdown/updated") == 1


def test_different_article_with_the_same_title_gets_the_article_id_suffix(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    pipeline = pipeline_for(crawler)
    pipeline.process_item(ARTICLE)
    first = channel_folder(tmp_path) / f"{TITLE}.md"
    first_bytes = first.read_bytes()
    os.utime(first, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    other = article(
        url="https://finance.sina.com.cn/roll/2023-01-05/doc-imyabcde1234567.shtml",
        published=datetime(2023, 1, 5, 8, 0, 0, tzinfo=BEIJING),
        body_html="<p>　　另一篇文章。</p>",
        doc_id="imyabcde1234567",
        key="sina:imyabcde1234567",
    )

    pipeline.process_item(other)

    second = channel_folder(tmp_path) / f"{TITLE}_imyabcde1234567.md"
    assert files_under(tmp_path) == sorted([first, second])
    assert first.read_bytes() == first_bytes
    assert first.stat().st_mtime_ns == OLD_MTIME_NS
    assert second.read_text(encoding="utf-8") == format_article(other)
    assert stat(crawler, "markdown/written") == 2


def test_each_of_two_articles_with_one_title_keeps_its_own_file(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    pipeline = pipeline_for(crawler)
    other = article(
        published=datetime(2023, 1, 5, 8, 0, 0, tzinfo=BEIJING),
        doc_id="imyother",
        key="sina:imyother",
    )
    pipeline.process_item(ARTICLE)
    pipeline.process_item(other)
    pipeline.process_item(article())
    pipeline.process_item(dataclasses.replace(other))
    first = channel_folder(tmp_path) / f"{TITLE}.md"
    second = channel_folder(tmp_path) / f"{TITLE}_imyother.md"
    assert files_under(tmp_path) == sorted([first, second])
    assert first.read_text(encoding="utf-8") == format_article(ARTICLE)
    assert second.read_text(encoding="utf-8") == format_article(other)
    assert stat(crawler, "markdown/written") == 2
    assert stat(crawler, "markdown/unchanged") == 2


def test_write_error_drops_the_item_naming_its_url_and_is_counted(tmp_path: Path) -> None:
    (tmp_path / "金融").write_text("a file where the topic folder should be", encoding="utf-8")
    crawler = crawler_for(tmp_path)
    with pytest.raises(DropItem, match=re.escape(URL)):
        pipeline_for(crawler).process_item(ARTICLE)
    assert stat(crawler, "markdown/write_errors") == 1
    assert stat(crawler, "markdown/written") == 0
    assert files_under(tmp_path) == [tmp_path / "金融"]


def test_failed_rename_drops_the_item_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crawler = crawler_for(tmp_path)
    pipeline = pipeline_for(crawler)

    def refuse(source: object, destination: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(DropItem) as raised:
        pipeline.process_item(ARTICLE)
    assert URL in str(raised.value)
    assert "disk full" in str(raised.value)
    assert stat(crawler, "markdown/write_errors") == 1
    assert files_under(tmp_path) == []


def test_extra_fields_setting_adds_keys_after_thumbnail(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path, MARKDOWN_EXTRA_FIELDS=["url", "doc_id"])
    pipeline_for(crawler).process_item(ARTICLE)
    post = frontmatter.load(channel_folder(tmp_path) / f"{TITLE}.md")
    assert list(post.metadata)[-3:] == ["thumbnail", "source_url", "doc_id"]
    assert post["source_url"] == URL
    assert post["doc_id"] == "imizmscu3890443"


def test_pipeline_is_not_configured_when_export_is_disabled(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        pipeline_for(crawler_for(tmp_path, MARKDOWN_EXPORT_ENABLED=False))
