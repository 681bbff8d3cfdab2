"""Item pipelines that kill the page process they run in, for tests of PAGE_POOL_PROCESSES.

Each kills its process (SIGKILL: nothing of Python's runs after it) on an article whose URL
holds `doc-ikill`: `KillOnce` the first time only (it leaves a file at KILLER_FLAG_FILE),
`KillAlways` every time.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

MARK = "doc-ikill"


class KillAlways:
    """Kill the process on every marked article."""

    def __init__(self, flag: Path) -> None:
        self.flag = flag

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Read where the flag file goes."""
        return cls(Path(crawler.settings.get("KILLER_FLAG_FILE", "")))

    def kills(self) -> bool:
        """Tell whether this stage kills on a marked article now."""
        return True

    def process_item(self, item: Any) -> Any:
        """Kill the process on a marked article; let any other pass."""
        if MARK in ItemAdapter(item)["url"] and self.kills():
            os.kill(os.getpid(), signal.SIGKILL)
        return item


class KillOnce(KillAlways):
    """Kill the process on the first marked article only."""

    def kills(self) -> bool:
        """Kill the first time: the flag file says it has been done."""
        try:
            self.flag.touch(exist_ok=False)
        except FileExistsError:
            return False
        return True
