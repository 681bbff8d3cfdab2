"""Log lines that name an item by its URL instead of dumping its whole body."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure

from crawler.settled import StageError


class ArticleLogFormatter(LogFormatter):
    """Scrapy's log formatter, with items shown as their URL."""

    def scraped(
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        """Log a scraped item as its URL and title."""
        result = super().scraped(item, response, spider)
        if isinstance(result["args"], dict):
            result["args"] = {**result["args"], "item": _describe(item)}
        return result

    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        """Log a dropped item as the reason (which names the URL)."""
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped: %(exception)s"
        return result

    def item_error(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        """Log an item a pipeline raised on as its URL and the error (the traceback follows)."""
        result = super().item_error(item, exception, response, spider)
        result["msg"] = "Error processing <%(url)s>: %(error)s"
        # A stage in a page process: its own error's words (crawler/settled.py).
        error = (
            str(exception)
            if isinstance(exception, StageError)
            else f"{type(exception).__name__}: {exception}"
        )
        result["args"] = {"url": ItemAdapter(item).get("url", ""), "error": error}
        return result


def _describe(item: Any) -> str:
    adapter = ItemAdapter(item)
    return f"{adapter.get('title', '')!r} <{adapter.get('url', '')}>"
