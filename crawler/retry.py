"""Retries for network faults that Scrapy's own retry middleware handles too bluntly.

- A 429 or 503 answer says "not now": its retry waits for the `Retry-After` the server
  sent (seconds or an HTTP date), capped at RETRY_AFTER_MAX_SECONDS, or else backs off
  (RETRY_BACKOFF_SECONDS, doubled for each retry), instead of asking again at once. The
  whole host waits as long: the server said "not now" to the crawler, not to one URL, and
  the other requests queued for it would only collect 429s of their own.
- A body cut short is retried, then failed, where Scrapy would take it whole: a gzip body
  (Scrapy decompresses as much of it as it can), and an HTML page sent without a length
  whose connection closed before its `</html>` (Scrapy only flags it "partial"). Without
  this check a page cut mid-article would be archived in part. (A body shorter than its
  Content-Length already fails in Scrapy, as ResponseDataLossError.)
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import zlib
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.settings import BaseSettings
from scrapy.spiders import Spider
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)

WAIT_STATUSES = frozenset({429, 503})  # the statuses RFC 9110 pairs with Retry-After
RETRY_AT = "retry_at"  # request meta: the wall-clock time before which a retry must not go
GZIPPED = ([b"gzip"], [b"x-gzip"])  # a Content-Encoding list that ends with gzip
_CHUNK = 1 << 16
_HTML_END = re.compile(rb"</html", re.IGNORECASE)


def retry_after_seconds(value: bytes | None, now: datetime) -> float | None:
    """Read a Retry-After header value (delay-seconds or an HTTP date); None if unreadable."""
    text = (value or b"").decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT even when it fails to say so
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, but a retried 429 or 503 waits as the server asked."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX_SECONDS", 60.0)
        self.backoff = settings.getfloat("RETRY_BACKOFF_SECONDS", 2.0)
        # Per host (`host:port`): the wall-clock time before which no request goes to it.
        self.paused_until: dict[str, float] = {}

    def wait_seconds(self, response: Response, retry_times: int) -> tuple[float, str]:
        """Return how long to wait before a retry, and where that delay comes from."""
        asked = retry_after_seconds(response.headers.get(b"Retry-After"), datetime.now(UTC))
        if asked is not None:
            source = f"Retry-After: {asked:g}s"
            wait = asked
        else:
            wait = self.backoff * 2 ** (retry_times - 1)
            source = f"backoff {wait:g}s"
        if wait > self.max_wait:
            return self.max_wait, f"{source}, capped by RETRY_AFTER_MAX_SECONDS"
        return wait, source

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        """Let Scrapy decide whether to retry; a retried 429 or 503 is told when to go."""
        # `spider` only keeps the signature of the method this overrides: Scrapy 2.19 passes
        # it to no middleware whose `spider` has a default, and neither does this one.
        result = super().process_response(request, response)
        if isinstance(result, Request) and response.status in WAIT_STATUSES:
            wait, source = self.wait_seconds(response, result.meta["retry_times"])
            until = result.meta[RETRY_AT] = time.time() + wait
            host = urlparse_cached(request).netloc
            paused = until > self.paused_until.get(host, 0.0)
            if paused:
                self.paused_until[host] = until
            logger.info(
                "HTTP %d <%s>: retrying in %.1fs (%s)%s", response.status, request.url, wait,
                source, f"; no request to {host} before then" if paused else "",
            )  # fmt: skip
        return result

    async def process_request(self, request: Request) -> None:
        """Hold a request back while its host is paused, and a retry until its time has come."""
        # Wall-clock time, not monotonic: a JOBDIR crawl may resume the request in a new process.
        until = max(
            request.meta.get(RETRY_AT, 0.0),
            self.paused_until.get(urlparse_cached(request).netloc, 0.0),
        )
        wait = until - time.time()
        if wait > 0:
            await asyncio.sleep(wait)


def gzip_problem(body: bytes, max_size: int = 0) -> str | None:
    """Say why a gzip body cannot be trusted whole (cut short, corrupt); None if it is whole.

    Past `max_size` decompressed bytes it stops looking: Scrapy's HttpCompressionMiddleware
    rejects such a body anyway, and a gzip bomb should not cost the time to inflate it here.
    """
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    data, size = body, 0
    try:
        # Decompressed in bounded chunks and thrown away: only the stream's end matters here.
        while data and not decompressor.eof:
            size += len(decompressor.decompress(data, _CHUNK))
            if max_size and size > max_size:
                return None
            data = decompressor.unconsumed_tail
        if not decompressor.eof:
            decompressor.flush()
    except zlib.error as error:
        return f"gzip body is corrupt ({error})"
    if not decompressor.eof:
        return f"gzip body cut short ({len(body)} bytes received, the stream goes on)"
    return None


def html_cut_short(response: Response) -> str | None:
    """Say so if an HTML page sent without a length stops before its `</html>`."""
    # "partial": the server told no length and closed the connection, so no byte count
    # can tell a whole page from a cut one. A page that ends before `</html>` was cut.
    if "partial" not in response.flags or not isinstance(response, HtmlResponse):
        return None
    if _HTML_END.search(response.body):
        return None
    return f"HTML cut short (connection closed after {len(response.body)} bytes, before </html>)"


class TruncatedBodyMiddleware:
    """Retry, then fail, a response whose body was cut short (or whose gzip is corrupt)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the middleware for a crawl."""
        return cls(crawler)

    def body_problem(self, request: Request, response: Response) -> str | None:
        """Say why a response's body cannot be trusted whole; None if it can."""
        if request.method == "HEAD" or not response.body:
            return None
        codings = [
            coding.strip().lower()
            for value in response.headers.getlist(b"Content-Encoding")
            for coding in value.split(b",")
        ]
        if not codings:
            return html_cut_short(response)
        # The body is a gzip stream as it stands only if gzip was the coding applied last.
        if codings[-1:] in GZIPPED:
            return gzip_problem(response.body, request.meta.get("download_maxsize", self.max_size))
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        """Pass a whole body on; retry a broken one, or fail it (the spider's errback says so)."""
        problem = self.body_problem(request, response)
        if problem is None:
            return response
        stats: StatsCollector | None = self.crawler.stats
        if stats is not None:
            stats.inc_value("download/broken_bodies")
        assert self.crawler.spider is not None
        if not request.meta.get("dont_retry", False):
            # A fixed reason: it names a stat (`retry/reason_count/...`); the log says the rest.
            retry = get_retry_request(request, spider=self.crawler.spider, reason="broken body")
            if retry is not None:
                return retry
        raise IgnoreRequest(problem)
