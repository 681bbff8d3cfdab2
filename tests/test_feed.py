"""The `feed` spider: the real `scrapy crawl feed` against feeds served on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.feeds import (
    FeedItem,
    FeedSource,
    feed_article,
    feed_source,
    is_full_text,
    item_listing,
    page_profile,
    read_feed,
    read_item,
    read_sources_file,
    wants_page,
)
from crawler.mirror import Mirror, Route, serve
from crawler.sites import extract_article
from crawler.spiders.feed import FeedSpider
from tests.crawling import FAST, Crawl
from tests.documents import FIXTURES, assert_same_document, scrapy, scrapy_cli, split_document

FEEDS = FIXTURES / "feeds"
SEEDS = FIXTURES / "seeds"
SINA_CHANNEL = "金融/新浪财经/新浪财经－国內"
SINA_FOLDER = ("金融", "新浪财经", "新浪财经－国內")
QR_CODE_IMAGE = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"

RSS = "/feeds/sina-finance.xml"
ATOM = "/feeds/sina-pages.xml"
STCN = "/feeds/stcn-kuaixun.xml"
ROLL_PAGE = "/finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml"
NEWS_PAGE = "/news.sina.com.cn/c/2019-09-07/doc-iicezzrq4076655.shtml"
ROLL_EXPECTED = (
    FIXTURES / "sites" / "sina" / "finance-roll-2018-12-28-doc-ihqfskcn2160999.expected.md"
)
NEWS_EXPECTED = FIXTURES / "sites" / "sina" / "news-2019-09-07-doc-iicezzrq4076655.expected.md"

SEED_FILES = {
    "保证紧急必要需求,上海公安出入境部门开通绿色通道.md": "000_eb744beb5898c41c.md",
    "0！.md": "sina-2021-06-16-no-inline-image.md",
}
PAGE_FILES = {
    "60万_12306账号_外泄_ 中铁总辟谣称消息不实.md": ROLL_EXPECTED,
    "最强“中国芯”本月商用 华为抢跑5G芯片大战.md": NEWS_EXPECTED,
}


@contextmanager
def feed_server() -> Iterator[Mirror]:
    """Serve the Sina fixture pages and the fixture feeds on 127.0.0.1."""
    mirror = Mirror(FIXTURES / "sites" / "sina")
    mirror.load_pages()
    with serve(mirror):
        atom = (FEEDS / "sina-pages.atom.xml").read_text(encoding="utf-8")
        mirror.routes[RSS] = rss_route((FEEDS / "sina-finance.rss.xml").read_bytes())
        mirror.routes[STCN] = rss_route((FEEDS / "stcn-kuaixun.rss.xml").read_bytes())
        mirror.routes[ATOM] = Route(
            atom.replace("{origin}", mirror.origin).encode(), "application/atom+xml"
        )
        yield mirror


def rss_route(body: bytes) -> Route:
    """Answer with a feed, as RSSHub does."""
    return Route(body, "application/rss+xml; charset=utf-8")


def crawl_feed(mirror: Mirror, archive: Path, *args: str) -> Crawl:
    """Run `scrapy crawl feed` with these arguments into `archive`."""
    process = scrapy("crawl", "feed", *FAST, "-s", f"MARKDOWN_EXPORT_DIR={archive}", *args)
    return Crawl(process, archive, mirror)


def one_feed(mirror: Mirror, path: str, *more: str) -> tuple[str, ...]:
    """The `-a` arguments of one feed of the server, filed under Sina's 国内 channel."""
    return ("-a", f"url={mirror.origin}{path}", "-a", f"categories={SINA_CHANNEL}", *more)


def sources_file(folder: Path, mirror: Mirror, text: str) -> Path:
    """Write a sources file; `{origin}` in it becomes the server's address."""
    path = folder / "feeds.toml"
    path.write_text(text.replace("{origin}", mirror.origin), encoding="utf-8")
    return path


