"""The scrapy-redis components a distributed run uses, against a real redis-server.

scrapy-redis 0.9.1 calls two APIs that Scrapy 2.19 deprecates: its Scheduler passes
`spider=` to the stats collector, and its RedisPipeline's `process_item` takes the spider.
The project's WorkerScheduler wraps the first, and HandBackPipeline stands in for the second;
these tests fail if the warning comes back (pytest turns warnings into errors), and show
that it would. Then the worker's taken list and its signs of life, and a Redis that stops
answering.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import redis
import redis.exceptions
from redis.backoff import NoBackoff
from redis.retry import Retry
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.test import get_crawler
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler.distributed import outcomes
from crawler.distributed.coordinator import REDIS_ERRORS, Coordinator
from crawler.distributed.keys import RunKeys
from crawler.distributed.outcomes import decode
from crawler.distributed.worker import (
    TAKEN,
    HandBackPipeline,
    WorkerOutcomes,
    WorkerScheduler,
    make_worker,
)
from crawler.items import Article
from tests.distributed import free_port, redis_server
from tests.inprocess import project_settings

pytestmark = pytest.mark.component


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of the test's own."""
    with redis_server(tmp_path / "redis") as url:
        yield url


def worker_crawler(redis_url: str, pipelines: dict[str, int] | None = None) -> Crawler:
    """A crawler with a worker's settings (and these item pipelines), its engine not built."""
    settings = project_settings()
    settings.set("REDIS_URL", redis_url)
    make_worker(settings)
    if pipelines is not None:
        settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    crawler = get_crawler(SinaNamed, settings.copy_to_dict())
    crawler.spider = SinaNamed.from_crawler(crawler)
    return crawler


class SinaNamed(Spider):
    """A spider with the name the queue and outcome keys are made from, as every spider has."""

    name = "sina"


def queue_and_take(scheduler: Any, spider: Spider) -> Request | None:
    """Queue a request through a scheduler and take it back."""
    scheduler.open(spider)
    scheduler.enqueue_request(Request("http://127.0.0.1/a", meta={outcomes.TAG: ("r", "1")}))
    request: Request | None = scheduler.next_request()
    scheduler.close("finished")
    return request


def test_the_worker_scheduler_queues_in_redis_without_a_deprecated_call(redis_url: str) -> None:
    crawler = worker_crawler(redis_url)
    assert crawler.spider is not None
    request = queue_and_take(WorkerScheduler.from_crawler(crawler), crawler.spider)
    assert request is not None and request.url == "http://127.0.0.1/a"
    assert request.meta[outcomes.TAG] == ("r", "1")
    assert crawler.stats is not None
    assert crawler.stats.get_value("scheduler/enqueued/redis") == 1
    assert crawler.stats.get_value("scheduler/dequeued/redis") == 1


def test_scrapy_redis_own_scheduler_would_call_a_deprecated_api(redis_url: str) -> None:
    crawler = worker_crawler(redis_url)
    assert crawler.spider is not None
    with pytest.warns(ScrapyDeprecationWarning, match="spider"):
        queue_and_take(RedisScheduler.from_crawler(crawler), crawler.spider)


def test_the_hand_back_pipeline_sends_the_article_with_its_request_number(redis_url: str) -> None:
    crawler = worker_crawler(redis_url, {"crawler.distributed.worker.HandBackPipeline": 1})
    extension = crawler.get_extension(WorkerOutcomes)
    assert extension is not None
    manager = ItemPipelineManager.from_crawler(crawler)  # warns for a pipeline taking `spider`
    (pipeline,) = manager.middlewares
    assert isinstance(pipeline, HandBackPipeline)
    article = Article(url="http://127.0.0.1/a", title="标题", key="sina:a")
    extension.expect(article, Request(article.url, meta={outcomes.TAG: ("run", "7")}))
    assert pipeline.process_item(article) is article
    (message,) = redis.Redis.from_url(redis_url).lrange("sina:outcomes", 0, -1)
    assert isinstance(message, bytes)
    outcome = decode(message)
    assert outcome is not None
    assert (outcome.run, outcome.request, outcome.kind) == ("run", "7", outcomes.ARTICLE)
    assert outcome.item == article


def test_scrapy_redis_own_pipeline_would_take_a_deprecated_spider_argument(redis_url: str) -> None:
    crawler = worker_crawler(redis_url, {"scrapy_redis.pipelines.RedisPipeline": 1})
    with pytest.warns(ScrapyDeprecationWarning, match="spider"):
        ItemPipelineManager.from_crawler(crawler)


class EngineDoor:
    """The two things WorkerScheduler.wake uses of an engine: its downloads and `crawl`."""

    def __init__(self, scheduler: WorkerScheduler) -> None:
        self.scheduler = scheduler
        self.downloader = type("Downloader", (), {"active": set()})()
        self.crawled: list[Request] = []

    def crawl(self, request: Request) -> None:
        """As ExecutionEngine.crawl: the request goes to the scheduler."""
        self.crawled.append(request)
        assert self.scheduler.enqueue_request(request)


