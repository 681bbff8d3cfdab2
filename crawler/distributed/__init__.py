"""A crawl spread over machines through Redis (scrapy-redis): one coordinator, many workers.

The coordinator is `scrapy crawl`/`scrapy refresh` with REDIS_URL set: discovery, the
archive state, the lock and the export stay in it; article requests go to a persistent
scrapy-redis queue (coordinator.py). `scrapy worker <spider>` processes fetch, parse, clean
and validate them and send back the outcome of every request (worker.py, outcomes.py),
keeping each host's request rate, all workers together, within DISTRIBUTED_HOST_DELAY
(politeness.py). Without REDIS_URL nothing here is used.
"""

from __future__ import annotations

import re

from redis.exceptions import RedisError
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy_redis.connection import get_redis_from_settings

COORDINATOR_EXTENSION = "crawler.distributed.coordinator.Coordinator"


def is_distributed(settings: BaseSettings) -> bool:
    """Tell whether the settings name a Redis server: a distributed run."""
    return bool(settings.get("REDIS_URL"))


def check_redis(settings: BaseSettings) -> None:
    """Raise a usage error, before any request, if REDIS_URL cannot be reached."""
    try:
        server = get_redis_from_settings(settings)
        server.ping()
        server.close()
    except (RedisError, ValueError) as error:
        # A password in the URL is not written to the log.
        shown = re.sub(r"//[^/@]*@", "//…@", str(settings.get("REDIS_URL")))
        raise UsageError(
            f"cannot reach Redis at REDIS_URL {shown}: {error}", print_help=False
        ) from None


def add_component(settings: BaseSettings, name: str, path: str, order: int | None) -> None:
    """Add (or, with order None, turn off) one component of a `*_MIDDLEWARES`-like setting."""
    components = dict(settings.getdict(name))
    components[path] = order
    settings.set(name, components, priority="cmdline")


def make_coordinator(settings: BaseSettings) -> None:
    """With REDIS_URL set, make this crawl the coordinator of a distributed run (else nothing)."""
    if not is_distributed(settings):
        return
    check_redis(settings)
    settings.set("SCHEDULER", "crawler.distributed.coordinator.CoordinatorScheduler", "cmdline")
    add_component(settings, "EXTENSIONS", COORDINATOR_EXTENSION, 200)
