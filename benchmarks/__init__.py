"""Benchmarks: extraction quality and speed, crawl throughput, refresh cost (scripts)."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

# Above this, creating a file costs a crawl noticeably more than it should (0.02–0.04 ms).
SLOW_FILE_CREATION_MS = 0.1


def machine_line() -> str:
    """Name the machine a benchmark runs on: platform, processor, cores, Python."""
    return (
        f"machine: {platform.platform()}, {processor()}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}"
    )


def processor(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """Name the processor as /proc/cpuinfo does (name, model number, clock), else as Python does.

    Two machines of one platform can differ in it, and ratios between C-heavy and
    Python-heavy work move with it: figures of two sessions compare only on one processor.
    """
    try:
        lines = cpuinfo.read_text().splitlines()
    except OSError:
        return platform.processor() or "processor unknown"
    fields = dict(line.split(":", 1) for line in lines if ":" in line)  # the last core's
    fields = {name.strip(): value.strip() for name, value in fields.items()}
    megahertz = fields.get("cpu MHz", "")
    clock = f" at {float(megahertz):.0f} MHz" if megahertz else ""
    return f"{fields.get('model name', 'processor')} (model {fields.get('model', '?')}){clock}"


def load_average() -> str:
    """The one-minute load average, as the benchmarks print it."""
    return f"load average {os.getloadavg()[0]:.2f}"


def work_folder() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for a benchmark's archives and logs: under BENCH_TMPDIR, else ~/.cache.

    Not the system's temporary folder, where the test suite creates and deletes thousands
    of files (see `file_creation_ms` for what that costs the next crawl). Not inside the
    checkout either: Scrapy looks for `scrapy.cfg` in the folders above, and the bare
    spider must run without the project.
    """
    parent = Path(os.environ.get("BENCH_TMPDIR") or Path.home() / ".cache")
    parent.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix="finance-news-bench-", dir=parent)


def file_creation_ms(folder: Path, count: int = 200) -> float:
    """The CPU milliseconds (kernel's included) that creating one new file in `folder` takes.

    On ext4, for some minutes after many files near a folder were deleted (the temporary
    folders of a test run or of the previous benchmark), finding a free inode for a new
    file there costs 0.3–1 ms instead of 0.02–0.04 ms (measured on the development
    machine: 0.85 ms right after 6,000 files were deleted next to the folder, 0.03 ms in a
    folder elsewhere on the same disk). A crawl writing a file an article counts that as
    its own CPU. The files are left in place: deleting them would cause just that.
    """
    folder.mkdir(parents=True, exist_ok=True)
    started = time.thread_time()
    for number in range(count):
        os.close(os.open(folder / f"probe-{number}", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    return (time.thread_time() - started) / count * 1e3


def durable_write_ms(folder: Path, size: int = 8192, count: int = 200) -> float:
    """The CPU milliseconds (kernel's included) of writing one new file durably in `folder`.

    The least any archive that survives a crash does for an article: a temporary file
    created, `size` bytes written and fsync'd, then renamed into place. Plain `os` calls, not
    the project's code: a floor to set the crawl's archive writes against. The bare spider
    writes nothing, so its CPU an article leaves this out.
    """
    folder.mkdir(parents=True, exist_ok=True)
    data = b"x" * size
    started = time.process_time()
    for number in range(count):
        temporary = folder / f".durable-{number}.tmp"
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(handle, data)
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, folder / f"durable-{number}.md")
    return (time.process_time() - started) / count * 1e3
