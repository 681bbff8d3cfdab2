"""Shared pytest fixtures, the reactor that in-process crawls run in, and the guard of the
project's own archive folder (`output/`), which no test may touch."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from crawler import settings
from tests import reactor
from tests.documents import FIXTURES

# The project's default archive: a developer's real one, after `make demo` or a crawl.
PROJECT_ARCHIVE = Path(__file__).resolve().parent.parent / "output"
_BEFORE = pytest.StashKey[dict[str, tuple[int, int]]]()
# Where this process's crawls built from the project's settings archive by default.
DEFAULT_ARCHIVE = Path(tempfile.mkdtemp(prefix="tests-default-archive-"))


def pytest_configure(config: pytest.Config) -> None:
    """Install Scrapy's reactor; point the project's default archive away from `output/`.

    Both happen before any test module is imported: one could import another reactor, and
    many read the project's settings as they load. A test that builds a crawl from the
    project's settings without naming its archive writes into a folder of its own process.
    """
    reactor.install()
    settings.MARKDOWN_EXPORT_DIR = str(DEFAULT_ARCHIVE)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the reactor, if a test ran it; remove the default archive of this process."""
    reactor.stop()
    shutil.rmtree(DEFAULT_ARCHIVE, ignore_errors=True)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Note what the project's archive folder holds (in the process that runs the session)."""
    if not hasattr(session.config, "workerinput"):
        session.config.stash[_BEFORE] = folder_contents(PROJECT_ARCHIVE)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run if any test changed the project's archive folder."""
    before = session.config.stash.get(_BEFORE, None)
    if before is None:
        return
    after = folder_contents(PROJECT_ARCHIVE)
    changed = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"tests changed the project's archive folder {PROJECT_ARCHIVE}: " + ", ".join(
            changed[:10]
        )
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def folder_contents(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file under a folder, by its path in it: its size and modification time."""
    contents = {}
    for parent, _, names in os.walk(folder):
        for name in names:
            path = Path(parent, name)
            try:
                status = path.stat()
            except OSError:  # gone meanwhile
                continue
            contents[str(path.relative_to(folder))] = (status.st_size, status.st_mtime_ns)
    return contents


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    """A private copy of the Sina fixtures, free to be changed by a test."""
    folder = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / "sites" / "sina", folder)
    return folder