def written(result: Crawl, *folder: str) -> dict[str, str]:
    """Map the names of the files in an archive folder to their text."""
    base = result.archive.joinpath(*(folder or SINA_FOLDER))
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(base.glob("*.md"))}


def lines_of(document: str, keys: tuple[str, ...]) -> list[str]:
    """Return the front-matter lines of a document that start with one of these keys."""
    return [line for line in split_document(document).head.splitlines() if line.startswith(keys)]


def with_real_links(text: str, mirror: Mirror) -> str:
    """Undo the server's address in root-relative links resolved against it."""
    return text.replace(f'href="{mirror.origin}/roll/', 'href="https://finance.sina.com.cn/roll/')


BOTH_FEEDS = """
[[feed]]
url = "{origin}/feeds/sina-finance.xml"
categories = "金融/新浪财经/新浪财经－国內"

[[feed]]
url = "{origin}/feeds/sina-pages.xml"
categories = ["金融", "新浪财经", "新浪财经－国內"]
profile = "sina"
"""


# End to end: `scrapy crawl feed` against the local server.


def test_full_text_rss_items_are_archived_as_the_seeds_without_fetching_a_page(
    tmp_path: Path,
) -> None:
    with feed_server() as mirror:
        result = crawl_feed(mirror, tmp_path / "archive", *one_feed(mirror, RSS))
    assert result.process.returncode == 0, result.log
    files = written(result)
    assert set(files) == set(SEED_FILES)
    for name, seed in SEED_FILES.items():
        assert_same_document(files[name], (SEEDS / "expected" / seed).read_text(encoding="utf-8"))
        assert QR_CODE_IMAGE not in files[name]
        assert "责任编辑" not in files[name]
    assert set(mirror.requests) == {"/robots.txt", RSS}  # no article page
    assert result.stat("feed/article/full_text") == 2
    assert result.stat("markdown/written") == 2


def test_atom_items_with_summaries_are_fetched_and_extracted_by_the_chosen_profile(
    tmp_path: Path,
) -> None:
    with feed_server() as mirror:
        result = crawl_feed(
            mirror, tmp_path / "archive", *one_feed(mirror, ATOM, "-a", "profile=sina")
        )
    assert result.process.returncode == 0, result.log
    files = written(result)
    assert set(files) == set(PAGE_FILES)
    for name, expected in PAGE_FILES.items():
        text = with_real_links(files[name], mirror)
        assert_same_document(text, expected.read_text(encoding="utf-8"))
    assert mirror.requests[ROLL_PAGE] == mirror.requests[NEWS_PAGE] == 1
    assert result.stat("feed/article/requested") == 2


def test_a_page_on_a_host_without_a_profile_is_extracted_by_the_generic_profile(
    tmp_path: Path,
) -> None:
    with feed_server() as mirror:
        result = crawl_feed(mirror, tmp_path / "archive", *one_feed(mirror, ATOM))
    assert result.process.returncode == 0, result.log
    files = written(result)
    assert set(files) == set(PAGE_FILES)
    for name, expected in PAGE_FILES.items():
        # The item's title and date, the feed's categories and site; the body trafilatura's.
        keys = ("title", "categories", " -", "author", "comments", "date")
        assert lines_of(files[name], keys) == lines_of(expected.read_text("utf-8"), keys)
    assert "有60万个“12306账号”和410万条联系人数据在暗网低价出售" in files[next(iter(PAGE_FILES))]


def test_a_sources_file_archives_every_feed_it_lists_in_one_run(tmp_path: Path) -> None:
    with feed_server() as mirror:
        sources = sources_file(tmp_path, mirror, BOTH_FEEDS)
        result = crawl_feed(mirror, tmp_path / "archive", "-a", f"sources={sources}")
    assert result.process.returncode == 0, result.log
    assert set(written(result)) == set(SEED_FILES) | set(PAGE_FILES)
    assert mirror.requests[RSS] == mirror.requests[ATOM] == 1
    assert result.stat("feed/list/feeds") == 2
    assert result.stat("markdown/written") == 4


