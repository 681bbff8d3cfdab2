"""Decode UTF-8 pages that declare a GB charset (gb2312, gbk, gb18030) as what they are.

Scrapy takes a response's encoding from the HTTP header, then a BOM, then the page's own
`<meta charset>`. Chinese sites moved from GB2312/GBK to UTF-8 but some templates kept
`<meta charset="gb2312">`, and pages saved by a browser are re-encoded as UTF-8 with the
old declaration left in place: decoded as GB18030 they turn into mojibake. Valid multi-byte
UTF-8 is practically never intended GBK (GBK text is almost never valid UTF-8 beyond a few
bytes), so such a body is decoded as UTF-8. A charset in the HTTP header always wins.
"""

from __future__ import annotations

import codecs
import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response, TextResponse
from scrapy.statscollectors import StatsCollector
from w3lib.encoding import http_content_type_encoding

logger = logging.getLogger(__name__)

GB_CHARSETS = frozenset({"gb2312", "gbk", "gb18030"})


def is_gb_charset(encoding: str) -> bool:
    """Tell whether an encoding name is one of the GB family (gb2312, gbk/cp936, gb18030)."""
    try:
        return codecs.lookup(encoding).name in GB_CHARSETS
    except LookupError:
        return False


def is_multibyte_utf8(body: bytes) -> bool:
    """Tell whether bytes are valid UTF-8 and hold at least one non-ASCII character."""
    if body.isascii():
        return False  # ASCII reads the same in every GB charset: nothing to fix
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def header_charset(response: Response) -> str | None:
    """Return the charset named in the response's Content-Type header, if any."""
    content_type = response.headers.get(b"Content-Type") or b""
    return http_content_type_encoding(content_type.decode("latin-1"))


def declares_gb_but_is_utf8(response: Response) -> bool:
    """Tell whether a page reads as GB only by its own declaration while being UTF-8."""
    return (
        isinstance(response, TextResponse)
        and header_charset(response) is None
        and is_gb_charset(response.encoding)
        and is_multibyte_utf8(response.body)
    )


class MislabelledUtf8Middleware:
    """Re-decode as UTF-8 a response whose page declares a GB charset but is valid UTF-8."""

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MislabelledUtf8Middleware:
        """Build the middleware, unless MISLABELLED_UTF8_ENABLED is off."""
        if not crawler.settings.getbool("MISLABELLED_UTF8_ENABLED"):
            raise NotConfigured("MISLABELLED_UTF8_ENABLED is off")
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        """Return the response decoded as UTF-8 if it was mislabelled, else unchanged."""
        if not declares_gb_but_is_utf8(response):
            return response
        assert isinstance(response, TextResponse)
        logger.debug(
            "%s declares %s but is UTF-8: decoding it as UTF-8", response, response.encoding
        )
        if self.stats is not None:
            self.stats.inc_value("mislabelled_utf8/redecoded")
        return response.replace(encoding="utf-8")
