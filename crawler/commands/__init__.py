"""Scrapy commands of this project: `render`, `demo`, `refresh`, and `crawl` with checks."""

from __future__ import annotations

from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader

from crawler.spiders.archiving import SCHEDULER_ARGUMENTS


def check_spider_arguments(settings: BaseSettings, spider: str, arguments: dict[str, str]) -> bool:
    """Check `-a` arguments with the spider's `read_arguments`, if it has one.

    Returns False when no spider has that name; bad arguments raise TypeError or ValueError.
    """
    try:
        spider_class = get_spider_loader(settings).load(spider)
    except KeyError:
        return False
    read_arguments = getattr(spider_class, "read_arguments", None)
    if read_arguments is not None:
        read_arguments(**without_scheduler_arguments(arguments))
    return True


def without_scheduler_arguments(arguments: dict[str, str]) -> dict[str, str]:
    """Leave out the arguments a scheduler (scrapyd) adds to every run: they are ignored."""
    return {name: value for name, value in arguments.items() if name not in SCHEDULER_ARGUMENTS}