def test_bad_feeds_and_items_are_logged_counted_and_the_run_goes_on(tmp_path: Path) -> None:
    with feed_server() as mirror:
        mirror.routes["/feeds/garbage.xml"] = Route(b'{"not": "xml"}', "application/json")
        mirror.routes["/feeds/page.xml"] = Route(b"<html><body><p>Moved</p></body></html>")
        mirror.routes["/feeds/empty.xml"] = rss_route(
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
        )
        mirror.routes["/feeds/down.xml"] = Route(b"down", "text/plain", 500)
        sources = sources_file(
            tmp_path,
            mirror,
            "".join(
                f'[[feed]]\nurl = "{{origin}}/feeds/{name}.xml"\ncategories = "{categories}"\n'
                for name, categories in [
                    ("garbage", "金融/坏/坏"),
                    ("page", "金融/坏/坏"),
                    ("empty", "金融/坏/坏"),
                    ("down", "金融/坏/坏"),
                    ("stcn-kuaixun", "金融/证券时报网/快讯"),
                    ("sina-finance", SINA_CHANNEL),
                ]
            ),
        )
        result = crawl_feed(mirror, tmp_path / "archive", "-a", f"sources={sources}")
    assert result.process.returncode == 0, result.log
    origin = re.escape(mirror.origin)
    for line in [
        rf"ERROR: Bad feed <{origin}/feeds/garbage\.xml>: not an RSS or Atom feed \(.+\)",
        rf"ERROR: Bad feed <{origin}/feeds/page\.xml>: not an RSS or Atom feed \(no <rss>",
        rf"WARNING: Empty feed <{origin}/feeds/empty\.xml>: no items",
        rf"ERROR: Request failed <{origin}/feeds/down\.xml>: HTTP 500",
        rf"WARNING: Feed item skipped <{origin}/feeds/stcn-kuaixun\.xml>: "
        r"item '没有链接的快讯' has no link",
        rf"WARNING: Feed item skipped <{origin}/feeds/stcn-kuaixun\.xml>: "
        r"item <https://www\.stcn\.com/article/detail/403720\.html> has an unreadable date "
        r"'Invalid Date': not archived",
        rf"WARNING: Feed item skipped <{origin}/feeds/stcn-kuaixun\.xml>: "
        r"item <https://www\.stcn\.com/article/detail/403721\.html> has no pubDate, "
        r"published or updated: not archived",
    ]:
        assert re.search(line, result.log), line
    assert result.stat("feed/list/bad_answers") == 2
    assert result.stat("feed/list/empty") == 1
    assert result.stat("feed/list/request_failures") == 1
    assert result.stat("feed/list/items_without_link") == 1
    assert result.stat("feed/list/items_without_date") == 2
    # The good items of the feeds after the bad ones are archived, whole, and nothing else.
    files = [path.relative_to(result.archive) for path in result.files()]
    assert sorted(map(str, files)) == sorted(
        [str(Path(*SINA_FOLDER, name)) for name in SEED_FILES]
        + [str(Path("金融", "证券时报网", "快讯", "10月1日起京津冀统一税务行政处罚裁量基准.md"))]
    )
    stcn = written(result, "金融", "证券时报网", "快讯")
    expected = (FEEDS / "stcn-kuaixun.expected.md").read_text(encoding="utf-8")
    assert_same_document(stcn["10月1日起京津冀统一税务行政处罚裁量基准.md"], expected)
    assert "'finish_reason': 'finished'" in result.log


