"""Benchmark: the instructions one pass of `extraction_speed.py`'s rendering costs (callgrind).

Every real fixture page rendered as `extraction_speed.py` renders it (`PageRenderer.render`:
the response from the saved bytes and headers, the profile's parser, the item pipelines,
the document), by a child process under `valgrind --tool=callgrind`, `--passes` A and B
times over all the pages; the difference of the two counts over B − A is one pass, start-up
cancelled out. Instruction counts do not move with the load of a shared machine, so two
trees (`--tree`, each with its own fixture pages) or two commits compare to a fraction of a
per cent, where the CPU times `extraction_speed.py` takes move by several. They are not
times: libxml2's parse runs at several times the instructions a cycle of Python code.

    .venv/bin/python benchmarks/extraction_instructions.py [--passes 1 3] [--tree DIR]

Needs valgrind (Debian package `valgrind`); takes about a minute at the defaults.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import machine_line, work_folder  # noqa: E402
from benchmarks.crawl_instructions import counted, under_callgrind  # noqa: E402

# Run in the tree counted: its code and its fixture pages.
RENDER_LOOP = """
import sys
sys.path.insert(0, sys.argv[2])
from benchmarks.quality import our_renderer, real_pages
renderer, pages = our_renderer(), real_pages()
bodies = [(page, page.body()) for page in pages]
for _ in range(int(sys.argv[1])):
    for page, body in bodies:
        renderer.render(body, page.url, page.headers, page.site, page.site_channel)
print(len(pages))
"""


def counting(passes: int, tree: Path, out: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start the child that renders every page `passes` times under callgrind."""
    command = [sys.executable, "-c", RENDER_LOOP, str(passes), str(tree)]
    return subprocess.Popen(
        under_callgrind(command, out), cwd=tree, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def main() -> None:
    """Count both runs side by side and print the instructions of one pass."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passes", type=int, nargs=2, default=(1, 3), metavar=("A", "B"))
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to count")
    args = parser.parse_args()
    low, high = args.passes
    if not 0 < low < high:
        parser.error(f"--passes needs 0 < A < B, not {low} {high}")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (Debian package `valgrind`)")
    tree = args.tree.resolve()
    print(machine_line())
    # The same hash seed in both runs: sets and dicts of strings iterate in the same order.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    with work_folder() as folder:
        outs = {count: Path(folder) / f"callgrind-{count}.out" for count in (low, high)}
        children = {count: counting(count, tree, out, env) for count, out in outs.items()}
        pages = ""
        for count, child in children.items():
            stdout, stderr = child.communicate()
            if child.returncode != 0:
                raise SystemExit(f"the run of {count} passes failed:\n{stderr[-2000:]}")
            pages = stdout.strip()
        per_pass = (counted(outs[high]) - counted(outs[low])) / (high - low)
    print(f"{tree}: {pages} pages; {per_pass / 1e6:.1f} M instructions a pass")


if __name__ == "__main__":
    main()
