"""Politeness across machines: one request clock per host, shared by every worker in Redis."""

from __future__ import annotations

import asyncio
from typing import Self

from redis import Redis
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.settings import BaseSettings
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.connection import get_redis_from_settings

from crawler.distributed import is_distributed
from crawler.distributed.keys import HOST_KEY

# Reserve the host's next free moment, atomically, by Redis's own clock (the workers' clocks
# may disagree): returns how many seconds the caller waits before its request goes out.
RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local delay = tonumber(ARGV[1])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, free)
redis.call('SET', KEYS[1], tostring(at + delay), 'PX', math.ceil((at + delay - now) * 1000) + 1000)
return tostring(at - now)
"""


def host_delay(settings: BaseSettings) -> float:
    """Seconds between two requests to one host from all workers: DISTRIBUTED_HOST_DELAY."""
    configured = settings.get("DISTRIBUTED_HOST_DELAY")
    if configured in (None, ""):
        return settings.getfloat("DOWNLOAD_DELAY", 0.0)
    return float(configured)


class SharedHostDelayMiddleware:
    """Keep requests to one host, from all workers together, DISTRIBUTED_HOST_DELAY apart.

    Each worker's own DOWNLOAD_DELAY and AutoThrottle still apply to its requests; this adds
    the limit that N workers would otherwise multiply by N. Off when the delay is 0.
    """

    def __init__(self, server: Redis, delay: float) -> None:
        self.server = server
        self.delay = delay
        self.reserve = server.register_script(RESERVE)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Read DISTRIBUTED_HOST_DELAY (default DOWNLOAD_DELAY); off without REDIS_URL."""
        settings = crawler.settings
        if not is_distributed(settings):
            raise NotConfigured("REDIS_URL is not set")
        delay = host_delay(settings)
        if delay <= 0:
            raise NotConfigured("DISTRIBUTED_HOST_DELAY is 0")
        return cls(get_redis_from_settings(settings), delay)

    async def process_request(self, request: Request) -> None:
        """Wait for the host's next free moment among all workers."""
        host = urlparse_cached(request).netloc
        wait = float(self.reserve(keys=[HOST_KEY % {"host": host}], args=[self.delay]))
        if wait > 0:
            await asyncio.sleep(wait)
