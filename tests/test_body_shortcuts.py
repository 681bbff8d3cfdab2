"""The body stage's shortcuts give exactly what the plain way gives.

Each faster piece is checked against the plain code it replaced, kept here as the
reference: one tree through clean and boilerplate against the two string stages one after
the other (the same but for the white space the written-out body held, see below), the
lead image and the text validate checks read from the tree against the written body read
back, plain lxml elements against lxml.html's, a parent map against a walk of every
element's descendants, an id-table look-up against the CSS query, a page parsed from its
bytes against the page parsed from its text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, cast

import lxml.html
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml.cssselect import CSSSelector, LxmlTranslator
from parsel import Selector
from scrapy.http import HtmlResponse, TextResponse

from crawler.common.css import NEEDS_NOTHING, Needs, needs, subject_first_xpath
from crawler.common.html import (
    _BLANK_LINES,
    ASCII_SPACE,
    attribute_axis_xpath,
    blocks_of,
    innermost_blocks,
    is_block,
    parse_fragment,
    serialize_fragment,
    written_url,
)
from crawler.sites import all_sites
from crawler.sites.extract import first_match, page_selector, texts
from pipelines import body as body_stage
from pipelines.body import article_body
from pipelines.boilerplate import (
    BOILERPLATE_LINES,
    GENERIC_SELECTORS,
    KEPT_WHEN_EMPTY,
    MAY_BE_BOILERPLATE,
    MEDIA_TAGS,
    PROMOTIONS,
    _drop,
    _has_text,
    _possible,
    remove_boilerplate,
    remove_empty_blocks,
    remove_selected,
)
from pipelines.clean import clean_html, clean_tree
from pipelines.lead_image import first_image, first_image_of_tree
from pipelines.sanitize import sanitize_html
from pipelines.validate import text_of_tree
from tests.documents import FIXTURES

PAGES = sorted(FIXTURES.glob("sites/*/*.html"))
URL = "https://finance.sina.com.cn/roll/2024-01-02/doc-iabcdefg1234567.shtml"
SITE_SELECTORS = [site.boilerplate for site in all_sites()] + [()]

# Bodies made of what article bodies hold and what the stages remove or keep: blocks and
# inline elements, boilerplate classes and lines, images with awkward URLs, white space
# of every kind (blank lines, U+3000, no-break spaces), text that looks like template code.
TEXTS = st.sampled_from([
    "", " ", "\n", "\n\n", "  \n ", "\u3000", "\xa0", "　　正文一段。", "文章\n\n\n续",
    "责任编辑：张三", "（责任编辑：李四 SF001）", "编辑：王五", "扫码下载新浪财经APP",
    "海量资讯、精准解读，尽在新浪财经APP", "打开APP", "下载 app 看更多", "免责声明：仅供参考",
    "a & b < c", "{{ x }}", "{% y %}",
])  # fmt: skip
TAGS = st.sampled_from([
    "p", "div", "span", "b", "section", "table", "tr", "td", "a", "ul", "li", "h2",
    "figure", "figcaption", "font", "strong", "center", "blockquote", "script", "iframe",
    "video", "svg",
])  # fmt: skip
CLASSES = st.sampled_from([
    "", "appendQr_wrap", "article-editor", "show_author", "video-2017", "qrcode", "erweima",
    "img_wrapper", "ep-editor", "post_btmshare", "qq_editor", "x y",
])  # fmt: skip
SOURCES = st.sampled_from([
    "", " ", "//n.sinaimg.cn/a.jpg", "http://x.com/a b/图.jpg", " /rel/{x}.png",
    "javascript:alert(1)", "data:image/png;base64,AA", "https://e.com/q?a=1&b=2",
])  # fmt: skip


def _element(tag: str, css_class: str, children: list[str], tail: str) -> str:
    return f'<{tag} class="{css_class}">{"".join(children)}</{tag}>{tail}'


LEAVES = st.one_of(
    TEXTS,
    st.builds(lambda src, tail: f'<img src="{src}">{tail}', SOURCES, TEXTS),
    st.builds(lambda src, tail: f'<img data-src="{src}">{tail}', SOURCES, TEXTS),
    st.builds(lambda src, tail: f'<a href="{src}">链接</a>{tail}', SOURCES, TEXTS),
    st.sampled_from(["<br>", "<hr>", "<!-- comment -->", '<p onclick="x()">点击</p>']),
)
NODES = st.recursive(
    LEAVES,
    lambda children: st.builds(_element, TAGS, CLASSES, st.lists(children, max_size=4), TEXTS),
    max_leaves=24,
)
BODIES = st.lists(NODES, max_size=7).map("".join)


def reference_parse(body_html: str) -> Any:
    """The parser the stages used before: lxml.html's elements."""
    return lxml.html.fragment_fromstring(body_html, create_parent="div")


