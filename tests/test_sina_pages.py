"""Every saved Sina page renders to the file written by hand from reading that page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents import (
    SINA_PAGES,
    assert_same_document,
    expected_file,
    page_meta,
    render,
    split_document,
)

BOILERPLATE_TEXT = ("责任编辑", "免责声明", "尽在新浪财经APP", "appendQr", "秒拍", "正文下iframe")
FORBIDDEN_MARKUP = ("<script", "<style", "<!--", "<iframe", "video-2017", "quote_", "javascript:")


@pytest.fixture(scope="module", params=SINA_PAGES, ids=lambda page: page.stem)
def rendered(request: pytest.FixtureRequest) -> tuple[Path, str]:
    page: Path = request.param
    result = render(page, page_meta(page)["url"], "--channel", page_meta(page)["channel"])
    assert result.returncode == 0, result.stderr
    return page, result.stdout


def test_page_renders_to_its_hand_written_expected_file(rendered: tuple[Path, str]) -> None:
    page, output = rendered
    expected = expected_file(page)
    assert_same_document(output, expected.read_text(encoding="utf-8"))


def test_rendered_page_keeps_no_boilerplate(rendered: tuple[Path, str]) -> None:
    _, output = rendered
    body = split_document(output).body
    for text in BOILERPLATE_TEXT + FORBIDDEN_MARKUP:
        assert text not in body


def test_rendered_page_keeps_every_image_with_no_referrer(rendered: tuple[Path, str]) -> None:
    page, output = rendered
    expected = split_document(expected_file(page).read_text(encoding="utf-8")).body
    body = split_document(output).body
    assert body.count("<img") == expected.count("<img")
    assert body.count("<img") == body.count('referrerpolicy="no-referrer"')
    assert 'src="//' not in body


def test_every_sina_fixture_page_has_an_expected_file() -> None:
    assert len(SINA_PAGES) >= 6
    for page in SINA_PAGES:
        assert expected_file(page).is_file(), page
        assert page_meta(page)["source"], page
