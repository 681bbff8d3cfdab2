"""URLs: made absolute the way browsers read them, and https for images."""

from __future__ import annotations

import re
from urllib.parse import urljoin

_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
