"""The seed documents' bodies, wrapped in a Sina desktop page, render to the seed layout.

The pages are rendered in-process (crawler/render.py), as `scrapy render` renders them.
"""

from __future__ import annotations

import html
from pathlib import Path

import frontmatter
import pytest

from tests.documents import FIXTURES, assert_same_document, split_document
from tests.saved_pages import rendered_document

SEEDS = FIXTURES / "seeds"
QR_CODE_IMAGE = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta property="og:type" content="news">
<meta property="article:published_time" content="{published}">
<title>{title}_新浪财经_新浪网</title></head>
<body><div class="main-content w1240">
<h1 class="main-title">{title}</h1>
<div class="date-source"><span class="date">2022年05月28日 21:19</span></div>
<div class="article" id="artibody">{body}</div>
</div></body></html>
"""


def seed_title(seed: Path) -> str:
    """Read the title from a seed's front matter."""
    return str(frontmatter.load(seed)["title"])


def wrap_seed(seed: Path, published: str, folder: Path) -> Path:
    """Write a Sina desktop page whose title is the seed's and whose `#artibody` its body."""
    body = split_document(seed.read_text(encoding="utf-8")).body
    title = html.escape(seed_title(seed))
    page = folder / f"{seed.stem}.html"
    page.write_text(PAGE.format(title=title, published=published, body=body), encoding="utf-8")
    return page


@pytest.mark.parametrize(
    ("seed", "published", "url"),
    [
        (
            "000_eb744beb5898c41c.md",
            "2022-05-28T21:19:43+08:00",
            "https://finance.sina.com.cn/jjxw/2022-05-28/doc-imizmscu3890443.shtml",
        ),
        (
            "sina-2021-06-16-no-inline-image.md",
            "2021-06-16T09:27:56+08:00",
            "https://finance.sina.com.cn/jjxw/2021-06-16/doc-ikqcfnca1234567.shtml",
        ),
    ],
    ids=["reference-seed", "no-inline-image-seed"],
)
def test_seed_body_renders_to_the_expected_seed_document(
    seed: str, published: str, url: str, tmp_path: Path
) -> None:
    page = wrap_seed(SEEDS / seed, published, tmp_path)
    document = rendered_document(page, url, "1686")
    expected = (SEEDS / "expected" / seed).read_text(encoding="utf-8")
    assert_same_document(document, expected)


def test_qr_code_image_is_never_the_lead_image(tmp_path: Path) -> None:
    page = wrap_seed(
        SEEDS / "sina-2021-06-16-no-inline-image.md", "2021-06-16T09:27:56+08:00", tmp_path
    )
    document = rendered_document(
        page, "https://finance.sina.com.cn/jjxw/2021-06-16/doc-ikqcfnca1234567.shtml"
    )
    assert QR_CODE_IMAGE not in document
    assert "headimg: 'https://n.sinaimg.cn/finance/page/ent/images/sina_logo.png'\n" in document
