"""The `sitemap` spider: discovers articles through a sitemap, a sitemap index or robots.txt."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import lxml.etree
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.spiders import SitemapSpider as ScrapySitemapSpider
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.common.dates import parse_iso_datetime
from crawler.common.text import split_keywords, squash
from crawler.common.urls import web_url
from crawler.listing import Listing
from crawler.sites import Channel, Site, all_sites, profile_for_url, site_named
from crawler.spiders.archiving import LIST, ArchivingSpider
from pipelines.dedupe import ArchivedByAnotherSource

# A listing's name in the archive state: its mark is the newest `lastmod` the archive holds.
LISTING_PREFIX = "sitemap:"


class BadSitemapError(ValueError):
    """A sitemap answer that cannot be read; the message says why."""


class NewsSitemap(Sitemap):
    """Scrapy's sitemap reader, keeping the Google News fields (`news:title`, ...).

    Scrapy's reader keeps only the text of an entry's direct children, so `<news:news>`
    comes out empty; its leaves are collected here first, as `entry["news"]`.
    """

    __slots__ = ()

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict[str, Any] | None:
        news = {
            self._get_tag_name(leaf): (leaf.text or "").strip()
            for child in elem
            if self._get_tag_name(child) == "news"
            for leaf in child.iter()
            if leaf is not child and len(leaf) == 0
        }
        entry = super()._process_sitemap_element(elem)
        if entry is not None and news:
            entry["news"] = news
        return entry


def read_sitemap(body: bytes | None, content_type: str) -> tuple[str, list[dict[str, Any]]]:
    """Return a sitemap's type (`urlset` or `sitemapindex`) and its entries."""
    if body is None:
        raise BadSitemapError(f"not a sitemap (a {content_type or 'typeless'} answer, not XML)")
    try:
        sitemap = NewsSitemap(body)
        entries = list(sitemap)
    except (lxml.etree.XMLSyntaxError, StopIteration) as error:
        raise BadSitemapError(f"not XML ({error or 'no element found'})") from None
    if sitemap.type not in ("urlset", "sitemapindex"):
        raise BadSitemapError(
            f"not a sitemap (its root element is <{sitemap.type}>, not <urlset> or <sitemapindex>)"
        )
    return sitemap.type, entries


def listed_time(entry: dict[str, Any]) -> datetime | None:
    """Return when a listed page last changed: its `lastmod`, else its `publication_date`."""
    news = entry.get("news") or {}
    for value in (entry.get("lastmod"), news.get("publication_date")):
        parsed = parse_iso_datetime(value) if isinstance(value, str) and value else None
        if parsed is not None:
            try:
                return parsed.astimezone(UTC)
            except OverflowError:  # `0001-01-01T00:00:00+08:00` is before year 1 in UTC
                continue
    return None


def listing_of(site: Site, url: str, entry: dict[str, Any]) -> Listing:
    """Return what a sitemap entry says of its page (with Google News' title, keywords, date)."""
    news = entry.get("news") or {}
    return site.listing(
        url,
        title=squash(news.get("title", "")),
        published=parse_iso_datetime(news.get("publication_date", "")),
        modified=listed_time(entry),
        keywords=tuple(split_keywords(news.get("keywords", ""))),
    )


def read_categories(text: str) -> tuple[str, str, str] | None:
    """Read `-a categories=TOPIC/SITE/CHANNEL`; None when not given."""
    if not text.strip():
        return None
    parts = [part.strip() for part in text.split("/")]
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"categories must be three names as TOPIC/SITE/CHANNEL, not {text!r}")
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class Arguments:
    """The spider's `-a` arguments, read and checked."""

    url: str
    categories: tuple[str, str, str] | None
    pattern: re.Pattern[str] | None
    profile: Site | None


