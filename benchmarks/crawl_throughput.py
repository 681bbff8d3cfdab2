"""Benchmark: `scrapy crawl sina` over a local mirror of N articles versus a bare spider.

Serves from 127.0.0.1 (a thread of this process) roll API list pages of 50 entries listing N
distinct article URLs; each article is one of the four real Sina fixture pages with its
`publishid` and headline made unique (so every article is a new file, as in a real crawl).
Then runs, alternately, `scrapy crawl sina` (the project: parser, every pipeline, the
archive state, N files written) and `benchmarks/bare_spider.py` (the same list pages and
URLs fetched, nothing done with them; run outside the project so none of its components
load, with Scrapy's defaults; and again with the project's CONCURRENT_ITEMS, the Scrapy
setting the project changes to be faster), all with DOWNLOAD_DELAY=0, AUTOTHROTTLE_ENABLED=False,
ROBOTSTXT_OBEY=False, LOG_LEVEL=INFO and the same concurrency. Prints, per run and as
medians: articles per second over the whole process (start-up included) and over the
serving window (first to last request the mirror saw), the child's CPU use, and its peak
RSS; and the floor of our per-article CPU: the bare spider's CPU an article plus one lxml
parse of the page it fetched (timed in a child process on the pages served), with our CPU
an article as a multiple of it; and the same floor with a durable write of each article
added (`benchmarks.durable_write_ms`), since the bare spider writes nothing.

Before each crawl, the CPU that creating a file next to its archive takes is probed and
printed (`a new file … ms`): on ext4 it grows many times over for minutes after many files
were deleted nearby (`benchmarks.file_creation_ms`), and a crawl that writes a file an
article counts that as its own; the script warns when a probe is slow.

Peak RSS is read two ways: `wait4`'s `ru_maxrss` and the kernel's `VmHWM` polled from
/proc while the crawl runs. Linux carries the parent's peak RSS over into a child's
`ru_maxrss` (across fork/vfork and exec), so this process stays small: it imports no
Scrapy and builds each page when asked instead of holding N pages.

A fourth crawl, `pool`, is ours with PAGE_POOL_PROCESSES=`--page-processes` (1; 0: no such
crawl): its CPU is the crawl's and its page processes' (all its descendants, polled from
/proc), and its memory the highest sum of their Pss (a page the forked processes share
counts once over them all).

`--preload LIB` adds crawls `alloc` and `poolalloc`: ours and `pool` started with LIB
preloaded (LD_PRELOAD), for another malloc (Debian's libmimalloc2.0:
/usr/lib/x86_64-linux-gnu/libmimalloc.so.2).

    .venv/bin/python benchmarks/crawl_throughput.py [--articles 2000] [--repeats 3]
        [--page-processes 1] [--base-tree DIR] [--preload LIB]

The archives and logs go to a temporary folder under BENCH_TMPDIR, else ~/.cache (not
/tmp: see `benchmarks.work_folder`).

`--base-tree DIR` (a checkout of another commit, e.g. `git worktree add --detach DIR
<commit>`) adds a crawl `base`: the same `scrapy crawl sina` from DIR's code, with
this checkout's venv, alternating with the others, so two trees compare within one run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import (  # noqa: E402
    SLOW_FILE_CREATION_MS,
    durable_write_ms,
    file_creation_ms,
    load_average,
    machine_line,
    work_folder,
)
from crawler import settings as project_settings  # noqa: E402
from crawler.mirror import Mirror, MirrorHandler, Route, serve  # noqa: E402

SINA_FIXTURES = ROOT / "tests" / "fixtures" / "sites" / "sina"
PAGE_SIZE = 50
ARTICLE_PATH = re.compile(r"^/finance\.sina\.com\.cn/roll/2026-11-28/doc-ibench(\d{7})\.shtml$")
PUBLISHID = re.compile(rb'<meta name="publishid" content="[^"]*">')
HEADLINE = re.compile(rb'<h1 class="main-title">([^<]*)</h1>')
EPOCH = 1795000000


# The four real desktop pages of today's template (the folder also holds made-up pages and
# older templates, which carry no publishid to splice).
TEMPLATES = (
    "finance-roll-2018-12-28-doc-ihqfskcn2160999.html",
    "finance-usstock-2019-09-09-doc-iicezzrq4681677.html",
    "news-2019-09-07-doc-iicezzrq4076655.html",
    "news-2019-11-25-doc-iihnzahi3275702.html",
)


def article_url(number: int) -> str:
    """The real-looking Sina URL of benchmark article `number`."""
    return f"https://finance.sina.com.cn/roll/2026-11-28/doc-ibench{number:07d}.shtml"


class Template:
    """A fixture page cut around its `publishid` and headline, to splice unique ones in."""

    def __init__(self, page: bytes) -> None:
        publishid, headline = PUBLISHID.search(page), HEADLINE.search(page)
        assert publishid and headline and publishid.end() < headline.start()
        self.parts = (
            page[: publishid.start()],
            page[publishid.end() : headline.end(1)],
            page[headline.end(1) :],
        )

    def page(self, number: int) -> bytes:
        """The page with publishid `bench<number>` and `（number）` after its headline."""
        head, middle, tail = self.parts
        publishid = f'<meta name="publishid" content="bench{number:07d}">'.encode()
        return b"".join((head, publishid, middle, f"（{number}）".encode(), tail))


class BenchMirror(Mirror):
    """Roll API pages listing `count` articles, and each article built when it is asked for."""

    def __init__(self, count: int) -> None:
        super().__init__(SINA_FIXTURES)
        self.count = count
        self.templates = [Template((SINA_FIXTURES / name).read_bytes()) for name in TEMPLATES]
        self.lock = threading.Lock()
        self.first = self.last = 0.0
        self.articles_served = 0

    def roll_route(self, lid: str, page: str) -> Route:
        """List page `page`: 50 entries, newest first, as the roll API answers."""
        start = (int(page) - 1) * PAGE_SIZE
        data = [
            {"docid": f"comos:bench{n:07d}", "url": article_url(n), "title": f"基准文章{n}",
             "ctime": str(EPOCH - n * 60), "mtime": str(EPOCH - n * 60),
             "intime": str(EPOCH - n * 60)}
            for n in range(start, min(start + PAGE_SIZE, self.count))
        ]  # fmt: skip
        answer = {"result": {"status": {"code": 0, "msg": "succ"}, "data": data}}
        return Route(json.dumps(answer).encode(), "application/json; charset=utf-8")

    def answer(self, target: str) -> Route:
        """Serve a list page, or article `n` made from template `n % 4`."""
        match = ARTICLE_PATH.match(target.split("?", 1)[0])
        with self.lock:
            now = time.monotonic()
            self.first = self.first or now
            self.last = now
            self.articles_served += bool(match)
        if not match:
            return super().answer(target)
        number = int(match.group(1))
        return Route(self.templates[number % len(self.templates)].page(number))

    def reset(self) -> None:
        """Forget the last run's timings and counts."""
        self.first = self.last = 0.0
        self.articles_served = 0
        self.requests.clear()


