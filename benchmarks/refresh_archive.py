"""Benchmark: `scrapy refresh` over an archive that already holds many articles.

Generates an archive of N articles (files and state), serves a roll API page that lists 50
of them unchanged from 127.0.0.1 and runs `scrapy refresh` on it twice: first as after a
killed run (the start walks the archive's folders and checks the whole state), then as
after a clean one (the start every scheduled refresh has). For each it prints the start-up
time (process start to its first request), the whole run's time, its peak RSS and the
requests it made; then the cost of one archive-state lookup.

    .venv/bin/python benchmarks/refresh_archive.py [--articles 100000] [--archive DIR]

`--archive DIR` keeps the generated archive in DIR and reuses it when run again (a
1,000,000-article archive takes minutes to generate).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrapy.settings import Settings  # noqa: E402

from benchmarks import machine_line  # noqa: E402
from crawler.archive.document import format_article  # noqa: E402
from crawler.archive.names import safe_name  # noqa: E402
from crawler.archive.rename import NAMES_LISTING, NAMES_VERSION  # noqa: E402
from crawler.archive.run import RUNNING, run_under_lock, write_run_record  # noqa: E402
from crawler.archive.state import ArchiveState, state_folder  # noqa: E402
from crawler.items import Article  # noqa: E402
from crawler.mirror import Mirror, Route, serve  # noqa: E402
from pipelines.export import article_folder  # noqa: E402

CATEGORIES = ("金融", "新浪财经", "新浪财经－国內")
MTIME = 1795000000


def doc_id(number: int) -> str:
    return f"bench{number:07d}"


def url_of(number: int) -> str:
    return f"https://finance.sina.com.cn/roll/2026-11-28/doc-i{doc_id(number)}.shtml"


def generate_archive(root: Path, count: int) -> None:
    """Write `count` article files and their state rows."""
    folder = article_folder(root, CATEGORIES)
    folder.mkdir(parents=True, exist_ok=True)
    modified = datetime.fromtimestamp(MTIME, UTC).isoformat()
    rows = []
    for number in range(count):
        article = Article(
            url=url_of(number),
            site="新浪财经",
            channel="1686",
            categories=CATEGORIES,
            title=f"基准测试文章第{number}篇",
            published=datetime.fromtimestamp(MTIME - number * 60, UTC),
            lead_image="https://n.sinaimg.cn/finance/page/ent/images/sina_logo.png",
            body_html=f"<p>　　第{number}篇文章的正文。</p>",
            doc_id=doc_id(number),
        )
        data = format_article(article).encode()
        name = safe_name(article.title, ".md")
        (folder / name).write_bytes(data)
        date = data.decode().split("\ndate: ", 1)[1].split("\n", 1)[0]
        now = datetime.now(UTC).isoformat()
        rows.append(
            (f"sina:{doc_id(number)}", article.url, str((folder / name).relative_to(root)),
             hashlib.sha256(data).hexdigest(), article.title, date,
             article.published.isoformat() if article.published else None, modified, now, now)
        )  # fmt: skip
    state = ArchiveState.open(state_folder(root) / "state.db")
    with state.transaction():
        state.connection.executemany(
            "INSERT INTO articles (key, url, path, content_hash, title, date, published, "
            "modified, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    state.begin_listing("sina:1686")
    state.finish_listing("sina:1686")
    # Written by this version: its names are Hexo-safe already, so no start walks them.
    state.set_listing_mark(NAMES_LISTING, NAMES_VERSION)
    state.close()


def roll_page(count: int) -> Route:
    """A roll API page listing the 50 newest archived articles, unchanged."""
    data = [
        {"docid": f"comos:{doc_id(n)}", "url": url_of(n), "mtime": str(MTIME),
         "ctime": str(MTIME - n * 60), "intime": str(MTIME - n * 60)}
        for n in range(min(50, count))
    ]  # fmt: skip
    body = {"result": {"status": {"code": 0, "msg": "succ"}, "data": data}}
    return Route(json.dumps(body).encode(), "application/json")


class TimedMirror(Mirror):
    """The mirror, noting when the first request arrived."""

    first_request: float = 0.0
    listing: Route | None = None

    def answer(self, target: str) -> Route:
        if not self.first_request:
            self.first_request = time.monotonic()
        if target.startswith("/api/roll/get") and self.listing is not None:
            self.requests[target.split("?", maxsplit=1)[0]] += 1
            return self.listing
        return super().answer(target)


def lookup_cost(root: Path, count: int, samples: int = 100_000) -> float:
    """Return the mean seconds of one `is_unchanged` lookup over random keys."""
    state = ArchiveState.open(state_folder(root) / "state.db")
    keys = [f"sina:{doc_id(random.randrange(count))}" for _ in range(samples)]
    modified = datetime.fromtimestamp(MTIME, UTC).isoformat()
    started = time.perf_counter()
    hits = sum(state.is_unchanged(key, modified) for key in keys)
    elapsed = time.perf_counter() - started
    state.close()
    assert hits == samples
    return elapsed / samples


def timed_refresh(mirror: TimedMirror, root: Path, log: Path) -> None:
    """Run `scrapy refresh` on the archive and print what it took."""
    command = [
        sys.executable, "-m", "scrapy", "refresh",
        "-s", f"SINA_ROLL_API_URL={mirror.origin}/api/roll/get",
        "-s", f"MARKDOWN_EXPORT_DIR={root}", "-s", "ROBOTSTXT_OBEY=False",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    mirror.first_request = 0.0
    mirror.requests.clear()
    launched = time.monotonic()
    with log.open("w") as stderr:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=stderr, text=True)  # fmt: skip
        _, status, usage = os.wait4(child.pid, 0)
    finished = time.monotonic()
    summary = child.stdout.read().strip() if child.stdout else ""
    scrapy_peak = re.search(r"'memusage/max': (\d+)", log.read_text())
    print(f"  refresh exit status: {os.waitstatus_to_exitcode(status)}; {summary}")
    print(f"  start-up (process start to first request): {mirror.first_request - launched:.2f}s")
    print(f"  whole refresh run: {finished - launched:.2f}s")
    print(f"  peak RSS of the refresh process: {usage.ru_maxrss / 1024:.0f} MB (getrusage)")
    if scrapy_peak:
        print(f"    Scrapy's own memusage/max: {int(scrapy_peak.group(1)) / 2**20:.0f} MB")
    print(f"  requests made: {dict(mirror.requests)}")


def archive_start_cost(root: Path, after_kill: bool) -> float:
    """Return the seconds the archive's own start takes (lock, run record, clean-up, checks)."""
    if after_kill:
        write_run_record(root, f"{RUNNING} pid 0 since the benchmark began")
    settings = Settings({"MARKDOWN_EXPORT_DIR": str(root)})
    logging.getLogger("crawler.archive").setLevel(logging.ERROR)  # its warnings are expected
    started = time.perf_counter()
    assert run_under_lock(settings, lambda: None) == 0
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--archive", type=Path, help="keep the archive here, and reuse it")
    args = parser.parse_args()

    print(machine_line())
    with tempfile.TemporaryDirectory() as folder:
        root = args.archive or Path(folder) / "archive"
        if (state_folder(root) / "state.db").exists():
            state = ArchiveState.open(state_folder(root) / "state.db")
            args.articles = state.count()
            state.close()
            print(f"reusing the archive {root} of {args.articles} articles")
        else:
            started = time.monotonic()
            # Generate in a child process, so this one stays small: a child forked from a
            # big parent would report the parent's pages in its own peak RSS.
            generator = multiprocessing.Process(target=generate_archive, args=(root, args.articles))
            generator.start()
            generator.join()
            print(f"generated {args.articles} articles in {time.monotonic() - started:.1f}s")

        fixtures = Path(folder) / "fixtures"
        fixtures.mkdir()
        mirror = TimedMirror(fixtures)
        mirror.listing = roll_page(args.articles)
        with serve(mirror):
            # What a SIGKILLed run leaves: its record says it was still running.
            write_run_record(root, f"{RUNNING} pid 0 since the benchmark began")
            print("refresh after a killed run (full clean-up and state check):")
            timed_refresh(mirror, root, Path(folder) / "after-kill.log")
            print("refresh after a clean run (every scheduled start):")
            timed_refresh(mirror, root, Path(folder) / "after-clean.log")
        print("the archive's own start (lock, run record, clean-up, checks), in this process:")
        # Less shaken by other processes than a whole start-up, most of which is imports.
        print(f"  after a killed run: {archive_start_cost(root, after_kill=True):.3f}s")
        print(f"  after a clean run: {archive_start_cost(root, after_kill=False):.3f}s")
        print(f"archive-state lookup: {lookup_cost(root, args.articles) * 1e6:.1f} µs each")


if __name__ == "__main__":
    main()