def reference_serialize(root: Any) -> str:
    """The serializer before: lxml.html.tostring for each child, every run folded."""
    lines: list[str] = []
    inline: list[str] = [html.escape(root.text or "", quote=False)]

    def flush() -> None:
        text = "".join(inline).strip(ASCII_SPACE)
        if text:
            lines.append(text)
        inline.clear()

    for child in root:
        markup = lxml.html.tostring(child, encoding="unicode", with_tail=False)
        if is_block(child):
            flush()
            lines.append(_BLANK_LINES.sub("\n", markup.strip(ASCII_SPACE)))
        else:
            inline.append(markup)
        inline.append(html.escape(child.tail or "", quote=False))
    flush()
    return "\n".join(lines).replace("{", "&#123;").replace("}", "&#125;")


def reference_innermost_blocks(root: Any) -> list[Any]:
    """Blocks holding no block, found by walking every block's descendants."""
    return [
        element
        for element in root.iter()
        if is_block(element) and not any(is_block(inner) for inner in element.iterdescendants())
    ]


def reference_remove_empty_blocks(root: Any) -> None:
    """Every block's subtree searched for media, innermost block first."""
    for element in reversed([e for e in root.iter() if e is not root and is_block(e)]):
        if element.tag in KEPT_WHEN_EMPTY:
            continue
        if not _has_text(element) and next(element.iter(*MEDIA_TAGS), None) is None:
            _drop(element)


LAYOUT = re.compile(f"[{re.escape(ASCII_SPACE)}]+")  # white space that is layout


def described(root: Any) -> Any:
    """A tree as (tag, attributes, text, children, tail), layout white space left out.

    URL attributes as the serializer writes them, so a tree and its written body compare.
    """
    attributes = {
        name: written_url(value) if name in ("href", "src") else value
        for name, value in root.attrib.items()
    }
    return (
        root.tag,
        attributes,
        LAYOUT.sub("", root.text or ""),
        [described(child) for child in root],
        LAYOUT.sub("", root.tail or ""),
    )


def written_out_unchanged(body: str) -> bool:
    """Tell whether writing out the cleaned body and reading it back gives the same tree.

    Not always so: the serializer writes an empty `<li>` without its end tag, so the text
    after it is read back inside it. Reading a body back also drops text at its start that
    is only white space (U+3000 included); the body stage drops it too.
    """
    root = parse_fragment(sanitize_html(body))
    clean_tree(root, URL)
    if root.text is not None and not root.text.strip():
        root.text = None
    try:
        return bool(described(root) == described(parse_fragment(serialize_fragment(root))))
    except ValueError:  # a URL with a control character, which `written_url` cannot write
        return False


def white_space_at(markup: str) -> set[int]:
    """Where (between which characters of `markup`, layout left out) layout white space is."""
    places, position = set(), 0
    for piece in LAYOUT.split(markup):
        position += len(piece)
        places.add(position)
    return places - {0, position}


