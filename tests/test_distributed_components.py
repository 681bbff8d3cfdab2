"""The scrapy-redis components a distributed run uses, against a real redis-server.

scrapy-redis 0.9.1 calls two APIs that Scrapy 2.19 deprecates: its Scheduler passes
`spider=` to the stats collector, and its RedisPipeline's `process_item` takes the spider.
The project's WorkerScheduler and HandBackPipeline wrap them; these tests fail if the
warning comes back (pytest turns warnings into errors), and show that it would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.test import get_crawler
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler.distributed import outcomes
from crawler.distributed.outcomes import decode
from crawler.distributed.worker import (
    HandBackPipeline,
    WorkerOutcomes,
    WorkerScheduler,
    make_worker,
)
from crawler.items import Article
from tests.distributed import redis_server
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
    crawler = get_crawler(Spider, settings.copy_to_dict())
    crawler.spider = Spider.from_crawler(crawler, name="sina")
    return crawler


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
