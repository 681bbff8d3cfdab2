"""A worker of a distributed run: fetch, parse, clean and validate what the coordinator queued.

`scrapy worker <spider>` runs the spider with no discovery of its own: its requests come from
the scrapy-redis queue (WorkerScheduler), the stages that do not touch the archive run here,
and the outcome of every request goes back to the coordinator through Redis: the article
(HandBackPipeline, the last stage), or why there is none (WorkerOutcomes). The worker waits
for work while the queue is empty, for ever or DISTRIBUTED_WORKER_MAX_IDLE seconds.

A request taken off the queue moves, in the same Redis command, to the worker's own list
of taken requests (TakingQueue), and leaves it with its outcome, in one transaction. The
worker says it is alive every DISTRIBUTED_WORKER_HEARTBEAT seconds; the coordinator queues
again what a worker that stopped saying so had taken (it died, even by SIGKILL).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator
from typing import Any, Self, cast

from redis import Redis
from redis.exceptions import RedisError
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.misc import load_object
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.queue import FifoQueue
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from crawler.distributed import add_component, is_distributed, outcomes
from crawler.distributed.keys import DUPEFILTER_KEY, OUTCOMES_KEY, QUEUE_KEY, RunKeys
from crawler.distributed.outcomes import Outcome, StatsDelta, encode, request_tag
from crawler.distributed.politeness import host_delay
from crawler.items import Article
from crawler.listing import Listing
from crawler.pages import failure_reason
from crawler.sites import Channel, Site
from crawler.spiders.archiving import ArchivingSpider

logger = logging.getLogger(__name__)

WAKE_SECONDS = 0.2  # how often an idle worker looks for queued work
TAKEN = "distributed_taken"  # request meta: the request as it was queued, in the taken list
COORDINATOR_EXTENSIONS = ("crawler.archive.", "crawler.monitoring.")  # left out of a worker


def make_worker(settings: BaseSettings) -> None:
    """Turn a crawl's settings into a worker's: the queue, the outcome channel, no archive."""
    values = {
        "SCHEDULER": "crawler.distributed.worker.WorkerScheduler",
        "SCHEDULER_PERSIST": True,  # the queue is the run's, not this worker's to clear
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.worker.TakingQueue",
        "SCHEDULER_QUEUE_KEY": QUEUE_KEY,
        "SCHEDULER_DUPEFILTER_KEY": DUPEFILTER_KEY,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_ITEMS_KEY": OUTCOMES_KEY,
        "REDIS_ITEMS_SERIALIZER": "crawler.distributed.outcomes.encode",
        # The coordinator holds the archive: its lock, its state, its files.
        "ARCHIVE_ENABLED": False,
        "MARKDOWN_EXPORT_ENABLED": False,
    }
    for name, value in values.items():
        settings.set(name, value, priority="cmdline")
    if not settings.get("DISTRIBUTED_WORKER_ID"):
        settings.set("DISTRIBUTED_WORKER_ID", uuid.uuid4().hex[:12], priority="cmdline")
    # The stages that write the archive, the archive's extension, and the run's monitors and
    # reports are the coordinator's: it sees every article and the whole run's stats.
    for path in settings.getdict("ITEM_PIPELINES"):
        if getattr(load_object(path), "writes_archive", False):
            add_component(settings, "ITEM_PIPELINES", path, None)
    for path in settings.getdict("EXTENSIONS"):
        if path.startswith(COORDINATOR_EXTENSIONS):
            add_component(settings, "EXTENSIONS", path, None)
    add_component(settings, "ITEM_PIPELINES", "crawler.distributed.worker.HandBackPipeline", 1000)
    add_component(settings, "EXTENSIONS", "crawler.distributed.worker.WorkerOutcomes", 200)
    if host_delay(settings) > 0:  # 0: no shared limit
        add_component(
            settings,
            "DOWNLOADER_MIDDLEWARES",
            "crawler.distributed.politeness.SharedHostDelayMiddleware",
            950,
        )


def worker_keys(crawler: Crawler) -> tuple[str, str]:
    """The worker's list of taken requests and its sign of life."""
    keys = RunKeys(getattr(crawler.spidercls, "name", ""))
    worker = str(crawler.settings.get("DISTRIBUTED_WORKER_ID"))
    return keys.taken(worker), keys.alive(worker)


