"""What every discovery spider shares: arguments, listings read in turn, the archive state,
requests that carry their kind, and one way of telling failures."""

from __future__ import annotations

import inspect
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler import stats
from crawler.archive.extension import ArchiveExtension
from crawler.archive.state import ArchiveState, counting_state_errors
from crawler.items import Article
from crawler.listing import Listing
from crawler.page_pool import PageJob, PagePool
from crawler.pages import article_page, failure_reason, page_name, read_article
from crawler.settled import mark_settled
from crawler.sites import Channel, ExtractionError, Site

LIST, ARTICLE = "list", "article"  # the kinds of request, in `Request.meta["kind"]`
# Warnings of one kind about one listing page's entries logged in full; the rest are counted.
WARNINGS_TOLD = 5


class EntryWarnings:
    """The warnings about one listing page's entries: the first few of each kind, then a count.

    A hostile page of a million alike entries writes six lines, not a million.
    """

    def __init__(self, logger: logging.LoggerAdapter[logging.Logger], url: str) -> None:
        self.logger = logger
        self.url = url
        self.counts: Counter[str] = Counter()

    def warn(self, what: str, detail: str) -> None:
        """Log `<what> <url>: <detail>`, unless this page told WARNINGS_TOLD of its kind already."""
        self.counts[what] += 1
        if self.counts[what] <= WARNINGS_TOLD:
            self.logger.warning("%s <%s>: %s", what, self.url, detail[:300])

    def close(self) -> None:
        """Say how many more of each kind were not told."""
        for what, count in self.counts.items():
            if count > WARNINGS_TOLD:
                self.logger.warning(
                    "%s <%s>: and %d more like it", what, self.url, count - WARNINGS_TOLD
                )


def error_reason(error: Exception) -> str:
    """Say why an entry could not be read: a ValueError's own words, else the error's name too."""
    return str(error) if type(error) is ValueError else f"{type(error).__name__}: {error}"


# Arguments a scheduler adds to every run it starts (scrapyd: `_job`, and `_version` when a
# version is asked for): accepted and ignored, so that a scheduled run is no usage error.
SCHEDULER_ARGUMENTS = frozenset({"_job", "_version"})


