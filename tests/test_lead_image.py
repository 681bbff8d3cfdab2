"""The lead image: the article's own picture, else og:image, else the site's default; never
an icon, logo, button, avatar, tracking pixel or ad, and only a safe http(s) URL."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crawler.items import Article
from crawler.render import PageRenderer, Rendered, project_settings
from crawler.sites import site_named
from pipelines.body import ArticleBodyPipeline
from pipelines.lead_image import FURNITURE, is_safe_image_url
from tests.documents import page_meta, split_document
from tests.saved_pages import SITE_PAGES, folder_site, rendered_document

URL = "https://finance.sina.com.cn/roll/2024-01-02/doc-iabcdef1234567.shtml"
SINA_DEFAULT = site_named("sina").default_image
PICTURE = "https://n.sinaimg.cn/finance/2024/0102/picture.jpg"
OG_IMAGE = "https://n.sinaimg.cn/finance/2024/0102/og.jpg"
# What the corpus pages put before their article's picture (issue: a 15×17 logo gif, the
# 字号 button, an ad host's image, a default avatar) and a tracking pixel.
FURNITURE_IMAGES = (
    '<img src="https://i1.sinaimg.cn/dy/deco/2009/0629/sina_logo.gif">',
    '<img src="https://news.sina.com.cn/img/zh_font.gif" width="15" height="17">',
    '<img src="https://i2.sinaimg.cn/ty/2011/font_button_big.gif">',
    '<img src="https://d1.sina.com.cn/201201/12/395321.jpg" width="300" height="250">',
    '<img src="https://tva1.sinaimg.cn/default/images/default_avatar_male_50.gif">',
    '<img src="https://beacon.example.com/pixel.gif" width="1" height="1">',
)


def article(body: str, lead_image: str = "") -> Article:
    return Article(
        url=URL, site_key="sina", title="标题", body_html=f"<p>正文。</p>{body}",
        lead_image=lead_image,
    )  # fmt: skip


def settled(body: str, lead_image: str = "") -> str:
    item = ArticleBodyPipeline().process_item(article(body, lead_image))
    assert isinstance(item, Article)
    return item.lead_image


@pytest.mark.parametrize("furniture", FURNITURE_IMAGES)
def test_page_furniture_is_skipped_for_the_next_body_image(furniture: str) -> None:
    assert settled(f"{furniture}<p>图片：</p><img src='{PICTURE}'>", OG_IMAGE) == PICTURE


def test_a_body_of_furniture_only_gives_og_image_then_the_site_default() -> None:
    furniture = "".join(FURNITURE_IMAGES)
    assert settled(furniture, OG_IMAGE) == OG_IMAGE
    assert settled(furniture) == SINA_DEFAULT


def test_an_image_declared_large_enough_is_the_articles() -> None:
    assert settled(f'<img src="{PICTURE}" width="550" height="366">') == PICTURE


HOSTILE = (
    "javascript:alert(1)",
    "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
    'https://n.sinaimg.cn/a.jpg"</style><script>alert(1)</script>',
    "https://n.sinaimg.cn/a.jpg'onerror='alert(1)",
    "https://n.sinaimg.cn/<a>.jpg",
    "ftp://n.sinaimg.cn/a.jpg",
    "https:///a.jpg",
)


@pytest.mark.parametrize("declared", HOSTILE)
def test_a_declared_image_that_is_no_safe_http_url_gives_the_next_rule(declared: str) -> None:
    # og:image, a feed's enclosure, the listing's image: whatever the item came with.
    assert settled("", declared) == SINA_DEFAULT
    assert settled(f"<img src='{PICTURE}'>", declared) == PICTURE


@pytest.mark.parametrize("declared", HOSTILE[:-1])  # (the page's URL resolves the last)
def test_a_hostile_og_image_never_reaches_the_written_front_matter(declared: str) -> None:
    escaped = declared.replace("&", "&amp;").replace('"', "&quot;")
    page = (
        f'<html><head><meta charset="utf-8"><meta property="og:image" content="{escaped}">'
        '<meta property="article:published_time" content="2024-01-02T10:00:00+08:00">'
        '</head><body><h1 class="main-title">标题</h1><div id="artibody"><p>　　正文。</p>'
        "</div></body></html>"
    ).encode()
    site = site_named("sina")
    result = PageRenderer(project_settings()).render(
        page, URL, {"Content-Type": "text/html; charset=utf-8"}, site, site.channel("1686")
    )
    assert isinstance(result, Rendered), result
    front = yaml.safe_load(split_document(result.text).head.split("---")[1])
    assert front["headimg"] == front["thumbnail"] == SINA_DEFAULT


@pytest.mark.parametrize("page", SITE_PAGES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_lead_image_rule_holds_on_every_fixture_page(page: Path) -> None:
    output = rendered_document(page, channel=page_meta(page)["channel"], site=folder_site(page))
    document = split_document(output)
    headimg = yaml.safe_load(document.head.split("---")[1])["headimg"]
    assert is_safe_image_url(headimg)
    site = folder_site(page)
    if headimg != site.default_image:
        assert not FURNITURE.search(headimg.split("?")[0]), headimg