@settings(max_examples=400, deadline=None)
@given(body=BODIES, selectors=st.sampled_from(SITE_SELECTORS))
def test_one_tree_gives_what_clean_then_boilerplate_give_but_for_layout(
    body: str, selectors: tuple[str, ...]
) -> None:
    # The two stages wrote the body out between them and read it back. Where that changed
    # nothing, one tree writes the same markup and lead image; only layout white space
    # (where a removed block between two runs of text left "\n\n" or none) may differ, and
    # it never glues two runs of text that the two stages kept apart.
    assume(written_out_unchanged(body))
    chained = remove_boilerplate(clean_html(body, URL), selectors)
    ours = article_body(body, URL, selectors)
    assert LAYOUT.sub("", ours.html) == LAYOUT.sub("", chained)
    assert white_space_at(chained) <= white_space_at(ours.html)
    assert ours.lead_image == first_image(chained, URL)


@pytest.mark.parametrize("left", ['<img src="data:,x">', '<img src=" ">', "<script>x()</script>"])
def test_white_space_left_alone_at_the_start_goes_as_when_the_body_was_read_back(
    left: str,
) -> None:
    for space in ("\u3000", "\xa0", " \n"):
        body = f"{left}{space}<b>正文</b>"
        assert article_body(body, URL).html == remove_boilerplate(clean_html(body, URL))
        assert article_body(body, URL).html == "<b>正文</b>"


@settings(max_examples=400, deadline=None)
@given(body=BODIES, selectors=st.sampled_from(SITE_SELECTORS))
def test_the_lead_image_and_text_read_from_the_tree_are_the_written_bodys(
    body: str, selectors: tuple[str, ...]
) -> None:
    ours = article_body(body, URL, selectors)
    assert ours.lead_image == first_image(ours.html, URL)
    assert ours.text == text_of_tree(parse_fragment(ours.html))


URL_CHARACTERS = st.characters(codec="utf-8", exclude_categories=["Cs"])


@settings(max_examples=500, deadline=None)
@given(url=st.one_of(SOURCES, st.text(URL_CHARACTERS, max_size=12)))
def test_a_url_is_written_as_the_serializer_writes_it(url: str) -> None:
    image = _PARSER_FOR_TESTS.makeelement("img")
    try:
        image.set("src", url)
    except ValueError:  # a character lxml does not set: so does `written_url`
        with pytest.raises(ValueError):
            written_url(url)
        return
    markup = etree.tostring(image, method="html", encoding="unicode")
    assert written_url(url) == parse_fragment(markup)[0].get("src", "")


_PARSER_FOR_TESTS = etree.HTMLParser()


def test_an_image_url_lxml_will_not_set_is_read_back_through_the_serializer() -> None:
    # The parser keeps a control character that lxml refuses to set on an element.
    body = '<p>文</p><img src="#a\x0bb"><img src="https://n.sinaimg.cn/b.jpg">'
    root = parse_fragment(body)
    assert root[1].get("src") == "#a\x0bb"
    written = serialize_fragment(root)
    assert first_image_of_tree(root, URL) == first_image(written, URL)


