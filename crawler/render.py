"""One page from its bytes to the archive's document, in-process, as a crawl takes it.

The stages, in a crawl's order:

1. respond: the response Scrapy's downloader builds from the bytes and the recorded
   headers (its class from `responsetypes`, its encoding from the headers, a BOM or the
   page's own `<meta>`), with the request it answers;
2. redecode: the project's re-decoding downloader middlewares (crawler/encoding.py), built
   from the settings with `from_crawler`, called in the order the downloader calls them;
3. extract: `crawler.pages.read_article`, as every spider reads a fetched page (its checks,
   then `extract_article`);
4. process: every item pipeline of ITEM_PIPELINES but those that write the archive
   (`writes_archive = True`), built with `from_crawler`, in their priority order;
5. format: the seed format (`MarkdownItemExporter`, with MARKDOWN_EXTRA_FIELDS).

`scrapy render`, the fixture tests and the benchmarks all go through `render_page` (or a
`PageRenderer`, which builds the components once for many pages). A saved page's recorded
headers live in the `.json` record next to it (`recorded_headers`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.extension import ExtensionManager
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings, Settings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.archive.document import MarkdownItemExporter, document_bytes
from crawler.encoding import RedecodingMiddleware
from crawler.items import Article
from crawler.listing import Listing
from crawler.pages import read_article
from crawler.sites import Channel, ExtractionError, Site

# What a saved page with no recorded headers is taken to have been served with: HTML, no
# charset, so that a BOM or the page's own declaration decides (as for a file on disk).
DEFAULT_HEADERS: Mapping[str, str] = {"Content-Type": "text/html"}


@dataclass(frozen=True)
class Rendered:
    """A page made into an article and its document, byte for byte what a crawl writes."""

    article: Article
    document: bytes

    @property
    def text(self) -> str:
        """The document as text."""
        return self.document.decode("utf-8")


@dataclass(frozen=True)
class Dropped:
    """Why a page made no document, and at which stage."""

    stage: Literal["extract", "process"]  # not an article page / a pipeline dropped it
    reason: str  # the ExtractionError's or DropItem's message


def project_settings(values: Mapping[str, Any] | None = None) -> Settings:
    """Return the project's settings (crawler/settings.py), with `values` as on the command line."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(dict(values or {}), priority="cmdline")
    return settings


def recorded_headers(page: Path) -> dict[str, str]:
    """Return the response headers recorded next to a saved page, else DEFAULT_HEADERS.

    The record is `<stem>.json` (the fixtures' metadata) with a `headers` object.
    """
    record_file = page.with_suffix(".json")
    if not record_file.is_file():
        return dict(DEFAULT_HEADERS)
    record = json.loads(record_file.read_text(encoding="utf-8"))
    if not isinstance(record, dict):
        raise ValueError(f"{record_file} is not a JSON object")
    headers = record.get("headers", DEFAULT_HEADERS)
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ValueError(f"{record_file}: `headers` is not an object of strings")
    return dict(headers)


class PageRenderer:
    """The components of a crawl's per-page path, built once from the settings."""

    def __init__(self, settings: Settings, *, writes_archive: bool = False) -> None:
        """Build the components; with `writes_archive`, the archive's pipelines too (and the
        extensions they read the archive state from): a crawl's whole per-article path."""
        self.crawler = Crawler(Spider, settings)
        self.settings = self.crawler.settings
        self.crawler.stats = load_object(self.settings["STATS_CLASS"])(self.crawler)
        if writes_archive:
            self.crawler.extensions = build_from_crawler(ExtensionManager, self.crawler)
        middlewares = [
            cls
            for cls in map(load_object, components(self.settings, "DOWNLOADER_MIDDLEWARES"))
            if isinstance(cls, type) and issubclass(cls, RedecodingMiddleware)
        ]
        # The downloader hands a response to the middleware nearest to it first.
        self.decoders: list[RedecodingMiddleware] = built(self.crawler, middlewares[::-1])
        pipelines = [
            cls
            for cls in map(load_object, components(self.settings, "ITEM_PIPELINES"))
            if writes_archive or not getattr(cls, "writes_archive", False)
        ]
        self.pipelines: list[Any] = built(self.crawler, pipelines)
        self.extra_fields = tuple(self.settings.getlist("MARKDOWN_EXTRA_FIELDS"))
        # An unknown MARKDOWN_EXTRA_FIELDS name fails here, once, not at the first page.
        MarkdownItemExporter(io.BytesIO(), extra_fields=self.extra_fields)

    @property
    def stats(self) -> StatsCollector:
        """The stats the middlewares and pipelines count into."""
        return self.crawler.stats

    def response(self, body: bytes, url: str, headers: Mapping[str, str]) -> Response:
        """Build the response the downloader hands on for these bytes and headers."""
        request = Request(url)
        recorded = Headers(dict(headers))
        cls = responsetypes.from_args(headers=recorded, url=url, body=body)
        response = cls(url=url, status=200, headers=recorded, body=body, request=request)
        for decoder in self.decoders:
            response = decoder.process_response(request, response)
        return response

    def extract(
        self, response: Response, site: Site, channel: Channel, listing: Listing | None = None
    ) -> Article:
        """Turn the response into an Article, as a spider does; raise ExtractionError if none."""
        return read_article(response, site, channel, listing)

    def process(self, article: Article) -> Article:
        """Run the item pipelines on an article; a dropped article raises DropItem."""
        item: Any = article
        for pipeline in self.pipelines:
            item = pipeline.process_item(item)
        if not isinstance(item, Article):
            raise TypeError(f"an item pipeline returned {item!r}, not the Article")
        return item

    def document(self, article: Article) -> bytes:
        """Write the article in the seed format, as the export pipeline does."""
        return document_bytes(article, self.extra_fields)

    def render(
        self, body: bytes, url: str, headers: Mapping[str, str], site: Site, channel: Channel
    ) -> Rendered | Dropped:
        """Take one page through every stage: its document, or why there is none."""
        try:
            article = self.extract(self.response(body, url, headers), site, channel)
        except ExtractionError as error:
            return Dropped("extract", str(error))
        try:
            article = self.process(article)
        except DropItem as error:
            return Dropped("process", str(error))
        return Rendered(article, self.document(article))


def components(settings: BaseSettings, name: str) -> list[Any]:
    """Return a component setting's entries (with its _BASE) in priority order, as Scrapy does."""
    return build_component_list(settings.getwithbase(name))


def built(crawler: Crawler, classes: list[Any]) -> list[Any]:
    """Build each component with `from_crawler`; leave out those that are NotConfigured."""
    instances = []
    for cls in classes:
        try:
            instances.append(build_from_crawler(cls, crawler))
        except NotConfigured:
            continue  # switched off by its setting, as Scrapy's component managers do
    return instances


def render_page(
    body: bytes,
    url: str,
    headers: Mapping[str, str],
    site: Site,
    channel: Channel,
    *,
    settings: Settings,
) -> Rendered | Dropped:
    """Turn a page's bytes, URL and recorded headers into its archive document, as a crawl does."""
    return PageRenderer(settings).render(body, url, headers, site, channel)
