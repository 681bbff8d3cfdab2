"""Local images (ARCHIVE_IMAGES_ENABLED): a real crawl of the mirror, images from a local server."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import pytest

from crawler.mirror import Mirror, Route, mirror_path, serve
from tests.crawling import Crawl, crawl, mirror_of, roll_page
from tests.documents import FIXTURES
from tests.images import article_page, png

RED, BLUE = png(4, 3, (200, 0, 0)), png(2, 2, (0, 0, 200))
TOO_BIG = png(20, 20, (0, 200, 0)) + bytes(range(256)) * 8  # over ARCHIVE_IMAGES_MAX_BYTES
MAX_BYTES = 1000
URLS = [
    "https://finance.sina.com.cn/roll/2024-05-01/doc-iimages00000001.shtml",
    "https://finance.sina.com.cn/roll/2024-05-02/doc-iimages00000002.shtml",
]


@dataclass
class Setup:
    """The Sina mirror, the image server, and where the crawl writes."""

    mirror: Mirror
    images: Mirror
    archive: Path
    image_dir: Path

    def image_url(self, name: str) -> str:
        return f"{self.images.origin}/img/{name}"

    def crawl(self, *args: str) -> Crawl:
        """Crawl the mirror with local images on."""
        return crawl(
            self.mirror, self.archive,
            "-s", "ARCHIVE_IMAGES_ENABLED=True",
            "-s", f"ARCHIVE_IMAGES_DIR={self.image_dir}",
            "-s", f"ARCHIVE_IMAGES_MAX_BYTES={MAX_BYTES}",
            *args,
        )  # fmt: skip


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    """Two articles: one with two good images, one with a missing and an oversized one."""
    empty = tmp_path / "none"
    empty.mkdir()
    fixtures = tmp_path / "mirror"
    shutil.copytree(FIXTURES / "sites" / "sina", fixtures)
    for saved in fixtures.glob("*.html"):  # only the two articles below are listed
        saved.unlink()
        saved.with_suffix(".json").unlink()
    with (
        serve(Mirror(empty)) as images,
        mirror_of(fixtures, scripted={"1686_1": roll_page(*URLS)}) as mirror,
    ):
        images.routes["/img/red.png"] = Route(RED, "image/png")
        images.routes["/img/blue.png"] = Route(BLUE, "image/png")
        images.routes["/img/big.png"] = Route(TOO_BIG, "image/png")
        setup = Setup(mirror, images, tmp_path / "output", tmp_path / "images")
        pages = [
            article_page(
                "有图的文章", 1, [setup.image_url("red.png"), setup.image_url("blue.png")]
            ),
            article_page(
                "图坏了的文章", 2, [setup.image_url("gone.png"), setup.image_url("big.png")]
            ),
        ]
        for url, page in zip(URLS, pages, strict=True):
            mirror.routes[mirror_path(url)] = Route(page.encode())
        yield setup


def stored_name(url: str) -> str:
    """Where the files pipeline stores an image: its URL's sha1, in a folder of two."""
    digest = hashlib.sha1(url.encode()).hexdigest()
    return f"{digest[:2]}/{digest}.png"


def document(setup: Setup, title: str) -> frontmatter.Post:
    [path] = setup.archive.rglob(f"{title}.md")
    return frontmatter.load(path)


def test_images_are_stored_and_the_article_points_at_the_copies(setup: Setup) -> None:
    run = setup.crawl()
    assert run.process.returncode == 0, run.log
    red, blue = (stored_name(setup.image_url(name)) for name in ("red.png", "blue.png"))
    assert (setup.image_dir / red).read_bytes() == RED
    assert (setup.image_dir / blue).read_bytes() == BLUE
    post = document(setup, "有图的文章")
    assert f'src="/images/{red}"' in post.content and f'src="/images/{blue}"' in post.content
    assert setup.images.origin not in post.content
    # The lead image is the first body image, given `https:`: the same copy.
    assert post["headimg"] == post["thumbnail"] == f"/images/{red}"


def test_an_image_that_fails_or_is_too_big_keeps_its_remote_url(setup: Setup) -> None:
    run = setup.crawl()
    post = document(setup, "图坏了的文章")
    assert f'src="{setup.image_url("gone.png")}"' in post.content
    assert f'src="{setup.image_url("big.png")}"' in post.content
    assert run.stat("images/kept_remote") == 2
    assert post["headimg"] == setup.image_url("gone.png").replace("http:", "https:", 1)
    assert "File (code: 404): Error downloading file" in run.log
    assert "larger than download max size" in run.log
    assert sorted(path.name for path in setup.image_dir.rglob("*.png")) == sorted(
        Path(stored_name(setup.image_url(name))).name for name in ("red.png", "blue.png")
    )


def test_an_image_already_stored_is_not_fetched_again(setup: Setup) -> None:
    setup.crawl()
    assert setup.images.requests["/img/red.png"] == 1
    again = setup.crawl("-a", "refresh=all")  # every article fetched and written again
    assert again.process.returncode == 0, again.log
    assert setup.images.requests["/img/red.png"] == 1
    assert setup.images.requests["/img/blue.png"] == 1
    assert again.stat("markdown/unchanged") == 2  # the same local paths: the same bytes


def test_local_images_are_off_by_default(setup: Setup) -> None:
    run = crawl(setup.mirror, setup.archive)
    assert run.process.returncode == 0, run.log
    post = document(setup, "有图的文章")
    assert f'src="{setup.image_url("red.png")}"' in post.content
    assert not setup.image_dir.exists() and sum(setup.images.requests.values()) == 0
