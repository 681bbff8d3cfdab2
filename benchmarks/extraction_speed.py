"""Benchmark: per-page extraction time, ours (parse + pipelines + render) versus trafilatura.

On every real fixture page (the pages `benchmarks/quality.py` scores), in one process:

- ours: `PageRenderer.render` (crawler/render.py), the path `scrapy render` takes: the
  saved bytes made into a response from the recorded headers and re-decoded as the
  downloader would, the site profile's parser, every item pipeline `scrapy render` runs,
  and the Markdown document: what `scrapy render` does, minus Scrapy's start-up and the
  building of the components (once, before the timing);
- trafilatura: `trafilatura.extract` with its default settings on the page's decoded text
  (the text is decoded once, outside the timing: trafilatura is given a head start).

Each round times `--calls` calls of ours, then as many of trafilatura, page by page; after
a warm-up round, `--rounds` rounds are run and the median round's mean per call is
reported (with the spread of the rounds), and the ratio trafilatura / ours: how many times
faster we are. Times are the process's CPU time (`time.process_time`): both extractors are
pure computation, and CPU time does not count the moments other processes on a shared
machine hold the cores (the machine line gives the load average).

    .venv/bin/python benchmarks/extraction_speed.py [--rounds 7] [--calls 10] [--generic] [--corpus]

`--generic` renders every page with the generic profile (`web`), the path of pages no
profile knows; `--corpus` times the corpus pages instead of the fixtures.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from benchmarks import load_average, machine_line  # noqa: E402
from benchmarks.quality import (  # noqa: E402
    Page,
    corpus_pages,
    fetched,
    our_renderer,
    real_pages,
    table,
)
from crawler.render import PageRenderer, Rendered  # noqa: E402


def ours(renderer: PageRenderer, page: Page, body: bytes) -> bytes:
    """Parse, clean and render one page: the document `scrapy render` would print."""
    result = renderer.render(body, page.url, page.headers, page.site, page.site_channel)
    assert isinstance(result, Rendered), page.name
    return result.document


def timed_round(function: Callable[[], object], calls: int) -> float:
    """Return the mean CPU seconds of one call over `calls` calls."""
    started = time.process_time()
    for _ in range(calls):
        function()
    return (time.process_time() - started) / calls


def main() -> None:
    """Time both extractors on every real fixture page and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=10, help="calls per round and page")
    parser.add_argument("--generic", action="store_true",
                        help="render every page with the generic profile (`web`)")  # fmt: skip
    parser.add_argument("--corpus", action="store_true",
                        help="time the corpus pages instead")  # fmt: skip
    args = parser.parse_args()

    print(f"{machine_line()}, trafilatura {trafilatura.__version__}; {load_average()}")
    renderer = our_renderer()
    pages = corpus_pages() if args.corpus else real_pages()
    if args.generic:
        pages = [dataclasses.replace(page, site_key="web", channel="web") for page in pages]
    profile = "the generic profile" if args.generic else "their profiles"
    print(f"{len(pages)} pages, rendered with {profile}")
    bodies = {page.name: page.body() for page in pages}
    texts = {page.name: fetched(renderer, page).text for page in pages}
    times: dict[str, dict[str, list[float]]] = {
        p.name: {"ours": [], "trafilatura": []} for p in pages
    }
    for attempt in range(args.rounds + 1):  # the first round warms caches up and is dropped
        for page in pages:
            body, text = bodies[page.name], texts[page.name]
            mine = timed_round(lambda: ours(renderer, page, body), args.calls)  # noqa: B023
            theirs = timed_round(lambda: trafilatura.extract(text), args.calls)  # noqa: B023
            if attempt:
                times[page.name]["ours"].append(mine)
                times[page.name]["trafilatura"].append(theirs)

    rows = [("page", "KB", "ours ms", "(spread)", "trafilatura ms", "(spread)", "ratio")]
    ratios, total_ours, total_theirs = [], 0.0, 0.0
    for page in pages:
        mine = statistics.median(times[page.name]["ours"])
        theirs = statistics.median(times[page.name]["trafilatura"])
        ratios.append(theirs / mine)
        total_ours, total_theirs = total_ours + mine, total_theirs + theirs
        rows.append((
            page.name, f"{len(bodies[page.name]) / 1024:.0f}",
            f"{mine * 1e3:.2f}", spread(times[page.name]["ours"]),
            f"{theirs * 1e3:.2f}", spread(times[page.name]["trafilatura"]),
            f"{theirs / mine:.1f}×",
        ))  # fmt: skip
    rows.append(("all pages (sum)", "", f"{total_ours * 1e3:.2f}", "",
                 f"{total_theirs * 1e3:.2f}", "", f"{total_theirs / total_ours:.1f}×"))  # fmt: skip
    print(
        f"\nmedian of {args.rounds} rounds of {args.calls} calls a page; ratio = trafilatura / ours"
    )
    print()
    print(table(rows))
    geometric = math.exp(statistics.fmean(math.log(r) for r in ratios))
    print(
        f"\nours is {total_theirs / total_ours:.1f}× faster than trafilatura over all pages "
        f"(geometric mean of the pages' ratios {geometric:.1f}×, lowest {min(ratios):.1f}×)"
    )


def spread(values: list[float]) -> str:
    """The range of the rounds' means, in ms."""
    return f"{min(values) * 1e3:.2f}–{max(values) * 1e3:.2f}"


if __name__ == "__main__":
    main()
