"""Dates: Beijing time, ISO 8601, Chinese printed dates, epoch seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact and
# needs no tz database on the machine.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


_CHINESE_DATETIME = re.compile(
    r"(?P<y>\d{4})\s*[年/.-]\s*(?P<m>\d{1,2})\s*[月/.-]\s*(?P<d>\d{1,2})\s*日?"
    r"\s*(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2}))?"
)


def parse_iso_datetime(value: str) -> datetime | None:
    """Parse an ISO 8601 time; one without an offset is taken as Beijing time."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BEIJING)


def parse_local_datetime(text: str, tz: timezone = BEIJING) -> datetime | None:
    """Find a date and time such as `2019年09月09日 20:52` in text, in the site's time zone."""
    match = _CHINESE_DATETIME.search(text)
    if not match:
        return None
    parts = {key: int(value) for key, value in match.groupdict(default="0").items()}
    try:
        return datetime(
            parts["y"], parts["m"], parts["d"], parts["H"], parts["M"], parts["S"], tzinfo=tz
        )
    except ValueError:
        return None


def parse_epoch(value: object) -> datetime | None:
    """Parse epoch seconds given as a number or a string of digits; None past year 9999."""
    try:
        seconds = int(str(value).strip())
    except ValueError:
        return None
    if seconds <= 0:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):  # a time no calendar of ours can hold
        return None
