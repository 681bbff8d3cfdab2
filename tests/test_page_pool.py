"""PAGE_POOL_PROCESSES: pages read in page processes, as the crawl's own process reads them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from crawler.page_pool import wait_for_exit
from crawler.render import project_settings
from tests.crawling import Crawl, add_page, crawl, mirror_of, roll_page, start_crawl
from tests.test_crawl_sina import NOT_AN_ARTICLE, PAGE_WITHOUT_BODY_TEXT, PAGE_WITHOUT_TITLE
from tests.test_fallback import UNKNOWN_LAYOUT
from tests.test_refresh import wait_for

BASE = "https://finance.sina.com.cn/roll/2024-01-02/"
# Stats that tell when and how a run ran, not what it did.
RUN_STATS = re.compile(
    r"^(start_time|finish_time|elapsed_time_seconds|memusage/|log_count/INFO$|.*_per_minute$)"
)
# A log line without its time: `[logger] LEVEL: message`.
LOG_LINE = re.compile(r"^\S+ \S+ (\[[^\]]+\] [A-Z]+: .*)$", re.MULTILINE)


def broken_and_odd_pages(fixtures: Path) -> dict[str, str]:
    """Add pages that fail each stage in its own way (and one read by the fallback); their URLs."""
    urls = {name: f"{BASE}doc-i{name}.shtml" for name in ("notitle", "nobody", "notarticle")}
    add_page(fixtures, "no-title", urls["notitle"], PAGE_WITHOUT_TITLE)
    add_page(fixtures, "no-body", urls["nobody"], PAGE_WITHOUT_BODY_TEXT)
    add_page(fixtures, "not-article", urls["notarticle"], NOT_AN_ARTICLE)
    urls["fallback"] = f"{BASE}doc-ifallback.shtml"
    add_page(fixtures, "fallback", urls["fallback"], UNKNOWN_LAYOUT.decode())
    urls["missing"] = f"{BASE}doc-imissing.shtml"  # the mirror answers 404
    return urls


def archive_of(result: Crawl) -> dict[str, bytes]:
    """The archive's files (but its state) by their path in it."""
    return {str(path.relative_to(result.archive)): path.read_bytes() for path in result.files()}


def what_it_did(result: Crawl) -> dict[str, object]:
    """The run's stats but those of its timing, memory and the pool's own."""
    return {
        name: value
        for name, value in result.stats.items()
        if not RUN_STATS.match(name) and not name.startswith("page_pool/")
    }


def told(result: Crawl) -> list[str]:
    """What the run logged about pages and articles, without times or its folder, sorted."""
    lines = LOG_LINE.findall(result.log.replace(str(result.archive), "<archive>"))
    return sorted(line for line in lines if "<http" in line and "Crawled (" not in line)


def test_page_processes_archive_count_and_log_what_one_process_does(
    fixtures: Path, tmp_path: Path
) -> None:
    urls = broken_and_odd_pages(fixtures)
    with mirror_of(fixtures, {"1686_2": roll_page(*urls.values())}) as mirror:
        alone = crawl(mirror, tmp_path / "alone", "-a", "max_pages=2")
        pooled = crawl(mirror, tmp_path / "pooled", "-a", "max_pages=2", "-s",
                       "PAGE_POOL_PROCESSES=2")  # fmt: skip
    assert alone.process.returncode == pooled.process.returncode == 0, pooled.log
    assert len(archive_of(alone)) == 4  # page 1's three articles and the fallback's
    assert archive_of(pooled) == archive_of(alone)
    assert what_it_did(pooled) == what_it_did(alone)
    # Counted in the page processes (the fallback, the validate stage) and in the crawl's.
    for name in ("extract/fallback/sina/title", "validate/dropped/no_title",
                 "sina/article/extraction_errors", "item_dropped_count"):  # fmt: skip
        assert pooled.stat(name) >= 1, name
    assert told(pooled) == told(alone)
    assert any("Generic fallback for" in line for line in told(pooled))  # a page process's line
    assert "Page pool: 2 page processes" in pooled.log
    assert pooled.stat("page_pool/process_deaths") == 0


def killer_settings(killer: str, flag: Path) -> tuple[str, ...]:
    """The project's item pipelines with a killer among the page's stages."""
    pipelines = {**project_settings().getdict("ITEM_PIPELINES"), f"tests.page_killers.{killer}": 60}
    return (
        "-s", "PAGE_POOL_PROCESSES=2", "-s", f"ITEM_PIPELINES={json.dumps(pipelines)}",
        "-s", f"KILLER_FLAG_FILE={flag}",
    )  # fmt: skip


