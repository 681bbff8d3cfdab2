"""Stat names that more than one component uses: counted by spiders and pipelines, added up
by `scrapy refresh`. A spider's own stats are `<its stats prefix>/<name>`."""

from __future__ import annotations

WRITTEN = "markdown/written"
UPDATED = "markdown/updated"
UNCHANGED = "markdown/unchanged"
WRITE_ERRORS = "markdown/write_errors"
LISTED_UNCHANGED = "archive/listed_unchanged"
STATE_ERRORS = "archive/state_errors"
ARCHIVED_BY_ANOTHER_SOURCE = "archive/archived_by_another_source"
DROPPED = "item_dropped_count"  # Scrapy's own

# Per spider, under its prefix.
LIST_REQUEST_FAILURES = "list/request_failures"
ARTICLE_REQUEST_FAILURES = "article/request_failures"
EXTRACTION_ERRORS = "article/extraction_errors"
DUPLICATES = "list/duplicates"  # articles listed twice in one run (fetched once)

# What `scrapy refresh` counts as errors (stat names ending so) and as crashes (starting so).
FAILURE_SUFFIXES = ("/request_failures", "/bad_answers", "/write_errors", "/state_errors")
CRASH_PREFIXES = ("spider_exceptions/", "log_count/CRITICAL")

# A field a site profile's own reading missed and generic extraction supplied (crawler/sites/
# page.py): `extract/fallback/<site key>/<field>`, the field one of FALLBACK_FIELDS.
FALLBACK_PREFIX = "extract/fallback/"
FALLBACK_FIELDS = ("title", "date", "body", "source", "lead_image")


def fallback_stat(site_key: str, field: str) -> str:
    """Return the stat that counts the articles of a site whose `field` was a fallback's."""
    return f"{FALLBACK_PREFIX}{site_key}/{field}"
