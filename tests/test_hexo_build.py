"""The archive is a Hexo site: a real crawl, built by real Hexo 8 + Volantis and Hexo 7 + Landscape.

The crawl is of the local mirror, with the recorded Sina pages and pages whose titles are
the hostile ones real finance news holds (a `%`, leading `#`/`[`/`?`, quotes, markup,
`{% raw %}`, names Windows reserves). Each site's build must turn every file into a post
at its permalink, log no ERROR, link only to pages it generated, show every title as the
front matter holds it, and run no script from a title in a browser.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import frontmatter
import pytest

from tests.crawling import FAST, add_page, roll_page
from tests.documents import FIXTURES, SINA_PAGES, page_meta, scrapy
from tests.hexo_sites import (
    Build,
    broken_links,
    browser_doms,
    build,
    pages,
    parse,
    post_page,
    served,
)
from tests.images import png

pytestmark = pytest.mark.component

# What a title's script would do if it ran: mark the page, where the browser's DOM shows it.
PWNED = "document.documentElement.setAttribute('data-pwned','1')"
HOSTILE_TITLES = [
    "美股收盘: 道指涨1%",
    "沪指涨0.5% 成交额破%E4万亿",
    "#美股# 道指涨",
    "[快讯] 央行降准0.25个百分点",
    "?谁在买A股",
    '"看得出这个寺庙在中国吗？"当地回应',
    "Moody's cuts China's outlook",
    f"<img src=x onerror={PWNED}> 恒指收涨",
    f"</script><script>{PWNED}</script> 港股",
    f'x" onerror="{PWNED}" y="',
    f"x' onmouseover='{PWNED}' autofocus onfocus='{PWNED}",
    "{% raw %}原油{% endraw %} {{ 期货 }}",
    "CON",
    "nul.txt",
    "...而且",
]
# Beijing morning times: the GMT date is the day before, so a wrong time-zone set-up shows.
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta property="article:published_time" content="2024-03-{day:02d}T07:{minute:02d}:00+08:00">
<title>{title}_新浪财经_新浪网</title></head>
<body><div class="main-content w1240">
<h1 class="main-title">{title}</h1>
<div class="date-source"><span class="date">2024年03月{day:02d}日 07:{minute:02d}</span></div>
<div class="article" id="artibody">
<p>　　第{number}篇正文，{{{{ 不是模板 }}}} {{% raw %}}。</p>
<p>　　<a href="https://finance.sina.com.cn/stock/">股市</a></p>
{image}
</div></div></body></html>
"""
BEIJING = ZoneInfo("Asia/Shanghai")


def hostile_url(number: int) -> str:
    """The article URL of the hostile page with this number (a Sina doc id)."""
    return f"https://finance.sina.com.cn/roll/2024-03-{1 + number:02d}/doc-ihexo{number:010d}.shtml"


IMAGE_HOST = "https://n.sinaimg.cn/hexo"  # served by the mirror, as the recorded pages are
IMAGES = {"red.png": png(40, 30, (200, 0, 0)), "blue.png": png(30, 40, (0, 0, 200))}


def add_image(fixtures: Path, name: str) -> str:
    """Serve an image from the mirror under a real image host; return its URL."""
    url = f"{IMAGE_HOST}/{name}"
    (fixtures / f"image-{name}").write_bytes(IMAGES[name])
    record = {"url": url, "file": f"image-{name}", "headers": {"Content-Type": "image/png"}}
    (fixtures / f"image-{name}.json").write_text(json.dumps(record), encoding="utf-8")
    return url