def test_the_body_is_parsed_once_and_written_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counted(name: str, function: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return function(*args, **kwargs)

        return call

    # Every parse of body HTML goes through lxml.html's fragment parser.
    fragments = counted("libxml2 parse", lxml.html.fragments_fromstring)
    monkeypatch.setattr(lxml.html, "fragments_fromstring", fragments)
    monkeypatch.setattr(body_stage, "serialize_fragment", counted("write", serialize_fragment))
    body = '<p>　　正文。</p><p class="article-editor">责任编辑：张三</p><img src="/a b.jpg">'
    ours = article_body(body, URL, ())
    assert calls == ["libxml2 parse", "write"]
    image = "https://finance.sina.com.cn/a%20b.jpg"
    assert ours.html == f'<p>　　正文。</p>\n<img src="{image}" referrerpolicy="no-referrer">'
    assert ours.lead_image == image
    assert ours.text == "正文。"


@settings(max_examples=300, deadline=None)
@given(body=BODIES)
def test_plain_elements_parse_and_serialize_as_lxml_html_did(body: str) -> None:
    assert serialize_fragment(parse_fragment(body)) == reference_serialize(reference_parse(body))


@settings(max_examples=300, deadline=None)
@given(body=BODIES)
def test_blocks_picked_out_by_name_are_the_elements_that_are_blocks(body: str) -> None:
    root = parse_fragment(clean_html(body, URL))
    assert blocks_of(root) == [element for element in root.iter() if is_block(element)]
    root = parse_fragment(body)
    assert blocks_of(root) == [element for element in root.iter() if is_block(element)]


@settings(max_examples=300, deadline=None)
@given(body=BODIES)
def test_innermost_blocks_are_the_blocks_holding_no_block(body: str) -> None:
    root = parse_fragment(body)
    assert innermost_blocks(root) == reference_innermost_blocks(root)


@settings(max_examples=300, deadline=None)
@given(body=BODIES)
# Blocks that hold media of each kind and no text, which random bodies seldom hold.
@example(body='<div class="x"><hr></div><section><span><img src="/a.jpg"></span></section>')
@example(body="<div><table><tr><td></td></tr></table></div><blockquote><b><hr></b></blockquote>")
def test_empty_blocks_go_as_the_plain_walk_removes_them(body: str) -> None:
    ours, reference = parse_fragment(clean_html(body, URL)), parse_fragment(clean_html(body, URL))
    remove_empty_blocks(ours)
    reference_remove_empty_blocks(reference)
    assert serialize_fragment(ours) == serialize_fragment(reference)


def reference_remove_selected(root: Any, selectors: tuple[str, ...]) -> None:
    """Each selector's query run on the tree as the ones before it left it."""
    for selector in selectors:
        for element in CSSSelector(selector)(root):
            _drop(element)


@settings(max_examples=400, deadline=None)
@given(body=BODIES, selectors=st.sampled_from(SITE_SELECTORS))
@example(body='<p class="qrcode">一</p>二<b class="qrcode">三</b>四', selectors=())
def test_selectors_remove_what_each_query_in_turn_removes(
    body: str, selectors: tuple[str, ...]
) -> None:
    every = selectors + GENERIC_SELECTORS
    ours, reference = parse_fragment(clean_html(body, URL)), parse_fragment(clean_html(body, URL))
    remove_selected(ours, every)
    reference_remove_selected(reference, every)
    assert serialize_fragment(ours) == serialize_fragment(reference)


# Selectors of every kind of need: classes, ids, attribute text, combinators, negations.
NEEDY_SELECTORS = (
    ".a .b", "div > .x", "#y", "p#y", ".x #y", "[class*='a']", "[class^='t']", "[id$='r']",
    "[class~='x']", "[id='y']", "[class]", "div:not(.x)", "p.x.y", "a, .b",
)  # fmt: skip


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.stem)
def test_the_selectors_passed_over_are_ones_that_match_nothing(page: Path) -> None:
    body = Selector(text=page.read_text(encoding="utf-8", errors="replace")).xpath("//body/node()")
    root = parse_fragment(clean_html("".join(body.getall()), URL))
    every = tuple(css for selectors in SITE_SELECTORS for css in selectors) + GENERIC_SELECTORS
    kept = _possible(root, every + NEEDY_SELECTORS)
    for css in every + NEEDY_SELECTORS:
        assert css in kept or not CSSSelector(css)(root), css
    assert len(kept) < len(every)  # some were passed over


def test_a_selector_is_kept_for_names_as_css_reads_them() -> None:
    root = parse_fragment(
        '<p class="u\u3000v">一</p><p class="a\tb" id="i">二</p><b id="qr_1" class="QR">三</b>'
    )
    selectors = (".u\u3000v", ".a", ".b", "#i", "[id^='qr_']", ".QR", "[class*='R']")
    assert _possible(root, selectors) == selectors
    absent = (".u", ".v", ".qr", "#I", "[id^='QR']", "[class*='r']", "p.c", "#i .x")
    assert _possible(root, absent) == ()