class KeepAliveHandler(MirrorHandler):
    """Answer from the mirror over persistent HTTP/1.1 connections.

    Scrapy keeps connections open; a server that closes each one (HTTP/1.0) would make
    connection set-up, not the crawlers, the bottleneck of both crawls.
    """

    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: without TCP_NODELAY the second waits
    # for the client's delayed ACK (up to 40 ms) on every response.
    disable_nagle_algorithm = True


@dataclass
class Run:
    """What one crawl process did and cost."""

    kind: str
    status: int
    wall: float  # process start to exit, seconds
    window: float  # first to last request the mirror saw, seconds
    cpu: float  # the child's user + system seconds
    system: float  # the system (kernel) part of `cpu`
    serving_cpu: float  # CPU of the child and its page processes, first to last request
    own_serving_cpu: float  # the child's own part of it
    starved: float  # seconds of the serving window the child waited for a CPU (load)
    mirror_cpu: float  # this process's (the mirror's) user + system seconds meanwhile
    maxrss_mb: float  # wait4's ru_maxrss
    hwm_mb: float  # the highest VmHWM polled from /proc
    articles: int  # article pages the mirror served
    files: int  # Markdown files written (ours only)
    file_ms: float = 0.0  # CPU ms to create a file next to the archive just before the run
    tree_mb: float = 0.0  # the highest sum of Pss over the child and its descendants


