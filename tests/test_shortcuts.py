"""The shortcuts taken for speed give exactly what the plain way gives."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from parsel import Selector

from crawler.archive.document import (
    EXTRA_FIELD_KEYS,
    article_identity,
    document_identity,
    format_article,
)
from crawler.common.html import has_text, parse_fragment, text_of
from crawler.items import Article
from crawler.sites.extract import _ESCAPED_IN_TEXT, inner_html, meta
from pipelines.boilerplate import _has_text, _text
from tests.documents import FIXTURES
from tests.test_hostile_values import ARTICLE  # the same sample article

PAGES = sorted(FIXTURES.glob("sites/*/*.html"))
TRICKY_PAGE = """<html><head>
<meta property="og:image"><meta name="og:image" content=" first ">
<meta property="og:image" content="second"><META NAME="Keywords" CONTENT="upper">
<meta property="both" name="keywords" content="both names"><meta name="empty" content="">
<meta name="empty" content="not first"><meta http-equiv="refresh" content="0">
</head><body><div id="body">lead <!-- a comment --><p>one &amp; <b>two</b></p> tail &lt;
<?php echo 1 ?><br>after<meta name="late" content="in body"></div></body></html>"""
NAMES = ("og:image", "keywords", "Keywords", "both", "empty", "late", "refresh", "absent", "")


def css_meta(selector: Selector, name: str) -> str:
    """The CSS query `meta()` answers without running it."""
    query = f'meta[property="{name}"]::attr(content), meta[name="{name}"]::attr(content)'
    return (selector.css(query).get() or "").strip()


def declared_names(selector: Selector) -> set[str]:
    """Every `property` and `name` value of the page's meta tags."""
    return set(selector.css("meta::attr(property), meta::attr(name)").getall())


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_meta_finds_what_the_css_query_finds_on_every_saved_page(page: Path) -> None:
    selector = Selector(text=page.read_text(encoding="utf-8", errors="replace"))
    for name in sorted(declared_names(selector)) + list(NAMES):
        assert meta(selector, name) == css_meta(selector, name), name


def test_meta_finds_what_the_css_query_finds_on_a_tricky_page() -> None:
    selector = Selector(text=TRICKY_PAGE)
    for name in NAMES:
        assert meta(selector, name) == css_meta(selector, name), name
    assert meta(selector, "og:image") == "first"


def test_inner_html_is_what_parsel_writes_for_each_child() -> None:
    selector = Selector(text=TRICKY_PAGE)
    for node in selector.xpath("//*"):
        assert inner_html(node) == "".join(node.xpath("node()").getall())


def test_inner_html_is_what_parsel_writes_for_empty_void_and_escaped_nodes() -> None:
    selector = Selector(
        text="<html><body><ul><li></li><li class='a'>x</li></ul><p>a &amp; b<br>c</p>"
        '<table><tr><td></td><td a="1 > 0">&lt;</td></tr></table><div><b>1</b>&gt;</div>'
        "<p><img src='a b.jpg' alt='\"q\"'><!-- c --></p><script>if (a < b) {}</script>"
        "<div id='x'><span></span>\xa0</div><dl><dt></dt><dd>d</dd></dl></body></html>"
    )
    for node in selector.xpath("//*"):
        assert inner_html(node) == "".join(node.xpath("node()").getall()), node.root.tag


def test_the_serializer_escapes_only_the_characters_inner_html_looks_for() -> None:
    element = etree.HTMLParser().makeelement("p")
    astral = range(0x10000, 0x110000, 97)
    escaped = []
    for code in [*range(1, 0xD800), *range(0xE000, 0x10000), *astral]:
        try:
            element.text = chr(code)
        except ValueError:  # a control character lxml will not take
            continue
        if etree.tostring(element, method="html", encoding="unicode") != f"<p>{chr(code)}</p>":
            escaped.append(chr(code))
    assert escaped == ["&", "<", ">"]
    assert all(_ESCAPED_IN_TEXT.match(character) for character in escaped)


