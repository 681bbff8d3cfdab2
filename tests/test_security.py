"""Production settings: nothing listens, only http(s) is fetched, certificates are checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crawler import settings
from tests.crawling import crawl, mirror_of, roll_page
from tests.documents import ROOT, scrapy

# What Scrapy's extension manager does at every start: it loads every class its lists enable.
LOAD_EXTENSIONS = """
import sys
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
for path in build_component_list(get_project_settings().getwithbase("EXTENSIONS")):
    load_object(path)
print(sorted(name for name in ("aiohttp", "scrapy.extensions.telnet",
                               "scrapy.extensions.remote_control") if name in sys.modules))
"""


def test_the_project_cannot_download_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("<p>top secret</p>", encoding="utf-8")
    result = scrapy("fetch", "--nolog", secret.as_uri())
    assert "top secret" not in result.stdout


def test_a_listed_file_url_is_never_read(fixtures: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text(
        '<h1 class="main-title">秘密</h1><div id="artibody"><p>　　不该读到。</p></div>',
        encoding="utf-8",
    )
    with mirror_of(
        fixtures, {"1686_1": roll_page(secret.as_uri(), "data:text/html,<p>x</p>")}
    ) as m:
        result = crawl(m, tmp_path / "archive")
    assert result.process.returncode == 0, result.log
    assert result.files() == []
    assert "不该读到" not in result.log


def test_a_crawl_opens_no_telnet_console_or_remote_control(fixtures: Path, tmp_path: Path) -> None:
    with mirror_of(fixtures) as mirror:
        result = crawl(mirror, tmp_path / "archive")
    assert "Telnet console listening" not in result.log
    assert "Remote control" not in result.log
    assert "TelnetConsole" not in result.log


def test_the_telnet_console_and_remote_control_are_not_even_imported() -> None:
    # Not loaded at all, so nothing of theirs can listen, and the remote control's aiohttp
    # is not imported at every start (docs/benchmarks.md).
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_EXTENSIONS],
        cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""}, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert loaded.stdout.strip() == "[]", loaded.stdout


def test_tls_certificates_are_verified_and_page_size_is_bounded() -> None:
    assert settings.DOWNLOAD_VERIFY_CERTIFICATES is True
    assert settings.DOWNLOAD_HANDLERS["file"] is None
    assert settings.DOWNLOAD_HANDLERS["data"] is None
    assert 0 < settings.DOWNLOAD_MAXSIZE <= 64 * 1024 * 1024
