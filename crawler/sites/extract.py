"""Helpers shared by site parsers: first matching text, meta tags, script values, dates, URLs."""

from __future__ import annotations

import functools
import re
import weakref
from datetime import UTC, datetime, timedelta, timezone
from typing import cast
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector, SelectorList
from parsel.csstranslator import HTMLTranslator

from crawler.sites.base import ExtractionError

# China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact and
# needs no tz database on the machine.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_CHINESE_DATETIME = re.compile(
    r"(?P<y>\d{4})\s*[年/.-]\s*(?P<m>\d{1,2})\s*[月/.-]\s*(?P<d>\d{1,2})\s*日?"
    r"\s*(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2}))?"
)

# The editor line many Chinese news sites print: `责任编辑：NAME`, `（责任编辑： CODE）`.
_EDITOR_LINE = re.compile(r"责任编辑\s*[:：]\s*([^\s()（）]+)")


def squash(text: str) -> str:
    """Collapse runs of whitespace (ideographic spaces included) into one space, trimmed."""
    return " ".join(text.split())


# `#id` and `tag#id`: libxml2 keeps a page's ids in a table, so XPath's `id()` finds the
# element at once, where the CSS query visits every element of the page.
_ID_SELECTOR = re.compile(r"^([a-z][a-z0-9]*)?#(-?[A-Za-z_][\w-]*)$")


def first_match(selector: Selector, query: str) -> Selector | None:
    """Return the first element `selector.css(query)` finds; `#id` looked up in the id table."""
    match = _ID_SELECTOR.match(query)
    if match is None or selector.root.getparent() is not None:  # not a whole page
        return next(iter(selector.css(query)), None)
    tag, name = match.groups()
    found: SelectorList[Selector] = selector.xpath("id($name)", name=name)
    # The table holds the first element with each id; when that one is not the tag asked
    # for, a later one may be, and only the CSS query can tell.
    if found and (found[0].root.get("id") != name or (tag and found[0].root.tag != tag)):
        return next(iter(selector.css(query)), None)
    return found[0] if found else None


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


def script_value(selector: Selector, name: str) -> str:
    """Return what a page's script assigns to `name` (`var name = '…'`, `name: '…'`, digits)."""
    assignment = re.compile(rf"\b{re.escape(name)}\s*[:=]\s*(?:(['\"])(.*?)\1|(\d+))")
    for script in selector.xpath("//script/text()").getall():
        match = assignment.search(script)
        if match:
            return (match.group(2) if match.group(1) else match.group(3)).strip()
    return ""


def split_keywords(text: str, separators: str = r"[,，]") -> list[str]:
    """Split a keywords list (a `<meta name="keywords">` value) into its words."""
    return [word.strip() for word in re.split(separators, text) if word.strip()]


def editor_name(text: str) -> str:
    """Return the name (or staff code) after `责任编辑：` in text, or an empty string."""
    match = _EDITOR_LINE.search(text)
    return match.group(1) if match else ""


def article_body(selector: Selector, *css: str) -> Selector:
    """Return the first element one of `css` matches: the article body container.

    Raises ExtractionError when none matches, which means the page is not an article page.
    """
    for query in css:
        found = first_match(selector, query)
        if found is not None:
            return found
    raise ExtractionError(f"no article body ({', '.join(css)}): not an article page?")


def inner_html(node: Selector) -> str:
    """Return the serialized children (elements, text and comments) of a node.

    What `"".join(node.xpath("node()").getall())` returns, without a selector per child:
    text as it is, elements and comments written as parsel writes them.
    """
    element = node.root
    return (element.text or "") + "".join(
        etree.tostring(child, method="html", encoding="unicode", with_tail=False)
        + (child.tail or "")
        for child in element
    )


def parse_iso_datetime(value: str) -> datetime | None:
    """Parse an ISO 8601 time; one without an offset is taken as Beijing time."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BEIJING)


def parse_local_datetime(text: str, tz: timezone = BEIJING) -> datetime | None:
    """Find a date and time such as `2019年09月09日 20:52` in text, in the site's time zone."""
    match = _CHINESE_DATETIME.search(text)
    if not match:
        return None
    parts = {key: int(value) for key, value in match.groupdict(default="0").items()}
    try:
        return datetime(
            parts["y"], parts["m"], parts["d"], parts["H"], parts["M"], parts["S"], tzinfo=tz
        )
    except ValueError:
        return None


def parse_epoch(value: object) -> datetime | None:
    """Parse epoch seconds given as a number or a string of digits."""
    try:
        seconds = int(str(value).strip())
    except ValueError:
        return None
    if seconds <= 0:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def absolute_url(url: str, base: str) -> str:
    """Make a URL absolute; protocol-relative URLs get `https:`; controls percent-encoded.

    Tabs and newlines are dropped and other control characters encoded, as browsers do.
    """
    url = _TAB_OR_NEWLINE.sub("", url).strip()
    url = _CONTROL.sub(lambda match: f"%{ord(match.group()):02X}", url)
    if url.startswith("//"):
        return "https:" + url
    return urljoin(base, url) if url else ""


def https_url(url: str, base: str) -> str:
    """Make a URL absolute and upgrade `http:` to `https:` (for lead images)."""
    url = absolute_url(url, base)
    return "https://" + url[len("http://") :] if url.startswith("http://") else url
