"""Removing boilerplate: what the site wraps around the article.

Stages of `remove_boilerplate` (the body pipeline runs them on its tree), in order:
- `remove_selected`: the site's declared selectors plus the generic ones below;
- `remove_boilerplate_lines`: short blocks that read as an editor line, a byline, a disclaimer,
  a share bar, a site footer line (版权所有, ICP, 举报), a related list's heading or an
  app/QR-code promotion; and related-reading lines, blocks or runs between blocks (a
  heading, then only links);
- `remove_empty_blocks`: blocks left with no text and no media (video/chart placeholders).
"""

from __future__ import annotations

import functools
import re
from typing import cast

import cssselect
from lxml import etree
from lxml.cssselect import CSSSelector, LxmlTranslator

from crawler.common.css import class_tokens, needs, one_selector
from crawler.common.html import (
    ASCII_SPACE,
    attribute_axis_xpath,
    blocks_of,
    holding,
    innermost_blocks,
    is_block,
    parse_fragment,
    serialize_fragment,
    text_of,
)
from crawler.common.text import squash

# Selectors that mark boilerplate on any site; each site adds its own (`Site.boilerplate`).
GENERIC_SELECTORS = (
    "[class*='qrcode']",
    "[class*='erweima']",
    "[id*='qrcode']",
    "[class~='article-editor']",
)

# Blocks that open like an editor line, a byline, a disclaimer or a share bar, checked on
# blocks of at most BOILERPLATE_LINE_MAX_CHARS so an article paragraph that merely mentions
# them stays.
BOILERPLATE_LINES = re.compile(
    r"^[(（\[【]?\s*(?:责任编辑|编辑|责编|免责声明|本文来源)\s*(?:[:：]|[】\]）)])"
    r"|^本文来源于"  # 本文来源于《财经网》 2012年01月12日 19:13 我要评论（0）
    # A portal's reprint disclaimer (声明：新浪网登载此文出于传递更多信息之目的，…) and a
    # platform's (特别声明：以上内容…本平台仅提供信息存储服务).
    r"|^声明\s*[:：].{0,20}(?:登载|转载|刊载)"
    r"|^[“\"]?(?:特别|平台|版权)声明\s*[:：]"
    r"|^分享到\s*[:：]"  # a share bar (分享到: 新浪微博 MSN … 我要评论)
    r"|^版权所有"  # a site's footer line
    # A dealer's listing under a syndicated 行情 article ([参考价格] 5400元 [商家名称] …
    # [联系方式] …): an advertisement (both corpus references of such pages leave it out).
    r"|^\[参考价格\]"
)
BOILERPLATE_LINE_MAX_CHARS = 200
# A site's footer lines (京ICP证030173号, 违法和不良信息举报电话：12377), on blocks of at most
# BOILERPLATE_LINE_MAX_CHARS that end no sentence: an article's paragraph may tell of a
# hotline (…省高院向社会公布了录音举报电话…。, legaldaily-69bd3a917f) and stays.
FOOTER_LINES = re.compile(r"ICP备|ICP证|违法和不良信息举报|举报电话")
# What closes or heads the text without being it, only on blocks of at most
# SHORT_LINE_MAX_CHARS: an editor in brackets at the end (…（新民网编辑：刘景）), a dateline
# naming the editor (… | 责任编辑: 夏欣 | 来源：…), a related list's heading, a lone
# 声明：, 关键字：, 返回首页.
SHORT_LINES = re.compile(
    r"[(（【\[]\s*(?:责任)?(?:[\u4e00-\u9fff]{0,4})编辑\s*[:：][^)）】\]]{1,20}[)）】\]]\s*$"
    r"|\|\s*责任编辑\s*[:：]"
    r"|^>?\s*(?:没有)?(?:本文)?(?:相关新闻|相关阅读|相关文章|相关专题|相关推荐|推荐阅读|延伸阅读|往期推荐|往期回顾)"
    r"\s*[:：]?(?:<<<|$)"
    # A byline: the time, then the source or the font-size buttons (after the site's URL).
    r"|^(?:https?://\S+)?\s*\d{4}[-年./]\d{1,2}[-月./]\d{1,2}日?\s*\d{1,2}[:：]\d{2}.{0,40}(?:来源|字号)"
    r"|^(?:版权)?声明\s*[:：]?$|^关键[字词]\s*[:：]|^返回.{0,10}首页\W*$"
)
SHORT_LINE_MAX_CHARS = 80
# App and QR-code promotions: only on short blocks (PROMOTION_MAX_CHARS), since news may
# well tell readers to scan a code or download a bank's app.
PROMOTIONS = re.compile(
    r"扫描二维码|扫码下载|长按识别二维码|^(?:下载|打开).{0,10}APP|尽在.{0,10}APP\W*$"
    r"|新闻客户端|客户端下载",
    re.IGNORECASE,
)
PROMOTION_MAX_CHARS = 60

