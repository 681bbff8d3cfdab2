"""A distributed run end to end: a real redis-server, `scrapy worker` children, a coordinator.

Each test runs Debian's redis-server on 127.0.0.1 (tests/distributed.py) and the local Sina
mirror; the coordinator is `scrapy crawl sina` (or `scrapy refresh`) in this process with
REDIS_URL set, the workers are `scrapy worker sina` child processes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import signal
import sqlite3
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from crawler.mirror import Mirror, MirrorHandler, Route, mirror_path, serve
from pipelines.body import ArticleBodyPipeline
from tests.crawling import (
    Crawl,
    ScriptedMirror,
    add_page,
    crawl,
    mirror_of,
    refresh,
    roll_page,
    start_crawl,
)
from tests.distributed import (
    coordinator_settings,
    redis_server,
    start_worker,
    stop,
    wait_until_working,
)

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


Arrival = tuple[float, str, str]  # when, which path, which User-Agent


def noting_handler(arrivals: list[Arrival]) -> type[MirrorHandler]:
    """The mirror's handler, noting when each article page is asked for (before any delay)."""

    class NotingHandler(MirrorHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if "/doc-i" in self.path:
                arrivals.append((time.monotonic(), self.path, self.headers["User-Agent"]))
            super().do_GET()

    return NotingHandler


@contextmanager
def noting_mirror(
    fixtures: Path, scripted: dict[tuple[str, str], Route] | None = None
) -> Iterator[tuple[ScriptedMirror, list[Arrival]]]:
    """Serve the fixtures, noting each article page's arrival."""
    mirror = ScriptedMirror(fixtures, scripted=scripted or {})
    mirror.load_pages()
    arrivals: list[Arrival] = []
    with serve(mirror, noting_handler(arrivals)):
        yield mirror, arrivals


HEARTBEAT = ("-s", "DISTRIBUTED_WORKER_HEARTBEAT=0.5")  # a killed worker is missed in 1.5 s


def distributed_crawl(
    mirror: Mirror, archive: Path, redis_url: str, *args: str, idle_timeout: float = 60
) -> Crawl:
    """Run `scrapy crawl sina` as the coordinator of a run on `redis_url`, in this process."""
    return crawl(mirror, archive, *coordinator_settings(redis_url, idle_timeout), *args)


def test_two_workers_and_a_coordinator_give_the_files_and_state_of_one_process(
    fixtures: Path, tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mirror_of(fixtures) as mirror:
        single = crawl(mirror, tmp_path / "single", "-a", "max_pages=2")
        assert single.process.returncode == 0, single.log
        mirror.requests.clear()
        # The coordinator runs here: note any body stage it runs (the workers ran them all).
        bodies_here: list[object] = []
        cleaned = ArticleBodyPipeline.process_item

        def noted(stage: ArticleBodyPipeline, item: object) -> object:
            bodies_here.append(item)
            return cleaned(stage, item)

        monkeypatch.setattr(ArticleBodyPipeline, "process_item", noted)
        # Workers' signs of life looked at often: none of theirs is taken for a death.
        workers = [
            start_worker(mirror, redis_url, tmp_path / f"worker-{n}.log", *HEARTBEAT)
            for n in (1, 2)
        ]
        wait_until_working(tmp_path / "worker-1.log", tmp_path / "worker-2.log")
        try:
            result = distributed_crawl(
                mirror, tmp_path / "many", redis_url, "-a", "max_pages=2", *HEARTBEAT
            )
        finally:
            statuses = [stop(worker) for worker in workers]
    assert result.process.returncode == 0, result.log
    assert result.stat("distributed/requeued") == 0
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
    assert bodies_here == []
    # The workers ran clean too: no warning of Python's (a deprecated call), no error.
    for n in (1, 2):
        log = (tmp_path / f"worker-{n}.log").read_text(encoding="utf-8")
        assert "Spider closed (shutdown)" in log
        assert not re.search(r"py\.warnings|\] (ERROR|CRITICAL):", log), log


def when(condition: Callable[[], bool], action: Callable[[], None], timeout: float = 60) -> None:
    """In a thread: wait until `condition` holds, then do `action` (while a crawl runs here)."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.02)
        action()

    threading.Thread(target=watch, daemon=True).start()


def start_doomed_worker(
    mirror: ScriptedMirror, arrivals: list[Arrival], redis_url: str, log: Path
) -> subprocess.Popen[bytes]:
    """Start a worker to be killed at the first page's arrival, with requests in flight.

    Once it works: a coordinator that queued everything and waited for a slow start would
    end its run at the idle timeout before it missed the killed worker.
    """
    arrivals.clear()
    mirror.page_delay = 1.0  # pages come slowly: the kill comes with some requests taken
    worker = start_worker(mirror, redis_url, log, *HEARTBEAT)
    wait_until_working(log)
    return worker


def test_a_killed_workers_requests_go_to_the_other_workers_in_the_same_run(
    fixtures: Path, tmp_path: Path, redis_url: str
) -> None:
    archive = tmp_path / "many"
    with noting_mirror(fixtures) as (mirror, arrivals):
        expected = archive_contents(crawl(mirror, tmp_path / "single", "-a", "max_pages=2").archive)
        doomed = start_doomed_worker(mirror, arrivals, redis_url, tmp_path / "doomed.log")
        workers = [doomed]

        def kill_and_replace() -> None:
            doomed.send_signal(signal.SIGKILL)  # with requests taken, and no outcome sent
            workers.append(start_worker(mirror, redis_url, tmp_path / "other.log", *HEARTBEAT))

        when(lambda: bool(arrivals), kill_and_replace)
        try:
            run = distributed_crawl(mirror, archive, redis_url, "-a", "max_pages=2", *HEARTBEAT)
        finally:
            for worker in workers:
                stop(worker)
    assert run.stats["finish_reason"] == "finished", run.log
    assert archive_contents(archive) == expected
    assert 0 < run.stat("distributed/requeued") <= 6
    assert run.stat("distributed/outcomes/article") == 6
    assert re.search(r"worker \w+ stopped saying it is alive: the \d+ requests it took", run.log)
    assert run.stat("distributed/unfinished") == 0


def test_a_run_whose_only_worker_was_killed_ends_unfinished_and_the_next_completes_it(
    fixtures: Path, tmp_path: Path, redis_url: str
) -> None:
    archive = tmp_path / "many"
    with noting_mirror(fixtures) as (mirror, arrivals):
        expected = archive_contents(crawl(mirror, tmp_path / "single", "-a", "max_pages=2").archive)
        doomed = start_doomed_worker(mirror, arrivals, redis_url, tmp_path / "doomed.log")
        when(lambda: bool(arrivals), lambda: doomed.send_signal(signal.SIGKILL))
        try:
            first = distributed_crawl(
                mirror, archive, redis_url, "-a", "max_pages=2", *HEARTBEAT, idle_timeout=5
            )
            assert first.stats["finish_reason"] == "unfinished", first.log
            assert 0 < first.stat("distributed/unfinished") <= 6
            assert first.stat("distributed/requeued") > 0  # queued again, for no one
            assert len(archive_contents(archive)) == 6 - first.stat("distributed/unfinished")
            assert "ending the run unfinished (the next run fetches them again)" in first.log
            other = start_worker(mirror, redis_url, tmp_path / "other.log", *HEARTBEAT)
            try:
                second = distributed_crawl(mirror, archive, redis_url, "-a", "max_pages=2")
            finally:
                stop(other)
        finally:
            stop(doomed)
    assert second.stats["finish_reason"] == "finished", second.log
    assert "Channel 1686: the last run did not finish; resuming" in second.log
    assert archive_contents(archive) == expected
    assert second.stat("markdown/written") == first.stat("distributed/unfinished")


def written(archive: Path) -> list[Path]:
    """The article files a running crawl has written so far (not its temporary files)."""
    return [path for path in archive.rglob("*.md") if not path.name.startswith(".")]


def state_agrees_with_files(archive: Path) -> None:
    """Assert that each article the state records is in its file, whole, with that hash."""
    connection = sqlite3.connect(archive / ".archive" / "state.db")
    try:
        rows = list(connection.execute("SELECT path, content_hash FROM articles"))
    finally:
        connection.close()
    assert len({path for path, _ in rows}) == len(rows)
    for path, content_hash in rows:
        assert hashlib.sha256((archive / path).read_bytes()).hexdigest() == content_hash


def test_a_coordinator_killed_mid_run_leaves_a_consistent_archive(
    fixtures: Path, tmp_path: Path, redis_url: str
) -> None:
    archive = tmp_path / "many"
    with mirror_of(fixtures) as mirror:
        expected = archive_contents(crawl(mirror, tmp_path / "single", "-a", "max_pages=2").archive)
        mirror.requests.clear()
        # One page at a time, 0.5 s each: the kill comes with pages still to write.
        mirror.page_delay = 0.5
        worker = start_worker(
            mirror, redis_url, tmp_path / "worker.log", "-s", "CONCURRENT_REQUESTS=1"
        )
        wait_until_working(tmp_path / "worker.log")
        coordinator = start_crawl(
            mirror, archive, *coordinator_settings(redis_url), "-a", "max_pages=2"
        )
        try:
            deadline = time.monotonic() + 60
            while len(written(archive)) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            coordinator.send_signal(signal.SIGKILL)
            coordinator.communicate(timeout=30)
            left = archive_contents(archive)
            whole = {name: data for name, data in left.items() if Path(name).name[0] != "."}
            assert 2 <= len(whole) < 6
            assert whole.items() <= expected.items()  # whole files only, each as it should be
            state_agrees_with_files(archive)
            again = distributed_crawl(mirror, archive, redis_url, "-a", "max_pages=2")
        finally:
            coordinator.kill()
            coordinator.communicate(timeout=30)
            stop(worker)
    assert again.stats["finish_reason"] == "finished", again.log
    assert archive_contents(archive) == expected
    state_agrees_with_files(archive)


def test_a_refresh_with_nothing_new_queues_nothing(
    fixtures: Path, tmp_path: Path, redis_url: str
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        worker = start_worker(mirror, redis_url, tmp_path / "worker.log")
        wait_until_working(tmp_path / "worker.log")
        try:
            first = distributed_crawl(mirror, archive, redis_url)
        finally:
            stop(worker)
        assert first.stat("distributed/queued") == 3, first.log
        mirror.requests.clear()
        # No worker is running: a request queued now would wait for the timeout and fail.
        again = refresh(mirror, archive, *coordinator_settings(redis_url, idle_timeout=5))
    assert again.process.returncode == 0, again.log
    assert "article requests go to sina:requests" in again.log  # it ran as the coordinator
    assert again.process.stdout.startswith("refresh: 0 new, 0 updated, 3 unchanged, 0 dropped")
    assert again.stat("distributed/queued") == 0
    assert article_requests(mirror) == {}
    assert redis.Redis.from_url(redis_url).llen("sina:requests") == 0


BROKEN = "https://finance.sina.com.cn/roll/2024-01-02/doc-i{}.shtml"
NO_TITLE = """<html><head><meta charset="utf-8">
<meta property="article:published_time" content="2024-01-02T10:00:00+08:00"></head>
<body><div class="article" id="artibody"><p>　　正文。</p></div></body></html>"""
NOT_AN_ARTICLE = """<html><head><meta charset="utf-8"><title>新浪财经首页</title></head>
<body><ul><li><a href="/a.shtml">一条新闻</a></li></ul></body></html>"""


# A worker with a page process: its page stages run there, the hand-back in the worker.
@pytest.mark.parametrize(
    "worker_args", [(), ("-s", "PAGE_POOL_PROCESSES=1")], ids=["worker", "worker-page-pool"]
)
def test_every_failure_is_an_outcome_counted_by_the_coordinator_as_one_process_counts_it(
    fixtures: Path, tmp_path: Path, redis_url: str, worker_args: tuple[str, ...]
) -> None:
    add_page(fixtures, "no-title", BROKEN.format("notitle"), NO_TITLE)
    add_page(fixtures, "not-article", BROKEN.format("notarticle"), NOT_AN_ARTICLE)
    broken = roll_page(*(BROKEN.format(name) for name in ("notitle", "notarticle", "missing")))
    counted = (
        "validate/dropped/no_title", "sina/article/extraction_errors",
        "sina/article/request_failures", "item_dropped_count", "markdown/written",
    )  # fmt: skip
    with mirror_of(fixtures, {"1686_2": broken}) as mirror:
        single = refresh(mirror, tmp_path / "single", "-s", "REFRESH_SOURCES=sina max_pages=2")
        worker = start_worker(mirror, redis_url, tmp_path / "worker.log", *worker_args)
        wait_until_working(tmp_path / "worker.log")
        try:
            many = refresh(
                mirror, tmp_path / "many", *coordinator_settings(redis_url),
                "-s", "REFRESH_SOURCES=sina max_pages=2",
            )  # fmt: skip
        finally:
            stop(worker)
    assert [single.stat(name) for name in counted] == [1, 1, 1, 1, 3]
    assert [many.stat(name) for name in counted] == [single.stat(name) for name in counted]
    assert many.stat("distributed/outcomes/dropped") == 1
    assert many.stat("distributed/outcomes/no_article") == 1
    assert many.stat("distributed/outcomes/failed") == 1
    # The refresh's verdict is one process's: one failed request is an error.
    assert many.process.returncode == single.process.returncode == 1
    assert many.process.stdout.split(" in ")[0] == single.process.stdout.split(" in ")[0]
    assert "Worker outcome <" in many.log and "HTTP 404" in many.log
    if worker_args:
        assert "Page pool: 1 page processes" in (tmp_path / "worker.log").read_text("utf-8")


POLITE_PAGE = """<html><head><meta charset="utf-8">
<meta property="article:published_time" content="2026-11-28T08:{minute:02d}:00+08:00"></head>
<body><h1 class="main-title">礼貌测试第{number}篇</h1>
<div class="article" id="artibody"><p>　　第{number}篇的正文。</p></div></body></html>"""
POLITE_URL = "https://finance.sina.com.cn/roll/2026-11-28/doc-ipolite{:04d}.shtml"


def test_workers_together_keep_each_hosts_request_rate_and_obey_robots_txt(
    fixtures: Path, tmp_path: Path, redis_url: str
) -> None:
    entries = []
    for number in range(24):
        add_page(
            fixtures, f"polite-{number}", POLITE_URL.format(number),
            POLITE_PAGE.format(minute=number, number=number),
        )  # fmt: skip
        entries.append(
            {"docid": f"comos:polite{number:04d}", "url": POLITE_URL.format(number),
             "intime": str(1795000000 + number)}
        )  # fmt: skip
    answer = {"result": {"status": {"code": 0, "msg": "succ"}, "data": entries}}
    blocked = mirror_path(POLITE_URL.format(7))
    robots = f"User-agent: *\nDisallow: {blocked}\n".encode()
    delay = 0.2
    listed = {("1686", "1"): Route(json.dumps(answer).encode())}
    with noting_mirror(fixtures, listed) as (mirror, arrivals):
        mirror.routes["/robots.txt"] = Route(robots, "text/plain")
        # Two requests at a time each, so that neither worker takes the whole queue at once.
        settings = ("-s", f"DISTRIBUTED_HOST_DELAY={delay}", "-s", "CONCURRENT_REQUESTS=2")
        workers = [
            start_worker(mirror, redis_url, tmp_path / f"w{n}.log", *settings,
                         "-s", f"USER_AGENT=worker-{n}")
            for n in (1, 2)
        ]  # fmt: skip
        wait_until_working(tmp_path / "w1.log", tmp_path / "w2.log")
        try:
            result = distributed_crawl(mirror, tmp_path / "archive", redis_url)
        finally:
            for worker in workers:
                stop(worker)
    assert result.stats["finish_reason"] == "finished", result.log
    # robots.txt: the page it forbids is not fetched, and its failure is the request's outcome.
    assert blocked not in mirror.requests
    assert result.stat("distributed/outcomes/failed") == 1
    assert len(result.files()) == 23
    seen = sorted(arrivals)
    assert len(seen) == 23
    assert {agent for _, _, agent in seen} == {"worker-1", "worker-2"}  # both worked
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(seen)]
    # Each request waited for its moment on the host's shared clock: together, the workers
    # took at least `delay` a request (the arrivals jitter a little on a busy machine).
    assert sum(gaps) >= 0.95 * delay * len(gaps), gaps
    assert statistics.median(gaps) >= 0.9 * delay, gaps
