"""A backfill (`-a since=`) ends: on a page that repeats, on a page without times, at a bound."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from crawler.mirror import Route, serve
from tests.crawling import Crawl, ScriptedMirror, crawl

# A safety net for the code before the fix: without it, such a backfill never ends.
AT_MOST = ("-s", "CLOSESPIDER_PAGECOUNT=60")


@dataclass
class AnyPageMirror(ScriptedMirror):
    """A roll API whose answer for channel 1686 is made by a function of the page asked."""

    page_answer: Callable[[int], list[dict[str, str]]] = lambda page: []

    def roll_route(self, lid: str, page: str) -> Route:
        answer = {"result": {"status": {"code": 0}, "data": self.page_answer(int(page))}}
        return Route(json.dumps(answer).encode(), "application/json")


@contextmanager
def roll_api(
    fixtures: Path, page_answer: Callable[[int], list[dict[str, str]]]
) -> Iterator[AnyPageMirror]:
    mirror = AnyPageMirror(fixtures, page_answer=page_answer)
    with serve(mirror):
        yield mirror


def entries(page: int, dated: bool = True) -> list[dict[str, str]]:
    """Two made-up entries of a page (their pages do not exist: each request fails)."""
    times = {"ctime": "1795000000"} if dated else {}
    return [
        {
            "docid": f"comos:p{page}n{n}",
            "url": f"https://finance.sina.com.cn/doc-ip{page}n{n}.shtml",
            **times,
        }
        for n in range(2)
    ]


def backfill(mirror: AnyPageMirror, tmp_path: Path, *args: str) -> Crawl:
    return crawl(mirror, tmp_path / "archive", "-a", "since=2020-01-01", *AT_MOST, *args)


def test_a_backfill_stops_when_the_api_answers_the_same_page_again(
    fixtures: Path, tmp_path: Path
) -> None:
    with roll_api(fixtures, lambda page: entries(1)) as mirror:
        result = backfill(mirror, tmp_path)
    assert result.stats["finish_reason"] == "finished"
    assert mirror.requests["/api/roll/get"] == 2
    assert (
        "Channel 1686: page 2 lists nothing that pages before it did not: "
        "the API repeats itself; stopping the backfill here"
    ) in result.log


def test_a_backfill_stops_at_a_page_whose_entries_have_no_time(
    fixtures: Path, tmp_path: Path
) -> None:
    with roll_api(fixtures, lambda page: entries(page, dated=False)) as mirror:
        result = backfill(mirror, tmp_path)
    assert result.stats["finish_reason"] == "finished"
    assert mirror.requests["/api/roll/get"] == 1
    assert result.stat("sina/article/request_failures") == 2  # its entries were still asked for
    assert (
        "Channel 1686: page 1 lists no times: cannot tell when 2020-01-01 is reached; "
        "stopping the backfill here"
    ) in result.log


def test_a_backfill_stops_at_its_page_bound(fixtures: Path, tmp_path: Path) -> None:
    with roll_api(fixtures, entries) as mirror:
        result = backfill(mirror, tmp_path, "-s", "SINA_ROLL_BACKFILL_MAX_PAGES=5")
    assert result.stats["finish_reason"] == "finished"
    assert mirror.requests["/api/roll/get"] == 5
    assert (
        "Channel 1686: read SINA_ROLL_BACKFILL_MAX_PAGES (5) list pages without reaching "
        "2020-01-01; stopping the backfill here"
    ) in result.log
