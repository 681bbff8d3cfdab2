"""A bare Scrapy spider for `crawl_throughput.py`: walks the roll API and fetches, nothing more.

It asks for the same list pages as the `sina` spider, in the same order, and follows every
listed URL, but does nothing with an article page: no parsing, no item, no file. Run it with
`scrapy runspider` outside the project, so none of the project's components load.

    .venv/bin/scrapy runspider benchmarks/bare_spider.py -a api=<roll API URL> -a pages=40
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Request, Response
from w3lib.url import add_or_replace_parameters


class BareSpider(scrapy.Spider):
    """Fetch the roll API's list pages and every article they list; keep nothing."""

    name = "bare"

    def __init__(self, api: str = "", pages: str = "1", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api, self.pages = api, int(pages)

    def list_request(self, page: int) -> Request:
        """The roll API request the `sina` spider makes for channel 1686's list page."""
        params = {"pageid": "155", "lid": "1686", "num": "50", "page": str(page)}
        return Request(
            add_or_replace_parameters(self.api, params),
            callback=self.parse_list,
            cb_kwargs={"page": page},
            dont_filter=True,
        )

    async def start(self) -> AsyncIterator[Request]:
        """Ask for the first list page."""
        yield self.list_request(1)

    def parse_list(self, response: Response, page: int) -> Iterator[Request]:
        """Follow every listed URL, then the next list page (articles first, as `sina` does)."""
        entries = json.loads(response.body)["result"]["data"]
        for entry in entries:
            yield response.follow(entry["url"], callback=self.ignore)
        if entries and page < self.pages:
            yield self.list_request(page + 1)

    def ignore(self, response: Response) -> None:
        """Do nothing with an article page: this spider is the floor of fetching."""