@dataclass
class SitemapRead:
    """What this run made of one sitemap's entries: enough to move its mark when it ends."""

    url: str
    mark: datetime | None  # the mark when the run began: older entries are archived
    read: bool = False  # it answered with a sitemap (an empty one included)
    newest_held: datetime | None = None  # newest `lastmod` of the entries the archive holds
    waiting: dict[str, datetime | None] = field(default_factory=dict)  # key: requested, not held
    children: dict[str, datetime | None] = field(default_factory=dict)  # index: url → lastmod

    def hold(self, modified: datetime | None) -> None:
        """Note an entry the archive holds at this `lastmod`."""
        if modified is not None and (self.newest_held is None or modified > self.newest_held):
            self.newest_held = modified

    def next_mark(self, missing: Iterable[datetime | None], now: datetime) -> datetime | None:
        """Return the mark to keep: the newest held `lastmod`, but never past a missing one.

        Entries older than the mark are skipped next time, so it may only move over
        entries the archive holds; one that was not archived (failed, dropped, never
        answered) keeps the mark at its `lastmod`, and the next run asks for it again.
        Nor does it pass `now`: one entry dated in the future would hide every article
        published until then.
        """
        if self.newest_held is None:
            return self.mark
        times = [self.newest_held, now, *(time for time in missing if time is not None)]
        return max(min(times), self.mark) if self.mark is not None else min(times)