def test_a_second_run_with_nothing_changed_fetches_no_page_and_rewrites_nothing(
    tmp_path: Path,
) -> None:
    archive = tmp_path / "archive"
    with feed_server() as mirror:
        sources = sources_file(tmp_path, mirror, BOTH_FEEDS)
        first = crawl_feed(mirror, archive, "-a", f"sources={sources}")
        assert first.stat("markdown/written") == 4, first.log
        before = {path: path.stat().st_mtime_ns for path in first.files()}
        second = crawl_feed(mirror, archive, "-a", f"sources={sources}")
    assert second.process.returncode == 0, second.log
    assert mirror.requests[ROLL_PAGE] == mirror.requests[NEWS_PAGE] == 1  # the first run's
    assert mirror.requests[RSS] == mirror.requests[ATOM] == 2
    assert second.stat("archive/listed_unchanged") == 4
    assert second.stat("item_scraped_count") == 0
    assert {path: path.stat().st_mtime_ns for path in second.files()} == before


def test_an_item_whose_updated_time_moved_is_fetched_again(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    with feed_server() as mirror:
        arguments = one_feed(mirror, ATOM, "-a", "profile=sina")
        crawl_feed(mirror, archive, *arguments)
        atom = mirror.routes[ATOM].body.decode()
        mirror.routes[ATOM] = Route(
            atom.replace(
                "<updated>2018-12-28T19:56:29+08:00</updated>",
                "<updated>2018-12-29T09:00:00+08:00</updated>",
            ).encode(),
            "application/atom+xml",
        )
        second = crawl_feed(mirror, archive, *arguments)
    assert second.process.returncode == 0, second.log
    assert mirror.requests[ROLL_PAGE] == 2
    assert mirror.requests[NEWS_PAGE] == 1
    # Fetched again, but the file's bytes would not change, so it is left alone.
    assert second.stat("markdown/unchanged") == 1
    assert second.stat("archive/listed_unchanged") == 1


def test_refresh_runs_the_feed_spider_named_in_refresh_sources(tmp_path: Path) -> None:
    with feed_server() as mirror:
        mirror.routes["/feeds/down.xml"] = Route(b"down", "text/plain", 500)
        good = sources_file(tmp_path, mirror, BOTH_FEEDS)
        bad = tmp_path / "bad.toml"
        bad.write_text(
            f'[[feed]]\nurl = "{mirror.origin}/feeds/down.xml"\ncategories = "金融/坏/坏"\n',
            encoding="utf-8",
        )
        settings = (*FAST, "-s", f"MARKDOWN_EXPORT_DIR={tmp_path / 'archive'}")
        worked = scrapy("refresh", *settings, "-s", f"REFRESH_SOURCES=feed sources={good}")
        failed = scrapy("refresh", *settings, "-s", f"REFRESH_SOURCES=feed sources={bad}")
    assert worked.returncode == 0, worked.stderr
    assert worked.stdout.startswith("refresh: 4 new, 0 updated, 0 unchanged, 0 dropped, 0 errors")
    assert failed.returncode == 1, failed.stderr
    assert "1 errors" in failed.stdout and "FAILED" in failed.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "no feed: give -a url=FEED -a categories=TOPIC/SITE/CHANNEL, or -a sources="),
        (("-a", "url=https://rsshub.app/stcn/kx"), "categories= is required"),
        (
            ("-a", "url=https://rsshub.app/stcn/kx", "-a", "categories=金融/证券时报网"),
            "categories must be three levels TOPIC/SITE/CHANNEL",
        ),
        (("-a", "sources=nosuchfile.toml"), "sources file nosuchfile.toml: No such file"),
    ],
    ids=["nothing", "no-categories", "two-levels", "no-sources-file"],
)
def test_bad_arguments_are_a_usage_error_before_any_request(
    arguments: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    result = scrapy_cli("crawl", "feed", "-s", f"MARKDOWN_EXPORT_DIR={tmp_path}", *arguments)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Spider opened" not in result.stderr


# The arguments, read and checked before the crawl.


def test_one_feed_is_read_from_url_and_categories() -> None:
    arguments = FeedSpider.read_arguments(
        url=" https://rsshub.app/stcn/kx ", categories="金融/证券时报网/快讯", profile="stcn"
    )
    assert arguments.feeds == [
        FeedSource("https://rsshub.app/stcn/kx", ("金融", "证券时报网", "快讯"), "stcn", "auto")
    ]
    assert not arguments.refresh_all


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"url": "ftp://x/feed", "categories": "a/b/c"}, "url must be an http(s) feed URL"),
        ({"url": "https://x/feed", "categories": "a//c"}, "three non-empty levels"),
        ({"url": "https://x/feed", "categories": "a/b/c", "profile": "nope"}, "profile must"),
        ({"url": "https://x/feed", "categories": "a/b/c", "fulltext": "maybe"}, "fulltext must"),
        ({"url": "https://x/feed", "categories": "a/b/c", "refresh": "yes"}, "refresh can only"),
        ({"sources": "feeds.toml", "categories": "a/b/c"}, "set categories in the sources file"),
    ],
    ids=["scheme", "empty-level", "profile", "fulltext", "refresh", "sources-and-categories"],
)
def test_bad_arguments_are_refused_with_the_reason(arguments: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        FeedSpider.read_arguments(**arguments)


def test_the_full_text_rule_reads_its_thresholds_from_the_settings() -> None:
    crawler = get_crawler(FeedSpider, {"FEED_FULLTEXT_MIN_BLOCKS": 5, "FEED_FULLTEXT_MIN_CHARS": 9})
    spider = FeedSpider.from_crawler(crawler, url="https://a.example/rss", categories="a/b/c")
    assert (spider.min_blocks, spider.min_chars) == (5, 9)


def test_the_example_sources_file_is_valid() -> None:
    feeds = read_sources_file(FIXTURES.parent.parent / "feeds.example.toml")
    assert [feed.categories[1] for feed in feeds] == ["新浪财经", "证券时报网"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[feed]]\nurl = "https://x/f"\n', "feed 1: feed https://x/f: categories= is required"),
        (
            '[[feed]]\nurl = "https://x/f"\ncategories = "a/b/c"\ncategory = "x"\n',
            "feed 1: unknown keys category",
        ),
        ('[[feed]]\nurl = "https://x/f"\ncategories = "a/b/c"\n[[feed]]\n', "feed 2: url ="),
        (
            '[[feed]]\nurl = "https://x/f"\ncategories = "a/b/c"\n' * 2,
            "feed 2: https://x/f is listed twice",
        ),
        ('[feed]\nurl = "https://x/f"\n', "expected [[feed]] tables only"),
        ("[[feed]\n", "is not valid TOML"),
    ],
    ids=["no-categories", "unknown-key", "no-url", "twice", "not-an-array", "not-toml"],
)
def test_a_bad_sources_file_is_refused_with_the_feed_and_reason(
    text: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        read_sources_file(path)


# Reading feeds and items (no network).


def first_item(feed_xml: str) -> FeedItem:
    """Read the first item of a feed document."""
    return read_item(
        read_feed(feed_xml.encode(), "https://feed.example/rss").entries[0],
        "https://feed.example/rss",
    )


def rss(item: str) -> str:
    """Wrap one `<item>` in an RSS 2.0 document."""
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{item}</channel></rss>'
    )


