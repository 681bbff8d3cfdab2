"""A distributed run end to end: a real redis-server, `scrapy worker` children, a coordinator.

Each test runs Debian's redis-server on 127.0.0.1 (tests/distributed.py) and the local Sina
mirror; the coordinator is `scrapy crawl sina` (or `scrapy refresh`) in this process with
REDIS_URL set, the workers are `scrapy worker sina` child processes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.mirror import Mirror
from tests.crawling import Crawl, crawl, mirror_of
from tests.distributed import coordinator_settings, redis_server, start_worker, stop

pytestmark = pytest.mark.component


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of the test's own."""
    with redis_server(tmp_path / "redis") as url:
        yield url


def archive_contents(archive: Path) -> dict[str, bytes]:
    """Every file of an archive but its state folder, by relative path."""
    return {
        str(path.relative_to(archive)): path.read_bytes()
        for path in sorted(archive.rglob("*"))
        if path.is_file() and path.relative_to(archive).parts[0] != ".archive"
    }


def state_rows(archive: Path) -> dict[str, list[tuple[object, ...]]]:
    """The archive state's rows, without the times a run stamps on them."""
    connection = sqlite3.connect(archive / ".archive" / "state.db")
    try:
        return {
            "articles": sorted(
                connection.execute(
                    "SELECT key, url, path, content_hash, title, date, published, modified "
                    "FROM articles"
                )
            ),
            "listings": sorted(connection.execute("SELECT name, complete, mark FROM listings")),
        }
    finally:
        connection.close()


def article_requests(mirror: Mirror) -> dict[str, int]:
    """How often the mirror served each article page."""
    return {
        path: count
        for path, count in mirror.requests.items()
        if not path.startswith(("/api/", "/robots.txt"))
    }


def distributed_crawl(
    mirror: Mirror, archive: Path, redis_url: str, *args: str, idle_timeout: float = 60
) -> Crawl:
    """Run `scrapy crawl sina` as the coordinator of a run on `redis_url`, in this process."""
    return crawl(mirror, archive, *coordinator_settings(redis_url, idle_timeout), *args)


def test_two_workers_and_a_coordinator_give_the_files_and_state_of_one_process(
    fixtures: Path, tmp_path: Path, redis_url: str
) -> None:
    with mirror_of(fixtures) as mirror:
        single = crawl(mirror, tmp_path / "single", "-a", "max_pages=2")
        assert single.process.returncode == 0, single.log
        mirror.requests.clear()
        workers = [start_worker(mirror, redis_url, tmp_path / f"worker-{n}.log") for n in (1, 2)]
        try:
            result = distributed_crawl(mirror, tmp_path / "many", redis_url, "-a", "max_pages=2")
        finally:
            statuses = [stop(worker) for worker in workers]
    assert result.process.returncode == 0, result.log
    assert statuses == [0, 0]
    assert result.stats["finish_reason"] == "finished"
    assert len(single.files()) == 6
    assert archive_contents(tmp_path / "many") == archive_contents(tmp_path / "single")
    assert state_rows(tmp_path / "many") == state_rows(tmp_path / "single")
    # Each article fetched once, by some worker; the stats add up to one process's.
    assert sorted(article_requests(mirror).values()) == [1] * 6
    # (Not every response: each worker reads robots.txt once.)
    for name in ("markdown/written", "sina/list/pages", "downloader/response_status_count/200"):
        assert result.stat(name) == single.stat(name), name
    assert result.stat("distributed/queued") == result.stat("distributed/outcomes/article") == 6
