"""网易财经, 腾讯财经, 证券时报网 and 和讯: their parsers, field by field."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from crawler.common.dates import BEIJING
from crawler.common.text import editor_name, split_keywords, squash
from crawler.items import Article
from crawler.sites import ExtractionError, Site, extract_article, site_for_url, site_named
from crawler.sites.extract import article_body, script_value
from pipelines.boilerplate import remove_boilerplate
from pipelines.clean import clean_html
from tests.documents import (
    FIXTURES,
    expected_file,
    page_meta,
    render,
)

OTHER_PAGES = sorted(
    (p for p in FIXTURES.glob("sites/*/*.html") if p.parent.name != "sina"), key=lambda p: p.name
)


def fixture(stem: str) -> Path:
    return next(FIXTURES.glob(f"sites/*/{stem}.html"))


def saved(stem: str) -> HtmlResponse:
    """The saved page as a response; the files are UTF-8 whatever their meta tag says."""
    page = fixture(stem)
    return HtmlResponse(url=page_meta(page)["url"], body=page.read_bytes(), encoding="utf-8")


def parse(stem: str) -> Article:
    response = saved(stem)
    site = site_for_url(response.url)
    return extract_article(site, response, site.channel(page_meta(fixture(stem))["channel"]))


def test_every_other_fixture_page_has_its_metadata_and_expected_file() -> None:
    stems = {page.stem for page in OTHER_PAGES}
    assert stems >= {"163-money-1", "hexun-stock-1", "qq-finance-2", "stcn-1"}
    for page in OTHER_PAGES:
        assert expected_file(page).is_file(), page
        assert page_meta(page)["source"], page
        site = site_for_url(page_meta(page)["url"])
        assert site.channel(page_meta(page)["channel"]), page


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://money.163.com/19/0907/13/EOFOC8MJ00258105.html", "netease"),
        ("http://finance.qq.com/a/20190923/000843.htm", "tencent"),
        ("http://kuaixun.stcn.com/2019/0926/15409036.shtml", "stcn"),
        ("https://stock.hexun.com/2019-09-26/198678130.html", "hexun"),
        ("https://news.hexun.com/2019-09-26/198678131.html", "hexun"),
    ],
)
def test_the_url_host_picks_the_site(url: str, key: str) -> None:
    assert site_for_url(url).key == key


def test_netease_page_gives_every_field() -> None:
    article = parse("163-money-1")
    assert article.title == '多地项目连环爆雷 狂奔的龙湖集团"暗伤"曝露？'
    assert article.published == datetime(2019, 9, 7, 13, 43, 45, tzinfo=BEIJING)
    assert article.media_source == "证券市场红周刊"  # not article:author, which says 网易
    assert article.editor == "杨倩"  # 责任编辑：杨倩_NF4425, staff code dropped
    assert article.keywords == ["龙湖集团", "龙湖", "吴亚军", "开发商"]
    assert article.doc_id == "EOFOC8MJ00258105"
    assert article.site == "网易财经"
    assert article.categories == ("金融", "网易财经", "财经")
    assert article.lead_image == site_named("netease").default_image  # no og:image
    assert article.body_html.lstrip().startswith('<p class="otitle">')


def test_tencent_page_gives_every_field() -> None:
    article = parse("qq-finance-2")
    assert article.title == "棱镜|数据业大整顿：爬虫与现金贷共生共荣，用户信息几元不等"
    assert article.published == datetime(2019, 9, 23, 7, 48, tzinfo=BEIJING)
    assert article.media_source == "棱镜"
    assert article.editor == "biaoffeng"
    assert article.keywords == ["现金贷", "爬虫", "棱镜", "套路贷", "第三方数据", "个人信息"]
    assert article.doc_id == "20190923000843"
    assert article.categories == ("金融", "腾讯财经", "财经")
    assert "划重点" in article.body_html


def test_stcn_page_gives_every_field() -> None:
    article = parse("stcn-1")
    assert article.title == "午间公告：天奇股份中标广汽丰田项目；运达股份中标7亿元项目"
    # The script's publishdate (12:11:01) is preferred to the printed 12:11.
    assert article.published == datetime(2019, 9, 26, 12, 11, 1, tzinfo=BEIJING)
    assert article.media_source == "证券时报网"  # 来源, not 作者 (李在山)
    assert article.editor == ""
    assert article.keywords == ["证券时报", "天奇股份", "午间公告", "广汽", "中标", "项目"]
    assert article.doc_id == "15409036"
    assert article.categories == ("金融", "证券时报网", "快讯")  # as in the old archive's seeds
    assert article.body_html.strip().startswith("证券时报e公司讯")


def test_hexun_page_gives_every_field() -> None:
    article = parse("hexun-stock-1")
    assert article.title == "交通运输部：着力打造京津冀区域综合立体交通网络"
    assert article.published == datetime(2019, 9, 26, 10, 56, 28, tzinfo=BEIJING)
    assert article.media_source == "证券时报网"
    assert article.editor == "HN666"  # （责任编辑： HN666）
    assert article.keywords == ["运输部"]
    assert article.doc_id == "198678130"
    assert article.categories == ("金融", "和讯", "股票")


@pytest.mark.parametrize("stem", [page.stem for page in OTHER_PAGES])
def test_published_time_is_beijing_time(stem: str) -> None:
    published = parse(stem).published
    assert published is not None
    assert published.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("stem", "gone"),
    [
        # (163's byline box, div.ep-source, opens with 本文来源: the generic rules take it.)
        ("qq-finance-2", "返回腾讯网首页"),  # a#backqqcom inside the last paragraph
    ],
)
def test_site_boilerplate_selectors_remove_what_generic_rules_miss(stem: str, gone: str) -> None:
    article = parse(stem)
    site = site_for_url(article.url)
    cleaned = clean_html(article.body_html, article.url)
    assert gone in remove_boilerplate(cleaned)
    assert gone not in remove_boilerplate(cleaned, site.boilerplate)


# A channel's front page: its only text is its name (the links are navigation).
NOT_AN_ARTICLE = (
    '<html><head><meta charset="utf-8"><title>财经频道</title></head><body>'
    "<h1>财经频道</h1></body></html>"
)


@pytest.mark.parametrize("key", ["netease", "tencent", "stcn", "hexun"])
def test_a_page_without_an_article_body_is_an_extraction_error(key: str) -> None:
    site = site_named(key)
    response = HtmlResponse(url=f"https://{site.hosts[0]}/", body=NOT_AN_ARTICLE.encode())
    with pytest.raises(ExtractionError, match=r"no article body .*; generic extraction: "):
        extract_article(site, response, site.channel(site.default_channel))


@pytest.mark.parametrize(("key", "stem"), [("tencent", "stcn-1"), ("stcn", "qq-finance-2")])
def test_another_sites_article_page_is_read_by_the_generic_fallback(key: str, stem: str) -> None:
    site: Site = site_named(key)
    owner = site_for_url(saved(stem).url)
    own = extract_article(owner, saved(stem), owner.channel(owner.default_channel))
    article = extract_article(site, saved(stem), site.channel(site.default_channel))
    assert "body" in article.fallbacks
    first_paragraph = lxml.html.fragment_fromstring(own.body_html, create_parent="div")
    assert squash(first_paragraph.xpath("string(.//p)"))[:20] in squash(
        lxml.html.fragment_fromstring(article.body_html, create_parent="div").text_content()
    )


def test_render_says_why_a_page_is_not_an_article(tmp_path: Path) -> None:
    page = tmp_path / "home.html"
    page.write_text(NOT_AN_ARTICLE, encoding="utf-8")
    result = render(page, "https://money.163.com/")
    assert result.returncode == 1
    assert "no article body" in result.stderr
    assert result.stdout == ""


def test_script_value_reads_quoted_and_numeric_assignments() -> None:
    page = HtmlResponse(
        url="https://example.com/",
        body=b"<script>var contentid = 15409036;\nARTICLE_INFO = {pubtime:'2019-09-23 07:48',"
        b' title:"x"}</script>',
    ).selector
    assert script_value(page, "contentid") == "15409036"
    assert script_value(page, "pubtime") == "2019-09-23 07:48"
    assert script_value(page, "title") == "x"
    assert script_value(page, "id") == ""  # `contentid` is not `id`


# Pieces of scripts around assignments: the name inside other words, before and after
# non-word characters, quoted and bare values, several assignments in a row.
SCRIPT_PIECES = st.sampled_from([
    "ct", "fact", "ct_", "$ct", "$", "_", "var ", " ", "=", ":", " = ", "'", '"', "1659274471",
    "x", "\n", ";", ",", "{", "}", "ct = '1'", 'ct:"2"', "ct=3", "é", "中",
])  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(pieces=st.lists(SCRIPT_PIECES, max_size=12), name=st.sampled_from(["ct", "$ct", "t"]))
def test_script_value_finds_what_a_word_bounded_search_finds(pieces: list[str], name: str) -> None:
    script = "".join(pieces)
    reference = re.compile(rf"\b{re.escape(name)}\s*[:=]\s*(?:(['\"])(.*?)\1|(\d+))")
    expected = reference.search(script)
    page = HtmlResponse(url="https://example.com/", body=f"<script>{script}</script>".encode())
    value = "" if expected is None else (expected[2] if expected[1] else expected[3]).strip()
    texts = page.xpath("//script/text()").getall()
    if texts and texts[0] == script:  # what the parser reads back is the script as written
        assert script_value(page.selector, name) == value


def test_keywords_split_on_the_sites_separators() -> None:
    assert split_keywords("龙湖集团,龙湖，吴亚军, ") == ["龙湖集团", "龙湖", "吴亚军"]
    assert split_keywords("证券时报 天奇股份  广汽", r"[\s,，]+") == [
        "证券时报",
        "天奇股份",
        "广汽",
    ]


def test_editor_name_reads_the_editor_line() -> None:
    assert editor_name("责任编辑：杨倩_NF4425") == "杨倩_NF4425"
    assert editor_name("（责任编辑： HN666）") == "HN666"
    assert editor_name("编辑部地址") == ""


def test_article_body_names_the_selectors_it_tried() -> None:
    page = HtmlResponse(url="https://example.com/", body=b"<p>x</p>").selector
    with pytest.raises(ExtractionError, match=r"#endText, \.post_text"):
        article_body(page, "#endText", ".post_text")
