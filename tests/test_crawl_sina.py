"""End to end: the real `scrapy crawl sina` against a local mirror of Sina on 127.0.0.1."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.mirror import Route
from tests.crawling import add_page, crawl, mirror_of, roll_page
from tests.documents import SINA_PAGES, assert_same_document, expected_file


def test_crawl_archives_every_listed_article_of_two_list_pages(
    fixtures: Path, tmp_path: Path
) -> None:
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "max_pages=2")
    assert result.process.returncode == 0, result.log
    files = result.files()
    assert len(files) == len(SINA_PAGES) == 6
    written = {path.read_text(encoding="utf-8").split("\n")[2]: path for path in files}
    for page in SINA_PAGES:
        expected = expected_file(page).read_text(encoding="utf-8")
        actual = written[expected.split("\n")[2]]  # matched by the title line
        assert actual.parent == tmp_path / "archive" / "金融" / "新浪财经" / "新浪财经－国內"
        # A root-relative link resolves against where the page came from: here, the mirror.
        text = actual.read_text(encoding="utf-8").replace(
            f'href="{mirror.origin}/roll/', 'href="https://finance.sina.com.cn/roll/'
        )
        assert_same_document(text, expected)
    assert result.stat("sina/list/pages") == 2
    assert result.stat("markdown/written") == 6
    assert result.stats["finish_reason"] == "finished"


def test_max_pages_bounds_how_many_list_pages_are_read(fixtures: Path, tmp_path: Path) -> None:
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, tmp_path / "archive")  # default max_pages=1
    assert result.process.returncode == 0, result.log
    assert len(result.files()) == 3
    assert mirror.requests["/api/roll/get"] == 1


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Route(b"<html>rate limited</html>", "text/html"), "not JSON"),
        (
            Route(b'{"result": {"status": {"code": 1, "msg": "fail"}, "data": []}}'),
            "status.code is 1, not 0 (fail)",
        ),
        (Route(b'{"result": {"status": {"code": 0}}}'), "no `data` list"),
        (Route(b'{"data": []}'), "no `result` object"),
    ],
    ids=["not-json", "status-code", "no-data", "no-result"],
)
def test_a_bad_roll_answer_is_logged_counted_and_the_crawl_goes_on(
    fixtures: Path, tmp_path: Path, answer: Route, reason: str
) -> None:
    with mirror_of(fixtures, {"1686_2": answer}) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "max_pages=2")
    assert result.process.returncode == 0, result.log
    assert re.search(
        r"ERROR: Bad roll API answer <http://127\.0\.0\.1:\d+/api/roll/get\?"
        r"[^>]*page=2[^>]*>: " + re.escape(reason),
        result.log,
    ), result.log
    assert result.stat("sina/list/bad_answers") == 1
    assert len(result.files()) == 3  # page 1's articles are archived all the same


def test_roll_entries_without_a_url_are_skipped_and_counted(fixtures: Path, tmp_path: Path) -> None:
    answer = {"result": {"status": {"code": 0}, "data": [{"docid": "comos:x", "title": "t"}]}}
    with mirror_of(fixtures, {"1686_2": Route(json.dumps(answer).encode())}) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "max_pages=2")
    assert "WARNING: Roll entry without a URL" in result.log
    assert result.stat("sina/list/entries_without_url") == 1
    assert len(result.files()) == 3


def test_a_roll_api_http_500_is_logged_counted_and_the_crawl_goes_on(
    fixtures: Path, tmp_path: Path
) -> None:
    with mirror_of(fixtures, {"1686_2": Route(b"oops", "text/plain", 500)}) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "max_pages=2")
    assert result.process.returncode == 0, result.log
    assert re.search(r"ERROR: Request failed <[^>]*page=2[^>]*>: HTTP 500", result.log)
    assert result.stat("sina/list/request_failures") == 1
    assert len(result.files()) == 3


PAGE_WITHOUT_TITLE = """<html><head><meta charset="utf-8">
<meta property="article:published_time" content="2024-01-02T10:00:00+08:00"></head>
<body><div class="article" id="artibody"><p>　　正文。</p></div></body></html>"""
PAGE_WITHOUT_BODY_TEXT = """<html><head><meta charset="utf-8">
<meta property="article:published_time" content="2024-01-02T10:00:00+08:00"></head>
<body><h1 class="main-title">只有标题</h1><div class="article" id="artibody">
<!-- 正文下iframe --><p class="article-editor">责任编辑：张三</p></div></body></html>"""
NOT_AN_ARTICLE = """<html><head><meta charset="utf-8"><title>新浪财经首页</title></head>
<body><ul><li><a href="/a.shtml">一条新闻</a></li></ul></body></html>"""


def test_broken_article_pages_are_logged_counted_and_the_crawl_goes_on(
    fixtures: Path, tmp_path: Path
) -> None:
    base = "https://finance.sina.com.cn/roll/2024-01-02/"
    urls = {name: f"{base}doc-i{name}.shtml" for name in ("notitle", "nobody", "notarticle")}
    add_page(fixtures, "no-title", urls["notitle"], PAGE_WITHOUT_TITLE)
    add_page(fixtures, "no-body", urls["nobody"], PAGE_WITHOUT_BODY_TEXT)
    add_page(fixtures, "not-article", urls["notarticle"], NOT_AN_ARTICLE)
    missing = f"{base}doc-imissing.shtml"  # the mirror answers 404
    with mirror_of(fixtures, {"1686_2": roll_page(*urls.values(), missing)}) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "max_pages=2")
    assert result.process.returncode == 0, result.log
    log = result.log
    assert re.search(r"Dropped: incomplete article \(no title\): \S+doc-inotitle\.shtml", log)
    assert re.search(r"Dropped: incomplete article \(no body text\): \S+doc-inobody\.shtml", log)
    assert re.search(r"Cannot extract an article <\S+doc-inotarticle\.shtml>: no article body", log)
    assert re.search(r"Request failed <\S+doc-imissing\.shtml>: HTTP 404", log)
    assert result.stat("validate/dropped/no_title") == 1
    assert result.stat("validate/dropped/no_body_text") == 1
    assert result.stat("sina/article/extraction_errors") == 1
    assert result.stat("sina/article/request_failures") == 1
    assert len(result.files()) == 3  # page 1's articles, nothing for the broken ones


def test_a_crawl_leaves_only_whole_markdown_files(fixtures: Path, tmp_path: Path) -> None:
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "max_pages=2")
    assert result.files()
    assert all(path.suffix == ".md" and not path.name.startswith(".") for path in result.files())
    for path in result.files():
        assert path.read_text(encoding="utf-8").endswith("\n</div>\n" + " " * 12)


def test_a_crawl_with_nothing_wrong_logs_no_warning(fixtures: Path, tmp_path: Path) -> None:
    # Scheduled runs are watched for warnings: a component that is off by default (the page
    # pool, the image downloads) says nothing of it.
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "max_pages=2")
    assert result.files()
    assert " WARNING: " not in result.log, result.log
    assert result.stat("log_count/WARNING") == 0


def test_article_urls_on_other_hosts_are_not_followed(fixtures: Path, tmp_path: Path) -> None:
    offsite = "https://example.com/finance/2024/article.html"
    with mirror_of(fixtures, {"1686_1": roll_page(offsite)}) as mirror:
        result = crawl(mirror, tmp_path / "archive")
    assert result.files() == []
    assert result.stat("offsite/filtered") == 1


def test_an_article_in_two_channels_is_archived_once_under_the_first_declared(
    fixtures: Path, tmp_path: Path
) -> None:
    shared = "https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml"
    own = "https://news.sina.com.cn/c/2019-09-07/doc-iicezzrq4076655.shtml"
    lists = {"1686_1": roll_page(shared), "1687_1": roll_page(shared, own)}
    with mirror_of(fixtures, lists) as mirror:
        # 1686 answers slowly: were channels read at once, 1687 would list the article first.
        mirror.list_delays["1686"] = 1.0
        result = crawl(mirror, tmp_path / "archive", "-a", "channels=all")
    assert result.process.returncode == 0, result.log
    folders = {path.parent.name: path.name for path in result.files()}
    assert folders == {
        "新浪财经－国內": "60万_12306账号_外泄_ 中铁总辟谣称消息不实.md",
        "新浪财经－宏观经济": "最强“中国芯”本月商用 华为抢跑5G芯片大战.md",
    }
    assert mirror.requests["/finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml"] == 1
    assert mirror.requests["/api/roll/get"] == 17  # every declared channel was listed


def test_a_failed_list_page_does_not_stop_the_next_channels(fixtures: Path, tmp_path: Path) -> None:
    lists = {"1686_1": Route(b"down", "text/plain", 500)}
    with mirror_of(fixtures, lists) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "channels=1686,1687,1688")
    assert result.stat("sina/list/request_failures") == 1
    assert mirror.requests["/api/roll/get"] == 4  # 1686 twice (one retry), 1687, 1688
