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
IMAGES_KEPT_REMOTE = "images/kept_remote"  # ARCHIVE_IMAGES_ENABLED: images not stored locally

# Per spider, under its prefix.
LIST_REQUEST_FAILURES = "list/request_failures"
ARTICLE_REQUEST_FAILURES = "article/request_failures"
EXTRACTION_ERRORS = "article/extraction_errors"
DUPLICATES = "list/duplicates"  # articles listed twice in one run (fetched once)

# What `scrapy refresh` counts as errors (stat names ending so) and as crashes (starting so).
FAILURE_SUFFIXES = ("/request_failures", "/bad_answers", "/write_errors", "/state_errors")
CRASH_PREFIXES = ("spider_exceptions/", "log_count/CRITICAL")
