"""A series of runs killed (SIGKILL) at random moments, the state deleted before some and
headlines changed between them: after a final clean run, exactly one file per article."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.crawling import ScriptedMirror, against, crawl, mirror_of, start_crawl
from tests.documents import ROOT, split_document
from tests.test_refresh import NEW_PAGE, assert_state_agrees_with_files
from tests.test_state_recovery import KILLED_AFTER_RENAME, delete_the_state

ARTICLES = 12  # made up, listed on the first roll page before the fixtures' three
ROUNDS = 8


def publish(fixtures: Path, number: int, title: str) -> None:
    """Put made-up article `number` on the mirror with this headline."""
    doc_id = f"killser{number:02d}0000000"
    url = f"https://finance.sina.com.cn/roll/2026-11-28/doc-i{doc_id}.shtml"
    html = NEW_PAGE.format(
        published=f"2026-11-28T{number:02d}:15:00+08:00",
        doc_id=doc_id,
        title=title,
        text=f"这是连环中断测试第{number}篇文章的正文。",
    )
    (fixtures / f"series-{number}.html").write_text(html, encoding="utf-8")
    (fixtures / f"series-{number}.json").write_text(json.dumps({"url": url}), encoding="utf-8")


def list_articles(fixtures: Path, mtimes: dict[int, int]) -> None:
    """List the made-up articles, with these roll-API `mtime`s, above the fixtures' first page."""
    path = fixtures / "roll-1686-page-1.json"
    answer = json.loads(path.read_text(encoding="utf-8"))
    entries = [e for e in answer["result"]["data"] if "killser" not in e["url"]]
    made = [
        {
            "docid": f"comos:killser{number:02d}0000000",
            "url": f"https://finance.sina.com.cn/roll/2026-11-28/doc-ikillser{number:02d}0000000.shtml",
            "ctime": "1795000000",
            "intime": "1795000000",
            "mtime": str(mtime),
        }
        for number, mtime in mtimes.items()
    ]
    answer["result"]["data"] = made + entries
    path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")


def killed_at_random(mirror: ScriptedMirror, archive: Path, chance: random.Random) -> None:
    """Run a crawl and SIGKILL it: after a random delay, or right after a random file's rename."""
    if chance.random() < 0.5:
        process = start_crawl(mirror, archive, "-s", "CONCURRENT_REQUESTS=2")
        time.sleep(chance.uniform(1.0, 3.0))  # start-up takes about one second
        process.send_signal(signal.SIGKILL)
        process.communicate()
        return
    renames = str(chance.randint(1, 6))
    subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_RENAME, "crawl", "sina", *against(mirror, archive)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), "KILL_AFTER_RENAMES": renames},
    )  # fmt: skip


def test_runs_killed_at_random_with_the_state_deleted_leave_one_file_per_article(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    chance = random.Random(20261202)  # the same series every run
    titles = {number: f"连环中断第{number}篇" for number in range(ARTICLES)}
    mtimes = dict.fromkeys(range(ARTICLES), 1795000000)
    for number, title in titles.items():
        publish(fixtures, number, title)
    list_articles(fixtures, mtimes)
    with mirror_of(fixtures, page_delay=0.05) as mirror:
        for round_ in range(ROUNDS):
            if round_ % 3 == 2:
                delete_the_state(archive)
            for number in chance.sample(range(ARTICLES), 3):  # new headlines, new mtimes
                titles[number] = f"连环中断第{number}篇（第{round_}轮改题）"
                mtimes[number] += 60
                publish(fixtures, number, titles[number])
            list_articles(fixtures, mtimes)
            mirror.load_pages()
            killed_at_random(mirror, archive, chance)
            for path in archive.rglob("*.md"):  # whole files only, whenever the kill came
                text = path.read_text(encoding="utf-8")
                split_document(text)
                assert yaml.safe_load(text.split("\n---\n")[1])["title"]
        delete_the_state(archive)  # the worst case for the final run: nothing but the files
        final = crawl(mirror, archive)
    assert final.process.returncode == 0, final.log
    files = final.files()
    texts = [path.read_text(encoding="utf-8") for path in files]
    assert len(files) == ARTICLES + 3, [path.name for path in files]
    for number, title in titles.items():
        [text] = [text for text in texts if f"连环中断测试第{number}篇文章" in text]
        assert f"title: '{title}'\n" in text
    assert_state_agrees_with_files(archive)
