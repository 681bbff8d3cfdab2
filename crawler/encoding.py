"""Decode pages whose charset label is wrong (a GB charset on UTF-8, Latin-1 on anything).

Scrapy takes a response's encoding from a BOM, then the HTTP header, then the page's own
`<meta charset>`. Chinese sites moved from GB2312/GBK to UTF-8 but some templates kept
`<meta charset="gb2312">`, and pages saved by a browser are re-encoded as UTF-8 with the
old declaration left in place: decoded as GB18030 they turn into mojibake. Valid multi-byte
UTF-8 is practically never intended GBK (GBK text is almost never valid UTF-8 beyond a few
bytes), so such a body is decoded as UTF-8. A charset in the HTTP header wins, except one:

ISO-8859-1 (and windows-1252, US-ASCII) in the HTTP header is what many servers send by
default, whatever the page is, and any bytes "decode" in it: a GBK or UTF-8 page labelled so
turns into mojibake. Such a page, and one labelled nowhere, is read as UTF-8 if its bytes
are valid multi-byte UTF-8, else by its own `<meta>` declaration, else as GB18030 if its
bytes decode strictly as GB18030 into Chinese text (GuessCharsetMiddleware). A page that
still reads wrong is caught later, by the share of garbled characters in its text
(pipelines/validate.py).
"""

from __future__ import annotations

import codecs
import logging
import re
from typing import ClassVar, Self, TypeGuard

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response, TextResponse
from scrapy.statscollectors import StatsCollector
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

logger = logging.getLogger(__name__)

GB_CHARSETS = frozenset({"gb2312", "gbk", "gb18030"})
# Default labels of servers rather than of pages (codecs names: iso-8859-1 is latin_1).
LATIN1_CHARSETS = frozenset({"latin_1", "cp1252", "ascii"})


def is_gb_charset(encoding: str) -> bool:
    """Tell whether an encoding name is one of the GB family (gb2312, gbk/cp936, gb18030)."""
    try:
        return codecs.lookup(encoding).name in GB_CHARSETS
    except LookupError:
        return False


def is_latin1_charset(encoding: str) -> bool:
    """Tell whether an encoding name is ISO-8859-1, windows-1252 or US-ASCII."""
    try:
        return codecs.lookup(encoding).name in LATIN1_CHARSETS
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


