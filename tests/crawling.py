"""Helpers for crawl tests: a scripted local mirror of Sina and `scrapy crawl` against it.

`crawl` and `refresh` run the commands in the test process (tests/inprocess.py);
`start_crawl` starts a real child process, for the tests where the process is the point.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.mirror import Mirror, Route, serve
from tests.documents import scrapy, start_scrapy
from tests.inprocess import Run

FAST = (
    *("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=1"),
    *("-s", "RETRY_BACKOFF_SECONDS=0"),  # a retried 429/503 without Retry-After goes at once
)


@dataclass
class ScriptedMirror(Mirror):
    """The fixture mirror, with some roll API pages replaced by scripted answers."""

    scripted: dict[tuple[str, str], Route] = field(default_factory=dict)
    page_delay: float = 0.0  # seconds before answering an article page
    list_delays: dict[str, float] = field(default_factory=dict)  # lid: seconds

    def answer(self, target: str) -> Route:
        if self.page_delay and not target.startswith(("/api/", "/robots.txt")):
            time.sleep(self.page_delay)
        return super().answer(target)

    def roll_route(self, lid: str, page: str) -> Route:
        time.sleep(self.list_delays.get(lid, 0.0))
        return self.scripted.get((lid, page)) or super().roll_route(lid, page)


@dataclass
class Crawl:
    """What one crawl did: its command's run, the files it left and its stats."""

    process: Run  # told as a child process would: returncode, stdout, stderr
    archive: Path
    mirror: Mirror

    @property
    def log(self) -> str:
        """Standard error: the log, in Scrapy's format."""
        return self.process.stderr

    @property
    def stats(self) -> dict[str, Any]:
        """The stats of the run's one crawl."""
        (crawler,) = self.process.crawlers
        assert crawler.stats is not None
        return crawler.stats.get_stats()

    def files(self) -> list[Path]:
        """Every file of the archive but its state folder."""
        return sorted(
            path
            for path in self.archive.rglob("*")
            if path.is_file() and ".archive" not in path.relative_to(self.archive).parts
        )

    def stat(self, name: str) -> int:
        """A stats counter of the run (added up over a refresh's crawls; 0 if never counted)."""
        return self.process.stat(name)


@contextmanager
def mirror_of(
    fixtures: Path, scripted: dict[str, Route] | None = None, page_delay: float = 0.0
) -> Iterator[ScriptedMirror]:
    """Serve a fixtures folder; `scripted` maps `lid_page` (e.g. `1686_2`) to an answer."""
    mirror = ScriptedMirror(
        fixtures,
        scripted={
            (key.partition("_")[0], key.partition("_")[2]): route
            for key, route in (scripted or {}).items()
        },
        page_delay=page_delay,
    )
    mirror.load_pages()
    with serve(mirror):
        yield mirror


def against(mirror: Mirror, archive: Path) -> tuple[str, ...]:
    """Settings that point a run at the mirror and the archive, without delays."""
    return (
        *FAST,
        "-s", f"SINA_ROLL_API_URL={mirror.origin}/api/roll/get",
        "-s", f"MARKDOWN_EXPORT_DIR={archive}",
    )  # fmt: skip


def crawl(mirror: Mirror, archive: Path, *args: str) -> Crawl:
    """Run `scrapy crawl sina` against the mirror into `archive`, in this process."""
    return Crawl(scrapy("crawl", "sina", *against(mirror, archive), *args), archive, mirror)


def refresh(mirror: Mirror, archive: Path, *args: str) -> Crawl:
    """Run `scrapy refresh` against the mirror into `archive`, in this process."""
    return Crawl(scrapy("refresh", *against(mirror, archive), *args), archive, mirror)


def start_crawl(mirror: Mirror, archive: Path, *args: str) -> subprocess.Popen[str]:
    """Start `scrapy crawl sina` against the mirror in a child process, without waiting."""
    return start_scrapy("crawl", "sina", *against(mirror, archive), *args)


def add_page(fixtures: Path, name: str, url: str, html: str) -> None:
    """Add a page (made up by a test) to the mirror's fixtures."""
    (fixtures / f"{name}.html").write_text(html, encoding="utf-8")
    (fixtures / f"{name}.json").write_text(json.dumps({"url": url}), encoding="utf-8")


def roll_page(*urls: str) -> Route:
    """A roll API answer listing these URLs."""
    data = [
        {"docid": f"comos:x{i}", "url": url, "intime": "1700000000"} for i, url in enumerate(urls)
    ]
    answer = {"result": {"status": {"code": 0, "msg": "succ"}, "data": data}}
    return Route(json.dumps(answer).encode(), "application/json")
