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

# Counted by crawler/monitoring (from Scrapy's signals) and read by its monitors and reports.
ARTICLE_PAGES = "monitor/article_pages"  # article pages fetched (requests of kind "article")
ARTICLES_SEEN = "monitor/articles"  # articles that reached the end of the pipelines, any way
PIPELINE_ERRORS = "monitor/pipeline_errors"  # items a pipeline raised on (not DropItem)
COVERAGE_PREFIX = "monitor/coverage/"  # `<prefix><site>/<field>`: articles that had it
FALLBACK_PREFIX = "extract/fallback/"  # `<prefix><site>/<field>`: fields the fallback supplied
VALIDATE_DROPPED_PREFIX = "validate/dropped/"
MONITOR_FAILURES = "monitor/failures"  # a list: "<monitor>: <what failed>", one per failure
MONITOR_PASSED = "monitor/passed"  # a list of the monitors that passed
