"""Benchmark: instructions an article of our crawl, the bare spider and one lxml parse (callgrind).

The crawls of `crawl_throughput.py` (the same mirror, pages, settings and command lines),
each run twice under `valgrind --tool=callgrind`, over `--articles` A and B articles: the
difference of the two runs' instruction counts over B − A is what one more article costs,
start-up and shutdown cancelled out. One lxml parse of a served page is counted the same
way (a child parsing the pages A and B times each). Instruction counts do not move with the
load of a shared machine, nor with the kernel's work (they count user space only: no fsync,
no file creation), so two trees compare to a fraction of a per cent; they are not times
(libxml2's parse runs at several times the instructions a cycle of Python code), so the
ratios here are not the CPU ratios `crawl_throughput.py` prints.

    .venv/bin/python benchmarks/crawl_instructions.py [--articles 100 300] [--base-tree DIR]

Needs valgrind (Debian package `valgrind`); takes about 10 minutes at the defaults.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import load_average, machine_line, work_folder  # noqa: E402
from benchmarks.crawl_throughput import (  # noqa: E402
    PAGE_SIZE,
    BenchMirror,
    KeepAliveHandler,
    crawl_command,
    run,
    served_pages,
)
from crawler.mirror import serve  # noqa: E402

# Each page parsed `count` times, as the page's Selector parses it (crawl_throughput's floor).
PARSE_LOOP = """
import sys
import lxml.html
from lxml import etree
count, pages = int(sys.argv[1]), [open(path, "rb").read() for path in sys.argv[2:]]
for _ in range(count):
    for page in pages:
        etree.fromstring(page, lxml.html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True))
"""
# The parse is counted over fewer rounds: at about 16 M instructions a parse, callgrind
# takes a minute for 100.
PARSE_ROUNDS = (5, 15)
_TOTALS = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


def counted(out: Path) -> int:
    """The instructions a callgrind output file counts in all."""
    found = _TOTALS.search(out.read_text(errors="replace"))
    if found is None:
        raise SystemExit(f"no instruction total in {out}")
    return int(found.group(1))


def under_callgrind(command: list[str], out: Path) -> list[str]:
    """The command, run by callgrind writing its counts to `out`."""
    return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command]


def crawl_instructions(
    kind: str, count: int, mirror: BenchMirror, folder: Path, *, tree: Path, concurrency: int
) -> int:
    """The instructions of one whole crawl of `count` articles (start-up included)."""
    mirror.count = count
    api, log = f"{mirror.origin}/api/roll/get", folder / f"{kind}.log"
    archive = folder / f"archive-{kind}-{count}"
    pages = -(-count // PAGE_SIZE)
    command, cwd = crawl_command(kind, api, pages, concurrency, archive, tree=tree)
    out = folder / f"callgrind-{kind}-{count}.out"
    result = run(kind, under_callgrind(command, out), cwd, mirror, log, tree=tree)
    if result.status != 0 or result.articles != count:
        raise SystemExit(
            f"{kind}: exit {result.status}, {result.articles} of {count} articles served "
            f"(log: {log})"
        )
    return counted(out)


def parse_instructions(mirror: BenchMirror, folder: Path, rounds: tuple[int, int]) -> float:
    """The instructions of one lxml parse of a served page, averaged over the templates."""
    paths = served_pages(mirror, folder)
    totals = []
    for count in rounds:
        out = folder / f"callgrind-parse-{count}.out"
        command = under_callgrind([sys.executable, "-c", PARSE_LOOP, str(count), *paths], out)
        subprocess.run(command, check=True, capture_output=True)
        totals.append(counted(out))
    return (totals[1] - totals[0]) / ((rounds[1] - rounds[0]) * len(paths))


def main() -> None:
    """Count each crawl at both sizes and print the instructions an article."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, nargs=2, default=(100, 300), metavar=("A", "B"))
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--base-tree", type=Path, help="also count the crawl of this checkout")
    args = parser.parse_args()
    small, large = args.articles
    if not 0 < small < large:
        parser.error("--articles takes two counts, the second larger")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (Debian: apt-get install valgrind)")
    print(f"{machine_line()}; {load_average()}")
    kinds = ["bare", "bare1", "ours"] + (["base"] if args.base_tree else [])
    per_article: dict[str, float] = {}
    mirror = BenchMirror(large)
    with work_folder() as name, serve(mirror, KeepAliveHandler):
        folder = Path(name)
        parse = parse_instructions(mirror, folder, PARSE_ROUNDS)
        print(f"one lxml parse of a served page: {parse / 1e6:.2f} M instructions")
        for kind in kinds:
            tree = args.base_tree.resolve() if kind == "base" else ROOT
            totals = [
                crawl_instructions(kind, count, mirror, folder, tree=tree,
                                   concurrency=args.concurrency)
                for count in (small, large)
            ]  # fmt: skip
            per_article[kind] = (totals[1] - totals[0]) / (large - small)
            print(f"{kind:5}: {per_article[kind] / 1e6:6.2f} M instructions an article "
                  f"({totals[0] / 1e9:.2f} G for {small}, {totals[1] / 1e9:.2f} G for {large})",
                  flush=True)  # fmt: skip
    summarize(per_article, parse)


def summarize(per_article: dict[str, float], parse: float) -> None:
    """Print ours against the floor (bare + one parse) and against the base tree."""
    ours, bare, bare1 = per_article["ours"], per_article["bare"], per_article["bare1"]
    print(f"\nfloor (bare spider + one parse): {(bare + parse) / 1e6:.2f} M; ours is "
          f"{ours / (bare + parse):.2f}× it; with CONCURRENT_ITEMS=1 for the bare spider: "
          f"{(bare1 + parse) / 1e6:.2f} M, ours {ours / (bare1 + parse):.2f}×")  # fmt: skip
    print(f"ours beyond the floor: {(ours - bare - parse) / 1e6:.2f} M an article "
          f"({(ours - bare1 - parse) / 1e6:.2f} M beyond bare1 + parse)")  # fmt: skip
    if "base" in per_article:
        base = per_article["base"]
        print(f"base tree: {base / 1e6:.2f} M an article; ours/base {ours / base:.4f}")


if __name__ == "__main__":
    main()
