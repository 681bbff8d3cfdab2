"""Optional local images: an article's images kept in the site, by Scrapy's files pipeline.

With ARCHIVE_IMAGES_ENABLED, every body image and the lead image is downloaded once into
ARCHIVE_IMAGES_DIR (by default `images` beside the archive folder: Hexo's `source/images`
when the archive is `source/_posts`), and the body's `src`, `headimg` and `thumbnail` point
to the copies under ARCHIVE_IMAGES_URL (`/images/`), so the archive outlives link rot and
hot-link blocking. Off by default: the seed format links to the news sites' images.

Scrapy's FilesPipeline does the work: the files keep their bytes (no re-encoding), an
image already stored is not fetched again, and each download is bounded by
ARCHIVE_IMAGES_MAX_BYTES; an article's images past ARCHIVE_IMAGES_MAX_PER_ARTICLE, and any
that fails, keep their remote URLs (logged by the files pipeline, counted in
`images/kept_remote`).
"""

from __future__ import annotations

import logging
from io import BytesIO
from os import PathLike
from pathlib import Path
from typing import Any, ClassVar, Self

from itemadapter import ItemAdapter
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline, FilesStoreProtocol, FSFilesStore
from scrapy.pipelines.media import FileInfoOrError, MediaPipeline

from crawler import stats
from crawler.archive.files import write_atomically
from crawler.archive.state import archive_root
from crawler.common.html import parse_fragment, serialize_fragment
from crawler.common.urls import https_url

logger = logging.getLogger(__name__)

KEEP_STORED_DAYS = 365 * 100  # an image at a URL does not change: never fetched twice


class AtomicFilesStore(FSFilesStore):
    """Scrapy's file system store, writing each file whole or not at all."""

    def persist_file(
        self,
        path: str | PathLike[str],
        buf: BytesIO,
        info: MediaPipeline.SpiderInfo,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Write the file through a temporary file in its folder, then rename it."""
        write_atomically(self._get_filesystem_path(path), buf.getvalue())


def image_urls(body_html: str, lead_image: str, limit: int) -> list[str]:
    """Return the article's images to keep: the body's, in order, then the lead image."""
    urls: list[str] = []
    for img in parse_fragment(body_html).iter("img"):
        src = (img.get("src") or "").strip()
        if src.startswith(("http://", "https://")) and src not in urls:
            urls.append(src)
    if lead_image and lead_image not in urls and not _same_image(lead_image, urls):
        urls.append(lead_image)
    return urls[:limit]


def _same_image(lead_image: str, urls: list[str]) -> bool:
    """Tell whether the lead image is a body image (written with `https:`)."""
    return any(https_url(url, url) == lead_image for url in urls)


class ArchiveImagesPipeline(FilesPipeline):
    """Download each article's images into the site and point the article at the copies."""

    writes_archive = True  # `scrapy render` writes nothing, so downloads nothing either
    STORE_SCHEMES: ClassVar[dict[str, type[FilesStoreProtocol]]] = {
        **FilesPipeline.STORE_SCHEMES,
        "": AtomicFilesStore,
        "file": AtomicFilesStore,
    }

    def __init__(
        self, store_uri: str, *, crawler: Crawler, url_prefix: str, max_bytes: int, limit: int
    ) -> None:
        super().__init__(store_uri, crawler=crawler)
        self.expires = KEEP_STORED_DAYS
        self.url_prefix = url_prefix
        self.max_bytes = max_bytes
        self.limit = limit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the stage from the ARCHIVE_IMAGES_* settings (off unless enabled)."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_IMAGES_ENABLED"):
            raise NotConfigured  # off by default: no reason given, so Scrapy logs no warning
        folder = settings.get("ARCHIVE_IMAGES_DIR") or archive_root(settings).parent / "images"
        return cls(
            str(Path(folder).resolve()),
            crawler=crawler,
            url_prefix=settings.get("ARCHIVE_IMAGES_URL", "/images/").rstrip("/") + "/",
            max_bytes=settings.getint("ARCHIVE_IMAGES_MAX_BYTES"),
            limit=settings.getint("ARCHIVE_IMAGES_MAX_PER_ARTICLE"),
        )

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        """Request the article's images, each bounded by ARCHIVE_IMAGES_MAX_BYTES."""
        adapter = ItemAdapter(item)
        # Images live on other hosts than the site's pages (n.sinaimg.cn, CDNs): a spider's
        # allowed_domains is about pages, not images.
        meta = {"download_maxsize": self.max_bytes, "allow_offsite": True}
        return [
            Request(url, callback=NO_CALLBACK, meta=meta)
            for url in image_urls(adapter["body_html"], adapter["lead_image"], self.limit)
        ]

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        """Name a file by its URL's sha1 (and extension), in one of 256 folders."""
        name = super().file_path(request, response, info, item=item).removeprefix("full/")
        return f"{name[:2]}/{name}"

    def item_completed(
        self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo
    ) -> Any:
        """Point the body's images and the lead image at the copies that were stored."""
        adapter = ItemAdapter(item)
        wanted = image_urls(adapter["body_html"], adapter["lead_image"], self.limit)
        local = {
            url: self.url_prefix + result["path"]
            for url, (ok, result) in zip(wanted, results, strict=True)
            if ok and isinstance(result, dict)
        }
        kept_remote = self._count_remote(adapter, local)
        if kept_remote:
            self.crawler.stats.inc_value(stats.IMAGES_KEPT_REMOTE, kept_remote)
        if local:
            adapter["body_html"] = local_body(adapter["body_html"], local)
            lead = adapter["lead_image"]
            adapter["lead_image"] = local.get(lead) or next(
                (path for url, path in local.items() if https_url(url, url) == lead), lead
            )
        return item

    def _count_remote(self, adapter: ItemAdapter, local: dict[str, str]) -> int:
        """Count the article's images that keep their remote URL."""
        every = image_urls(adapter["body_html"], adapter["lead_image"], limit=10**9)
        return len([url for url in every if url not in local])


def local_body(body_html: str, local: dict[str, str]) -> str:
    """Return the body with each stored image's `src` pointing at its copy."""
    root = parse_fragment(body_html)
    for img in root.iter("img"):
        src = (img.get("src") or "").strip()
        if src in local:
            img.set("src", local[src])
    return serialize_fragment(root)
