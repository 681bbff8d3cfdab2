"""Benchmark: a distributed `scrapy crawl sina` with 1 and 2 workers, pages 100 ms away.

Serves from 127.0.0.1 (threads of this process) the roll API list pages and N articles of
benchmarks/crawl_throughput.py (real Sina pages made unique), each article page answered
after 100 ms, as a distant site would; runs a real redis-server (no persistence) on a free
port; then, for 1 and then 2 `scrapy worker sina` children, runs the coordinator
(`scrapy crawl sina` with REDIS_URL) as a child into a fresh archive. Workers and coordinator
run with DOWNLOAD_DELAY=0, AutoThrottle and robots.txt off, and no shared host delay (the
politeness limit would set the rate, not the workers), at the project's per-site
concurrency (CONCURRENT_REQUESTS_PER_DOMAIN). Prints, per run: articles per second over the
serving window (first to last article request the mirror saw) and over the coordinator's
whole run, the coordinator's own CPU per article (from its first article request to its
exit, start-up excluded), the workers' (added up, over the same time) and the mirror's (this
process, over the coordinator's run), and the requests the mirror saw per article page
(exactly 1).

    .venv/bin/python benchmarks/distributed_throughput.py [--articles 400] [--repeats 1]
        [--latency 0.1]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import load_average, machine_line, work_folder  # noqa: E402
from benchmarks.crawl_throughput import (  # noqa: E402
    ARTICLE_PATH,
    PAGE_SIZE,
    BenchMirror,
    KeepAliveHandler,
    cpu_seconds,
)
from crawler.mirror import Route, serve  # noqa: E402
from tests.distributed import redis_server, start_worker, stop, wait_until_working  # noqa: E402

LATENCY = 0.1  # seconds before each article page is answered (--latency)
SETTINGS = (
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "ROBOTSTXT_OBEY=False",
    "-s", "DISTRIBUTED_HOST_DELAY=0", "-s", "LOG_LEVEL=INFO",
)  # fmt: skip


class DistantMirror(BenchMirror):
    """The benchmark mirror, answering each article page after LATENCY, counting each."""

    def __init__(self, count: int, latency: float = LATENCY) -> None:
        super().__init__(count)
        self.latency = latency
        self.served: Counter[int] = Counter()

    def answer(self, target: str) -> Route:
        """Wait the latency for an article page, count it, then answer as the benchmark mirror."""
        match = ARTICLE_PATH.match(target.split("?", 1)[0])
        if match:
            time.sleep(self.latency)
            with self.lock:
                self.served[int(match.group(1))] += 1
        return super().answer(target)

    def reset(self) -> None:
        """Forget the last run."""
        super().reset()
        self.served.clear()


@dataclass
class Result:
    """What one distributed run did and cost."""

    workers: int
    status: int
    window: float  # first to last article request the mirror saw, seconds
    wall: float  # the coordinator's process, start to exit, seconds
    coordinator_cpu: float  # its CPU seconds from its first article request to its exit
    workers_cpu: float  # the workers' CPU seconds over the same time, added up
    mirror_cpu: float  # this process's (the mirror's) CPU seconds over the coordinator's run
    backlog: int  # the most outcomes seen waiting in Redis for the coordinator
    articles: int  # distinct article pages served
    requests: int  # article page requests served

    @property
    def rate(self) -> float:
        """Articles per second over the serving window."""
        return self.articles / self.window if self.window else 0.0


def run(mirror: DistantMirror, redis_url: str, workers: int, folder: Path) -> Result:
    """Start the workers, run the coordinator into a new archive in `folder`, stop them."""
    mirror.reset()
    folder.mkdir(parents=True)
    server = redis.Redis.from_url(redis_url)
    logs = [folder / f"worker-{workers}-{n}.log" for n in range(workers)]
    api = ("-s", f"SINA_ROLL_API_URL={mirror.origin}/api/roll/get")
    children = [start_worker(mirror, redis_url, log, *SETTINGS) for log in logs]
    try:
        wait_until_working(*logs)
        pages = str(-(-mirror.count // PAGE_SIZE))
        command = [
            sys.executable, "-m", "scrapy", "crawl", "sina", "-a", f"max_pages={pages}",
            *SETTINGS, *api, "-s", f"REDIS_URL={redis_url}",
            "-s", f"MARKDOWN_EXPORT_DIR={folder / 'archive'}",
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        started, own = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
        with (folder / f"coordinator-{workers}.log").open("w") as log:
            child = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log
            )
            cpu_at_first, cpu_last = None, 0.0
            workers_at_first, workers_last, backlog = 0.0, 0.0, 0
            while child.poll() is None:
                backlog = max(backlog, int(server.llen("sina:outcomes")))
                cpu_now = cpu_seconds(child.pid)
                workers_now = sum(cpu_seconds(worker.pid) for worker in children)
                if cpu_now:
                    cpu_last, workers_last = cpu_now, workers_now
                if mirror.first and cpu_at_first is None:
                    cpu_at_first, workers_at_first = cpu_now, workers_now
                time.sleep(0.02)
        wall = time.monotonic() - started
        used = resource.getrusage(resource.RUSAGE_SELF)
        mirror_cpu = used.ru_utime + used.ru_stime - own.ru_utime - own.ru_stime
    finally:
        for worker in children:
            stop(worker)
    return Result(
        workers=workers,
        status=child.returncode,
        window=mirror.last - mirror.first,
        wall=wall,
        coordinator_cpu=cpu_last - (cpu_at_first or 0.0),
        workers_cpu=workers_last - workers_at_first,
        mirror_cpu=mirror_cpu,
        backlog=backlog,
        articles=len(mirror.served),
        requests=sum(mirror.served.values()),
    )


def main() -> None:
    """Run 1 and 2 workers `--repeats` times each, alternately; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--latency", type=float, default=LATENCY, help="seconds a page")
    options = parser.parse_args()
    print(machine_line())
    mirror = DistantMirror(options.articles, options.latency)
    results: list[Result] = []
    with work_folder() as temporary:
        folder = Path(temporary)
        with redis_server(folder / "redis") as redis_url, serve(mirror, KeepAliveHandler):
            for repeat in range(options.repeats):
                for workers in (1, 2):
                    result = run(mirror, redis_url, workers, folder / f"{repeat}-{workers}")
                    results.append(result)
                    per_article = 1000 / max(result.articles, 1)  # ms an article, from s
                    print(
                        f"{workers} worker(s): status {result.status}, {result.articles} "
                        f"articles in {result.window:.1f}s: {result.rate:.1f} articles/s "
                        f"({result.articles / result.wall:.1f}/s over the coordinator's "
                        f"{result.wall:.1f}s); coordinator CPU "
                        f"{per_article * result.coordinator_cpu:.2f} ms an article, workers' "
                        f"{per_article * result.workers_cpu:.1f} ms, the mirror's "
                        f"{per_article * result.mirror_cpu:.1f} ms; "
                        f"{per_article * result.requests / 1000:.3f} requests an article "
                        f"({result.requests} for {result.articles}); at most "
                        f"{result.backlog} outcomes waiting for the coordinator; "
                        f"{load_average()}",
                        flush=True,
                    )
    rates = {n: statistics.median(r.rate for r in results if r.workers == n) for n in (1, 2)}
    print(
        f"median: 1 worker {rates[1]:.1f} articles/s, 2 workers {rates[2]:.1f} articles/s: "
        f"{rates[2] / rates[1]:.2f}x; requests per article: "
        f"{sorted({r.requests / max(r.articles, 1) for r in results})}"
    )


if __name__ == "__main__":
    main()
