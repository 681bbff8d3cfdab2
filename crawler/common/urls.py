"""URLs: made absolute the way browsers read them, and https for images."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

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


def web_url(url: str, base: str = "") -> str:
    """Return a listed link made absolute; raise ValueError saying why it is no http(s) URL."""
    try:
        absolute = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(absolute)
        parts.port  # noqa: B018 (reading it checks it: a port past 65535 raises)
    except ValueError as error:
        raise ValueError(f"{url} is not a URL ({error})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url} is not an http(s) URL")
    return absolute
