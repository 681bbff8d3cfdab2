"""The README tells the truth: its tables, sample and commands match the code."""

from __future__ import annotations

import importlib.util
import inspect
import re
import subprocess
from types import ModuleType

from crawler import settings as loaded_settings
from crawler.sites import site_named
from crawler.spiders.sina import SinaSpider
from tests.documents import FIXTURES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
PROJECT_PREFIXES = (
    "MARKDOWN_", "SINA_", "DEMO_", "ARCHIVE_", "REFRESH_", "MISLABELLED_UTF8_",
    "CHARSET_GUESS_", "RETRY_AFTER_", "RETRY_BACKOFF_", "FEED_FULLTEXT_", "MONITOR_",
    "SPIDERMON_", "RUN_REPORT_", "PROGRESS_", "HEXO_", "DISTRIBUTED_", "REDIS_URL", "REDIS_PARAMS",
    "PAGE_POOL_",
)  # fmt: skip


def settings_as_written() -> ModuleType:
    """The project's settings module as its file sets them (tests/conftest.py changes one)."""
    spec = importlib.util.spec_from_file_location("settings_as_written", loaded_settings.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


settings = settings_as_written()


def table_rows(heading: str) -> list[list[str]]:
    """Return the cells of the first table after a heading."""
    section = README.split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # past the header and the --- line


def test_settings_table_lists_every_project_setting_with_its_default() -> None:
    rows = {row[0]: row[1] for row in table_rows("### Settings")}
    names = {name for name in vars(settings) if name.startswith(PROJECT_PREFIXES)}
    assert set(rows) == names
    for name in names:
        value = getattr(settings, name)
        assert rows[name] == (str(value) if value or not isinstance(value, list) else "[]"), name


def test_spider_arguments_table_lists_every_argument_of_the_spider() -> None:
    rows = [row[0] for row in table_rows("### Spider arguments")]
    arguments = inspect.signature(SinaSpider.read_arguments).parameters
    assert rows == list(arguments)


def test_channels_table_matches_the_declared_channels() -> None:
    rows = table_rows("### Channels")
    declared = [
        [c.id, c.params["pageid"], c.name, c.categories[2]] for c in site_named("sina").channels
    ]
    assert rows == declared


def test_sample_output_is_the_file_written_for_that_page() -> None:
    sample = README.split("## What you get", 1)[1].split("```\n", 2)[1]
    expected = (
        FIXTURES / "sites" / "sina" / "finance-roll-2018-12-28-doc-ihqfskcn2160999.expected.md"
    ).read_text(encoding="utf-8")
    assert sample == expected.removesuffix(" " * 12)


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(.+?)\n```", README)
    assert commands[:2] == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci.splitlines()  # a command of its own, not under a condition


def test_no_merge_conflict_marker_is_left_in_any_tracked_file() -> None:
    """A merge that left <<<<<<< or >>>>>>> lines behind (once in .gitignore) shows here."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    marked = []
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_bytes().splitlines(), 1):
            if line.startswith((b"<<<<<<< ", b">>>>>>> ")):
                marked.append(f"{name.decode()}:{number}")
    assert not marked
