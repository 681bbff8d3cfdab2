"""Pages that declare gb2312 but are UTF-8 are read as UTF-8; real GB pages stay GB."""

from __future__ import annotations

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler import settings
from crawler.encoding import (
    _CHINESE,
    _CJK_CHARACTER,
    _NOT_ASCII,
    GuessCharsetMiddleware,
    MislabelledUtf8Middleware,
    is_gb_charset,
    reads_as_chinese,
)
from tests.documents import FIXTURES, page_meta, render, split_document

TITLE = "交通运输部：着力打造京津冀区域综合立体交通网络"
URL = "https://stock.hexun.com/2019-09-26/198678130.html"


def page(charset: str) -> str:
    return (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f"<title>{TITLE}</title></head><body><h1>{TITLE}</h1></body></html>"
    )


def fetched(body: bytes, content_type: str | None = None) -> HtmlResponse:
    """A response as Scrapy's downloader builds it: no explicit encoding."""
    headers = {"Content-Type": content_type} if content_type else {}
    return HtmlResponse(url=URL, body=body, headers=headers)


def process(response: Response) -> Response:
    return MislabelledUtf8Middleware().process_response(Request(URL), response)


def title_of(response: Response) -> str | None:
    assert isinstance(response, TextResponse)
    return response.css("title::text").get()


def test_utf8_page_declaring_gb2312_is_decoded_as_utf8() -> None:
    response = fetched(page("gb2312").encode("utf-8"))
    assert title_of(response) != TITLE  # what Scrapy alone makes of it: mojibake
    fixed = process(response)
    assert isinstance(fixed, TextResponse)
    assert fixed.encoding == "utf-8"
    assert title_of(fixed) == TITLE
    assert fixed.body == response.body


@pytest.mark.parametrize("declared", ["gb2312", "gbk", "GB18030"])
def test_real_gbk_page_declaring_a_gb_charset_is_left_alone(declared: str) -> None:
    response = fetched(page(declared).encode("gbk"))
    assert process(response) is response
    assert title_of(response) == TITLE


def test_an_http_header_charset_wins_over_a_utf8_looking_body() -> None:
    response = fetched(page("gb2312").encode("utf-8"), "text/html; charset=gbk")
    assert process(response) is response
    assert is_gb_charset(response.encoding)


def test_gbk_page_with_an_http_header_charset_decodes_right() -> None:
    response = fetched(page("utf-8").encode("gbk"), "text/html; charset=gbk")
    assert process(response) is response
    assert title_of(response) == TITLE


def test_pages_declaring_utf8_or_holding_only_ascii_are_left_alone() -> None:
    utf8 = fetched(page("utf-8").encode("utf-8"))
    ascii_only = fetched(b'<html><head><meta charset="gb2312"><title>Hi</title></head></html>')
    binary = Response(url=URL, body="中文".encode())
    for response in (utf8, ascii_only, binary):
        assert process(response) is response


@pytest.mark.parametrize(
    ("name", "expected"),
    [("gb2312", True), ("GBK", True), ("cp936", True), ("gb18030", True), ("utf-8", False),
     ("big5", False), ("no-such-charset", False)],
)  # fmt: skip
def test_gb_family_names(name: str, expected: bool) -> None:
    assert is_gb_charset(name) is expected


@pytest.mark.parametrize("stem", ["qq-finance-2", "hexun-stock-1"])
def test_saved_pages_that_declare_gb2312_read_right(stem: str) -> None:
    saved = next(FIXTURES.glob(f"sites/*/{stem}.html"))
    response = fetched(saved.read_bytes())
    assert is_gb_charset(response.encoding)  # the meta tag says gb2312
    fixed = process(response)
    assert isinstance(fixed, TextResponse)
    assert fixed.text == saved.read_text(encoding="utf-8")


def test_middleware_is_registered_enabled_and_counts_what_it_fixes() -> None:
    assert "crawler.encoding.MislabelledUtf8Middleware" in settings.DOWNLOADER_MIDDLEWARES
    crawler = get_crawler(settings_dict={"MISLABELLED_UTF8_ENABLED": True})
    middleware = MislabelledUtf8Middleware.from_crawler(crawler)
    middleware.process_response(Request(URL), fetched(page("gb2312").encode("utf-8")))
    assert crawler.stats is not None
    assert crawler.stats.get_value("mislabelled_utf8/redecoded") == 1


