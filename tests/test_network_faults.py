"""Faults from the network, end to end: `scrapy crawl sina` against a server that misbehaves."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse

from crawler.common.html import parse_fragment
from crawler.encoding import guessed_encoding
from crawler.mirror import mirror_path
from crawler.retry import gzip_problem, retry_after_seconds
from pipelines.validate import garbled_share
from tests.crawling import Crawl, add_page, crawl, roll_page
from tests.documents import (
    SINA_PAGES,
    assert_same_document,
    expected_file,
    page_meta,
    split_document,
)
from tests.faults import Fault, FaultyMirror, faulty_mirror_of, gzip_cut, gzipped

URLS = [page_meta(page)["url"] for page in SINA_PAGES]  # six article pages, one per fault
PATHS = [mirror_path(url) for url in URLS]
LISTING = {"1686_1": roll_page(*URLS)}  # the first list page lists all six
LOGIN_URL = "https://login.sina.com.cn/signup/signin.php"
LOGIN_PAGE = """<html><head><meta charset="utf-8"><title>新浪通行证 - 登录</title></head>
<body><form action="/signup/login.php"><input name="username">
<input name="password" type="password"><button>登录</button></form></body></html>"""


def html(number: int) -> str:
    """The text of one of the six fixture pages."""
    return SINA_PAGES[number].read_text(encoding="utf-8")


def title_line(number: int) -> str:
    """The `title:` line of a fixture page's expected file."""
    return expected_file(SINA_PAGES[number]).read_text(encoding="utf-8").split("\n")[2]


def archived(result: Crawl) -> dict[str, Path]:
    """The crawl's files by their `title:` line."""
    return {path.read_text(encoding="utf-8").split("\n")[2]: path for path in result.files()}


def assert_archived_exactly(result: Crawl, *numbers: int) -> None:
    """Assert the crawl archived these fixture pages, and only these, as their expected files."""
    files = archived(result)
    assert sorted(files) == sorted(title_line(number) for number in numbers), result.log
    for number in numbers:
        # A root-relative link resolves against where the page came from: here, the mirror.
        host = urlsplit(URLS[number]).hostname
        text = files[title_line(number)].read_text(encoding="utf-8")
        expected = expected_file(SINA_PAGES[number]).read_text(encoding="utf-8")
        assert_same_document(text.replace(f"{result.mirror.origin}/", f"https://{host}/"), expected)


def log_line(result: Crawl, level: str, message: str, number: int, reason: str) -> None:
    """Assert the log has a line at `level`: `message <url of page number>: ...reason`."""
    url = re.escape(mirror_url(result, number))
    pattern = rf"\b{level}: {re.escape(message)} <{url}>: [^\n]*{re.escape(reason)}"
    assert re.search(pattern, result.log), f"no line like {pattern!r} in:\n{result.log}"


def mirror_url(result: Crawl, number: int) -> str:
    """The URL the crawl asked the mirror for, for one of the six pages."""
    return result.mirror.origin + PATHS[number]


def run(mirror: FaultyMirror, tmp_path: Path, *settings: str) -> Crawl:
    """Crawl the faulty mirror's first list page into a new archive."""
    return crawl(mirror, tmp_path / "archive", *settings)


# --- HTTP statuses -------------------------------------------------------------------------


def test_a_500_or_503_then_success_is_retried_and_archived(fixtures: Path, tmp_path: Path) -> None:
    faults = {PATHS[0]: Fault(status=500, times=1), PATHS[1]: Fault(status=503, times=1)}
    with faulty_mirror_of(fixtures, faults, LISTING) as mirror:
        result = run(mirror, tmp_path)
    assert result.process.returncode == 0, result.log
    assert len(mirror.arrivals[PATHS[0]]) == len(mirror.arrivals[PATHS[1]]) == 2
    assert result.stat("retry/count") == 2
    assert result.stat("sina/article/request_failures") == 0
    assert_archived_exactly(result, 0, 1, 2, 3, 4, 5)