def test_an_rfc_822_pub_date_gives_a_timezone_aware_time() -> None:
    item = first_item(
        rss("<item><title>t</title><link>https://a.example/1</link>"
            "<pubDate>Sat, 26 Feb 2022 13:34:12 +0800</pubDate></item>")
    )  # fmt: skip
    assert item.published == datetime(2022, 2, 26, 5, 34, 12, tzinfo=UTC)
    assert item.modified == item.published  # never updated: modified when published


def test_an_atom_entry_is_dated_by_published_and_modified_by_updated() -> None:
    feed = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id>'
        "<updated>2024-01-02T00:00:00Z</updated><entry><id>e</id>"
        '<title type="html">A &amp;amp; B &lt;b&gt;bold&lt;/b&gt;</title><link href="/a/1"/>'
        "<published>2024-01-01T08:00:00+08:00</published>"
        "<updated>2024-01-02T10:00:00+02:00</updated></entry></feed>"
    )
    item = read_item(
        read_feed(feed.encode(), "https://b.example/atom").entries[0], "https://b.example/atom"
    )
    assert item.published == datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    assert item.modified == datetime(2024, 1, 2, 8, 0, tzinfo=UTC)
    assert item.link == "https://b.example/a/1"
    assert item.title == "A & B bold"


def test_content_encoded_is_preferred_to_the_description_and_plain_text_becomes_paragraphs() -> (
    None
):
    encoded = first_item(
        rss('<item xmlns:content="http://purl.org/rss/1.0/modules/content/"><title>t</title>'
            "<link>https://a.example/1</link><pubDate>Sat, 26 Feb 2022 05:34:12 GMT</pubDate>"
            "<description>short</description>"
            "<content:encoded><![CDATA[<p>one</p><p>two</p>]]></content:encoded></item>")
    )  # fmt: skip
    assert encoded.html == "<p>one</p><p>two</p>"
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id>'
        "<updated>2024-01-02T00:00:00Z</updated><entry><id>e</id><title>t</title>"
        '<link href="https://c.example/1"/><updated>2024-01-02T00:00:00Z</updated>'
        '<content type="text">a &lt; b\n\nsecond</content></entry></feed>'
    )
    plain = read_item(
        read_feed(atom.encode(), "https://c.example/").entries[0], "https://c.example/"
    )
    assert plain.html == "<p>a &lt; b</p><p>second</p>"


