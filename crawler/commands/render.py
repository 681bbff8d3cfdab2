"""`scrapy render FILE --url URL [--channel LID] [--generic]`: print what a crawl would write."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from crawler.archive.document import MarkdownItemExporter
from crawler.items import Article
from crawler.sites import (
    Channel,
    ExtractionError,
    Site,
    extract_article,
    profile_for_url,
    site_named,
)
from crawler.sites.generic import Generic


class RenderSpider(scrapy.Spider):
    """Read one saved page from disk and parse it as if it had been fetched from `url`."""

    name = "render"

    def __init__(self, page: Path, url: str, site: Site, channel: Channel, **kwargs: Any):
        super().__init__(**kwargs)
        self.page, self.url, self.site, self.channel = page, url, site, channel
        self.failure = ""

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Run every item pipeline but those writing the archive; no archive state, no robots."""
        super().update_settings(settings)
        pipelines = settings.getwithbase("ITEM_PIPELINES")
        writers = {
            path: None
            for path in pipelines
            if path and getattr(load_object(path), "writes_archive", False)
        }
        settings.set(
            "ITEM_PIPELINES", {**settings.getdict("ITEM_PIPELINES"), **writers}, priority="spider"
        )
        settings.set("ROBOTSTXT_OBEY", False, priority="spider")
        settings.set("ARCHIVE_ENABLED", False, priority="spider")
        # The project's settings disable file:// downloads; reading the saved page needs it.
        handlers = settings.getdict("DOWNLOAD_HANDLERS")
        handlers.pop("file", None)
        settings.set("DOWNLOAD_HANDLERS", handlers, priority="spider")

    async def start(self) -> AsyncIterator[Request]:
        """Ask for the saved page through Scrapy's file:// download handler."""
        yield Request(
            self.page.resolve().as_uri(),
            callback=self.parse_page,
            errback=lambda failure: self.fail(failure.getErrorMessage()),
        )

    def parse_page(self, response: Response) -> Article | None:
        """Parse the page under its real URL, so relative links resolve as on the site."""
        if not isinstance(response, TextResponse):
            self.fail("not a text page")
            return None
        try:
            return extract_article(self.site, response.replace(url=self.url), self.channel)
        except ExtractionError as error:
            self.fail(str(error))
            return None

    def fail(self, reason: str) -> None:
        """Remember why nothing was rendered."""
        self.failure = reason


class Command(ScrapyCommand):
    """Render a saved article page through the parser and every pipeline, to stdout."""

    requires_project = True

    def __init__(self) -> None:
        super().__init__()
        self.rendered: list[Any] = []
        self.dropped: list[str] = []

    def syntax(self) -> str:
        """Show the arguments."""
        return "FILE --url URL [--channel LID] [--generic]"

    def short_desc(self) -> str:
        """Describe the command in one line."""
        return "Print the Markdown file a crawl would write for a saved page (writes nothing)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """Add --url, --channel and --generic."""
        super().add_options(parser)
        parser.add_argument("--url", required=True, help="the page's real URL (picks the site)")
        parser.add_argument("--channel", help="the channel id (default: the site's default)")
        parser.add_argument(
            "--generic",
            action="store_true",
            help="extract with the generic profile even if the URL's site has its own",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Log only warnings unless -L asks otherwise: stdout is the document, keep stderr short."""
        super().process_options(args, opts)
        if not opts.loglevel and self.settings is not None:
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Crawl the saved page offline and print the document, or the reason there is none."""
        if len(args) != 1:
            raise UsageError("give exactly one saved page FILE")
        page = Path(args[0])
        if not page.is_file():
            raise UsageError(f"no such file: {page}", print_help=False)
        try:
            # A URL of no known site renders through the generic profile anyway.
            site = site_named(Generic.key) if opts.generic else profile_for_url(opts.url)
            channel = site.channel(opts.channel or site.default_channel)
        except KeyError as error:
            raise UsageError(error.args[0], print_help=False) from None

        assert self.crawler_process is not None and self.settings is not None
        crawler = self.crawler_process.create_crawler(RenderSpider)
        crawler.signals.connect(self.item_scraped, signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signals.item_dropped)
        self.crawler_process.crawl(crawler, page=page, url=opts.url, site=site, channel=channel)
        self.crawler_process.start()

        if self.rendered:
            exporter = MarkdownItemExporter(
                sys.stdout.buffer, extra_fields=self.settings.getlist("MARKDOWN_EXTRA_FIELDS")
            )
            exporter.export_item(self.rendered[0])
            sys.stdout.buffer.flush()
            return
        spider = crawler.spider
        reason = "; ".join(self.dropped) or getattr(spider, "failure", "") or "no article"
        print(f"render: nothing rendered for {opts.url}: {reason}", file=sys.stderr)
        self.exitcode = 1

    def item_scraped(self, item: Any) -> None:
        """Keep the item that made it through every pipeline."""
        self.rendered.append(item)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        """Keep the reason a pipeline dropped the item."""
        self.dropped.append(str(exception))
