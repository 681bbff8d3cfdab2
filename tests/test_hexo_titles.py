"""Titles no theme can turn into markup (pipelines/titles.py), and the setting that keeps them."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.items import Article
from pipelines.titles import SafeTitlePipeline, markup_safe_title
from tests.saved_pages import rendered_document

ARTICLE = Article(
    url="https://finance.sina.com.cn/roll/2024-01-01/doc-ixyz.shtml",
    title="x",
    published=datetime(2024, 1, 1, tzinfo=UTC),
)


@pytest.mark.parametrize(
    ("title", "safe"),
    [
        ("<img src=x onerror=alert(1)>", "＜img src=x onerror=alert(1)＞"),
        ("标题</script><script>alert(1)</script>", "标题＜/script＞＜script＞alert(1)＜/script＞"),
        ('x" onerror="alert(1)', 'x＂ onerror="alert(1)'),
        ("x' onmouseover='alert(1)", "x＇ onmouseover='alert(1)"),
        ('x"onerror="alert(1)', 'x＂onerror="alert(1)'),
        ('x"/style="color:red', 'x＂/style="color:red'),
        ('a" ONLOAD = "b', 'a＂ ONLOAD = "b'),
    ],
)
def test_markup_in_a_title_is_written_in_safe_forms(title: str, safe: str) -> None:
    assert markup_safe_title(title) == safe


@pytest.mark.parametrize(
    "title",
    [
        '"看得出这个寺庙在中国吗？"当地回应',
        '60万"12306账号"外泄? 中铁总辟谣称消息不实',
        "Moody's cuts China's outlook",
        '他说"涨=跌"',
        "PE'=10'",
        "美股收盘: 道指涨1%",
    ],
)
def test_an_ordinary_title_is_left_byte_for_byte(title: str) -> None:
    assert markup_safe_title(title) == title


THEIRS = {"alt", "src", "href", "title"}
ATTRIBUTE_PAGE = '<img alt="{title}" src="a.png"><a title=\'{title}\' href="b">b</a>'


@settings(max_examples=300, deadline=None)
@given(title=st.text(alphabet=st.sampled_from(list("\"'<>=/ \tabon错x1")), max_size=40))
def test_no_title_adds_an_attribute_or_element_where_a_theme_writes_it_unescaped(
    title: str,
) -> None:
    page = lxml.html.fragment_fromstring(
        ATTRIBUTE_PAGE.format(title=markup_safe_title(title)), create_parent="div"
    )
    assert {element.tag for element in page.iter()} <= {"div", "img", "a"}
    # A lone quote (kept, as in the seeds) may garble the theme's markup after it, but no
    # attribute that can act (an ASCII name: `on…`, `style`, `src`) gets a value.
    for element in page.iter():
        added = {name: value for name, value in element.attrib.items() if name not in THEIRS}
        assert not any(value and re.match("[A-Za-z]", name) for name, value in added.items()), added


def test_the_pipeline_writes_the_safe_title_and_the_setting_turns_it_off() -> None:
    pipeline = SafeTitlePipeline.from_crawler(get_crawler())
    item = dataclasses.replace(ARTICLE, title='<b>" onclick="x')
    assert pipeline.process_item(item).title == '＜b＞＂ onclick="x'
    with pytest.raises(NotConfigured):
        SafeTitlePipeline.from_crawler(
            get_crawler(settings_dict={"HEXO_SAFE_TITLES_ENABLED": False})
        )


PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta property="article:published_time" content="2024-01-01T08:00:00+08:00">
<title>t</title></head><body><div class="main-content w1240">
<h1 class="main-title">{title}</h1>
<div class="date-source"><span class="date">2024年01月01日 08:00</span></div>
<div class="article" id="artibody"><p>　　正文。</p></div></div></body></html>
"""
URL = "https://finance.sina.com.cn/roll/2024-01-01/doc-iabcdefg1234567.shtml"


@pytest.mark.parametrize(
    ("enabled", "title_line"),
    [
        (True, "title: '＜img src=x onerror=alert(1)＞ 涨'\n"),
        (False, "title: '<img src=x onerror=alert(1)> 涨'\n"),
    ],
)
def test_a_rendered_document_holds_the_safe_title_unless_turned_off(
    enabled: bool, title_line: str, tmp_path: Path
) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE.format(title="&lt;img src=x onerror=alert(1)&gt; 涨"), encoding="utf-8")
    settings = {"HEXO_SAFE_TITLES_ENABLED": enabled}
    assert title_line in rendered_document(page, URL, "1686", settings=settings)
