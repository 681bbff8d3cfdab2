"""Cleaning a body: strip what is not article markup and make the body's URLs absolute.

Stages of `clean_html` (the body pipeline runs them on its tree), in order:
- `sanitize_html` (pipelines/sanitize.py): the nh3 allow-list, the security guarantee;
- `remove_unwanted_nodes`: comments, scripts, styles, frames, embeds, forms, meta and links;
- `remove_script_attributes`: `on*` handlers and `javascript:`-like URLs;
- `resolve_lazy_images`: `data-src` / `data-original` become `src`;
- `remove_images_without_source`: what is left of an image with no usable URL;
- `absolutize_urls`: `img@src` and `a@href` made absolute;
- `mark_images_no_referrer`: every image gets `referrerpolicy="no-referrer"`.
"""

from __future__ import annotations

import re

from lxml import etree

from crawler.common.html import absolutize_urls, drop_tree, parse_fragment, serialize_fragment
from pipelines.sanitize import sanitize_html

UNWANTED_TAGS = (
    "script", "style", "iframe", "frame", "frameset", "noscript", "object", "applet", "form",
    "template",
)  # fmt: skip
# Void elements: the HTML parser may nest the text that follows them inside them, so only
# the tag goes and that text stays.
UNWANTED_VOID_TAGS = ("embed", "link", "meta", "base")
LAZY_SRC_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "background")
_SCRIPT_URL = re.compile(r"^\s*(?:javascript|vbscript|data)\s*:", re.IGNORECASE)


def remove_unwanted_nodes(root: etree._Element) -> None:
    """Remove comments and elements that carry no article content or run code."""
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    etree.strip_elements(root, *UNWANTED_TAGS, with_tail=False)
    etree.strip_tags(root, *UNWANTED_VOID_TAGS)


def remove_script_attributes(root: etree._Element) -> None:
    """Remove event-handler attributes and URLs that would run script."""
    for element in root.iter(tag=etree.Element):
        # `items()`: the names and values in one call, where `attrib` builds a proxy first.
        for name, value in element.items():
            lowered = name.lower()
            is_url = lowered in URL_ATTRIBUTES or lowered.endswith(":href")  # SVG xlink:href
            if lowered.startswith("on") or (is_url and _SCRIPT_URL.match(value)):
                del element.attrib[name]


def resolve_lazy_images(root: etree._Element) -> None:
    """Put a lazy-loaded image's real URL into `src`, replacing the placeholder."""
    for img in root.iter("img"):
        for name in LAZY_SRC_ATTRIBUTES:
            real = img.attrib.pop(name, "").strip()
            if real and not _SCRIPT_URL.match(real):
                img.set("src", real)


def remove_images_without_source(root: etree._Element) -> None:
    """Remove images left with no URL (the sanitiser drops `data:` and script URLs)."""
    for img in list(root.iter("img")):
        if not img.get("src", "").strip():
            drop_tree(img)


def mark_images_no_referrer(root: etree._Element) -> None:
    """Ask browsers not to send a Referer: Sina's image host refuses foreign ones."""
    for img in root.iter("img"):
        img.set("referrerpolicy", "no-referrer")


def clean_tree(root: etree._Element, base_url: str) -> None:
    """Run every cleaning stage but the sanitiser on a parsed article body, in place."""
    remove_unwanted_nodes(root)
    remove_script_attributes(root)
    resolve_lazy_images(root)
    remove_images_without_source(root)
    absolutize_urls(root, base_url)
    mark_images_no_referrer(root)


def clean_html(body_html: str, base_url: str) -> str:
    """Run every cleaning stage on an article body."""
    root = parse_fragment(sanitize_html(body_html))
    clean_tree(root, base_url)
    return serialize_fragment(root)