class SitemapSpider(ArchivingSpider, ScrapySitemapSpider):
    """Read a sitemap (index, Google News, gzipped) and request the new or changed articles.

    Arguments: `-a url=SITEMAP` (a sitemap, sitemap index or robots.txt URL; required),
    `-a categories=TOPIC/SITE/CHANNEL` (default: the profile's default channel),
    `-a pattern=REGEX` (article URLs to fetch; default: the profile's `article_urls`),
    `-a profile=KEY` (the site profile that parses every page; default: by each URL's host).
    """

    name = "sitemap"
    stats_prefix = "sitemap"

    # A failed sitemap is `sitemap/request_failures`.
    failure_stats: ClassVar[dict[str, str]] = {
        **ArchivingSpider.failure_stats,
        LIST: "request_failures",
    }
    bad_entries_stat = "bad_entries"  # `sitemap/bad_entries`
    arguments: Arguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sitemap_urls = [self.arguments.url]
        self.started = datetime.now(UTC)
        self.sitemaps: dict[str, SitemapRead] = {}
        # Article key → the sitemaps that listed it, with the `lastmod` each gave: an article
        # listed twice (by two sitemaps, or under two URLs) is requested once and counts for
        # every listing.
        self.listers: dict[str, dict[str, datetime | None]] = {}

    @classmethod
    def read_arguments(
        cls, url: str = "", categories: str = "", pattern: str = "", profile: str = ""
    ) -> Arguments:
        """Read and check `-a url= categories= pattern= profile=`."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"url must be the http(s) URL of a sitemap, sitemap index or robots.txt, "
                f"not {url!r}"
            )
        try:
            compiled = re.compile(pattern) if pattern else None
        except re.error as error:
            raise ValueError(
                f"pattern is not a regular expression ({error}): {pattern!r}"
            ) from None
        try:
            site = site_named(profile.strip()) if profile.strip() else None
        except KeyError:
            known = ", ".join(sorted(site.key for site in all_sites()))
            raise ValueError(f"no site profile named {profile!r} (known: {known})") from None
        return Arguments(url.strip(), read_categories(categories), compiled, site)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Follow which articles reach the archive, to know how far each sitemap is held."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.article_archived, signal=signals.item_scraped)
        crawler.signals.connect(spider.article_dropped, signal=signals.item_dropped)
        return spider

    def listings(self) -> Iterator[Request]:
        """Ask for the sitemap named by `-a url` (an index's sitemaps follow all at once).

        Replaces SitemapSpider.start, whose requests have no errback: a sitemap that fails
        would leave only Scrapy's own "Ignoring response" line, with no reason and no count.
        """
        self.started = datetime.now(UTC)
        yield self.sitemap_request(self.arguments.url)

    async def start(self) -> AsyncIterator[Request]:
        """Start as every archiving spider does (not as Scrapy's SitemapSpider)."""
        async for request in ArchivingSpider.start(self):
            yield request

    def sitemap_request(self, url: str) -> Request:
        """Build the request for a sitemap, noting it as read from now on."""
        self.sitemaps.setdefault(url, SitemapRead(url, self.stored_mark(url)))
        request = self.list_request(url, self.parse_sitemap, sitemap=url)
        request.errback = self.request_failed  # a failed sitemap ends no listing of others
        request.dont_filter = False
        return request

    def stored_mark(self, url: str) -> datetime | None:
        """Return the newest `lastmod` the archive held from this sitemap after the last run."""
        mark = self.state.listing_mark(LISTING_PREFIX + url) if self.state else None
        return datetime.fromisoformat(mark) if mark else None

    def parse_sitemap(self, response: Response, sitemap: str) -> Iterator[Request]:
        """Follow a sitemap index's sitemaps, or a sitemap's new and changed articles."""
        stats = self.crawler.stats
        assert stats is not None
        read = self.sitemaps[sitemap]
        if urlsplit(response.url).path.endswith("/robots.txt"):
            read.read = True
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                read.children[url] = None
                yield self.sitemap_request(url)
            return
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        try:
            kind, entries = read_sitemap(self._get_sitemap_body(response), content_type)
        except BadSitemapError as error:
            stats.inc_value("sitemap/bad_answers")
            self.logger.error("Bad sitemap <%s>: %s", response.url, error)
            return
        read.read = True
        stats.inc_value("sitemap/sitemaps")
        if not entries:
            stats.inc_value("sitemap/empty")
            self.logger.warning("Empty sitemap <%s>: <%s> lists nothing", response.url, kind)
            return
        if kind == "sitemapindex":
            yield from self.follow_sitemaps(response, read, entries)
        else:
            yield from self.follow_articles(response, read, entries)

    def follow_sitemaps(
        self, response: Response, read: SitemapRead, entries: list[dict[str, Any]]
    ) -> Iterator[Request]:
        """Request the sitemaps of an index that changed since the archive last held them all."""
        stats = self.crawler.stats
        assert stats is not None
        wanted = 0
        with self.entry_warnings(response) as warnings:
            for entry in entries:
                with self.reading_entry(warnings):
                    url = web_url(entry["loc"], response.url)
                    modified = listed_time(entry)
                    if read.mark and modified and modified < read.mark:
                        stats.inc_value("sitemap/skipped/older_than_mark")
                        continue
                    read.children[url] = modified
                    wanted += 1
                    if url not in self.sitemaps:
                        yield self.sitemap_request(url)
        self.logger.info(
            "Sitemap index <%s>: %d sitemaps, %d changed since the last run",
            response.url, len(entries), wanted,
        )  # fmt: skip

    def follow_articles(
        self, response: Response, read: SitemapRead, entries: list[dict[str, Any]]
    ) -> Iterator[Request]:
        """Request the articles of a sitemap that are new or changed since the archive took them."""
        stats = self.crawler.stats
        assert stats is not None
        wanted, unchanged, filtered, older = 0, [], 0, 0
        with self.entry_warnings(response) as warnings:
            for entry in entries:
                with self.reading_entry(warnings):
                    url = web_url(entry["loc"], response.url)
                    site = self.profile(url)
                    pattern = self.arguments.pattern or re.compile(site.article_urls)
                    if not pattern.search(url):
                        filtered += 1
                        continue
                    listing = listing_of(site, url, entry)
                    modified = listing.modified
                    if read.mark and modified and modified < read.mark:
                        older += 1
                        continue
                    if self.is_archived(listing):
                        unchanged.append(listing.key)
                        read.hold(modified)
                        continue
                    wanted += 1
                    read.waiting[listing.key] = modified
                    first = listing.key not in self.listers
                    self.listers.setdefault(listing.key, {})[read.url] = modified
                    if first:
                        yield self.article_request(site, self.channel(site), listing)
        stats.inc_value("sitemap/entries", len(entries))
        stats.inc_value("sitemap/skipped/filtered", filtered)
        stats.inc_value("sitemap/skipped/older_than_mark", older)
        self.note_listed_unchanged(unchanged)
        self.logger.info(
            "Sitemap <%s>: %d listed, %d new or changed "
            "(%d not article URLs, %d older than the last run's newest, %d archived)",
            response.url, len(entries), wanted, filtered, older, len(unchanged),
        )  # fmt: skip

    def profile(self, url: str) -> Site:
        """Return the site profile that parses a URL: `-a profile`, else the URL's own."""
        return self.arguments.profile or profile_for_url(url)

    def channel(self, site: Site) -> Channel:
        """Return the channel to file a site's articles under: `-a categories`, else its default."""
        channel = site.channel(site.default_channel)
        categories = self.arguments.categories
        return (
            replace(channel, name=categories[2], categories=categories) if categories else channel
        )

    def is_archived(self, listing: Listing) -> bool:
        """Tell whether the archive holds the article: at this `lastmod`, or at all if none."""
        if self.state is None:
            return False
        if listing.modified is None:
            return self.state.lookup(listing.key) is not None
        return self.state.is_unchanged(listing.key, listing.modified.isoformat())

    def article_archived(self, item: Any, response: Response) -> None:
        """Note that the sitemaps listing this article are held up to its `lastmod`."""
        if not isinstance(response, Response) or response.request is None:
            return
        listing = response.cb_kwargs.get("listing")
        if not isinstance(listing, Listing):
            return
        for sitemap, modified in self.listers.get(listing.key, {}).items():
            read = self.sitemaps[sitemap]
            read.waiting.pop(listing.key, None)
            read.hold(modified)

    def article_dropped(self, item: Any, response: Response, exception: BaseException) -> None:
        """Count an article another source holds as archived: it is, under that source."""
        if isinstance(exception, ArchivedByAnotherSource):
            self.article_archived(item, response)

    def complete_sitemaps(self) -> set[str]:
        """Return the sitemaps that were read and all they list (sitemaps included) is archived.

        A sitemap not read, or waiting for an article, is incomplete, and so is every index
        that lists one, through any number of levels; an index that lists itself (around a
        loop) is decided by the rest. One walk back from the incomplete ones, each link
        followed once: an index listing the same sitemaps along many paths, or a long chain
        of indexes, costs its size, not its paths, and no recursion.
        """
        listed_by: dict[str, list[str]] = {}
        for url, read in self.sitemaps.items():
            for child in read.children:
                listed_by.setdefault(child, []).append(url)
        incomplete = {
            url
            for url in {*self.sitemaps, *listed_by}
            if url not in self.sitemaps or not self.sitemaps[url].read or self.sitemaps[url].waiting
        }
        to_walk = list(incomplete)
        while to_walk:
            for parent in listed_by.get(to_walk.pop(), ()):
                if parent not in incomplete:
                    incomplete.add(parent)
                    to_walk.append(parent)
        return set(self.sitemaps) - incomplete

    def closed(self, reason: str) -> None:
        """Move each sitemap's mark over what the archive now holds, if the crawl finished.

        A run that did not finish (stopped, killed, closed early) moves no mark: articles
        it did not reach may be older than ones it archived, and must not be skipped next
        time.
        """
        if self.state is None or reason != "finished":
            return
        complete = self.complete_sitemaps()
        for url, read in self.sitemaps.items():
            missing = list(read.waiting.values())
            for child, modified in read.children.items():
                if child in complete:
                    read.hold(modified)
                else:
                    missing.append(modified)
            mark = read.next_mark(missing, self.started)
            if mark is not None and mark != read.mark:
                with self.counting_state_errors(f"remember how far sitemap {url} is archived"):
                    self.state.set_listing_mark(LISTING_PREFIX + url, mark.isoformat())
                    self.logger.info(
                        "Sitemap <%s>: archived up to lastmod %s", url, mark.isoformat()
                    )