def proc_mb(pid: int, file: str, name: str) -> float:
    """A `<name>: <n> kB` line of /proc/<pid>/<file>, in MB; 0 if the process is gone."""
    try:
        text = Path(f"/proc/{pid}/{file}").read_text()
    except OSError:
        return 0.0
    match = re.search(rf"^{name}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


def vm_hwm_mb(pid: int) -> float:
    """The process's peak resident set so far (`VmHWM`), in MB."""
    return proc_mb(pid, "status", "VmHWM")


def pss_mb(pid: int) -> float:
    """The process's proportional set now (`Pss`: a page shared by n processes counts 1/n), in
    MB. Page processes share what their fork server imported."""
    return proc_mb(pid, "smaps_rollup", "Pss")


def descendants(pid: int) -> list[int]:
    """The ids of a process's children, their children, and so on (page processes)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found: list[int] = []
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found += frontier
    return found


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU seconds so far (from /proc); 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # After the command name: state is field 3, so utime (14) and stime (15) are 11 and 12.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runqueue_wait(pid: int) -> float | None:
    """Seconds the process's main thread has waited for a CPU (runnable, not running)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def run(
    kind: str,
    command: list[str],
    cwd: Path,
    mirror: BenchMirror,
    log: Path,
    *,
    tree: Path = ROOT,
    preload: str = "",
) -> Run:
    """Run one crawl process to its end, polling its peak RSS; `tree` is the code it imports,
    `preload` a library it starts with (LD_PRELOAD: another malloc)."""
    mirror.reset()
    env = {**os.environ, "PYTHONPATH": str(tree)}
    if preload:
        env["LD_PRELOAD"] = preload
    if kind.startswith("bare"):
        env.pop("SCRAPY_SETTINGS_MODULE", None)
    started, own = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
    with log.open("w") as stderr:
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                 stderr=stderr)  # fmt: skip
        hwm, tree_mb, waited, last_request = 0.0, 0.0, 0.0, 0.0
        # CPU (the child's and its page processes') and run-queue wait of the child when the
        # mirror saw its first and last request.
        cpu_at: dict[str, float] = {}
        waited_at: dict[str, float] = {}
        family: list[int] = []  # the child's descendants, looked for every half second
        for polls in itertools.count():
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if polls % 25 == 0:
                family = descendants(child.pid)
            hwm = max(hwm, vm_hwm_mb(child.pid))
            if polls % 5 == 0:  # reading Pss walks the page tables
                tree_mb = max(tree_mb, sum(map(pss_mb, [child.pid, *family])))
            waited = runqueue_wait(child.pid) or waited
            if mirror.first and "first" not in cpu_at:
                family = descendants(child.pid)
                cpu_at["first"], waited_at["first"] = tree_cpu(child.pid, family), waited
                cpu_at["own first"] = cpu_seconds(child.pid)
            if mirror.last != last_request:
                last_request = mirror.last
                cpu_at["last"], waited_at["last"] = tree_cpu(child.pid, family), waited
                cpu_at["own last"] = cpu_seconds(child.pid)
            time.sleep(0.02)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    text = log.read_text()
    written = re.search(r"'markdown/written': (\d+)", text)
    return Run(
        kind=kind,
        status=os.waitstatus_to_exitcode(status),
        wall=wall,
        window=mirror.last - mirror.first,
        cpu=usage.ru_utime + usage.ru_stime,
        system=usage.ru_stime,
        serving_cpu=cpu_at.get("last", 0.0) - cpu_at.get("first", 0.0),
        own_serving_cpu=cpu_at.get("own last", 0.0) - cpu_at.get("own first", 0.0),
        starved=waited_at.get("last", 0.0) - waited_at.get("first", 0.0),
        mirror_cpu=after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime,
        maxrss_mb=usage.ru_maxrss / 1024,
        hwm_mb=hwm,
        articles=mirror.articles_served,
        files=int(written.group(1)) if written else 0,
        tree_mb=tree_mb,
    )


def tree_cpu(pid: int, family: list[int]) -> float:
    """The CPU seconds so far of a process and the descendants it had when last looked at."""
    return cpu_seconds(pid) + sum(map(cpu_seconds, family))


# Timed in a child, so that this process stays small (its peak RSS is carried over into the
# crawls' ru_maxrss): the CPU of one lxml parse of each page, as the page's Selector parses it.
PARSE_TIMER = """
import sys, time
import lxml.html
from lxml import etree
pages = [open(path, "rb").read() for path in sys.argv[2:]]
rounds, best = int(sys.argv[1]), []
for page in pages:
    times = []
    for _ in range(rounds):
        started = time.process_time()
        etree.fromstring(page, lxml.html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True))
        times.append(time.process_time() - started)
    best.append(sorted(times)[len(times) // 2])
print(sum(best) / len(best))
"""


