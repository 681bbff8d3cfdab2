"""A body nested deep, or one huge paragraph, keeps its text, crawled end to end."""

from __future__ import annotations

from pathlib import Path

import lxml.html

from crawler.render import Dropped, project_settings, render_page
from crawler.sites import site_named
from tests.crawling import add_page, crawl, mirror_of, roll_page
from tests.documents import split_document
from tests.test_refresh import NEW_PAGE

DEEP_URL = "https://finance.sina.com.cn/roll/2024-01-02/doc-ideepbody0000001.shtml"
HUGE_URL = "https://finance.sina.com.cn/roll/2024-01-02/doc-ihugebody0000001.shtml"
DEEP_TEXT = "　　深处的正文。"
HUGE_TEXT = "　　" + "长" * 5_000_000  # 15 MB of UTF-8: under DOWNLOAD_MAXSIZE (16 MB)


def page(doc_id: str, title: str, body: str) -> str:
    html = NEW_PAGE.format(
        published="2024-01-02T10:00:00+08:00", doc_id=doc_id, title=title, text=""
    )
    return html.replace("<p>　　</p>", body)


def test_a_body_nested_260_deep_and_a_15_mb_paragraph_keep_their_text(
    fixtures: Path, tmp_path: Path
) -> None:
    deep = "<div>" * 260 + f"<p>{DEEP_TEXT}</p>" + "</div>" * 260
    add_page(fixtures, "deep", DEEP_URL, page("deepbody0000001", "深", deep))
    add_page(fixtures, "huge", HUGE_URL, page("hugebody0000001", "长", f"<p>{HUGE_TEXT}</p>"))
    with mirror_of(fixtures, {"1686_1": roll_page(DEEP_URL, HUGE_URL)}) as mirror:
        result = crawl(mirror, tmp_path / "archive")
    assert result.process.returncode == 0, result.log[-3000:]
    # Read back as a browser would: libxml2 needs `huge_tree` for such a body too.
    parser = lxml.html.HTMLParser(huge_tree=True)
    texts = {}
    for path in result.files():
        body = split_document(path.read_text(encoding="utf-8")).body
        root = lxml.html.fragment_fromstring(body, create_parent="div", parser=parser)
        texts[path.name] = root.text_content().strip(" \t\r\n")  # not U+3000
    assert texts == {"深.md": DEEP_TEXT, "长.md": HUGE_TEXT}


def test_a_body_nested_deeper_than_the_parser_reads_is_refused_with_that_reason(
    fixtures: Path, tmp_path: Path
) -> None:
    deeper = "<div>" * 3000 + f"<p>{DEEP_TEXT}</p>" + "</div>" * 3000
    add_page(fixtures, "deeper", DEEP_URL, page("deepbody0000001", "深", deeper))
    with mirror_of(fixtures, {"1686_1": roll_page(DEEP_URL)}) as mirror:
        result = crawl(mirror, tmp_path / "archive")
    assert result.files() == []
    assert result.stat("sina/article/extraction_errors") == 1
    assert (
        f"Cannot extract an article <{mirror.origin}/finance.sina.com.cn/roll/2024-01-02/"
        "doc-ideepbody0000001.shtml>: the page nests elements deeper than the HTML parser "
        "reads (Excessive depth in document: 2048, use XML_PARSE_HUGE option)"
    ) in result.log
    assert "no body text" not in result.log


def test_render_refuses_a_body_nested_deeper_than_the_parser_reads_with_that_reason() -> None:
    deeper = "<div>" * 3000 + f"<p>{DEEP_TEXT}</p>" + "</div>" * 3000
    body = page("deepbody0000001", "深", deeper).encode("utf-8")
    sina = site_named("sina")
    result = render_page(
        body, DEEP_URL, {"Content-Type": "text/html; charset=utf-8"}, sina,
        sina.channel(sina.default_channel), settings=project_settings(),
    )  # fmt: skip
    assert isinstance(result, Dropped)
    assert (result.stage, result.reason) == (
        "extract",
        "the page nests elements deeper than the HTML parser reads "
        "(Excessive depth in document: 2048, use XML_PARSE_HUGE option)",
    )
