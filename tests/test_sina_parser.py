"""The Sina page parser, on saved pages and small made-up ones, without a crawl."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.http import HtmlResponse

from crawler.common.dates import BEIJING
from crawler.sites import ExtractionError, extract_article, site_for_url, site_named
from crawler.spiders.sina import roll_listing
from tests.documents import FIXTURES, page_meta

SINA = site_named("sina")
DOMESTIC = SINA.channel("1686")
URL = "https://finance.sina.com.cn/roll/2024-01-02/doc-iabcdef1234567.shtml"


def response(html: str, url: str = URL, encoding: str = "utf-8") -> HtmlResponse:
    return HtmlResponse(url=url, body=html.encode(encoding), encoding=encoding)


def saved(name: str) -> HtmlResponse:
    page = FIXTURES / "sites" / "sina" / f"{name}.html"
    return HtmlResponse(url=page_meta(page)["url"], body=page.read_bytes())


def page(head: str = "", body: str = "") -> str:
    return f'<html><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


ARTICLE = (
    '<div id="artibody"><p>　　正文第一段。</p>'
    '<p class="article-editor">责任编辑：王五 SF001</p></div>'
)


def test_desktop_page_gives_every_field() -> None:
    article = extract_article(SINA, saved("finance-roll-2018-12-28-doc-ihqfskcn2160999"), DOMESTIC)
    assert article.title == '60万"12306账号"外泄? 中铁总辟谣称消息不实'
    assert article.published == datetime(2018, 12, 28, 19, 56, 29, tzinfo=BEIJING)
    assert article.published.utcoffset() is not None
    assert article.media_source == "新京报"
    assert article.editor == "霍琦"
    assert article.keywords == ["辟谣", "外泄", "账号"]
    assert article.doc_id == "hqfskcn2160999"
    assert article.site == "新浪财经"
    assert article.categories == ("金融", "新浪财经", "新浪财经－国內")
    assert article.lead_image == (
        "https://n.sinaimg.cn/default/transform/116/w550h366/20180418/SsL9-fzihnep5208585.png"
    )
    assert "新京报快讯" in article.body_html


def test_news_page_body_is_div_article_and_source_is_the_link_text() -> None:
    article = extract_article(SINA, saved("news-2019-09-07-doc-iicezzrq4076655"), DOMESTIC)
    assert article.media_source == "北京日报"  # article:author is empty on this page
    assert article.editor == "张申"
    assert article.lead_image == SINA.default_image  # og:image is empty
    assert "麒麟990" in article.body_html


def test_2016_page_takes_its_date_from_the_time_source_text() -> None:
    article = extract_article(SINA, saved("synthetic-2016-doc-ifxsktkr5869532"), DOMESTIC)
    assert article.title == "多地出台措施支持小微企业融资 贷款贴息范围扩大"
    assert article.published == datetime(2016, 5, 25, 10, 10, tzinfo=BEIJING)


def test_mobile_page_takes_its_date_from_weibo_time() -> None:
    article = extract_article(SINA, saved("synthetic-mobile-detail-ifxsktkr5869533"), DOMESTIC)
    assert article.title == "多家银行下调大额存单利率 部分储户转向理财产品"
    assert article.published == datetime(2021, 6, 16, 9, 27, tzinfo=BEIJING)
    assert article.doc_id == "fxsktkr5869533"
    assert article.editor == "李四"


def test_published_time_prefers_the_meta_tag_over_the_printed_date() -> None:
    html = page(
        '<meta property="article:published_time" content="2024-01-02T10:00:00+08:00">',
        '<h1 class="main-title">标题</h1><div class="date-source"><span class="date">'
        "2024年01月01日 09:00</span></div>" + ARTICLE,
    )
    assert extract_article(SINA, response(html), DOMESTIC).published == datetime(
        2024, 1, 2, 2, 0, tzinfo=UTC
    )


def test_published_time_falls_back_to_the_printed_date_in_beijing_time() -> None:
    html = page(
        body='<h1 class="main-title">标题</h1><div class="date-source"><span class="date">'
        "2024年01月01日 09:00</span></div>" + ARTICLE
    )
    published = extract_article(SINA, response(html), DOMESTIC).published
    assert published == datetime(2024, 1, 1, 1, 0, tzinfo=UTC)


def test_published_time_falls_back_to_the_roll_api_intime() -> None:
    html = page(body='<h1 class="main-title">标题</h1>' + ARTICLE)
    article = extract_article(
        SINA, response(html), DOMESTIC, roll_listing(URL, {"intime": "1653743983", "ctime": "1"})
    )
    assert article.published == datetime(2022, 5, 28, 13, 19, 43, tzinfo=UTC)


def test_an_unparsable_date_gives_no_date() -> None:
    html = page(
        '<meta property="article:published_time" content="yesterday">',
        '<h1 class="main-title">标题</h1><span class="date">13月45日 99:99</span>' + ARTICLE,
    )
    undated = "https://finance.sina.com.cn/roll/doc-iabcdef1234567.shtml"
    article = extract_article(
        SINA, response(html, undated), DOMESTIC, roll_listing(undated, {"intime": "not a time"})
    )
    assert article.published is None
    assert article.fallbacks == ()


def test_an_unparsable_date_falls_back_to_the_generic_reading_of_the_page() -> None:
    html = page(
        '<meta property="article:published_time" content="yesterday">',
        '<h1 class="main-title">标题</h1><span class="date">2024年13月45日 99:99</span>' + ARTICLE,
    )
    article = extract_article(SINA, response(html), DOMESTIC)
    # The URL's day (htmldate reads /2024-01-02/), Beijing time: the page prints no valid one.
    assert article.published == datetime(2024, 1, 1, 16, 0, tzinfo=UTC)
    assert article.fallbacks == ("date",)


def test_title_falls_back_to_og_title_then_to_the_listing() -> None:
    with_og = page('<meta property="og:title" content="分享标题">', ARTICLE)
    assert extract_article(SINA, response(with_og), DOMESTIC).title == "分享标题"
    bare = page(body=ARTICLE)
    assert (
        extract_article(
            SINA, response(bare), DOMESTIC, roll_listing(URL, {"title": "列表标题"})
        ).title
        == "列表标题"
    )
    assert extract_article(SINA, response(bare), DOMESTIC).title == ""


def test_doc_id_comes_from_publishid_then_url_then_listing() -> None:
    html = page('<meta name="publishid" content="zzz9">', ARTICLE)
    assert extract_article(SINA, response(html), DOMESTIC).doc_id == "zzz9"
    assert extract_article(SINA, response(page(body=ARTICLE)), DOMESTIC).doc_id == "abcdef1234567"
    elsewhere = response(page(body=ARTICLE), url="http://127.0.0.1:8000/x.html")
    assert (
        extract_article(
            SINA, elsewhere, DOMESTIC, roll_listing(elsewhere.url, {"docid": "comos:qq77"})
        ).doc_id
        == "qq77"
    )


def test_a_page_with_no_article_body_is_not_an_article() -> None:
    html = page(body="<h1>新浪财经首页</h1>")
    with pytest.raises(ExtractionError, match=r"no article body .*; generic extraction: "):
        extract_article(SINA, response(html), DOMESTIC)


def test_a_body_in_a_layout_the_profile_does_not_know_is_read_generically() -> None:
    html = page(
        '<meta property="article:published_time" content="2024-01-02T10:00:00+08:00">',
        '<h1 class="main-title">标题</h1><div class="unknown-layout">'
        + "".join(f"<p>　　正文第{n}段，讲的是人民币汇率的走势。</p>" for n in range(1, 4))
        + "</div>",
    )
    article = extract_article(SINA, response(html), DOMESTIC)
    assert "正文第1段" in article.body_html and "正文第3段" in article.body_html
    assert article.title == "标题"
    assert article.fallbacks == ("body",)


def test_a_gbk_page_is_decoded_from_its_declared_charset() -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        '</head><body><h1 class="main-title">旧版新浪页面</h1>'
        '<div id="artibody"><p>　　人民币汇率。</p></div></body></html>'
    )
    gbk_page = HtmlResponse(url=URL, body=html.encode("gbk"))
    article = extract_article(SINA, gbk_page, DOMESTIC)
    assert article.title == "旧版新浪页面"
    assert "人民币汇率" in article.body_html


@pytest.mark.parametrize(
    "url",
    [
        "https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml",
        "https://news.sina.com.cn/c/2019-09-07/doc-iicezzrq4076655.shtml",
        "https://finance.sina.cn/2021-06-16/detail-ifxsktkr5869533.d.html",
    ],
)
def test_sina_hosts_pick_the_sina_site(url: str) -> None:
    assert site_for_url(url).key == "sina"


def test_other_hosts_have_no_site() -> None:
    with pytest.raises(KeyError, match="no site profile"):
        site_for_url("https://notsina.com.cn/a.html")
