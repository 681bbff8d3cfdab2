"""What each monitor checks in a finished crawl's stats: pure functions, thresholds in settings.

Each returns the problems it found, as short phrases naming what failed (`sina date 0/50`);
none means it passed. Articles, drops and fields are judged only on at least
MONITOR_MIN_ARTICLES articles (of a site, for fields): a run that saw two says nothing about
a template, and one odd page is the drop it logs, not a failed run. Then a required field
must be on every article.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from scrapy.settings import BaseSettings

from crawler import stats as names
from crawler.monitoring.counts import coverage_stat
from crawler.monitoring.fields import MONITORED_FIELDS

Stats = Mapping[str, Any]


@dataclass(frozen=True)
class Thresholds:
    """The monitors' thresholds, from the MONITOR_* settings."""

    finish_reasons: tuple[str, ...] = ("finished",)
    min_articles: int = 5
    min_archived_share: float = 0.5
    max_dropped_share: float = 0.25
    required_fields: tuple[str, ...] = ("title", "date", "body")
    field_min_shares: Mapping[str, float] | None = None  # `field` or `site/field`: share
    max_fallback_share: float = 0.5
    max_errors: int = 0

    @classmethod
    def of(cls, settings: BaseSettings) -> Self:
        """Read the MONITOR_* settings."""
        return cls(
            finish_reasons=tuple(settings.getlist("MONITOR_FINISH_REASONS", ["finished"])),
            min_articles=settings.getint("MONITOR_MIN_ARTICLES", 5),
            min_archived_share=settings.getfloat("MONITOR_MIN_ARCHIVED_SHARE", 0.5),
            max_dropped_share=settings.getfloat("MONITOR_MAX_DROPPED_SHARE", 0.25),
            required_fields=tuple(
                settings.getlist("MONITOR_REQUIRED_FIELDS", list(cls.required_fields))
            ),
            field_min_shares={
                str(key): float(value)
                for key, value in settings.getdict("MONITOR_FIELD_MIN_SHARES").items()
            },
            max_fallback_share=settings.getfloat("MONITOR_MAX_FALLBACK_SHARE", 0.5),
            max_errors=settings.getint("REFRESH_MAX_ERRORS", 0),
        )

    def min_share(self, site: str, field: str) -> float:
        """Return the share of a site's articles that must have a field (0: not checked)."""
        shares = self.field_min_shares or {}
        return shares.get(f"{site}/{field}", shares.get(field, 0.0))


def total(stats: Stats, suffix: str) -> int:
    """Add up the counters whose names end with `suffix` (one per spider prefix)."""
    return sum(int(value) for name, value in stats.items() if name.endswith(suffix))


def sites(stats: Stats) -> dict[str, int]:
    """Return the articles seen per site."""
    found = {}
    for name, value in stats.items():
        if name.startswith(names.COVERAGE_PREFIX) and name.endswith("/articles"):
            found[name.removeprefix(names.COVERAGE_PREFIX).removesuffix("/articles")] = int(value)
    return dict(sorted(found.items()))


def archived(stats: Stats) -> int:
    """Return the listed articles that are in the archive after the crawl, written or not."""
    return sum(
        int(stats.get(name, 0))
        for name in (
            names.WRITTEN, names.UPDATED, names.UNCHANGED, names.ARCHIVED_BY_ANOTHER_SOURCE
        )
    )  # fmt: skip


DROP_NAMES = {names.EXTRACTION_ERRORS: "not an article"}


def drop_reasons(stats: Stats) -> Counter[str]:
    """Return the articles dropped, by reason (pages that were not articles included)."""
    reasons: Counter[str] = Counter()
    for name, value in stats.items():
        if name.startswith(names.VALIDATE_DROPPED_PREFIX):
            reasons[name.removeprefix(names.VALIDATE_DROPPED_PREFIX).replace("_", " ")] += value
    for suffix in names.DROPPED_SUFFIXES:  # pages not articles, bad entries, redirects
        count = total(stats, suffix)
        if count:
            reasons[DROP_NAMES.get(suffix, suffix.strip("/").replace("_", " "))] += count
    return reasons