class RedecodingMiddleware:
    """A downloader middleware that re-decodes a response Scrapy would read wrongly."""

    enabled_setting: ClassVar[str]  # the setting that turns it on
    stat: ClassVar[str]  # counted for every response re-decoded

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the middleware, unless its setting is off."""
        if not crawler.settings.getbool(cls.enabled_setting):
            raise NotConfigured(f"{cls.enabled_setting} is off")
        return cls(crawler.stats)

    def real_encoding(self, response: Response) -> str | None:
        """Return what the response really is in, when Scrapy would read it otherwise."""
        raise NotImplementedError

    def process_response(self, request: Request, response: Response) -> Response:
        """Return the response decoded as what it really is, if Scrapy would read it wrong."""
        encoding = self.real_encoding(response)
        return response if encoding is None else self.redecoded(response, encoding)

    def redecoded(
        self, response: Response, encoding: str, body: bytes | None = None, why: str = ""
    ) -> Response:
        """Return the response read in another encoding (from other bytes, if given), counted."""
        assert isinstance(response, TextResponse)  # only text is ever found misread
        why = why or f"Scrapy reads it as {response.encoding}, but it is {encoding}"
        logger.debug("%s: %s", response, why)
        if self.stats is not None:
            self.stats.inc_value(self.stat)
        if body is None:
            return response.replace(encoding=encoding)
        return response.replace(body=body, encoding=encoding)


class MislabelledUtf8Middleware(RedecodingMiddleware):
    """Re-decode as UTF-8 a response whose page declares a GB charset but is valid UTF-8.

    A page whose UTF-8 holds no Chinese, only Latin letters that are GB bytes read in a Latin
    charset (a GBK page that a tool read as Latin and saved as UTF-8), gets its GB bytes back.
    """

    enabled_setting = "MISLABELLED_UTF8_ENABLED"
    stat = "mislabelled_utf8/redecoded"

    def process_response(self, request: Request, response: Response) -> Response:
        """Return the page read as UTF-8, or its GB bytes when its UTF-8 is GB read as Latin."""
        if not declares_gb_but_is_utf8(response):
            return response
        original = gb_bytes_read_as_latin(response.body.decode("utf-8"))
        if original is None:
            return self.redecoded(response, "utf-8")
        why = "its UTF-8 is GB text read as Latin: its GB bytes restored, read as gb18030"
        return self.redecoded(response, "gb18030", original, why)


# The Latin charsets a GB page is misread in (ISO-8859-15 differs from Latin-1 in 8 letters).
MISREAD_AS = ("latin_1", "iso8859_15", "cp1252")


# What Chinese text is made of: CJK punctuation, kana and ideographs, CJK compatibility
# ideographs, full-width forms (，：（）); and the general punctuation it uses (“” ‘’ … —).
_CJK = "\u3000-\u9fff\uf900-\ufaff\uff00-\uffef"
_CHINESE = re.compile(f"[\u2000-\u206f{_CJK}]")
# General punctuation is left out here: Latin text read from GB bytes may well hold some.
_CJK_CHARACTER = re.compile(f"[{_CJK}]")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def gb_bytes_read_as_latin(text: str) -> bytes | None:
    """Return the GB bytes that a text with no Chinese is, read in a Latin charset, if any."""
    if _CJK_CHARACTER.search(text):
        return None
    for charset in MISREAD_AS:
        try:
            body = text.encode(charset)
        except UnicodeEncodeError:
            continue
        if reads_as_chinese(body):
            return body
    return None


def reads_as_chinese(body: bytes) -> bool:
    """Tell whether bytes decode strictly as GB18030, into text that is Chinese."""
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError:
        return False
    wide = len(_NOT_ASCII.findall(text))
    # Latin-1 text that happens to decode is a scatter of odd characters, not mostly Chinese.
    return bool(wide) and len(_CHINESE.findall(text)) >= 0.9 * wide


def guessed_encoding(response: Response) -> str | None:
    """Return what a page the server did not really label is in, if Scrapy reads it wrong.

    Not really labelled: no charset in the HTTP header, or ISO-8859-1 (a server default).
    Scrapy's own statistical guess (charset_normalizer) is not relied on: it reads a short
    GBK page as Korean (cp949), and French Latin-1 as Central European (cp1250).
    """
    if not isinstance(response, TextResponse) or response.body.isascii():
        return None
    body = response.body
    charset = header_charset(response)
    if read_bom(body)[0] or (charset is not None and not is_latin1_charset(charset)):
        return None  # a BOM, or a real label: Scrapy reads by them, rightly
    declared = html_body_declared_encoding(body)
    if charset is None:
        # Labelled nowhere, Scrapy tries strict UTF-8 after ASCII: no second decode to check.
        if declared or codecs.lookup(response.encoding).name == "utf-8":
            return None  # Scrapy (and MislabelledUtf8Middleware) read these right
    elif is_multibyte_utf8(body):
        return "utf-8"
    elif declared:
        return None if is_latin1_charset(declared) else declared
    guess = "gb18030" if reads_as_chinese(body) else None
    return guess if guess and codecs.lookup(response.encoding).name != guess else None


class GuessCharsetMiddleware(RedecodingMiddleware):
    """Re-decode a page labelled ISO-8859-1 or not at all by its declaration or its bytes."""

    enabled_setting = "CHARSET_GUESS_ENABLED"
    stat = "charset_guess/redecoded"

    def real_encoding(self, response: Response) -> str | None:
        """Return the page's real encoding when Scrapy would read it wrong (see above)."""
        return guessed_encoding(response)

    def process_response(self, request: Request, response: Response) -> Response:
        """Return the page read in its real encoding; an unlabelled UTF-8 page says so."""
        if is_unlabelled_utf8(response):
            # Scrapy reads it right, but finds that out by decoding the whole page twice
            # (its guess, then the text it keeps) whenever anything asks for its encoding,
            # as `replace()` does to copy it: the copy is made of the other attributes.
            kept = {
                name: getattr(response, name) for name in response.attributes if name != "encoding"
            }
            return type(response)(**kept, encoding="utf-8")
        return super().process_response(request, response)


def is_unlabelled_utf8(response: Response) -> TypeGuard[TextResponse]:
    """Tell whether a page names no charset (BOM, header, declaration) and is multi-byte UTF-8."""
    return (
        isinstance(response, TextResponse)
        and header_charset(response) is None
        and not read_bom(response.body)[0]
        and not html_body_declared_encoding(response.body)
        and is_multibyte_utf8(response.body)
    )