@dataclass
class Archive:
    """What the crawl wrote: the posts folder and the local images beside it."""

    posts: Path
    images: Path


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """A real crawl (`scrapy demo`, local images on) of a mirror of the recorded Sina pages
    and the hostile ones, under their real URLs."""
    fixtures = tmp_path_factory.mktemp("mirror")
    shutil.copytree(FIXTURES / "sites" / "sina", fixtures, dirs_exist_ok=True)
    # The demo's six pages (the folder also holds older-template pages no listing names).
    urls = [page_meta(page)["url"] for page in SINA_PAGES]
    images = [add_image(fixtures, name) for name in IMAGES]
    for number, title in enumerate(HOSTILE_TITLES):
        image = f'<p><img src="{images[number % 2]}" alt="图"></p>' if number % 3 == 0 else ""
        page = PAGE.format(
            title=html.escape(title), day=1 + number, minute=number, number=number, image=image
        )
        add_page(fixtures, f"hostile-{number}", hostile_url(number), page)
        urls.append(hostile_url(number))
    (fixtures / "roll-1686-page-1.json").write_bytes(roll_page(*urls).body)
    (fixtures / "roll-1686-page-2.json").unlink()
    root = tmp_path_factory.mktemp("archive")
    run = scrapy(
        "demo", *FAST,
        "-s", f"DEMO_FIXTURES_DIR={fixtures}",
        "-s", f"MARKDOWN_EXPORT_DIR={root / 'posts'}",
        "-s", "ARCHIVE_IMAGES_ENABLED=True",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stat("markdown/written") == len(urls), run.stderr
    assert run.stat("file_status_count/downloaded") == len(IMAGES), run.stderr
    return Archive(root / "posts", root / "images")


@dataclass
class Post:
    """One archive file and what its front matter says."""

    document: Path
    title: str
    date: datetime


def posts_of(built: Build) -> list[Post]:
    """Every archive file the site was given, with its title and date."""
    posts = []
    for document in sorted(built.posts.rglob("*.md")):
        if ".archive" in document.relative_to(built.posts).parts:
            continue
        meta = frontmatter.load(document)
        posts.append(Post(document, str(meta["title"]), parsedate_to_datetime(str(meta["date"]))))
    return posts


def built(name: str, archive: Archive, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The archive built by one site's Hexo and theme; the build itself must succeed."""
    site = build(name, archive.posts, tmp_path_factory.mktemp(name) / "site", archive.images)
    assert site.returncode == 0, site.log
    return site


@pytest.fixture(scope="module")
def volantis(archive: Archive, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Hexo 8.1.2 with hexo-theme-volantis 6.8.3."""
    return built("hexo8-volantis", archive, tmp_path_factory)


@pytest.fixture(scope="module")
def landscape(archive: Archive, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Hexo 7.3.0 with hexo-theme-landscape 1.1.0, Hexo's default theme."""
    return built("hexo7-landscape", archive, tmp_path_factory)


@pytest.fixture(params=["volantis", "landscape"])
def site(request: pytest.FixtureRequest) -> Build:
    """Each of the two sites in turn."""
    built_site: Build = request.getfixturevalue(request.param)
    return built_site


def test_every_file_becomes_a_post_at_its_permalink(site: Build) -> None:
    posts = posts_of(site)
    assert len(posts) == len(HOSTILE_TITLES) + 6
    missing = [
        str(post.document.relative_to(site.posts))
        for post in posts
        if not post_page(site, post.document, post.date).is_file()
    ]
    assert missing == [], site.log


def test_the_build_logs_no_error(site: Build) -> None:
    assert site.error_lines() == []


def test_every_internal_link_leads_to_a_generated_page(site: Build) -> None:
    assert broken_links(site) == {}


def test_landscape_shows_every_title_as_the_front_matter_holds_it(landscape: Build) -> None:
    for post in posts_of(landscape):
        page = parse(post_page(landscape, post.document, post.date))
        [heading] = page.xpath("//h1[contains(@class, 'article-title')]")
        assert heading.text_content().strip() == post.title


def acting_markup(page: Path) -> list[str]:
    """What in a page would run a title's script: a handler or a script holding it."""
    found = []
    for element in parse(page).iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name.lower().startswith("on") and "data-pwned" in value:
                found.append(f"<{element.tag} {name}={value!r}>")
        script_type = (element.get("type") or "text/javascript").lower()
        runs = "javascript" in script_type or script_type == "module"
        if element.tag == "script" and runs and "data-pwned" in (element.text or ""):
            found.append(f"<script>{element.text}</script>")
    return found


def test_volantis_pages_hold_no_markup_from_a_title(volantis: Build) -> None:
    found = {
        str(page.relative_to(volantis.public)): acting_markup(page) for page in pages(volantis)
    }
    assert {page: markup for page, markup in found.items() if markup} == {}


def site_path(site: Build, post: Post) -> str:
    """The URL path of a post's page on the site."""
    folder = post_page(site, post.document, post.date).parent.relative_to(site.public)
    return quote(f"/{folder.as_posix()}/")


def test_no_script_from_a_title_runs_in_a_browser(volantis: Build) -> None:
    # The home and archive pages list every hostile title; each post page shows its own
    # and its neighbours'. The posts whose titles held markup or quotes, and those pages.
    marked = [post for post in posts_of(volantis) if set(post.title) & set("＜＞＂＇\"'")]
    assert len(marked) >= 6
    paths = ["/", "/archives/", *(site_path(volantis, post) for post in marked)]
    with served(volantis.public) as site:
        loaded = browser_doms([site.origin + path for path in paths])
    dom = {path: loaded[site.origin + path] for path in paths}
    assert all("</html>" in page for page in dom.values())  # each page loaded and ran
    assert [path for path, page in dom.items() if re.search(r"<html[^>]*data-pwned", page)] == []


def test_the_local_images_load_in_a_browser_from_the_site_itself(volantis: Build) -> None:
    with_images = [
        post
        for post in posts_of(volantis)
        if str(frontmatter.load(post.document)["headimg"]).startswith("/images/")
    ]
    assert len(with_images) == len(range(0, len(HOSTILE_TITLES), 3))
    sources = {
        image.get("src")
        for post in with_images
        for image in parse(post_page(volantis, post.document, post.date)).iter("img")
        if (image.get("src") or "").startswith("/images/")
    }
    assert {(volantis.public / str(src).lstrip("/")).read_bytes() for src in sources} == set(
        IMAGES.values()
    )
    with served(volantis.public) as site:
        browser_doms([site.origin + site_path(volantis, post) for post in with_images])
    assert sources <= {path for path, status in site.answered if status == 200}


def test_hexo_timezone_setting_reads_the_gmt_dates_as_beijing_clock_times(
    archive: Archive, tmp_path: Path
) -> None:
    # The README's advice, checked: with `timezone: Asia/Shanghai` (and the machine on UTC)
    # a post published at 07:xx Beijing time, 23:xx GMT the day before, is filed that day.
    site = build(
        "hexo7-landscape", archive.posts, tmp_path / "site",
        timezone="Asia/Shanghai", reader_time_zone="UTC",
    )  # fmt: skip
    assert site.returncode == 0, site.log
    early = [post for post in posts_of(site) if post.date.astimezone(BEIJING).hour == 7]
    assert len(early) == len(HOSTILE_TITLES)
    for post in early:
        day = post.date.strftime("%Y/%m/%d")  # the GMT day: not the readers'
        assert day != post.date.astimezone(BEIJING).strftime("%Y/%m/%d")
        title = post.document.relative_to(site.posts).with_suffix("")
        assert (site.public / day / title / "index.html").is_file()