def test_a_404_or_403_is_logged_with_its_url_counted_and_the_run_goes_on(
    fixtures: Path, tmp_path: Path
) -> None:
    faults = {PATHS[0]: Fault(status=404), PATHS[1]: Fault(status=403)}
    with faulty_mirror_of(fixtures, faults, LISTING) as mirror:
        result = run(mirror, tmp_path)
    assert result.process.returncode == 0, result.log
    log_line(result, "ERROR", "Request failed", 0, "HTTP 404 Not Found")
    log_line(result, "ERROR", "Request failed", 1, "HTTP 403 Forbidden")
    assert result.stat("sina/article/request_failures") == 2
    assert len(mirror.arrivals[PATHS[0]]) == 1  # not retried: asking again will not help
    assert_archived_exactly(result, 2, 3, 4, 5)


def test_a_429_or_503_is_retried_after_its_retry_after_or_a_backoff(
    fixtures: Path, tmp_path: Path
) -> None:
    faults = {
        PATHS[0]: Fault(status=503, times=1, headers={"Retry-After": "1"}),
        PATHS[1]: Fault(status=429, times=1, headers={"Retry-After": "1"}),
        PATHS[2]: Fault(status=429, times=1),  # no Retry-After: RETRY_BACKOFF_SECONDS
        PATHS[3]: Fault(status=503, times=1, headers={"Retry-After": "3600"}),  # capped
    }
    settings = ("-s", "RETRY_BACKOFF_SECONDS=0.5", "-s", "RETRY_AFTER_MAX_SECONDS=1.5")
    with faulty_mirror_of(fixtures, faults, LISTING) as mirror:
        result = run(mirror, tmp_path, *settings)
    assert result.process.returncode == 0, result.log
    gaps = [later - first for first, later in (mirror.arrivals[path] for path in PATHS[:4])]
    assert gaps[0] >= 1
    assert gaps[1] >= 1
    assert gaps[2] >= 0.5
    assert 1.5 <= gaps[3] < 30  # not an hour
    log_line(result, "INFO", "HTTP 503", 0, "retrying in 1.0s (Retry-After: 1s)")
    log_line(result, "INFO", "HTTP 429", 1, "retrying in 1.0s (Retry-After: 1s)")
    log_line(result, "INFO", "HTTP 429", 2, "retrying in 0.5s (backoff 0.5s)")
    log_line(
        result, "INFO", "HTTP 503", 3,
        "retrying in 1.5s (Retry-After: 3600s, capped by RETRY_AFTER_MAX_SECONDS)",
    )  # fmt: skip
    assert result.stat("retry/count") == 4
    assert_archived_exactly(result, 0, 1, 2, 3, 4, 5)