def test_an_image_enclosure_or_media_content_is_the_items_image() -> None:
    enclosure = first_item(
        rss('<item><title>t</title><link>https://a.example/1</link>'
            "<pubDate>Sat, 26 Feb 2022 05:34:12 GMT</pubDate>"
            '<enclosure url="https://a.example/audio.mp3" type="audio/mpeg" length="1"/>'
            '<enclosure url="http://a.example/p.jpg" type="image/jpeg" length="1"/></item>')
    )  # fmt: skip
    assert enclosure.image == "https://a.example/p.jpg"
    media = first_item(
        rss('<item xmlns:media="http://search.yahoo.com/mrss/"><title>t</title>'
            "<link>https://a.example/1</link><pubDate>Sat, 26 Feb 2022 05:34:12 GMT</pubDate>"
            '<media:content url="//img.example/m.png" medium="image"/></item>')
    )  # fmt: skip
    assert media.image == "https://img.example/m.png"


def test_a_damaged_feed_is_read_as_far_as_it_goes() -> None:
    feed = read_feed(
        rss("<item><title>t</title><link>https://a.example/1</link></item>").encode()[:-30],
        "https://a.example/rss",
    )
    assert len(feed.entries) == 1
    assert feed.damage


SEED_BODY = split_document((SEEDS / "sina-2021-06-16-no-inline-image.md").read_text("utf-8")).body
STCN_BODY = (
    "<p>证券时报网讯，据新华社30日消息，近日，国家税务总局北京市税务局联合发布公告，"
    "10月1日起施行统一的裁量基准。</p><p>据了解，裁量基准统一了7类53项税收违法行为的处罚标准。</p>"
)


@pytest.mark.parametrize(
    ("body", "full"),
    [
        (SEED_BODY, True),  # RSSHub: the whole Sina article, footer and all
        (STCN_BODY, True),  # a two-paragraph 快讯
        ("<div><p>" + "长" * 300 + "</p></div>", False),  # one paragraph: an excerpt
        (
            "今日（12月28日）有网友爆料，有60万个“12306账号”和410万条联系人数据在暗网低价出售。"
            * 3,
            False,
        ),
        ("<p>" + "段" * 60 + "</p><p>" + "落" * 60 + "…</p>", False),  # cut off
        ("<p>" + "段" * 60 + "</p><p>" + "落" * 60 + " [...]</p>", False),
        ("<p>一</p><p>二</p>", False),  # too little text to be an article
        ("", False),
    ],
    ids=[
        "rsshub",
        "kuaixun",
        "one-paragraph",
        "plain-text",
        "ellipsis",
        "bracketed",
        "tiny",
        "empty",
    ],
)
def test_the_auto_rule_takes_an_items_html_as_the_article_only_when_it_reads_whole(
    body: str, full: bool
) -> None:
    assert is_full_text(body, min_blocks=2, min_chars=80) is full


