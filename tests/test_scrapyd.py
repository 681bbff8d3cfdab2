"""Deployment on scrapyd: the project deployed with `scrapyd-deploy` to a real scrapyd.

scrapyd 1.6.0 and scrapyd-client 2.0.3 (development dependencies) run on 127.0.0.1 with a
free port; the project is deployed from a copy of this folder whose scrapy.cfg points at
that port, and `sina` is scheduled through `schedule.json` against the local mirror.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from scrapy.settings import Settings

from crawler.archive.run import archive_lock
from crawler.commands import check_spider_arguments
from tests.crawling import FAST, crawl, mirror_of
from tests.distributed import free_port
from tests.documents import ROOT, SINA_PAGES

# What a copy of the project leaves out: installs, caches, the archive.
NOT_COPIED = shutil.ignore_patterns(
    ".venv", ".git", "output", "__pycache__", ".*_cache", ".hypothesis", "build", "*.egg-info"
)
# scrapyd runs jobs with its own environment: no PYTHONPATH pointing at this folder.
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}


def test_the_arguments_scrapyd_adds_are_accepted_and_ignored(
    fixtures: Path, tmp_path: Path
) -> None:
    assert check_spider_arguments(Settings({"SPIDER_MODULES": ["crawler.spiders"]}), "sina", {
        "_job": "6487ec79947edab326d6db28a2d86511e8247444", "_version": "1733",
    })  # fmt: skip
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "_job=6487ec79", "-a", "_version=2")
    assert result.process.returncode == 0, result.log
    assert len(result.files()) == 3


def call(url: str, form: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """GET (or, with a form, POST) one of scrapyd's JSON endpoints."""
    data = urlencode(form).encode() if form is not None else None
    with urllib.request.urlopen(url, data=data, timeout=30) as answer:
        result: dict[str, Any] = json.load(answer)
    return result


@contextmanager
def scrapyd(folder: Path) -> Iterator[str]:
    """Run scrapyd on 127.0.0.1 (a free port) with its files in `folder`; yield its URL."""
    folder.mkdir(parents=True)
    port = free_port()
    (folder / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\n"
        "poll_interval = 0.2\nmax_proc = 1\n",
        encoding="utf-8",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "scrapyd"], cwd=folder, env=ENVIRONMENT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(200):
            try:
                call(url + "daemonstatus.json")
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("scrapyd did not answer")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def deploy(url: str, copy: Path) -> subprocess.CompletedProcess[str]:
    """Deploy a copy of the project with `scrapyd-deploy`, its target pointed at `url`."""
    shutil.copytree(ROOT, copy, symlinks=True, ignore=NOT_COPIED)
    config = copy / "scrapy.cfg"
    text = config.read_text(encoding="utf-8")
    assert "url = http://localhost:6800/" in text
    config.write_text(text.replace("http://localhost:6800/", url), encoding="utf-8")
    deployer = Path(sys.executable).with_name("scrapyd-deploy")
    return subprocess.run(
        [str(deployer)], cwd=copy, env=ENVIRONMENT, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def run_job(url: str, settings: dict[str, str], **arguments: str) -> str:
    """Schedule `sina` through schedule.json, wait until it finished; return its log."""
    form = [("project", "crawler"), ("spider", "sina"), *arguments.items()]
    form += [("setting", f"{name}={value}") for name, value in settings.items()]
    job = call(url + "schedule.json", form)
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        jobs = call(url + "listjobs.json?project=crawler")
        if any(each["id"] == job["jobid"] for each in jobs["finished"]):
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"job {job['jobid']} did not finish: {jobs}")
    return job["jobid"]  # type: ignore[no-any-return]


@pytest.mark.component
def test_scrapyd_deploys_the_project_and_a_scheduled_sina_job_writes_the_archive(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"  # absolute: scrapyd runs jobs in its own folder
    with scrapyd(tmp_path / "scrapyd") as url, mirror_of(fixtures) as mirror:
        deployed = deploy(url, tmp_path / "project")
        assert deployed.returncode == 0, deployed.stderr
        assert '"status": "ok"' in deployed.stdout + deployed.stderr
        assert "sina" in call(url + "listspiders.json?project=crawler")["spiders"]
        (egg,) = (tmp_path / "scrapyd" / "eggs" / "crawler").glob("*.egg")
        with zipfile.ZipFile(egg) as contents:
            names = set(contents.namelist())
        assert "crawler/distributed/coordinator.py" in names
        # The demo's pages are package data (through the crawler/demo/pages link).
        assert {f"crawler/demo/pages/{page.name}" for page in SINA_PAGES} <= names
        assert "crawler/demo/pages/roll-1686-page-1.json" in names
        settings = dict(pair.split("=", 1) for pair in FAST[1::2])
        settings["SINA_ROLL_API_URL"] = f"{mirror.origin}/api/roll/get"
        settings["MARKDOWN_EXPORT_DIR"] = str(archive)
        job = run_job(url, settings, max_pages="2")
        log = (tmp_path / "scrapyd" / "logs" / "crawler" / "sina" / f"{job}.log").read_text()
        assert "Spider closed (finished)" in log, log
        files = sorted(path.name for path in archive.rglob("*.md"))
        assert len(files) == 6
        assert "60万_12306账号_外泄_ 中铁总辟谣称消息不实.md" in files
        # A second job while another run holds the archive: refused, as on the command line.
        with archive_lock(archive):
            refused = run_job(url, settings)
        log = (tmp_path / "scrapyd" / "logs" / "crawler" / "sina" / f"{refused}.log").read_text()
    assert "another run is using the archive" in log and "not starting a second run" in log
    assert "Spider opened" not in log
