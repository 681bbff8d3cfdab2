"""`scrapy demo`: crawl recorded Sina pages from a local mirror into the archive, offline."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import closest_scrapy_cfg

from crawler.archive.run import run_under_lock
from crawler.commands import check_command_settings
from crawler.mirror import Mirror, routed_to, serve

logger = logging.getLogger(__name__)

# The same pages, as package data of an installed project (a wheel, scrapyd's egg).
PACKAGED_PAGES = Path(__file__).resolve().parent.parent / "demo" / "pages"


class Command(ScrapyCommand):
    """Serve DEMO_FIXTURES_DIR on 127.0.0.1 and run the real `sina` spider against it."""

    requires_project = True

    def short_desc(self) -> str:
        """Describe the command in one line."""
        return "Crawl recorded Sina pages from a local mirror into MARKDOWN_EXPORT_DIR (offline)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Start the mirror, route every request to it and crawl two list pages."""
        assert self.crawler_process is not None and self.settings is not None
        check_command_settings(self.settings)
        fixtures = Path(self.settings.get("DEMO_FIXTURES_DIR"))
        if not fixtures.is_absolute():  # relative to the project, wherever it is run from
            fixtures = Path(closest_scrapy_cfg()).parent / fixtures
        if not fixtures.is_dir() and PACKAGED_PAGES.is_dir():  # installed without the tests
            fixtures = PACKAGED_PAGES
        if not fixtures.is_dir():
            raise UsageError(f"DEMO_FIXTURES_DIR {fixtures} is not a folder", print_help=False)
        mirror = Mirror(fixtures, real_urls=True)
        mirror.load_pages()
        with serve(mirror):
            # Every request goes to the mirror, and every page keeps its real URL, so the
            # archive's links lead to the real site, as a real crawl's do.
            handlers = {**self.settings.getdict("DOWNLOAD_HANDLERS"), **routed_to(mirror)}
            self.settings.set("DOWNLOAD_HANDLERS", handlers, priority="cmdline")
            logger.info(
                "Demo mirror of Sina at %s serving %s under their real URLs",
                mirror.origin,
                fixtures,
            )
            self.crawler_process.crawl("sina", max_pages="2")
            status = run_under_lock(self.settings, self.crawler_process.start)
        self.exitcode = status or int(self.crawler_process.bootstrap_failed)
