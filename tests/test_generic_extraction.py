"""Generic extraction (the `web` profile): any article page, whatever its site, by its prose."""

from __future__ import annotations

import functools
import re
from collections import Counter
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
import yaml
from scrapy.http import HtmlResponse

from crawler.common.dates import BEIJING
from crawler.sites import (
    Channel,
    ExtractionError,
    extract_article,
    profile_for_url,
    site_for_url,
    site_named,
)
from crawler.sites.generic import drop_link_blocks
from tests.documents import (
    FIXTURES,
    block_texts,
    expected_file,
    page_meta,
    render,
    split_document,
)

GENERIC = site_named("web")
# A WeChat article's only date is its page script's Unix time (`ct`), which no generic
# reading knows: generic extraction drops the page for want of one, and the site has its
# profile (crawler/sites/weixin.py).
UNDATED_BY_GENERIC = sorted((FIXTURES / "sites" / "weixin").glob("*.html"))
OTHER_PAGES = sorted(
    (
        p
        for p in FIXTURES.glob("sites/*/*.html")
        if p.parent.name != "sina" and p not in UNDATED_BY_GENERIC
    ),
    key=lambda p: p.name,
)
ALL_SINA_PAGES = sorted((FIXTURES / "sites" / "sina").glob("*.html"))  # the 2012 ones too
REAL_SINA_PAGES = [page for page in ALL_SINA_PAGES if not page.stem.startswith("synthetic-")]

# Generic extraction keeps every paragraph of the hand-written expected bodies verbatim but
# three (benchmarks/generic_overlap.py: 254 of 257 blocks over the ten fixture pages). The
# three are the paragraphs of finance-usstock-2019-09-09 that name a US stock: their text is
# all there, but followed by the live quote a browser script wrote after the name,
# `摩根大通(115.395, 2.79, 2.47%)`, which the Sina profile removes (`span[id^='quote_']`)
# and nothing generic can tell from article text:
#   - 随着低增长、低利率、低通胀成为新的常态，… 包括先锋领航、摩根大通等，…
#   - 贝莱德固定收益业务全球首席投资官：Rick Rieder
#   - PIMCO首席投资官：Dan Ivascyn
NOT_KEPT_VERBATIM = {"finance-usstock-2019-09-09-doc-iicezzrq4681677": 3}
LIVE_QUOTE = re.compile(r"\(-?[\d.]+,-?[\d.]+,-?[\d.]+%\)")  # white space already removed

PARAGRAPHS = "".join(
    f"<p>　　第{number}段：央行今日开展逆回购操作，市场流动性保持合理充裕，债券收益率小幅下行，"
    "分析人士认为后续政策仍将保持稳健。</p>"
    for number in range(1, 5)
)


def article_page(head: str = "", byline: str = "") -> str:
    """Return a made-up article page with these extra head tags and this byline."""
    return (
        '<html><head><meta charset="utf-8"><title>央行开展逆回购操作_示例财经网</title>'
        f'{head}</head><body><div class="nav"><a href="/">首页</a></div>'
        f'<h1>央行开展逆回购操作</h1>{byline}<div class="article">{PARAGRAPHS}</div>'
        '<div class="footer">版权所有</div></body></html>'
    )


def response(html: str, url: str = "https://example.com/a.html") -> HtmlResponse:
    return HtmlResponse(url=url, body=html.encode(), encoding="utf-8")


def saved(page: Path) -> HtmlResponse:
    """A fixture page as a response; the files are UTF-8 whatever their meta tag says."""
    return HtmlResponse(url=page_meta(page)["url"], body=page.read_bytes(), encoding="utf-8")


@functools.cache
def rendered_generic(page: Path) -> str:
    """Run `scrapy render --generic` on a fixture page once, and return the document."""
    result = render(page, page_meta(page)["url"], "--generic")
    assert result.returncode == 0, result.stderr
    return result.stdout


def front_matter(document: str) -> dict[str, Any]:
    matter: dict[str, Any] = yaml.safe_load(split_document(document).head.split("---\n")[1])
    return matter


def body_text(document: str) -> str:
    return "".join(block_texts(split_document(document).body))


@pytest.mark.parametrize("page", OTHER_PAGES + ALL_SINA_PAGES, ids=lambda page: page.stem)
def test_fixture_page_renders_through_generic_extraction_into_a_complete_article(
    page: Path,
) -> None:
    document = rendered_generic(page)
    got = front_matter(document)
    want = front_matter(expected_file(page).read_text(encoding="utf-8"))
    assert got["title"] == want["title"]
    # Within a minute: stcn-1 prints 12:11 and only its script has the seconds (12:11:01).
    published = parsedate_to_datetime(got["date"])
    assert abs(published - parsedate_to_datetime(want["date"])) <= timedelta(minutes=1)
    host = urlsplit(page_meta(page)["url"]).hostname
    assert got["categories"] == ["新闻", host, "网页"]
    assert got["author"] == host
    assert got["headimg"] == got["thumbnail"]
    assert got["headimg"].startswith("https://")
    body = split_document(document).body
    assert body_text(document)
    assert f">{want['title']}</h" not in body  # the headline is not repeated in the body


