"""Helpers shared by site parsers: first matching text, meta tags, script values, body nodes."""

from __future__ import annotations

import functools
import re
import weakref
from typing import cast

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from scrapy.http import TextResponse
from w3lib.encoding import http_content_type_encoding

from crawler.common.css import class_tokens, needs, subject_first_xpath
from crawler.common.html import attribute_axis_xpath
from crawler.common.text import squash
from crawler.sites.base import ExtractionError

# `#id` and `tag#id`: libxml2 keeps a page's ids in a table, so XPath's `id()` finds the
# element at once, where the CSS query visits every element of the page.
_ID_SELECTOR = re.compile(r"^([a-z][a-z0-9]*)?#(-?[A-Za-z_][\w-]*)$")


def page_selector(response: TextResponse) -> Selector:
    """Return what `Selector(text=response.text)` returns, parsing a UTF-8 page from its bytes.

    parsel encodes the text it is given back to UTF-8 to parse it: for a page that is UTF-8
    that gives back the page's own bytes, so decoding them first only costs time. They go to
    parsel as they are when that is sure to build the same tree: the page is read as UTF-8,
    starts with `<` and ends with `>` once its ASCII white space is stripped (so it has no
    BOM, stripping the text of any white space strips the same, and NULs, which parsel
    removes, are not where that would matter), and it is no XML document (which the text
    would be parsed as). Bytes that are not valid UTF-8 are decoded, replacement characters
    and all, as the text is: parsel does that when libxml2 reports them. Any other page is
    decoded.
    """
    page = response.body.strip()
    if (
        page[:1] == b"<"
        and page[-1:] == b">"
        and not page.startswith(b"<?xml")
        and _is_utf8(response.encoding)
    ):
        return Selector(body=page, encoding="utf-8", type="html")
    return Selector(text=response.text)


@functools.lru_cache(maxsize=64)
def _is_utf8(encoding: str) -> bool:
    """Tell whether the text of a response in this encoding is its bytes decoded as UTF-8."""
    # How TextResponse.text reads its encoding (w3lib's html_to_unicode of `charset=…`).
    return http_content_type_encoding(f"charset={encoding}") == "utf-8"


# A profile asks every page the same queries: compiled once here, where `selector.css`
# would compile each one's XPath again on every call and wrap every match in a Selector.
_BY_ID = etree.XPath("id($name)")


@functools.lru_cache(maxsize=512)
def _element_query(css: str, whole_tree: bool) -> etree.XPath:
    """Compile a CSS query for elements to XPath once, as parsel translates it; for a whole
    tree, from the subject up where that finds the same and looks at fewer elements."""
    subject_first = subject_first_xpath(css) if whole_tree else None
    return etree.XPath(subject_first or attribute_axis_xpath(HTMLTranslator().css_to_xpath(css)))


_CLASS_VALUES = etree.XPath("//@class", smart_strings=False)
# A page's class tokens, read after its first query that found nothing: a profile that knows
# several templates asks a page of an older one for the newer ones' classes first, and
# each of those queries would walk the whole page to find nothing.
_PAGE_CLASSES: weakref.WeakKeyDictionary[Selector, frozenset[str]] = weakref.WeakKeyDictionary()


def _cannot_match(selector: Selector, query: str) -> bool:
    """Tell whether a query asks for an id the page has nowhere, or a class (after a miss)."""
    wanted = needs(query)
    # The id table holds every id of the page (the first element of each): a lookup each,
    # where reading all the ids would walk the whole page.
    if any(not _BY_ID(selector.root, name=name) for name in wanted.ids):
        return True
    known = _PAGE_CLASSES.get(selector)
    return known is not None and not wanted.classes <= known


def _remember_names(selector: Selector) -> None:
    """Read the page's class tokens once, for `_cannot_match`."""
    if selector not in _PAGE_CLASSES and selector.root.getparent() is None:
        _PAGE_CLASSES[selector] = class_tokens(cast(list[str], _CLASS_VALUES(selector.root)))


def _first_css(selector: Selector, query: str) -> Selector | None:
    """Return the first element `selector.css(query)` finds, wrapped as parsel wraps it."""
    if _cannot_match(selector, query):
        return None
    root = selector.root
    found = cast(list[object], _element_query(query, root.getparent() is None)(root))
    if not found:
        _remember_names(selector)
        return None
    if not isinstance(found[0], etree._Element):  # a text or attribute query: parsel's way
        return next(iter(selector.css(query)), None)
    return Selector(root=found[0], type="html")


def first_match(selector: Selector, query: str) -> Selector | None:
    """Return the first element `selector.css(query)` finds; `#id` looked up in the id table."""
    match = _ID_SELECTOR.match(query)
    if match is None or selector.root.getparent() is not None:  # not a whole page
        return _first_css(selector, query)
    tag, name = match.groups()
    found = cast(list[etree._Element], _BY_ID(selector.root, name=name))
    # The table holds the first element with each id; when that one is not the tag asked
    # for, a later one may be, and only the CSS query can tell.
    if found and (found[0].get("id") != name or (tag and found[0].tag != tag)):
        return _first_css(selector, query)
    return Selector(root=found[0], type="html") if found else None


