"""The `sina` spider's arguments, requests and roll API reading, without a crawl."""

from __future__ import annotations

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler import settings
from crawler.spiders.sina import RollAnswerError, SinaSpider, roll_entries
from tests.documents import ROOT, scrapy_cli

# Every channel (pageid, lid, name) listed in the project's source notes on Sina's roll API.
SOURCE_NOTES_CHANNELS = {
    "155": ["1686", "1687", "1688", "1689", "1690", "3231"],
    "384": ["2519", "2671", "2672", "2673", "2674", "2675", "2676", "2487"],
    "153": ["2516", "2517", "2518"],
}


PROJECT_SETTINGS = {name: value for name, value in vars(settings).items() if name.isupper()}


def spider(**arguments: str) -> SinaSpider:
    """Build the spider under the project's settings, its API pointed at 127.0.0.1."""
    # No archive: the spider is only built, never run, and nothing would close its state.
    overrides = {"SINA_ROLL_API_URL": "http://127.0.0.1:1/api/roll/get", "ARCHIVE_ENABLED": False}
    crawler = get_crawler(SinaSpider, {**PROJECT_SETTINGS, **overrides})
    created: SinaSpider = SinaSpider.from_crawler(crawler, **arguments)
    return created


def test_default_channel_is_the_seeds_domestic_feed() -> None:
    channels = spider().channels
    assert [c.id for c in channels] == ["1686"]
    assert channels[0].categories == ("金融", "新浪财经", "新浪财经－国內")
    assert "\uff0d" in channels[0].categories[2] and "\u5167" in channels[0].categories[2]


def test_channels_argument_picks_channels_by_lid_in_order() -> None:
    assert [c.id for c in spider(channels="1687, 1686").channels] == ["1687", "1686"]


def test_channels_all_takes_every_declared_channel() -> None:
    declared: dict[str, list[str]] = {}
    for channel in spider(channels="all").channels:
        declared.setdefault(channel.params["pageid"], []).append(channel.id)
    assert declared == SOURCE_NOTES_CHANNELS


def test_each_channel_is_declared_once_with_a_three_level_category() -> None:
    channels = spider(channels="all").channels
    assert len({c.id for c in channels}) == len(channels)
    for channel in channels:
        assert channel.categories[:2] == ("金融", "新浪财经")
        assert channel.categories[2].startswith("新浪财经－")


def test_an_unknown_channel_is_an_error_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"no channel '9999' \(known: 1686, 1687"):
        spider(channels="9999")


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_max_pages_must_be_a_positive_whole_number(value: str) -> None:
    with pytest.raises(ValueError, match="max_pages must be a whole number"):
        spider(max_pages=value)


def test_page_request_asks_the_roll_api_with_channel_page_and_referer() -> None:
    sina = spider(channels="2671")
    request = sina.page_request(sina.channels[0], 3)
    assert request.url == "http://127.0.0.1:1/api/roll/get?pageid=384&lid=2671&num=50&page=3"
    assert request.headers["Referer"] == b"https://finance.sina.com.cn/"


def test_article_links_on_the_api_host_are_allowed_as_well_as_sina_hosts() -> None:
    assert spider().allowed_domains == ["sina.com.cn", "sina.cn", "127.0.0.1"]


def roll_response(body: bytes) -> TextResponse:
    url = "http://127.0.0.1:1/api/roll/get?lid=1686&page=1"
    return TextResponse(url=url, body=body, encoding="utf-8", request=Request(url))


def test_roll_entries_are_read_from_result_data() -> None:
    body = b'{"result": {"status": {"code": 0, "msg": "succ"}, "data": [{"url": "u"}, 5]}}'
    assert roll_entries(roll_response(body)) == [{"url": "u"}]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not JSON"),
        (b"\xff\xfe garbage", "not JSON"),
        (b"[1, 2]", "no `result` object"),
        (b'{"result": {"status": {"code": "11", "msg": "bad lid"}}}', "status.code is '11'"),
        (b'{"result": {"status": {"code": 0}, "data": {"a": 1}}}', "no `data` list"),
    ],
)
def test_unreadable_roll_answers_say_why(body: bytes, reason: str) -> None:
    with pytest.raises(RollAnswerError, match=reason):
        roll_entries(roll_response(body))


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("channels=9999", "error: sina has no channel '9999' (known: 1686,"),
        ("max_pages=0", "error: max_pages must be a whole number ≥ 1, not '0'"),
    ],
)
def test_crawl_with_a_bad_argument_is_a_usage_error_before_any_request(
    argument: str, message: str
) -> None:
    result = scrapy_cli("crawl", "sina", "-a", argument, cwd=ROOT)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "Spider opened" not in result.stderr