@pytest.mark.parametrize("page", UNDATED_BY_GENERIC, ids=lambda page: page.stem)
def test_a_page_whose_date_only_a_script_holds_is_not_given_one_by_generic_extraction(
    page: Path,
) -> None:
    # The page's scripts carry their own versions' dates (`@date 2022-02-21`): none is taken.
    result = render(page, page_meta(page)["url"], "--generic")
    assert result.returncode == 1
    assert "incomplete article (no date)" in result.stderr


@pytest.mark.parametrize("page", OTHER_PAGES + REAL_SINA_PAGES, ids=lambda page: page.stem)
def test_generic_extraction_keeps_every_paragraph_the_sites_profile_keeps(page: Path) -> None:
    expected = block_texts(split_document(expected_file(page).read_text(encoding="utf-8")).body)
    text = body_text(rendered_generic(page))
    missing = [paragraph for paragraph in expected if paragraph not in text]
    assert len(missing) <= NOT_KEPT_VERBATIM.get(page.stem, 0), missing
    # What is not verbatim is only interrupted by live quotes: without them, all is there.
    assert all(paragraph in LIVE_QUOTE.sub("", text) for paragraph in missing)


def test_generic_extraction_leaves_out_most_of_what_is_not_the_article() -> None:
    # Character precision (multiset, as in benchmarks/generic_overlap.py) over the pages of
    # the test above: measured 0.896 with the prose blocks (0.816 with trafilatura's body,
    # 0.71 without dropping blocks of links). Pinned floor:
    overlap = generic = 0
    for page in OTHER_PAGES + REAL_SINA_PAGES:
        expected = "".join(
            block_texts(split_document(expected_file(page).read_text(encoding="utf-8")).body)
        )
        text = body_text(rendered_generic(page))
        overlap += sum((Counter(text) & Counter(expected)).values())
        generic += len(text)
    assert overlap / generic >= 0.89


def test_a_page_with_no_article_text_is_an_extraction_error(tmp_path: Path) -> None:
    app_shell = (
        '<html><head><meta charset="utf-8"><title>财经频道</title></head>'
        '<body><div id="app"></div><script>render("#app")</script></body></html>'
    )
    with pytest.raises(
        ExtractionError, match=r"no article text found \(prose blocks, readability, trafilatura\)"
    ):
        extract_article(GENERIC, response(app_shell), GENERIC.channel("web"))
    page = tmp_path / "app.html"
    page.write_text(app_shell, encoding="utf-8")
    result = render(page, "https://example.com/app")
    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        "render: nothing rendered for https://example.com/app: "
        "no article text found (prose blocks, readability, trafilatura)" in result.stderr
    )
    # Said once, in our words: trafilatura's own warning ("discarding data") is not passed on.
    assert "[trafilatura" not in result.stderr, result.stderr


def test_a_declared_time_without_offset_is_beijing_time(tmp_path: Path) -> None:
    html = article_page('<meta property="article:published_time" content="2024-03-01T09:30:00">')
    article = extract_article(GENERIC, response(html), GENERIC.channel("web"))
    assert article.published == datetime(2024, 3, 1, 9, 30, tzinfo=BEIJING)
    page = tmp_path / "a.html"
    page.write_text(html, encoding="utf-8")
    result = render(page, "https://example.com/a.html")
    assert result.returncode == 0, result.stderr
    assert "\ndate: Fri, 01 Mar 2024 01:30:00 GMT\n" in result.stdout


def test_a_time_printed_under_the_headline_is_beijing_time() -> None:
    html = article_page(byline='<p class="byline">2024年03月01日 09:30 来源：示例日报</p>')
    article = extract_article(GENERIC, response(html), GENERIC.channel("web"))
    assert article.published == datetime(2024, 3, 1, 9, 30, tzinfo=BEIJING)


def test_without_date_metadata_or_byline_htmldate_finds_the_date_in_beijing_time() -> None:
    html = article_page()
    article = extract_article(
        GENERIC, response(html, "https://example.com/2024/03/01/a.html"), GENERIC.channel("web")
    )
    assert article.published == datetime(2024, 3, 1, tzinfo=BEIJING)


def test_a_callers_channel_names_the_site_and_files_the_article() -> None:
    channel = Channel(id="feed", name="要闻", categories=("金融", "华尔街见闻", "要闻"))
    html = article_page('<meta property="og:site_name" content="示例财经网">')
    article = extract_article(GENERIC, response(html), channel)
    assert article.site == "华尔街见闻"
    assert article.categories == ("金融", "华尔街见闻", "要闻")
    assert article.channel == "feed"
    assert article.site_key == "web"


