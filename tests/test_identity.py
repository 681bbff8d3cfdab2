"""An article's identity is decided once, from its listing: one key, one file, never two."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from scrapy.utils.test import get_crawler

from crawler.items import Article
from pipelines.export import MarkdownExportPipeline
from tests.crawling import Crawl, add_page, crawl, mirror_of, roll_page

PAGE = """<html><head><meta charset="utf-8">
<meta property="article:published_time" content="{published}">
<meta name="publishid" content="{publishid}"></head>
<body><h1 class="main-title">{title}</h1>
<div class="article" id="artibody"><p>　　{text}</p></div></body></html>"""


def sina_url(host: str, doc_id: str) -> str:
    return f"https://{host}/roll/2026-11-28/doc-i{doc_id}.shtml"


def test_two_articles_with_one_title_and_date_get_two_files(tmp_path: Path) -> None:
    crawler = get_crawler(
        settings_dict={
            "MARKDOWN_EXPORT_DIR": str(tmp_path),
            "EXTENSIONS": {"crawler.archive.extension.ArchiveExtension": 100},
        }
    )
    pipeline = MarkdownExportPipeline.from_crawler(crawler)
    first = Article(
        url=sina_url("finance.sina.com.cn", "aaa"), key="sina:aaa", site="新浪财经",
        site_key="sina", channel="1686", categories=("金融", "新浪财经", "新浪财经－国內"),
        title="同名文章", published=datetime(2026, 11, 28, 1, tzinfo=UTC),
        lead_image="https://n.sinaimg.cn/a.jpg", body_html="<p>　　第一篇。</p>",
    )  # fmt: skip
    second = dataclasses.replace(
        first, url=sina_url("finance.sina.com.cn", "bbb"), key="sina:bbb",
        body_html="<p>　　第二篇。</p>",
    )  # fmt: skip
    for _ in range(2):  # and a second run changes neither
        pipeline.process_item(dataclasses.replace(first))
        pipeline.process_item(dataclasses.replace(second))
    files = sorted(tmp_path.rglob("*.md"))
    assert [path.name for path in files] == ["同名文章.md", "同名文章_bbb.md"]
    assert "第一篇" in files[0].read_text(encoding="utf-8")
    assert "第二篇" in files[1].read_text(encoding="utf-8")
    assert crawler.stats is not None
    assert crawler.stats.get_value("markdown/unchanged") == 2
    assert pipeline.state is not None
    pipeline.state.close()


def crawl_twice(
    fixtures: Path, tmp_path: Path, pages: Mapping[str, tuple[str, ...]]
) -> tuple[Crawl, dict[Path, bytes], Crawl]:
    """List these pages (URL: publishid, title, text[, published]) on one roll page; crawl,
    then refresh all.

    Returns the first crawl, the files it wrote with their bytes, and the second crawl.
    """
    for number, (url, (publishid, title, text, *published)) in enumerate(pages.items()):
        page = PAGE.format(
            publishid=publishid,
            title=title,
            text=text,
            published=published[0] if published else "2026-11-28T09:00:00+08:00",
        )
        add_page(fixtures, f"made-{number}", url, page)
    archive = tmp_path / "archive"
    with mirror_of(fixtures, {"1686_1": roll_page(*pages)}) as mirror:
        first = crawl(mirror, archive)
        written = {path: path.read_bytes() for path in first.files()}
        second = crawl(mirror, archive, "-a", "refresh=all")
    return first, written, second


def test_two_urls_that_list_one_id_give_one_file_that_no_run_rewrites(
    fixtures: Path, tmp_path: Path
) -> None:
    desktop, news = sina_url("finance.sina.com.cn", "same1"), sina_url("news.sina.com.cn", "same1")
    pages = {desktop: ("same1", "一篇", "甲"), news: ("same1", "一篇", "乙")}
    first, written, second = crawl_twice(fixtures, tmp_path, pages)
    [(only, data)] = written.items()
    assert second.files() == [only]
    assert only.read_bytes() == data
    assert "甲" in data.decode("utf-8")
    assert (first.stat("markdown/written"), first.stat("sina/list/duplicates")) == (1, 1)
    assert (second.stat("markdown/unchanged"), second.stat("markdown/updated")) == (1, 0)


def test_a_page_whose_publishid_disagrees_with_its_listed_id_keeps_the_listed_identity(
    fixtures: Path, tmp_path: Path
) -> None:
    one, two = sina_url("finance.sina.com.cn", "one1"), sina_url("finance.sina.com.cn", "two2")
    # Both pages say they are document `shared9`, with one title and one date.
    pages = {one: ("shared9", "同名", "第一篇"), two: ("shared9", "同名", "第二篇")}
    _, written, second = crawl_twice(fixtures, tmp_path, pages)
    # The two are fetched at once: whichever is written second gets its listed id as suffix.
    names = sorted(path.name for path in written)
    assert names in (["同名.md", "同名_one1.md"], ["同名.md", "同名_two2.md"])
    texts = "".join(data.decode("utf-8") for data in written.values())
    assert "第一篇" in texts and "第二篇" in texts
    assert {path: path.read_bytes() for path in second.files()} == written
    assert (second.stat("markdown/unchanged"), second.stat("markdown/updated")) == (2, 0)


def test_two_different_articles_whose_pages_carry_one_publishid_keep_a_file_each(
    fixtures: Path, tmp_path: Path
) -> None:
    one, two = sina_url("finance.sina.com.cn", "one1"), sina_url("finance.sina.com.cn", "two2")
    # Two articles, their own titles and dates; both pages say they are document `shared9`.
    pages = {
        one: ("shared9", "第一篇的标题", "第一篇的正文", "2026-11-28T09:00:00+08:00"),
        two: ("shared9", "第二篇的标题", "第二篇的正文", "2026-11-28T10:30:00+08:00"),
    }
    first, written, second = crawl_twice(fixtures, tmp_path, pages)
    by_name = {path.name: data.decode("utf-8") for path, data in written.items()}
    assert sorted(by_name) == ["第一篇的标题.md", "第二篇的标题.md"]
    assert "第一篇的正文" in by_name["第一篇的标题.md"]
    assert "第二篇的正文" in by_name["第二篇的标题.md"]
    assert first.stat("markdown/written") == 2
    # Refetched, neither overwrites the other: both are unchanged, byte for byte.
    assert {path: path.read_bytes() for path in second.files()} == written
    assert (second.stat("markdown/unchanged"), second.stat("markdown/updated")) == (2, 0)
