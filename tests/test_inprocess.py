"""The in-process `scrapy` of the tests tells what the command line tells."""

from __future__ import annotations

import time

import pytest
from twisted.internet import reactor, task  # the session's: conftest installed it
from twisted.internet.defer import Deferred

from tests.documents import scrapy, scrapy_cli
from tests.reactor import wait


def test_wait_gives_what_the_deferred_gives_or_raises_its_error() -> None:
    assert wait(task.deferLater(reactor, 0.01, lambda: 42)) == 42
    with pytest.raises(ZeroDivisionError):
        wait(task.deferLater(reactor, 0.01, lambda: 1 / 0))


def test_wait_gives_up_after_its_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        wait(Deferred(), timeout=0.2)
    assert time.monotonic() - started < 5


def test_a_usage_error_has_the_status_and_message_of_the_command_line() -> None:
    arguments = ("crawl", "sina", "-a", "max_pages=0")
    in_process, child = scrapy(*arguments), scrapy_cli(*arguments)
    assert in_process.returncode == child.returncode == 2
    message = "error: max_pages must be a whole number ≥ 1, not '0'"
    assert message in in_process.stderr and message in child.stderr
    assert in_process.crawlers == []  # refused before any crawl


def test_a_run_logs_in_scrapys_format_and_keeps_its_crawlers_stats() -> None:
    result = scrapy("fetch", "-s", "ROBOTSTXT_OBEY=False", "http://127.0.0.1:9/")
    assert "[scrapy.core.engine] INFO: Spider opened" in result.stderr
    (crawler,) = result.crawlers
    assert crawler.stats is not None
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert result.stat("downloader/exception_count") >= 1  # port 9: connection refused
