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
PAGE_PROCESS_DEATHS = "page_pool/process_deaths"  # page processes that died (and were replaced)
IMAGES_KEPT_REMOTE = "images/kept_remote"  # ARCHIVE_IMAGES_ENABLED: images not stored locally

# Per spider, under its prefix.
LIST_REQUEST_FAILURES = "list/request_failures"
ARTICLE_REQUEST_FAILURES = "article/request_failures"
EXTRACTION_ERRORS = "article/extraction_errors"
PIPELINE_ERRORS = "article/pipeline_errors"  # an item pipeline raised on an article
LOST_PAGES = "article/lost_pages"  # pages the page processes died on (PAGE_POOL_PROCESSES)
BAD_ENTRIES = "list/bad_entries"  # listed entries no article can come from (a bad URL, ...)
DUPLICATES = "list/duplicates"  # articles listed twice in one run (fetched once)
# Requests redirected where they are not followed (`<prefix>/<kind>/...`).
REDIRECTED_OFFSITE = "redirected_offsite"  # to a host the spider does not crawl
REDIRECTED_TO_REQUESTED = "redirected_to_requested"  # into a URL this run requested already

# What `scrapy refresh` counts as dropped, besides dropped items and pages not articles.
DROPPED_SUFFIXES = (
    EXTRACTION_ERRORS, "/bad_entries", f"/{REDIRECTED_OFFSITE}", f"/{REDIRECTED_TO_REQUESTED}",
)  # fmt: skip
# What `scrapy refresh` counts as errors (stat names ending so) and as crashes (starting so).
FAILURE_SUFFIXES = (
    "/request_failures", "/bad_answers", "/write_errors", "/state_errors", "/pipeline_errors",
    "/lost_pages",
)  # fmt: skip
CRASH_PREFIXES = ("spider_exceptions/", "log_count/CRITICAL")

# Counted by crawler/monitoring (from Scrapy's signals) and read by its monitors and reports.
ARTICLE_PAGES = "monitor/article_pages"  # article pages fetched (requests of kind "article")
ARTICLES_SEEN = "monitor/articles"  # articles that reached the end of the pipelines, any way
COVERAGE_PREFIX = "monitor/coverage/"  # `<prefix><site>/<field>`: articles that had it
FALLBACK_PREFIX = "extract/fallback/"  # `<prefix><site>/<field>`: fields the fallback supplied
VALIDATE_DROPPED_PREFIX = "validate/dropped/"
MONITOR_FAILURES = "monitor/failures"  # a list: "<monitor>: <what failed>", one per failure
MONITOR_PASSED = "monitor/passed"  # a list of the monitors that passed

# The fields a site profile's own reading may miss and generic extraction supply
# (crawler/sites/page.py), counted by pipelines/fallback.py under FALLBACK_PREFIX.
FALLBACK_FIELDS = ("title", "date", "body", "source", "lead_image")


def fallback_stat(site_key: str, field: str) -> str:
    """Return the stat that counts the articles of a site whose `field` was a fallback's."""
    return f"{FALLBACK_PREFIX}{site_key}/{field}"