def test_the_needs_of_a_selector() -> None:
    nothing = frozenset[str]()
    assert needs("div.a#b > p.c") == Needs(frozenset("ac"), frozenset("b"), nothing, nothing)
    assert needs("[class*='qr'] [id^='q']") == Needs(
        nothing, nothing, frozenset({"qr"}), frozenset("q")
    )
    # Only the subject of a negation, of :has() and of :is() is needed.
    assert needs("p:not(.x)").classes == needs("p:has(.x)").classes == frozenset()
    for needless in ("a, .b", "[class]", "p::text", "p:first-child", "not a selector {"):
        assert needs(needless) == NEEDS_NOTHING, needless


@pytest.mark.parametrize("css", [".a .b", "div > p", "p:first-child", "p + p", "a, b", "p:empty"])
def test_selectors_that_look_beyond_the_element_run_one_by_one(css: str) -> None:
    body = '<div class="a"><p class="b">一</p><p>二</p></div><p></p>三<a>四</a>'
    ours, reference = parse_fragment(body), parse_fragment(body)
    remove_selected(ours, (css, ".x"))
    reference_remove_selected(reference, (css, ".x"))
    assert serialize_fragment(ours) == serialize_fragment(reference)


# Pieces of what the line rules look for, and of what they must not take.
LINE_PIECES = st.sampled_from([
    "责任编辑", "编辑", "责编", "免责声明", "：", ":", "（", "【", "]", "扫描二维码", "扫码下载",
    "长按识别二维码", "二维码", "下载", "打开", "尽在", "APP", "app", "ApP", "新浪财经", " ",
    "\u3000", "\n", "文章", "。",
])  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(pieces=st.lists(LINE_PIECES, max_size=12))
def test_a_block_either_rule_removes_holds_one_of_the_key_words(pieces: list[str]) -> None:
    # So a block (or a whole body) without any is rightly left without judging it.
    text = "".join(pieces)
    squashed = " ".join(text.split())
    if PROMOTIONS.search(squashed) or BOILERPLATE_LINES.search(squashed):
        assert MAY_BE_BOILERPLATE.search(text)


def test_the_key_words_are_met_by_every_kind_of_removed_line() -> None:
    removed = ["责任编辑：张三", "（责编：李四）", "【免责声明】本文", "扫描二维码关注",
               "打开新浪财经APP", "下载 app", "尽在新浪财经App", "长按识别二维码"]  # fmt: skip
    for line in removed:
        assert PROMOTIONS.search(line) or BOILERPLATE_LINES.search(line), line
        assert MAY_BE_BOILERPLATE.search(line), line


def test_one_tree_runs_every_rule() -> None:
    # The editor line goes by selector, the QR image block with the promotion after it, the
    # U+3000-only paragraph with the app line after it; so the lead image is not the QR code.
    body = (
        '<p>　　正文一段。</p><p class="article-editor">责任编辑：张三</p>'
        '<div class="x y"><img src=" /rel/{x}.png"></div><p>扫码下载新浪财经APP</p>'
        "<p>\u3000</p><p>下载 app 看更多</p>"
    )
    html_out, image, text = article_body(body, URL, ())
    assert html_out == "<p>　　正文一段。</p>"
    assert image == ""
    assert text == "正文一段。"


def id_queries(page: Selector) -> list[str]:
    """`#id` and `tag#id` queries for every id on the page, with right and wrong tags."""
    ids = {
        value for value in page.xpath("//@id").getall() if re.fullmatch(r"[A-Za-z_][\w-]*", value)
    }
    tags = {element.tag for element in page.root.iter() if isinstance(element.tag, str)}
    return sorted(f"{tag}#{name}" for name in ids for tag in ["", "div", "span", *sorted(tags)[:3]])