def error_kinds(stats: Stats) -> Counter[str]:
    """Return the errors of a crawl by kind (an error is never a drop, nor the reverse)."""
    spider_exceptions = stats.get("spider_exceptions/count", 0)  # also counted by class
    kinds = Counter(
        {
            "request": total(stats, "/request_failures"),
            "bad answer": total(stats, "/bad_answers"),
            "pipeline": total(stats, names.PIPELINE_ERRORS),
            "write": total(stats, "/write_errors"),
            "state": total(stats, "/state_errors"),
            "spider": int(spider_exceptions),
        }
    )
    return +kinds  # the kinds that happened


def check_finish_reason(stats: Stats, limits: Thresholds) -> list[str]:
    """The crawl ended as a crawl should (`finished`)."""
    reason = stats.get("finish_reason")
    return [] if reason in limits.finish_reasons else [str(reason or "did not finish")]


def check_articles(stats: Stats, limits: Thresholds) -> list[str]:
    """Listed new articles became files (pages fetched and failed, or full-text items)."""
    listed = max(
        int(stats.get(names.ARTICLE_PAGES, 0)) + total(stats, names.ARTICLE_REQUEST_FAILURES),
        int(stats.get(names.ARTICLES_SEEN, 0)),
    )
    kept = archived(stats)
    if listed >= limits.min_articles and kept < listed * limits.min_archived_share:
        return [f"{kept} of {listed} listed articles archived"]
    return []


def check_drops(stats: Stats, limits: Thresholds) -> list[str]:
    """Few pages were dropped (no date, no body, not an article, unreadable)."""
    reasons = drop_reasons(stats)
    dropped = sum(reasons.values())
    pages = int(stats.get(names.ARTICLES_SEEN, 0)) + sum(
        total(stats, suffix) for suffix in names.DROPPED_SUFFIXES
    )
    if pages < limits.min_articles or dropped <= pages * limits.max_dropped_share:
        return []
    # Most first, ties by name: the same words whatever order the drops came in.
    ordered = sorted(reasons.items(), key=lambda reason: (-reason[1], reason[0]))
    detail = ", ".join(f"{reason} {count}" for reason, count in ordered)
    return [f"{dropped}/{pages} pages dropped ({detail})"]


def check_field_coverage(stats: Stats, limits: Thresholds) -> list[str]:
    """Each site's articles had their title, date and body, and most their other fields."""
    problems = []
    for site, articles in sites(stats).items():
        if articles < limits.min_articles:
            continue
        for field in MONITORED_FIELDS:
            had = int(stats.get(coverage_stat(site, field), 0))
            if field in limits.required_fields:
                failed = had < articles
            else:
                failed = had < articles * limits.min_share(site, field)
            if failed:
                problems.append(f"{site} {field} {had}/{articles}")
    return problems


def check_fallbacks(stats: Stats, limits: Thresholds) -> list[str]:
    """No field of a site needed the generic fallback on most pages (its template changed)."""
    seen = sites(stats)
    problems = []
    for name, value in sorted(stats.items()):
        if not name.startswith(names.FALLBACK_PREFIX):
            continue
        site, _, field = name.removeprefix(names.FALLBACK_PREFIX).partition("/")
        pages = max(seen.get(site, 0), int(value))
        if pages >= limits.min_articles and value > pages * limits.max_fallback_share:
            problems.append(f"{site} {field} {value}/{pages} by fallback (template changed?)")
    return problems


def check_errors(stats: Stats, limits: Thresholds) -> list[str]:
    """No more errors than REFRESH_MAX_ERRORS (requests, list answers, pipelines, writes...)."""
    kinds = error_kinds(stats)
    count = sum(kinds.values())
    if count <= limits.max_errors:
        return []
    detail = ", ".join(f"{number} {kind}" for kind, number in kinds.most_common())
    return [f"{count} errors ({detail})"]


# The monitors, by the name a failure is reported under.
CHECKS = {
    "finish_reason": check_finish_reason,
    "articles": check_articles,
    "drops": check_drops,
    "field_coverage": check_field_coverage,
    "fallback": check_fallbacks,
    "errors": check_errors,
}
