"""Scrapy commands of this project: `render`, `demo`, `refresh`, and `crawl` with checks."""

from __future__ import annotations

import inspect

from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader

from crawler.settings_check import SettingError, check_settings
from crawler.spiders.archiving import SCHEDULER_ARGUMENTS

# Arguments every spider takes without using them: scrapyd gives each run its job id (and
# the version asked for, if one was).
PASSED_THROUGH = tuple(sorted(SCHEDULER_ARGUMENTS))


def check_command_settings(settings: BaseSettings) -> None:
    """Refuse, as a usage error (exit 2), a setting the project cannot use; before any request."""
    try:
        check_settings(settings)
    except SettingError as error:
        raise UsageError(str(error), print_help=False) from None


def check_spider_arguments(settings: BaseSettings, spider: str, arguments: dict[str, str]) -> bool:
    """Check `-a` arguments with the spider's `read_arguments`, if it has one.

    Returns False when no spider has that name; bad arguments raise TypeError or ValueError.
    """
    loader = get_spider_loader(settings)
    try:
        spider_class = loader.load(spider)
    except KeyError:
        return False
    read_arguments = getattr(spider_class, "read_arguments", None)
    if read_arguments is not None:
        given = {name: value for name, value in arguments.items() if name not in PASSED_THROUGH}
        known = list(inspect.signature(read_arguments).parameters)
        unknown = sorted(set(given) - set(known))
        if unknown:
            takes = f"it takes {', '.join(known)}" if known else "it takes none"
            raise ValueError(f"spider {spider} has no argument {unknown[0]!r} ({takes})")
        read_arguments(**given)
    return True


def unknown_spider(settings: BaseSettings, spider: str) -> str:
    """Say that no spider has this name, and which do."""
    known = ", ".join(sorted(get_spider_loader(settings).list()))
    return f"no spider named {spider!r} (known: {known})"
