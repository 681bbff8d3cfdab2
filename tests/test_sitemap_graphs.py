"""Sitemap indexes of any shape close in one walk: many paths to one sitemap, long chains."""

from __future__ import annotations

from pathlib import Path

from crawler.mirror import Mirror
from tests.crawling import FAST, mirror_of
from tests.documents import scrapy_cli
from tests.test_sitemap import index, listed, sina, state_of, urlset, utc, xml

STEM = "news-2019-09-07-doc-iicezzrq4076655"
LASTMOD = "2019-09-07T06:52:51+08:00"


def diamond_ladder(mirror: Mirror, depth: int) -> None:
    """Index levels of two files each, each file listing both files of the next level.

    There are 2^depth paths from the top to the last level's sitemap.
    """
    mirror.routes["/sitemap.xml"] = xml(urlset(*listed(mirror, STEM)))
    for level in range(depth):
        below = (
            [f"{mirror.origin}/{side}-{level + 1}.xml" for side in "ab"]
            if level + 1 < depth
            else [f"{mirror.origin}/sitemap.xml"]
        )
        for side in "ab":
            mirror.routes[f"/{side}-{level}.xml"] = xml(index(*((url, LASTMOD) for url in below)))


def test_an_index_with_two_to_the_forty_paths_closes_and_moves_its_mark(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        diamond_ladder(mirror, 40)
        # A child process: a closing that never ends must fail the test, not hang it.
        result = scrapy_cli(
            "crawl", "sitemap", *FAST, "-s", f"MARKDOWN_EXPORT_DIR={archive}",
            "-a", f"url={mirror.origin}/a-0.xml", "-a", "profile=sina", timeout=60,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(list(archive.rglob("*.md"))) == 1
    with state_of(archive) as state:
        assert state.listing_mark(f"sitemap:{mirror.origin}/a-0.xml") == utc(LASTMOD)
        assert state.listing_mark(f"sitemap:{mirror.origin}/b-39.xml") == utc(LASTMOD)


def test_a_chain_of_1200_indexes_closes_and_moves_its_mark(fixtures: Path, tmp_path: Path) -> None:
    depth = 1200
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        mirror.routes["/sitemap.xml"] = xml(urlset(*listed(mirror, STEM)))
        for level in range(depth):
            below = f"{mirror.origin}/{level + 1}.xml" if level + 1 < depth else "sitemap.xml"
            mirror.routes[f"/{level}.xml"] = xml(index((below, LASTMOD)))
        mirror.routes[f"/{depth - 1}.xml"] = xml(index((f"{mirror.origin}/sitemap.xml", LASTMOD)))
        result = sina(mirror, archive, "/0.xml")
    assert result.process.returncode == 0, result.log
    assert "RecursionError" not in result.log
    assert result.stat("sitemap/sitemaps") == depth + 1
    with state_of(archive) as state:
        assert state.listing_mark(f"sitemap:{mirror.origin}/0.xml") == utc(LASTMOD)