# A related-reading line: its heading (推荐阅读：, 相关链接：, 往期推荐), the rest of its
# text links to other articles (推荐阅读：<a>绥德交警：8月1日起…</a>, a WeChat page's last
# line). Matched on the block's text outside its links, so a paragraph that merely starts so
# stays.
RELATED_LINKS_HEADING = re.compile(
    r"^[■●>]?\s*(?:推荐阅读|相关阅读|延伸阅读|相关新闻|相关文章|相关链接|往期推荐|往期回顾)"
    r"\s*[:：]?[\s|｜/・·、,，]*$"
)
RELATED_LINKS_WORDS = re.compile("推荐阅读|相关|延伸阅读|往期")  # each heading holds one
_TEXT_OUTSIDE_LINKS = etree.XPath(".//text()[not(ancestor::a)]", smart_strings=False)

# Every block that a rule can remove holds one of these words (the rules' literal parts):
# a body without any is left alone without judging its blocks one by one.
MAY_BE_BOILERPLATE = re.compile(
    "二维码|下载|APP|编辑|责编|声明|本文来源|分享到|版权所有|ICP|举报|相关|推荐阅读|延伸阅读"
    "|关键|首页|客户端|来源|字号|参考价格|往期",
    re.IGNORECASE,
)

MEDIA_TAGS = ("img", "video", "audio", "picture", "svg", "table", "hr")
# Kept even when empty: a table part (removing a cell would shift the others) and a rule.
KEPT_WHEN_EMPTY = ("td", "th", "tr", "tbody", "thead", "tfoot", "hr")


def _text(element: etree._Element) -> str:
    return squash(text_of(element))


def _has_text(element: etree._Element) -> bool:
    """Tell whether `_text(element)` would be non-empty."""
    text = text_of(element)
    return bool(text) and not text.isspace()


@functools.lru_cache(maxsize=256)
def _compiled(selector: str) -> CSSSelector:
    """Compile a CSS selector once: every article of a site uses the same few."""
    return CSSSelector(selector)


def remove_selected(root: etree._Element, selectors: tuple[str, ...]) -> None:
    """Remove every element that one of the CSS selectors matches, selector by selector."""
    # Removing in document order instead would move tail text differently (`_drop` keeps
    # only a tail with visible text), so the order stays selector by selector.
    selectors = _possible(root, selectors)
    plan = _selection(selectors)
    if plan is None:
        for selector in selectors:
            for element in _compiled(selector)(root):
                _drop(element)
        return
    # Selectors that look at an element alone (tag, id, class, attributes) match the same
    # elements before and after others are removed: one query finds them all, and each
    # selector takes its own from those. An element inside one removed before is out of
    # the tree already, and removing it again changes nothing in the tree.
    everything, tests = plan
    found = everything(root)
    if found:
        for matches in tests:
            for element in found:
                if matches(element):
                    _drop(element)