def first_path(found: Any) -> str:
    """Where the first element found sits in its page ("" for none)."""
    node = found if found is None or isinstance(found, Selector) else next(iter(found), None)
    return "" if node is None else str(node.root.getroottree().getpath(node.root))


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_id_lookup_finds_what_the_css_query_finds_on_every_saved_page(page: Path) -> None:
    selector = Selector(text=page.read_text(encoding="utf-8", errors="replace"))
    queries = [*id_queries(selector), "#absent", "div#absent", "h1.main-title", "#a > b"]
    for query in queries:
        assert first_path(first_match(selector, query)) == first_path(selector.css(query)), query


def test_id_lookup_on_duplicate_ids_anchors_and_other_tags() -> None:
    page = Selector(
        text='<html><body><a name="body">anchor</a><p id="body">first</p><div id="body">second'
        '</div><span id="one">x</span><div id="One">y</div><div><p id="inner">z</p></div>'
        "</body></html>"
    )
    for query in ("#body", "div#body", "p#body", "span#body", "#one", "div#one", "#One", "#inner"):
        assert first_path(first_match(page, query)) == first_path(page.css(query)), query
    found = first_match(page, "div#body")
    assert found is not None and found.root.text == "second"
    # libxml2 files `<a name>` in its id table too: the anchor is found, and not taken.
    assert first_match(page, "#body").root.tag == "p"  # type: ignore[union-attr]


def test_id_lookup_stays_inside_the_node_it_is_asked_of() -> None:
    # The id table is the whole page's: below the page's root the CSS query runs.
    page = Selector(text='<html><body><p id="out">x</p><div><p id="in">y</p></div></body></html>')
    inner = page.css("div")[0]
    assert first_match(inner, "#out") is None
    assert first_match(inner, "#in") is not None


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_texts_are_what_parsel_returns_for_text_queries(page: Path) -> None:
    selector = Selector(text=page.read_text(encoding="utf-8", errors="replace"))
    nodes = [selector, *selector.css("p, div")[:40]]
    for node in nodes:
        for query in ("::text", "p ::text", "h1 ::text"):
            assert texts(node, query) == node.css(query).getall(), query


def page_variants(page: bytes) -> list[bytes]:
    """A page as saved, and with what could make its bytes and its text parse apart."""
    return [
        page,
        b" \n\t" + page + b"\r\n\n",
        b"\xef\xbb\xbf" + page,  # a BOM
        # White space the text's strip takes and the bytes' does not, where it is read.
        "\u3000".encode() + page,
        b"\x1c" + page,
        page.replace(b"</body>", b"").replace(b"</html>", b"") + "\u3000".encode(),
        page.replace(b"</body>", b"").replace(b"</html>", b"") + b"\x1f",
        b"\x00 " + page + b" \x00",  # NULs, removed after the text is stripped
        page.replace(b"<title>", b"<title>\x00"),
        page.replace(b"<title>", b"<title>\xff\xed\xa0\x80\xe4\xb8"),  # not UTF-8
        b"<?xml version='1.0' encoding='utf-8'?>" + page,
    ]


CHARSETS = [
    {},
    {"Content-Type": "text/html; charset=utf-8"},
    {"Content-Type": "text/html; charset=gbk"},
    {"Content-Type": "text/html; charset=latin-1"},
]


def same_tree(ours: Selector, reference: Selector) -> bool:
    """Tell whether two page selectors hold the same document, of the same kind."""
    return (
        ours.type == reference.type
        and type(ours.root) is type(reference.root)
        and etree.tostring(ours.root) == etree.tostring(reference.root)
    )


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_a_page_parsed_from_its_bytes_is_the_page_parsed_from_its_text(page: Path) -> None:
    for body in page_variants(page.read_bytes()):
        for headers in CHARSETS:
            response = HtmlResponse(url=URL, body=body, headers=headers)
            for decoded in (response, response.replace(encoding="utf-8")):
                assert same_tree(page_selector(decoded), Selector(text=decoded.text)), headers


