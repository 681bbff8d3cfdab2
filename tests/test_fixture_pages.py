"""Every saved page of every site folder renders, in-process, to the file written by hand from it.

The pages go through crawler/render.py, the path a crawl takes from a fetched page's bytes
and headers to the archive's document; `scrapy render` prints what that path renders.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import TextResponse

from crawler.encoding import is_gb_charset
from crawler.render import Dropped, Rendered, project_settings, recorded_headers, render_page
from crawler.sites import profile_for_url, site_named
from crawler.sites.generic import Generic
from tests.documents import (
    assert_same_document,
    expected_file,
    page_meta,
    render,
    split_document,
)
from tests.saved_pages import SITE_PAGES, SITES, folder_site, rendered_document, renderer

FORBIDDEN_MARKUP = ("<script", "<style", "<!--", "<iframe", "javascript:")
# What the pages wrap around their articles, which must not reach a body.
SINA_BOILERPLATE = ("责任编辑", "免责声明", "尽在新浪财经APP", "appendQr", "秒拍", "正文下iframe",
                    "video-2017", "quote_")  # fmt: skip
OTHER_BOILERPLATE = ("责任编辑", "本文来源", "返回腾讯网首页", "分享到", "声明：", "为你推荐",
                     "你可能会喜欢", "ep-editor", "ep-source", "backqqcom", "bottomLayer",
                     "gg200x300", "StartFragment")  # fmt: skip
QQ_PAGE = SITES / "tencent" / "qq-finance-2.html"
TITLE = "棱镜|数据业大整顿：爬虫与现金贷共生共荣，用户信息几元不等"


@pytest.fixture(
    scope="module", params=SITE_PAGES, ids=lambda page: f"{page.parent.name}/{page.stem}"
)
def rendered(request: pytest.FixtureRequest) -> tuple[Path, str]:
    page: Path = request.param
    return page, rendered_document(page, channel=page_meta(page)["channel"], site=folder_site(page))


def test_page_renders_to_its_hand_written_expected_file(rendered: tuple[Path, str]) -> None:
    page, output = rendered
    assert_same_document(output, expected_file(page).read_text(encoding="utf-8"))


def test_rendered_page_keeps_no_boilerplate(rendered: tuple[Path, str]) -> None:
    page, output = rendered
    body = split_document(output).body
    boilerplate = SINA_BOILERPLATE if page.parent.name == "sina" else OTHER_BOILERPLATE
    for text in boilerplate + FORBIDDEN_MARKUP:
        assert text not in body


def test_rendered_page_keeps_every_image_with_no_referrer(rendered: tuple[Path, str]) -> None:
    page, output = rendered
    expected = split_document(expected_file(page).read_text(encoding="utf-8")).body
    body = split_document(output).body
    assert body.count("<img") == expected.count("<img")
    assert body.count("<img") == body.count('referrerpolicy="no-referrer"')
    assert 'src="//' not in body


def test_every_fixture_page_has_its_record_with_headers_and_its_expected_file() -> None:
    assert len(SITE_PAGES) >= 10
    for page in SITE_PAGES:
        assert expected_file(page).is_file(), page
        meta = page_meta(page)
        assert meta["source"] and meta["headers_from"], page
        assert recorded_headers(page)["Content-Type"].startswith("text/html"), page


def test_each_site_folder_is_named_after_a_profile_that_handles_its_pages() -> None:
    folders = {page.parent for page in SITE_PAGES}
    assert {folder.name for folder in folders} >= {"sina", "netease", "tencent", "stcn", "hexun"}
    for page in SITE_PAGES:
        site = folder_site(page)  # a folder of no profile's key fails here
        if site.key != Generic.key:  # generic cases may be pages of any host
            assert profile_for_url(page_meta(page)["url"]) is site, page
        assert site.channel(page_meta(page)["channel"]), page


def test_the_recorded_headers_are_replayed_a_header_charset_winning_over_the_page() -> None:
    # qq-finance-2 is UTF-8 declaring gb2312 in its <meta>: recorded with no charset, the
    # mislabelled-UTF-8 middleware reads it as UTF-8; had a server said gb2312 in its
    # header, the header would win, as in a crawl, and the page would read as GB mojibake.
    site = site_named("tencent")
    url, channel = page_meta(QQ_PAGE)["url"], site.channel("finance")
    body, settings = QQ_PAGE.read_bytes(), project_settings()
    recorded = render_page(body, url, recorded_headers(QQ_PAGE), site, channel, settings=settings)
    assert isinstance(recorded, Rendered)
    assert recorded.article.title == TITLE
    labelled = {"Content-Type": "text/html; charset=gb2312"}
    response = renderer().response(body, url, labelled)
    assert isinstance(response, TextResponse)
    assert is_gb_charset(response.encoding)
    misread = render_page(body, url, labelled, site, channel, settings=settings)
    assert isinstance(misread, Dropped) or misread.article.title != TITLE


def test_a_page_that_is_not_an_article_is_dropped_at_extraction_with_the_reason() -> None:
    site = site_named("sina")
    result = render_page(
        b"<html><body><h1>\xe9\xa6\x96\xe9\xa1\xb5</h1></body></html>",
        "https://finance.sina.com.cn/",
        {"Content-Type": "text/html; charset=utf-8"},
        site,
        site.channel(site.default_channel),
        settings=project_settings(),
    )
    assert isinstance(result, Dropped)
    assert result.stage == "extract"
    assert "no article body" in result.reason
    assert (
        "generic extraction: no article text found (prose blocks, readability, trafilatura)"
        in result.reason
    )


def test_scrapy_render_prints_byte_for_byte_what_the_path_renders() -> None:
    # The command itself, once: it reads the page's record next to it for the headers.
    result = render(QQ_PAGE, page_meta(QQ_PAGE)["url"], "--channel", "finance")
    assert result.returncode == 0, result.stderr
    assert result.stdout == rendered_document(QQ_PAGE, channel="finance")
