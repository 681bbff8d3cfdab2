"""Every setting the project reads and every argument is checked before the first request:
a bad one is a usage error (exit 2) on one line that names it and says what it takes."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import default_settings

import crawler.settings
from crawler.settings_check import SETTINGS
from tests.documents import FIXTURES, scrapy

PAGE = FIXTURES / "sites" / "sina" / "finance-roll-2018-12-28-doc-ihqfskcn2160999.html"
# Nothing listens here: a check that let the run start would log a failed request.
NOWHERE = ("-s", "SINA_ROLL_API_URL=http://127.0.0.1:9/api/roll/get")

BAD_SETTINGS = {
    "SINA_ROLL_PAGE_SIZE=abc": "SINA_ROLL_PAGE_SIZE is 'abc': it takes a whole number ≥ 1",
    "SINA_ROLL_PAGE_SIZE=-5": "SINA_ROLL_PAGE_SIZE is '-5': it takes a whole number ≥ 1",
    "ARCHIVE_STATE_TIMEOUT=abc": "ARCHIVE_STATE_TIMEOUT is 'abc': it takes a number of seconds ≥ 0",
    "RETRY_AFTER_MAX_SECONDS=x": "RETRY_AFTER_MAX_SECONDS is 'x': it takes a number of seconds ≥ 0",
    "RETRY_BACKOFF_SECONDS=x": "RETRY_BACKOFF_SECONDS is 'x': it takes a number of seconds ≥ 0",
    "FEED_FULLTEXT_MIN_BLOCKS=x": "FEED_FULLTEXT_MIN_BLOCKS is 'x': it takes a whole number ≥ 0",
    "DOWNLOAD_TIMEOUT=abc": "DOWNLOAD_TIMEOUT is 'abc': it takes a number of seconds > 0",
    "DOWNLOAD_TIMEOUT=inf": "DOWNLOAD_TIMEOUT is 'inf': it takes a number of seconds > 0",
    "ARCHIVE_ENABLED=maybe": "ARCHIVE_ENABLED is 'maybe': it takes True or False",
    "REFRESH_MAX_ERRORS=abc": "REFRESH_MAX_ERRORS is 'abc': it takes a whole number ≥ 0",
    "REFRESH_MAX_ERRORS=-1": "REFRESH_MAX_ERRORS is '-1': it takes a whole number ≥ 0",
    "SINA_ROLL_API_URL=notaurl": "SINA_ROLL_API_URL is 'notaurl': it takes an http(s) URL",
    "DOWNLOAD_MAXSIZE=-1": (
        "DOWNLOAD_MAXSIZE is '-1': it takes a whole number of bytes (0: no limit) ≥ 0"
    ),
    "PAGE_POOL_PROCESSES=-1": (
        "PAGE_POOL_PROCESSES is '-1': it takes a whole number of processes ≥ 0"
    ),
    "REDIS_PARAMS=5": (
        "REDIS_PARAMS is '5': it takes a JSON object of keyword arguments, "
        'e.g. {"socket_timeout": 5}'
    ),
    "MARKDOWN_EXTRA_FIELDS=source_url": (
        "MARKDOWN_EXTRA_FIELDS is 'source_url': it takes a comma-separated list of some of: "
        "url, media_source, editor, doc_id"
    ),
}


def error_line(stderr: str) -> str:
    """The one line of a usage error (after Scrapy's usage lines)."""
    [line] = [line for line in stderr.splitlines() if ": error: " in line]
    return line.split(": error: ", 1)[1]


@pytest.mark.parametrize("command", ["crawl", "refresh"])
@pytest.mark.parametrize(("setting", "message"), BAD_SETTINGS.items(), ids=list(BAD_SETTINGS))
def test_a_bad_setting_is_a_usage_error_before_any_request(
    tmp_path: Path, command: str, setting: str, message: str
) -> None:
    spider = ("sina",) if command == "crawl" else ()
    result = scrapy(
        command, *spider, *NOWHERE, "-s", f"MARKDOWN_EXPORT_DIR={tmp_path}", "-s", setting
    )
    assert result.returncode == 2, result.stderr
    assert error_line(result.stderr) == message
    assert result.crawlers == []
    assert list(tmp_path.iterdir()) == []


def test_render_checks_the_settings_too() -> None:
    result = scrapy(
        "render", str(PAGE), "--url", "https://finance.sina.com.cn/", "-s", "DOWNLOAD_MAXSIZE=-1"
    )
    assert result.returncode == 2
    assert error_line(result.stderr).startswith("DOWNLOAD_MAXSIZE is '-1'")


BAD_USES = {
    "unknown spider": (
        ("crawl", "nosuchspider"),
        "no spider named 'nosuchspider' (known: feed, sina, sitemap)",
    ),
    "unknown argument": (
        ("crawl", "sina", "-a", "chanels=1686"),
        "spider sina has no argument 'chanels' (it takes channels, max_pages, since, refresh)",
    ),
    "no channel": (
        ("crawl", "sina", "-a", "channels=,,,"),
        "channels must name channel ids separated by commas (e.g. 1686,1687), or all, not ',,,'",
    ),
    "unclosed quote": (
        ("refresh", "-s", "REFRESH_SOURCES=sina channels='1686"),
        'REFRESH_SOURCES entry "sina channels=\'1686": No closing quotation',
    ),
    "render url": (
        ("render", str(PAGE), "--url", "http://[::1"),
        "--url: http://[::1 is not a URL (Invalid IPv6 URL)",
    ),
}


@pytest.mark.parametrize(("argv", "message"), BAD_USES.values(), ids=list(BAD_USES))
def test_a_bad_spider_name_or_argument_is_a_usage_error_on_one_line(
    tmp_path: Path, argv: tuple[str, ...], message: str
) -> None:
    result = scrapy(*argv, *NOWHERE, "-s", f"MARKDOWN_EXPORT_DIR={tmp_path}")
    assert result.returncode == 2, result.stderr
    assert error_line(result.stderr) == message
    assert "Traceback" not in result.stderr
    assert result.crawlers == []


def test_scrapyds_job_argument_is_accepted(tmp_path: Path) -> None:
    from crawler.commands import check_spider_arguments  # noqa: PLC0415
    from tests.inprocess import project_settings  # noqa: PLC0415

    assert check_spider_arguments(project_settings(), "sina", {"_job": "abc123", "max_pages": "2"})


def test_every_setting_of_the_project_has_a_kind_in_the_table() -> None:
    ours = {
        name
        for name in vars(crawler.settings)
        if name.isupper() and not hasattr(default_settings, name)
    }
    assert ours - {"REFRESH_SOURCES"} <= set(SETTINGS)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_the_projects_own_values_pass_the_check(name: str) -> None:
    from tests.inprocess import project_settings  # noqa: PLC0415

    settings = project_settings()
    value = settings.get(name)
    assert value is None or SETTINGS[name].valid(value, settings, name)
