"""An exception inside an item pipeline is an error with the article's URL: counted, and
`scrapy refresh` fails on it; a date no calendar can write is a drop with its reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.settings import ITEM_PIPELINES
from tests.crawling import add_page, mirror_of, refresh, roll_page
from tests.test_refresh import NEW_PAGE

URL = "https://finance.sina.com.cn/roll/2024-01-02/doc-ipipeline00000001.shtml"


class FailingPipeline:
    """A stage with a bug: it raises on every article."""

    def process_item(self, item: Any) -> Any:
        """Fail as a buggy stage fails."""
        raise ValueError("a bug in a stage")


def page(published: str) -> str:
    return NEW_PAGE.format(
        published=published, doc_id="pipeline00000001", title="标题", text="正文。"
    )


# With a page pool, the failing stage (it does not write the archive) runs in a page process.
@pytest.mark.parametrize("pool", [(), ("-s", "PAGE_POOL_PROCESSES=1")], ids=["here", "pool"])
def test_an_exception_in_a_pipeline_is_an_error_that_fails_the_refresh(
    fixtures: Path, tmp_path: Path, pool: tuple[str, ...]
) -> None:
    add_page(fixtures, "article", URL, page("2024-01-02T10:00:00+08:00"))
    pipelines = {**ITEM_PIPELINES, f"{__name__}.FailingPipeline": 850}
    with mirror_of(fixtures, {"1686_1": roll_page(URL)}) as mirror:
        result = refresh(
            mirror, tmp_path / "archive", "-s", f"ITEM_PIPELINES={json.dumps(pipelines)}", *pool
        )
    assert result.process.returncode == 1, result.log
    assert result.process.stdout.startswith(
        "refresh: 0 new, 0 updated, 0 unchanged, 0 dropped, 1 errors in "
    ), result.process.stdout
    assert "— FAILED: 1 errors (REFRESH_MAX_ERRORS is 0)" in result.process.stdout
    assert result.stat("sina/article/pipeline_errors") == 1
    listed = result.mirror.origin + "/finance.sina.com.cn/" + URL.split("/", 3)[3]
    assert f"ERROR: Error processing <{listed}>: ValueError: a bug in a stage" in result.log
    assert 'in process_item\n    raise ValueError("a bug in a stage")' in result.log  # where
    assert result.files() == []


@pytest.mark.parametrize("published", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+08:00"])
def test_a_date_past_the_calendar_drops_the_article_with_its_reason(
    fixtures: Path, tmp_path: Path, published: str
) -> None:
    add_page(fixtures, "article", URL, page(published))
    with mirror_of(fixtures, {"1686_1": roll_page(URL)}) as mirror:
        result = refresh(mirror, tmp_path / "archive")
    assert result.process.stdout.startswith(
        "refresh: 0 new, 0 updated, 0 unchanged, 1 dropped, 0 errors in "
    ), result.process.stdout + result.log
    assert result.process.returncode == 0, result.log
    assert result.stat("validate/dropped/date_out_of_range") == 1
    assert (
        f"WARNING: Dropped: date out of range ({published} is not a time in UTC years 1 to 9999):"
        in result.log
    )
    assert result.files() == []
