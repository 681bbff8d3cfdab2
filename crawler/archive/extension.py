"""The Scrapy extension that opens the archive state for a crawl."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.archive.rename import rename_to_hexo_safe
from crawler.archive.state import ArchiveState, archive_root, open_state, state_path

logger = logging.getLogger(__name__)


class ArchiveExtension:
    """Opens the archive state for a crawl; spiders and the exporter use `.state`."""

    def __init__(self, root: Path, state_path: Path, timeout: float = 30.0) -> None:
        self.root = root
        self.state_path = state_path
        self.timeout = timeout
        self.state: ArchiveState | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Read ARCHIVE_* settings and open the state when the spider opens."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured("ARCHIVE_ENABLED is off")
        extension = cls(
            archive_root(settings),
            state_path(settings),
            settings.getfloat("ARCHIVE_STATE_TIMEOUT", 30),
        )
        crawler.signals.connect(extension.spider_opened, signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signals.spider_closed)
        extension.open()
        return extension

    def open(self) -> None:
        """Open the state; rebuild it from the archive's files if it was lost; rename old names.

        A run under the archive lock has done that already, before its first request
        (crawler/archive/run.py); here it costs a look at one row, and at the mark of the
        naming rules (crawler/archive/rename.py: older names are moved once).
        """
        self.state = open_state(self.root, self.state_path, self.timeout)
        rename_to_hexo_safe(self.state, self.root)

    def spider_opened(self) -> None:
        """Log which state the crawl uses (not its size: counting reads a whole index)."""
        logger.info("Archive state %s: in use", self.state_path)

    def spider_closed(self) -> None:
        """Close the state."""
        if self.state is not None:
            self.state.close()
            self.state = None