def served_pages(mirror: BenchMirror, folder: Path) -> list[str]:
    """Write one page of each template into `folder`; return their paths."""
    paths = []
    for index, template in enumerate(mirror.templates):
        path = folder / f"template-{index}.html"
        path.write_bytes(template.page(index))
        paths.append(str(path))
    return paths


def parse_cpu(mirror: BenchMirror, folder: Path, rounds: int = 50) -> float:
    """The median CPU seconds of one lxml parse of an article page, averaged over the templates.

    The articles are the templates in turn, so each is an equal share of what is served.
    """
    command = [sys.executable, "-c", PARSE_TIMER, str(rounds), *served_pages(mirror, folder)]
    return float(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def settings(concurrency: int) -> list[str]:
    """The `-s` options both crawls share (benchmark only: no delays, no robots.txt)."""
    values = {
        "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "ROBOTSTXT_OBEY": "False",
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency), "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": "False",
    }  # fmt: skip
    return [option for name, value in values.items() for option in ("-s", f"{name}={value}")]


# The kinds of crawl that run the project's `scrapy crawl sina` (the others: the bare spider).
CRAWLS_OF_OURS = ("ours", "pool", "base", "alloc", "poolalloc")


def crawl_command(
    kind: str,
    api: str,
    pages: int,
    concurrency: int,
    archive: Path,
    *,
    tree: Path = ROOT,
    processes: int = 0,
) -> tuple[list[str], Path]:
    """The command line of one crawl and the folder it runs in.

    `ours`, `pool` and `base`: `scrapy crawl sina` from `tree`, writing into `archive`
    (`pool` with PAGE_POOL_PROCESSES=`processes`); `bare` and `bare1`: the bare spider, run
    from `archive`'s parent (no scrapy.cfg there: Scrapy's defaults only), `bare1` with the
    project's CONCURRENT_ITEMS.
    """  # fmt: skip
    if kind in CRAWLS_OF_OURS:
        pool = ["-s", f"PAGE_POOL_PROCESSES={processes}"] if kind.startswith("pool") else []
        return [sys.executable, "-m", "scrapy", "crawl", "sina", "-a", f"max_pages={pages}",
                *settings(concurrency), "-s", f"SINA_ROLL_API_URL={api}",
                "-s", f"MARKDOWN_EXPORT_DIR={archive}", *pool], tree  # fmt: skip
    command = [sys.executable, "-m", "scrapy", "runspider",
               str(ROOT / "benchmarks" / "bare_spider.py"), "-a", f"api={api}",
               "-a", f"pages={pages}", *settings(concurrency)]  # fmt: skip
    if kind == "bare1":  # the Scrapy setting the project changes for speed
        command += ["-s", f"CONCURRENT_ITEMS={project_settings.CONCURRENT_ITEMS}"]
    return command, archive.parent


def describe(run: Run, count: int) -> str:
    """One line per run."""
    return (
        f"{run.kind:9} exit {run.status}: {run.articles} articles served, {run.files} files; "
        f"{run.wall:6.2f}s whole ({count / run.wall:6.1f}/s), "
        f"{run.window:6.2f}s serving ({count / run.window:6.1f}/s); "
        f"CPU {run.cpu:5.2f}s{' (the crawl alone)' if run.kind.startswith('pool') else ''} "
        f"({run.system:4.2f}s kernel), "
        f"{run.serving_cpu / run.window:4.0%} of the serving window "
        f"(+{run.starved / run.window:4.0%} waiting for a core), "
        f"mirror {run.mirror_cpu / run.wall:4.0%}; "
        f"peak RSS {run.maxrss_mb:5.0f} MB (ru_maxrss), {run.hwm_mb:5.0f} MB (VmHWM); "
        f"a new file {run.file_ms:.2f} ms"
    )