def test_an_idle_worker_takes_queued_work_without_waiting_for_the_engine_heartbeat(
    redis_url: str,
) -> None:
    crawler = worker_crawler(redis_url)
    assert crawler.spider is not None
    scheduler = WorkerScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    try:
        engine = EngineDoor(scheduler)
        crawler.engine = engine  # type: ignore[assignment]
        for name in ("a", "b"):
            scheduler.enqueue_request(Request(f"http://127.0.0.1/{name}"))
        engine.downloader.active.add("busy")
        scheduler.wake()
        assert engine.crawled == []  # a busy engine asks its scheduler anyway
        engine.downloader.active.clear()
        scheduler.wake()
        assert [request.url for request in engine.crawled] == ["http://127.0.0.1/a"]
        assert len(scheduler.queue) == 1  # held by the worker, not queued back in Redis
        scheduler.wake()
        assert len(engine.crawled) == 1  # one in hand is enough to wake the engine
        taken = [scheduler.next_request(), scheduler.next_request(), scheduler.next_request()]
        assert [request.url if request else None for request in taken] == [
            "http://127.0.0.1/a",
            "http://127.0.0.1/b",
            None,
        ]
    finally:
        crawler.engine = None  # type: ignore[assignment]
        scheduler.close("finished")


def test_a_taken_request_stays_in_the_workers_taken_list_until_its_outcome_is_sent(
    redis_url: str,
) -> None:
    crawler = worker_crawler(redis_url)
    assert crawler.spider is not None
    server = redis.Redis.from_url(redis_url)
    scheduler = WorkerScheduler.from_crawler(crawler)
    extension = crawler.get_extension(WorkerOutcomes)
    assert extension is not None
    taken_key = extension.taken_key
    assert taken_key == f"sina:taken:{crawler.settings['DISTRIBUTED_WORKER_ID']}"
    scheduler.open(crawler.spider)
    try:
        for name in ("a", "b"):
            scheduler.enqueue_request(
                Request(f"http://127.0.0.1/{name}", meta={outcomes.TAG: ("r", name)})
            )
        first, second = scheduler.next_request(), scheduler.next_request()
        assert first is not None and second is not None
        assert server.llen("sina:requests") == 0
        assert server.lrange(taken_key, 0, -1) == [second.meta[TAKEN], first.meta[TAKEN]]
        extension.report(first, outcomes.FAILED, "HTTP 404")  # its outcome: it leaves the list
        assert server.lrange(taken_key, 0, -1) == [second.meta[TAKEN]]
        (message,) = server.lrange("sina:outcomes", 0, -1)
        outcome = decode(cast(bytes, message))
        assert outcome is not None and (outcome.request, outcome.kind) == ("a", outcomes.FAILED)
        # A redirect goes back to the queue, for any worker: it leaves the list too.
        assert scheduler.enqueue_request(second.replace(url="http://127.0.0.1/c"))
        assert server.llen(taken_key) == 0 and server.llen("sina:requests") == 1
    finally:
        scheduler.close("finished")


def test_a_worker_says_it_is_alive_from_its_start_and_says_when_it_is_gone(
    redis_url: str,
) -> None:
    crawler = worker_crawler(redis_url)
    server = redis.Redis.from_url(redis_url)
    extension = crawler.get_extension(WorkerOutcomes)
    assert extension is not None
    extension.spider_opened()
    try:
        assert extension.alive_key.startswith("sina:alive:")
        assert 0 < server.pttl(extension.alive_key) <= 30_000  # three beats of 10 s
    finally:
        extension.spider_closed()
    assert not server.exists(extension.alive_key)


def test_a_coordinator_that_loses_redis_logs_and_counts_each_failed_step(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crawler = get_crawler(SinaNamed)
    unreachable = redis.Redis(port=free_port(), retry=Retry(NoBackoff(), 0))  # fails at once
    coordinator = Coordinator(crawler, unreachable, idle_timeout=60, heartbeat=0.0)
    coordinator.keys = RunKeys("sina")
    crawler.engine = type("Busy", (), {"spider_is_idle": lambda self: False})()
    with caplog.at_level(logging.ERROR, logger="crawler.distributed.coordinator"):
        poll = coordinator.poll()  # no outcome comes, so it awaits nothing: it runs to its end
        with pytest.raises(StopIteration):
            poll.send(None)
    assert crawler.stats is not None
    assert crawler.stats.get_value(REDIS_ERRORS) == 2
    messages = [record.getMessage() for record in caplog.records]
    assert [message.split(": ")[1] for message in messages] == [
        "cannot read the outcomes",
        "cannot queue again what dead workers took",
    ]


def test_a_redis_that_stops_answering_fails_a_call_before_a_worker_is_taken_for_dead() -> None:
    # A server that takes the connection and never answers, as a Redis cut off mid-run.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        settings = project_settings()
        settings.set("REDIS_URL", f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        server = get_redis_from_settings(settings)
        started = time.monotonic()
        with pytest.raises(redis.exceptions.TimeoutError):
            server.ping()
        waited = time.monotonic() - started
    # scrapy-redis's own 30 s timeout held it twice that, past three heartbeats (30 s).
    assert waited < 3 * settings.getfloat("DISTRIBUTED_WORKER_HEARTBEAT"), waited