def test_with_the_default_channel_the_page_names_its_site() -> None:
    html = article_page('<meta property="og:site_name" content="示例财经网">')
    article = extract_article(
        GENERIC, response(html, "https://www.example.com/a.html"), GENERIC.channel("web")
    )
    assert (article.site, article.categories) == ("示例财经网", ("新闻", "示例财经网", "网页"))
    article = extract_article(
        GENERIC, response(article_page(), "https://www.example.com/a.html"), GENERIC.channel("web")
    )
    assert (article.site, article.categories) == ("example.com", ("新闻", "example.com", "网页"))


@pytest.mark.parametrize(
    ("stem", "image"),
    [
        # og:image, protocol-relative, made https
        (
            "sites/sina/finance-roll-2018-12-28-doc-ihqfskcn2160999",
            "https://n.sinaimg.cn/default/transform/116/w550h366/20180418/SsL9-fzihnep5208585.png",
        ),
        # og:image is empty: the apple-touch-icon, the largest icon the page declares
        ("sites/sina/news-2019-09-07-doc-iicezzrq4076655", "https://i0.sinaimg.cn/dy/news3.png"),
        ("sites/netease/163-money-1", "https://www.163.com/favicon.ico"),  # <link rel="icon">
        ("sites/hexun/hexun-stock-1", "https://stock.hexun.com/favicon.ico"),  # no icon declared
    ],
)
def test_lead_image_is_og_image_else_the_sites_icon(stem: str, image: str) -> None:
    article = extract_article(GENERIC, saved(FIXTURES / f"{stem}.html"), GENERIC.channel("web"))
    assert article.lead_image == image


def test_a_page_without_a_headline_takes_the_title_of_its_listing_entry() -> None:
    html = f'<html><head><meta charset="utf-8"></head><body>{PARAGRAPHS}</body></html>'
    page = response(html)
    listing = GENERIC.listing(page.url, title="央行开展逆回购操作")
    article = extract_article(GENERIC, page, GENERIC.channel("web"), listing)
    assert article.title == "央行开展逆回购操作"


def test_metadata_fields_come_from_the_pages_meta_tags() -> None:
    qq = extract_article(
        GENERIC, saved(FIXTURES / "sites" / "tencent" / "qq-finance-2.html"), GENERIC.channel("web")
    )
    # The meta lists the headline first, and the headline itself holds a `，`.
    assert qq.keywords == ["现金贷", "爬虫", "棱镜", "套路贷", "第三方数据", "个人信息"]
    stcn = extract_article(
        GENERIC, saved(FIXTURES / "sites" / "stcn" / "stcn-1.html"), GENERIC.channel("web")
    )
    assert stcn.keywords == ["证券时报", "天奇股份", "午间公告", "广汽", "中标", "项目"]
    assert stcn.media_source == "证券时报网"  # <meta name="author">
    roll = FIXTURES / "sites" / "sina" / "finance-roll-2018-12-28-doc-ihqfskcn2160999.html"
    assert extract_article(GENERIC, saved(roll), GENERIC.channel("web")).media_source == "新京报"


def test_blocks_of_links_are_dropped_but_tables_and_paragraphs_with_links_stay() -> None:
    body = lxml.html.fragment_fromstring(
        '<p>正文提到<a href="/k">龙湖集团</a>的业绩。</p>'
        '<ul><li><a href="/1">相关新闻一</a></li><li><a href="/2">相关新闻二</a></li></ul>'
        '<p><a href="/more">更多&gt;</a></p>'
        '<table><tr><td><a href="/s/600519">贵州茅台</a></td><td>1700.00</td></tr></table>',
        create_parent="div",
    )
    drop_link_blocks(body)
    assert [element.tag for element in body] == ["p", "ul", "table"]
    emptied = body.find("ul")
    assert emptied is not None and len(emptied) == 0  # the pipelines drop the empty list
    assert "龙湖集团" in body.text_content() and "贵州茅台" in body.text_content()


def test_urls_of_a_sites_host_get_its_profile_and_every_other_url_the_generic_one() -> None:
    assert profile_for_url("https://finance.sina.com.cn/roll/a.shtml").key == "sina"
    assert profile_for_url("https://money.163.com/19/0907/13/a.html").key == "netease"
    assert profile_for_url("https://example.com/a.html").key == "web"
    with pytest.raises(KeyError, match=r"no site profile for https://example\.com/a\.html"):
        site_for_url("https://example.com/a.html")
    for page in FIXTURES.glob("sites/*/*.html"):
        assert site_for_url(page_meta(page)["url"]).key != "web"
