"""The body stage's cleaning: what FORMAT.md removes from, keeps in and rewrites in a body."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import lxml.html
import pytest

from crawler.common.html import absolutize_urls, parse_fragment, serialize_fragment
from crawler.items import Article
from pipelines.body import ArticleBodyPipeline
from pipelines.clean import (
    clean_html,
    mark_images_no_referrer,
    remove_script_attributes,
    remove_unwanted_nodes,
    resolve_lazy_images,
)

PAGE_URL = "https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml"


def elements(body_html: str, tag: str) -> list[lxml.html.HtmlElement]:
    """Parse cleaned body HTML and return its elements with this tag, in document order."""
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    return [element for element in root.iter(tag) if element is not root]


def only(body_html: str, tag: str) -> dict[str, str]:
    """Return the attributes of the one element with this tag in body HTML."""
    found = elements(body_html, tag)
    assert len(found) == 1, body_html
    return dict(found[0].attrib)


@pytest.mark.parametrize(
    "removed",
    [
        "<!-- 正文下iframe -->",
        "<!--article_adlist[<a href='x'>广告</a>]-->",
        "<script>alert(1)</script>",
        '<script type="text/javascript" src="https://x/a.js"></script>',
        "<style>p {color: red}</style>",
        '<iframe src="https://player.example.com/v"></iframe>',
        '<noscript><img src="https://x/pixel.gif"></noscript>',
        '<link rel="stylesheet" href="https://x/a.css">',
        '<meta name="keywords" content="x">',
        '<object data="https://x/a.swf"><param name="movie" value="a.swf"></object>',
        '<embed src="https://x/a.swf">',
        '<embed src="https://x/a.swf"></embed>',
    ],
)
def test_unwanted_node_inside_a_paragraph_is_removed_and_its_tail_text_kept(removed: str) -> None:
    assert clean_html(f"<p>　　前文{removed}后文</p>", PAGE_URL) == "<p>　　前文后文</p>"


def test_form_is_removed_with_its_fields_and_its_tail_text_kept() -> None:
    body = '<div>前文<form action="/search"><input name="q"><button>搜</button></form>后文</div>'
    assert clean_html(body, PAGE_URL) == "<div>前文后文</div>"


def test_unwanted_nodes_between_paragraphs_leave_only_the_paragraphs() -> None:
    body = (
        "<p>　　第一段。</p><!-- 广告 --><script>var a = {b: 1};</script>\n"
        "<style>.x {}</style><p>　　第二段。</p>"
    )
    assert clean_html(body, PAGE_URL) == "<p>　　第一段。</p>\n<p>　　第二段。</p>"


def test_top_level_text_around_a_removed_script_is_kept() -> None:
    assert (
        clean_html("前文<script>x()</script>后文<p>段落</p>", PAGE_URL) == "前文后文\n<p>段落</p>"
    )


def test_event_handler_attributes_are_removed_and_other_attributes_kept() -> None:
    body = (
        '<p class="c" onclick="steal()" onMouseOver="x()">文字</p>'
        '<img src="https://n.sinaimg.cn/a.jpg" onerror="x()" onload="y()" alt="图">'
    )
    cleaned = clean_html(body, PAGE_URL)
    assert only(cleaned, "p") == {"class": "c"}
    assert only(cleaned, "img") == {
        "src": "https://n.sinaimg.cn/a.jpg",
        "alt": "图",
        "referrerpolicy": "no-referrer",
    }


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "\tjavascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD4=",
    ],
)
def test_script_urls_in_links_and_images_are_removed(url: str) -> None:
    escaped = url.replace("<", "&lt;").replace(">", "&gt;")
    cleaned = clean_html(f'<p><a href="{escaped}">链接</a><img src="{escaped}"></p>', PAGE_URL)
    assert only(cleaned, "a") == {}
    assert elements(cleaned, "img") == []  # an image left with no URL is dropped
    assert elements(cleaned, "a")[0].text == "链接"


def test_image_data_url_is_removed_with_its_image() -> None:
    image = '<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">'
    cleaned = clean_html(f"<p>文{image}</p>", PAGE_URL)
    assert "data:" not in cleaned
    assert elements(cleaned, "img") == []
    assert elements(cleaned, "p")[0].text == "文"


def test_script_url_in_an_svg_link_is_removed() -> None:
    # An inline SVG link runs its `xlink:href` like `href` when clicked in a browser.
    body = '<p>图<svg><a xlink:href="javascript:alert(1)"><text>点我</text></a></svg></p>'
    cleaned = clean_html(body, PAGE_URL)
    assert "javascript:" not in cleaned.lower()


@pytest.mark.parametrize("lazy", ["data-src", "data-original"])
def test_lazy_image_url_replaces_the_placeholder_src(lazy: str) -> None:
    body = f'<img src="https://n.sinaimg.cn/blank.gif" {lazy}="//n.sinaimg.cn/real.jpg" alt="">'
    cleaned = clean_html(body, PAGE_URL)
    assert only(cleaned, "img") == {
        "src": "https://n.sinaimg.cn/real.jpg",
        "alt": "",
        "referrerpolicy": "no-referrer",
    }


def test_lazy_image_without_src_gets_one_made_absolute() -> None:
    cleaned = clean_html('<img data-original="/photo/a.jpg">', PAGE_URL)
    assert only(cleaned, "img") == {
        "src": "https://finance.sina.com.cn/photo/a.jpg",
        "referrerpolicy": "no-referrer",
    }


def test_lazy_image_with_a_script_url_does_not_become_src() -> None:
    cleaned = clean_html('<img src="https://x/a.gif" data-src="javascript:alert(1)">', PAGE_URL)
    assert only(cleaned, "img") == {"src": "https://x/a.gif", "referrerpolicy": "no-referrer"}


def test_protocol_relative_urls_become_https() -> None:
    cleaned = clean_html(
        '<p><a href="//finance.sina.com.cn/x.shtml">x</a><img src="//n.sinaimg.cn/y.jpg"></p>',
        PAGE_URL,
    )
    assert only(cleaned, "a")["href"] == "https://finance.sina.com.cn/x.shtml"
    assert only(cleaned, "img")["src"] == "https://n.sinaimg.cn/y.jpg"


@pytest.mark.parametrize(
    ("href", "absolute"),
    [
        ("a.shtml", "https://finance.sina.com.cn/roll/2018-12-28/a.shtml"),
        ("../2019-01-02/b.shtml", "https://finance.sina.com.cn/roll/2019-01-02/b.shtml"),
        ("/stock/", "https://finance.sina.com.cn/stock/"),
        ("http://news.sina.com.cn/c.shtml", "http://news.sina.com.cn/c.shtml"),
    ],
)
def test_link_url_is_joined_with_the_page_url(href: str, absolute: str) -> None:
    assert only(clean_html(f'<a href="{href}">x</a>', PAGE_URL), "a")["href"] == absolute


def test_relative_image_url_is_joined_with_the_page_url() -> None:
    cleaned = clean_html('<img src="img/a.jpg">', PAGE_URL)
    assert only(cleaned, "img")["src"] == "https://finance.sina.com.cn/roll/2018-12-28/img/a.jpg"


def test_every_image_gets_no_referrer_even_one_with_its_own_policy() -> None:
    body = (
        '<p><img src="https://n.sinaimg.cn/a.jpg"></p>'
        '<div class="img_wrapper"><img src="https://n.sinaimg.cn/b.jpg" referrerpolicy="origin">'
        '<span class="img_descr">图说</span></div><img src="https://n.sinaimg.cn/c.jpg">'
    )
    images = elements(clean_html(body, PAGE_URL), "img")
    assert len(images) == 3
    assert [img.get("referrerpolicy") for img in images] == ["no-referrer"] * 3


def test_braces_in_text_and_attributes_become_entities() -> None:
    body = '<p title="{{ x }}">模板 {{ a }} 与 {% raw %} 以及 {#</p>'
    cleaned = clean_html(body, PAGE_URL)
    assert "{" not in cleaned
    assert "}" not in cleaned
    assert cleaned == (
        '<p title="&#123;&#123; x &#125;&#125;">模板 &#123;&#123; a &#125;&#125; 与 '
        "&#123;% raw %&#125; 以及 &#123;#</p>"
    )
    # The entities read back as the article's own braces.
    paragraph = elements(cleaned, "p")[0]
    assert paragraph.get("title") == "{{ x }}"
    assert paragraph.text == "模板 {{ a }} 与 {% raw %} 以及 {#"


def test_top_level_braces_become_entities() -> None:
    assert clean_html("价格区间{1, 2}<p>x</p>", PAGE_URL) == "价格区间&#123;1, 2&#125;\n<p>x</p>"


def test_each_block_gets_one_line_and_blank_lines_are_dropped() -> None:
    body = "\n\n<p>第一段</p><p>第二段</p>\n\n\n   \n<div>第三块</div>\n\t\n<h2>小标题</h2>\n\n"
    assert (
        clean_html(body, PAGE_URL)
        == "<p>第一段</p>\n<p>第二段</p>\n<div>第三块</div>\n<h2>小标题</h2>"
    )


def test_line_breaks_inside_a_paragraph_leave_no_blank_line() -> None:
    # A blank line would end Markdown's HTML block and let Hexo's renderer rewrite the rest.
    cleaned = clean_html("<p>　　第一句，\n\n\n第二句。</p><p>　　下一段。</p>", PAGE_URL)
    lines = cleaned.split("\n")
    assert all(line.strip() for line in lines), cleaned
    assert "".join(elements(cleaned, "p")[0].text_content().split()) == "第一句，第二句。"


def test_inline_run_between_blocks_stays_on_one_line() -> None:
    body = '<p>前段</p>\n正文 <a href="/x.shtml">链接</a> 与 <b>加粗</b> 文字\n<p>后段</p>'
    assert clean_html(body, PAGE_URL) == (
        "<p>前段</p>\n"
        '正文 <a href="https://finance.sina.com.cn/x.shtml">链接</a> 与 <b>加粗</b> 文字\n'
        "<p>后段</p>"
    )


def test_paragraph_with_two_leading_ideographic_spaces_is_kept_exactly() -> None:
    body = '<p cms-style="font-L">　　新京报快讯（记者 裴剑飞）今日有网友爆料。</p>'
    assert clean_html(body, PAGE_URL) == body


def test_top_level_text_keeps_its_leading_ideographic_spaces() -> None:
    cleaned = clean_html("　　第一段文字。<br>　　第二段文字。", PAGE_URL)
    root = lxml.html.fragment_fromstring(cleaned, create_parent="div")
    assert root.text == "　　第一段文字。"
    assert root[0].tail == "　　第二段文字。"


def test_the_articles_own_attributes_are_kept() -> None:
    body = (
        '<p cms-style="font-L" class="art_p" data-id="7" style="text-align: center" id="p1">'
        "　　文字</p>"
        '<div class="img_wrapper" data-type="img"><img id="0" src="https://n.sinaimg.cn/a.jpg"'
        ' alt="" width="550" data-link="x"><span class="img_descr">图说</span></div>'
    )
    cleaned = clean_html(body, PAGE_URL)
    assert only(cleaned, "p") == {
        "cms-style": "font-L",
        "class": "art_p",
        "data-id": "7",
        "style": "text-align: center",
        "id": "p1",
    }
    assert dict(elements(cleaned, "div")[0].attrib) == {"class": "img_wrapper", "data-type": "img"}
    assert only(cleaned, "img") == {
        "id": "0",
        "src": "https://n.sinaimg.cn/a.jpg",
        "alt": "",
        "width": "550",
        "data-link": "x",
        "referrerpolicy": "no-referrer",
    }
    assert only(cleaned, "span") == {"class": "img_descr"}


def test_escaped_markup_in_text_stays_escaped() -> None:
    body = "<p>a &lt;script&gt; b &amp; c</p>"
    assert clean_html(body, PAGE_URL) == body


def test_control_character_in_a_link_does_not_stop_cleaning() -> None:
    cleaned = clean_html('<p>前文<a href="/a&#1;b.shtml">链接</a>后文</p>', PAGE_URL)
    assert elements(cleaned, "p")[0].text_content() == "前文链接后文"


def test_cleaning_stages_can_run_one_by_one() -> None:
    root = parse_fragment(
        '<p onclick="x()">文<!-- c --><script>s()</script></p>'
        '<img src="p.gif" data-src="//n.sinaimg.cn/r.jpg"><a href="javascript:x()">a</a>'
    )
    remove_unwanted_nodes(root)
    remove_script_attributes(root)
    resolve_lazy_images(root)
    absolutize_urls(root, PAGE_URL)
    mark_images_no_referrer(root)
    assert serialize_fragment(root) == (
        '<p>文</p>\n<img src="https://n.sinaimg.cn/r.jpg" referrerpolicy="no-referrer"><a>a</a>'
    )


def test_serialize_fragment_writes_a_line_a_block_and_braces_as_entities() -> None:
    root = parse_fragment("开头 <i>{x}</i>\n\n<p>一</p>\n<ul><li>甲</li><li>乙</li></ul>结尾")
    assert serialize_fragment(root) == (
        "开头 <i>&#123;x&#125;</i>\n<p>一</p>\n<ul><li>甲</li><li>乙</li></ul>\n结尾"
    )


def test_serialize_fragment_of_an_empty_body_is_empty() -> None:
    assert serialize_fragment(parse_fragment("")) == ""
    assert serialize_fragment(parse_fragment(" \n\t ")) == ""


def test_clean_pipeline_replaces_the_body_with_the_cleaned_body() -> None:
    item = Article(
        url=PAGE_URL,
        site="新浪财经",
        channel="1686",
        categories=("金融", "新浪财经", "新浪财经－国內"),
        title="标题",
        published=datetime(2018, 12, 28, 19, 56, 29, tzinfo=timezone(timedelta(hours=8))),
        body_html=(
            '<p onclick="x()">　　正文。</p><script>x()</script><img src="//n.sinaimg.cn/a.jpg">'
        ),
    )
    assert ArticleBodyPipeline().process_item(item) is item
    assert item.body_html == (
        '<p>　　正文。</p>\n<img src="https://n.sinaimg.cn/a.jpg" referrerpolicy="no-referrer">'
    )
