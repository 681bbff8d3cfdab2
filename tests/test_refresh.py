"""Scheduled refresh, end to end: only what is new or changed, no duplicates, no breakage."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import signal
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from scrapy.utils.test import get_crawler

from crawler.archive.run import LOCKED_EXIT_STATUS
from crawler.archive.state import ArchiveState
from crawler.items import Article
from crawler.mirror import Mirror, Route, mirror_path
from pipelines.dedupe import ArchivedByAnotherSource, CrossSourceDedupePipeline
from pipelines.export import MarkdownExportPipeline
from tests.crawling import Crawl, add_page, crawl, mirror_of, refresh, start_crawl
from tests.documents import split_document

USSTOCK_URL = "https://finance.sina.com.cn/stock/usstock/c/2019-09-09/doc-iicezzrq4681677.shtml"
OLD_TEXT = "负收益率的长期债券。"
NEW_TEXT = "负收益率的长期债券（本文已更新）。"

NEW_PAGE = """<html><head><meta charset="utf-8">
<meta property="article:published_time" content="{published}">
<meta name="publishid" content="{doc_id}"></head>
<body><h1 class="main-title">{title}</h1>
<div class="article" id="artibody"><p>　　{text}</p>
<p class="article-editor">责任编辑：测试</p></div></body></html>"""


def article_requests(mirror: Mirror) -> int:
    """Count the requests the mirror answered for article pages."""
    return sum(
        count
        for path, count in mirror.requests.items()
        if not path.startswith(("/api/", "/robots.txt"))
    )


def modification_times(result: Crawl) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in result.files()}


def edit_roll(fixtures: Path, page: int, edit: object) -> None:
    """Change a made-up roll API answer in the test's copy of the fixtures."""
    path = fixtures / f"roll-1686-page-{page}.json"
    answer = json.loads(path.read_text(encoding="utf-8"))
    edit(answer["result"]["data"])  # type: ignore[operator]
    path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")


def bump_mtime(url: str) -> object:
    def edit(entries: list[dict[str, str]]) -> None:
        for entry in entries:
            if entry["url"] == url:
                entry["mtime"] = str(int(entry["mtime"]) + 3600)

    return edit


def add_new_article(fixtures: Path, number: int) -> dict[str, str]:
    """Publish a made-up article on the mirror and return its roll entry."""
    doc_id = f"newart{number}00000000"
    url = f"https://finance.sina.com.cn/roll/2026-11-28/doc-i{doc_id}.shtml"
    html = NEW_PAGE.format(
        published=f"2026-11-28T0{number}:00:00+08:00",
        doc_id=doc_id,
        title=f"新文章第{number}篇",
        text=f"这是第{number}篇新文章的正文。",
    )
    add_page(fixtures, f"new-{number}", url, html)
    stamp = str(1795000000 + number)
    return {"docid": f"comos:{doc_id}", "url": url, "ctime": stamp, "mtime": stamp, "intime": stamp}


