"""Distributed runs from the command line: nothing changes without REDIS_URL, and a Redis
that cannot be reached, or a worker without one, is a one-line usage error."""

from __future__ import annotations

from pathlib import Path

from crawler.distributed import make_coordinator
from tests.crawling import crawl, mirror_of
from tests.distributed import free_port
from tests.documents import scrapy
from tests.inprocess import USAGE_ERROR_STATUS, project_settings


def test_without_redis_url_a_crawl_is_one_process_as_always() -> None:
    settings = project_settings()
    before = settings.copy_to_dict()
    make_coordinator(settings)
    assert settings.copy_to_dict() == before
    assert settings["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"


def test_a_redis_that_cannot_be_reached_stops_a_crawl_before_any_request(
    fixtures: Path, tmp_path: Path
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-s", f"REDIS_URL={url}")
    assert result.process.returncode == USAGE_ERROR_STATUS
    last = result.log.strip().splitlines()[-1]  # after argparse's usage lines
    assert f"error: cannot reach Redis at REDIS_URL {url}: Error 111 connecting" in last
    assert mirror.requests == {}


def test_a_worker_needs_redis_url() -> None:
    result = scrapy("worker", "sina")
    assert result.returncode == USAGE_ERROR_STATUS
    assert result.stderr.strip().endswith(
        "error: scrapy worker needs REDIS_URL (e.g. -s REDIS_URL=redis://host:6379/0)"
    )


def test_a_worker_checks_its_spiders_arguments_as_a_crawl_does() -> None:
    result = scrapy("worker", "feed", "-s", f"REDIS_URL=redis://127.0.0.1:{free_port()}/0")
    assert result.returncode == USAGE_ERROR_STATUS
    assert "error: no feed: give -a url=FEED" in result.stderr.strip().splitlines()[-1]


def test_a_password_in_redis_url_is_not_shown() -> None:
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    result = scrapy("worker", "sina", "-s", f"REDIS_URL={url}")
    assert result.returncode == USAGE_ERROR_STATUS
    assert "s3cret" not in result.stderr
    assert "cannot reach Redis at REDIS_URL redis://…@127.0.0.1:" in result.stderr
