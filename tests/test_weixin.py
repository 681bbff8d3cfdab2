"""微信公众平台: a WeChat official account's article page, field by field."""

from __future__ import annotations

from datetime import datetime

import pytest
from scrapy.http import HtmlResponse
from w3lib.url import canonicalize_url

from crawler.common.dates import BEIJING
from crawler.sites import ExtractionError, extract_article, site_for_url, site_named
from tests.documents import FIXTURES, page_meta

PAGE = FIXTURES / "sites" / "weixin" / "weixin-magic-7e99760d09.html"
URL = page_meta(PAGE)["url"]
WEIXIN = site_named("weixin")


def page(body: str, url: str = URL) -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8")


def minimal(script: str, account: str = "") -> str:
    """A WeChat article page with only what the profile reads."""
    return (
        '<html><head><meta property="og:title" content="标题"></head><body>'
        f'<h1 id="activity-name">标题</h1><a id="js_name">{account}</a>'
        '<div id="js_content"><p>　　正文一段。</p></div>'
        f"<script>{script}</script></body></html>"
    )


def test_the_saved_page_gives_its_time_account_and_identity() -> None:
    article = extract_article(WEIXIN, page(PAGE.read_text(encoding="utf-8")), WEIXIN.channel("mp"))
    assert article.title == "绥德：33名退役军人被表彰"
    # `var ct = "1659274471"`; the page's scripts also say `@date 2022-02-21` (their own).
    assert article.published == datetime(2022, 7, 31, 21, 34, 31, tzinfo=BEIJING)
    assert article.media_source == "掌上绥德"  # the account, `#js_name`
    assert article.doc_id == "MzAxMzgxNzUxOA==&mid=2650804290&idx=8"
    assert article.categories == ("金融", "微信公众平台", "公众号")


@pytest.mark.parametrize(
    ("script", "published"),
    [
        ('var ct = "1659274471";', datetime(2022, 7, 31, 21, 34, 31, tzinfo=BEIJING)),
        ("var ct = 0;", datetime(1970, 1, 1, 8, tzinfo=BEIJING)),
        ('var ct = "";', None),
        ('var ct = "2022-07-31";', None),  # not a Unix time
        ('var ct = "99999999999999";', None),  # past the year 9999
        ("var t = 1;", None),
    ],
)
def test_the_time_is_the_scripts_unix_time_or_none(script: str, published: datetime) -> None:
    found = WEIXIN.page(page(minimal(script)))
    assert found.published() == published


def test_a_page_without_its_time_is_left_undated_unless_it_prints_one() -> None:
    # Nothing else on the page is its date: the article is left undated, not dated wrongly.
    script = "var t = 1; /** @date 2022-02-21 */"
    article = extract_article(WEIXIN, page(minimal(script)), WEIXIN.channel("mp"))
    assert article.published is None
    # A page that prints its date (older ones did) is dated by the generic reading.
    printed = minimal(script).replace("</h1>", '</h1><em id="publish_time">2019-07-31</em>')
    article = extract_article(WEIXIN, page(printed), WEIXIN.channel("mp"))
    assert article.published == datetime(2019, 7, 31, tzinfo=BEIJING)
    assert article.fallbacks == ("date",)


def test_the_account_is_read_from_the_script_when_the_page_does_not_print_it() -> None:
    found = WEIXIN.page(page(minimal('var nickname = "财经早餐";')))
    assert found.media_source() == "财经早餐"
    assert WEIXIN.page(page(minimal("", account=" 掌上绥德 "))).media_source() == "掌上绥德"


def test_an_article_is_known_by_its_account_message_and_place_under_any_share_parameters() -> None:
    shared = URL.replace("&sn=", "&scene=21&chksm=80687383&sn=") + "#wechat_redirect"
    assert site_for_url(shared) is WEIXIN
    assert WEIXIN.listed_id(shared) == WEIXIN.listed_id(URL) != ""
    other = URL.replace("idx=8", "idx=1")
    assert WEIXIN.listed_id(other) != WEIXIN.listed_id(URL)
    # A short link (/s/<token>) names no message: the article is known by its URL.
    assert WEIXIN.listed_id("https://mp.weixin.qq.com/s/Xb3k2Qv9aZ1") == ""


def test_one_article_has_one_key_however_its_url_spells_and_orders_the_parameters() -> None:
    query = URL.split("?", 1)[1]
    params = dict(pair.split("=", 1) for pair in query.split("&"))
    assert params["__biz"].endswith("==")  # the saved page's URL writes the account plainly
    encoded = URL.replace(params["__biz"], params["__biz"].replace("=", "%3D"))
    shuffled = "https://mp.weixin.qq.com/s?" + "&".join(
        f"{name}={params[name]}" for name in reversed(list(params))
    )
    expected = f"{params['__biz']}&mid={params['mid']}&idx={params['idx']}"
    assert WEIXIN.listed_id(URL) == expected
    keys = {WEIXIN.listing(url).key for url in (URL, encoded, shuffled)}
    assert keys == {f"weixin:{expected}"}
    # A message number that is not one is no id: the URL is the key.
    odd = URL.replace(f"mid={params['mid']}", "mid=x")
    assert WEIXIN.listing(odd).key == canonicalize_url(odd)


def test_a_page_without_its_content_is_not_an_article() -> None:
    with pytest.raises(ExtractionError, match="no article body"):
        extract_article(WEIXIN, page("<html><body><p>x</p></body></html>"), WEIXIN.channel("mp"))