def test_a_run_with_nothing_changed_requests_no_article_and_rewrites_nothing(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        first = crawl(mirror, archive, "-a", "max_pages=2")
        assert len(first.files()) == 6
        before = modification_times(first)
        mirror.requests.clear()
        second = crawl(mirror, archive, "-a", "max_pages=2")
    assert second.process.returncode == 0, second.log
    assert article_requests(mirror) == 0
    assert mirror.requests["/api/roll/get"] == 1  # page 1 only: it lists nothing new
    assert modification_times(second) == before
    assert second.stat("archive/listed_unchanged") == 3


def test_a_changed_article_is_rewritten_and_new_ones_added_the_rest_untouched(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        first = crawl(mirror, archive)
        before = modification_times(first)
        new_entries = [add_new_article(fixtures, 1), add_new_article(fixtures, 2)]
        page = fixtures / "finance-usstock-2019-09-09-doc-iicezzrq4681677.html"
        page.write_text(page.read_text(encoding="utf-8").replace(OLD_TEXT, NEW_TEXT), "utf-8")
        mirror.load_pages()
        edit_roll(fixtures, 1, bump_mtime(USSTOCK_URL))
        edit_roll(fixtures, 1, lambda entries: entries.__setitem__(slice(0, 0), new_entries))
        third = crawl(mirror, archive)
    assert third.process.returncode == 0, third.log
    after = modification_times(third)
    assert len(after) == len(before) + 2
    rewritten = [path for path in before if after[path] != before[path]]
    assert [path.name for path in rewritten] == [
        "债券市场是否存在泡沫？世界知名首席投资官们这么说.md"
    ]
    assert NEW_TEXT in rewritten[0].read_text(encoding="utf-8")
    added = sorted(path.name for path in set(after) - set(before))
    assert added == ["新文章第1篇.md", "新文章第2篇.md"]
    assert third.stat("markdown/updated") == 1
    assert third.stat("markdown/written") == 2


def test_a_new_mtime_with_the_same_content_is_fetched_but_not_rewritten(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        before = modification_times(crawl(mirror, archive))
        edit_roll(fixtures, 1, bump_mtime(USSTOCK_URL))
        mirror.requests.clear()
        again = crawl(mirror, archive)
    assert mirror.requests[mirror_path(USSTOCK_URL)] == 1
    assert article_requests(mirror) == 1
    assert modification_times(again) == before
    assert again.stat("markdown/unchanged") == 1


def test_an_article_whose_title_changed_keeps_its_file(fixtures: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    old_title, new_title = (
        "债券市场是否存在泡沫？世界知名首席投资官们这么说",
        "债市泡沫之问：首席投资官们怎么看",
    )
    with mirror_of(fixtures) as mirror:
        before = modification_times(crawl(mirror, archive))
        page = fixtures / "finance-usstock-2019-09-09-doc-iicezzrq4681677.html"
        page.write_text(page.read_text(encoding="utf-8").replace(old_title, new_title), "utf-8")
        mirror.load_pages()
        edit_roll(fixtures, 1, bump_mtime(USSTOCK_URL))
        after = crawl(mirror, archive)
    files = after.files()
    assert sorted(files) == sorted(before)  # same paths: no new file, none renamed
    kept = next(path for path in files if path.name == f"{old_title}.md")
    assert f"title: '{new_title}'\n" in kept.read_text(encoding="utf-8")
    assert after.stat("markdown/updated") == 1


def test_a_lost_state_is_rebuilt_from_the_files_without_duplicates(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        first = crawl(mirror, archive, "-a", "max_pages=2")
        names = sorted(path.name for path in first.files())
        for state_file in (archive / ".archive").glob("state.db*"):
            state_file.unlink()
        rebuilt = crawl(mirror, archive, "-a", "max_pages=2")
        mirror.requests.clear()
        settled = crawl(mirror, archive, "-a", "max_pages=2")
    assert "Archive state" in rebuilt.log and "rebuilt from 6 files" in rebuilt.log
    assert sorted(path.name for path in rebuilt.files()) == names
    assert rebuilt.stat("markdown/unchanged") == 6
    assert rebuilt.stat("markdown/written") == 0
    assert article_requests(mirror) == 0  # the rebuilt state now knows every article
    assert sorted(path.name for path in settled.files()) == names


def assert_state_agrees_with_files(archive: Path) -> None:
    """Every article the state records is in its file, with the recorded content."""
    with closing(sqlite3.connect(archive / ".archive" / "state.db")) as state:
        rows = state.execute("SELECT path, content_hash FROM articles").fetchall()
    for path, content_hash in rows:
        assert hashlib.sha256((archive / path).read_bytes()).hexdigest() == content_hash


def wait_for(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_run_killed_mid_crawl_leaves_whole_files_and_the_next_run_completes(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures, page_delay=0.5) as mirror:
        # One request at a time: the kill lands after the first file, long before the sixth.
        process = start_crawl(mirror, archive, "-a", "max_pages=2", "-s", "CONCURRENT_REQUESTS=1")
        wait_for(lambda: any(archive.rglob("*.md")))
        process.send_signal(signal.SIGKILL)
        process.communicate()
        killed = sorted(path for path in archive.rglob("*.md") if ".archive" not in path.parts)
        assert 1 <= len(killed) < 6
        for path in killed:
            text = path.read_text(encoding="utf-8")
            split_document(text)  # the whole wrapper is there
            assert yaml.safe_load(text.split("\n---\n")[1])["title"]
        assert (archive / ".archive" / "lock").exists()  # left behind by the killed run
        assert_state_agrees_with_files(archive)
        mirror.page_delay = 0
        after = crawl(mirror, archive, "-a", "max_pages=2")
    assert after.process.returncode == 0, after.log
    files = after.files()
    assert len(files) == 6
    assert len({path.read_text(encoding="utf-8").split("\n")[2] for path in files}) == 6
    assert not list(archive.rglob("*.tmp"))
    assert_state_agrees_with_files(archive)


def test_a_second_run_on_the_same_archive_exits_at_once_with_the_lock_status(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures, page_delay=4.0) as mirror:
        first = start_crawl(mirror, archive)
        wait_for(lambda: mirror.requests["/api/roll/get"] >= 1)
        started = time.monotonic()
        second = crawl(mirror, archive)
        elapsed = time.monotonic() - started
        _, first_err = first.communicate(timeout=120)
    assert second.process.returncode == LOCKED_EXIT_STATUS
    assert "another run is using the archive" in second.log
    assert "not starting a second run" in second.log
    assert elapsed < 30  # it did not wait for the first run
    assert first.returncode == 0, first_err
    assert len(second.files()) == 3  # the first run's files, nothing from the second


def test_since_walks_back_through_list_pages_until_that_date(
    fixtures: Path, tmp_path: Path
) -> None:
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, tmp_path / "archive", "-a", "since=2019-01-01")
    assert result.process.returncode == 0, result.log
    # Page 1 lists 2021-06-16, 2019-11-25, 2019-09-09; page 2 starts 2019-09-07 and then
    # reaches 2018-12-28, older than `since`: no page 3.
    assert len(result.files()) == 4
    assert mirror.requests["/api/roll/get"] == 2


def test_refresh_all_fetches_every_listed_article_again_but_rewrites_nothing(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        before = modification_times(crawl(mirror, archive))
        mirror.requests.clear()
        again = crawl(mirror, archive, "-a", "refresh=all")
    assert article_requests(mirror) == 3
    assert modification_times(again) == before


def test_a_long_backfill_pauses_and_resumes_with_jobdir(fixtures: Path, tmp_path: Path) -> None:
    archive, jobdir = tmp_path / "archive", tmp_path / "job"
    settings = ("-s", f"JOBDIR={jobdir}", "-a", "max_pages=2", "-s", "CONCURRENT_REQUESTS=1")
    with mirror_of(fixtures) as mirror:
        paused = crawl(mirror, archive, *settings, "-s", "CLOSESPIDER_ITEMCOUNT=2")
        assert paused.stats["finish_reason"] == "closespider_itemcount"
        assert 2 <= len(paused.files()) < 6
        resumed = crawl(mirror, archive, *settings)
    assert resumed.process.returncode == 0, resumed.log
    assert len(resumed.files()) == 6


def test_refresh_runs_every_refresh_source_and_prints_one_summary_line(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        first = refresh(mirror, archive)
        second = refresh(mirror, archive)
    assert first.process.returncode == 0, first.log
    assert first.process.stdout.startswith(
        "refresh: 3 new, 0 updated, 0 unchanged, 0 dropped, 0 errors in "
    )
    assert first.process.stdout.count("\n") == 1
    assert second.process.returncode == 0, second.log
    assert second.process.stdout.startswith(
        "refresh: 0 new, 0 updated, 3 unchanged, 0 dropped, 0 errors in "
    )


def test_refresh_sources_setting_chooses_spiders_and_arguments(
    fixtures: Path, tmp_path: Path
) -> None:
    with mirror_of(fixtures) as mirror:
        result = refresh(
            mirror, tmp_path / "archive", "-s", "REFRESH_SOURCES=sina channels=1686 max_pages=2"
        )
    assert result.process.returncode == 0, result.log
    assert result.process.stdout.startswith("refresh: 6 new,")


@pytest.mark.parametrize(
    ("answer", "failure"),
    [
        (Route(b"<html>busy</html>", "text/html"), "1 errors (REFRESH_MAX_ERRORS is 0)"),
        (Route(b"down", "text/plain", 503), "1 errors (REFRESH_MAX_ERRORS is 0)"),
    ],
    ids=["garbage", "http-503"],
)
def test_refresh_fails_when_the_api_answers_garbage_or_errors(
    fixtures: Path, tmp_path: Path, answer: Route, failure: str
) -> None:
    with mirror_of(fixtures, {"1686_1": answer}) as mirror:
        result = refresh(mirror, tmp_path / "archive")
    assert result.process.returncode == 1
    assert result.process.stdout.startswith("refresh: 0 new, 0 updated, 0 unchanged, 0 dropped")
    assert f"FAILED: {failure}" in result.process.stdout


def test_refresh_fails_when_the_server_is_down(fixtures: Path, tmp_path: Path) -> None:
    with mirror_of(fixtures) as mirror:
        pass  # the mirror is stopped: its port refuses connections
    result = refresh(mirror, tmp_path / "archive")
    assert result.process.returncode == 1
    assert "errors (REFRESH_MAX_ERRORS is 0)" in result.process.stdout
    assert "Connection was refused" in result.log or "Connection refused" in result.log


def test_refresh_tolerates_errors_up_to_the_threshold(fixtures: Path, tmp_path: Path) -> None:
    with mirror_of(fixtures, {"1686_1": Route(b"garbage")}) as mirror:
        result = refresh(mirror, tmp_path / "archive", "-s", "REFRESH_MAX_ERRORS=1")
    assert result.process.returncode == 0
    assert "FAILED" not in result.process.stdout


def test_refresh_with_an_unknown_source_is_a_usage_error(fixtures: Path, tmp_path: Path) -> None:
    with mirror_of(fixtures) as mirror:
        result = refresh(mirror, tmp_path / "archive", "-s", "REFRESH_SOURCES=nosuchspider")
    assert result.process.returncode == 2
    assert "refresh source nosuchspider: no spider named 'nosuchspider'" in result.log


def test_refresh_exits_with_the_lock_status_while_a_crawl_runs(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures, page_delay=4.0) as mirror:
        running = start_crawl(mirror, archive)
        wait_for(lambda: mirror.requests["/api/roll/get"] >= 1)
        result = refresh(mirror, archive)
        running.communicate(timeout=120)
    assert result.process.returncode == LOCKED_EXIT_STATUS
    assert "another run is using the archive" in result.log


def test_listing_marks_are_remembered_per_listing(tmp_path: Path) -> None:
    state = ArchiveState.open(tmp_path / "state.db")
    assert state.listing_mark("sitemap:a") is None
    state.set_listing_mark("sitemap:a", "2024-01-02T00:00:00+00:00")
    state.set_listing_mark("sitemap:b", "2023-01-01T00:00:00+00:00")
    assert state.listing_mark("sitemap:a") == "2024-01-02T00:00:00+00:00"
    assert state.begin_listing("sitemap:a") is False  # marked, never finished
    assert state.listing_mark("sitemap:a") == "2024-01-02T00:00:00+00:00"
    state.close()


def test_an_article_archived_by_one_source_is_not_rewritten_by_another(tmp_path: Path) -> None:
    crawler = get_crawler(
        settings_dict={
            "MARKDOWN_EXPORT_DIR": str(tmp_path),
            "EXTENSIONS": {"crawler.archive.extension.ArchiveExtension": 100},
        }
    )
    pipeline = MarkdownExportPipeline.from_crawler(crawler)
    dedupe = CrossSourceDedupePipeline.from_crawler(crawler)
    assert pipeline.state is not None
    url = "https://finance.sina.com.cn/roll/2024-01-02/doc-iabc.shtml"
    from_roll = Article(
        url=url, key="sina:abc", site="新浪财经", site_key="sina", doc_id="abc", channel="1686",
        categories=("金融", "新浪财经", "新浪财经－国內"), title="同一篇文章",
        published=datetime(2024, 1, 2, tzinfo=UTC), lead_image="https://n.sinaimg.cn/a.jpg",
        body_html="<p>　　页面上的正文。</p>",
    )  # fmt: skip
    from_feed = dataclasses.replace(
        from_roll, key=url, site_key="", doc_id="", url=url + "#from-feed",
        body_html="<p>　　订阅源里的正文。</p>",
    )  # fmt: skip
    pipeline.process_item(dedupe.process_item(from_roll))
    with pytest.raises(ArchivedByAnotherSource):
        pipeline.process_item(dedupe.process_item(from_feed))
    [only] = list(tmp_path.rglob("*.md"))
    assert "页面上的正文" in only.read_text(encoding="utf-8")
    assert crawler.stats is not None
    assert crawler.stats.get_value("archive/archived_by_another_source") == 1
    assert pipeline.state.count() == 1
    dedupe.state.close()  # the pipelines share the crawl's one
