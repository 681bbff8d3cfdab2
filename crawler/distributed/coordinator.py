"""The coordinator of a distributed run: article requests out to Redis, outcomes back in.

Discovery, the archive state, the lock and the export stay in the `scrapy crawl` (or
`scrapy refresh`) process. Its scheduler hands article requests to a scrapy-redis queue
instead of downloading them; the Coordinator extension numbers them, reads what the workers
send back and puts each article through the stages that write the archive. The run ends
when every request has an outcome, or when none came for DISTRIBUTED_IDLE_TIMEOUT seconds
while nothing else was left to do: it then closes as `unfinished`, so that the spiders
leave their listings marked as not read to the end and the next run fetches the rest.
What a worker took and has not answered stays in its taken list; once that worker stops
saying it is alive (it died), the coordinator queues those requests again for the others.
"""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from typing import Self, cast

from redis import Redis
from redis.exceptions import RedisError
from scrapy import signals
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Request
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.queue import FifoQueue
from twisted.internet.task import LoopingCall

from crawler.distributed import is_distributed, outcomes
from crawler.distributed.keys import RunKeys
from crawler.settled import mark_settled
from crawler.spiders.archiving import ARTICLE

logger = logging.getLogger(__name__)

UNFINISHED = "unfinished"  # the close reason of a run that timed out waiting for outcomes
POLL_SECONDS = 0.1
BATCH = 100  # outcomes read from Redis at a time

# Stats of the coordinator's own bookkeeping.
QUEUED = "distributed/queued"
RECEIVED = "distributed/outcomes"
STALE = "distributed/stale_outcomes"
LEFT_UNFINISHED = "distributed/unfinished"
REQUEUED = "distributed/requeued"
REDIS_ERRORS = "distributed/redis_errors"


