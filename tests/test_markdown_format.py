"""The archive format of FORMAT.md: the front matter, byte for byte, and values that parse back."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import frontmatter
import pytest
import yaml

from crawler.archive.document import (
    MarkdownItemExporter,
    SeedLayoutHandler,
    format_article,
    one_line,
    plain_or_quoted,
    quoted_title,
)
from crawler.items import Article
from tests.documents import FIXTURES, split_document

SINA_1686 = ("金融", "新浪财经", "新浪财经－国內")
BEIJING = timezone(timedelta(hours=8))
SEED_TITLE = "保证紧急必要需求,上海公安出入境部门开通绿色通道"
SEED_IMAGE = (
    "https://n.sinaimg.cn/spider20220528/139/w1080h659/20220528/"
    "7303-0ed743e2fb649b1367f8e3bd5e793897.jpg"
)
SEED_URL = "https://finance.sina.com.cn/jjxw/2022-05-28/doc-imizmscu3890443.shtml"
SEED_KEYS = ["title", "categories", "headimg", "author", "comments", "date", "thumbnail"]

ARTICLE = Article(
    url=SEED_URL,
    site="新浪财经",
    channel="1686",
    categories=SINA_1686,
    title=SEED_TITLE,
    published=datetime(2022, 5, 28, 21, 19, 43, tzinfo=BEIJING),
    media_source="新民晚报",
    editor="张三",
    lead_image=SEED_IMAGE,
    body_html=(
        '<p cms-style="font-L">　　正文第一段。</p>\n<p cms-style="font-L">　　正文第二段。</p>'
    ),
    doc_id="imizmscu3890443",
)


def article(**changes: Any) -> Article:
    """Return the sample article with some fields changed."""
    return dataclasses.replace(ARTICLE, **changes)


def front_matter(document: str) -> dict[str, Any]:
    """Parse the YAML between the document's `---` lines with PyYAML's safe loader."""
    assert document.startswith("\n---\n")
    block = document[len("\n---\n") :].split("\n---\n", 1)[0]
    data = yaml.safe_load(block)
    assert isinstance(data, dict)
    return data


def reads_back(yaml_value: str) -> object:
    """Return what YAML reads for a value written after a key."""
    data = yaml.safe_load(f"key: {yaml_value}")
    assert isinstance(data, dict)
    return data["key"]


# Titles without `'` that hold YAML syntax: each must stay single-quoted (FORMAT.md) and
# parse back to exactly itself.
YAML_SYNTAX_TITLES = [
    "美股收盘: 道指涨1%",
    "a: b: c",
    "结尾冒号:",
    "标题 #话题",
    "#开头",
    "-开头的标题",
    "- 像列表",
    "?",
    "? 问号开头",
    "&锚点",
    "*别名",
    "%百分号",
    "@提及",
    "`反引号`",
    "!标签",
    "|",
    ">",
    "[方括号]",
    "{花括号}",
    "---",
    "...",
    "yes",
    "no",
    "on",
    "off",
    "true",
    "null",
    "~",
    "123",
    "0.5",
    "1e3",
    "0x1F",
    ".inf",
    "2022-05-28",
    "2022-05-28 21:19:43",
    "12:30:00",
    "比特币暴涨🚀😀",
    "  前后空格  ",
    "\\反斜杠\\n",
    "“弯引号”与‘单弯引号’",
    'A/B\\C?D*E<F>G|H[I]J"K',  # what the old archiver replaced with `_`
]

TITLES_WITH_APOSTROPHE = [
    "Moody's cuts China's outlook",
    "It's: #1 - ? & * % @ `x`",
    "- it's a list?",
    "it's ---",
    " it's spaced ",
    "it's 🚀",
]

TITLES_WITH_BOTH_QUOTES = [
    'It\'s "fine"',
    "\"Don't\" say it's over",
    "'单' and \"双\"",
    'It\'s a \\ "path"',
    "'\"",
    '"It\'s: #1" - yes',
]

CONTROL_CHARACTERS = [
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x0b",
    "\x0c",
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9b",
    "\u2028",
    "\u2029",
]

PLAIN_NAMES = ["新浪财经", "cnBeta", "新浪财经－国內", "金融", "Reuters 路透", "a:b"]

# Names YAML would misread if written plain (a boolean, null, number, date, sequence,
# mapping, comment, anchor, alias, tag, reserved indicator, lost whitespace, or an error).
MISREAD_NAMES = [
    "yes",
    "no",
    "null",
    "~",
    "true",
    "- x",
    "-",
    "a: b",
    "123",
    "1.5",
    "2022-05-28",
    " 前导空格",
    "尾随空格 ",
    "#注释",
    "x #y",
    "[a]",
    "{a}",
    "&a",
    "*a",
    "!a",
    "@a",
    "`a`",
    "%a",
    "'a",
    '"a',
    "|",
    ">",
    "? x",
    "",
]


def test_title_without_apostrophe_is_single_quoted() -> None:
    assert quoted_title(SEED_TITLE) == f"'{SEED_TITLE}'"


def test_title_with_apostrophe_and_no_double_quote_is_double_quoted() -> None:
    assert quoted_title("Moody's cuts China's outlook") == "\"Moody's cuts China's outlook\""


@pytest.mark.parametrize("title", TITLES_WITH_APOSTROPHE)
def test_title_with_apostrophe_is_double_quoted_and_parses_back_exactly(title: str) -> None:
    quoted = quoted_title(title)
    assert quoted == f'"{title}"'
    assert reads_back(quoted) == title


@pytest.mark.parametrize("title", TITLES_WITH_BOTH_QUOTES)
def test_title_with_both_quote_kinds_parses_back_exactly(title: str) -> None:
    assert reads_back(quoted_title(title)) == title
    document = format_article(article(title=title))
    assert front_matter(document)["title"] == title
    assert frontmatter.loads(document)["title"] == title


@pytest.mark.parametrize("title", YAML_SYNTAX_TITLES)
def test_title_with_yaml_syntax_stays_single_quoted_and_parses_back_exactly(title: str) -> None:
    quoted = quoted_title(title)
    assert quoted == f"'{title}'"
    assert reads_back(quoted) == title
    assert front_matter(format_article(article(title=title)))["title"] == title


@pytest.mark.parametrize("separator", CONTROL_CHARACTERS)
def test_line_breaks_tabs_and_control_characters_in_a_title_become_one_space(
    separator: str,
) -> None:
    title = f"上半句{separator}下半句"
    assert one_line(title) == "上半句 下半句"
    assert quoted_title(title) == "'上半句 下半句'"
    document = format_article(article(title=title))
    assert "\ntitle: '上半句 下半句'\ncategories: \n" in document
    assert front_matter(document)["title"] == "上半句 下半句"


def test_one_line_leaves_printable_text_untouched() -> None:
    text = "　　中文 “引号” 😀 café ½ <b>&amp;</b> \\ '\""
    assert one_line(text) == text


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_name_yaml_reads_back_unchanged_is_written_plain(name: str) -> None:
    assert plain_or_quoted(name) == name
    assert reads_back(name) == name


@pytest.mark.parametrize("name", MISREAD_NAMES)
def test_name_yaml_would_misread_is_quoted_and_parses_back(name: str) -> None:
    written = plain_or_quoted(name)
    assert written[:1] in {"'", '"'}
    assert written[-1:] == written[:1]
    assert reads_back(written) == name


@pytest.mark.parametrize("name", PLAIN_NAMES + MISREAD_NAMES)
def test_categories_and_author_parse_back_exactly_from_the_document(name: str) -> None:
    document = format_article(article(categories=(name, "新浪财经", name), site=name))
    data = front_matter(document)
    assert data["categories"] == [name, "新浪财经", name]
    assert data["author"] == name
    post = frontmatter.loads(document)
    assert post["categories"] == [name, "新浪财经", name]
    assert post["author"] == name


def test_plain_categories_and_author_are_written_without_quotes() -> None:
    document = format_article(article(site="cnBeta", categories=("科技", "cnBeta", "cnBeta－业界")))
    assert "\ncategories: \n - 科技\n - cnBeta\n - cnBeta－业界\nheadimg: " in document
    assert "\nauthor: cnBeta\n" in document


def test_categories_and_author_that_yaml_misreads_are_written_quoted() -> None:
    document = format_article(article(site="null", categories=("yes", "- x", "123")))
    assert "\ncategories: \n - 'yes'\n - '- x'\n - '123'\nheadimg: " in document
    assert "\nauthor: 'null'\n" in document


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        (datetime(2022, 5, 28, 21, 19, 43, tzinfo=BEIJING), "Sat, 28 May 2022 13:19:43 GMT"),
        (datetime(2018, 12, 28, 19, 56, 29, tzinfo=BEIJING), "Fri, 28 Dec 2018 11:56:29 GMT"),
        (datetime(2021, 1, 1, 2, 0, 0, tzinfo=BEIJING), "Thu, 31 Dec 2020 18:00:00 GMT"),
        (datetime(2022, 5, 28, 13, 19, 43, tzinfo=UTC), "Sat, 28 May 2022 13:19:43 GMT"),
        (
            datetime(2022, 3, 1, 1, 2, 3, tzinfo=timezone(timedelta(hours=-5))),
            "Tue, 01 Mar 2022 06:02:03 GMT",
        ),
    ],
)
def test_date_is_converted_to_gmt_in_rfc_1123_form(published: datetime, expected: str) -> None:
    document = format_article(article(published=published))
    assert f"\ncomments: false\ndate: {expected}\nthumbnail: " in document
    assert front_matter(document)["date"] == expected


def test_document_has_the_seed_layout_byte_for_byte() -> None:
    document = format_article(
        article(
            title="标题",
            lead_image="https://n.sinaimg.cn/a.jpg",
            body_html="<p>　　第一段。</p>\n<p>　　第二段。</p>",
        )
    )
    assert document == (
        "\n"
        "---\n"
        "title: '标题'\n"
        "categories: \n"
        " - 金融\n"
        " - 新浪财经\n"
        " - 新浪财经－国內\n"
        "headimg: 'https://n.sinaimg.cn/a.jpg'\n"
        "author: 新浪财经\n"
        "comments: false\n"
        "date: Sat, 28 May 2022 13:19:43 GMT\n"
        "thumbnail: 'https://n.sinaimg.cn/a.jpg'\n"
        "---\n"
        "\n"
        "<div>   \n"
        "<p>　　第一段。</p>\n"
        "<p>　　第二段。</p>  \n"
        "</div>\n"
        "            "
    )


def test_document_ends_with_twelve_spaces_and_no_newline() -> None:
    document = format_article(ARTICLE)
    assert document.endswith("  \n</div>\n" + " " * 12)
    assert not document.endswith("\n")


def test_front_matter_keys_come_in_the_seed_order_with_their_values() -> None:
    data = front_matter(format_article(ARTICLE))
    assert list(data) == SEED_KEYS
    assert data == {
        "title": SEED_TITLE,
        "categories": list(SINA_1686),
        "headimg": SEED_IMAGE,
        "author": "新浪财经",
        "comments": False,
        "date": "Sat, 28 May 2022 13:19:43 GMT",
        "thumbnail": SEED_IMAGE,
    }


def test_reference_seed_document_is_reproduced_byte_for_byte() -> None:
    expected = (FIXTURES / "seeds" / "expected" / "000_eb744beb5898c41c.md").read_text(
        encoding="utf-8"
    )
    body = split_document(expected).body
    assert format_article(article(body_html=body)) == expected


def test_lead_image_is_single_quoted_in_headimg_and_thumbnail() -> None:
    image = "https://example.com/it's #1.jpg"
    document = format_article(article(lead_image=image))
    assert "\nheadimg: 'https://example.com/it''s #1.jpg'\n" in document
    assert "\nthumbnail: 'https://example.com/it''s #1.jpg'\n---\n" in document
    data = front_matter(document)
    assert data["headimg"] == data["thumbnail"] == image


def test_document_reads_back_with_python_frontmatter() -> None:
    post = frontmatter.loads(format_article(ARTICLE))
    assert list(post.metadata) == SEED_KEYS
    assert post["title"] == SEED_TITLE
    assert post["categories"] == list(SINA_1686)
    assert post["comments"] is False
    assert post.content == f"<div>   \n{ARTICLE.body_html}  \n</div>"


def test_seed_layout_handler_writes_a_post_in_the_seed_layout() -> None:
    metadata = {
        "title": "It's here",
        "categories": ["金融", "新浪财经", "新浪财经－国內"],
        "headimg": "https://n.sinaimg.cn/a.jpg",
        "author": "新浪财经",
        "comments": False,
        "date": "Sat, 28 May 2022 13:19:43 GMT",
        "thumbnail": "https://n.sinaimg.cn/a.jpg",
    }
    post = frontmatter.Post("<p>正文</p>", handler=SeedLayoutHandler(), **metadata)
    document = frontmatter.dumps(post)
    assert document == (
        "\n---\n"
        'title: "It\'s here"\n'
        "categories: \n - 金融\n - 新浪财经\n - 新浪财经－国內\n"
        "headimg: 'https://n.sinaimg.cn/a.jpg'\n"
        "author: 新浪财经\n"
        "comments: false\n"
        "date: Sat, 28 May 2022 13:19:43 GMT\n"
        "thumbnail: 'https://n.sinaimg.cn/a.jpg'\n"
        "---\n\n<div>   \n<p>正文</p>  \n</div>\n            "
    )
    assert frontmatter.loads(document).metadata == metadata


def test_seed_layout_handler_export_writes_the_front_matter_without_its_fences() -> None:
    exported = SeedLayoutHandler().export(
        {
            "title": "t",
            "categories": ["a", "b", "c"],
            "headimg": "h",
            "author": "x",
            "comments": False,
            "date": "d",
            "thumbnail": "h",
        }
    )
    assert exported == (
        "title: 't'\ncategories: \n - a\n - b\n - c\nheadimg: 'h'\nauthor: x\n"
        "comments: false\ndate: d\nthumbnail: 'h'"
    )


def export(item: Article, **kwargs: Any) -> bytes:
    """Run the exporter's whole lifecycle on one item and return what it wrote."""
    buffer = io.BytesIO()
    exporter = MarkdownItemExporter(buffer, **kwargs)
    exporter.start_exporting()
    exporter.export_item(item)
    exporter.finish_exporting()
    return buffer.getvalue()