def test_a_start_tag_written_by_the_serializer_ends_at_its_first_greater_than_sign() -> None:
    parser = etree.HTMLParser()
    tags = ("div", "a", "form", "td", "q")
    elements = [parser.makeelement(tag) for tag in tags]
    for element in elements:
        element.text = "t"
    astral = range(0x10000, 0x110000, 97)
    for code in [*range(1, 0xD800), *range(0xE000, 0x10000), *astral]:
        value = f"a{chr(code)}'\"b"  # both quotes: whichever the value is written in
        attributes = ("class", "href", "action", "title", "cite")
        for tag, element, attribute in zip(tags, elements, attributes, strict=True):
            try:
                element.set(attribute, value)
            except ValueError:  # a control character lxml will not take
                continue
            written = etree.tostring(element, method="html", encoding="unicode")
            assert written.index(">") == len(written) - len(f">t</{tag}>"), written


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_inner_html_of_every_body_element_is_what_parsel_writes(page: Path) -> None:
    selector = Selector(text=page.read_text(encoding="utf-8", errors="replace"))
    for node in selector.xpath("//body//*"):
        assert inner_html(node) == "".join(node.xpath("node()").getall())


# Bodies whose blocks hold nothing, only white space (ASCII, ideographic, no-break) or text.
BLANKISH_BODIES = (
    "",
    "<p> </p>",
    "<p>\u3000</p>",
    "<p>\xa0<b> </b></p>",
    "<p><br>a</p>",
    "<div>\n<p></p>\n</div>",
)


@pytest.mark.parametrize("body", BLANKISH_BODIES)
def test_has_text_tells_whether_the_squashed_text_is_empty(body: str) -> None:
    for element in parse_fragment(body).iter():
        assert _has_text(element) == bool(_text(element))


# What `has_text` answers without rewriting the body: is anything left of it once its tags,
# white space and `&nbsp;` are taken out?
_TAGS_AND_SPACE = re.compile(r"<[^>]*>|&nbsp;|\s")
BODY_PIECES = ["<p>", "</p>", "<br/>", '<img src="a.jpg">', "<!-- c -->", " ", "\n", "\u3000",
               "&nbsp;", "&amp;", "&", "a", "字", ">"]  # fmt: skip


@given(st.lists(st.sampled_from(BODY_PIECES), max_size=12))
def test_has_text_is_the_body_without_tags_and_space_being_non_empty(pieces: list[str]) -> None:
    body = "".join(pieces)
    assert has_text(body) == bool(_TAGS_AND_SPACE.sub("", body))


def joined_text_matches_on_every_element(root: etree._Element) -> None:
    """`text_of` of every element of a tree is what joining its `itertext()` gives."""
    for element in root.iter(etree.Element):
        assert text_of(element) == "".join(element.itertext()), etree.tostring(element)


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_text_of_every_element_is_its_joined_text(page: Path) -> None:
    joined_text_matches_on_every_element(etree.HTML(page.read_bytes()))


def test_text_of_leaves_out_comments_processing_instructions_and_the_tail() -> None:
    root = etree.HTML(TRICKY_PAGE)
    joined_text_matches_on_every_element(root)
    body = root.find(".//div")
    assert body is not None
    assert text_of(body) == "lead one & two tail <\nafter"


TEXT_PIECES = [*BODY_PIECES, "<b>", "</b>", "<script>", "</script>", "<?pi x?>", "\r", "\x00",
               "&#0;", "<![CDATA[c]]>", "<table><tr><td>", "\ud7ff", "\U0001f600"]  # fmt: skip


@given(st.lists(st.sampled_from(TEXT_PIECES), max_size=14))
def test_text_of_is_the_joined_text_of_any_body(pieces: list[str]) -> None:
    joined_text_matches_on_every_element(parse_fragment("".join(pieces)))


texts = st.text(max_size=60)
times = st.datetimes(
    min_value=datetime(1000, 1, 1), timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))])
)

articles = st.builds(
    dataclasses.replace,
    st.just(ARTICLE),
    title=texts,
    site=texts,
    categories=st.tuples(texts, texts, texts),
    published=times,
    lead_image=texts,
    doc_id=texts,
    media_source=texts,
    editor=texts,
)


@settings(max_examples=300, deadline=None)
@given(article=articles, extra=st.lists(st.sampled_from(sorted(EXTRA_FIELD_KEYS)), unique=True))
def test_article_identity_is_what_the_written_document_reads_back(
    article: Article, extra: list[str]
) -> None:
    document = format_article(article, tuple(extra))
    assert document_identity(document) == article_identity(article)