def test_a_429_pauses_every_request_to_its_host_not_only_the_retry(
    fixtures: Path, tmp_path: Path
) -> None:
    # Scrapy takes the last listed pages first: the last one is refused.
    faults = {PATHS[5]: Fault(status=429, times=1, headers={"Retry-After": "2"})}
    # One request at a time: the other pages are asked for once the 429 is in.
    settings = ("-s", "CONCURRENT_REQUESTS=1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    with faulty_mirror_of(fixtures, faults, LISTING) as mirror:
        result = run(mirror, tmp_path, *settings)
    assert result.process.returncode == 0, result.log
    refused = mirror.arrivals[PATHS[5]][0]
    others = [arrival for path in PATHS[:5] for arrival in mirror.arrivals[path]]
    asked_after = sorted(arrival for arrival in others if arrival > refused)
    assert len(asked_after) >= 3 and asked_after[0] >= refused + 1.9, (refused, sorted(others))
    host = urlsplit(result.mirror.origin).netloc
    log_line(result, "INFO", "HTTP 429", 5, f"(Retry-After: 2s); no request to {host} before then")
    assert_archived_exactly(result, 0, 1, 2, 3, 4, 5)


# --- the transport ------------------------------------------------------------------------


def test_a_timeout_a_dropped_connection_or_a_huge_page_is_logged_counted_and_leaves_no_file(
    fixtures: Path, tmp_path: Path
) -> None:
    huge = html(2).encode() + b"<!--" + b"x" * 1_100_000 + b"-->"
    faults = {
        PATHS[0]: Fault(delay=2.5),  # past DOWNLOAD_TIMEOUT
        PATHS[1]: Fault(cut=5000),  # Content-Length says more, then the connection closes
        PATHS[2]: Fault(body=huge),  # its Content-Length is over DOWNLOAD_MAXSIZE
        PATHS[3]: Fault(body=huge, headers={"Content-Length": None}),  # it grows past it
    }
    settings = ("-s", "DOWNLOAD_TIMEOUT=1", "-s", "DOWNLOAD_MAXSIZE=1000000")
    with faulty_mirror_of(fixtures, faults, LISTING) as mirror:
        result = run(mirror, tmp_path, *settings)
    assert result.process.returncode == 0, result.log
    log_line(result, "ERROR", "Request failed", 0, "took longer than 1.0 seconds.")
    log_line(
        result, "ERROR", "Request failed", 1,
        "the connection closed before the whole body arrived (ResponseDataLossError)",
    )  # fmt: skip
    log_line(result, "ERROR", "Request failed", 2, "larger than download max size (1000000)")
    log_line(
        result, "ERROR", "Request failed", 3,
        "the body grew past DOWNLOAD_MAXSIZE: download abandoned (DownloadCancelledError)",
    )  # fmt: skip
    assert result.stat("sina/article/request_failures") == 4
    assert_archived_exactly(result, 4, 5)


def test_a_body_cut_short_that_scrapy_would_take_whole_is_retried_then_dropped(
    fixtures: Path, tmp_path: Path
) -> None:
    def inside_article(number: int) -> int:
        page = html(number).encode()
        return page.index(b'class="article"' if b'class="article"' in page else b"<p>") + 2000

    gzip = {"Content-Encoding": "gzip"}
    no_length = {"Content-Length": None}  # the end of the body is where the connection closes
    faults = {
        # Content-Length matches what is sent, but the gzip stream stops mid-article.
        PATHS[0]: Fault(body=gzip_cut(html(0).encode(), inside_article(0)), headers=gzip),
        PATHS[1]: Fault(body=html(1).encode()[: inside_article(1)], headers=no_length),
        PATHS[2]: Fault(body=gzipped(html(2).encode()), headers=gzip),  # whole: kept
        PATHS[3]: Fault(headers=no_length),  # whole, up to its </html>: kept
    }
    with faulty_mirror_of(fixtures, faults, LISTING) as mirror:
        result = run(mirror, tmp_path)
    assert result.process.returncode == 0, result.log
    log_line(result, "ERROR", "Request failed", 0, "gzip body cut short (")
    log_line(result, "ERROR", "Request failed", 1, "HTML cut short (connection closed after ")
    assert len(mirror.arrivals[PATHS[0]]) == len(mirror.arrivals[PATHS[1]]) == 2  # retried
    assert result.stat("sina/article/request_failures") == 2
    assert result.stat("download/broken_bodies") == 4  # two pages, each asked for twice
    assert result.stat("retry/reason_count/broken body") == 2
    assert_archived_exactly(result, 2, 3, 4, 5)


# --- pages that are not the article ------------------------------------------------------


def test_a_redirect_to_a_login_page_or_an_empty_page_is_dropped_with_a_reason(
    fixtures: Path, tmp_path: Path
) -> None:
    add_page(fixtures, "login", LOGIN_URL, LOGIN_PAGE)
    faults = {
        PATHS[0]: Fault(status=302, headers={"Location": mirror_path(LOGIN_URL) + "?r=doc"}),
        PATHS[1]: Fault(body=b""),
    }
    with faulty_mirror_of(fixtures, faults, LISTING) as mirror:
        result = run(mirror, tmp_path)
    assert result.process.returncode == 0, result.log
    login = re.escape(f"{mirror.origin}{mirror_path(LOGIN_URL)}?r=doc")
    assert re.search(
        rf"WARNING: Cannot extract an article <{re.escape(mirror_url(result, 0))}> "
        rf"\(redirected to <{login}>\): no article body",
        result.log,
    ), result.log
    log_line(
        result, "WARNING", "Cannot extract an article", 1, "empty page (HTTP 200 with no content)"
    )
    assert result.stat("sina/article/extraction_errors") == 2
    assert_archived_exactly(result, 2, 3, 4, 5)


# --- charsets ------------------------------------------------------------------------------

UTF8_DECLARATION = re.compile(r"<meta[^>]*charset=[\"']?utf-8[^>]*>", re.IGNORECASE)


def as_gbk(text: str, declare: str | None) -> bytes:
    """A page in GBK, declaring `declare` in its `<meta>`, or nothing."""
    meta = f'<meta charset="{declare}">' if declare else ""
    # The first declaration becomes `meta`; any other goes. © is not in GBK: sites write &copy;.
    text = UTF8_DECLARATION.sub(meta, text, count=1)
    return UTF8_DECLARATION.sub("", text).replace("©", "&copy;").encode("gbk")


def test_pages_with_a_latin1_or_missing_charset_label_are_read_right(
    fixtures: Path, tmp_path: Path
) -> None:
    latin1 = "text/html; charset=ISO-8859-1"  # Apache's old AddDefaultCharset, and others'
    faults = {
        PATHS[0]: Fault(body=as_gbk(html(0), "gbk"), headers={"Content-Type": latin1}),
        PATHS[1]: Fault(body=as_gbk(html(1), None), headers={"Content-Type": latin1}),
        PATHS[2]: Fault(body=as_gbk(html(2), None), headers={"Content-Type": "text/html"}),
        PATHS[3]: Fault(body=b"\xef\xbb\xbf" + html(3).encode(), headers={"Content-Type": latin1}),
        PATHS[4]: Fault(headers={"Content-Type": latin1}),  # UTF-8, declared in its <meta>
        PATHS[5]: Fault(body=as_gbk(html(5), "gb2312"), headers={"Content-Type": latin1}),
    }
    with faulty_mirror_of(fixtures, faults, LISTING) as mirror:
        result = run(mirror, tmp_path)
    assert result.process.returncode == 0, result.log
    assert result.stat("validate/dropped/unreadable_text") == 0
    assert_archived_exactly(result, 0, 1, 2, 3, 4, 5)


def test_pages_that_cannot_be_read_right_are_dropped_not_archived_as_garbage(
    fixtures: Path, tmp_path: Path
) -> None:
    utf8 = "text/html; charset=utf-8"
    # A UTF-8 template around GBK text from an old database: invalid UTF-8 in the body only.
    head, body = html(1).split("<body", 1)
    mixed = head.encode("utf-8") + b"<body" + body.replace("©", "&copy;").encode("gbk")
    # UTF-8 read as Latin-1 and saved again as UTF-8: valid UTF-8, and mojibake.
    double = html(2).encode("utf-8").decode("latin-1").encode("utf-8")
    # One stray byte where it does no harm: the text still reads right.
    stray = html(3).replace("<head>", "<head><!-- \udcff -->", 1).encode("utf-8", "surrogateescape")
    faults = {
        PATHS[0]: Fault(body=as_gbk(html(0), "gbk"), headers={"Content-Type": utf8}),
        PATHS[1]: Fault(body=mixed, headers={"Content-Type": utf8}),
        PATHS[2]: Fault(body=double, headers={"Content-Type": utf8}),
        PATHS[3]: Fault(body=stray, headers={"Content-Type": utf8}),
    }
    with faulty_mirror_of(fixtures, faults, LISTING) as mirror:
        result = run(mirror, tmp_path)
    assert result.process.returncode == 0, result.log
    for number, garbled in [(0, "title "), (1, "body text "), (2, "title ")]:
        pattern = (
            rf"WARNING: Dropped: unreadable text \([^)]*{garbled}\d+% garbled[^)]*\): "
            + re.escape(mirror_url(result, number))
        )
        assert re.search(pattern, result.log), f"no line like {pattern!r} in:\n{result.log}"
    assert result.stat("validate/dropped/unreadable_text") == 3
    assert_archived_exactly(result, 3, 4, 5)


# --- the pieces, one by one ---------------------------------------------------------------


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 28, 8, 0, 0, tzinfo=UTC)
    in_two_minutes = format_datetime(now + timedelta(minutes=2), usegmt=True).encode()
    assert retry_after_seconds(b"120", now) == 120
    assert retry_after_seconds(in_two_minutes, now) == 120
    assert retry_after_seconds(b"Sat, 28 Nov 2026 07:00:00 GMT", now) == 0  # already past
    assert retry_after_seconds(b"soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_a_gzip_body_is_whole_cut_short_or_corrupt() -> None:
    page = html(4).encode()
    whole = gzipped(page)
    assert gzip_problem(whole) is None
    assert gzip_problem(whole[:-4]) is not None  # the size trailer is missing
    assert (gzip_problem(gzip_cut(page, 1000)) or "").startswith("gzip body cut short")
    corrupt = whole[:20] + bytes(b ^ 0xFF for b in whole[20:40]) + whole[40:]
    assert (gzip_problem(corrupt) or "").startswith("gzip body is corrupt")
    assert gzip_problem(gzip_cut(page, 1000), max_size=100) is None  # too big: not its call


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("<title>交通运输部</title>".encode("gbk"), "text/html; charset=iso-8859-1", "gb18030"),
        ("<title>交通运输部</title>".encode(), "text/html; charset=windows-1252", "utf-8"),
        ("<title>交通运输部</title>".encode("gbk"), "text/html", "gb18030"),
        ('<meta charset="big5"><title>交通</title>'.encode("big5"), "text/html; charset=latin-1",
         "big5hkscs"),  # w3lib reads big5 as its superset
        # Real Latin-1 stays Latin-1: "à " is not GB18030 and "Café" alone is not Chinese.
        ("<title>Café crème à la française</title>".encode("latin-1"),
         "text/html; charset=iso-8859-1", None),
        ("<title>交通运输部</title>".encode("gbk"), "text/html; charset=utf-8", None),  # a label
        ("<title>交通运输部</title>".encode(), "text/html", None),  # Scrapy reads it right
    ],
    ids=["latin1-gbk", "cp1252-utf8", "unlabelled-gbk", "latin1-declared-big5", "real-latin1",
         "utf8-label-wins", "unlabelled-utf8"],
)  # fmt: skip
def test_guessed_encoding(body: bytes, content_type: str, expected: str | None) -> None:
    response = HtmlResponse(
        "https://example.com/", body=body, headers={"Content-Type": content_type}
    )
    assert guessed_encoding(response) == expected


@pytest.mark.parametrize("page", SINA_PAGES, ids=lambda page: page.stem)
def test_garbled_share_is_nil_for_real_text_and_high_for_mojibake(page: Path) -> None:
    document = split_document(expected_file(page).read_text(encoding="utf-8"))
    text = "".join(parse_fragment(document.body).itertext())
    assert garbled_share(text) == 0
    assert garbled_share(text.encode("gbk", "replace").decode("cp1252", "replace")) > 0.3
    assert garbled_share(text.encode().decode("latin-1")) > 0.3
    assert garbled_share(text.encode("gbk", "replace").decode("utf-8", "replace")) > 0.3


def test_garbled_share_spares_accented_names_and_chinese_symbols() -> None:
    assert garbled_share("雀巢（Nestlé）与法兴银行（Société Générale）股价下跌") == 0
    assert garbled_share("约翰·史密斯：××公司营收增长5%，气温25°C") == 0
