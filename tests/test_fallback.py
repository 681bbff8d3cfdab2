"""Per-field fallback: what a site profile's selectors miss, generic extraction supplies."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from crawler.render import PageRenderer, Rendered, project_settings
from crawler.sites import site_named
from crawler.stats import fallback_stat

URL = "https://finance.sina.com.cn/roll/2024-01-02/doc-iabcdef1234567.shtml"
PARAGRAPHS = "".join(
    f"<p>　　第{n}段：人民币汇率今天继续走高，市场人士这样看。</p>" for n in range(1, 5)
)
# A Sina page in a layout none of the Sina selectors knows: no `h1.main-title`, no
# `#artibody`, no og:title; its `<title>` and a heading name the headline.
UNKNOWN_LAYOUT = (
    '<html><head><meta charset="utf-8"><title>人民币汇率走高_新浪财经</title>'
    '<meta property="article:published_time" content="2024-01-02T10:30:00+08:00">'
    '<meta name="author" content="新京报"></head><body>'
    f'<div class="headline"><h2>人民币汇率走高</h2></div><div class="story">{PARAGRAPHS}</div>'
    "</body></html>"
).encode()
HEADERS = {"Content-Type": "text/html; charset=utf-8"}


def render(body: bytes) -> tuple[PageRenderer, Rendered]:
    renderer = PageRenderer(project_settings())
    site = site_named("sina")
    result = renderer.render(body, URL, HEADERS, site, site.channel(site.default_channel))
    assert isinstance(result, Rendered), result
    return renderer, result


def test_every_field_the_selectors_miss_is_supplied_and_counted() -> None:
    renderer, result = render(UNKNOWN_LAYOUT)
    article = result.article
    assert article.title == "人民币汇率走高"
    assert article.published == datetime(2024, 1, 2, 2, 30, tzinfo=UTC)
    assert "第1段" in article.body_html and "第4段" in article.body_html
    assert article.media_source == "新京报"
    for field in ("title", "body", "source"):
        assert renderer.stats.get_value(fallback_stat("sina", field)) == 1
    # The date was the page's own `article:published_time`, read by the Sina profile.
    assert renderer.stats.get_value(fallback_stat("sina", "date")) is None


def test_the_fallback_is_logged_once_per_page_with_its_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        render(UNKNOWN_LAYOUT)
    lines = [r for r in caplog.records if "fallback" in r.getMessage().lower()]
    assert [r.levelno for r in lines] == [logging.INFO]
    assert lines[0].getMessage() == (
        f"Generic fallback for <{URL}>: the sina profile found no body, title, source"
    )


def test_the_stat_names_keep_the_agreed_shape() -> None:
    # scrapy refresh and the monitors read these names: `extract/fallback/<site>/<field>`.
    assert fallback_stat("sina", "lead_image") == "extract/fallback/sina/lead_image"


def test_the_sites_boilerplate_rules_still_apply_to_a_fallback_body() -> None:
    with_qr = UNKNOWN_LAYOUT.replace(
        b"</div></body>",
        b'<div class="appendQr_wrap"><p>\xe6\xb5\xb7\xe9\x87\x8f\xe8\xb5\x84\xe8\xae\xaf</p>'
        b"</div></div></body>",
    )
    _, result = render(with_qr)
    assert "fallback" not in result.text.lower()
    assert "appendQr" not in result.text and "海量资讯" not in result.text


def test_a_page_the_profile_reads_whole_uses_no_fallback() -> None:
    own = (
        UNKNOWN_LAYOUT.replace(b'class="story"', b'id="artibody"')
        .replace(b'<div class="headline"><h2>', b'<div class="headline"><h1 class="main-title">')
        .replace(b"</h2>", b"</h1>")
    )
    renderer, result = render(
        own.replace(b'<meta name="author" content="\xe6\x96\xb0\xe4\xba\xac\xe6\x8a\xa5">', b"")
    )
    assert result.article.fallbacks == ()
    assert not [k for k in renderer.stats.get_stats() if k.startswith("extract/fallback/")]


def test_a_gbk_page_saved_as_latin_read_as_utf8_gets_its_chinese_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # What a tool that read a GBK page as ISO-8859-15 and saved it as UTF-8 leaves (one
    # corpus page, news.sohu.com 2012): the page still declares GBK.
    page = UNKNOWN_LAYOUT.decode("utf-8").replace('charset="utf-8"', 'charset="gbk"')
    saved = page.encode("gbk").decode("iso8859_15").encode("utf-8")
    renderer = PageRenderer(project_settings())
    site = site_named("sina")
    with caplog.at_level(logging.DEBUG, logger="crawler.encoding"):
        result = renderer.render(
            saved, URL, {"Content-Type": "text/html"}, site, site.channel("1686")
        )
    assert isinstance(result, Rendered), result
    assert "人民币汇率今天继续走高" in result.article.body_html
    assert renderer.stats.get_value("mislabelled_utf8/redecoded") == 1
    [line] = [record.getMessage() for record in caplog.records if record.name == "crawler.encoding"]
    restored = "its UTF-8 is GB text read as Latin: its GB bytes restored, read as gb18030"
    assert line.endswith(f": {restored}")
