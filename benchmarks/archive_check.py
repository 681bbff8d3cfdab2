"""Benchmark: `scrapy archive check` (and `--repair`) over an archive of many articles.

Generates an archive of N articles (files and state rows, with refresh_archive.py's
builder), then runs `scrapy archive check` on it in a child process, sound and with one
fault of each kind planted, then `--repair` on the faulty one; prints for each run its
time, the child's peak RSS and its report's first line.

    .venv/bin/python benchmarks/archive_check.py [--articles 100000] [--archive DIR]

`--archive DIR` keeps the generated archive in DIR and reuses it when run again.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import load_average, machine_line  # noqa: E402
from benchmarks.refresh_archive import generate_archive  # noqa: E402
from crawler.archive.state import state_folder  # noqa: E402


def timed_check(root: Path, *options: str) -> None:
    """Run `scrapy archive check` on the archive and print what it took."""
    command = [
        sys.executable, "-m", "scrapy", "archive", "check", *options,
        "-s", f"MARKDOWN_EXPORT_DIR={root}", "--loglevel", "WARNING",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    launched = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.monotonic() - launched
    report = child.stdout.read().splitlines() if child.stdout else []
    print(f"  archive check {' '.join(options)}: exit {os.waitstatus_to_exitcode(status)}")
    print(f"    {report[0] if report else '(no report)'}")
    peak = usage.ru_maxrss / 1024
    print(f"    whole command: {elapsed:.2f}s; peak RSS {peak:.0f} MB; {load_average()}")


def plant_faults(root: Path) -> None:
    """Damage the archive once in each way the check knows."""
    files = sorted(path for path in root.rglob("*.md") if ".archive" not in path.parts)
    truncated, edited, copied, unrecorded, deleted = files[:5]
    truncated.write_bytes(truncated.read_bytes()[:100])
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("正文", "正文。"), encoding="utf-8"
    )
    shutil.copyfile(copied, copied.with_name(f"{copied.stem} (copy).md"))
    with closing(sqlite3.connect(state_folder(root) / "state.db")) as connection, connection:
        connection.execute(
            "DELETE FROM articles WHERE path = ?", (str(unrecorded.relative_to(root)),)
        )
    deleted.unlink()
    (copied.parent / ".left-by-a-kill.md.tmp").write_text("half", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--archive", type=Path, help="keep the archive here, and reuse it")
    args = parser.parse_args()

    print(machine_line())
    with tempfile.TemporaryDirectory() as folder:
        root = args.archive or Path(folder) / "archive"
        if not (state_folder(root) / "state.db").exists():
            started = time.monotonic()
            generator = multiprocessing.Process(target=generate_archive, args=(root, args.articles))
            generator.start()
            generator.join()
            print(f"generated {args.articles} articles in {time.monotonic() - started:.1f}s")
        print("a sound archive:")
        timed_check(root)
        # In a child, like the generation: a child forked from a big parent would report the
        # parent's pages in its own peak RSS.
        planter = multiprocessing.Process(target=plant_faults, args=(root,))
        planter.start()
        planter.join()
        print("one fault of each kind planted:")
        timed_check(root)
        timed_check(root, "--repair")
        print("after the repair:")
        timed_check(root)


if __name__ == "__main__":
    main()
