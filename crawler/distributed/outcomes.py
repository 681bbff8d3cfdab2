"""What a worker sends back for each request it took: an article, or why there is none.

One message per request (pickled: an article's datetimes, tuples and key come back exactly
as they left the worker's pipelines), carrying the worker's stats counted since its last
message, so that the coordinator's stats add up to what one process would have counted.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any

from scrapy.http import Request
from scrapy.statscollectors import StatsCollector

TAG = "distributed"  # `Request.meta[TAG]`: (run id, request id), set by the coordinator

ARTICLE = "article"  # the page gave an article that passed the worker's stages
NO_ARTICLE = "no article"  # a page that is not an article (logged and counted by the worker)
DROPPED = "dropped"  # the article was dropped by a stage (validation), or the request was
FAILED = "failed"  # the request failed for good (HTTP error, timeout, robots.txt)
ERROR = "error"  # the spider or a stage raised
STATS = "stats"  # no request: the stats a worker counted since its last message

# Counted by the coordinator for its own crawl, or not a count: not added from workers.
LOCAL_STATS = (
    "scheduler/", "memusage/", "log_count/", "item_scraped_count", "request_depth_max",
)  # fmt: skip
KEPT_LOG_COUNTS = ("log_count/CRITICAL",)  # a worker's crash makes `scrapy refresh` fail


@dataclass(frozen=True)
class Outcome:
    """What became of one request a worker took (or, as STATS, of none)."""

    run: str
    request: str
    kind: str
    url: str = ""
    reason: str = ""
    item: Any = None
    stats: dict[str, int] = field(default_factory=dict)


def encode(outcome: Outcome) -> bytes:
    """Serialise an outcome for the outcomes list (REDIS_ITEMS_SERIALIZER of the workers)."""
    return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes) -> Outcome | None:
    """Read an outcome back; None for a message that is not one."""
    try:
        outcome = pickle.loads(data)  # our own workers wrote it
    except Exception:  # a damaged message is skipped, not fatal
        return None
    return outcome if isinstance(outcome, Outcome) else None


def request_tag(request: Request) -> tuple[str, str]:
    """Return the (run, request id) the coordinator gave a request; empty if none."""
    run, number = request.meta.get(TAG, ("", ""))
    return str(run), str(number)


class StatsDelta:
    """The counts a worker's stats gained since the last time they were taken."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.sent: dict[str, int] = {}

    def take(self) -> dict[str, int]:
        """Return what each forwarded counter gained since the last call."""
        gained = {}
        for name, value in self.stats.get_stats().items():
            if not isinstance(value, int) or isinstance(value, bool) or not forwarded(name):
                continue
            step = value - self.sent.get(name, 0)
            if step:
                gained[name] = step
                self.sent[name] = value
        return gained


def forwarded(name: str) -> bool:
    """Tell whether a worker's stat is added to the coordinator's."""
    return name in KEPT_LOG_COUNTS or not name.startswith(LOCAL_STATS)
