"""Every saved page renders, through `scrapy render`, to the file written by hand from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents import (
    FIXTURES,
    assert_same_document,
    expected_file,
    page_meta,
    render,
    split_document,
)

PAGES = sorted(FIXTURES.glob("sites/*/*.html"))
FORBIDDEN_MARKUP = ("<script", "<style", "<!--", "<iframe", "javascript:")
# What each folder's pages wrap around their articles, which must not reach a body.
BOILERPLATE_TEXT = {
    "sina": ("责任编辑", "免责声明", "尽在新浪财经APP", "appendQr", "秒拍", "正文下iframe",
             "video-2017", "quote_"),
    "other": ("责任编辑", "本文来源", "返回腾讯网首页", "分享到", "声明：", "为你推荐",
              "你可能会喜欢", "ep-editor", "ep-source", "backqqcom", "bottomLayer", "gg200x300",
              "StartFragment"),
}  # fmt: skip


@pytest.fixture(scope="module", params=PAGES, ids=lambda page: f"{page.parent.name}/{page.stem}")
def rendered(request: pytest.FixtureRequest) -> tuple[Path, str]:
    page: Path = request.param
    result = render(page, page_meta(page)["url"], "--channel", page_meta(page)["channel"])
    assert result.returncode == 0, result.stderr
    return page, result.stdout


def test_page_renders_to_its_hand_written_expected_file(rendered: tuple[Path, str]) -> None:
    page, output = rendered
    assert_same_document(output, expected_file(page).read_text(encoding="utf-8"))


def test_rendered_page_keeps_no_boilerplate(rendered: tuple[Path, str]) -> None:
    page, output = rendered
    body = split_document(output).body
    for text in (
        BOILERPLATE_TEXT["sina" if page.parent.name == "sina" else "other"] + FORBIDDEN_MARKUP
    ):
        assert text not in body


def test_rendered_page_keeps_every_image_with_no_referrer(rendered: tuple[Path, str]) -> None:
    page, output = rendered
    expected = split_document(expected_file(page).read_text(encoding="utf-8")).body
    body = split_document(output).body
    assert body.count("<img") == expected.count("<img")
    assert body.count("<img") == body.count('referrerpolicy="no-referrer"')
    assert 'src="//' not in body


def test_every_fixture_page_has_its_source_and_expected_file() -> None:
    assert len(PAGES) >= 10
    for page in PAGES:
        assert expected_file(page).is_file(), page
        assert page_meta(page)["source"], page