class Coordinator:
    """Numbers the article requests sent to the workers and takes in their outcomes."""

    def __init__(
        self, crawler: Crawler, server: Redis, idle_timeout: float, heartbeat: float = 10.0
    ) -> None:
        self.crawler = crawler
        self.server = server
        self.idle_timeout = idle_timeout
        self.heartbeat = heartbeat  # how often workers say they are alive: and are looked at
        self.looked_at = time.monotonic()
        self.run = uuid.uuid4().hex[:12]
        self.numbers = itertools.count(1)
        self.pending: dict[str, str] = {}  # request id → URL, for requests with no outcome yet
        self.keys: RunKeys | None = None
        self.queue: FifoQueue | None = None
        self.last_progress = time.monotonic()
        self.closing = False
        self.poller = LoopingCall(lambda: deferred_from_coro(self.poll()))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Connect to REDIS_URL (off without it); follow the spider's life."""
        settings = crawler.settings
        if not is_distributed(settings):
            raise NotConfigured("REDIS_URL is not set: not a distributed run")
        server = get_redis_from_settings(settings)
        server.ping()  # a Redis that cannot be reached stops the run before any request
        coordinator = cls(
            crawler,
            server,
            settings.getfloat("DISTRIBUTED_IDLE_TIMEOUT", 300.0),
            settings.getfloat("DISTRIBUTED_WORKER_HEARTBEAT", 10.0),
        )
        crawler.signals.connect(coordinator.spider_opened, signals.spider_opened)
        crawler.signals.connect(coordinator.spider_idle, signals.spider_idle)
        crawler.signals.connect(coordinator.spider_closed, signals.spider_closed)
        return coordinator

    def spider_opened(self, spider: Spider) -> None:
        """Clear what an earlier run of this spider left in Redis, then wait for outcomes.

        The archive lock makes this the only coordinator of the archive: what a killed run
        left queued, or sent back, is its own, and its listings are marked unfinished, so
        this run lists those articles again.
        """
        self.keys = RunKeys(spider.name)
        self.server.delete(self.keys.queue, self.keys.dupefilter, self.keys.outcomes)
        for taken in self.server.scan_iter(match=self.keys.taken("*")):  # an earlier run's
            self.server.delete(taken)
        self.queue = FifoQueue(self.server, spider, self.keys.queue)
        logger.info(
            "Distributed run %s: article requests go to %s, outcomes come back on %s",
            self.run, self.keys.queue, self.keys.outcomes,
        )  # fmt: skip
        self.poller.start(POLL_SECONDS, now=False)

    def push(self, request: Request) -> None:
        """Send an article request to the workers' queue, numbered for its outcome."""
        assert self.queue is not None and self.crawler.stats is not None
        number = str(next(self.numbers))
        request.meta[outcomes.TAG] = (self.run, number)
        self.pending[number] = request.url
        self.queue.push(request)
        self.crawler.stats.inc_value(QUEUED)
        self.last_progress = time.monotonic()

    def spider_idle(self) -> None:
        """Keep the crawl open while requests wait for their outcome."""
        if self.pending:
            raise DontCloseSpider

    async def poll(self) -> None:
        """Take in what the workers sent; end the run when it is done, or stalled."""
        if self.closing or self.keys is None:
            return
        try:
            while batch := cast(list[bytes] | None, self.server.lpop(self.keys.outcomes, BATCH)):
                for data in batch:
                    await self.take(data)
        except RedisError as error:  # no outcome comes in: the idle timeout runs on
            self.redis_error("cannot read the outcomes", error)
        if time.monotonic() - self.looked_at > self.heartbeat:
            self.looked_at = time.monotonic()
            try:
                self.requeue_from_dead_workers()
            except RedisError as error:  # tried again at the next look
                self.redis_error("cannot queue again what dead workers took", error)
        engine = self.crawler.engine
        assert engine is not None
        if not engine.spider_is_idle():  # discovery goes on: not stalled
            self.last_progress = time.monotonic()
            return
        if not self.pending:
            await self.close("finished")
        elif time.monotonic() - self.last_progress > self.idle_timeout:
            logger.warning(
                "Distributed run %s: no outcome for %.0fs, %d requests have none: ending the "
                "run unfinished (the next run fetches them again)",
                self.run, self.idle_timeout, len(self.pending),
            )  # fmt: skip
            await self.close(UNFINISHED)

    def redis_error(self, doing: str, error: RedisError) -> None:
        """Log and count a Redis command that failed."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(REDIS_ERRORS)
        logger.error("Distributed run %s: %s: %s", self.run, doing, error)

    def requeue_from_dead_workers(self) -> None:
        """Queue again what each worker that no longer says it is alive had taken.

        An answer the worker sent before it died still counts; if one comes from it after
        all (it was cut off from Redis for a while, not dead), it is a second outcome of
        that request, and ignored.
        """
        assert self.keys is not None and self.crawler.stats is not None
        for key in self.server.scan_iter(match=self.keys.taken("*")):
            taken = key.decode() if isinstance(key, bytes) else str(key)
            worker = self.keys.worker_of(taken)
            if self.server.exists(self.keys.alive(worker)):
                continue
            moved = 0
            # Next out of the queue, as they were next when that worker took them.
            while self.server.lmove(taken, self.keys.queue, "RIGHT", "RIGHT") is not None:
                moved += 1
            if moved:
                self.last_progress = time.monotonic()  # the idle timeout starts again
                self.crawler.stats.inc_value(REQUEUED, moved)
                logger.warning(
                    "Distributed run %s: worker %s stopped saying it is alive: the %d requests "
                    "it took and did not answer are queued again",
                    self.run, worker, moved,
                )  # fmt: skip

    async def close(self, reason: str) -> None:
        """Close the crawl with a reason, once."""
        self.closing = True
        engine = self.crawler.engine
        assert engine is not None
        await engine.close_spider_async(reason=reason)

    async def take(self, data: bytes) -> None:
        """Take one outcome: add its stats, put its article through the archive stages."""
        stats = self.crawler.stats
        assert stats is not None
        outcome = outcomes.decode(data)
        if outcome is None or outcome.run != self.run:
            stats.inc_value(STALE)  # sent for an earlier run, or not an outcome at all
            return
        for name, value in outcome.stats.items():
            stats.inc_value(name, value)
        if outcome.kind == outcomes.STATS:
            return
        self.last_progress = time.monotonic()
        if self.pending.pop(outcome.request, None) is None:
            logger.debug("A second outcome for request %s <%s>", outcome.request, outcome.url)
            return
        stats.inc_value(RECEIVED)
        stats.inc_value(f"{RECEIVED}/{outcome.kind.replace(' ', '_')}")
        if outcome.kind == outcomes.ARTICLE and outcome.item is not None:
            mark_settled(outcome.item)  # its page stages ran in the worker
            engine = self.crawler.engine
            assert engine is not None
            await engine.scraper.start_itemproc_async(outcome.item, response=None)
        elif outcome.reason:
            logger.info("Worker outcome <%s>: %s (%s)", outcome.url, outcome.kind, outcome.reason)

    def spider_closed(self, reason: str) -> None:
        """Stop polling; say what was left without an outcome, and take it off the queue."""
        if self.poller.running:
            self.poller.stop()
        if self.keys is not None:
            try:
                self.server.delete(self.keys.queue)  # no worker should fetch for no one
            except RedisError as error:
                logger.warning("Distributed run %s: cannot clear the queue: %s", self.run, error)
        if self.pending:
            assert self.crawler.stats is not None
            self.crawler.stats.set_value(LEFT_UNFINISHED, len(self.pending))
            logger.warning(
                "Distributed run %s ended (%s) with %d requests without an outcome, e.g. <%s>",
                self.run, reason, len(self.pending), next(iter(self.pending.values())),
            )  # fmt: skip


class CoordinatorScheduler(Scheduler):
    """Scrapy's scheduler, but article requests go to the workers' queue in Redis."""

    coordinator: Coordinator

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build Scrapy's scheduler and find the coordinator."""
        scheduler = super().from_crawler(crawler)
        coordinator = crawler.get_extension(Coordinator)
        if coordinator is None:
            raise NotConfigured("the Coordinator extension is not enabled")
        scheduler.coordinator = coordinator
        return scheduler

    def enqueue_request(self, request: Request) -> bool:
        """Queue a listing request here as usual; send an article request to the workers."""
        if request.meta.get("kind") != ARTICLE:
            return super().enqueue_request(request)
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.coordinator.push(request)
        return True