def test_fulltext_yes_and_no_override_the_auto_rule() -> None:
    item = FeedItem(
        "https://a.example/1", "t", datetime.now(UTC), datetime.now(UTC), "<p>short</p>", "", ""
    )
    source = feed_source("https://a.example/rss", "a/b/c")
    assert wants_page(item, source, 2, 80)
    assert not wants_page(
        item, feed_source("https://a.example/rss", "a/b/c", fulltext="yes"), 2, 80
    )
    full = FeedItem(item.link, "t", item.published, item.modified, STCN_BODY, "", "")
    assert not wants_page(full, source, 2, 80)
    assert wants_page(full, feed_source("https://a.example/rss", "a/b/c", fulltext=False), 2, 80)


def test_a_full_text_body_of_an_unprofiled_host_has_only_generic_rules_and_the_items_image() -> (
    None
):
    when = datetime(2024, 1, 1, tzinfo=UTC)
    item = FeedItem("https://blog.example/p/1", "标题", when, when, STCN_BODY, "", "作者")
    source = feed_source("https://blog.example/rss", "新闻/博客/最新")
    article = feed_article(item, source, logo="https://blog.example/logo.png")
    assert (article.site_key, article.site, article.categories) == (
        "",
        "博客",
        ("新闻", "博客", "最新"),
    )
    assert article.lead_image == "https://blog.example/logo.png"  # no item image: the feed's logo
    with_image = FeedItem(item.link, "标题", when, when, STCN_BODY, "https://img.example/1.jpg", "")
    assert feed_article(with_image, source).lead_image == "https://img.example/1.jpg"
    sina = FeedItem("https://finance.sina.com.cn/x.shtml", "标题", when, when, STCN_BODY, "", "")
    assert feed_article(sina, source).site_key == "sina"


def test_a_redirected_page_is_keyed_by_the_items_link_and_its_links_resolve_where_it_was_read() -> (
    None
):
    page = FIXTURES / "sites" / "sina" / "synthetic-2016-doc-ifxsktkr5869532.html"
    url = "https://finance.sina.com.cn/roll/2016-05-25/doc-ifxsktkr5869532.shtml"
    response = HtmlResponse(url, body=page.read_bytes(), encoding="utf-8")
    when = datetime(2016, 5, 25, 2, 10, tzinfo=UTC)
    item = FeedItem("https://feeds.example/r/1", "feed title", when, when, "", "", "")
    source = feed_source("https://feeds.example/rss", SINA_CHANNEL)
    site = page_profile(item.link, source)
    article = extract_article(site, response, source.channel, item_listing(item))
    assert (article.url, article.doc_id, article.title) == (item.link, "", "feed title")
    assert article.key == item.link
    assert 'href="https://finance.sina.com.cn/roll/2016-05-24/doc-ifxsktkr5869001.shtml"' in (
        article.body_html
    )


def test_feedparser_is_asked_to_keep_the_items_markup() -> None:
    # feedparser's own sanitiser would drop `cms-style`, which the archive keeps.
    assert "cms-style" in first_item(rss(
        "<item><title>t</title><link>https://a.example/1</link>"
        "<pubDate>Sat, 26 Feb 2022 05:34:12 GMT</pubDate>"
        '<description><![CDATA[<p cms-style="font-L">x</p>]]></description></item>'
    )).html  # fmt: skip
