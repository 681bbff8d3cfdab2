"""Stage 2, boilerplate: remove what the site wraps around the article, pick the lead image.

Stages of `remove_boilerplate`, in order:
- `remove_selected`: the site's declared selectors plus the generic ones below;
- `remove_boilerplate_lines`: short blocks that read as an editor line, a disclaimer or an
  app/QR-code promotion;
- `remove_empty_blocks`: blocks left with no text and no media (video/chart placeholders).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from itemadapter import ItemAdapter
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from crawler.sites import site_named
from crawler.sites.extract import https_url
from pipelines.html import is_block, parse_fragment, serialize_fragment

# Selectors that mark boilerplate on any site; each site adds its own (`Site.boilerplate`).
GENERIC_SELECTORS = (
    "[class*='qrcode']",
    "[class*='erweima']",
    "[id*='qrcode']",
    "[class~='article-editor']",
)

# Blocks that open like an editor line or a disclaimer, checked on blocks of at most
# BOILERPLATE_LINE_MAX_CHARS so an article paragraph that merely mentions them stays.
BOILERPLATE_LINES = re.compile(
    r"^[(（\[【]?\s*(?:责任编辑|编辑|责编|免责声明)\s*(?:[:：]|[】\]）)])"
)
BOILERPLATE_LINE_MAX_CHARS = 200
# App and QR-code promotions: only on short blocks (PROMOTION_MAX_CHARS), since news may
# well tell readers to scan a code or download a bank's app.
PROMOTIONS = re.compile(
    r"扫描二维码|扫码下载|长按识别二维码|^(?:下载|打开).{0,10}APP|尽在.{0,10}APP\W*$",
    re.IGNORECASE,
)
PROMOTION_MAX_CHARS = 60

MEDIA_TAGS = ("img", "video", "audio", "picture", "svg", "table", "hr")


def _text(element: HtmlElement) -> str:
    return " ".join("".join(element.itertext()).split())


def _has_text(element: HtmlElement) -> bool:
    """Tell whether `_text(element)` would be non-empty, stopping at the first visible text."""
    return any(not piece.isspace() for piece in element.itertext() if piece)


@functools.lru_cache(maxsize=256)
def _compiled(selector: str) -> CSSSelector:
    """Compile a CSS selector once: every article of a site uses the same few."""
    return CSSSelector(selector)


def remove_selected(root: HtmlElement, selectors: tuple[str, ...]) -> None:
    """Remove every element that one of the CSS selectors matches."""
    for selector in selectors:
        for element in _compiled(selector)(root):
            _drop(element)


def remove_boilerplate_lines(root: HtmlElement) -> None:
    """Remove short blocks that are editor lines, disclaimers or app/QR promotions.

    Only innermost blocks are judged, so a wrapper around a short article is never taken
    for the promotion at its end.
    """
    for element in [e for e in root.iter() if is_block(e) and not _holds_blocks(e)]:
        text = _text(element)
        if element.getparent() is None:
            continue
        if len(text) <= PROMOTION_MAX_CHARS and PROMOTIONS.search(text):
            # The QR code or app icon usually sits in an image-only block just before.
            previous = element.getprevious()
            if previous is not None and is_block(previous) and not _has_text(previous):
                _drop(previous)
            _drop(element)
        elif len(text) <= BOILERPLATE_LINE_MAX_CHARS and BOILERPLATE_LINES.search(text):
            _drop(element)


def _holds_blocks(element: HtmlElement) -> bool:
    return any(is_block(inner) for inner in element.iterdescendants())


def remove_empty_blocks(root: HtmlElement) -> None:
    """Remove blocks with no text and no media, innermost first."""
    for element in reversed([e for e in root.iter() if e is not root and is_block(e)]):
        if element.tag in ("td", "th", "tr", "tbody", "thead", "tfoot", "hr"):
            continue
        if not _has_text(element) and next(element.iter(*MEDIA_TAGS), None) is None:
            _drop(element)


def _drop(element: HtmlElement) -> None:
    """Remove an element but keep its tail text in place."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def remove_boilerplate(body_html: str, site_selectors: tuple[str, ...] = ()) -> str:
    """Run every boilerplate stage on a cleaned article body."""
    root = parse_fragment(body_html)
    remove_selected(root, site_selectors + GENERIC_SELECTORS)
    remove_boilerplate_lines(root)
    remove_empty_blocks(root)
    return serialize_fragment(root)


def first_image(body_html: str, base_url: str) -> str:
    """Return the https URL of the body's first image, or an empty string."""
    for img in parse_fragment(body_html).iter("img"):
        src = img.get("src", "").strip()
        if src:
            return https_url(src, base_url)
    return ""


class BoilerplatePipeline:
    """Remove boilerplate from each article's body and settle its lead image."""

    def process_item(self, item: Any) -> Any:
        """Strip the site's and the generic boilerplate, then choose the lead image."""
        adapter = ItemAdapter(item)
        selectors = site_named(adapter["site_key"]).boilerplate if adapter["site_key"] else ()
        adapter["body_html"] = remove_boilerplate(adapter["body_html"], selectors)
        adapter["lead_image"] = (
            first_image(adapter["body_html"], adapter["url"]) or adapter["lead_image"]
        )
        return item
