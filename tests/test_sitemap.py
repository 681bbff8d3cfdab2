"""End to end: the real `scrapy crawl sitemap` against sitemaps served from 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from crawler.archive.state import ArchiveState
from crawler.common.dates import BEIJING
from crawler.mirror import Mirror, Route, mirror_path
from crawler.sites import all_sites, profile_for_url
from crawler.spiders.sitemap import SitemapSpider
from tests.crawling import FAST, Crawl, add_page, mirror_of
from tests.documents import (
    FIXTURES,
    SINA_PAGES,
    assert_same_document,
    expected_file,
    page_meta,
    scrapy,
    scrapy_cli,
)

# A lastmod for each Sina fixture page: its publication time.
LASTMOD = {
    "synthetic-2016-doc-ifxsktkr5869532": "2016-05-25T10:10:00+08:00",
    "finance-roll-2018-12-28-doc-ihqfskcn2160999": "2018-12-28T19:56:29+08:00",
    "news-2019-09-07-doc-iicezzrq4076655": "2019-09-07T06:52:51+08:00",
    "finance-usstock-2019-09-09-doc-iicezzrq4681677": "2019-09-09T20:52:38+08:00",
    "news-2019-11-25-doc-iihnzahi3275702": "2019-11-25T18:57:38+08:00",
    "synthetic-mobile-detail-ifxsktkr5869533": "2021-06-16T09:27:00+08:00",
}
URL = {page.stem: page_meta(page)["url"] for page in SINA_PAGES}
FIRST, SECOND, THIRD = list(LASTMOD)[:2], list(LASTMOD)[2:4], list(LASTMOD)[4:]
NOT_AN_ARTICLE_URL = "https://finance.sina.com.cn/stock/"  # a channel front page

NEW_PAGE = """<html><head><meta charset="utf-8">
<meta property="article:published_time" content="{published}"></head>
<body><h1 class="main-title">{title}</h1>
<div class="article" id="artibody"><p>　　{text}</p></div></body></html>"""
FRONT_PAGE = """<html><head><meta charset="utf-8"><title>新浪财经</title></head>
<body><ul><li><a href="/roll/a.shtml">一条新闻</a></li></ul></body></html>"""


def urlset(*entries: tuple[str, str | None]) -> bytes:
    """A sitemap listing these (URL, lastmod) pairs."""
    return _sitemap("urlset", "url", entries)


def index(*entries: tuple[str, str | None]) -> bytes:
    """A sitemap index listing these (sitemap URL, lastmod) pairs."""
    return _sitemap("sitemapindex", "sitemap", entries)


def _sitemap(root: str, tag: str, entries: tuple[tuple[str, str | None], ...]) -> bytes:
    lines = [
        f"<{tag}><loc>{escape(loc)}</loc>"
        + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
        + f"</{tag}>"
        for loc, lastmod in entries
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(lines)
        + f"\n</{root}>\n"
    ).encode()


def news_sitemap(*entries: tuple[str, str, str]) -> bytes:
    """A Google News sitemap listing these (URL, publication date, title) triples."""
    items = "\n".join(
        f"<url><loc>{escape(loc)}</loc><news:news><news:publication>"
        "<news:name>新浪财经</news:name><news:language>zh</news:language></news:publication>"
        f"<news:publication_date>{published}</news:publication_date>"
        f"<news:title>{escape(title)}</news:title></news:news></url>"
        for loc, published, title in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{items}\n</urlset>\n"
    ).encode()


def xml(body: bytes) -> Route:
    return Route(body, "application/xml")


def on_mirror(mirror: Mirror, url: str) -> str:
    """The mirror's URL of a real page."""
    return mirror.origin + mirror_path(url)


def listed(mirror: Mirror, *stems: str) -> list[tuple[str, str | None]]:
    """Sitemap entries for fixture pages, on the mirror, with their lastmod."""
    return [(on_mirror(mirror, URL[stem]), LASTMOD[stem]) for stem in stems]


def requests_for(mirror: Mirror, *stems: str) -> list[int]:
    """How often the mirror was asked for each fixture page."""
    return [mirror.requests[mirror_path(URL[stem])] for stem in stems]