class TakingQueue(FifoQueue):  # type: ignore[misc]
    """scrapy-redis's FIFO queue, but a request taken moves to the worker's taken list.

    One Redis command takes it off the queue and keeps it there, until its outcome is sent:
    a worker killed at any moment leaves what it held where the coordinator finds it.
    """

    def __init__(self, server: Redis, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        assert spider.crawler is not None
        self.taken_key = worker_keys(spider.crawler)[0]

    def pop(self, timeout: float = 0) -> Request | None:
        """Take the oldest request, keeping it in the taken list; None if there is none."""
        if timeout > 0:
            data = self.server.blmove(self.key, self.taken_key, timeout, "RIGHT", "LEFT")
        else:
            data = self.server.lmove(self.key, self.taken_key, "RIGHT", "LEFT")
        if not data:
            return None
        request = cast(Request, self._decode_request(data))
        request.meta[TAKEN] = data
        return request


class SpiderlessStats:
    """A stats collector, called the way scrapy-redis calls it, without the `spider` argument.

    scrapy-redis 0.9.1 passes `spider=` to `inc_value`, which Scrapy 2.19 deprecates.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    def inc_value(self, key: str, count: int = 1, start: int = 0, spider: Any = None) -> None:
        """Add to a counter (the spider is not needed: a crawler has one)."""
        self.stats.inc_value(key, count, start)


class WorkerScheduler(RedisScheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler, counting its stats through Scrapy 2.19's API; wakes up soon.

    An idle engine asks its scheduler again only on its 5-second heartbeat, so a worker
    would start on newly queued work up to 5 s late (a third of a short run). Every
    WAKE_SECONDS an idle worker takes one request off the queue and hands it to the engine
    (`engine.crawl`, the public way in), which keeps it here and pulls the rest as usual.
    """

    crawler: Crawler
    taken: deque[Request]  # what `wake` handed the engine, held here for its next ask
    waking: Request | None  # the request `wake` is handing the engine right now
    alarm: LoopingCall

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build scrapy-redis's scheduler, with a stats collector it can call cleanly."""
        scheduler: Self = super().from_crawler(crawler)
        assert crawler.stats is not None
        scheduler.stats = SpiderlessStats(crawler.stats)
        scheduler.crawler = crawler
        scheduler.taken = deque()
        scheduler.waking = None
        scheduler.alarm = LoopingCall(scheduler.wake)
        return scheduler

    def open(self, spider: Spider) -> None:
        """Open the queue; start looking for work while idle."""
        super().open(spider)
        self.alarm.start(WAKE_SECONDS, now=False)

    def close(self, reason: str) -> None:
        """Stop looking for work; close the queue."""
        if self.alarm.running:
            self.alarm.stop()
        super().close(reason)

    def wake(self) -> None:
        """Hand the engine one queued request if it has nothing in flight."""
        engine = self.crawler.engine
        if engine is None or self.taken or engine.downloader.active:
            return
        request = super().next_request()
        if request is not None:
            self.waking = request
            engine.crawl(request)

    def enqueue_request(self, request: Request) -> bool:
        """Keep the request `wake` took off the queue here; queue any other in Redis.

        A request that goes back to the queue (a redirect) leaves the taken list: its outcome
        is the one of whichever worker takes it next.
        """
        if request is self.waking:
            self.waking = None
            self.taken.append(request)
            return True
        taken = request.meta.pop(TAKEN, None)
        queued = bool(super().enqueue_request(request))
        if taken is not None:
            if queued:
                self.server.lrem(self.queue.taken_key, 1, taken)
            else:
                request.meta[TAKEN] = taken  # dropped: its outcome says so, and releases it
        return queued

    def next_request(self) -> Request | None:
        """The request `wake` took, else the next one in Redis."""
        if self.taken:
            return self.taken.popleft()
        return cast(Request | None, super().next_request())

    def has_pending_requests(self) -> bool:
        """Whether a request waits here or in Redis."""
        return bool(self.taken) or bool(super().has_pending_requests())


class WorkerOutcomes:
    """Sends back why a request gave no article; keeps the worker waiting for work."""

    def __init__(
        self, crawler: Crawler, server: Redis, max_idle: float, heartbeat: float = 10.0
    ) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.server = server
        self.max_idle = max_idle
        self.heartbeat = heartbeat
        self.taken_key, self.alive_key = worker_keys(crawler)
        self.beats = LoopingCall(self.beat)
        self.delta = StatsDelta(crawler.stats)
        self.articles: dict[int, Request] = {}  # id() of an article on its way → its request
        self.run = ""  # the run of the last request taken
        self.busy_at = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Connect to REDIS_URL; follow the requests' and items' fates."""
        settings = crawler.settings
        if not is_distributed(settings):
            raise NotConfigured("REDIS_URL is not set: not a worker")
        extension = cls(
            crawler,
            get_redis_from_settings(settings),
            settings.getfloat("DISTRIBUTED_WORKER_MAX_IDLE", 0.0),
            settings.getfloat("DISTRIBUTED_WORKER_HEARTBEAT", 10.0),
        )
        connect = crawler.signals.connect
        connect(extension.spider_opened, signals.spider_opened)
        connect(extension.item_dropped, signals.item_dropped)
        connect(extension.item_error, signals.item_error)
        connect(extension.spider_error, signals.spider_error)
        connect(extension.request_dropped, signals.request_dropped)
        connect(extension.spider_idle, signals.spider_idle)
        connect(extension.spider_closed, signals.spider_closed)
        return extension

    @property
    def key(self) -> str:
        """The outcomes list of this spider."""
        return str(self.crawler.settings.get("REDIS_ITEMS_KEY", OUTCOMES_KEY)) % {
            "spider": getattr(self.crawler.spidercls, "name", "")
        }

    def spider_opened(self) -> None:
        """Say the worker is alive, before it takes any request, and then every heartbeat."""
        self.beats.start(self.heartbeat, now=True)

    def beat(self) -> None:
        """Say the worker is alive for three heartbeats: one missed beat is no death."""
        try:
            self.server.set(self.alive_key, "1", px=int(self.heartbeat * 3000))
        except RedisError as error:  # its taken requests may be queued again: fetched twice
            logger.warning("Worker cannot tell Redis it is alive: %s", error)

    def expect(self, article: Article, request: Request) -> None:
        """Note the request of an article on its way through the worker's stages."""
        self.articles[id(article)] = request

    def outcome(
        self, request: Request | None, kind: str, reason: str = "", item: Any = None
    ) -> Outcome | None:
        """The outcome of a request, with the stats counted since the last one sent."""
        if request is None:
            return None
        run, number = request_tag(request)
        if not number:
            return None  # not a request the coordinator queued
        self.run = run
        self.busy_at = time.monotonic()
        return Outcome(run, number, kind, request.url, reason, item, self.delta.take())

    def report(
        self, request: Request | None, kind: str, reason: str = "", item: Any = None
    ) -> None:
        """Send a request's outcome, and take the request off the taken list, in one
        transaction."""
        outcome = self.outcome(request, kind, reason, item)
        if outcome is None:
            return
        assert request is not None  # an outcome is always of a request
        with self.server.pipeline() as transaction:
            transaction.rpush(self.key, encode(outcome))
            taken = request.meta.get(TAKEN)
            if taken is not None:
                transaction.lrem(self.taken_key, 1, taken)
            transaction.execute()

    def hand_back(self, item: Any) -> None:
        """Send the article that passed every stage, as its request's outcome."""
        self.report(self.articles.pop(id(item), None), outcomes.ARTICLE, item=item)

    def report_soon(self, request: Request | None, kind: str, reason: str) -> None:
        """Report once the signal's other receivers and Scrapy have counted the event."""
        asyncio.get_running_loop().call_soon(self.report, request, kind, reason)

    def item_dropped(self, item: Any, response: Response | None, exception: BaseException) -> None:
        """A stage dropped the article (validation): the request's outcome."""
        request = self.articles.pop(id(item), None)
        self.report_soon(request, outcomes.DROPPED, str(exception))

    def item_error(self, item: Any, response: Response | None, failure: Failure) -> None:
        """A stage raised on the article."""
        request = self.articles.pop(id(item), None)
        self.report_soon(request, outcomes.ERROR, failure.getErrorMessage())

    def spider_error(self, failure: Failure, response: Response | None) -> None:
        """The spider raised on a page."""
        request = response.request if response is not None else None
        self.report_soon(request, outcomes.ERROR, failure.getErrorMessage())

    def request_dropped(self, request: Request) -> None:
        """The scheduler refused a request (a redirect to a page already fetched)."""
        self.report_soon(request, outcomes.DROPPED, "duplicate request")

    def spider_idle(self) -> None:
        """Wait for work, unless idle for longer than DISTRIBUTED_WORKER_MAX_IDLE."""
        if self.max_idle and time.monotonic() - self.busy_at > self.max_idle:
            logger.info("Worker idle for %.0fs: stopping", self.max_idle)
            return
        raise DontCloseSpider

    def spider_closed(self) -> None:
        """Send what the stats counted since the last outcome; say the worker is gone.

        Whatever it took and has no outcome of (none, after a clean stop) is then queued
        again by the coordinator at once.
        """
        if self.beats.running:
            self.beats.stop()
        gained = self.delta.take()
        if gained and self.run:
            self.server.rpush(self.key, encode(Outcome(self.run, "", outcomes.STATS, stats=gained)))
        self.server.delete(self.alive_key)


class HandBackPipeline:
    """A worker's last stage: the article goes back to the coordinator, as its outcome.

    Its way to the archive: run in the crawl's own process (never in a page process), and
    left out of `scrapy render`, as the stages that write the archive are.

    In place of scrapy-redis's RedisPipeline, whose `process_item` takes the spider (which
    Scrapy 2.19 deprecates) and which could not take the request off the taken list.
    """

    writes_archive = True

    def __init__(self, outcomes: WorkerOutcomes) -> None:
        self.outcomes = outcomes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Find the worker's outcome channel."""
        outcomes_extension = crawler.get_extension(WorkerOutcomes)
        if outcomes_extension is None:
            raise NotConfigured("not a worker (the WorkerOutcomes extension is off)")
        return cls(outcomes_extension)

    def process_item(self, item: Any) -> Any:
        """Send the article back to the coordinator, with its request's number."""
        self.outcomes.hand_back(item)
        return item


class WorkerSpider(ArchivingSpider):
    """What a spider becomes in a worker (mixed in first): no discovery, outcomes reported."""

    async def start(self) -> AsyncIterator[Request]:
        """Discover nothing: every request comes from the coordinator's queue."""
        return
        yield

    def closed(self, reason: str) -> None:
        """Leave the listings alone: they are the coordinator's."""

    @property
    def outcomes(self) -> WorkerOutcomes:
        """The worker's outcome channel."""
        extension = self.crawler.get_extension(WorkerOutcomes)
        assert extension is not None
        return extension

    async def parse_article(
        self, response: Response, site: Site, channel: Channel, listing: Listing
    ) -> list[Article]:
        """Extract as the spider does; report a page that gave no article."""
        articles = await super().parse_article(response, site, channel, listing)
        if not articles:
            self.outcomes.report(response.request, outcomes.NO_ARTICLE, "not an article page")
        for article in articles:
            self.outcomes.expect(article, response.request)  # type: ignore[arg-type]
        return articles  # a list, as the spider's own: no generator for Scrapy to inspect

    def request_failed(self, failure: Failure) -> None:
        """Log and count as the spider does; report the failure."""
        super().request_failed(failure)
        request = failure.request  # type: ignore[attr-defined]
        self.outcomes.report(request, outcomes.FAILED, failure_reason(failure))


def worker_spider(spider_class: type[ArchivingSpider]) -> type[ArchivingSpider]:
    """Return the spider class as a worker runs it (same name, so the same queue)."""
    return type(
        spider_class.__name__,
        (WorkerSpider, spider_class),
        {"__doc__": f"{spider_class.__name__} as a worker of a distributed run."},
    )
