"""One bad entry of a listing costs that entry only: the rest of the page, the next pages,
the next channels, feeds and sitemaps are still read; and many alike are told once."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.mirror import Route
from tests.crawling import FAST, Crawl, crawl, mirror_of, refresh
from tests.documents import scrapy
from tests.test_sitemap import index, listed, sina, urlset, xml

ROLL_PAGE_1 = Path(__file__).parent / "fixtures" / "sites" / "sina" / "roll-1686-page-1.json"
# Entries no article can come from, each with the reason it is skipped.
HOSTILE_URLS = {
    "javascript:alert(1)": "javascript:alert(1) is not an http(s) URL",
    "mailto:editor@sina.com.cn": "mailto:editor@sina.com.cn is not an http(s) URL",
    "http://[::1": "http://[::1 is not a URL (Invalid IPv6 URL)",
    "http://finance.sina.com.cn:99999/roll/doc-ibad.shtml": "Port out of range 0-65535",
}


def roll_answer(data: list[object]) -> Route:
    answer = {"result": {"status": {"code": 0, "msg": "succ"}, "data": data}}
    return Route(json.dumps(answer).encode(), "application/json")


def test_bad_roll_entries_cost_only_themselves(fixtures: Path, tmp_path: Path) -> None:
    entries = json.loads(ROLL_PAGE_1.read_text(encoding="utf-8"))["result"]["data"]
    entries[0]["mtime"] = "99999999999999"  # past year 9999: read as no time
    entries[1]["intime"] = "12345678901234567890"
    hostile = [{"docid": f"comos:bad{n}", "url": url} for n, url in enumerate(HOSTILE_URLS)]
    page_1 = roll_answer([entries[0], *hostile, *entries[1:]])
    deeply_nested = Route(b"[" * 100_000 + b"]" * 100_000, "application/json")
    with mirror_of(fixtures, {"1686_1": page_1, "1687_1": deeply_nested}) as mirror:
        source = "REFRESH_SOURCES=sina channels=1687,1686 max_pages=2"
        result = refresh(mirror, tmp_path / "archive", "-s", source)
    assert len(result.files()) == 6  # page 1's three, page 2's three
    # The bad answer is an error; the bad entries are dropped.
    assert result.process.stdout.startswith(
        "refresh: 6 new, 0 updated, 0 unchanged, 4 dropped, 1 errors"
    )
    assert result.stat("sina/list/bad_entries") == len(HOSTILE_URLS)
    assert result.stat("sina/list/bad_answers") == 1
    assert "not JSON (nested too deeply)" in result.log
    for reason in HOSTILE_URLS.values():
        assert reason in result.log
    assert "Traceback" not in result.log


FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>{link}</link>
<pubDate>Thu, 30 Sep 2021 16:33:00 GMT</pubDate>
<description><![CDATA[<p>{title}的第一段。</p><p>{title}的第二段。</p>]]></description></item>"""


def test_a_feed_item_with_a_bad_link_costs_only_itself(tmp_path: Path) -> None:
    links = ["https://www.stcn.com/article/detail/1.html", *HOSTILE_URLS,
             "https://www.stcn.com/article/detail/2.html"]  # fmt: skip
    items = "".join(ITEM.format(title=f"快讯{n}", link=link) for n, link in enumerate(links))
    with mirror_of(tmp_path) as mirror:
        mirror.routes["/feed.xml"] = Route(FEED.format(items=items).encode(), "application/rss+xml")
        process = scrapy(
            "crawl", "feed", *FAST, "-s", f"MARKDOWN_EXPORT_DIR={tmp_path / 'archive'}",
            "-a", f"url={mirror.origin}/feed.xml", "-a", "categories=金融/证券时报网/快讯",
            "-a", "fulltext=yes",
        )  # fmt: skip
    result = Crawl(process, tmp_path / "archive", mirror)
    assert result.process.returncode == 0, result.log
    assert sorted(path.name for path in result.files()) == ["快讯0.md", f"快讯{len(links) - 1}.md"]
    assert result.stat("feed/list/items_without_link") == len(HOSTILE_URLS)
    for url, reason in HOSTILE_URLS.items():
        # feedparser itself drops a link it cannot parse: the item has none.
        assert (reason if "[" not in url else "item '快讯3' has no link") in result.log
    assert "Traceback" not in result.log


def test_a_sitemap_entry_with_a_bad_loc_or_lastmod_costs_only_itself(
    fixtures: Path, tmp_path: Path
) -> None:
    with mirror_of(fixtures) as mirror:
        first, second, third = listed(
            mirror,
            "news-2019-09-07-doc-iicezzrq4076655",
            "finance-roll-2018-12-28-doc-ihqfskcn2160999",
            "news-2019-11-25-doc-iihnzahi3275702",
        )
        bad_lastmod = (second[0], "0001-01-01T00:00:00+08:00")  # before year 1 in UTC
        mirror.routes["/sitemap-1.xml"] = xml(
            urlset(first, ("http://[::1", None), ("http://a.sina.com.cn:99999/", None), bad_lastmod)
        )
        mirror.routes["/sitemap-2.xml"] = xml(urlset(third))
        children = [f"{mirror.origin}/sitemap-1.xml", f"{mirror.origin}/sitemap-2.xml"]
        mirror.routes["/index.xml"] = xml(
            index(("http://[::1", None), (children[0], bad_lastmod[1]), (children[1], None))
        )
        result = sina(mirror, tmp_path / "archive", "/index.xml")
    assert result.process.returncode == 0, result.log
    assert len(result.files()) == 3
    assert result.stat("sitemap/bad_entries") == 3  # two in the sitemap, one in the index
    assert "http://[::1 is not a URL (Invalid IPv6 URL)" in result.log
    assert "Traceback" not in result.log


def test_a_million_entries_alike_are_told_in_a_few_lines(fixtures: Path, tmp_path: Path) -> None:
    page_1 = roll_answer([{}] * 1_000_000)
    with mirror_of(fixtures, {"1686_1": page_1}) as mirror:
        result = crawl(mirror, tmp_path / "archive")
    assert result.process.returncode == 0, result.log
    assert result.stat("sina/list/entries_without_url") == 1_000_000
    warnings = [line for line in result.log.splitlines() if "Roll entry without a URL" in line]
    assert len(warnings) == 6  # five told, then the count of the rest
    assert warnings[0].endswith("&page=1>: {}")
    assert warnings[-1].endswith("&page=1>: and 999995 more like it")
    assert len(result.log) < 20_000
