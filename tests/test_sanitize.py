"""The nh3 allow-list: the article's markup stays, nothing that can run code does."""

from __future__ import annotations

import html
import re
import string

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.clean import clean_html
from pipelines.sanitize import _ACTIVE_STYLE, _FOLDED_LETTERS, sanitize_html

PAGE_URL = "https://finance.sina.com.cn/roll/2024-01-02/doc-iabc.shtml"

ARTICLE_MARKUP = [
    '<p cms-style="font-L">　　正文<strong>加粗</strong><em>斜体</em><a href="https://a.cn/x" '
    'target="_blank" title="t">链接</a></p>',
    '<div class="img_wrapper"><img id="0" src="https://n.sinaimg.cn/a.jpg" alt="图" '
    'data-mce-attachid="1"><span class="img_descr">图片说明</span></div>',
    '<table><tbody><tr><th scope="col">指标</th><td colspan="2">数值</td></tr></tbody></table>',
    '<ul><li>一</li><li>二</li></ul><ol start="3"><li>三</li></ol>',
    "<blockquote><p>引用</p></blockquote><h2>小标题</h2><p><sub>1</sub><sup>2</sup></p>",
    '<p style="text-align:center"><font color="red">红字</font></p>',
]

HOSTILE = {
    "script": "<p>文</p><script>alert(1)</script>",
    "script in svg": "<svg><script>alert(1)</script></svg><p>文</p>",
    "svg onload": '<svg onload="alert(1)"><circle r="1"/></svg><p>文</p>',
    "mathml link": '<math><mi xlink:href="javascript:alert(1)">x</mi></math><p>文</p>',
    "iframe": '<iframe src="https://evil.example/"></iframe><p>文</p>',
    "object": '<object data="x.swf"><param name="a" value="b"></object><p>文</p>',
    "embed": '<embed src="x.swf"><p>文</p>',
    "form": '<form action="https://evil.example/"><input name="p"><button>go</button></form>'
    "<p>文</p>",
    "onerror": '<p>文<img src="https://a.cn/x.jpg" onerror="alert(1)"></p>',
    "onclick upper": '<p ONCLICK="alert(1)">文</p>',
    "javascript href": '<p><a href="javascript:alert(1)">文</a></p>',
    "javascript entity-encoded": '<p><a href="jav&#x61;script:alert(1)">文</a></p>',
    "vbscript href": '<p><a href="vbscript:msgbox(1)">文</a></p>',
    "data href": '<p><a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">文</a></p>',
    "data image": '<p>文<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="x"></p>',
    "style expression": '<p style="width:expression(alert(1))">文</p>',
    "style url javascript": '<p style="background:url(javascript:alert(1))">文</p>',
    "style import": "<p style=\"@import 'https://evil.example/x.css'\">文</p>",
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/"><p>文</p>',
    "base": '<base href="https://evil.example/"><p>文</p>',
    "link stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css"><p>文</p>',
    "template": "<template><script>alert(1)</script></template><p>文</p>",
}
DANGEROUS = ("<script", "<svg", "<math", "<iframe", "<object", "<embed", "<form", "<input",
             "<button", "<meta", "<base", "<link", "<template", "javascript:", "vbscript:",
             "data:", "expression(", "url(", "@import", "alert(1)")  # fmt: skip


def tree(html: str) -> list[tuple[str, dict[str, str], str]]:
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return [
        (str(e.tag), dict(e.attrib), (e.text or "").strip()) for e in root.iter() if e is not root
    ]


@pytest.mark.parametrize("markup", ARTICLE_MARKUP)
def test_the_articles_own_markup_is_kept(markup: str) -> None:
    assert tree(sanitize_html(markup)) == tree(markup)


@pytest.mark.parametrize(("case", "markup"), HOSTILE.items(), ids=list(HOSTILE))
def test_markup_that_can_run_code_is_removed_and_the_text_kept(case: str, markup: str) -> None:
    cleaned = clean_html(markup, PAGE_URL)
    lowered = cleaned.lower()
    for dangerous in DANGEROUS:
        assert dangerous not in lowered, (case, cleaned)
    assert "on" + "error" not in lowered and "onclick" not in lowered and "onload" not in lowered
    assert "文" in cleaned