@pytest.mark.parametrize(
    "body", [b"", b"  ", b"text only", b"<p>unclosed", b'{"json": 1}', "<p>中文</p>".encode("gbk")]
)
def test_a_page_that_is_hardly_a_page_is_parsed_as_its_text_is(body: bytes) -> None:
    response = HtmlResponse(url=URL, body=body, headers={"Content-Type": "text/html"})
    ours, reference = page_selector(response), Selector(text=response.text)
    if reference.type == "json":
        assert (ours.type, ours.root) == (reference.type, reference.root)
    else:
        assert same_tree(ours, reference)


def test_a_utf8_page_is_parsed_from_its_bytes_without_decoding_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_text(response: TextResponse) -> str:
        raise AssertionError("decoded")

    page = (
        FIXTURES / "sites" / "sina" / "finance-roll-2018-12-28-doc-ihqfskcn2160999.html"
    ).read_bytes()
    response = HtmlResponse(url=URL, body=page, encoding="utf-8")
    monkeypatch.setattr(TextResponse, "text", property(no_text))
    assert page_selector(response).css("h1.main-title::text").get()


# Every query the profiles declare, and shapes the attribute-axis rewrite must leave alone
# or get right: chained classes, pseudo-classes, sibling combinators, ids below classes.
PROFILE_QUERIES = sorted(
    {
        query
        for site in all_sites()
        for name in ("TITLE", "BODY", "DATE_TEXT", "SOURCE", "EDITOR")
        for query in getattr(site, name, ())
    }
    | {".a.b", ".a:first-child", ".x > .y", ".x ~ .y", ".x + p", ".x #y", "div .x", "#y > .x"}
)
CORPUS_PAGES = sorted((FIXTURES / "corpus").glob("*/*.html"))


@pytest.mark.parametrize("page", PAGES + CORPUS_PAGES, ids=lambda page: page.stem)
def test_profile_queries_find_what_parsel_finds_before_and_after_a_miss(page: Path) -> None:
    selector = Selector(text=page.read_text(encoding="utf-8", errors="replace"))
    for query in PROFILE_QUERIES:  # the first miss makes the page's names known
        assert first_path(first_match(selector, query)) == first_path(selector.css(query)), query
    first_match(selector, ".no-such-class-anywhere")
    for query in PROFILE_QUERIES:
        assert first_path(first_match(selector, query)) == first_path(selector.css(query)), query


def test_class_and_id_tests_read_white_space_and_case_as_css_does() -> None:
    page = Selector(
        text='<html><body><p class="a\tb">1</p><p class=" A ">2</p><div id="i d">3</div>'
        '<span class="ab">4</span><div id="Y"><b class="x">5</b></div><i class="x">6</i>'
        # U+3000 is no white space to CSS: `u\u3000v` is one class, not `u` and `v`.
        '<em class="u\u3000v">7</em></body></html>'
    )
    first_match(page, ".missing")  # names known from here on
    queries = (".a", ".b", ".A", ".ab", "#Y > .x", ".x", "#y", "b.x", ".a.b", "p.b", "#i", "#i d")
    for query in (*queries, ".u", ".v", ".u\u3000v", "em.u\u3000v"):
        assert first_path(first_match(page, query)) == first_path(page.css(query)), query
    assert first_match(page, ".b").root.text == "1"  # type: ignore[union-attr]
    assert first_match(page, ".u\u3000v").root.text == "7"  # type: ignore[union-attr]
    assert first_match(page, "#Y > .x").root.text == "5"  # type: ignore[union-attr]


# Chains of compounds that cssselect walks holder first: headings, classes and ids as the
# subject, holders that nest in each other, negations, positional tests on the subject.
CHAIN_QUERIES = (
    "div h1", "div > h1", "div div h2", ".a .b", ".a > .b", "div.a > p.b", ".a div > .b h2",
    "#y .x", ".x #y", "p:not(.a) h2", "div h1:first-child", ".a .b:not(.c)", "body > div h1",
)  # fmt: skip