def unlabelled(body: bytes) -> HtmlResponse:
    """A fetched page whose server and page name no charset."""
    return HtmlResponse(url=URL, body=body, headers={"Content-Type": "text/html"}, flags=["x"])


def test_an_unlabelled_utf8_page_is_read_as_utf8_without_guessing_its_encoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = f"<html><head><title>{TITLE}</title></head><body>正文</body></html>".encode()
    text = unlabelled(body).text  # what Scrapy reads it as, guessing
    crawler = get_crawler(settings_dict={"CHARSET_GUESS_ENABLED": True})
    middleware = GuessCharsetMiddleware.from_crawler(crawler)

    def guessed(self: TextResponse, body: bytes) -> str:
        raise AssertionError("the encoding was guessed by decoding the page")

    monkeypatch.setattr(TextResponse, "_auto_detect_fun", guessed)
    response = unlabelled(body)
    read = middleware.process_response(Request(URL), response)
    assert isinstance(read, HtmlResponse) and read is not response
    assert read.encoding == "utf-8" and read.text == text
    for name in ("url", "status", "headers", "body", "flags", "request", "protocol"):
        assert getattr(read, name) == getattr(response, name), name
    assert crawler.stats is not None
    assert crawler.stats.get_value("charset_guess/redecoded") is None  # nothing was misread


def test_an_unlabelled_page_that_is_no_utf8_is_still_guessed() -> None:
    middleware = GuessCharsetMiddleware.from_crawler(
        get_crawler(settings_dict={"CHARSET_GUESS_ENABLED": True})
    )
    read = middleware.process_response(Request(URL), unlabelled(f"<p>{TITLE}</p>".encode("gbk")))
    assert isinstance(read, TextResponse)
    assert read.encoding == "gb18030" and TITLE in read.text
    declared = unlabelled(page("utf-8").encode())  # a page that names its charset: as it was
    assert middleware.process_response(Request(URL), declared) is declared


def test_middleware_can_be_switched_off() -> None:
    crawler = get_crawler(settings_dict={"MISLABELLED_UTF8_ENABLED": False})
    with pytest.raises(NotConfigured):
        MislabelledUtf8Middleware.from_crawler(crawler)


def test_render_reads_a_saved_gb2312_declaring_page_through_the_middleware() -> None:
    saved = FIXTURES / "sites" / "tencent" / "qq-finance-2.html"
    url = page_meta(saved)["url"]
    title = "title: '棱镜|数据业大整顿：爬虫与现金贷共生共荣，用户信息几元不等'"
    result = render(saved, url)
    assert result.returncode == 0, result.stderr
    assert title in split_document(result.stdout).head
    switched_off = render(saved, url, "-s", "MISLABELLED_UTF8_ENABLED=False")
    assert title not in switched_off.stdout


def chinese_by_ranges(character: str) -> bool:
    """The character ranges Chinese text is made of, compared one by one."""
    return (
        "\u2000" <= character <= "\u206f"  # general punctuation: “” ‘’ … —
        or "\u3000" <= character <= "\u9fff"  # CJK punctuation, kana, ideographs
        or "\uf900" <= character <= "\ufaff"  # CJK compatibility ideographs
        or "\uff00" <= character <= "\uffef"  # full-width forms: ，：（）
    )


def test_the_character_classes_are_the_ranges_compared_one_by_one() -> None:
    for code in [*range(0x10000), 0x1F600, 0x20000, 0x10FFFF]:
        character = chr(code)
        chinese = chinese_by_ranges(character)
        assert bool(_CHINESE.fullmatch(character)) == chinese, hex(code)
        assert bool(_CJK_CHARACTER.search(character)) == (chinese and character > "\u206f")
        assert bool(_NOT_ASCII.fullmatch(character)) == (not character.isascii()), hex(code)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("新浪财经", True),
        ("新浪财经新闻中心报道é", True),  # 10 of 11
        ("新浪财经é", False),  # 4 of 5
        ("“新闻”", True),
        ("abc", False),
    ],
)
def test_gb_bytes_read_as_chinese_when_nine_tenths_of_their_wide_characters_are(
    text: str, expected: bool
) -> None:
    assert reads_as_chinese(text.encode("gb18030")) is expected
    assert reads_as_chinese(b"\xff\xff") is False  # not GB18030 at all