def test_a_page_process_that_dies_is_replaced_and_its_pages_read_again(
    fixtures: Path, tmp_path: Path
) -> None:
    killer = f"{BASE}doc-ikill.shtml"
    add_page(fixtures, "kill", killer, UNKNOWN_LAYOUT.decode())
    with mirror_of(fixtures, {"1686_2": roll_page(killer)}) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "max_pages=2",
                       *killer_settings("KillOnce", tmp_path / "killed"))  # fmt: skip
    assert result.process.returncode == 0, result.log
    assert (tmp_path / "killed").exists()  # it did kill one
    assert result.stat("page_pool/process_deaths") == 1
    assert "A page process died" in result.log
    assert result.stat("markdown/written") == 4  # page 1's three and the one it died on
    assert result.stat("sina/article/lost_pages") == 0


def test_a_page_that_kills_every_process_reading_it_costs_itself_only(
    fixtures: Path, tmp_path: Path
) -> None:
    killer = f"{BASE}doc-ikill.shtml"
    add_page(fixtures, "kill", killer, UNKNOWN_LAYOUT.decode())
    others = [f"{BASE}doc-iother{n}.shtml" for n in range(3)]
    for n, url in enumerate(others):
        add_page(fixtures, f"other-{n}", url, UNKNOWN_LAYOUT.decode().replace("走高", f"走高{n}"))
    with mirror_of(fixtures, {"1686_2": roll_page(killer, *others)}) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "max_pages=2",
                       *killer_settings("KillAlways", tmp_path / "killed"))  # fmt: skip
    assert result.process.returncode == 0, result.log
    assert result.stat("sina/article/lost_pages") == 1
    assert re.search(
        r"ERROR: Page lost <\S+doc-ikill\.shtml>: a page process died reading it, twice", result.log
    )
    assert result.stat("page_pool/process_deaths") == 2  # among the others, then alone
    assert result.stat("markdown/written") == 6  # page 1's three and the three others


def family(pid: int) -> list[int]:
    """A process's children, theirs, and so on (Linux's /proc/<pid>/task/<pid>/children)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [pid for child in map(int, children) for pid in (child, *family(child))]


def running(pid: int) -> bool:
    """Tell whether a process runs (a zombie has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_crawl_leaves_no_page_process_behind(fixtures: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures, page_delay=0.5) as mirror:
        process = start_crawl(mirror, archive, "-a", "max_pages=2", "-s", "CONCURRENT_REQUESTS=1",
                              "-s", "PAGE_POOL_PROCESSES=1")  # fmt: skip
        wait_for(lambda: any(archive.rglob("*.md")))  # its page process has read a page
        helpers = family(process.pid)  # the fork server, its page process, the tracker
        assert len(helpers) >= 2, helpers
        process.send_signal(signal.SIGKILL)
        process.wait()  # not communicate(): a page process left behind would hold its pipes
        wait_for(lambda: not any(map(running, helpers)), seconds=10)
        for pipe in (process.stdout, process.stderr):
            assert pipe is not None
            pipe.close()


def test_ctrl_c_stops_a_crawl_and_its_page_processes_with_whole_files(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures, page_delay=0.5) as mirror:
        process = start_crawl(mirror, archive, "-a", "max_pages=2", "-s", "CONCURRENT_REQUESTS=1",
                              "-s", "PAGE_POOL_PROCESSES=1")  # fmt: skip
        wait_for(lambda: any(archive.rglob("*.md")))
        helpers = family(process.pid)
        # Ctrl-C reaches the whole process group; here, the crawl and each of its helpers.
        for pid in (process.pid, *helpers):
            os.kill(pid, signal.SIGINT)
        _, log = process.communicate(timeout=60)
    assert process.returncode == 0, log
    assert "Received SIGINT, shutting down gracefully" in log
    assert "A page process died" not in log  # they ignore it: the crawl stops them
    assert not any(map(running, helpers))
    files = [path for path in archive.rglob("*.md") if ".archive" not in path.parts]
    assert 1 <= len(files) < 6
    assert not list(archive.rglob("*.tmp"))


@pytest.mark.parametrize("told_by", ["pidfd", "polling"])
def test_a_page_process_tells_when_the_crawl_has_ended(
    told_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if told_by == "polling":  # as on a system without pidfds (not Linux, or before 5.3)
        monkeypatch.delattr(os, "pidfd_open")
    crawl_process = subprocess.Popen(["sleep", "60"])
    waiting = threading.Thread(target=wait_for_exit, args=(crawl_process.pid,), daemon=True)
    waiting.start()
    waiting.join(timeout=1.5)
    assert waiting.is_alive()  # the crawl runs: still waiting
    crawl_process.kill()
    crawl_process.wait()
    waiting.join(timeout=5)
    assert not waiting.is_alive()
    wait_for_exit(crawl_process.pid)  # ended before the wait began: returns at once