def main() -> None:
    """Run both crawls `--repeats` times, alternately, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--base-tree", type=Path, help="also crawl with this checkout's code")
    parser.add_argument(
        "--page-processes", type=int, default=1,
        help="PAGE_POOL_PROCESSES of a crawl `pool` beside `ours` (0: no such crawl)",
    )  # fmt: skip
    parser.add_argument(
        "--preload", default="", metavar="LIB",
        help="also crawl as `ours` with LIB preloaded (LD_PRELOAD), e.g. another malloc",
    )  # fmt: skip
    args = parser.parse_args()
    if args.preload and not Path(args.preload).is_file():
        parser.error(f"--preload: no such library file: {args.preload}")
    count, pages = args.articles, -(-args.articles // PAGE_SIZE)

    print(f"{machine_line()}; {load_average()}")
    print(f"{count} articles on {pages} list pages; CONCURRENT_REQUESTS={args.concurrency}")
    runs: list[Run] = []
    mirror = BenchMirror(count)
    with work_folder() as folder, serve(mirror, KeepAliveHandler):
        parse = parse_cpu(mirror, Path(folder))
        write = durable_write_ms(Path(folder) / "durable") / 1e3
        api = f"{mirror.origin}/api/roll/get"
        for attempt in range(args.repeats):
            kinds = ("bare", "bare1", "ours") + (("pool",) if args.page_processes else ())
            if args.preload:  # the same crawls of ours, with the library preloaded
                kinds += ("alloc",) + (("poolalloc",) if args.page_processes else ())
            for kind in kinds + (("base",) if args.base_tree else ()):
                archive = Path(folder) / f"archive-{kind}-{attempt}"
                tree = args.base_tree.resolve() if kind == "base" else ROOT
                command, cwd = crawl_command(kind, api, pages, args.concurrency, archive,
                                             tree=tree, processes=args.page_processes)  # fmt: skip
                probe = file_creation_ms(Path(folder) / f"probe-{kind}-{attempt}")
                preload = args.preload if kind.endswith("alloc") else ""
                result = run(kind, command, cwd, mirror, Path(folder) / f"{kind}.log", tree=tree,
                             preload=preload)  # fmt: skip
                result.file_ms = probe
                print(describe(result, count), flush=True)
                runs.append(result)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"this benchmark process: peak RSS {own:.0f} MB (a floor for its children's ru_maxrss)")
    print(f"\nmedians over {args.repeats} runs each:")
    summarize(runs, count, parse, write, processes=args.page_processes, preload=args.preload)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    slow = [r for r in runs if r.file_ms > SLOW_FILE_CREATION_MS]
    if slow:
        print(f"WARNING: creating a file took more than {SLOW_FILE_CREATION_MS} ms before "
              f"{len(slow)} run(s) (up to {max(r.file_ms for r in slow):.2f} ms): many files were "
              f"deleted near the work folder minutes before (see benchmarks.file_creation_ms); "
              f"our CPU an article is overstated. Wait a few minutes, or set BENCH_TMPDIR "
              f"to a folder elsewhere, and run again.")  # fmt: skip
    failed = [r for r in runs if r.status != 0 or r.articles != count]
    failed += [r for r in runs if r.kind in CRAWLS_OF_OURS and r.files != count]
    if failed:
        print(f"WARNING: {len(failed)} run(s) did not fetch/write all {count} articles")


def summarize(
    runs: list[Run], count: int, parse: float, write: float, *, processes: int, preload: str = ""
) -> None:
    """Print the medians: throughputs, their ratios, CPU per article and its floor, memory."""

    def median(kind: str, value: str) -> float:
        return statistics.median(float(getattr(r, value)) for r in runs if r.kind == kind)

    def rates(kind: str) -> tuple[float, float]:
        return count / median(kind, "wall"), count / median(kind, "window")

    (bare, bare_w), (bare1, bare1_w), (ours, ours_w) = rates("bare"), rates("bare1"), rates("ours")
    items = project_settings.CONCURRENT_ITEMS
    print(f"bare spider: {bare:.1f} articles/s whole run, {bare_w:.1f}/s serving window")
    print(f"our crawl:   {ours:.1f} articles/s whole run, {ours_w:.1f}/s serving window")
    print(f"throughput ratio ours/bare: {ours / bare:.2f} (whole run), "
          f"{ours_w / bare_w:.2f} (serving window)")  # fmt: skip
    print(f"bare spider with CONCURRENT_ITEMS={items} as the project: {bare1:.1f} articles/s "
          f"whole run, {bare1_w:.1f}/s serving window; ratio ours/it {ours / bare1:.2f} "
          f"(whole run), {ours_w / bare1_w:.2f} (serving window)")  # fmt: skip
    bare_cpu, bare1_cpu = median("bare", "serving_cpu"), median("bare1", "serving_cpu")
    ours_cpu = median("ours", "serving_cpu")
    print(
        f"CPU per article while serving: bare {bare_cpu / count * 1e3:.2f} ms (with "
        f"CONCURRENT_ITEMS={items}: {bare1_cpu / count * 1e3:.2f} ms), ours "
        f"{ours_cpu / count * 1e3:.2f} ms (ratio {bare_cpu / ours_cpu:.2f}: the throughput "
        f"ratio if both were CPU-bound)"
    )
    bare_ms, bare1_ms, ours_ms = (cpu / count * 1e3 for cpu in (bare_cpu, bare1_cpu, ours_cpu))
    floor, floor1 = bare_ms + parse * 1e3, bare1_ms + parse * 1e3
    print(
        f"floor of our CPU per article (the bare spider's + one lxml parse of the page, "
        f"{parse * 1e3:.2f} ms): {floor:.2f} ms; ours is {ours_ms / floor:.2f}× the floor "
        f"(target: at most 1.3×); with CONCURRENT_ITEMS={items}: floor {floor1:.2f} ms, "
        f"ours {ours_ms / floor1:.2f}× it"
    )
    print(
        f"the same floor with a durable write of each article (a new 8 KiB file fsync'd and "
        f"renamed, plain os calls: {write * 1e3:.2f} ms): {floor + write * 1e3:.2f} ms; ours is "
        f"{ours_ms / (floor + write * 1e3):.2f}× it"
    )
    window, starved = median("ours", "window"), median("ours", "starved")
    print(f"our crawl's serving window: {ours_cpu / window:.0%} computing, {starved / window:.0%} "
          f"waiting for a core (other load), {1 - (ours_cpu + starved) / window:.0%} blocked "
          f"(I/O: fsync, network)")  # fmt: skip
    if any(r.kind == "base" for r in runs):
        base, base_w = rates("base")
        base_ms = median("base", "serving_cpu") / count * 1e3
        print(f"the base tree's crawl: {base:.1f} articles/s whole run, {base_w:.1f}/s serving "
              f"window (ratio to bare {base / bare:.2f}, {base_w / bare_w:.2f}); CPU per article "
              f"{base_ms:.2f} ms, {base_ms / floor:.2f}× the floor; ours/base CPU "
              f"{ours_ms / base_ms:.3f}")  # fmt: skip
    for kind, label in (("pool", ""), ("poolalloc", f" and LD_PRELOAD={preload}")):
        if not any(r.kind == kind for r in runs):
            continue
        pool, pool_w = rates(kind)
        pool_ms = median(kind, "serving_cpu") / count * 1e3
        pool_own_ms = median(kind, "own_serving_cpu") / count * 1e3
        pool_mb = max(r.tree_mb for r in runs if r.kind == kind)
        ours_mb = max(r.tree_mb for r in runs if r.kind == "ours")
        print(f"our crawl with PAGE_POOL_PROCESSES={processes}{label}: {pool:.1f} articles/s "
              f"whole run, {pool_w:.1f}/s serving window; throughput ratio to bare "
              f"{pool / bare:.2f} (whole run), {pool_w / bare_w:.2f} (serving window); CPU per "
              f"article, the crawl's and "
              f"its page processes' {pool_ms:.2f} ms ({pool_own_ms:.2f} ms the crawl's own), "
              f"{pool_ms / floor:.2f}× the floor; peak "
              f"memory of the crawl and its processes together {pool_mb:.0f} MB (the highest sum "
              f"of their Pss, polled every 0.1 s; our crawl alone, so read: {ours_mb:.0f} MB)"
              )  # fmt: skip
    if any(r.kind == "alloc" for r in runs):
        alloc, alloc_w = rates("alloc")
        alloc_ms = median("alloc", "serving_cpu") / count * 1e3
        alloc_mb = max(max(r.maxrss_mb, r.hwm_mb) for r in runs if r.kind == "alloc")
        print(f"our crawl with LD_PRELOAD={preload}: {alloc:.1f} articles/s whole run, "
              f"{alloc_w:.1f}/s serving window; throughput ratio to bare {alloc / bare:.2f} "
              f"(whole run), {alloc_w / bare_w:.2f} (serving window); CPU per article "
              f"{alloc_ms:.2f} ms, {alloc_ms / floor:.2f}× the floor, {alloc_ms / ours_ms:.2f} of "
              f"ours; peak RSS {alloc_mb:.0f} MB")  # fmt: skip
    peak = max(max(r.maxrss_mb, r.hwm_mb) for r in runs if r.kind == "ours")
    print(f"our crawl's peak RSS: {peak:.0f} MB (highest of ru_maxrss and VmHWM over the runs); "
          f"bare spider: {max(r.maxrss_mb for r in runs if r.kind == 'bare'):.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
