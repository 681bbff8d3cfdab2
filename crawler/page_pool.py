"""Fetched pages read in worker processes, off the crawl's thread (PAGE_POOL_PROCESSES).

With PAGE_POOL_PROCESSES = N > 0 an article page goes to one of N page processes, each
holding the crawl's per-page path (`crawler.render.PageRenderer`, built from the crawl's
settings): the page checks, the site's page object and every item pipeline that does not
write the archive. What comes back is the article and what those stages said and counted:
their stats are added to the crawl's, their log records logged by the crawl, and a drop or
an error becomes the crawl's own (crawler/settled.py); the stages that write the archive
run in the crawl's process, in order, as ever.

For CPU-bound crawls (a fast mirror, Scrapy's HTTP cache) on a machine with cores to spare:
a polite crawl waits for the network, and each process costs its memory. Page processes
that lose one of their number (killed, out of memory) are replaced, and each page they held
is read again alone, in a process of its own: a page that kills that one too is logged and
counted, and costs itself only. Stages that do not write the archive run in the page
process before those that do, whatever their order (the project's are in that order).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import select
import signal
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import TextResponse
from scrapy.settings import BaseSettings, Settings

from crawler import stats
from crawler.distributed.outcomes import StatsDelta
from crawler.items import Article
from crawler.listing import Listing
from crawler.render import PageRenderer
from crawler.sites import Channel, ExtractionError, site_named

logger = logging.getLogger(__name__)

LOST = "a page process died reading it, twice: once among other pages, then alone"


@dataclass(frozen=True)
class PageJob:
    """A fetched article page, as a page process rebuilds its response."""

    response_class: type[TextResponse]
    url: str
    body: bytes
    encoding: str  # the crawl's reading of it (headers, BOM, <meta>, re-decoding)
    site: str  # the site profile's key
    channel: Channel
    listing: Listing

    @classmethod
    def of(cls, page: TextResponse, site: str, channel: Channel, listing: Listing) -> Self:
        """The job of reading this page with the site's profile."""
        return cls(type(page), page.url, page.body, page.encoding, site, channel, listing)


@dataclass(frozen=True)
class PageOutcome:
    """What a page process made of a page, and what its stages counted and logged."""

    article: Article | None = None  # None: no article (`not_article` or `lost` says why)
    not_article: str = ""  # the page is not an article page (the ExtractionError)
    dropped: str = ""  # a stage dropped the article (the DropItem's message)
    error: str = ""  # a stage raised: `Type: message`
    trace: str = ""  # and its traceback
    lost: str = ""  # the page processes reading it died
    stats: dict[str, int] = field(default_factory=dict)
    records: tuple[logging.LogRecord, ...] = ()


class _Collecting(logging.Handler):
    """Keep a page process's log records for the crawl, made ready to pickle."""

    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record with its message formatted (its arguments may not pickle)."""
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = self.formatter_or_default().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)

    def formatter_or_default(self) -> logging.Formatter:
        """The handler's formatter, else logging's default one."""
        return self.formatter or logging.Formatter()


def portable_settings(settings: BaseSettings) -> tuple[dict[str, Any], list[str]]:
    """The crawl's settings a page process can be sent, and the names of those it cannot.

    A value made at run time (`scrapy demo`'s download handler, a class it builds for its
    mirror) does not pickle: a page process goes without it, and the crawl says which.
    """
    values, left_out = {}, []
    for name, value in settings.copy_to_dict().items():
        try:
            pickle.dumps(value)
        except (pickle.PicklingError, TypeError, AttributeError):
            left_out.append(name)
        else:
            values[name] = value
    return values, sorted(left_out)


class PageReader:
    """A page process's path from a page to its article: built once per process."""

    def __init__(self, values: dict[str, Any]) -> None:
        settings = Settings(values)
        self.renderer = PageRenderer(settings)
        self.counted = StatsDelta(self.renderer.stats)
        self.records: list[logging.LogRecord] = []
        root = logging.getLogger()
        root.addHandler(_Collecting(self.records))
        root.setLevel(settings.get("LOG_LEVEL", "INFO"))

    def read(self, job: PageJob) -> PageOutcome:
        """Read one page: its article through the stages, or why there is none."""
        self.records.clear()
        response = job.response_class(url=job.url, body=job.body, encoding=job.encoding)
        outcome: dict[str, Any] = {}
        try:
            site = site_named(job.site)
            article = self.renderer.extract(response, site, job.channel, job.listing)
        except ExtractionError as error:
            outcome["not_article"] = str(error)
        else:
            outcome["article"] = article  # the stages change it in place
            try:
                outcome["article"] = self.renderer.process(article)
            except DropItem as error:
                outcome["dropped"] = str(error)
            except Exception as error:  # any error: the crawl's item processing raises it
                outcome["error"] = f"{type(error).__name__}: {error}"
                outcome["trace"] = traceback.format_exc()
        return PageOutcome(**outcome, stats=self.counted.take(), records=tuple(self.records))


# In a page process: its PageReader, built when the process starts.
_READER: dict[str, PageReader] = {}


def _start_process(crawl: int, values: dict[str, Any]) -> None:
    """Build the page path of a new page process from the crawl's settings."""
    # Ctrl-C reaches the whole process group: the crawl stops its processes itself, once
    # they have read what they hold.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    follow(crawl)
    _READER["page"] = PageReader(values)


