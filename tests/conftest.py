"""Shared pytest fixtures, and the reactor that in-process crawls run in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import reactor
from tests.documents import FIXTURES


def pytest_configure(config: pytest.Config) -> None:
    """Install Scrapy's reactor before any test module can import another one."""
    reactor.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the reactor, if a test ran it."""
    reactor.stop()


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    """A private copy of the Sina fixtures, free to be changed by a test."""
    folder = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / "sites" / "sina", folder)
    return folder
