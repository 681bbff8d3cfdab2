"""The `sina` spider: discovers Sina Finance articles through the roll API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from w3lib.url import add_or_replace_parameters

from crawler.common.dates import BEIJING, parse_epoch
from crawler.common.text import split_keywords, squash
from crawler.common.urls import web_url
from crawler.listing import Listing
from crawler.sites import Channel
from crawler.sites.sina import Sina
from crawler.spiders.archiving import ArchivingSpider

SITE = Sina()


class RollAnswerError(ValueError):
    """A roll API answer that cannot be read; the message says why."""


def roll_entries(response: Response) -> list[dict[str, Any]]:
    """Return the article entries of a roll API answer, newest first."""
    try:
        answer = json.loads(response.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RollAnswerError(f"not JSON ({error})") from None
    except RecursionError:
        raise RollAnswerError("not JSON (nested too deeply)") from None
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, dict):
        raise RollAnswerError("no `result` object")
    status = result.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    if code not in (0, "0"):
        message = status.get("msg", "") if isinstance(status, dict) else ""
        raise RollAnswerError(f"status.code is {code!r}, not 0 ({message})")
    data = result.get("data")
    if not isinstance(data, list):
        raise RollAnswerError("no `data` list")
    return [entry for entry in data if isinstance(entry, dict)]


def roll_listing(url: str, entry: dict[str, Any]) -> Listing:
    """Return what a roll API entry says of its article (its `docid` is Sina's id)."""
    return SITE.listing(
        url,
        listed_id=str(entry.get("docid", "")).rpartition(":")[2],
        title=squash(str(entry.get("title", ""))),
        published=parse_epoch(entry.get("intime")) or parse_epoch(entry.get("ctime")),
        modified=parse_epoch(entry.get("mtime")),
        keywords=tuple(split_keywords(str(entry.get("keywords", "")))),
        source=squash(str(entry.get("media_name", ""))),
    )


@dataclass(frozen=True)
class Arguments:
    """The spider's `-a` arguments, read and checked."""

    channels: list[Channel]
    max_pages: int
    since: datetime | None
    refresh_all: bool


class SinaSpider(ArchivingSpider):
    """List channels through the roll API and hand each new or changed article to the parser.

    Arguments: `-a channels=1686,1687` (lids, or `all`; default the site's default channel),
    `-a max_pages=N` (list pages read per channel, default 1), `-a since=YYYY-MM-DD` (walk
    back through list pages until that date, Beijing time), `-a refresh=all` (fetch every
    listed article again, archived or not).
    """

    name = "sina"
    stats_prefix = "sina"
    site = SITE
    refresh_source = True  # `scrapy refresh` runs this spider by default
    arguments: Arguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.channels = self.arguments.channels
        self.allowed_domains: list[str] = []
        self.api_url = ""
        self.page_size = 50
        self.referer = ""
        # Channels whose last run was interrupted: read up to max_pages, not just the new part.
        self.unfinished: set[str] = set()
        self.backfill_max_pages = 5000
        # A backfill's keys listed so far, by channel: a page listing none but these repeats.
        self.backfill_keys: dict[str, set[str]] = {}

    @classmethod
    def read_arguments(
        cls, channels: str = "", max_pages: str = "1", since: str = "", refresh: str = ""
    ) -> Arguments:
        """Read and check `-a channels= max_pages= since= refresh=`."""
        if channels.strip().lower() == "all":
            picked = list(cls.site.channels)
        else:
            ids = [part.strip() for part in channels.split(",") if part.strip()]
            if channels.strip() and not ids:
                raise ValueError(
                    f"channels must name channel ids separated by commas (e.g. 1686,1687), "
                    f"or all, not {channels!r}"
                )
            try:
                picked = [cls.site.channel(lid) for lid in ids or [cls.site.default_channel]]
            except KeyError as error:
                raise ValueError(error.args[0]) from None
        pages = int(max_pages) if max_pages.strip().isdigit() else 0
        if pages < 1:
            raise ValueError(f"max_pages must be a whole number ≥ 1, not {max_pages!r}")
        try:
            start_date = date.fromisoformat(since.strip()) if since.strip() else None
        except ValueError:
            raise ValueError(f"since must be a date as YYYY-MM-DD, not {since!r}") from None
        if refresh not in ("", "all"):
            raise ValueError(f"refresh can only be 'all', not {refresh!r}")
        return Arguments(
            channels=picked,
            max_pages=pages,
            since=datetime.combine(start_date, time(), BEIJING) if start_date else None,
            refresh_all=refresh == "all",
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Read the SINA_ROLL_* settings; follow article links on the API's host too."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.api_url = settings.get("SINA_ROLL_API_URL")
        spider.page_size = settings.getint("SINA_ROLL_PAGE_SIZE", 50)
        spider.referer = settings.get("SINA_ROLL_REFERER", "")
        spider.backfill_max_pages = settings.getint("SINA_ROLL_BACKFILL_MAX_PAGES", 5000)
        api_host = urlsplit(spider.api_url).hostname or ""
        spider.allowed_domains = [*cls.site.hosts, api_host]
        return spider

    def listings(self) -> Iterator[Request]:
        """Mark every channel as being read, then ask for each one's first list page in turn."""
        for channel in self.channels:
            if self.state is None:
                continue
            with self.counting_state_errors(f"mark channel {channel.id} as being read"):
                if not self.state.begin_listing(self.listing(channel)):
                    self.logger.info(
                        "Channel %s: the last run did not finish; resuming", channel.id
                    )
                    self.unfinished.add(channel.id)
        for channel in self.channels:
            yield self.page_request(channel, 1)

    def listing(self, channel: Channel) -> str:
        """Name a channel's listing in the archive state."""
        return f"{self.name}:{channel.id}"

    def closed(self, reason: str) -> None:
        """Mark the channels as read to the end, if the crawl finished."""
        if self.state is not None and reason == "finished":
            for channel in self.channels:
                with self.counting_state_errors(f"mark channel {channel.id} as read"):
                    self.state.finish_listing(self.listing(channel))

    def page_request(self, channel: Channel, page: int) -> Request:
        """Build the roll API request for one list page of a channel."""
        url = add_or_replace_parameters(
            self.api_url, {**channel.params, "num": str(self.page_size), "page": str(page)}
        )
        request = self.list_request(url, self.parse_list, channel=channel, page=page)
        if self.referer:
            request.headers["Referer"] = self.referer
        return request

    def parse_list(self, response: Response, channel: Channel, page: int) -> Iterator[Request]:
        """Follow the new and changed articles of a list page, then maybe the next page.

        Pages are newest first, so paging stops at a page that lists only archived,
        unchanged articles; with `since`, it stops at the first article older than that.
        """
        stats = self.crawler.stats
        assert stats is not None
        try:
            entries = roll_entries(response)
        except RollAnswerError as error:
            stats.inc_value("sina/list/bad_answers")
            self.logger.error("Bad roll API answer <%s>: %s", response.url, error)
            yield from self.next_listing()
            return
        stats.inc_value("sina/list/pages")
        since = self.arguments.since
        wanted, unchanged, reached_since = 0, [], False
        keys: set[str] = set()  # the page's articles
        dated = False  # whether any entry has a time
        with self.entry_warnings(response) as warnings:
            for entry in entries:
                with self.reading_entry(warnings):
                    url = str(entry.get("url") or entry.get("wapurl") or "").strip()
                    if not url:
                        stats.inc_value("sina/list/entries_without_url")
                        warnings.warn("Roll entry without a URL", repr(entry))
                        continue
                    listing = roll_listing(web_url(url, response.url), entry)
                    keys.add(listing.key)
                    listed = parse_epoch(entry.get("ctime")) or parse_epoch(entry.get("intime"))
                    dated = dated or listed is not None
                    if since and listed and listed < since:
                        reached_since = True
                        continue
                    if self.is_archived_unchanged(listing):
                        unchanged.append(listing.key)
                        continue
                    if self.first_listed(listing):
                        wanted += 1
                        yield self.article_request(self.site, channel, listing)
        self.note_listed_unchanged(unchanged)
        self.logger.info(
            "Channel %s (%s) page %d: %d listed, %d new or changed",
            channel.id, channel.name, page, len(entries), wanted,
        )  # fmt: skip
        if reached_since or not entries:
            more = False
        elif self.arguments.since:
            more = self.backfill_goes_on(channel, page, keys, dated)
        else:
            more = self.wants_next_page(channel, page, wanted)
        if more:
            yield self.page_request(channel, page + 1)
        else:
            yield from self.next_listing()

    def backfill_goes_on(self, channel: Channel, page: int, keys: set[str], dated: bool) -> bool:
        """Decide whether a backfill reads the channel's next list page.

        It walks back until `since`, but not past a page that lists only what earlier pages
        did (an API that ignores `page`), a page without times (`since` would never be
        reached), or SINA_ROLL_BACKFILL_MAX_PAGES pages.
        """
        seen = self.backfill_keys.setdefault(channel.id, set())
        repeats = bool(keys) and keys <= seen
        seen |= keys
        since = self.arguments.since.date().isoformat() if self.arguments.since else ""
        if repeats:
            why = "lists nothing that pages before it did not: the API repeats itself"
        elif not dated:
            why = f"lists no times: cannot tell when {since} is reached"
        elif page >= self.backfill_max_pages:
            self.logger.warning(
                "Channel %s: read SINA_ROLL_BACKFILL_MAX_PAGES (%d) list pages without reaching "
                "%s; stopping the backfill here", channel.id, page, since,
            )  # fmt: skip
            return False
        else:
            return True
        self.logger.warning(
            "Channel %s: page %d %s; stopping the backfill here", channel.id, page, why
        )
        return False

    def wants_next_page(self, channel: Channel, page: int, wanted: int) -> bool:
        """Decide whether to read the channel's next list page (not in a backfill)."""
        if wanted == 0 and not self.arguments.refresh_all and channel.id not in self.unfinished:
            self.logger.info("Everything listed on page %d is archived: stopping here", page)
            return False
        return page < self.arguments.max_pages
