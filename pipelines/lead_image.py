"""The lead image (`headimg`, `thumbnail`): the article's own picture, never page furniture.

In order: the first body image that is the article's (not declared smaller than
MIN_SIDE_PX on a side, no logo, icon, avatar or button in its path, not on an ad host),
else the page's declared image (og:image, a feed's enclosure), else the site's default
image. Whichever it is, only an http(s) URL without quotes, angle brackets, backslashes or
white space is taken (it is written into the front matter and Hexo's theme puts it into
HTML and CSS); any other goes to the next rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from lxml import etree

from crawler.common.html import parse_fragment, written_url
from crawler.common.urls import https_url

# Smaller than this on a side (as the `width`/`height` attributes declare): an icon, a
# button, a tracking pixel, never the article's picture.
MIN_SIDE_PX = 100
# Words in an image's path that name page furniture (site_logo.png, icon_share.gif, ...).
FURNITURE = re.compile(r"logo|icon|avatar|button", re.IGNORECASE)
# Hosts that serve advertisements into Chinese news pages (and the global ad networks).
AD_HOSTS = (
    "doubleclick.net",
    "googlesyndication.com",
    "googleadservices.com",
    "adsame.com",
    "allyes.com",
    "mediav.com",
    "tanx.com",
    "d1.sina.com.cn",
    "adbox.sina.com.cn",
    "beacon.sina.com.cn",
    "ad.sina.com.cn",
    "adimg.163.com",
    "g.163.com",
    "l.qq.com",
    "pingjs.qq.com",
    "adx.ifeng.com",
    "dol.ifeng.com",
)
# What a URL written into the front matter may not hold: it would end the attribute, the
# CSS `url(…)` or the element Hexo's theme writes it into.
_UNSAFE = re.compile(r"[\"'<>\\\s`()]")


def is_safe_image_url(url: str) -> bool:
    """Tell whether a URL may be a lead image: http(s), a host, no quoting characters."""
    if not url or _UNSAFE.search(url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_ad_host(host: str) -> bool:
    """Tell whether a host is (under) one of AD_HOSTS."""
    return any(host == ad or host.endswith("." + ad) for ad in AD_HOSTS)


def _declared_side(img: etree._Element, name: str) -> int | None:
    """Return the `width` or `height` an image declares in pixels, if it declares one."""
    match = re.match(r"\s*(\d+)\s*(?:px)?\s*$", img.get(name) or "")
    return int(match.group(1)) if match else None


def is_article_image(img: etree._Element, src: str) -> bool:
    """Tell whether a body image (with its absolute `src`) may be the article's picture."""
    if not is_safe_image_url(src):
        return False
    sides = [_declared_side(img, "width"), _declared_side(img, "height")]
    if any(side is not None and side < MIN_SIDE_PX for side in sides):
        return False
    parts = urlsplit(src)
    return not FURNITURE.search(parts.path) and not is_ad_host(parts.hostname or "")


def settled_lead_image(body_image: str, declared: str, default: str) -> str:
    """Return the first of the body's image, the declared one and the default that is safe."""
    for candidate in (body_image, declared, default):
        if is_safe_image_url(candidate):
            return candidate
    return ""


def first_image(body_html: str, base_url: str) -> str:
    """Return the https URL of the body's first image, or an empty string."""
    for img in parse_fragment(body_html).iter("img"):
        src = img.get("src", "").strip()
        if src:
            return https_url(src, base_url)
    return ""


def first_image_of_tree(root: etree._Element, base_url: str) -> str:
    """Return what `first_image` finds once the tree is serialized."""
    return next((url for _, url in _images_of_tree(root, base_url)), "")


def lead_image_of_tree(root: etree._Element, base_url: str) -> str:
    """Return the https URL of the body's first image that is the article's (the lead image)."""
    images = _images_of_tree(root, base_url)
    return next((url for img, url in images if is_article_image(img, url)), "")


def _images_of_tree(root: etree._Element, base_url: str) -> Iterator[tuple[etree._Element, str]]:
    """Yield each image of the tree that has a `src`, with its https URL as it will be written."""
    for img in root.iter("img"):
        src = _written_src(img).strip()
        if src:
            yield img, https_url(src, base_url)


def _written_src(img: etree._Element) -> str:
    """Return an image's `src` as the written body holds it (escaped, leading blanks gone)."""
    src = img.get("src")
    if src is None:
        return ""
    try:
        return written_url(src)
    except ValueError:  # control characters, which lxml does not set: write the image itself
        markup = etree.tostring(img, method="html", encoding="unicode", with_tail=False)
        return str(parse_fragment(markup)[0].get("src", ""))
