"""The project's commands: `scrapy render` and `scrapy demo`, run as a user runs them."""

from __future__ import annotations

from pathlib import Path

import frontmatter
import pytest

from tests.documents import (
    FIXTURES,
    SINA_PAGES,
    assert_same_document,
    expected_file,
    render_cli,
    scrapy_cli,
)

PAGE = FIXTURES / "sites" / "sina" / "finance-roll-2018-12-28-doc-ihqfskcn2160999.html"
URL = "https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml"


def test_render_prints_the_document_and_writes_nothing(tmp_path: Path) -> None:
    result = render_cli(PAGE, URL, "-s", f"MARKDOWN_EXPORT_DIR={tmp_path}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("\n---\ntitle: '60万")
    assert list(tmp_path.iterdir()) == []


def test_render_channel_sets_the_categories() -> None:
    result = render_cli(PAGE, URL, "--channel", "2672")
    assert result.returncode == 0, result.stderr
    assert "categories: \n - 金融\n - 新浪财经\n - 新浪财经－美股\n" in result.stdout


def test_render_logs_only_warnings_so_stderr_stays_short() -> None:
    result = render_cli(PAGE, URL)
    assert "INFO" not in result.stderr


def test_render_of_a_page_that_is_not_an_article_says_why(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text("<html><body><h1>首页</h1></body></html>", encoding="utf-8")
    result = render_cli(page, "https://finance.sina.com.cn/")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "render: nothing rendered for https://finance.sina.com.cn/: no article body" in (
        result.stderr
    )


def test_render_of_an_incomplete_article_gives_the_validation_reason(tmp_path: Path) -> None:
    page = tmp_path / "untitled.html"
    page.write_text('<div id="artibody"><p>　　正文。</p></div>', encoding="utf-8")
    result = render_cli(page, URL)
    assert result.returncode == 1
    assert "incomplete article (no title, no date)" in result.stderr


def test_render_errors_are_usage_errors() -> None:
    missing = render_cli(Path("no-such-page.html"), URL)
    assert missing.returncode == 2
    assert "no such file: no-such-page.html" in missing.stderr
    # A host with no profile is no error: the generic profile renders the page.
    unknown_site = render_cli(PAGE, "https://example.com/a.html")
    assert unknown_site.returncode == 0, unknown_site.stderr
    assert "categories: \n - 新闻\n - example.com\n - 网页\nheadimg:" in unknown_site.stdout
    assert "\nauthor: example.com\n" in unknown_site.stdout
    unknown_channel = render_cli(PAGE, URL, "--channel", "42")
    assert unknown_channel.returncode == 2
    assert "sina has no channel '42'" in unknown_channel.stderr


def assert_demo_archive(archive: Path) -> dict[str, str]:
    """Check that the archive holds the demo's pages as `scrapy render` writes each from its
    real URL (links to the real hosts); return its files' texts by title."""
    files = {
        str(frontmatter.load(path)["title"]): path.read_text(encoding="utf-8")
        for path in archive.rglob("*.md")
    }
    assert len(files) == len(SINA_PAGES)
    for page in SINA_PAGES:
        expected = expected_file(page).read_text(encoding="utf-8")
        assert_same_document(files[str(frontmatter.loads(expected)["title"])], expected)
    return files


# The demo's download handler is a class made at run time: a page process does without it.
@pytest.mark.parametrize("pool", [(), ("-s", "PAGE_POOL_PROCESSES=1")], ids=["alone", "pool"])
def test_demo_crawls_the_recorded_pages_into_the_archive_under_their_real_urls(
    tmp_path: Path, pool: tuple[str, ...]
) -> None:
    result = scrapy_cli(
        "demo", "-s", f"MARKDOWN_EXPORT_DIR={tmp_path}", "-s", "DOWNLOAD_DELAY=0", *pool
    )
    assert result.returncode == 0, result.stderr
    files = assert_demo_archive(tmp_path)
    assert not [text for text in files.values() if "127.0.0.1" in text]
    assert "Wrote " in result.stderr and "<https://finance.sina.com.cn/roll/" in result.stderr


def test_a_crawl_started_with_mimalloc_preloaded_writes_the_same_archive(tmp_path: Path) -> None:
    # Debian's libmimalloc2.0 (.ci/debian-packages), which the README suggests preloading
    # for crawls held up by CPU; in the folder of the machine's architecture.
    mimalloc = next(Path("/usr/lib").glob("*-linux-*/libmimalloc.so.2"), None)
    assert mimalloc is not None, "libmimalloc.so.2 is missing: apt-get install libmimalloc2.0"
    # Verbose, mimalloc names its options when it starts: proof that it was preloaded.
    env = {"LD_PRELOAD": str(mimalloc), "MIMALLOC_VERBOSE": "1"}
    result = scrapy_cli("demo", "-s", f"MARKDOWN_EXPORT_DIR={tmp_path}", env=env)
    assert result.returncode == 0, result.stderr
    assert "mimalloc: option" in result.stderr
    assert_demo_archive(tmp_path)
