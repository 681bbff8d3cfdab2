"""The `feed` spider: discovers articles through RSS 2.0 and Atom feeds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.feeds import (
    FULLTEXT_MIN_BLOCKS,
    FULLTEXT_MIN_CHARS,
    FeedItem,
    FeedSource,
    NotAFeedError,
    SkippedItemError,
    feed_article,
    feed_source,
    page_article,
    read_feed,
    read_item,
    read_sources_file,
    wants_page,
)
from crawler.items import Article
from crawler.listing import article_key
from crawler.spiders.archiving import ArchivingSpider

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)


@dataclass(frozen=True)
class Arguments:
    """The spider's `-a` arguments, read and checked."""

    feeds: list[FeedSource]
    refresh_all: bool


class FeedSpider(ArchivingSpider):
    """Read feeds in order; archive each new or changed item from its own text or its page.

    Arguments: `-a url=FEED -a categories=TOPIC/SITE/CHANNEL` (one feed; with
    `-a profile=KEY` and `-a fulltext=auto|yes|no`), or `-a sources=FILE.toml` (many feeds,
    see `crawler/feeds.py`); `-a refresh=all` (archive every item again, archived or not).
    """

    name = "feed"
    stats_prefix = "feed"
    # It cannot run without arguments, so `scrapy refresh` runs it only when REFRESH_SOURCES
    # names it with its sources file: `feed sources=feeds.toml`.
    refresh_source = False

    def __init__(
        self,
        *,
        url: str = "",
        categories: str = "",
        sources: str = "",
        profile: str = "",
        fulltext: str = "",
        refresh: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.arguments = self.read_arguments(
            url=url,
            categories=categories,
            sources=sources,
            profile=profile,
            fulltext=fulltext,
            refresh=refresh,
        )
        self.feeds = self.arguments.feeds
        self.min_blocks = FULLTEXT_MIN_BLOCKS
        self.min_chars = FULLTEXT_MIN_CHARS
        # Archive keys met in this run: an article two feeds list is filed under the first.
        self.seen: set[str] = set()

    @classmethod
    def read_arguments(
        cls,
        *,
        url: str = "",
        categories: str = "",
        sources: str = "",
        profile: str = "",
        fulltext: str = "",
        refresh: str = "",
    ) -> Arguments:
        """Read and check `-a url= categories= profile= fulltext=` or `-a sources=`; `refresh=`."""
        if refresh not in ("", "all"):
            raise ValueError(f"refresh can only be 'all', not {refresh!r}")
        if sources.strip():
            given = [
                name
                for name, value in [("url", url), ("categories", categories),
                                    ("profile", profile), ("fulltext", fulltext)]
                if value.strip()
            ]  # fmt: skip
            if given:
                raise ValueError(
                    f"sources= gives each feed its own settings: set {', '.join(given)} "
                    "in the sources file, not as -a arguments"
                )
            feeds = read_sources_file(Path(sources.strip()))
        elif url.strip():
            feeds = [feed_source(url, categories, profile.strip(), fulltext.strip() or "auto")]
        else:
            raise ValueError(
                "no feed: give -a url=FEED -a categories=TOPIC/SITE/CHANNEL, "
                "or -a sources=FILE.toml"
            )
        return Arguments(feeds=feeds, refresh_all=refresh == "all")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Read the FEED_FULLTEXT_* settings (the `auto` full-text rule)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.min_blocks = settings.getint("FEED_FULLTEXT_MIN_BLOCKS", FULLTEXT_MIN_BLOCKS)
        spider.min_chars = settings.getint("FEED_FULLTEXT_MIN_CHARS", FULLTEXT_MIN_CHARS)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        """Ask for the first feed; each next one follows when the one before is read."""
        self.open_state()
        yield self.feed_request(0)

    def feed_request(self, position: int) -> Request:
        """Build the request for the feed at this position of the list."""
        return Request(
            self.feeds[position].url,
            headers={"Accept": FEED_ACCEPT},
            callback=self.parse_feed,
            errback=self.feed_failed,
            cb_kwargs={"position": position},
            # Read again on purpose when a JOBDIR crawl resumes: that is where it picks up.
            dont_filter=True,
        )

    def next_feed(self, position: int) -> Iterator[Request]:
        """Ask for the feed after this one, if any."""
        if position + 1 < len(self.feeds):
            yield self.feed_request(position + 1)

    def parse_feed(self, response: Response, position: int) -> Iterator[Article | Request]:
        """Archive the feed's new and changed items, then go on with the next feed."""
        stats = self.crawler.stats
        assert stats is not None
        source = self.feeds[position]
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        try:
            feed = read_feed(response.body, response.url, content_type)
        except NotAFeedError as error:
            stats.inc_value("feed/list/bad_answers")
            self.logger.error("Bad feed <%s>: %s", response.url, error)
            yield from self.next_feed(position)
            return
        stats.inc_value("feed/list/feeds")
        if feed.damage:
            stats.inc_value("feed/list/damaged")
            self.logger.warning(
                "Damaged feed <%s>, read what it holds: %s", response.url, feed.damage
            )
        if not feed.entries:
            stats.inc_value("feed/list/empty")
            self.logger.warning("Empty feed <%s>: no items", response.url)
        wanted, unchanged = 0, []
        for entry in feed.entries:
            stats.inc_value("feed/list/items")
            try:
                item = read_item(entry, response.url)
            except SkippedItemError as error:
                stats.inc_value(f"feed/list/{error.reason}")
                self.logger.warning("Feed item skipped <%s>: %s", response.url, error)
                continue
            key = article_key("", "", item.link)  # what the exporter records (doc_id is "")
            if key in self.seen:
                stats.inc_value("feed/list/duplicates")
                self.logger.debug("Already met in this run <%s>", item.link)
                continue
            self.seen.add(key)
            if self.is_archived_unchanged(key, item):
                unchanged.append(key)
                continue
            wanted += 1
            if wants_page(item, source, self.min_blocks, self.min_chars):
                stats.inc_value("feed/article/requested")
                yield Request(
                    item.link,
                    callback=self.parse_article,
                    errback=self.request_failed,
                    cb_kwargs={"source": source, "item": item},
                )
            else:
                stats.inc_value("feed/article/full_text")
                yield feed_article(item, source, feed.logo)
        self.note_listed_unchanged(unchanged, "items")
        self.logger.info(
            "Feed %s: %d items, %d new or changed", source.url, len(feed.entries), wanted
        )
        yield from self.next_feed(position)

    def is_archived_unchanged(self, key: str, item: FeedItem) -> bool:
        """Tell whether the archive holds this item at the time the feed last updated it."""
        if self.state is None or self.arguments.refresh_all:
            return False
        return self.state.is_unchanged(key, item.modified.isoformat())

    def parse_article(
        self, response: Response, source: FeedSource, item: FeedItem
    ) -> Iterator[Article]:
        """Extract the item's page with its site profile; log and count a page that fails."""
        article = self.extract(response, lambda page: page_article(page, item, source))
        if article is not None:
            yield article

    def feed_failed(self, failure: Failure) -> Iterator[Request]:
        """Log and count a feed that could not be fetched; go on with the next feed."""
        self.request_failed(failure)
        yield from self.next_feed(failure.request.cb_kwargs["position"])  # type: ignore[attr-defined]

    def request_failed(self, failure: Failure) -> None:
        """Log and count a request that failed for good (after retries)."""
        request = failure.request  # type: ignore[attr-defined]
        kind = "list" if request.callback == self.parse_feed else "article"
        self.log_failure(failure, f"{kind}/request_failures")
