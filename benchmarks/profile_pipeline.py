"""Profile: where our per-article time goes, from a fetched page to its file in the archive.

Runs, in-process, what a crawl does with each article page after the download, through
crawler/render.py's `PageRenderer` with the archive's pipelines included: the response
built from the recorded headers and re-decoded, the site profile's parser, and every item
pipeline of ITEM_PIPELINES in order, the export too (a new file, fsync'd, and its row in
the archive state, in a temporary archive). Each article is one of the four real Sina
fixture pages (what `crawl_throughput.py` serves) with a unique title and id, so every one
is a new file as in a crawl.

First a plain timed pass gives each stage's wall and CPU milliseconds per article; then a
cProfile pass lists the functions with the most self time and the project's functions with
the most cumulative time, and names the top three costs.

    .venv/bin/python benchmarks/profile_pipeline.py [--articles 400] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import load_average, machine_line  # noqa: E402
from benchmarks.quality import Page, real_pages  # noqa: E402
from crawler.items import Article  # noqa: E402
from crawler.render import PageRenderer, project_settings  # noqa: E402


def sina_pages() -> list[Page]:
    """The real Sina fixture pages."""
    return [page for page in real_pages() if page.path.parent.name == "sina"]


def archiving_renderer(archive: Path) -> PageRenderer:
    """A crawl's whole per-article path, writing into `archive`."""
    settings = project_settings({"MARKDOWN_EXPORT_DIR": str(archive)})
    return PageRenderer(settings, writes_archive=True)


def article(pipeline: PageRenderer, page: Page, body: bytes, number: int) -> Article:
    """Decode and parse a page into a new article (unique title and id)."""
    response = pipeline.response(body, page.url, page.headers)
    parsed = pipeline.extract(response, page.site, page.site_channel)
    parsed.title = f"{parsed.title}（{number}）"
    parsed.doc_id = f"profile{number:07d}"
    return parsed


def timed_pass(pipeline: PageRenderer, pages: list[Page], count: int) -> dict[str, list[float]]:
    """Run `count` articles through, timing each stage: name → [wall s, CPU s]."""
    bodies = [page.path.read_bytes() for page in pages]
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])

    def clock() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def add(name: str, since: tuple[float, float]) -> tuple[float, float]:
        now = clock()
        spent[name][0] += now[0] - since[0]
        spent[name][1] += now[1] - since[1]
        return now

    for number in range(count):
        page, body = pages[number % len(pages)], bodies[number % len(pages)]
        started = clock()
        response = pipeline.response(body, page.url, page.headers)
        started = add("response + decoding", started)
        item = pipeline.extract(response, page.site, page.site_channel)
        item.title, item.doc_id = f"{item.title}（{number}）", f"timed{number:07d}"
        started = add("site profile parse", started)
        for stage in pipeline.pipelines:
            item = stage.process_item(item)
            started = add(type(stage).__name__, started)
    return spent


def profiled_pass(pipeline: PageRenderer, pages: list[Page], count: int) -> pstats.Stats:
    """Run `count` articles through under cProfile."""
    bodies = [page.path.read_bytes() for page in pages]
    profile = cProfile.Profile()
    profile.enable()
    for number in range(count):
        index = number % len(pages)
        pipeline.process(article(pipeline, pages[index], bodies[index], number))
    profile.disable()
    return pstats.Stats(profile)


def listing(stats: pstats.Stats, order: str, top: int, *restrictions: str) -> str:
    """pstats' own listing, as text."""
    buffer = io.StringIO()
    stats.stream = buffer  # type: ignore[attr-defined]
    stats.sort_stats(order).print_stats(*restrictions, top)
    return buffer.getvalue().split("\n", 4)[-1] if restrictions else buffer.getvalue()


def function_name(function: tuple[str, int, str]) -> str:
    """`file:line(name)` as pstats prints it, or the bare name of a built-in."""
    filename, line, name = function
    if filename == "~":
        return name
    # Paths relative to site-packages or to the project read shorter and say as much.
    short = filename.rpartition("site-packages/")[2].removeprefix(f"{ROOT}/")
    return f"{short}:{line}({name})"


def top_self_costs(stats: pstats.Stats, count: int) -> list[tuple[str, float, int]]:
    """The functions with the most self time: (name, seconds, calls)."""
    rows = [
        (function_name(function), values[2], values[1])
        for function, values in stats.stats.items()  # type: ignore[attr-defined]
    ]
    return sorted(rows, key=lambda row: row[1], reverse=True)[:count]


def main() -> None:
    """Time the stages, profile the functions, print both."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    print(f"{machine_line()}; {load_average()}")
    pages = sina_pages()
    with tempfile.TemporaryDirectory() as folder:
        pipeline = archiving_renderer(Path(folder) / "timed")
        spent = timed_pass(pipeline, pages, args.articles)
        wall_total = sum(wall for wall, _ in spent.values())
        print(f"\n{args.articles} articles ({len(pages)} Sina pages, unique titles), per article:")
        print(f"{'stage':28} {'wall ms':>8} {'CPU ms':>8} {'share':>6}")
        for name, (wall, cpu) in spent.items():
            print(f"{name:28} {wall / args.articles * 1e3:8.2f} {cpu / args.articles * 1e3:8.2f} "
                  f"{wall / wall_total:6.0%}")  # fmt: skip
        cpu_total = sum(cpu for _, cpu in spent.values())
        print(f"{'total':28} {wall_total / args.articles * 1e3:8.2f} "
              f"{cpu_total / args.articles * 1e3:8.2f}")  # fmt: skip

        stats = profiled_pass(archiving_renderer(Path(folder) / "profiled"), pages, args.articles)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"\ncProfile: {total:.2f}s for {args.articles} articles (profiling slows Python code)")
    print(f"\nmost self time (top {args.top}):")
    print(listing(stats, "tottime", args.top))
    print("the project's functions by cumulative time:")
    print(listing(stats, "cumulative", args.top, r"/(crawler|pipelines)/"))
    print("top three costs (self time):")
    for rank, (name, seconds, calls) in enumerate(top_self_costs(stats, 3), 1):
        print(f"  {rank}. {name}: {seconds / total:.0%} of the time, "
              f"{seconds / args.articles * 1e3:.2f} ms an article ({calls} calls)")  # fmt: skip


if __name__ == "__main__":
    main()