_CLASS_VALUES = etree.XPath("descendant-or-self::*/@class", smart_strings=False)
_ID_VALUES = etree.XPath("descendant-or-self::*/@id", smart_strings=False)


def _possible(root: etree._Element, selectors: tuple[str, ...]) -> tuple[str, ...]:
    """Return the selectors that may match in the tree: it holds every name each one needs.

    Most of a site's selectors are for furniture that a given article does not have; each
    would walk the whole body to find nothing. Removing elements adds no name, so what the
    tree lacks before the first removal it lacks after.
    """
    classes = cast(list[str], _CLASS_VALUES(root))
    ids = cast(list[str], _ID_VALUES(root))
    class_text, id_text = " ".join(classes), " ".join(ids)
    tokens, id_set = class_tokens(classes), frozenset(ids)
    return tuple(
        css
        for css in selectors
        if (wanted := needs(css)).classes <= tokens
        and wanted.ids <= id_set
        and all(text in class_text for text in wanted.class_text)
        and all(text in id_text for text in wanted.id_text)
    )


@functools.lru_cache(maxsize=256)
def _selection(selectors: tuple[str, ...]) -> tuple[etree.XPath, list[etree.XPath]] | None:
    """One query for what all the selectors match, and a test for each; None if one of
    them looks beyond the element (combinators, pseudo-classes)."""
    if not selectors or not all(_looks_at_the_element_alone(css) for css in selectors):
        return None
    translator = LxmlTranslator()
    everything = attribute_axis_xpath(" | ".join(translator.css_to_xpath(css) for css in selectors))
    tests = [etree.XPath(f"boolean({translator.css_to_xpath(css, prefix='self::')})")
             for css in selectors]  # fmt: skip
    return etree.XPath(everything), tests


_ELEMENT_CONDITIONS = (cssselect.parser.Class, cssselect.parser.Hash, cssselect.parser.Attrib)


def _looks_at_the_element_alone(css: str) -> bool:
    """Tell whether a CSS selector is one compound of a tag, ids, classes and attributes."""
    node = one_selector(css)
    while isinstance(node, _ELEMENT_CONDITIONS):
        node = node.selector
    return isinstance(node, cssselect.parser.Element)


def remove_boilerplate_lines(root: etree._Element) -> None:
    """Remove short blocks that are editor lines, disclaimers or app/QR promotions, and
    related-reading runs between blocks.

    Only innermost blocks are judged, so a wrapper around a short article is never taken
    for the promotion at its end.
    """
    whole = text_of(root)
    if not MAY_BE_BOILERPLATE.search(whole):
        return
    for element in innermost_blocks(root):
        raw = text_of(element)
        if element.getparent() is None or not MAY_BE_BOILERPLATE.search(raw):
            continue
        text = squash(raw)
        if len(text) <= PROMOTION_MAX_CHARS and PROMOTIONS.search(text):
            # The QR code or app icon usually sits in an image-only block just before.
            previous = element.getprevious()
            if previous is not None and is_block(previous) and not _has_text(previous):
                _drop(previous)
            _drop(element)
        elif _is_boilerplate_line(element, text):
            _drop(element)
    # Read before any block went: removing blocks adds no word, so it still tells.
    if RELATED_LINKS_WORDS.search(whole):
        _remove_related_link_runs(root)


def _remove_related_link_runs(root: etree._Element) -> None:
    """Remove related-reading runs: in a block, between two of its blocks, a heading, then
    only links (`<b>■相关链接：</b><br><a>・…</a><br><a>・…</a>`, people.com.cn)."""
    # A run holds a link among the block's own children: only those blocks are read.
    holders = {link.getparent() for link in root.iter("a")}
    for block in [block for block in blocks_of(root) if block in holders]:
        run: list[etree._Element] = []
        for child in [*block, None]:
            if child is not None and not is_block(child):
                run.append(child)
                continue
            if any(node.tag == "a" for node in run) and _is_related_run(block, run):
                before = run[0].getprevious()
                for element in run:
                    block.remove(element)  # their tails go with them: only separators
                if before is None:
                    block.text = None
                else:
                    before.tail = None
            run = []


