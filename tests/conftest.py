"""Shared pytest fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.documents import FIXTURES


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    """A private copy of the Sina fixtures, free to be changed by a test."""
    folder = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / "sites" / "sina", folder)
    return folder
