"""Monitors at the end of every crawl: a quiet failure fails `scrapy refresh`, naming it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from crawler.monitoring.checks import (
    CHECKS,
    Thresholds,
    check_articles,
    check_fallbacks,
    check_field_coverage,
)
from crawler.monitoring.counts import present_fields
from crawler.monitoring.report import read_reports
from tests.crawling import mirror_of, refresh

BOTH_LIST_PAGES = ("-s", "REFRESH_SOURCES=sina max_pages=2")  # the mirror's six articles

# The desktop template's date, renamed (the 2016 and mobile pages keep theirs).
RENAMED_DATE = {
    '<span class="date">': '<span class="pubtime">',
    'property="article:published_time"': 'property="article:release"',
}


class RaisingPipeline:
    """A pipeline with a bug: it raises on every article."""

    def process_item(self, item: Any) -> Any:
        raise RuntimeError("a bug in a pipeline")


def change_template(fixtures: Path) -> int:
    """Rename the date element of every desktop page of the mirror; return how many changed.

    The roll answers lose their times too: a page's date would otherwise come from its
    listing, and the crawl would not miss it.
    """
    for answer in fixtures.glob("roll-*.json"):
        roll = json.loads(answer.read_text(encoding="utf-8"))
        for entry in roll["result"]["data"]:
            for time_field in ("ctime", "intime"):
                entry.pop(time_field, None)
        answer.write_text(json.dumps(roll, ensure_ascii=False), encoding="utf-8")
    changed = 0
    for page in fixtures.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        renamed = html
        for old, new in RENAMED_DATE.items():
            renamed = renamed.replace(old, new)
        if renamed != html:
            page.write_text(renamed, encoding="utf-8")
            changed += 1
    return changed


def test_a_normal_run_passes_every_monitor_and_writes_its_report(
    fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    with mirror_of(fixtures) as mirror:
        result = refresh(mirror, archive, *BOTH_LIST_PAGES)
    assert result.process.returncode == 0, result.process.stdout
    assert "FAILED" not in result.process.stdout
    (crawler,) = result.process.crawlers
    assert crawler.stats is not None
    assert crawler.stats.get_value("monitor/passed") == list(CHECKS)
    assert crawler.stats.get_value("monitor/failures") == []
    (report,) = read_reports(archive)
    assert report["command"] == "refresh"
    assert report["success"] is True
    assert report["counts"] == {"new": 6, "updated": 0, "unchanged": 0, "dropped": 0, "errors": 0}
    (source,) = report["sources"]
    assert source["source"] == "sina max_pages=2"
    assert source["arguments"] == {"max_pages": "2"}
    assert source["finish_reason"] == "finished"
    assert source["monitors"] == {"passed": list(CHECKS), "failed": []}


def test_a_changed_template_fails_refresh_naming_the_site_and_the_field(
    fixtures: Path, tmp_path: Path
) -> None:
    assert change_template(fixtures) == 4
    with mirror_of(fixtures) as mirror:
        result = refresh(mirror, tmp_path / "archive", *BOTH_LIST_PAGES)
    assert result.process.returncode == 1
    summary = result.process.stdout.strip()
    # Dropped for no date; once the per-field fallback finds the date, by the fallback.
    assert re.search(r"— FAILED: .*monitor (field_coverage|fallback): sina date [0-9]+/6", summary)
    # The crawl wrote what it could: the two pages of other templates at least (and the
    # others too, once a fallback finds their dates).
    assert len(result.files()) == result.stat("markdown/written") >= 2


def test_a_pipeline_raising_on_every_article_fails_refresh_naming_the_errors(
    fixtures: Path, tmp_path: Path
) -> None:
    pipelines = json.dumps({f"{__name__}.RaisingPipeline": 100})
    with mirror_of(fixtures) as mirror:
        result = refresh(
            mirror, tmp_path / "archive", *BOTH_LIST_PAGES, "-s", f"ITEM_PIPELINES={pipelines}"
        )
    assert result.process.returncode == 1
    assert "monitor errors: 6 errors (6 pipeline)" in result.process.stdout
    assert "monitor articles: 0 of 6 listed articles archived" in result.process.stdout


def test_a_field_most_pages_needed_the_fallback_for_names_the_site_and_the_field() -> None:
    stats = {
        "monitor/coverage/sina/articles": 50,
        "monitor/coverage/netease/articles": 50,
        "extract/fallback/sina/date": 48,
        "extract/fallback/netease/lead_image": 3,
    }
    assert check_fallbacks(stats, Thresholds()) == [
        "sina date 48/50 by fallback (template changed?)"
    ]


def test_fallbacks_on_a_few_pages_say_nothing_of_a_template() -> None:
    stats = {"monitor/coverage/sina/articles": 2, "extract/fallback/sina/date": 2}
    assert check_fallbacks(stats, Thresholds()) == []


def test_a_few_articles_say_nothing_of_a_template() -> None:
    stats = {"monitor/coverage/sina/articles": 4, "monitor/article_pages": 4}
    assert check_field_coverage(stats, Thresholds()) == []
    assert check_articles(stats, Thresholds()) == []
    assert check_articles({**stats, "monitor/article_pages": 5}, Thresholds()) == [
        "0 of 5 listed articles archived"
    ]


def test_a_required_field_must_be_on_every_article_and_the_others_on_a_share() -> None:
    stats = {
        "monitor/coverage/sina/articles": 50,
        **{f"monitor/coverage/sina/{field}": 50 for field in ("title", "body", "source", "editor")},
        "monitor/coverage/sina/date": 49,
        "monitor/coverage/sina/lead_image": 10,
    }
    limits = Thresholds(field_min_shares={"lead_image": 0.3, "sina/editor": 0.3})
    assert check_field_coverage(stats, limits) == ["sina date 49/50", "sina lead_image 10/50"]


def test_a_body_counts_as_present_only_with_text_outside_its_markup() -> None:
    article = {"title": "标题", "published": None, "site_key": "sina", "lead_image": ""}
    for body in ("", "<p></p>", "<p>&nbsp; \u3000</p>\n<div><img src='a.jpg'></div>"):
        assert "body" not in present_fields({**article, "body_html": body}), body
    for body in ("<p>文</p>", "正文", "<p>&nbsp;</p>&amp;", "<p></p>\n<p>\u3000\u3000第二段</p>"):
        assert "body" in present_fields({**article, "body_html": body}), body
