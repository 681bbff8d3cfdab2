"""What the crawler reads from a file is bounded: a sources file is at most 1 MiB."""

from __future__ import annotations

from pathlib import Path

from tests.documents import scrapy


def test_a_sources_file_larger_than_a_mebibyte_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "feeds.toml"
    big.write_text("# a comment\n" * 100_000, encoding="utf-8")  # 1.2 MB of valid TOML
    result = scrapy("crawl", "feed", "-a", f"sources={big}")
    assert result.returncode == 2
    assert f"sources file {big} is larger than 1 MiB: not a sources file" in result.stderr


def test_an_endless_sources_file_is_refused_after_a_mebibyte() -> None:
    result = scrapy("crawl", "feed", "-a", "sources=/dev/zero")
    assert result.returncode == 2
    assert "sources file /dev/zero is larger than 1 MiB: not a sources file" in result.stderr