def crawl_sitemap(mirror: Mirror, archive: Path, path: str, *args: str) -> Crawl:
    """Run `scrapy crawl sitemap -a url=<mirror><path>` into `archive`."""
    process = scrapy(
        "crawl", "sitemap", *FAST, "-s", f"MARKDOWN_EXPORT_DIR={archive}",
        "-a", f"url={mirror.origin}{path}", *args,
    )  # fmt: skip
    return Crawl(process, archive, mirror)


def sina(mirror: Mirror, archive: Path, path: str, *args: str) -> Crawl:
    """Crawl a sitemap of Sina pages served from the mirror, parsed by the Sina profile."""
    return crawl_sitemap(mirror, archive, path, "-a", "profile=sina", *args)


@contextmanager
def state_of(archive: Path) -> Iterator[ArchiveState]:
    state = ArchiveState.open(archive / ".archive" / "state.db")
    try:
        yield state
    finally:
        state.close()


def utc(lastmod: str) -> str:
    """A lastmod as the archive state records it (ISO 8601, UTC)."""
    return datetime.fromisoformat(lastmod).astimezone(UTC).isoformat()


@contextmanager
def index_mirror(fixtures: Path) -> Iterator[Mirror]:
    """The Sina pages, and an index of a plain, a `.xml.gz` and a gzip-bodied sitemap.

    The plain sitemap also lists a channel front page, which the Sina pattern leaves out.
    """
    with mirror_of(fixtures) as mirror:
        mirror.routes[mirror_path(NOT_AN_ARTICLE_URL)] = Route(FRONT_PAGE.encode())
        first = urlset(*listed(mirror, *FIRST), (on_mirror(mirror, NOT_AN_ARTICLE_URL), None))
        mirror.routes["/sitemap-1.xml"] = xml(first)
        second = gzip.compress(urlset(*listed(mirror, *SECOND)))
        mirror.routes["/sitemap-2.xml.gz"] = Route(second, "application/x-gzip")
        third = gzip.compress(urlset(*listed(mirror, *THIRD)))
        mirror.routes["/sitemap-3"] = Route(third, "application/octet-stream")
        mirror.routes["/sitemap_index.xml"] = xml(
            index(
                (f"{mirror.origin}/sitemap-1.xml", "2019-01-01T00:00:00+00:00"),
                (f"{mirror.origin}/sitemap-2.xml.gz", "2020-01-01T00:00:00+00:00"),
                (f"{mirror.origin}/sitemap-3", "2021-07-01T00:00:00+00:00"),
            )
        )
        yield mirror