class ArchivingSpider(scrapy.Spider):
    """A discovery spider: reads its listings one after another, fetches what is new.

    A subclass declares `stats_prefix` (its stats are `<prefix>/...`), its `-a` arguments
    once, as the parameters of its `read_arguments` classmethod (checked before the
    crawl starts, kept as `self.arguments`), and `listings()`: the first request of each
    listing, in order. A listing's callback ends with `yield from self.next_listing()`.
    """

    stats_prefix: ClassVar[str]
    # How a failed request of each kind is counted (`<prefix>/<stat>`).
    failure_stats: ClassVar[dict[str, str]] = {
        LIST: stats.LIST_REQUEST_FAILURES,
        ARTICLE: stats.ARTICLE_REQUEST_FAILURES,
    }
    bad_entries_stat: ClassVar[str] = stats.BAD_ENTRIES  # `<prefix>/<stat>`
    state: ArchiveState | None = None
    arguments: Any

    def __init__(self, **kwargs: Any) -> None:
        kwargs = {name: value for name, value in kwargs.items() if name not in SCHEDULER_ARGUMENTS}
        names = inspect.signature(self.read_arguments).parameters
        given = {name: kwargs.pop(name) for name in list(kwargs) if name in names}
        super().__init__(**kwargs)
        self.arguments = self.read_arguments(**given)
        self.pending: Iterator[Request] = iter(())
        self.met: set[str] = set()  # archive keys of the articles listed so far in this run

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Count articles an item pipeline raised on, and redirects not followed (Scrapy only
        logs the one, at DEBUG the others)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.pipeline_failed, signal=signals.item_error)
        crawler.signals.connect(spider.redirect_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(spider.redirect_dropped, signal=signals.request_dropped)
        return spider

    def redirect_scheduled(self, request: Request, spider: scrapy.Spider) -> None:
        """Tell of a redirect to a host the spider does not crawl (Scrapy drops it at DEBUG)."""
        domains = getattr(self, "allowed_domains", None)
        if not request.meta.get("redirect_urls") or request.dont_filter or not domains:
            return
        host = urlsplit(request.url).hostname or ""
        # As Scrapy's OffsiteMiddleware reads allowed_domains: a host and its subdomains.
        if not any(host == domain or host.endswith(f".{domain}") for domain in domains):
            self.redirect_not_followed(
                request, stats.REDIRECTED_OFFSITE, f"another host than the spider's ({host})"
            )

    def redirect_dropped(self, request: Request, spider: scrapy.Spider) -> None:
        """Tell of a redirect into a URL this run requested already (Scrapy's dupefilter)."""
        if request.meta.get("redirect_urls"):
            self.redirect_not_followed(
                request, stats.REDIRECTED_TO_REQUESTED, "a URL this run requested already"
            )

    def redirect_not_followed(self, request: Request, stat: str, why: str) -> None:
        """Log, with the listed URL, and count a redirect that is not followed."""
        self.count(f"{request.meta.get('kind', ARTICLE)}/{stat}")
        self.logger.info(
            "Redirect not followed <%s> (redirected to <%s>): %s",
            request.meta["redirect_urls"][0], request.url, why,
        )  # fmt: skip

    def pipeline_failed(self, item: Any, response: Response | None, failure: Failure) -> None:
        """Count an article lost to an exception in an item pipeline: an error, for refresh."""
        self.count(stats.PIPELINE_ERRORS)

    @classmethod
    def read_arguments(cls) -> Any:
        """Read and check the spider's `-a` arguments (a subclass declares its own)."""
        return None

    def listings(self) -> Iterator[Request]:
        """Yield the first request of each listing, in the order they are to be read."""
        return iter(())

    async def start(self) -> AsyncIterator[Request]:
        """Open the archive state, then ask for the first listing; the others follow in turn.

        Listings are read one after another, so an article that several list is
        requested, and filed, under the listing that comes first.
        """
        self.open_state()
        self.pending = self.listings()
        for request in self.next_listing():
            yield request

    def next_listing(self) -> Iterator[Request]:
        """Ask for the next listing, if any."""
        request = next(self.pending, None)
        if request is not None:
            yield request

    def open_state(self) -> None:
        """Take the archive state of this crawl (None when ARCHIVE_ENABLED is off)."""
        archive = self.crawler.get_extension(ArchiveExtension)
        self.state = archive.state if archive else None

    def list_request(self, url: str, callback: Callable[..., Any], **cb_kwargs: Any) -> Request:
        """Build the request of a listing page (read again on purpose when a JOBDIR resumes)."""
        return Request(
            url,
            callback=callback,
            errback=self.listing_failed,
            cb_kwargs=cb_kwargs,
            meta={"kind": LIST},
            dont_filter=True,
        )

    def first_listed(self, listing: Listing) -> bool:
        """Tell whether this run meets the listing's article for the first time; count repeats.

        Two URLs of one article (one key) are one article: only the first is taken.
        """
        if listing.key in self.met:
            self.count(stats.DUPLICATES)
            self.logger.debug("Listed twice in this run <%s>: %s", listing.url, listing.key)
            return False
        self.met.add(listing.key)
        return True

    def article_request(
        self, site: Site, channel: Channel, listing: Listing, **request: Any
    ) -> Request:
        """Build the request of a listed article, extracted by `parse_article`."""
        return Request(
            listing.url,
            callback=self.parse_article,
            errback=self.request_failed,
            cb_kwargs={"site": site, "channel": channel, "listing": listing},
            meta={"kind": ARTICLE},
            **request,
        )

    async def parse_article(
        self, response: Response, site: Site, channel: Channel, listing: Listing
    ) -> list[Article]:
        """Extract the listed article with its site's page object; log and count a failure.

        With PAGE_POOL_PROCESSES a page process reads the page (crawler/page_pool.py).
        """
        pool = self.crawler.get_extension(PagePool)
        if pool is None:
            article = self.extract(response, site, channel, listing)
        else:
            article = await self.extract_in_pool(pool, response, site, channel, listing)
        # A list, not a generator: for a generator callback Scrapy reads and parses
        # the method's source to warn about a `return value`, once per bound method it meets
        # (cached only while the method object lives: about one article in five here).
        return [] if article is None else [article]

    def is_archived_unchanged(self, listing: Listing) -> bool:
        """Tell whether the archive holds this listed article at the version it lists."""
        if self.state is None or getattr(self.arguments, "refresh_all", False):
            return False
        modified = listing.modified
        return self.state.is_unchanged(listing.key, modified.isoformat() if modified else None)

    def counting_state_errors(self, doing: str) -> AbstractContextManager[None]:
        """Log and count a failed archive state write instead of stopping the crawl."""
        if self.state is None:
            return nullcontext()
        return counting_state_errors(self.crawler.stats, self.state.path, doing)

    def note_listed_unchanged(self, keys: list[str], what: str = "articles") -> None:
        """Mark the listed `what` that the archive holds unchanged as seen; count them."""
        if self.state is not None and keys:
            with self.counting_state_errors(f"mark the listed {what} as seen"):
                self.state.touch(keys)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(stats.LISTED_UNCHANGED, len(keys))

    @contextmanager
    def entry_warnings(self, response: Response) -> Iterator[EntryWarnings]:
        """Collect the warnings about a listing page's entries; tell the untold count at the end."""
        warnings = EntryWarnings(self.logger, response.url)
        try:
            yield warnings
        finally:
            warnings.close()

    @contextmanager
    def reading_entry(self, warnings: EntryWarnings) -> Iterator[None]:
        """Read one listed entry; one that raises is logged, counted and skipped, alone.

        Entries come from the web: whatever one holds, it must cost itself only, never the
        rest of its page, the next pages or the next listings.
        """
        try:
            yield
        except Exception as error:  # any error: the entry is skipped, and said why
            self.count(self.bad_entries_stat)
            warnings.warn("Bad entry skipped", error_reason(error))

    def count(self, name: str, value: int = 1) -> None:
        """Add to one of this spider's stats (`<prefix>/<name>`)."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{self.stats_prefix}/{name}", value)

    def extract(
        self, response: Response, site: Site, channel: Channel, listing: Listing
    ) -> Article | None:
        """Read a fetched page's article; log and count a page that is not an article."""
        try:
            return read_article(response, site, channel, listing)
        except ExtractionError as error:
            self.not_an_article(response, str(error))
            return None

    async def extract_in_pool(
        self, pool: PagePool, response: Response, site: Site, channel: Channel, listing: Listing
    ) -> Article | None:
        """Have a page process read the page; log and count as `extract` does.

        The article comes back through the page's stages, marked so that only the archive's
        are left to run (crawler/settled.py).
        """
        try:
            page = article_page(response)
        except ExtractionError as error:
            self.not_an_article(response, str(error))
            return None
        outcome = await pool.read(PageJob.of(page, site.key, channel, listing))
        pool.report(outcome)
        if outcome.lost:
            self.count(stats.LOST_PAGES)
            self.logger.error("Page lost %s: %s", page_name(response), outcome.lost)
        if outcome.not_article:
            self.not_an_article(response, outcome.not_article)
        if outcome.article is None:
            return None
        return mark_settled(
            outcome.article, dropped=outcome.dropped, error=outcome.error, trace=outcome.trace
        )

    def not_an_article(self, response: Response, reason: str) -> None:
        """Log and count a fetched page that is not an article page."""
        self.count(stats.EXTRACTION_ERRORS)
        self.logger.warning("Cannot extract an article %s: %s", page_name(response), reason)

    def listing_failed(self, failure: Failure) -> Iterator[Request]:
        """Log and count a listing page that could not be fetched; go on with the next."""
        self.request_failed(failure)
        yield from self.next_listing()

    def request_failed(self, failure: Failure) -> None:
        """Log and count (by the request's kind) a request that failed for good."""
        request = failure.request  # type: ignore[attr-defined]
        self.count(self.failure_stats[request.meta.get("kind", ARTICLE)])
        self.logger.error("Request failed <%s>: %s", request.url, failure_reason(failure))
