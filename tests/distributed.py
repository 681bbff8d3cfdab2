"""Helpers for the distributed-run tests: a real redis-server, and `scrapy worker` children."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from crawler.mirror import Mirror
from tests.crawling import FAST
from tests.documents import _ENVIRONMENT, ROOT


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """Run Debian's redis-server on 127.0.0.1 (a free port, no persistence); yield its URL."""
    executable = shutil.which("redis-server")
    assert executable, "redis-server is not installed (.ci/debian-packages lists it)"
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [executable, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(folder), "--logfile", str(folder / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            raise AssertionError(f"redis-server did not answer on port {port}")
        client.close()
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def worker_settings(mirror: Mirror, redis_url: str) -> tuple[str, ...]:
    """What a worker shares with the coordinator: the mirror, Redis, no delays."""
    return (
        *FAST,
        "-s", f"SINA_ROLL_API_URL={mirror.origin}/api/roll/get",
        "-s", f"REDIS_URL={redis_url}",
    )  # fmt: skip


def start_worker(
    mirror: Mirror, redis_url: str, log: Path, *args: str, spider: str = "sina"
) -> subprocess.Popen[bytes]:
    """Start `scrapy worker <spider>` in a child process, logging to `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "worker", spider,
         *worker_settings(mirror, redis_url), "-s", f"LOG_FILE={log}", *args],
        cwd=ROOT, env=_ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_until_working(*logs: Path, timeout: float = 60) -> None:
    """Wait until each worker's log says its spider opened (it takes requests from then on)."""
    deadline = time.monotonic() + timeout
    for log in logs:
        while not (log.exists() and "Spider opened" in log.read_text(encoding="utf-8")):
            assert time.monotonic() < deadline, f"no worker started: {log}"
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes], how: signal.Signals = signal.SIGTERM) -> int:
    """Stop a child (SIGTERM: Scrapy's graceful shutdown) and return its exit status."""
    if process.poll() is None:
        process.send_signal(how)
    return process.wait(timeout=60)


def coordinator_settings(redis_url: str, idle_timeout: float = 60) -> tuple[str, ...]:
    """Settings that make a crawl the coordinator of a run on this Redis."""
    return ("-s", f"REDIS_URL={redis_url}", "-s", f"DISTRIBUTED_IDLE_TIMEOUT={idle_timeout}")
