"""The `feed` spider: discovers articles through RSS 2.0 and Atom feeds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from crawler.feeds import (
    FULLTEXT_MIN_BLOCKS,
    FULLTEXT_MIN_CHARS,
    FeedSource,
    NotAFeedError,
    SkippedItemError,
    feed_article,
    feed_source,
    item_listing,
    page_profile,
    read_feed,
    read_item,
    read_sources_file,
    wants_page,
)
from crawler.items import Article
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

    arguments: Arguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feeds = self.arguments.feeds
        self.min_blocks = FULLTEXT_MIN_BLOCKS
        self.min_chars = FULLTEXT_MIN_CHARS

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

    def listings(self) -> Iterator[Request]:
        """Ask for each feed in turn; each next one follows when the one before is read."""
        for position, source in enumerate(self.feeds):
            request = self.list_request(source.url, self.parse_feed, position=position)
            request.headers["Accept"] = FEED_ACCEPT
            yield request

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
            yield from self.next_listing()
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
        with self.entry_warnings(response) as warnings:
            for entry in feed.entries:
                stats.inc_value("feed/list/items")
                with self.reading_entry(warnings):
                    try:
                        item = read_item(entry, response.url)
                    except SkippedItemError as error:
                        stats.inc_value(f"feed/list/{error.reason}")
                        warnings.warn("Feed item skipped", str(error))
                        continue
                    listing = item_listing(item)
                    if not self.first_listed(listing):
                        continue
                    if self.is_archived_unchanged(listing):
                        unchanged.append(listing.key)
                        continue
                    wanted += 1
                    if wants_page(item, source, self.min_blocks, self.min_chars):
                        self.count("article/requested")
                        profile = page_profile(item.link, source)
                        yield self.article_request(profile, source.channel, listing)
                    else:
                        self.count("article/full_text")
                        yield feed_article(item, source, feed.logo)
        self.note_listed_unchanged(unchanged, "items")
        self.logger.info(
            "Feed %s: %d items, %d new or changed", source.url, len(feed.entries), wanted
        )
        yield from self.next_listing()