def test_braces_stay_escaped_after_sanitising() -> None:
    cleaned = clean_html("<p>{{ secret }} 与 {% include x %}</p>", PAGE_URL)
    assert "{" not in cleaned and "}" not in cleaned
    assert cleaned == "<p>&#123;&#123; secret &#125;&#125; 与 &#123;% include x %&#125;</p>"


def test_a_safe_inline_style_is_kept_as_written() -> None:
    assert sanitize_html('<p style="text-indent: 2em">文</p>') == (
        '<p style="text-indent: 2em">文</p>'
    )


def test_links_get_no_rel_added() -> None:
    assert sanitize_html('<a href="https://a.cn/">a</a>') == '<a href="https://a.cn/">a</a>'


# Styles that load something or cover the page, however they are spelled: dropped whole.
LOADING_OR_COVERING_STYLES = {
    "css escape in url": r"background:u\72l(https://evil.example/t.png)",
    "css escape with space": r"background:\000075 rl(https://evil.example/t.png)",
    "escaped first letter": r"background:\75rl(https://evil.example/t.png)",
    "image-set": 'background-image:image-set("https://evil.example/a.png" 1x)',
    "webkit image-set": 'background-image:-webkit-image-set("https://evil.example/a.png" 1x)',
    "cross-fade": 'background:cross-fade("https://evil.example/a.png", red 50%)',
    "fixed overlay": "position:fixed;top:0;left:0;width:100%;height:100%;z-index:99999",
    "fixed upper case": "POSITION : FIXED",
    "fixed with a comment": "position:/* */fixed",
    "fixed escaped": r"position:\66ixed",
    "fixed through a variable": "--p:fixed;position:var(--p)",
}


@pytest.mark.parametrize(
    "style", LOADING_OR_COVERING_STYLES.values(), ids=list(LOADING_OR_COVERING_STYLES)
)
def test_a_style_that_loads_or_covers_the_page_is_dropped_whole(style: str) -> None:
    markup = f"<p style='{html.escape(style)}'>文</p>"
    assert sanitize_html(markup) == "<p>文</p>"


@pytest.mark.parametrize("style", ["color:red", "position:relative", "text-indent: 2em"])
def test_a_style_that_neither_loads_nor_covers_is_kept(style: str) -> None:
    assert sanitize_html(f'<p style="{style}">文</p>') == f'<p style="{style}">文</p>'


def test_the_folded_letters_are_what_a_case_blind_search_takes_for_each_letter() -> None:
    any_letter = re.compile("[a-z]", re.IGNORECASE)
    for code in range(0x110000):
        character = chr(code)
        folded = character.translate(_FOLDED_LETTERS)
        if any_letter.fullmatch(character) is None:
            assert folded == character, hex(code)
        else:
            blind = [x for x in string.ascii_lowercase if re.fullmatch(x, character, re.I)]
            assert [folded] == blind, hex(code)


# Pieces of what the active-style pattern looks for, in every case the folding must cover.
STYLE_PIECES = st.sampled_from([
    "url", "URL", "Url", "ſrc", "İmage", "ımage", "expreſſion", "javascript", "JavaScript",
    "@import", "@IMPORT", "behavior", "-moz-binding", "-MOZ-BINDING", "position", "fixed",
    "FIXED", "var", "paint", "(", ":", " ", "\t", ";", "-", "set", "k", "K", "x",
])  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(pieces=st.lists(STYLE_PIECES, max_size=8))
def test_a_style_is_judged_as_a_case_blind_search_judges_it(pieces: list[str]) -> None:
    style = "".join(pieces)
    blind = re.compile(_ACTIVE_STYLE.pattern, re.IGNORECASE)
    active = _ACTIVE_STYLE.search(style.translate(_FOLDED_LETTERS)) is not None
    assert active == (blind.search(style) is not None)