def follow(crawl: int) -> None:
    """End this process when the crawl's process ends, however it ends (SIGKILL too).

    A page process is the fork server's child, not the crawl's, and waits for work on a
    pipe the crawl's death does not close: without this it would outlive a killed crawl.
    """

    def end_with_the_crawl() -> None:
        wait_for_exit(crawl)
        os._exit(1)

    threading.Thread(target=end_with_the_crawl, name="follow-the-crawl", daemon=True).start()


def wait_for_exit(pid: int) -> None:
    """Return once the process `pid` has ended: told by a pidfd, else by looking every second."""
    try:
        exits = os.pidfd_open(pid)  # readable once that process has ended
    except ProcessLookupError:  # ended already
        return
    except (AttributeError, OSError):  # not Linux, a kernel before 5.3, or a sandbox's refusal
        poll_until_gone(pid)
        return
    try:
        select.select([exits], [], [])
    finally:
        os.close(exits)


def poll_until_gone(pid: int, every: float = 1.0) -> None:
    """Return once no process has the id `pid`, looking every `every` seconds."""
    while True:
        try:
            os.kill(pid, 0)  # signal 0: only asks whether the process is there
        except ProcessLookupError:
            return
        except PermissionError:  # there, and another user's
            pass
        time.sleep(every)


def _read_page(job: PageJob) -> PageOutcome:
    """Read a page in a page process."""
    return _READER["page"].read(job)


class Processes:
    """Page processes forked from a server that has the project imported; replaced together
    when one of them dies (a process pool is broken by the death of any of its processes)."""

    def __init__(self, count: int, crawler: Crawler) -> None:
        self.count = count
        self.crawler = crawler
        self.executor: ProcessPoolExecutor | None = None

    def started(self) -> ProcessPoolExecutor:
        """The running processes, started if need be."""
        if self.executor is None:
            # Not forked from the crawl itself: its reactor's threads and sockets must not be.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["crawler.page_pool"])
            self.executor = ProcessPoolExecutor(
                self.count,
                mp_context=context,
                initializer=_start_process,
                initargs=(os.getpid(), portable_settings(self.crawler.settings)[0]),
            )
        return self.executor

    def warm(self) -> None:
        """Start every process now: each builds its page path before the first page comes."""
        executor = self.started()
        for _ in range(self.count):
            executor.submit(int)

    async def read(self, job: PageJob) -> PageOutcome:
        """Have one of the processes read the page; BrokenProcessPool if the process died."""
        executor = self.started()
        try:
            # Scrapy's asyncio reactor (its default) runs the callbacks in asyncio's loop.
            return await asyncio.wrap_future(executor.submit(_read_page, job))
        except BrokenProcessPool as error:
            if self.executor is executor:  # the first of its pages to hear of it
                self.executor = None
                executor.shutdown(wait=False, cancel_futures=True)
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value(stats.PAGE_PROCESS_DEATHS)
                logger.warning("A page process died (%s): starting new ones", error)
            raise

    def stop(self) -> None:
        """Stop the processes, once they have read what they were given."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


class PagePool:
    """The crawl's page processes: started with the spider, given pages, stopped at the end."""

    def __init__(self, crawler: Crawler, processes: int) -> None:
        self.crawler = crawler
        self.pages = Processes(processes, crawler)
        # A page whose process died is read again alone, in a process of its own, so that a
        # page that kills every process reading it takes no other page with it.
        self.alone = Processes(1, crawler)
        self.one_at_a_time = asyncio.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Enabled by PAGE_POOL_PROCESSES > 0."""
        processes = crawler.settings.getint("PAGE_POOL_PROCESSES")
        if processes <= 0:
            raise NotConfigured  # off by default: no reason given, so Scrapy logs no warning
        pool = cls(crawler, processes)
        crawler.signals.connect(pool.start, signal=signals.spider_opened)
        crawler.signals.connect(pool.stop, signal=signals.engine_stopped)
        return pool

    def start(self) -> None:
        """Start the page processes (the first pages would wait for them otherwise)."""
        self.pages.warm()
        logger.info("Page pool: %d page processes", self.pages.count)
        left_out = portable_settings(self.crawler.settings)[1]
        if left_out:
            logger.info(
                "Page pool: %s left at their defaults in the page processes (values that "
                "cannot be sent to another process)",
                ", ".join(left_out),
            )

    def stop(self) -> None:
        """Stop the page processes."""
        self.pages.stop()
        self.alone.stop()

    async def read(self, job: PageJob) -> PageOutcome:
        """Have a page process read the page; alone in a new one, if the process reading it dies."""
        try:
            return await self.pages.read(job)
        except BrokenProcessPool:
            pass
        async with self.one_at_a_time:
            try:
                return await self.alone.read(job)
            except BrokenProcessPool:
                return PageOutcome(lost=LOST)

    def report(self, outcome: PageOutcome) -> None:
        """Count what the page's stages counted, and log what they logged, in this crawl."""
        assert self.crawler.stats is not None
        for name, value in outcome.stats.items():
            self.crawler.stats.inc_value(name, value)
        for record in outcome.records:
            logging.getLogger(record.name).handle(record)
