"""The body stage's boilerplate removal: site and generic boilerplate go, the article stays."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any

import lxml.html
import pytest

from crawler.items import Article
from pipelines.body import ArticleBodyPipeline
from pipelines.boilerplate import remove_boilerplate
from pipelines.lead_image import first_image

PAGE_URL = "https://finance.sina.com.cn/roll/2021-06-16/doc-ikqcfnca1234567.shtml"
QR_CODE_IMAGE = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"
SINA_QR_FOOTER = (
    '<div class="clearfix appendQr_wrap"><div class="appendQr_normal">'
    f'<img src="{QR_CODE_IMAGE}"></div>'
    '<div class="appendQr_normal_txt">海量资讯、精准解读，尽在新浪财经APP</div></div>'
)
PARAGRAPH = '<p cms-style="font-L">　　央行今日开展逆回购操作，市场流动性保持合理充裕。</p>'
LONG_SENTENCE = "　　记者从多家银行了解到，今年以来大额存单利率多次下调，部分储户开始转向理财产品。"

ARTICLE = Article(
    url=PAGE_URL,
    site="新浪财经",
    channel="1686",
    categories=("金融", "新浪财经", "新浪财经－国內"),
    title="多家银行下调大额存单利率",
    published=datetime(2021, 6, 16, 9, 27, 56, tzinfo=timezone(timedelta(hours=8))),
    lead_image="",
    body_html=PARAGRAPH,
)


def article(**changes: Any) -> Article:
    """Return the sample article with some fields changed."""
    return dataclasses.replace(ARTICLE, **changes)


def texts(body_html: str) -> list[str]:
    """Return the text of each top-level node of body HTML (elements and text runs)."""
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    found = [root.text or ""] + [
        part for child in root for part in (child.text_content(), child.tail or "")
    ]
    return [text for text in found if text.strip()]


def test_site_selectors_are_removed() -> None:
    body = (
        f'{PARAGRAPH}<div class="share-bar"><a href="https://x/">分享</a></div><p id="ad">广告</p>'
    )
    assert remove_boilerplate(body, (".share-bar", "#ad")) == PARAGRAPH


def test_sina_qr_code_footer_is_removed_by_the_sina_selector() -> None:
    assert remove_boilerplate(PARAGRAPH + SINA_QR_FOOTER, (".appendQr_wrap",)) == PARAGRAPH


@pytest.mark.parametrize(
    "line",
    [
        '<p class="article-editor">责任编辑：张三 SF001</p>',
        "<p>责任编辑：张三</p>",
        "<p>责任编辑:李四</p>",
        "<p>（责任编辑：王五）</p>",
        "<p>编辑：赵六</p>",
        "<div>编辑: 钱七</div>",
        "<p>免责声明：本文仅代表作者本人观点，与新浪网无关。</p>",
        "<p>【免责声明】本文仅代表作者本人观点，与和讯网无关。</p>",
        "<p>（责任编辑） 王五</p>",
        "<p>海量资讯、精准解读，尽在新浪财经APP</p>",
        "<p>扫描二维码下载新浪财经APP</p>",
        "<div>扫描二维码，关注我们</div>",
        '<div class="qrcode"><img src="https://x/qr.png"></div>',
        "<p>本文相关推荐</p>",
        "<p>京ICP证030173号 | 违法和不良信息举报电话：12377</p>",
        "<div>相关推荐：</div>",
        "<div>http://www.sznews.com  2011-12-14 18:10  来源： 深圳新闻网  【字号：大 中 小】</div>",
        "<p>2012年01月12日15:45 来源：中广网</p>",
        "<p>[参考价格] 5400元<br>[商家名称] 北京某科技有限公司<br>[联系方式] 010-82488003</p>",
    ],
)
def test_generic_rules_remove_short_boilerplate_blocks(line: str) -> None:
    assert remove_boilerplate(PARAGRAPH + line) == PARAGRAPH


@pytest.mark.parametrize(
    "line",
    [
        '<p><strong>推荐阅读</strong>：<a href="https://a.cn/1">绥德交警：8月1日起专项整治</a></p>',
        '<p>相关链接：<a href="https://a.cn/1">一</a> | <a href="https://a.cn/2">二</a></p>',
        "<section><p>往期推荐</p></section>",  # a lone heading (SHORT_LINES has the others)
        '<div>■相关阅读：<a href="https://a.cn/1"><span>・央行开展逆回购</span></a></div>',
    ],
)
def test_a_related_reading_line_of_links_is_removed(line: str) -> None:
    assert remove_boilerplate(PARAGRAPH + line) == PARAGRAPH


# people.com.cn's related links: a run of inline nodes between the blocks of its text box.
RELATED_RUN = (
    '\n\t　　<b>■相关链接：</b><br>　　<a href="https://a.cn/1">・<font color="#0000ff">'
    '未卖先火</font></a><br>　　<a href="https://a.cn/2">・谁适宜接种</a><br><br>　　'
)
TABLE = '<table><tr><td><img src="https://a.cn/p.jpg"></td></tr><tr><td>图说</td></tr></table>'


@pytest.mark.parametrize("where", ["inside a block", "at the top level"])
def test_a_run_of_related_links_between_blocks_is_removed(where: str) -> None:
    kept = f"{TABLE}<br>　　人民网北京1月11日电 今天，疫苗获得新药证书。<br>"
    body = f"{RELATED_RUN}{kept}"
    if where == "inside a block":
        assert remove_boilerplate(f'<div id="p">{body}</div>') == f'<div id="p">{kept}</div>'
    else:
        assert texts(remove_boilerplate(body)) == texts(kept)


def test_a_run_with_text_of_its_own_besides_its_links_is_kept() -> None:
    run = '相关链接显示，<a href="https://a.cn/1">央行</a>开展了逆回购。'
    body = f"<div>{run}{TABLE}</div>"
    assert remove_boilerplate(body) == body


@pytest.mark.parametrize(
    "paragraph",
    [
        "<p>推荐阅读：《货币金融学》，书中讲透了利率。</p>",  # no link: the article's own text
        '<p>推荐阅读：<a href="https://a.cn/1">这本书</a>讲透了利率与汇率的关系。</p>',
        '<p>相关链接显示，<a href="https://a.cn/1">央行</a>开展了逆回购。</p>',
    ],
)
def test_a_paragraph_that_opens_like_a_related_reading_line_is_kept(paragraph: str) -> None:
    assert remove_boilerplate(PARAGRAPH + paragraph) == f"{PARAGRAPH}\n{paragraph}"


@pytest.mark.parametrize(
    ("mention", "sentences"),
    [
        ("报社实行责任编辑：每篇稿件须经审核。", 1),
        ("报社实行责任编辑：每篇稿件须经审核。", 3),
        ("合同中的免责声明：平台不承担任何损失。", 1),
        ("合同中的免责声明：平台不承担任何损失。", 3),
        ("编辑部认为，这一政策值得关注。", 0),
        ("用户扫描二维码下载该APP后即被扣费。", 3),
    ],
)
def test_article_paragraph_that_mentions_boilerplate_words_in_the_middle_is_kept(
    mention: str, sentences: int
) -> None:
    paragraph = f"<p>{LONG_SENTENCE * sentences}{mention}{LONG_SENTENCE * sentences}</p>"
    if sentences == 3:
        assert len(lxml.html.fromstring(paragraph).text_content()) > 200
    body = PARAGRAPH + paragraph
    assert remove_boilerplate(body) == f"{PARAGRAPH}\n{paragraph}"


def test_short_article_in_a_wrapper_keeps_its_paragraphs_when_its_footer_promotes_the_app() -> None:
    body = f'<div class="article">{PARAGRAPH}<p>海量资讯、精准解读，尽在新浪财经APP</p></div>'
    assert remove_boilerplate(body) == f'<div class="article">{PARAGRAPH}</div>'


@pytest.mark.parametrize(
    "paragraph",
    [
        # A bank's app, in a short paragraph of news.
        "<p>　　中国银行表示，即日起客户可下载中国银行APP在线办理大额存单业务，"
        "利率与柜台一致，起存金额仍为20万元。</p>",
        # A hotline, in a paragraph that ends its sentences (not a site's footer line).
        "<p>“比如说，全面排查制度。”张立勇说，河南法院将涉及农民工工资的案件一律纳入排查范围。"
        "省高院向社会公布了录音举报电话，接受群众举报。</p>",
        # A time and a source, but not opening the line as a byline does.
        "<p>据新华社2012年1月12日10:30消息，来源于国家统计局的数据显示物价回落。</p>",
        # A closing source line.
        "<p>来源：健康广东</p>",
    ],
    ids=["bank-app", "hotline", "time-and-source", "closing-source"],
)
def test_article_lines_that_resemble_boilerplate_are_kept(paragraph: str) -> None:
    assert remove_boilerplate(PARAGRAPH + paragraph) == f"{PARAGRAPH}\n{paragraph}"


def test_empty_placeholder_blocks_are_removed() -> None:
    body = (
        f'{PARAGRAPH}<div class="video"></div><p> </p><p>&nbsp;</p>'
        '<div class="chart"><div class="inner"> </div></div><p>　</p>'
    )
    assert remove_boilerplate(body) == PARAGRAPH


def test_image_wrapper_with_an_empty_caption_is_kept() -> None:
    image = (
        '<div class="img_wrapper"><img src="https://n.sinaimg.cn/a.jpg" alt="">'
        '<span class="img_descr"></span></div>'
    )
    assert remove_boilerplate(PARAGRAPH + image) == f"{PARAGRAPH}\n{image}"


def test_table_with_empty_cells_is_kept() -> None:
    table = "<table><tr><td>指标</td><td></td></tr><tr><td></td><td>1.5%</td></tr></table>"
    assert remove_boilerplate(PARAGRAPH + table) == f"{PARAGRAPH}\n{table}"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<div>前文<div class="ad">广告</div>后文</div>', "<div>前文后文</div>"),
        ('前文<span class="ad">广告</span>后文', "前文后文"),
        ('<p><b>加粗</b>中间<span class="ad">广告</span>后文</p>', "<p><b>加粗</b>中间后文</p>"),
        (
            '<p>前文<span class="ad">广告</span>后文<i>斜体</i>结尾</p>',
            "<p>前文后文<i>斜体</i>结尾</p>",
        ),
    ],
)
def test_removing_an_element_keeps_the_surrounding_text(body: str, expected: str) -> None:
    assert remove_boilerplate(body, (".ad",)) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # The body stage removes blocks from the tree it parsed, with no line breaks written
        # in: a removed top-level block between two runs of text leaves a line break.
        ('正文。<p class="ad">广告</p>文章', "正文。\n文章"),
        ('正文。<p class="ad">广告</p><b>文章</b>', "正文。\n<b>文章</b>"),
        ('<b>正文。</b><p class="ad">广告</p>文章', "<b>正文。</b>\n文章"),
        ('<b>正文。</b><p class="ad">广告</p> \n<b>文章</b>', "<b>正文。</b>\n<b>文章</b>"),
        # White space already there is enough; with a block or nothing before, a line starts.
        ('正文。 <p class="ad">广告</p>文章', "正文。 文章"),
        ('<p>正文。</p><p class="ad">广告</p>文章', "<p>正文。</p>\n文章"),
        ('<p class="ad">广告</p>文章', "文章"),
        # Inside a block nothing is added, as before.
        ('<div>前文<p class="ad">广告</p>后文</div>', "<div>前文后文</div>"),
        # Nor for an inline element.
        ('正文。<span class="ad">广告</span>文章', "正文。文章"),
    ],
)
def test_a_removed_top_level_block_leaves_a_line_break_between_runs_of_text(
    body: str, expected: str
) -> None:
    assert remove_boilerplate(body, (".ad",)) == expected


def test_article_text_and_images_survive_boilerplate_removal() -> None:
    image = '<div class="img_wrapper"><img src="https://n.sinaimg.cn/a.jpg"></div>'
    body = (
        f'{PARAGRAPH}{image}<p>　　第二段。</p><p class="article-editor">责任编辑：张三</p>'
        f"{SINA_QR_FOOTER}"
    )
    cleaned = remove_boilerplate(body, (".appendQr_wrap",))
    assert cleaned == f"{PARAGRAPH}\n{image}\n<p>　　第二段。</p>"
    assert texts(cleaned) == [
        "　　央行今日开展逆回购操作，市场流动性保持合理充裕。",
        "　　第二段。",
    ]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("https://n.sinaimg.cn/a.jpg", "https://n.sinaimg.cn/a.jpg"),
        ("//n.sinaimg.cn/a.jpg", "https://n.sinaimg.cn/a.jpg"),
        ("http://n.sinaimg.cn/a.jpg", "https://n.sinaimg.cn/a.jpg"),
        ("/photo/a.jpg", "https://finance.sina.com.cn/photo/a.jpg"),
    ],
)
def test_first_image_is_an_absolute_https_url(src: str, expected: str) -> None:
    body = f'{PARAGRAPH}<p><img src="{src}"></p><img src="https://n.sinaimg.cn/second.jpg">'
    assert first_image(body, PAGE_URL) == expected


def test_first_image_skips_an_image_without_src() -> None:
    body = '<img alt="no source"><img src="https://n.sinaimg.cn/b.jpg">'
    assert first_image(body, PAGE_URL) == "https://n.sinaimg.cn/b.jpg"


def test_first_image_of_a_body_without_images_is_empty() -> None:
    assert first_image(PARAGRAPH, PAGE_URL) == ""


def test_body_image_beats_the_items_lead_image() -> None:
    body = f'{PARAGRAPH}<div class="img_wrapper"><img src="//n.sinaimg.cn/body.jpg"></div>'
    item = article(body_html=body, lead_image="https://n.sinaimg.cn/og-image.jpg")
    assert ArticleBodyPipeline().process_item(item) is item
    assert item.lead_image == "https://n.sinaimg.cn/body.jpg"


def test_items_lead_image_stays_when_the_body_has_no_image() -> None:
    item = article(lead_image="https://n.sinaimg.cn/og-image.jpg")
    ArticleBodyPipeline().process_item(item)
    assert item.lead_image == "https://n.sinaimg.cn/og-image.jpg"
    assert item.body_html == PARAGRAPH


@pytest.mark.parametrize("lead_image", ["", "https://n.sinaimg.cn/og-image.jpg"])
def test_qr_code_footer_image_is_never_the_lead_image(lead_image: str) -> None:
    item = article(body_html=PARAGRAPH + SINA_QR_FOOTER, lead_image=lead_image)
    ArticleBodyPipeline().process_item(item)
    assert item.lead_image == lead_image
    assert item.body_html == PARAGRAPH
    assert "appendQr" not in item.body_html
    assert QR_CODE_IMAGE not in item.body_html


def test_pipeline_removes_the_sina_editor_line_and_keeps_the_article() -> None:
    body = f'{PARAGRAPH}<p class="article-editor">责任编辑：张三 SF001</p><p> </p>'
    item = article(body_html=body)
    ArticleBodyPipeline().process_item(item)
    assert item.body_html == PARAGRAPH