def all_paths(found: list[Any]) -> list[str]:
    """Where each element found sits in its page, in the order found."""
    return [str(node.getroottree().getpath(node)) for node in found]


@pytest.mark.parametrize("page", PAGES + CORPUS_PAGES, ids=lambda page: page.stem)
def test_subject_first_queries_find_every_element_cssselect_finds(page: Path) -> None:
    selector = Selector(text=page.read_text(encoding="utf-8", errors="replace"))
    rewritten = [q for q in (*PROFILE_QUERIES, *CHAIN_QUERIES) if subject_first_xpath(q)]
    assert len(rewritten) > len(CHAIN_QUERIES)  # the profiles' chains are among them
    for query in rewritten:
        found = etree.XPath(cast(str, subject_first_xpath(query)))(selector.root)
        assert all_paths(cast(list[Any], found)) == all_paths(
            [node.root for node in selector.css(query)]
        ), query


SUBJECTS = st.sampled_from(["h2", "p.a", ".b", "#y", "*.a", "div.b", "h2:first-child"])
HOLDERS = st.sampled_from(["div", "p", ".a", ".b", "#y", "div.a", "*", "p:not(.a)"])
CHAINS = st.builds(
    lambda holders, subject: "".join(f"{h} {c} " for h, c in holders) + subject,
    st.lists(st.tuples(HOLDERS, st.sampled_from([">", ""])), min_size=1, max_size=3),
    SUBJECTS,
)
NESTED = st.recursive(
    st.sampled_from(["", "t", "<br>"]),
    lambda children: st.builds(
        lambda tag, attributes, inner: f"<{tag}{attributes}>{''.join(inner)}</{tag}>",
        st.sampled_from(["div", "p", "h2", "span"]),
        st.sampled_from(["", ' class="a"', ' class="b"', ' class="a b"', ' id="y"']),
        st.lists(children, max_size=3),
    ),
    max_leaves=16,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NESTED, max_size=4).map("".join), CHAINS)
def test_a_chain_tested_from_its_subject_finds_what_cssselect_finds(body: str, css: str) -> None:
    selector = Selector(text=f"<html><body>{body}</body></html>")
    xpath = subject_first_xpath(css)
    assert xpath is not None, css  # every subject generated is a heading, a class or an id
    found = cast(list[Any], etree.XPath(xpath)(selector.root))
    assert all_paths(found) == all_paths([node.root for node in selector.css(css)]), css


def test_cssselects_xpath_is_kept_where_the_subject_is_common_or_the_chain_looks_aside() -> None:
    kept = ("h1", ".a", "div p", ".a *", ".a a", ".a + .b", ".a ~ h1", "div h1 + p",
            ".a h1::text", "div, .b h1", ".a p:not(.b)", ".a :first-of-type",
            "div [id=y]")  # fmt: skip
    for css in kept:
        assert subject_first_xpath(css) is None, css
    assert subject_first_xpath(".a h1") == (
        "descendant-or-self::h1[ancestor::*/@class[contains(., 'a') and "
        "contains(concat(' ', normalize-space(.), ' '), ' a ')]/..]"
    )


BOILERPLATE_QUERIES = sorted({css for selectors in SITE_SELECTORS for css in selectors})


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.stem)
def test_attribute_axis_steps_find_every_element_the_plain_query_finds(page: Path) -> None:
    root = Selector(text=page.read_text(encoding="utf-8", errors="replace")).root
    translator = LxmlTranslator()
    queries = [*PROFILE_QUERIES, *BOILERPLATE_QUERIES, "[class*='a']", "[id^='a']", "#a, .b"]
    plain = " | ".join(translator.css_to_xpath(css) for css in queries)
    for xpath in [translator.css_to_xpath(css) for css in queries] + [plain]:
        rewritten = attribute_axis_xpath(xpath)
        assert etree.XPath(rewritten)(root) == etree.XPath(xpath)(root), xpath
    assert attribute_axis_xpath(plain) != plain  # the rewrite took place
