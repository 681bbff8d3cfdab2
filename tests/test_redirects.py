"""A listed article redirected to another host, or into a URL already requested, is told."""

from __future__ import annotations

from pathlib import Path

from crawler.mirror import mirror_path
from tests.crawling import refresh, roll_page
from tests.faults import Fault, faulty_mirror_of

ARCHIVED = "https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml"
TO_ARCHIVED = "https://finance.sina.com.cn/roll/2024-01-02/doc-iredirect0000001.shtml"
OFFSITE = "https://finance.sina.com.cn/roll/2024-01-02/doc-iredirect0000002.shtml"


def test_redirects_to_another_host_or_a_requested_url_are_logged_counted_and_seen(
    fixtures: Path, tmp_path: Path
) -> None:
    listing = {"1686_1": roll_page(ARCHIVED, TO_ARCHIVED, OFFSITE)}
    with faulty_mirror_of(fixtures, {}, listing) as mirror:
        target = mirror.origin + mirror_path(ARCHIVED)
        mirror.faults[mirror_path(TO_ARCHIVED)] = Fault(302, {"Location": target})
        away = "https://elsewhere.example/moved.html"  # never asked: filtered before a fetch
        mirror.faults[mirror_path(OFFSITE)] = Fault(302, {"Location": away})
        result = refresh(mirror, tmp_path / "archive")
    assert len(result.files()) == 1
    assert result.stat("sina/article/redirected_offsite") == 1
    assert result.stat("sina/article/redirected_to_requested") == 1
    listed = mirror.origin + mirror_path(OFFSITE)
    assert (
        f"[sina] INFO: Redirect not followed <{listed}> (redirected to <{away}>): "
        "another host than the spider's (elsewhere.example)"
    ) in result.log
    listed = mirror.origin + mirror_path(TO_ARCHIVED)
    assert (
        f"[sina] INFO: Redirect not followed <{listed}> (redirected to <{target}>): "
        "a URL this run requested already"
    ) in result.log
    assert result.process.stdout.startswith(
        "refresh: 1 new, 0 updated, 0 unchanged, 2 dropped, 0 errors"
    ), result.process.stdout