def _is_related_run(block: etree._Element, run: list[etree._Element]) -> bool:
    """Tell whether a run of a block's inline nodes, with the text before it, is a heading
    and links."""
    before = run[0].getprevious()
    outside = [(block.text if before is None else before.tail) or ""]
    for element in run:
        if element.tag != "a":
            outside += cast(list[str], _TEXT_OUTSIDE_LINKS(element))
        outside.append(element.tail or "")
    return _heads_links(outside, [link for node in run for link in node.iter("a")])


def _is_boilerplate_line(element: etree._Element, text: str) -> bool:
    """Tell whether a block with this (squashed) text is an editor line, a disclaimer, a
    footer line, a short closing or heading line, or a related-reading line."""
    if len(text) <= SHORT_LINE_MAX_CHARS and SHORT_LINES.search(text):
        return True
    return len(text) <= BOILERPLATE_LINE_MAX_CHARS and bool(
        BOILERPLATE_LINES.search(text)
        or (FOOTER_LINES.search(text) and "。" not in text)
        or _is_related_links(element)
    )


def _is_related_links(element: etree._Element) -> bool:
    """Tell whether a block is a related-reading line: a heading, then only links."""
    outside = cast(list[str], _TEXT_OUTSIDE_LINKS(element))
    return _heads_links(outside, list(element.iter("a")))


def _heads_links(outside: list[str], links: list[etree._Element]) -> bool:
    """Tell whether the text outside some links is a related-reading heading, and one of
    the links has text."""
    return RELATED_LINKS_HEADING.match(squash("".join(outside))) is not None and any(
        _has_text(link) for link in links
    )


def remove_empty_blocks(root: etree._Element) -> None:
    """Remove blocks with no text and no media, innermost first."""
    # Which blocks hold media is settled up front: removing blocks without any changes
    # neither that nor which blocks have text (a removed block's tail text stays).
    with_media = holding(root, list(root.iter(*MEDIA_TAGS)))
    for element in reversed(blocks_of(root)):
        if element is root or element.tag in KEPT_WHEN_EMPTY:
            continue
        if element.tag not in MEDIA_TAGS and element not in with_media and not _has_text(element):
            _drop(element)


def _drop(element: etree._Element) -> None:
    """Remove an element but keep its tail text in place (unless it is only white space).

    A block of the body's top level is written on a line of its own: when one goes from
    between two runs of text, the second still starts a line instead of being glued on.
    """
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    before = (parent.text if previous is None else previous.tail) or ""
    tail = element.tail if element.tail and element.tail.strip() else ""
    if (
        parent.getparent() is None  # the top level
        and is_block(element)
        and (before[-1] not in ASCII_SPACE if before else _is_inline(previous))
        and (tail[0] not in ASCII_SPACE if tail else _is_inline(element.getnext()))
    ):
        tail = "\n" + tail
    if tail:
        if previous is not None:
            previous.tail = before + tail
        else:
            parent.text = before + tail
    parent.remove(element)


def _is_inline(node: etree._Element | None) -> bool:
    """Tell whether a node is an element that is not a block: text runs on next to it."""
    return node is not None and isinstance(node.tag, str) and not is_block(node)


def strip_boilerplate(root: etree._Element, site_selectors: tuple[str, ...] = ()) -> None:
    """Run every boilerplate stage on a cleaned article body's tree, in place."""
    remove_selected(root, site_selectors + GENERIC_SELECTORS)
    remove_boilerplate_lines(root)
    remove_empty_blocks(root)


def remove_boilerplate(body_html: str, site_selectors: tuple[str, ...] = ()) -> str:
    """Run every boilerplate stage on a cleaned article body."""
    root = parse_fragment(body_html)
    strip_boilerplate(root, site_selectors)
    return serialize_fragment(root)
