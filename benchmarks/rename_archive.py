"""Benchmark: the one-time move of an archive written with older file names to Hexo-safe ones.

Writes N article files and their state rows, named as the version before the Hexo-safe
rules named them, a tenth of them with a name those rules change (a `%`, a leading `#`);
then times `rename_to_hexo_safe` on it (the walk, the renames and the state updates), and
the next start, which only reads the mark the first one left.

    .venv/bin/python benchmarks/rename_archive.py [--articles 20000]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import load_average, machine_line  # noqa: E402
from crawler.archive.names import safe_name  # noqa: E402
from crawler.archive.rename import rename_to_hexo_safe  # noqa: E402
from crawler.archive.state import ArchiveState, state_folder  # noqa: E402

DATE = "Fri, 28 Dec 2018 11:56:29 GMT"


def old_name(title: str) -> str:
    """The name the previous rules gave these titles: `%` kept, a leading `#` as `_`."""
    return title.replace("#", "_") + ".md"


def generate(root: Path, count: int) -> None:
    """Write the archive: files and state rows, every tenth title one the rules change."""
    folder = root / "金融" / "新浪财经" / "新浪财经－国內"
    folder.mkdir(parents=True)
    rows = []
    for number in range(count):
        title = f"#道指涨{number}%" if number % 10 == 0 else f"基准测试文章第{number}篇"
        name = old_name(title) if number % 10 == 0 else safe_name(title, ".md")
        data = f"\n---\ntitle: '{title}'\ndate: {DATE}\n---\n\n<div>   \n<p>正文</p>  \n</div>\n"
        (folder / name).write_text(data, encoding="utf-8")
        rows.append(
            (f"sina:bench{number}", f"https://finance.sina.com.cn/{number}",
             str((folder / name).relative_to(root)), hashlib.sha256(data.encode()).hexdigest(),
             title, DATE, None, None, "now", "now")
        )  # fmt: skip
    state = ArchiveState.open(state_folder(root) / "state.db")
    with state.transaction():
        state.connection.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
    state.close()


def main() -> None:
    """Generate the archive, then time the first start (renames) and the next."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    count = parser.parse_args().articles
    print(machine_line())
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(root, count)
        state = ArchiveState.open(state_folder(root) / "state.db")
        started = time.perf_counter()
        renamed = rename_to_hexo_safe(state, root)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = rename_to_hexo_safe(state, root)
        second = time.perf_counter() - started
        state.close()
    print(f"{count} articles: first start renamed {renamed} files in {first:.2f}s "
          f"({first / count * 1e6:.0f} µs a file walked); next start renamed {again} in "
          f"{second * 1e3:.2f} ms; {load_average()}")  # fmt: skip


if __name__ == "__main__":
    main()
