"""The Redis keys of one spider's distributed run: the request queue, its duplicate filter,
the outcomes list, each worker's taken requests and its sign of life; and of each host's
shared request clock."""

from __future__ import annotations

from dataclasses import dataclass

# scrapy-redis's own defaults for the queue and the duplicate filter.
QUEUE_KEY = "%(spider)s:requests"
DUPEFILTER_KEY = "%(spider)s:dupefilter"
OUTCOMES_KEY = "%(spider)s:outcomes"
TAKEN_KEY = "%(spider)s:taken:%(worker)s"
ALIVE_KEY = "%(spider)s:alive:%(worker)s"
HOST_KEY = "distributed:host:%(host)s"


@dataclass(frozen=True)
class RunKeys:
    """The keys a coordinator and its workers share for one spider."""

    spider: str

    @property
    def queue(self) -> str:
        """The article requests waiting for a worker (a scrapy-redis FIFO queue)."""
        return QUEUE_KEY % {"spider": self.spider}

    @property
    def dupefilter(self) -> str:
        """The fingerprints of the requests workers queued again (redirects)."""
        return DUPEFILTER_KEY % {"spider": self.spider}

    @property
    def outcomes(self) -> str:
        """What the workers send back: one message per request, and their stats."""
        return OUTCOMES_KEY % {"spider": self.spider}

    def taken(self, worker: str) -> str:
        """The requests a worker took off the queue and has sent no outcome of yet."""
        return TAKEN_KEY % {"spider": self.spider, "worker": worker}

    def alive(self, worker: str) -> str:
        """Set by a worker, expiring unless it sets it again: gone, the worker is taken as dead."""
        return ALIVE_KEY % {"spider": self.spider, "worker": worker}

    def worker_of(self, taken: str) -> str:
        """The worker whose taken requests a key holds."""
        return taken[len(self.taken("")) :]