def test_exporter_writes_the_document_as_utf8_with_no_extra_keys_by_default() -> None:
    written = export(ARTICLE)
    assert written == format_article(ARTICLE).encode("utf-8")
    assert list(front_matter(written.decode("utf-8"))) == SEED_KEYS


def test_exporter_writes_extra_fields_after_thumbnail() -> None:
    document = export(ARTICLE, extra_fields=("url", "editor")).decode("utf-8")
    data = front_matter(document)
    assert list(data) == [*SEED_KEYS, "source_url", "editor"]
    assert data["source_url"] == SEED_URL
    assert data["editor"] == "张三"
    thumbnail = document.index("\nthumbnail: ")
    source_url = document.index("\nsource_url: ")
    editor = document.index("\neditor: ")
    closing = document.index("\n---\n\n<div>   \n")
    assert thumbnail < source_url < editor < closing
    assert document[editor:closing].count("\n") == 1  # `editor` is the last key


def test_exporter_writes_every_extra_field_in_the_order_asked() -> None:
    item = article(editor="null", media_source="新京报: 快讯")
    data = front_matter(
        export(item, extra_fields=("doc_id", "media_source", "editor", "url")).decode("utf-8")
    )
    assert list(data) == [*SEED_KEYS, "doc_id", "media_source", "editor", "source_url"]
    assert data["doc_id"] == "imizmscu3890443"
    assert data["media_source"] == "新京报: 快讯"
    assert data["editor"] == "null"
    assert data["source_url"] == SEED_URL


def test_exporter_rejects_an_unknown_extra_field() -> None:
    with pytest.raises(ValueError, match="bogus"):
        MarkdownItemExporter(io.BytesIO(), extra_fields=("url", "bogus"))
