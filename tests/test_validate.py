"""Stage 3, validate: an article with no title, no body text or no date is dropped and counted."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.common.html import parse_fragment
from crawler.items import Article
from pipelines import validate
from pipelines.body import ArticleBodyPipeline
from pipelines.validate import ValidatePipeline, body_text, missing_parts, remember_body_text

URL = "https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml"
REASON_STATS = (
    "validate/dropped/no_title",
    "validate/dropped/no_body_text",
    "validate/dropped/no_date",
)

ARTICLE = Article(
    url=URL,
    site="新浪财经",
    channel="1686",
    categories=("金融", "新浪财经", "新浪财经－国內"),
    title='60万"12306账号"外泄? 中铁总辟谣称消息不实',
    published=datetime(2018, 12, 28, 19, 56, 29, tzinfo=timezone(timedelta(hours=8))),
    body_html="<p>　　新京报快讯（记者 裴剑飞）今日有网友爆料。</p>",
)


def article(**changes: Any) -> Article:
    """Return the sample article with some fields changed."""
    return dataclasses.replace(ARTICLE, **changes)


def stat(crawler: Crawler, name: str) -> int:
    """Return a stats counter of the crawler, 0 when never counted."""
    value = crawler.stats.get_value(name, 0)
    assert isinstance(value, int)
    return value


def test_complete_article_lacks_nothing() -> None:
    assert missing_parts(ARTICLE) == []


@pytest.mark.parametrize("title", ["", "   ", "\n\t", "　"])
def test_blank_title_is_no_title(title: str) -> None:
    assert missing_parts(article(title=title)) == ["no title"]


@pytest.mark.parametrize(
    "body",
    [
        "",
        "  \n ",
        "<p> </p>",
        "<p>&nbsp;</p><p>　　</p>",
        '<p> </p><img src="x">',
        '<div class="img_wrapper"><img src="https://n.sinaimg.cn/a.jpg">'
        '<span class="img_descr"></span></div>',
        "<br><hr>",
    ],
)
def test_body_without_text_is_no_body_text(body: str) -> None:
    # An image-only body has nothing to read: it is dropped rather than archived empty.
    assert missing_parts(article(body_html=body)) == ["no body text"]


@pytest.mark.parametrize(
    "body",
    ["<p>一</p>", "只有文字", '<div class="img_wrapper"><img src="x"><span>图说</span></div>'],
)
def test_body_with_any_text_is_kept(body: str) -> None:
    assert missing_parts(article(body_html=body)) == []


def test_missing_date_is_no_date() -> None:
    assert missing_parts(article(published=None)) == ["no date"]


def test_every_missing_part_is_named_in_order() -> None:
    empty = article(title="", body_html="<p> </p>", published=None)
    assert missing_parts(empty) == ["no title", "no body text", "no date"]


def test_pipeline_passes_a_complete_article_on_and_counts_nothing() -> None:
    crawler = get_crawler()
    item = article()
    assert ValidatePipeline.from_crawler(crawler).process_item(item) is item
    for name in REASON_STATS:
        assert stat(crawler, name) == 0


def test_pipeline_drops_an_incomplete_article_with_every_reason_and_its_url() -> None:
    crawler = get_crawler()
    pipeline = ValidatePipeline.from_crawler(crawler)
    with pytest.raises(DropItem) as raised:
        pipeline.process_item(article(title=" ", body_html="<img src=x>", published=None))
    message = str(raised.value)
    for reason in ("no title", "no body text", "no date"):
        assert reason in message
    assert URL in message
    for name in REASON_STATS:
        assert stat(crawler, name) == 1


def test_pipeline_counts_each_reason_of_each_dropped_article() -> None:
    crawler = get_crawler()
    pipeline = ValidatePipeline.from_crawler(crawler)
    for item in (article(published=None), article(published=None, title=""), article(title="")):
        with pytest.raises(DropItem, match=re.escape(URL)):
            pipeline.process_item(item)
    assert stat(crawler, "validate/dropped/no_date") == 2
    assert stat(crawler, "validate/dropped/no_title") == 2
    assert stat(crawler, "validate/dropped/no_body_text") == 0


def test_the_body_stage_leaves_the_text_so_the_body_is_not_parsed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item = ArticleBodyPipeline().process_item(
        article(body_html="<p>　　正文。</p><script>x()</script><p>　　第二段。</p>")
    )

    def no_parse(body_html: str) -> None:
        raise AssertionError(f"parsed again: {body_html!r}")

    monkeypatch.setattr(validate, "parse_fragment", no_parse)
    assert ValidatePipeline.from_crawler(get_crawler()).process_item(item) is item
    assert body_text(item.body_html) == "正文。第二段。"


def test_a_body_the_stage_did_not_write_is_parsed() -> None:
    body = "<p>　　只在这里。</p>\n<p>二</p>"
    assert body_text(body) == "只在这里。二"
    # Kept as written: a later stage that changes the body gets its own text.
    remember_body_text("<p>一</p>", parse_fragment("<p>一</p>"))
    assert body_text("<p>一</p>") == "一"
    assert body_text("<p>一二</p>") == "一二"


def test_only_the_latest_bodies_texts_are_kept() -> None:
    for number in range(100):
        remember_body_text(f"<p>{number}</p>", parse_fragment(f"<p>{number}</p>"))
    assert len(validate._TEXT_OF_BODY) <= validate._BODIES_KEPT
    assert body_text("<p>99</p>") == "99"
