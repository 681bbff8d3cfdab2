"""Every setting the project reads, with its kind and bounds: checked before the first request.

One table (`SETTINGS`): the project's own settings and the Scrapy ones a user is likely to
set. A value of the wrong kind or out of bounds is refused with one line naming the
setting, the value and what it takes; the commands make that a usage error (exit 2).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

from crawler.archive.document import EXTRA_FIELD_KEYS
from crawler.monitoring.fields import MONITORED_FIELDS

_WHOLE = re.compile(r"\s*[+-]?\d+\s*")


class SettingError(ValueError):
    """A setting whose value the project cannot use; the message says what it takes."""


def _as_list(settings: BaseSettings, name: str) -> list[object] | None:
    """Return the setting as Scrapy reads a list (comma-separated text too); None if it cannot."""
    try:
        return settings.getlist(name)
    except (TypeError, ValueError):
        return None


def _as_dict(settings: BaseSettings, name: str) -> dict[object, object] | None:
    """Return the setting as Scrapy reads a table (JSON text too); None if it cannot."""
    try:
        return settings.getdict(name)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Whole:
    """A whole number, at least `minimum`."""

    minimum: int = 0
    unit: str = ""  # what is counted, for the message

    def accepts(self) -> str:
        """Say what values are taken."""
        return f"a whole number{self.unit} ≥ {self.minimum}"

    def valid(self, value: object, settings: BaseSettings, name: str) -> bool:
        """Tell whether the value is one of those."""
        if isinstance(value, bool):
            return False
        if isinstance(value, str) and _WHOLE.fullmatch(value):
            value = int(value)
        return isinstance(value, int) and value >= self.minimum


@dataclass(frozen=True)
class Seconds:
    """A finite number of seconds, at least 0 (above 0 when `positive`)."""

    positive: bool = False

    def accepts(self) -> str:
        """Say what values are taken."""
        return f"a number of seconds {'> 0' if self.positive else '≥ 0'}"

    def valid(self, value: object, settings: BaseSettings, name: str) -> bool:
        """Tell whether the value is one of those."""
        if isinstance(value, bool):
            return False
        try:
            seconds = float(value) if isinstance(value, str | int | float) else math.nan
        except ValueError:
            return False
        return math.isfinite(seconds) and (seconds > 0 if self.positive else seconds >= 0)


@dataclass(frozen=True)
class Switch:
    """True or False (as Scrapy reads them: also 1/0, true/false)."""

    def accepts(self) -> str:
        """Say what values are taken."""
        return "True or False"

    def valid(self, value: object, settings: BaseSettings, name: str) -> bool:
        """Tell whether the value is one of those."""
        try:
            settings.getbool(name)
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class WebUrl:
    """An http(s) URL with a host (empty too, when `optional`)."""

    optional: bool = False

    def accepts(self) -> str:
        """Say what values are taken."""
        return "an http(s) URL" + (", or nothing" if self.optional else "")

    def valid(self, value: object, settings: BaseSettings, name: str) -> bool:
        """Tell whether the value is one of those."""
        if not isinstance(value, str):
            return False
        if self.optional and not value.strip():
            return True
        try:
            parts = urlsplit(value.strip())
            parts.port  # noqa: B018 (reading it checks it)
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and bool(parts.hostname)


@dataclass(frozen=True)
class Names:
    """A list (comma-separated on the command line) of some of `choices`."""

    choices: tuple[str, ...]

    def accepts(self) -> str:
        """Say what values are taken."""
        return f"a comma-separated list of some of: {', '.join(self.choices)}"

    def valid(self, value: object, settings: BaseSettings, name: str) -> bool:
        """Tell whether the value is one of those."""
        names = _as_list(settings, name)
        return names is not None and all(
            isinstance(each, str) and each in self.choices for each in names
        )


@dataclass(frozen=True)
class Text:
    """Any text (a path, a header): checked where it is used."""

    def accepts(self) -> str:
        """Say what values are taken."""
        return "text"

    def valid(self, value: object, settings: BaseSettings, name: str) -> bool:
        """Tell whether the value is one of those."""
        return isinstance(value, str)


@dataclass(frozen=True)
class Share:
    """A share: a number from 0 to 1."""

    def accepts(self) -> str:
        """Say what values are taken."""
        return "a number from 0 to 1"

    def valid(self, value: object, settings: BaseSettings, name: str) -> bool:
        """Tell whether the value is one of those."""
        try:
            share = float(value) if isinstance(value, str | int | float) else math.nan
        except ValueError:
            return False
        return not isinstance(value, bool) and 0 <= share <= 1


@dataclass(frozen=True)
class Words:
    """A list of words (comma-separated on the command line)."""

    def accepts(self) -> str:
        """Say what values are taken."""
        return "a comma-separated list of words"

    def valid(self, value: object, settings: BaseSettings, name: str) -> bool:
        """Tell whether the value is one of those."""
        words = _as_list(settings, name)
        return words is not None and all(isinstance(word, str) and word.strip() for word in words)


@dataclass(frozen=True)
class Shares:
    """A table of names to shares (JSON on the command line), e.g. {"lead_image": 0.3}."""

    def accepts(self) -> str:
        """Say what values are taken."""
        return 'a JSON object of names to numbers from 0 to 1, e.g. {"lead_image": 0.3}'

    def valid(self, value: object, settings: BaseSettings, name: str) -> bool:
        """Tell whether the value is one of those."""
        table = _as_dict(settings, name)
        return table is not None and all(
            Share().valid(share, settings, name) for share in table.values()
        )


@dataclass(frozen=True)
class Arguments:
    """Keyword arguments for a library (JSON on the command line), e.g. {"socket_timeout": 5}."""

    def accepts(self) -> str:
        """Say what values are taken."""
        return 'a JSON object of keyword arguments, e.g. {"socket_timeout": 5}'

    def valid(self, value: object, settings: BaseSettings, name: str) -> bool:
        """Tell whether the value is one of those."""
        table = _as_dict(settings, name)
        return table is not None and all(
            isinstance(key, str) and key.isidentifier() for key in table
        )


Kind = Whole | Seconds | Switch | WebUrl | Names | Text | Share | Words | Shares | Arguments

SETTINGS: dict[str, Kind] = {
    # The project's own (crawler/settings.py says what each does).
    "MARKDOWN_EXPORT_ENABLED": Switch(),
    "MARKDOWN_EXPORT_DIR": Text(),  # its folder is checked when the archive opens
    "MARKDOWN_EXTRA_FIELDS": Names(tuple(EXTRA_FIELD_KEYS)),
    "ARCHIVE_ENABLED": Switch(),
    "ARCHIVE_STATE_PATH": Text(),
    "ARCHIVE_STATE_TIMEOUT": Seconds(),
    "ARCHIVE_FULL_CHECK": Switch(),
    "ARCHIVE_IMAGES_ENABLED": Switch(),
    "ARCHIVE_IMAGES_DIR": Text(),
    "ARCHIVE_IMAGES_URL": Text(),
    "ARCHIVE_IMAGES_MAX_BYTES": Whole(1, unit=" of bytes"),
    "ARCHIVE_IMAGES_MAX_PER_ARTICLE": Whole(),
    "HEXO_SAFE_TITLES_ENABLED": Switch(),
    "RETRY_AFTER_MAX_SECONDS": Seconds(),
    "RETRY_BACKOFF_SECONDS": Seconds(),
    "MISLABELLED_UTF8_ENABLED": Switch(),
    "CHARSET_GUESS_ENABLED": Switch(),
    "REFRESH_MAX_ERRORS": Whole(),
    "PAGE_POOL_PROCESSES": Whole(unit=" of processes"),
    # REFRESH_SOURCES: read (and checked, entry by entry) by `scrapy refresh` itself.
    "SINA_ROLL_API_URL": WebUrl(),
    "SINA_ROLL_PAGE_SIZE": Whole(1),
    "SINA_ROLL_BACKFILL_MAX_PAGES": Whole(1),
    "SINA_ROLL_REFERER": WebUrl(optional=True),
    "FEED_FULLTEXT_MIN_BLOCKS": Whole(),
    "FEED_FULLTEXT_MIN_CHARS": Whole(),
    "DEMO_FIXTURES_DIR": Text(),
    "REDIS_URL": Text(),  # whether it can be reached is checked when a distributed run starts
    "DISTRIBUTED_IDLE_TIMEOUT": Seconds(positive=True),
    "DISTRIBUTED_WORKER_HEARTBEAT": Seconds(positive=True),
    "DISTRIBUTED_WORKER_MAX_IDLE": Seconds(),
    "DISTRIBUTED_HOST_DELAY": Seconds(),
    "REDIS_PARAMS": Arguments(),  # scrapy-redis's: redis-py's connection arguments
    "SPIDERMON_ENABLED": Switch(),
    "MONITOR_FINISH_REASONS": Words(),
    "MONITOR_MIN_ARTICLES": Whole(1),
    "MONITOR_MIN_ARCHIVED_SHARE": Share(),
    "MONITOR_MAX_DROPPED_SHARE": Share(),
    "MONITOR_REQUIRED_FIELDS": Names(MONITORED_FIELDS),
    "MONITOR_FIELD_MIN_SHARES": Shares(),
    "MONITOR_MAX_FALLBACK_SHARE": Share(),
    "RUN_REPORT_ENABLED": Switch(),
    "RUN_REPORT_KEEP": Whole(1),
    "ARCHIVE_METRICS_TEXTFILE": Text(),
    "PROGRESS_ENABLED": Switch(),
    "PROGRESS_INTERVAL": Seconds(),
    # Scrapy's, as the project uses them.
    "DOWNLOAD_TIMEOUT": Seconds(positive=True),
    "DOWNLOAD_DELAY": Seconds(),
    "DOWNLOAD_MAXSIZE": Whole(unit=" of bytes (0: no limit)"),
    "DOWNLOAD_WARNSIZE": Whole(unit=" of bytes (0: no warning)"),
    "RETRY_ENABLED": Switch(),
    "RETRY_TIMES": Whole(),
    "ROBOTSTXT_OBEY": Switch(),
    "AUTOTHROTTLE_ENABLED": Switch(),
    "AUTOTHROTTLE_START_DELAY": Seconds(),
    "AUTOTHROTTLE_MAX_DELAY": Seconds(),
    "CONCURRENT_REQUESTS": Whole(1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": Whole(1),
    "CONCURRENT_ITEMS": Whole(1),
    "CLOSESPIDER_PAGECOUNT": Whole(),
    "CLOSESPIDER_ITEMCOUNT": Whole(),
    "CLOSESPIDER_TIMEOUT": Seconds(),
}


def check_settings(settings: BaseSettings) -> None:
    """Raise SettingError on the first setting of the table whose value cannot be used."""
    for name, kind in SETTINGS.items():
        value = settings.get(name)
        if value is None:
            continue  # not set anywhere: the reader's default applies
        if not kind.valid(value, settings, name):
            raise SettingError(f"{name} is {value!r}: it takes {kind.accepts()}")