def test_an_index_of_a_plain_a_gz_and_a_gzip_bodied_sitemap_archives_every_article(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with index_mirror(fixtures) as mirror:
        result = sina(mirror, archive, "/sitemap_index.xml")
    assert result.process.returncode == 0, result.log
    assert requests_for(mirror, *LASTMOD) == [1] * 6
    assert mirror.requests[mirror_path(NOT_AN_ARTICLE_URL)] == 0
    files = result.files()
    assert len(files) == 6
    written = {path.read_text(encoding="utf-8").split("\n")[2]: path for path in files}
    for page in SINA_PAGES:
        expected = expected_file(page).read_text(encoding="utf-8")
        actual = written[expected.split("\n")[2]]  # matched by the title line
        assert actual.parent == archive / "金融" / "新浪财经" / "新浪财经－国內"
        text = actual.read_text(encoding="utf-8").replace(
            f'href="{mirror.origin}/roll/', 'href="https://finance.sina.com.cn/roll/'
        )
        assert_same_document(text, expected)
    assert result.stat("sitemap/sitemaps") == 4
    assert result.stat("sitemap/skipped/filtered") == 1
    assert result.stat("markdown/written") == 6
    with state_of(archive) as state:
        record = state.lookup("sina:hqfskcn2160999")
        assert record is not None and record.modified == "2018-12-28T11:56:29+00:00"
        assert state.listing_mark(f"sitemap:{mirror.origin}/sitemap-2.xml.gz") == utc(
            LASTMOD["finance-usstock-2019-09-09-doc-iicezzrq4681677"]
        )
        assert state.listing_mark(f"sitemap:{mirror.origin}/sitemap_index.xml") == (
            "2021-07-01T00:00:00+00:00"
        )


def test_a_second_run_fetches_only_what_is_newer_than_what_the_archive_holds(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    new_url = "https://finance.sina.com.cn/roll/2026-11-28/doc-inewart100000000.shtml"
    old_url = "https://finance.sina.com.cn/roll/2010-01-01/doc-ioldart100000000.shtml"
    for name, url, day in (("new", new_url, "2026-11-28"), ("old", old_url, "2010-01-01")):
        html = NEW_PAGE.format(published=f"{day}T09:00:00+08:00", title=name, text=f"{name}。")
        add_page(fixtures, name, url, html)
    with index_mirror(fixtures) as mirror:
        first = sina(mirror, archive, "/sitemap_index.xml")
        assert first.process.returncode == 0, first.log
        # The newest sitemap gains a new article, and one dated before everything the
        # archive holds from it (a late addition the mark deliberately passes over).
        mirror.routes["/sitemap-3"] = xml(
            urlset(
                *listed(mirror, *THIRD),
                (on_mirror(mirror, new_url), "2026-11-28T09:00:00+08:00"),
                (on_mirror(mirror, old_url), "2010-01-01T09:00:00+08:00"),
            )
        )
        mirror.routes["/sitemap_index.xml"] = xml(
            index(
                (f"{mirror.origin}/sitemap-1.xml", "2019-01-01T00:00:00+00:00"),
                (f"{mirror.origin}/sitemap-2.xml.gz", "2020-01-01T00:00:00+00:00"),
                (f"{mirror.origin}/sitemap-3", "2026-11-28T01:00:00+00:00"),
            )
        )
        mirror.requests.clear()
        second = sina(mirror, archive, "/sitemap_index.xml")
    assert second.process.returncode == 0, second.log
    assert mirror.requests[mirror_path(new_url)] == 1
    assert mirror.requests[mirror_path(old_url)] == 0  # older than the sitemap's mark
    assert requests_for(mirror, *LASTMOD) == [0] * 6
    # The index's older sitemaps are held whole: not even read again.
    assert mirror.requests["/sitemap-1.xml"] == mirror.requests["/sitemap-2.xml.gz"] == 0
    assert mirror.requests["/sitemap-3"] == 1
    assert len(second.files()) == 7
    # Skipped unread: sitemaps 1 and 2, and sitemap 3's 2019 and 2010 articles.
    assert second.stat("sitemap/skipped/older_than_mark") == 4
    # Sitemap 3's newest article is not older than its mark: the archive says it is unchanged.
    assert second.stat("archive/listed_unchanged") == 1


def test_two_urls_of_one_article_are_fetched_once_and_do_not_hold_the_mark_back(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    desktop = "https://finance.sina.com.cn/roll/2026-11-28/doc-itwourl100000000.shtml"
    news = "https://news.sina.com.cn/c/2026-11-28/doc-itwourl100000000.shtml"
    for name, url in (("desktop", desktop), ("news", news)):
        html = NEW_PAGE.format(published="2026-11-28T09:00:00+08:00", title="一篇", text="正文。")
        add_page(fixtures, name, url, html)
    lastmod = "2026-11-28T09:00:00+08:00"
    with mirror_of(fixtures) as mirror:
        listing = urlset((on_mirror(mirror, desktop), lastmod), (on_mirror(mirror, news), lastmod))
        mirror.routes["/sitemap.xml"] = xml(listing)
        mirror.routes["/index.xml"] = xml(index((f"{mirror.origin}/sitemap.xml", lastmod)))
        crawled = sina(mirror, archive, "/index.xml")
    assert crawled.process.returncode == 0, crawled.log
    assert mirror.requests[mirror_path(desktop)] + mirror.requests[mirror_path(news)] == 1
    assert len(crawled.files()) == 1
    # The article is archived under either URL: its sitemap is whole, and so is the index.
    with state_of(archive) as state:
        assert state.listing_mark(f"sitemap:{mirror.origin}/index.xml") == utc(lastmod)


def test_entries_without_lastmod_are_fetched_only_if_not_archived(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        entries = [(on_mirror(mirror, URL[stem]), None) for stem in LASTMOD]
        mirror.routes["/sitemap.xml"] = xml(urlset(*entries[:4]))
        first = sina(mirror, archive, "/sitemap.xml")
        assert len(first.files()) == 4
        mirror.routes["/sitemap.xml"] = xml(urlset(*entries))
        mirror.requests.clear()
        second = sina(mirror, archive, "/sitemap.xml")
    assert second.process.returncode == 0, second.log
    assert requests_for(mirror, *LASTMOD) == [0, 0, 0, 0, 1, 1]
    assert len(second.files()) == 6


def test_an_article_that_failed_holds_the_mark_back_so_the_next_run_fetches_it(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    oldest = "synthetic-2016-doc-ifxsktkr5869532"
    with mirror_of(fixtures) as mirror:
        page = mirror.routes[mirror_path(URL[oldest])]
        mirror.routes[mirror_path(URL[oldest])] = Route(b"oops", "text/plain", 500)
        mirror.routes["/sitemap.xml"] = xml(urlset(*listed(mirror, *LASTMOD)))
        first = sina(mirror, archive, "/sitemap.xml")
        assert first.process.returncode == 0, first.log
        assert re.search(
            r"ERROR: Request failed <\S+doc-ifxsktkr5869532\.shtml>: HTTP 500", first.log
        )
        assert first.stat("sitemap/article/request_failures") == 1
        assert len(first.files()) == 5
        with state_of(archive) as state:
            assert state.listing_mark(f"sitemap:{mirror.origin}/sitemap.xml") == utc(
                LASTMOD[oldest]
            )
        mirror.routes[mirror_path(URL[oldest])] = page
        mirror.requests.clear()
        second = sina(mirror, archive, "/sitemap.xml")
    assert second.process.returncode == 0, second.log
    assert requests_for(mirror, *LASTMOD) == [1, 0, 0, 0, 0, 0]
    assert len(second.files()) == 6
    with state_of(archive) as state:
        assert state.listing_mark(f"sitemap:{mirror.origin}/sitemap.xml") == utc(
            LASTMOD["synthetic-mobile-detail-ifxsktkr5869533"]
        )


def test_a_run_that_does_not_finish_leaves_the_mark_where_it_was(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    one_at_a_time = ("-s", "CONCURRENT_REQUESTS=1", "-s", "CLOSESPIDER_ITEMCOUNT=1")
    with mirror_of(fixtures) as mirror:
        mirror.routes["/sitemap.xml"] = xml(urlset(*listed(mirror, *LASTMOD)))
        stopped = sina(mirror, archive, "/sitemap.xml", *one_at_a_time)
        assert stopped.stats["finish_reason"] == "closespider_itemcount"
        archived = len(stopped.files())
        assert 1 <= archived < 6
        with state_of(archive) as state:
            assert state.listing_mark(f"sitemap:{mirror.origin}/sitemap.xml") is None
        again = sina(mirror, archive, "/sitemap.xml")
    assert again.process.returncode == 0, again.log
    assert len(again.files()) == 6
    assert again.stat("markdown/written") == 6 - archived


def test_an_entry_dated_in_the_future_does_not_hide_the_next_articles(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    future, later = FIRST
    with mirror_of(fixtures) as mirror:
        dated = [(on_mirror(mirror, URL[future]), "2099-01-01T00:00:00+00:00")]
        mirror.routes["/sitemap.xml"] = xml(urlset(*dated))
        first = sina(mirror, archive, "/sitemap.xml")
        assert first.process.returncode == 0, first.log
        # Published after the first run, long before the date the site gave the other one.
        published = datetime.now(UTC).isoformat()
        mirror.routes["/sitemap.xml"] = xml(
            urlset(*dated, (on_mirror(mirror, URL[later]), published))
        )
        mirror.requests.clear()
        second = sina(mirror, archive, "/sitemap.xml")
    assert second.process.returncode == 0, second.log
    assert requests_for(mirror, future, later) == [0, 1]


def test_a_google_news_sitemap_gives_the_time_and_the_missing_title(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    untitled = "https://finance.sina.com.cn/roll/2024-01-02/doc-iuntitled00000000.shtml"
    html = NEW_PAGE.replace('<h1 class="main-title">{title}</h1>', "").format(
        published="2024-01-02T10:00:00+08:00", text="没有标题的正文。"
    )
    add_page(fixtures, "untitled", untitled, html)
    roll = "finance-roll-2018-12-28-doc-ihqfskcn2160999"
    with mirror_of(fixtures) as mirror:
        mirror.routes["/news.xml"] = xml(
            news_sitemap(
                (on_mirror(mirror, URL[roll]), "2018-12-28T19:56:29+08:00", "新闻标题"),
                (
                    on_mirror(mirror, untitled),
                    "2024-01-02T10:00:00+08:00",
                    "来自新闻站点地图的标题",
                ),
            )
        )
        first = sina(mirror, archive, "/news.xml")
        mirror.requests.clear()
        second = sina(mirror, archive, "/news.xml")
    assert first.process.returncode == 0, first.log
    titles = sorted(path.read_text(encoding="utf-8").split("\n")[2] for path in first.files())
    assert titles == [
        "title: '60万\"12306账号\"外泄? 中铁总辟谣称消息不实'",  # the page's own title wins
        "title: '来自新闻站点地图的标题'",
    ]
    with state_of(archive) as state:
        record = state.lookup("sina:untitled00000000")
        assert record is not None and record.modified == "2024-01-02T02:00:00+00:00"
        assert state.listing_mark(f"sitemap:{mirror.origin}/news.xml") == record.modified
    assert second.process.returncode == 0, second.log
    assert mirror.requests[mirror_path(untitled)] == mirror.requests[mirror_path(URL[roll])] == 0


def test_bad_sitemaps_are_logged_counted_and_the_crawl_goes_on(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    bad = {
        "/not-xml.xml": Route(b"this is not a sitemap", "text/plain"),
        "/html.xml": Route(FRONT_PAGE.encode(), "text/html; charset=utf-8"),
        "/page": Route(FRONT_PAGE.encode(), "text/html; charset=utf-8"),
        "/empty.xml": xml(urlset()),
        # /missing.xml is not routed: the mirror answers 404
    }
    with mirror_of(fixtures) as mirror:
        mirror.routes.update(bad)
        mirror.routes["/good.xml"] = xml(urlset(*listed(mirror, *FIRST)))
        dated = {path: "2023-01-01" for path in [*bad, "/missing.xml"]}
        dated |= {"/empty.xml": "2023-06-01", "/good.xml": "2024-01-01"}
        mirror.routes["/index.xml"] = xml(
            index(*((mirror.origin + p, d) for p, d in dated.items()))
        )
        result = sina(mirror, archive, "/index.xml")
    assert result.process.returncode == 0, result.log
    origin = re.escape(mirror.origin)
    for path, line in (
        ("/not-xml.xml", r"ERROR: Bad sitemap <{}>: not XML"),
        ("/html.xml", r"ERROR: Bad sitemap <{}>: not a sitemap \(its root element is <html>"),
        ("/page", r"ERROR: Bad sitemap <{}>: not a sitemap \(a text/html; charset=utf-8 answer"),
        ("/empty.xml", r"WARNING: Empty sitemap <{}>: <urlset> lists nothing"),
        ("/missing.xml", r"ERROR: Request failed <{}>: HTTP 404"),
    ):
        assert re.search(line.format(origin + re.escape(path)), result.log), line
    assert result.stat("sitemap/bad_answers") == 3
    assert result.stat("sitemap/empty") == 1
    assert result.stat("sitemap/request_failures") == 1
    assert len(result.files()) == 2  # the good sitemap's articles all the same
    with state_of(archive) as state:  # the next run reads the broken sitemaps again
        assert state.listing_mark(f"sitemap:{mirror.origin}/index.xml") == (
            datetime(2023, 1, 1, tzinfo=BEIJING).astimezone(UTC).isoformat()
        )


def test_pages_that_are_not_articles_are_logged_counted_and_the_crawl_goes_on(
    fixtures: Path, tmp_path: Path
) -> None:
    front = "https://finance.sina.com.cn/roll/2024-01-02/doc-ifrontpage0000000.shtml"
    missing = "https://finance.sina.com.cn/roll/2024-01-02/doc-imissing000000000.shtml"
    add_page(fixtures, "front", front, FRONT_PAGE)
    with mirror_of(fixtures) as mirror:
        entries = [(on_mirror(mirror, url), "2024-01-02") for url in (front, missing)]
        mirror.routes["/sitemap.xml"] = xml(urlset(*listed(mirror, *FIRST), *entries))
        result = sina(mirror, tmp_path / "archive", "/sitemap.xml")
    assert result.process.returncode == 0, result.log
    assert re.search(
        r"WARNING: Cannot extract an article <\S+doc-ifrontpage0000000\.shtml>: no article body",
        result.log,
    )
    assert re.search(
        r"ERROR: Request failed <\S+doc-imissing000000000\.shtml>: HTTP 404", result.log
    )
    assert result.stat("sitemap/article/extraction_errors") == 1
    assert result.stat("sitemap/article/request_failures") == 1
    assert len(result.files()) == 2


def test_pattern_and_categories_arguments_choose_the_urls_and_the_folder(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        mirror.routes["/sitemap.xml"] = xml(urlset(*listed(mirror, *LASTMOD)))
        result = sina(
            mirror, archive, "/sitemap.xml",
            "-a", r"pattern=/news\.sina\.com\.cn/", "-a", "categories=金融/测试站/测试频道",
        )  # fmt: skip
    assert result.process.returncode == 0, result.log
    assert requests_for(mirror, *LASTMOD) == [0, 0, 1, 0, 1, 0]
    assert [path.parent for path in result.files()] == [
        archive / "金融" / "测试站" / "测试频道"
    ] * 2
    assert all("\n - 测试频道\n" in path.read_text(encoding="utf-8") for path in result.files())


def test_a_robots_txt_url_reads_the_sitemaps_it_names(fixtures: Path, tmp_path: Path) -> None:
    with mirror_of(fixtures) as mirror:
        mirror.routes["/sitemap.xml"] = xml(urlset(*listed(mirror, *FIRST)))
        robots = f"User-agent: *\nAllow: /\nSitemap: {mirror.origin}/sitemap.xml\n"
        mirror.routes["/robots.txt"] = Route(robots.encode(), "text/plain")
        result = sina(mirror, tmp_path / "archive", "/robots.txt")
    assert result.process.returncode == 0, result.log
    assert mirror.requests["/sitemap.xml"] == 1
    assert len(result.files()) == 2


def test_without_a_profile_each_page_is_parsed_by_the_profile_of_its_host(
    fixtures: Path, tmp_path: Path
) -> None:
    page = NEW_PAGE.format(published="2024-01-02T10:00:00+08:00", title="一篇网页文章", text="")
    text = "正文第一段，足够长的一段文字，讲述了一件事情的来龙去脉。" * 4
    with mirror_of(fixtures) as mirror:
        mirror.routes["/posts/1.html"] = Route(
            page.replace("<p>　　</p>", f"<p>{text}</p>").encode()
        )
        mirror.routes["/sitemap.xml"] = xml(urlset((f"{mirror.origin}/posts/1.html", None)))
        result = crawl_sitemap(mirror, tmp_path / "archive", "/sitemap.xml")
    assert result.process.returncode == 0, result.log
    generic = profile_for_url(f"{mirror.origin}/posts/1.html")
    assert generic.key == "web"
    [written] = result.files()
    assert written.parts[-4] == generic.channel(generic.default_channel).categories[0]
    assert "title: '一篇网页文章'" in written.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "url must be the http(s) URL of a sitemap"),
        ({"url": "sitemap.xml"}, "url must be the http(s) URL of a sitemap"),
        ({"url": "https://a.cn/s.xml", "pattern": "doc-(["}, "pattern is not a regular expression"),
        ({"url": "https://a.cn/s.xml", "profile": "nope"}, "no site profile named 'nope' (known:"),
        (
            {"url": "https://a.cn/s.xml", "categories": "金融/新浪"},
            "categories must be three names",
        ),
        (
            {"url": "https://a.cn/s.xml", "categories": "金融//国内"},
            "categories must be three names",
        ),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(arguments: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        SitemapSpider.read_arguments(**arguments)


def test_a_bad_argument_is_a_usage_error_before_any_request(tmp_path: Path) -> None:
    result = scrapy_cli(
        "crawl", "sitemap", "-a", "url=https://a.cn/s.xml", "-a", "profile=nope",
        "-s", f"MARKDOWN_EXPORT_DIR={tmp_path}",
    )  # fmt: skip
    assert result.returncode == 2
    assert "no site profile named 'nope'" in result.stderr
    assert "Spider opened" not in result.stderr


def test_each_sites_article_pattern_takes_its_fixture_pages_and_not_its_front_pages() -> None:
    pages = [
        json.loads(path.read_text(encoding="utf-8")) for path in FIXTURES.glob("sites/*/*.json")
    ]
    for site in all_sites():
        if not site.hosts:
            continue  # the generic profile takes every URL
        own = [page["url"] for page in pages if "url" in page and site.handles(page["url"])]
        assert own and all(re.search(site.article_urls, url) for url in own), site.key
        for host in site.hosts:
            assert not re.search(site.article_urls, f"https://{host}/"), site.key
            assert not re.search(site.article_urls, f"https://{host}/index.shtml"), site.key
