"""Whatever text an article holds, its front matter parses back exactly and its file is safe."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.utils.test import get_crawler

from crawler.archive.document import format_article, one_line
from crawler.archive.names import safe_name
from crawler.items import Article
from pipelines.export import MarkdownExportPipeline

ARTICLE = Article(
    url="https://finance.sina.com.cn/roll/2024-01-02/doc-iabc.shtml",
    site="新浪财经",
    channel="1686",
    categories=("金融", "新浪财经", "新浪财经－国內"),
    title="标题",
    published=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    lead_image="https://n.sinaimg.cn/a.jpg",
    body_html="<p>　　正文。</p>",
    doc_id="abc",
)
LAYOUT = [
    "", "---", "title: ", "categories: ", " - ", " - ", " - ", "headimg: ", "author: ",
    "comments: false", "date: Tue, 02 Jan 2024 03:04:05 GMT", "thumbnail: ", "---",
]  # fmt: skip

# Named hostile values, each also a test of its own.
HOSTILE = {
    "both quotes": 'He said "it\'s" fine',
    "colon space": "Breaking: rates cut",
    "space hash": "A #1 hit",
    "leading dash": "- not a list",
    "leading question": "? not a key",
    "bang tag": "!!python/object:os.system",
    "ampersand anchor": "&anchor value",
    "star alias": "*alias",
    "percent directive": "%YAML 1.1",
    "at sign": "@reserved",
    "backquote": "`reserved`",
    "document marker": "---",
    "document end": "...",
    "yes": "yes",
    "no": "No",
    "null": "null",
    "on": "on",
    "tilde": "~",
    "integer": "2024",
    "float": "1e3",
    "octal": "0o17",
    "date": "2024-01-02",
    "tab": "a\tb",
    "newlines": "first\nsecond\r\nthird",
    "line separators": "a\u2028b\u2029c",
    "control characters": "a\x00b\x07c\x1bd\x7fe\x85f",
    "emoji": "股市🚀📈",
    "very long": "长" * 5000,
    "braces": "{{ page.title }} {% raw %}",
    "brackets": "[1, 2] {a: b}",
    "pipe": "| literal",
    "greater": "> folded",
    "single quote only": "'quoted'",
    "trailing space": "ends with space ",
    "byte order mark": "\ufeffBOM",
}


def front_matter(article: Article) -> dict[str, object]:
    """Format the article and parse its front matter back with a YAML parser."""
    text = format_article(article)
    lines = text.split("\n")
    assert [line[: len(start)] for line, start in zip(lines, LAYOUT, strict=False)] == LAYOUT
    parsed = yaml.safe_load(text.split("\n---\n", 2)[1])
    assert isinstance(parsed, dict)
    return parsed


def intended(article: Article) -> dict[str, object]:
    """The values the front matter must hold: the article's, each on one line."""
    return {
        "title": one_line(article.title),
        "categories": [one_line(name) for name in article.categories],
        "headimg": article.lead_image,
        "author": one_line(article.site),
        "comments": False,
        "date": "Tue, 02 Jan 2024 03:04:05 GMT",
        "thumbnail": article.lead_image,
    }


@pytest.mark.parametrize("value", HOSTILE.values(), ids=list(HOSTILE))
def test_a_hostile_value_anywhere_parses_back_exactly(value: str) -> None:
    article = dataclasses.replace(ARTICLE, title=value, site=value, categories=(value,) * 3)
    assert front_matter(article) == intended(article)


def test_one_line_turns_every_line_break_and_control_into_a_single_space() -> None:
    assert one_line("a\r\n\tb\u2028c") == "a b c"


texts = st.text(max_size=200)


@settings(max_examples=400, deadline=None)
@given(title=texts, site=texts, categories=st.tuples(texts, texts, texts))
def test_any_text_parses_back_exactly_in_the_seed_layout(
    title: str, site: str, categories: tuple[str, str, str]
) -> None:
    article = dataclasses.replace(ARTICLE, title=title, site=site, categories=categories)
    assert front_matter(article) == intended(article)


ROOT = Path("/archive")
CONTROL_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=400), suffix=st.sampled_from(["", ".md", "_abc123.md"]))
def test_a_file_name_is_one_safe_component_of_at_most_255_bytes(text: str, suffix: str) -> None:
    name = safe_name(text, suffix)
    assert len(name.encode("utf-8")) <= 255
    assert name.endswith(suffix) and name != suffix
    assert "/" not in name and "\\" not in name and ".." not in name
    assert name not in (".", "..") and not name.startswith((".", " "))
    assert not any(unicodedata.category(char) in CONTROL_CATEGORIES for char in name)
    assert not set(':?*"<>|[]#') & set(name)
    assert (ROOT / name).resolve().parent == ROOT


@pytest.mark.parametrize("reserved", ["CON", "nul", "Com1", "LPT9", "aux.txt"])
def test_names_windows_reserves_are_never_used(reserved: str) -> None:
    first, dot, rest = reserved.partition(".")
    assert safe_name(reserved, ".md") == f"{first}_{dot}{rest}.md"  # a leading `_` hides it


@settings(max_examples=60, deadline=None)
@given(first=st.text(min_size=1, max_size=80), second=st.text(min_size=1, max_size=80))
def test_two_articles_never_share_a_file_and_one_keeps_its_own(
    tmp_path_factory: pytest.TempPathFactory, first: str, second: str
) -> None:
    root = tmp_path_factory.mktemp("archive")
    crawler = get_crawler(settings_dict={"MARKDOWN_EXPORT_DIR": str(root)})
    pipeline = MarkdownExportPipeline.from_crawler(crawler)
    one = dataclasses.replace(ARTICLE, title=first, doc_id="one", url=ARTICLE.url + "?1")
    other = dataclasses.replace(
        ARTICLE, title=second, doc_id="two", url=ARTICLE.url + "?2",
        published=datetime(2025, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    for article in (one, other, one, other):  # the second round maps to the same files
        pipeline.process_item(article)
    files = sorted(path for path in root.rglob("*.md"))
    assert len(files) == 2
    assert all(path.resolve().is_relative_to(root.resolve()) for path in files)