@functools.lru_cache(maxsize=256)
def _text_query(css: str) -> etree.XPath:
    """Compile a `… ::text` CSS query to XPath once, as parsel translates it."""
    return etree.XPath(HTMLTranslator().css_to_xpath(css), smart_strings=False)


def texts(node: Selector, css: str) -> list[str]:
    """Return what `node.css(css).getall()` returns for a `::text` query, as plain strings.

    parsel would wrap each text node in a Selector first: hundreds for a long article.
    """
    return cast(list[str], _text_query(css)(node.root))


def first_text(selector: Selector, *css: str) -> str:
    """Return the squashed text of the first selector in `css` that matches something."""
    for query in css:
        found = first_match(selector, query)
        if found is not None:
            text = squash(" ".join(texts(found, "::text")))
            if text:
                return text
    return ""


# Each page's `<meta>` tags, read once: a parser asks for several, and every CSS query for
# one would scan the whole page again. Kept only as long as the page's selector lives.
_META_TAGS: weakref.WeakKeyDictionary[Selector, dict[str, str]] = weakref.WeakKeyDictionary()


def meta_tags(selector: Selector) -> dict[str, str]:
    """Map each `property` and `name` of the `<meta>` tags to its content; the first one wins.

    What `meta[property="…"]::attr(content), meta[name="…"]::attr(content)` finds first,
    for every name at once: tags without `content` are skipped, as the query skips them.
    """
    tags: dict[str, str] = {}
    for tag in selector.root.iter("meta"):
        content = tag.get("content")
        if content is not None:
            for key in (tag.get("property"), tag.get("name")):
                if key is not None:
                    tags.setdefault(key, content)
    return tags


def meta(selector: Selector, name: str) -> str:
    """Return a `<meta>` tag's content, looked up by `property` or `name`."""
    tags = _META_TAGS.get(selector)
    if tags is None:
        tags = _META_TAGS[selector] = meta_tags(selector)
    return tags.get(name, "").strip()


_SCRIPT_TEXTS = etree.XPath("//script/text()", smart_strings=False)


def script_value(selector: Selector, name: str) -> str:
    """Return what a page's script assigns to `name` (`var name = '…'`, `name: '…'`, digits)."""
    for script in cast(list[str], _SCRIPT_TEXTS(selector.root)):
        match = _first_assignment(script, name)
        if match:
            return (match.group(2) if match.group(1) else match.group(3)).strip()
    return ""


_WORD = re.compile(r"\w")


@functools.lru_cache(maxsize=64)
def _assignment(name: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(name)}\s*[:=]\s*(?:(['\"])(.*?)\1|(\d+))")


def _first_assignment(script: str, name: str) -> re.Match[str] | None:
    """Return what a search of `script` for `\\bname = …` finds.

    The name is searched for as it is, then the word boundary before it checked: a search
    that opens with a literal skips to where it occurs, where one that opens with `\\b`
    tries every character of a page's scripts (100 KB on a WeChat page).
    """
    pattern = _assignment(name)
    opens_a_word = _WORD.match(name) is not None
    match = pattern.search(script)
    while match is not None and opens_a_word == (
        match.start() > 0 and _WORD.match(script, match.start() - 1) is not None
    ):
        match = pattern.search(script, match.start() + 1)
    return match


def article_body(selector: Selector, *css: str) -> Selector:
    """Return the first element one of `css` matches: the article body container.

    Raises ExtractionError when none matches, which means the page is not an article page.
    """
    for query in css:
        found = first_match(selector, query)
        if found is not None:
            return found
    raise ExtractionError(f"no article body ({', '.join(css)}): not an article page?")


# What lxml's serializer escapes in text (checked over all of Unicode in the tests).
_ESCAPED_IN_TEXT = re.compile("[&<>]")


def inner_html(node: Selector) -> str:
    """Return the serialized children (elements, text and comments) of a node.

    What `"".join(node.xpath("node()").getall())` returns, without a selector per child:
    text as it is, elements and comments written as parsel writes them.
    """
    element = node.root
    own_text = (element.text or "") + "".join(child.tail or "" for child in element)
    if not _ESCAPED_IN_TEXT.search(own_text):
        # The node written whole holds its children written one by one, between its own
        # tags: one call instead of one a child (a long article has hundreds of them).
        whole = etree.tostring(element, method="html", encoding="unicode", with_tail=False)
        end = f"</{element.tag}>"  # an empty `<li>` is written without it: then no shortcut
        if whole.endswith(end):
            # The serializer writes `>` in attribute values as `&gt;` (checked in the tests).
            return whole[whole.index(">") + 1 : -len(end)]
    return (element.text or "") + "".join(
        etree.tostring(child, method="html", encoding="unicode", with_tail=False)
        + (child.tail or "")
        for child in element
    )
