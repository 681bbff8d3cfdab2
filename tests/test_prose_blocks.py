"""Finding the article by its prose (crawler/sites/prose.py) on made-up pages, one rule each."""

from __future__ import annotations

import copy

import lxml.html
from lxml import etree

from crawler.sites.generic import drop_link_blocks
from crawler.sites.prose import drop_asides, find_article

SENTENCE = "央行今日开展逆回购操作，市场流动性保持合理充裕，债券收益率小幅下行。"
HEADLINE = "央行开展逆回购操作"


def body_of(inner: str) -> etree._Element:
    """Parse a page whose `<body>` holds `inner` and return the body."""
    page = lxml.html.fromstring(f"<html><head><title>t</title></head><body>{inner}</body></html>")
    body = page.find("body")
    assert body is not None
    return body


def text_of(elements: list[etree._Element]) -> str:
    return "".join("".join("".join(e.itertext()).split()) for e in elements)


def links(count: int, label: str = "今日要闻标题") -> str:
    return "".join(f'<li><a href="/{n}">{label}{n}</a></li>' for n in range(count))


def test_a_short_article_beats_a_longer_box_of_links_and_a_disclaimer() -> None:
    body = body_of(
        f"<h1>{HEADLINE}</h1>"
        f'<div class="main"><div id="text"><p>{SENTENCE}</p></div>'
        "<p>凡注明为其他媒体来源的信息，均为转载自其他媒体，转载并不代表本网赞同其观点，"
        "也不代表本网对其真实性负责。</p>"
        f"<ul>{links(30)}</ul></div>"
    )
    assert text_of(find_article(body, HEADLINE)) == SENTENCE


def test_readers_comments_do_not_count_and_are_dropped_from_the_copy() -> None:
    comments = "".join(f"<p>网友{n}：{SENTENCE * 2}</p>" for n in range(6))
    body = body_of(
        f'<h1>{HEADLINE}</h1><div id="article"><p>{SENTENCE}</p><p>{SENTENCE}</p>'
        f'<div class="qnc-comment__list">{comments}</div>尾注</div>'
    )
    found = find_article(body, HEADLINE)
    assert [e.get("id") for e in found] == ["article"]
    article = etree.Element("div")
    article.extend(copy.deepcopy(e) for e in found)
    drop_asides(article)
    assert text_of(list(article)) == SENTENCE * 2 + "尾注"  # the comments' tail text stays


def test_prose_printed_before_the_headline_is_not_the_article() -> None:
    teasers = "".join(f"<p>{SENTENCE * 3}</p>" for _ in range(3))
    body = body_of(
        f'<div id="channel">{teasers}</div><h1>{HEADLINE}</h1>'
        f'<div id="article"><p>{SENTENCE}</p></div>'
    )
    assert text_of(find_article(body, HEADLINE)) == SENTENCE
    # Without the headline, the teasers would be taken too.
    assert SENTENCE * 9 in text_of(find_article(body))


def test_a_lead_printed_apart_and_a_deck_under_the_headline_join_the_article() -> None:
    body = body_of(
        f'<div class="page"><h1>{HEADLINE}</h1>'
        '<h2 id="deck">分析认为，流动性仍将保持合理充裕。</h2>'
        f'<div class="byline">2012-01-12 15:45</div><p id="lead">{SENTENCE}</p>'
        f'<div class="gallery"><a href="/g">图集</a><a href="/h">返回</a></div>'
        f'<div id="text"><p>{SENTENCE * 2}</p><p>{SENTENCE * 2}</p></div>'
        f"<ul>{links(20)}</ul></div>"
    )
    found = find_article(body, HEADLINE)
    assert [e.get("id") for e in found] == ["deck", "lead", "text"]


def test_a_table_of_figures_does_not_cut_the_article_short() -> None:
    rows = "".join(
        f"<tr><td>产品{n}</td><td>北京某食品厂有限公司</td><td>菌落总数(≤1500/920000)</td></tr>"
        for n in range(40)
    )
    body = body_of(
        f'<h1>{HEADLINE}</h1><div id="article"><p>{SENTENCE}</p><p>{SENTENCE}</p>'
        f"<table>{rows}</table></div>"
    )
    assert [e.get("id") for e in find_article(body, HEADLINE)] == ["article"]


def test_a_toolbar_with_a_row_of_marks_is_not_prose() -> None:
    toolbar = "<span>： ， 。 视频 小程序 赞 ，轻点两下取消赞 在看 ，轻点两下取消在看</span>"
    body = body_of(f'<div id="article"><p>{SENTENCE * 3}</p></div>{toolbar * 2}')
    # The toolbar's text sits in `<body>` itself: counted as prose it would take the body.
    assert text_of(find_article(body)) == SENTENCE * 3


def test_elements_left_out_by_the_caller_do_not_count() -> None:
    body = body_of(
        f'<div id="article"><p>{SENTENCE}</p></div><div class="box"><p>{SENTENCE * 4}</p></div>'
    )
    box = body.xpath("//div[@class='box']")
    assert SENTENCE * 4 in text_of(find_article(body))
    assert text_of(find_article(body, left_out=box)) == SENTENCE


def test_a_page_without_prose_has_no_article() -> None:
    assert find_article(body_of(f"<ul>{links(10)}</ul><div>登录 注册</div>")) == []


def test_a_table_of_linked_pictures_is_dropped_but_an_articles_picture_stays() -> None:
    promo = (
        '<table><tr><td><a href="/1"><img src="/1.jpg"></a><div>世上最贵的女人</div></td>'
        '<td><a href="/2"><img src="/2.jpg"></a><div>迪拜的疯狂建筑</div></td></tr></table>'
    )
    picture = (
        '<table><tr><td><img src="/p.jpg"></td></tr><tr><td>现场图，记者摄。</td></tr></table>'
    )
    article = lxml.html.fromstring(f"<div><p>{SENTENCE}</p>{picture}{promo}</div>")
    drop_link_blocks(article)
    assert [img.get("src") for img in article.iter("img")] == ["/p.jpg"]


def test_a_linked_source_credit_beside_the_article_is_kept() -> None:
    body = body_of(
        f'<h1>{HEADLINE}</h1><div id="content"><p><a href="/s">摘自京华时报</a></p>'
        f'<p>{SENTENCE * 2}</p><p><a href="/more">[点击进入浏览]</a></p></div>'
        f"<ul>{links(10)}</ul>"
    )
    found = find_article(body, HEADLINE)
    assert text_of(found) == "摘自京华时报" + SENTENCE * 2
    copied = "".join(etree.tostring(e, encoding="unicode", with_tail=False) for e in found)
    article = lxml.html.fromstring(f"<div>{copied}</div>")
    drop_link_blocks(article)
    assert text_of(list(article)) == "摘自京华时报" + SENTENCE * 2
